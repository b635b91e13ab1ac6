//! Organisations and their sites: the list (cards with a map of every site), the
//! organisation form (new and edit, with its sites), and the site form with the map picker.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::form::{self, Errors, Fields, Input};
use super::map::{self, Dot};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::registry::browse;
use crate::registry::input::Change;
use crate::registry::organisations::{self, NewOrganisation, OrganisationKind, OrganisationPatch};
use crate::registry::sites::{self, NewSite, SitePatch};
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::layout::{self, csrf_field};
use crate::web::session::Ctx;
use crate::web::session::{path_id, STAFF};

const KINDS: [OrganisationKind; 5] = [
    OrganisationKind::School,
    OrganisationKind::SocialServices,
    OrganisationKind::Health,
    OrganisationKind::Desk,
    OrganisationKind::Other,
];

/// Zones offered as suggestions; any IANA zone is accepted.
const ZONES: [&str; 4] = ["Europe/Rome", "Europe/Vatican", "Europe/San_Marino", "UTC"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub saved: Option<u8>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let entries = browse::organisations(&state.db, caller, &q.q).await?;
    let t = |k| ctx.t(k);
    let dots: Vec<Dot> = entries
        .iter()
        .flat_map(|e| &e.sites)
        .map(|s| Dot {
            lat: s.lat,
            lon: s.lon,
            label: &s.name,
        })
        .collect();
    let site_count = dots.len();
    let content = html! {
        div.page-head {
            div {
                h1 { (t("orgs.title")) }
                p.muted.count { (entries.len()) " " (t("reg.orgs_count")) " · " (site_count) " " (t("reg.sites_count")) }
            }
            a.button.primary href="/coord/organisations/new" { "+ " (t("reg.org_new")) }
        }
        (form::search_box(&ctx, "/coord/organisations", &q.q, t("reg.org_search_hint")))
        section.card.map-card { (map::map(&ctx, &dots, None)) }
        @if entries.is_empty() {
            p.empty { (t("reg.none_found")) }
        }
        div.cards.org-cards {
            @for e in &entries {
                @let o = &e.organisation;
                article.card.org {
                    h2 { a href=(format!("/coord/organisations/{}", o.id)) { (o.name) } }
                    p.meta {
                        span class=(format!("badge kind-{}", o.kind)) { (kind_name(&ctx, &o.kind)) }
                        span.muted { (o.timezone) }
                        span.muted lang=(o.locale) { "✉ " (o.locale.to_uppercase()) }
                    }
                    @if let Some(email) = &o.contact_email { p.contact { a href=(format!("mailto:{email}")) { (email) } } }
                    @if e.sites.is_empty() {
                        p.muted { (t("reg.no_sites")) }
                    } @else {
                        ul.plain.site-list {
                            @for s in &e.sites {
                                li { a href=(format!("/coord/sites/{}", s.id)) { strong { (s.name) } } br; span.muted { (s.address) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("orgs.title"), "/coord/organisations", content).into_response())
}

/// The organisation form's values as typed.
#[derive(Debug, Default)]
struct OrgForm {
    name: String,
    kind: String,
    timezone: String,
    contact_email: String,
    locale: String,
}

impl OrgForm {
    fn from_fields(f: &Fields) -> Self {
        OrgForm {
            name: f.get("name").into(),
            kind: f.get("kind").into(),
            timezone: f.get("timezone").into(),
            contact_email: f.get("contact_email").into(),
            locale: f.get("locale").into(),
        }
    }
}

fn italian(input: &str) -> &'static str {
    match input {
        "name" => "Indica il nome dell'ente (al massimo 200 caratteri).",
        "kind" => "Scegli il tipo di ente.",
        "timezone" => "Indica un fuso orario IANA, come Europe/Rome.",
        "contact_email" => "L'indirizzo email non è valido.",
        "locale" => "Scegli italiano o inglese.",
        "address" => "Indica l'indirizzo della sede.",
        "lat" => "La latitudine va da -90 a 90 gradi (Prato è circa 43,88).",
        "lon" => "La longitudine va da -180 a 180 gradi (Prato è circa 11,10).",
        _ => "Valore non valido.",
    }
}

pub async fn new_form(ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let form = OrgForm {
        kind: "school".into(),
        timezone: DEFAULT_ZONE.name().into(),
        locale: "it".into(),
        ..OrgForm::default()
    };
    Ok(org_page(&ctx, None, &form, &Errors::new(), None).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let form = OrgForm::from_fields(&fields);
    let new = NewOrganisation {
        name: Some(form.name.clone()),
        kind: Some(form.kind.clone()),
        timezone: fields.optional("timezone"),
        contact_email: fields.optional("contact_email"),
        locale: Some(form.locale.clone()),
    };
    let mut errors = Errors::new();
    match organisations::create(&state.db, caller, new).await {
        Ok(created) => Ok(
            Redirect::to(&format!("/coord/organisations/{}?created=1", created.id)).into_response(),
        ),
        Err(e) => {
            form::merge(&ctx, &mut errors, e, italian)?;
            Ok(invalid(org_page(&ctx, None, &form, &errors, None)))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub created: Option<u8>,
    pub saved: Option<u8>,
    pub site_saved: Option<u8>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let id = path_id(&id)?;
    let o = organisations::get(&state.db, caller, id).await?;
    let form = OrgForm {
        name: o.name.clone(),
        kind: o.kind.clone(),
        timezone: o.timezone.clone(),
        contact_email: o.contact_email.clone().unwrap_or_default(),
        locale: o.locale.clone(),
    };
    let sites = sites_of(&state, caller, id).await?;
    let notice = if q.created.is_some() {
        Some(ctx.t("reg.org_created"))
    } else if q.site_saved.is_some() {
        Some(ctx.t("reg.site_saved"))
    } else if q.saved.is_some() {
        Some(ctx.t("form.saved"))
    } else {
        None
    };
    Ok(org_page(
        &ctx,
        Some((id, sites.as_slice())),
        &form,
        &Errors::new(),
        notice,
    )
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let id = path_id(&id)?;
    let form = OrgForm::from_fields(&fields);
    let patch = OrganisationPatch {
        name: Change::Set(form.name.clone()),
        kind: Change::Set(form.kind.clone()),
        timezone: Change::Set(form.timezone.clone()),
        contact_email: fields
            .optional("contact_email")
            .map_or(Change::Clear, Change::Set),
        locale: Change::Set(form.locale.clone()),
    };
    let mut errors = Errors::new();
    match organisations::update(&state.db, caller, id, patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/coord/organisations/{id}?saved=1")).into_response()),
        Err(e) => {
            form::merge(&ctx, &mut errors, e, italian)?;
            let sites = sites_of(&state, caller, id).await?;
            Ok(invalid(org_page(
                &ctx,
                Some((id, sites.as_slice())),
                &form,
                &errors,
                None,
            )))
        }
    }
}

async fn sites_of(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: i64,
) -> Result<Vec<sites::Site>, WebError> {
    let params = crate::storage::page::PageParams {
        limit: Some(crate::storage::page::MAX_LIMIT.to_string()),
        cursor: None,
    };
    Ok(sites::list(&state.db, caller, id, &params).await?.items)
}

/// A form answered with its errors: 422, so that tools see the failure too.
pub(super) fn invalid(page: Markup) -> Response {
    let mut response = page.into_response();
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

fn org_page(
    ctx: &Ctx,
    existing: Option<(i64, &[sites::Site])>,
    form: &OrgForm,
    errors: &Errors,
    notice: Option<&str>,
) -> Markup {
    let t = |k| ctx.t(k);
    let title = if existing.is_some() {
        form.name.as_str()
    } else {
        t("reg.org_new")
    };
    let action = existing.map_or("/coord/organisations/new".to_string(), |(id, _)| {
        format!("/coord/organisations/{id}")
    });
    let kinds: Vec<(String, String)> = KINDS
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                kind_name(ctx, k.as_str()).to_string(),
            )
        })
        .collect();
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) { a href="/coord/organisations" { "← " (t("orgs.title")) } }
        @if let Some(text) = notice { (layout::notice(text)) }
        h1 { (title) }
        (form::summary(ctx, errors))
        div.reg-grid {
            form.card.reg-form method="post" action=(action) novalidate {
                (csrf_field(ctx))
                h2 { (t("reg.org_details")) }
                (Input::new("name", t("users.name"), &form.name).required().autocomplete("organization").render(errors))
                (form::select(errors, "kind", t("orgs.kind"), None, &form.kind, &kinds))
                div.grid2 {
                    (Input::new("timezone", t("reg.timezone"), &form.timezone).hint(t("reg.timezone_hint")).list("zones").render(errors))
                    (form::select(errors, "locale", t("reg.email_locale"), Some(t("reg.email_locale_hint")), &form.locale, &form::locale_options()))
                }
                datalist #zones { @for z in ZONES { option value=(z) {} } }
                (Input::new("contact_email", t("reg.contact_email"), &form.contact_email).kind("email").hint(t("reg.contact_email_hint")).autocomplete("email").render(errors))
                div.actions {
                    button.primary type="submit" { (if existing.is_some() { t("form.save") } else { t("reg.org_create") }) }
                    a.button href="/coord/organisations" { (t("reg.cancel")) }
                }
            }
            @if let Some((id, sites)) = existing {
                section.card.sites-card {
                    div.section-head {
                        h2 { (t("orgs.sites")) }
                        a.button.secondary.small href=(format!("/coord/organisations/{id}/sites/new")) { "+ " (t("reg.site_new")) }
                    }
                    @if sites.is_empty() {
                        p.muted { (t("reg.no_sites")) }
                    } @else {
                        ul.plain.site-list {
                            @for s in sites {
                                li {
                                    a href=(format!("/coord/sites/{}", s.id)) { strong { (s.name) } }
                                    br; span.muted { (s.address) }
                                    br; span.coords { (format!("{:.5}, {:.5}", s.lat, s.lon)) }
                                }
                            }
                        }
                    }
                    @let dots: Vec<Dot> = sites.iter().map(|s| Dot { lat: s.lat, lon: s.lon, label: &s.name }).collect();
                    (map::map(ctx, &dots, None))
                }
                p { a href=(format!("/coord/audit?entity=organisation&entity_id={id}")) { (t("reg.history")) } }
            }
        }
    };
    layout::page(ctx, title, "/coord/organisations", content)
}

fn kind_name(ctx: &Ctx, kind: &str) -> &'static str {
    match kind {
        "other" => ctx.t("reg.kind_other"),
        k => ctx.locale.word(k),
    }
}

// Sites.

#[derive(Debug, Default)]
struct SiteForm {
    name: String,
    address: String,
    lat: String,
    lon: String,
}

impl SiteForm {
    fn from_fields(f: &Fields) -> Self {
        SiteForm {
            name: f.get("name").into(),
            address: f.get("address").into(),
            lat: f.get("lat").into(),
            lon: f.get("lon").into(),
        }
    }

    fn point(&self) -> Option<(f64, f64)> {
        let number = |s: &str| s.replace(',', ".").parse::<f64>().ok();
        Some((number(&self.lat)?, number(&self.lon)?))
    }
}

/// The coordinates as numbers; what is not a number is a field error here, since the domain
/// takes numbers.
fn coordinates(ctx: &Ctx, fields: &Fields, errors: &mut Errors) -> (Option<f64>, Option<f64>) {
    let lat = fields.number(
        "lat",
        errors,
        italian_or(
            ctx,
            "lat",
            "The latitude is a number of degrees, such as 43.88.",
        ),
    );
    let lon = fields.number(
        "lon",
        errors,
        italian_or(
            ctx,
            "lon",
            "The longitude is a number of degrees, such as 11.10.",
        ),
    );
    (lat, lon)
}

fn italian_or<'a>(ctx: &Ctx, input: &str, english: &'a str) -> &'a str {
    match ctx.locale {
        crate::web::i18n::Locale::It => italian(input),
        crate::web::i18n::Locale::En => english,
    }
}

pub async fn new_site_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(org): Path<String>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let org = organisations::get(&state.db, caller, path_id(&org)?).await?;
    let all = browse::all_sites(&state.db, caller).await?;
    Ok(site_page(&ctx, &org, None, &SiteForm::default(), &Errors::new(), &all).into_response())
}

pub async fn create_site(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(org): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let org = organisations::get(&state.db, caller, path_id(&org)?).await?;
    let form = SiteForm::from_fields(&fields);
    let mut errors = Errors::new();
    let (lat, lon) = coordinates(&ctx, &fields, &mut errors);
    let new = NewSite {
        name: Some(form.name.clone()),
        address: Some(form.address.clone()),
        lat,
        lon,
    };
    // A coordinate that is not a number goes as missing, so the domain refuses the whole.
    match sites::create(&state.db, caller, org.id, new).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/coord/organisations/{}?site_saved=1", org.id))
                    .into_response(),
            )
        }
        Err(e) => form::merge(&ctx, &mut errors, e, italian)?,
    }
    let all = browse::all_sites(&state.db, caller).await?;
    Ok(invalid(site_page(&ctx, &org, None, &form, &errors, &all)))
}

