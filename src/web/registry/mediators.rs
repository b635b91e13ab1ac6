//! Mediators: the list with search and pages, and the profile form (new and edit) with
//! languages picked from a searchable list, tags, modalities, home and weekly hours.
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::form::{self, Errors, Fields, Input};
use super::organisations::invalid;
use crate::domain::language;
use crate::entity::site;
use crate::registry::browse;
use crate::registry::input::Change;
use crate::registry::mediator_checks::NewHome;
use crate::registry::mediators::{self, Mediator, MediatorPatch, NewMediator};
use crate::registry::tags;
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::i18n::Locale;
use crate::web::layout::{self, csrf_field};
use crate::web::session::Ctx;
use crate::web::session::{path_id, STAFF};

const MODALITIES: [&str; 3] = ["in_person", "phone", "video"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let found =
        browse::mediators(&state.db, caller, &q.q, form::page_index(q.page.as_deref())).await?;
    let t = |k| ctx.t(k);
    let content = html! {
        div.page-head {
            div {
                h1 { (t("meds.title")) }
                p.muted.count { (found.total) " " (t("reg.results")) }
            }
            a.button.primary href="/coord/mediators/new" { "+ " (t("reg.med_new")) }
        }
        (form::search_box(&ctx, "/coord/mediators", &q.q, t("reg.med_search_hint")))
        @if found.items.is_empty() {
            p.empty { (t("reg.none_found")) }
        } @else {
            div.table-wrap {
                table.reg-table {
                    thead { tr {
                        th scope="col" { (t("users.name")) }
                        th scope="col" { (t("meds.languages")) }
                        th scope="col" { (t("meds.modalities")) }
                        th scope="col" { (t("reg.weekly_hours_short")) }
                        th scope="col" { (t("req.status")) }
                    } }
                    tbody {
                        @for m in &found.items {
                            tr.inactive[!m.active] {
                                th scope="row" {
                                    a href=(format!("/coord/mediators/{}", m.id)) { (m.name) }
                                    @if let Some(email) = &m.email { br; span.muted.small-text { (email) } }
                                }
                                td.lang { (language_list(&ctx, &m.languages)) }
                                td { @for (i, l) in m.modalities.iter().enumerate() {
                                    @if i > 0 { ", " } (ctx.locale.word(l))
                                } }
                                td.num { (m.max_weekly_minutes.map_or("—".to_string(), |min| hours(f64::from(min) / 60.0))) }
                                td { @if m.active {
                                    span.badge.b-accepted { (t("meds.active")) }
                                } @else {
                                    span.badge.b-cancelled { (t("meds.inactive")) }
                                } }
                            }
                        }
                    }
                }
            }
            (form::pager(&ctx, "/coord/mediators", &q.q, &found))
        }
    };
    Ok(layout::page(&ctx, t("meds.title"), "/coord/mediators", content).into_response())
}

fn language_list(ctx: &Ctx, tags: &[String]) -> Markup {
    html! {
        @for (i, l) in tags.iter().enumerate() {
            @if i > 0 { ", " }
            span lang=(l) { (ctx.locale.language_name(l)) }
        }
    }
}

/// Hours without a trailing ".0": 30, 22.5.
fn hours(h: f64) -> String {
    let text = format!("{h:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// The profile form as typed.
#[derive(Debug, Default)]
struct MedForm {
    name: String,
    email: String,
    phone: String,
    locale: String,
    languages: Vec<String>,
    languages_other: String,
    tags: Vec<String>,
    modalities: Vec<String>,
    home_site_id: String,
    home_address: String,
    home_lat: String,
    home_lon: String,
    max_weekly_hours: String,
    active: bool,
}

impl MedForm {
    fn from_fields(f: &Fields) -> Self {
        MedForm {
            name: f.get("name").into(),
            email: f.get("email").into(),
            phone: f.get("phone").into(),
            locale: f.get("locale").into(),
            languages: f.all("languages"),
            languages_other: f.get("languages_other").into(),
            tags: f.all("tags"),
            modalities: f.all("modalities"),
            home_site_id: f.get("home_site_id").into(),
            home_address: f.get("home_address").into(),
            home_lat: f.get("home_lat").into(),
            home_lon: f.get("home_lon").into(),
            max_weekly_hours: f.get("max_weekly_hours").into(),
            active: f.has("active"),
        }
    }

    fn of(m: &Mediator) -> Self {
        let known = language::known_tags();
        let (listed, other): (Vec<String>, Vec<String>) = m
            .languages
            .iter()
            .cloned()
            .partition(|l| known.contains(&l.as_str()));
        MedForm {
            name: m.name.clone(),
            email: m.email.clone().unwrap_or_default(),
            phone: m.phone.clone().unwrap_or_default(),
            locale: m.locale.clone(),
            languages: listed,
            languages_other: other.join(", "),
            tags: m.tags.clone(),
            modalities: m.modalities.clone(),
            home_site_id: m.home_site_id.map(|id| id.to_string()).unwrap_or_default(),
            home_address: m
                .home
                .as_ref()
                .map(|h| h.address.clone())
                .unwrap_or_default(),
            home_lat: m
                .home
                .as_ref()
                .map(|h| format!("{:.5}", h.lat))
                .unwrap_or_default(),
            home_lon: m
                .home
                .as_ref()
                .map(|h| format!("{:.5}", h.lon))
                .unwrap_or_default(),
            max_weekly_hours: m
                .max_weekly_minutes
                .map(|min| hours(f64::from(min) / 60.0))
                .unwrap_or_default(),
            active: m.active,
        }
    }

    /// Every language: the ticked ones, then those typed (tags or names, comma-separated).
    fn all_languages(&self) -> Vec<String> {
        let mut all = self.languages.clone();
        for typed in self
            .languages_other
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            all.push(tag_of(typed));
        }
        all
    }
}

/// A language as typed: its tag when the text is a known language's name in Italian,
/// English or its own script; otherwise the text, for the domain to check as a tag.
fn tag_of(typed: &str) -> String {
    let wanted = typed.to_lowercase();
    language::known_tags()
        .iter()
        .find(|tag| {
            language::parse_tag(tag)
                .ok()
                .and_then(|t| language::names(&t))
                .is_some_and(|n| {
                    [n.italian, n.english, n.native]
                        .iter()
                        .any(|name| name.to_lowercase() == wanted)
                })
        })
        .map_or_else(|| typed.to_string(), |t| t.to_string())
}

fn italian(input: &str) -> &'static str {
    match input {
        "name" => "Indica nome e cognome (al massimo 200 caratteri).",
        "email" => "L'indirizzo email non è valido.",
        "phone" => "Il numero di telefono non è valido: usa cifre, spazi e un + iniziale, come +39 0574 123456.",
        "languages" => "Scegli almeno una lingua; quelle scritte a mano vanno separate da virgole (es. ar-TN, Wolof).",
        "tags" => "Una delle qualifiche non è nel catalogo.",
        "modalities" => "Scegli almeno una modalità di lavoro.",
        "home" => "Indica come casa una sede oppure un indirizzo con coordinate, non entrambi.",
        "home_site_id" => "La sede scelta non esiste più.",
        "home_address" => "Indica l'indirizzo di casa insieme alle coordinate.",
        "home_lat" => "La latitudine va da -90 a 90 gradi (Prato è circa 43,88).",
        "home_lon" => "La longitudine va da -180 a 180 gradi (Prato è circa 11,10).",
        "max_weekly_hours" => "Le ore settimanali vanno da 1 minuto a 56 ore.",
        "locale" => "Scegli italiano o inglese.",
        "active" => "Valore non valido.",
        _ => "Valore non valido.",
    }
}

/// What the form offers besides the profile: the tag catalogue and the sites.
struct Choices {
    tags: Vec<tags::Tag>,
    sites: Vec<site::Model>,
}

impl Choices {
    async fn load(state: &AppState) -> Result<Choices, WebError> {
        Ok(Choices {
            tags: tags::list(&state.db).await?,
            sites: browse::sites_by_name(&state.db).await?,
        })
    }
}