pub async fn edit_site_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let site = sites::get(&state.db, caller, path_id(&id)?).await?;
    let org = organisations::get(&state.db, caller, site.organisation_id).await?;
    let form = SiteForm {
        name: site.name.clone(),
        address: site.address.clone(),
        lat: format!("{:.5}", site.lat),
        lon: format!("{:.5}", site.lon),
    };
    let all = browse::all_sites(&state.db, caller).await?;
    Ok(site_page(&ctx, &org, Some(site.id), &form, &Errors::new(), &all).into_response())
}

pub async fn update_site(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let site = sites::get(&state.db, caller, path_id(&id)?).await?;
    let org = organisations::get(&state.db, caller, site.organisation_id).await?;
    let form = SiteForm::from_fields(&fields);
    let mut errors = Errors::new();
    let (lat, lon) = coordinates(&ctx, &fields, &mut errors);
    // A coordinate that is not a number goes as a removal, which the domain refuses: the
    // error already recorded here for it is the one shown, and nothing is half-saved.
    let required = |x: Option<f64>| x.map_or(Change::Clear, Change::Set);
    let patch = SitePatch {
        name: Change::Set(form.name.clone()),
        address: Change::Set(form.address.clone()),
        lat: required(lat),
        lon: required(lon),
    };
    match sites::update(&state.db, caller, site.id, patch).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/coord/organisations/{}?site_saved=1", org.id))
                    .into_response(),
            )
        }
        Err(e) => form::merge(&ctx, &mut errors, e, italian)?,
    }
    let all = browse::all_sites(&state.db, caller).await?;
    Ok(invalid(site_page(
        &ctx,
        &org,
        Some(site.id),
        &form,
        &errors,
        &all,
    )))
}