/// The form's home and weekly hours as the domain takes them, with the errors only the form
/// can see (hours or coordinates that are not numbers).
struct Parsed {
    home_site_id: Option<i64>,
    home: Option<NewHome>,
    max_weekly_minutes: Option<i64>,
    errors: Errors,
}

fn parse(ctx: &Ctx, fields: &Fields) -> Parsed {
    let mut errors = Errors::new();
    let message = |input: &str, english: &'static str| match ctx.locale {
        Locale::It => italian(input),
        Locale::En => english,
    };
    let home_site_id = fields.get("home_site_id").parse::<i64>().ok();
    let lat = fields.number(
        "home_lat",
        &mut errors,
        message(
            "home_lat",
            "The latitude is a number of degrees, such as 43.88.",
        ),
    );
    let lon = fields.number(
        "home_lon",
        &mut errors,
        message(
            "home_lon",
            "The longitude is a number of degrees, such as 11.10.",
        ),
    );
    let address = fields.optional("home_address");
    let home = (address.is_some() || lat.is_some() || lon.is_some()).then_some(NewHome {
        address,
        lat,
        lon,
    });
    let hours = fields.number(
        "max_weekly_hours",
        &mut errors,
        message(
            "max_weekly_hours",
            "The weekly hours are a number, such as 30 or 22.5.",
        ),
    );
    Parsed {
        home_site_id,
        home,
        max_weekly_minutes: hours.map(|h| (h * 60.0).round() as i64),
        errors,
    }
}

/// The domain's error on minutes belongs to the hours input.
fn merge(ctx: &Ctx, errors: &mut Errors, e: crate::error::Error) -> Result<(), WebError> {
    form::merge(ctx, errors, e, italian)?;
    if let Some(message) = errors.remove("max_weekly_minutes") {
        let text = match ctx.locale {
            Locale::It => italian("max_weekly_hours").to_string(),
            Locale::En => message,
        };
        errors.entry("max_weekly_hours".into()).or_insert(text);
    }
    Ok(())
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let choices = Choices::load(&state).await?;
    let form = MedForm {
        locale: "it".into(),
        modalities: MODALITIES.iter().map(|m| m.to_string()).collect(),
        active: true,
        ..MedForm::default()
    };
    Ok(med_page(&ctx, None, &form, &Errors::new(), &choices, None).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let form = MedForm::from_fields(&fields);
    let Parsed {
        home_site_id,
        home,
        max_weekly_minutes,
        mut errors,
    } = parse(&ctx, &fields);
    let new = NewMediator {
        name: Some(form.name.clone()),
        email: fields.optional("email"),
        phone: fields.optional("phone"),
        languages: Some(form.all_languages()),
        tags: form.tags.clone(),
        modalities: Some(form.modalities.clone()),
        home_site_id,
        home,
        max_weekly_minutes,
        timezone: None,
        locale: Some(form.locale.clone()),
    };
    if errors.is_empty() {
        match mediators::create(&state.db, caller, new).await {
            Ok(created) => {
                return Ok(
                    Redirect::to(&format!("/coord/mediators/{}?created=1", created.id))
                        .into_response(),
                )
            }
            Err(e) => merge(&ctx, &mut errors, e)?,
        }
    }
    let choices = Choices::load(&state).await?;
    Ok(invalid(med_page(
        &ctx, None, &form, &errors, &choices, None,
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub created: Option<u8>,
    pub saved: Option<u8>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let m = mediators::get(&state.db, caller, path_id(&id)?).await?;
    let choices = Choices::load(&state).await?;
    let notice = match (q.created, q.saved) {
        (Some(_), _) => Some(ctx.t("reg.med_created")),
        (_, Some(_)) => Some(ctx.t("form.saved")),
        _ => None,
    };
    Ok(med_page(
        &ctx,
        Some(m.id),
        &MedForm::of(&m),
        &Errors::new(),
        &choices,
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
    let form = MedForm::from_fields(&fields);
    let Parsed {
        home_site_id,
        home,
        max_weekly_minutes,
        mut errors,
    } = parse(&ctx, &fields);
    let optional = |value: Option<String>| value.map_or(Change::Clear, Change::Set);
    // One home: a site, or a place of its own, or none; the domain refuses both at once.
    let (site_change, home_change) = match (home_site_id, home) {
        (None, None) => (Change::Clear, Change::Clear),
        (site, place) => (
            site.map_or(Change::Keep, Change::Set),
            place.map_or(Change::Keep, Change::Set),
        ),
    };
    let patch = MediatorPatch {
        name: Change::Set(form.name.clone()),
        email: optional(fields.optional("email")),
        phone: optional(fields.optional("phone")),
        languages: Change::Set(form.all_languages()),
        tags: Change::Set(form.tags.clone()),
        modalities: Change::Set(form.modalities.clone()),
        home_site_id: site_change,
        home: home_change,
        max_weekly_minutes: max_weekly_minutes.map_or(Change::Clear, Change::Set),
        timezone: Change::Keep,
        active: Change::Set(form.active),
        locale: Change::Set(form.locale.clone()),
    };
    if errors.is_empty() {
        match mediators::update(&state.db, caller, id, patch).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/coord/mediators/{id}?saved=1")).into_response())
            }
            Err(e) => merge(&ctx, &mut errors, e)?,
        }
    }
    let choices = Choices::load(&state).await?;
    Ok(invalid(med_page(
        &ctx,
        Some(id),
        &form,
        &errors,
        &choices,
        None,
    )))
}

fn med_page(
    ctx: &Ctx,
    id: Option<i64>,
    form: &MedForm,
    errors: &Errors,
    choices: &Choices,
    notice: Option<&str>,
) -> Markup {
    let t = |k| ctx.t(k);
    let title = match id {
        Some(_) => form.name.as_str(),
        None => t("reg.med_new"),
    };
    let action = id.map_or("/coord/mediators/new".to_string(), |id| {
        format!("/coord/mediators/{id}")
    });
    let mut sites: Vec<(String, String)> = vec![(String::new(), t("reg.home_own").to_string())];
    sites.extend(
        choices
            .sites
            .iter()
            .map(|s| (s.id.to_string(), format!("{} — {}", s.name, s.address))),
    );
    let err = |k: &str| errors.get(k).map(String::as_str);
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) { a href="/coord/mediators" { "← " (t("meds.title")) } }
        @if let Some(text) = notice { (layout::notice(text)) }
        div.page-head {
            h1 { (title) }
            @if id.is_some() && !form.active { span.badge.b-cancelled { (t("meds.inactive")) } }
        }
        (form::summary(ctx, errors))
        form.reg-form.med-form method="post" action=(action) novalidate {
            (csrf_field(ctx))
            section.card {
                h2 { (t("reg.med_profile")) }
                (Input::new("name", t("users.name"), &form.name).required().autocomplete("name").render(errors))
                div.grid2 {
                    (Input::new("email", "Email", &form.email).kind("email").autocomplete("email").render(errors))
                    (Input::new("phone", t("reg.phone"), &form.phone).kind("tel").autocomplete("tel").render(errors))
                }
                div.grid2 {
                    (form::select(errors, "locale", t("reg.email_locale"), Some(t("reg.med_email_locale_hint")), &form.locale, &form::locale_options()))
                    @if id.is_some() {
                        div.field.check-field {
                            span.label-like { (t("req.status")) }
                            label.choice for="active" {
                                input type="checkbox" id="active" name="active" value="1" checked[form.active];
                                span { strong { (t("meds.active")) } small { (t("reg.active_hint")) } }
                            }
                        }
                    }
                }
            }
            section.card {
                fieldset.field.invalid[err("languages").is_some()] #languages aria-describedby=[err("languages").map(|_| "languages-error")] {
                    legend { h2.legend-title { (t("meds.languages")) } }
                    p.hint { (t("reg.languages_hint")) }
                    div.lang-search.js-only-block {
                        label for="lang-filter" { (t("reg.languages_search")) }
                        input type="search" id="lang-filter" placeholder=(t("reg.languages_search_hint")) autocomplete="off" aria-controls="lang-options";
                    }
                    div.lang-options #lang-options {
                        @for tag in language::known_tags() {
                            @let input_id = format!("lang-{tag}");
                            @let names = language::parse_tag(tag).ok().and_then(|l| language::names(&l));
                            label.lang-option for=(input_id)
                                data-names=(names.map(|n| format!("{} {} {} {tag}", n.italian, n.english, n.native).to_lowercase()).unwrap_or_default()) {
                                input type="checkbox" id=(input_id) name="languages" value=(tag) checked[form.languages.iter().any(|l| l == tag)];
                                span.lang-name { (ctx.locale.language_name(tag)) }
                                span.tag-code { (tag) }
                            }
                        }
                    }
                    p.no-match.muted hidden { (t("reg.languages_none")) }
                    (Input::new("languages_other", t("reg.languages_other"), &form.languages_other).hint(t("reg.languages_other_hint")).render(&Errors::new()))
                    @if let Some(e) = err("languages") { p.error id="languages-error" { (e) } }
                }
            }
            section.card {
                h2 { (t("reg.med_work")) }
                div.grid2 {
                    fieldset.field.invalid[err("modalities").is_some()] #modalities aria-describedby=[err("modalities").map(|_| "modalities-error")] {
                        legend { (t("meds.modalities")) }
                        div.choices {
                            @for m in MODALITIES {
                                @let input_id = format!("modality-{m}");
                                label.choice for=(input_id) {
                                    input type="checkbox" id=(input_id) name="modalities" value=(m) checked[form.modalities.iter().any(|x| x == m)];
                                    span { strong { (ctx.locale.word(m)) } }
                                }
                            }
                        }
                        @if let Some(e) = err("modalities") { p.error id="modalities-error" { (e) } }
                    }
                    fieldset.field.invalid[err("tags").is_some()] #tags aria-describedby=[err("tags").map(|_| "tags-error")] {
                        legend { (t("reg.tags")) }
                        @if choices.tags.is_empty() { p.muted { (t("reg.tags_none")) } }
                        div.choices {
                            @for tag in &choices.tags {
                                @let input_id = format!("tag-{}", tag.name);
                                label.choice for=(input_id) {
                                    input type="checkbox" id=(input_id) name="tags" value=(tag.name) checked[form.tags.contains(&tag.name)];
                                    span { strong { (tag.name) } @if let Some(d) = &tag.description { small { (d) } } }
                                }
                            }
                        }
                        @if let Some(e) = err("tags") { p.error id="tags-error" { (e) } }
                    }
                }
                (Input::new("max_weekly_hours", t("reg.weekly_hours"), &form.max_weekly_hours).kind("number").hint(t("reg.weekly_hours_hint")).render(errors))
            }
            section.card #home {
                h2 { (t("reg.home")) }
                p.hint { (t("reg.home_hint")) }
                @if let Some(e) = err("home") { p.error { (e) } }
                (form::select(errors, "home_site_id", t("reg.home_site"), None, &form.home_site_id, &sites))
                (Input::new("home_address", t("reg.home_address"), &form.home_address).render(errors))
                div.grid2 {
                    (Input::new("home_lat", t("reg.lat"), &form.home_lat).kind("number").render(errors))
                    (Input::new("home_lon", t("reg.lon"), &form.home_lon).kind("number").render(errors))
                }
            }
            div.actions.sticky-actions {
                button.primary type="submit" { (if id.is_some() { t("form.save") } else { t("reg.med_create") }) }
                a.button href="/coord/mediators" { (t("reg.cancel")) }
                @if let Some(id) = id {
                    a.history href=(format!("/coord/audit?entity=mediator&entity_id={id}")) { (t("reg.history")) }
                }
            }
        }
    };
    layout::page(ctx, title, "/coord/mediators", content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_languages_become_tags() {
        assert_eq!(tag_of("Arabo marocchino"), "ar-MA");
        assert_eq!(tag_of("shqip"), "sq");
        assert_eq!(tag_of("ar-TN"), "ar-TN");
        let form = MedForm {
            languages: vec!["zh".into()],
            languages_other: "Urdu, ; ar-TN".into(),
            ..MedForm::default()
        };
        assert_eq!(form.all_languages(), ["zh", "ur", "ar-TN"]);
        assert_eq!(hours(22.5), "22.5");
        assert_eq!(hours(30.0), "30");
    }
}