fn site_page(
    ctx: &Ctx,
    org: &organisations::Organisation,
    site: Option<i64>,
    form: &SiteForm,
    errors: &Errors,
    all: &[crate::entity::site::Model],
) -> Markup {
    let t = |k| ctx.t(k);
    let title = match site {
        Some(_) => form.name.as_str(),
        None => t("reg.site_new"),
    };
    let action = match site {
        Some(id) => format!("/coord/sites/{id}"),
        None => format!("/coord/organisations/{}/sites/new", org.id),
    };
    let others: Vec<Dot> = all
        .iter()
        .filter(|s| Some(s.id) != site)
        .map(|s| Dot {
            lat: s.lat,
            lon: s.lon,
            label: &s.name,
        })
        .collect();
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) {
            a href="/coord/organisations" { (t("orgs.title")) }
            " › "
            a href=(format!("/coord/organisations/{}", org.id)) { (org.name) }
        }
        h1 { (title) }
        (form::summary(ctx, errors))
        form.card.reg-form.site-form method="post" action=(action) novalidate {
            (csrf_field(ctx))
            (Input::new("name", t("reg.site_name"), &form.name).required().render(errors))
            (Input::new("address", t("reg.address"), &form.address).hint(t("reg.address_hint")).required().autocomplete("street-address").render(errors))
            fieldset.coords-set {
                legend { (t("reg.coordinates")) }
                p.hint { (t("reg.coordinates_hint")) }
                div.grid2 {
                    (Input::new("lat", t("reg.lat"), &form.lat).kind("number").required().render(errors))
                    (Input::new("lon", t("reg.lon"), &form.lon).kind("number").required().render(errors))
                }
                (map::map(ctx, &others, Some(("lat", "lon", form.point()))))
            }
            div.actions {
                button.primary type="submit" { (if site.is_some() { t("form.save") } else { t("reg.site_create") }) }
                a.button href=(format!("/coord/organisations/{}", org.id)) { (t("reg.cancel")) }
            }
        }
        @if let Some(id) = site {
            p { a href=(format!("/coord/audit?entity=site&entity_id={id}")) { (t("reg.history")) } }
        }
    };
    layout::page(ctx, title, "/coord/organisations", content)
}
