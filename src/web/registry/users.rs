//! Accounts: the list with search, pages and password reset; a new account (its password
//! generated and shown once); an account's page to rename, relink or deactivate it.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::form::{self, Errors, Fields, Input};
use super::organisations::invalid;
use crate::account::throttle::{self, Key};
use crate::auth::{Caller, Role};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::error::Error;
use crate::registry::browse;
use crate::registry::input::Change;
use crate::registry::users::{
    self, may_create, may_manage, may_reset, NewUserBody, Revoked, User, UserPatch,
};
use crate::startup::AppState;
use crate::web::account::CsrfOnly;
use crate::web::error::WebError;
use crate::web::i18n::Locale;
use crate::web::layout::{self, csrf_field};
use crate::web::session::Ctx;
use crate::web::session::{path_id, STAFF};

const ROLES: [Role; 4] = [
    Role::Requester,
    Role::Mediator,
    Role::Coordinator,
    Role::Admin,
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub page: Option<String>,
    pub saved: Option<u8>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let notice = q.saved.map(|_| ctx.t("form.saved"));
    Ok(render_list(&state, &ctx, &q, None, notice)
        .await?
        .into_response())
}

/// Names of organisations and mediator profiles, for showing what an account is linked to.
struct Names {
    organisations: HashMap<i64, String>,
    mediators: HashMap<i64, String>,
}

impl Names {
    async fn load(state: &AppState) -> Result<Names, WebError> {
        let organisations = browse::organisation_names(&state.db).await?;
        let mediators = browse::mediator_names(&state.db).await?;
        Ok(Names {
            organisations: organisations.into_iter().collect(),
            mediators: mediators.into_iter().collect(),
        })
    }

    fn link_of(&self, u: &User) -> Option<&str> {
        u.organisation_id
            .and_then(|id| self.organisations.get(&id))
            .or_else(|| u.mediator_id.and_then(|id| self.mediators.get(&id)))
            .map(String::as_str)
    }

    /// Options of a select, by name, with an empty first choice.
    fn options(map: &HashMap<i64, String>, none: &str) -> Vec<(String, String)> {
        let mut sorted: Vec<(&i64, &String)> = map.iter().collect();
        sorted.sort_by(|a, b| a.1.cmp(b.1));
        let mut out = vec![(String::new(), none.to_string())];
        out.extend(
            sorted
                .into_iter()
                .map(|(id, name)| (id.to_string(), name.clone())),
        );
        out
    }
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    reset: Option<(String, String, Revoked)>,
    notice: Option<&str>,
) -> Result<Markup, WebError> {
    let caller = ctx.caller()?;
    let found = browse::users(&state.db, caller, &q.q, form::page_index(q.page.as_deref())).await?;
    let names = Names::load(state).await?;
    let t = |k| ctx.t(k);
    let content = html! {
        @if let Some(text) = notice { (layout::notice(text)) }
        @if let Some((email, password, revoked)) = &reset {
            div.notice role="status" {
                p { (t("users.reset_done")) " " strong { (email) } ": " code.secret { (password) } }
                p.muted { (t("users.reset_hint")) }
                p.muted { (t("users.revoked").replace("{sessions}", &revoked.sessions.to_string()).replace("{tokens}", &revoked.api_tokens.to_string())) }
            }
        }
        div.page-head {
            div {
                h1 { (t("users.title")) }
                p.muted.count { (found.total) " " (t("reg.results")) }
            }
            a.button.primary href="/coord/users/new" { "+ " (t("reg.user_new")) }
        }
        @if caller.role == Role::Admin {
            (locks(state, ctx))
        }
        (form::search_box(ctx, "/coord/users", &q.q, t("reg.user_search_hint")))
        @if found.items.is_empty() {
            p.empty { (t("reg.none_found")) }
        } @else {
            div.table-wrap {
                table.reg-table {
                    thead { tr {
                        th scope="col" { "Email" }
                        th scope="col" { (t("users.role")) }
                        th scope="col" { (t("reg.linked_to")) }
                        th scope="col" { (t("req.status")) }
                        th scope="col" { span.sr-only { (t("users.reset")) } }
                    } }
                    tbody {
                        @for u in &found.items {
                            tr.inactive[!u.active] {
                                th scope="row" {
                                    a href=(format!("/coord/users/{}", u.id)) { (u.email) }
                                    @if u.name != u.email { br; span.muted.small-text { (u.name) } }
                                }
                                td { span class=(format!("badge role-{}", u.role)) { (ctx.locale.word(&u.role)) } }
                                td { (names.link_of(u).unwrap_or("—")) }
                                td { @if u.active {
                                    span.badge.b-accepted { (t("meds.active")) }
                                } @else {
                                    span.badge.b-cancelled { (t("meds.inactive")) }
                                } }
                                td.row-actions {
                                    @if may_reset(caller.role, &u.role) {
                                        form.inline method="post" action=(format!("/coord/users/{}/password", u.id)) {
                                            (csrf_field(ctx))
                                            button.secondary.small type="submit" aria-label=(format!("{} — {}", t("users.reset"), u.email)) { (t("users.reset")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (form::pager(ctx, "/coord/users", &q.q, &found))
        }
    };
    Ok(layout::page(ctx, t("users.title"), "/coord/users", content))
}

/// The throttle's current locks, each with a button to lift it: admins only.
fn locks(state: &AppState, ctx: &Ctx) -> Markup {
    let now = state.clock.now();
    let locks = state.throttle.locks(now);
    let t = |k| ctx.t(k);
    html! {
        section.card aria-labelledby="locks-title" {
            h2 #locks-title { (t("users.locks")) }
            @if locks.is_empty() {
                p.muted { (t("users.locks_none")) }
            } @else {
                p.muted { (t("users.locks_hint")) }
                ul.locks {
                    @for lock in &locks {
                        li {
                            strong { (lock.key.describe()) } " — "
                            (t("users.locked_until")) " " (ctx.locale.time(lock.until, DEFAULT_ZONE))
                            form.inline method="post" action="/coord/locks/lift" {
                                (csrf_field(ctx))
                                input type="hidden" name="key" value=(lock.key.encode());
                                button.secondary.small type="submit" aria-label=(format!("{} — {}", t("users.lift"), lock.key.describe())) { (t("users.lift")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LiftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

pub async fn lift_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LiftForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(&[Role::Admin])?;
    let key = Key::decode(&form.key).ok_or(WebError::NotFound)?;
    throttle::lift(&state.db, &state.throttle, caller, &key).await?;
    Ok(Redirect::to("/coord/users?saved=1").into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(STAFF)?;
    let (user, password, revoked) = users::reset_password(&state.db, caller, path_id(&id)?).await?;
    let q = ListQuery::default();
    Ok(render_list(
        &state,
        &ctx,
        &q,
        Some((user.email, password, revoked)),
        None,
    )
    .await?
    .into_response())
}

/// The account forms as typed.
#[derive(Debug, Default)]
struct UserForm {
    email: String,
    name: String,
    role: String,
    organisation_id: String,
    mediator_id: String,
    locale: String,
    active: bool,
}

impl UserForm {
    fn from_fields(f: &Fields) -> Self {
        UserForm {
            email: f.get("email").into(),
            name: f.get("name").into(),
            role: f.get("role").into(),
            organisation_id: f.get("organisation_id").into(),
            mediator_id: f.get("mediator_id").into(),
            locale: f.get("locale").into(),
            active: f.has("active"),
        }
    }

    fn of(u: &User) -> Self {
        UserForm {
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.clone(),
            organisation_id: u
                .organisation_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            mediator_id: u.mediator_id.map(|id| id.to_string()).unwrap_or_default(),
            locale: u.locale.clone(),
            active: u.active,
        }
    }
}

fn italian(input: &str) -> &'static str {
    match input {
        "email" => "Indica un indirizzo email valido.",
        "name" => "Indica nome e cognome (al massimo 200 caratteri).",
        "role" => "Scegli il ruolo.",
        "organisation_id" => "Un utente richiedente appartiene a un ente: sceglilo dall'elenco.",
        "mediator_id" => {
            "Un account da mediatore è collegato al suo profilo: sceglilo dall'elenco."
        }
        "locale" => "Scegli italiano o inglese.",
        "active" => "Non puoi disattivare il tuo stesso account.",
        _ => "Valore non valido.",
    }
}

/// Field errors, and a taken email as an error of the email field.
fn merge(ctx: &Ctx, errors: &mut Errors, e: Error) -> Result<(), WebError> {
    match e {
        Error::Conflict(message) => {
            let text = match ctx.locale {
                Locale::It => "Esiste già un utente con questa email.".to_string(),
                Locale::En => message,
            };
            errors.insert("email".into(), text);
            Ok(())
        }
        other => form::merge(ctx, errors, other, italian),
    }
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let names = Names::load(&state).await?;
    let form = UserForm {
        role: Role::Requester.as_str().into(),
        locale: "it".into(),
        active: true,
        ..UserForm::default()
    };
    Ok(new_page(&ctx, caller, &names, &form, &Errors::new()).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = Fields(pairs);
    ctx.check_csrf(fields.get("csrf"))?;
    let caller = ctx.require(STAFF)?;
    let form = UserForm::from_fields(&fields);
    let password = users::generate_password();
    let body = NewUserBody {
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        role: Some(form.role.clone()),
        organisation_id: form.organisation_id.parse().ok(),
        mediator_id: form.mediator_id.parse().ok(),
        password: Some(password.clone()),
        locale: Some(form.locale.clone()),
    };
    let mut errors = Errors::new();
    match users::create(&state.db, caller, body).await {
        Ok(created) => return Ok(created_page(&ctx, &created, &password).into_response()),
        Err(e) => merge(&ctx, &mut errors, e)?,
    }
    let names = Names::load(&state).await?;
    Ok(invalid(new_page(&ctx, caller, &names, &form, &errors)))
}

fn new_page(ctx: &Ctx, caller: &Caller, names: &Names, form: &UserForm, errors: &Errors) -> Markup {
    let t = |k| ctx.t(k);
    let err = |k: &str| errors.get(k).map(String::as_str);
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) { a href="/coord/users" { "← " (t("users.title")) } }
        h1 { (t("reg.user_new")) }
        p.lead { (t("reg.user_new_intro")) }
        (form::summary(ctx, errors))
        form.card.reg-form.user-form method="post" action="/coord/users/new" novalidate {
            (csrf_field(ctx))
            div.grid2 {
                (Input::new("email", "Email", &form.email).kind("email").required().autocomplete("off").render(errors))
                (Input::new("name", t("users.name"), &form.name).required().autocomplete("off").render(errors))
            }
            fieldset.field.invalid[err("role").is_some()] #role aria-describedby=[err("role").map(|_| "role-error")] {
                legend { (t("users.role")) }
                div.choices.row {
                    @for role in ROLES.iter().filter(|r| may_create(caller.role, **r)) {
                        @let input_id = format!("role-{}", role.as_str());
                        label.choice for=(input_id) {
                            input type="radio" id=(input_id) name="role" value=(role.as_str()) checked[form.role == role.as_str()];
                            span { strong { (ctx.locale.word(role.as_str())) } small { (t(role_hint(*role))) } }
                        }
                    }
                }
                @if let Some(e) = err("role") { p.error id="role-error" { (e) } }
            }
            div.grid2 {
                (form::select(errors, "organisation_id", t("req.organisation"), Some(t("reg.user_org_hint")), &form.organisation_id, &Names::options(&names.organisations, t("reg.none"))))
                (form::select(errors, "mediator_id", t("req.mediator"), Some(t("reg.user_med_hint")), &form.mediator_id, &Names::options(&names.mediators, t("reg.none"))))
            }
            (form::select(errors, "locale", t("reg.page_locale"), None, &form.locale, &form::locale_options()))
            p.hint { (t("reg.user_password_hint")) }
            div.actions {
                button.primary type="submit" { (t("reg.user_create")) }
                a.button href="/coord/users" { (t("reg.cancel")) }
            }
        }
    };
    layout::page(ctx, t("reg.user_new"), "/coord/users", content)
}

fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Requester => "reg.role_requester",
        Role::Mediator => "reg.role_mediator",
        Role::Coordinator => "reg.role_coordinator",
        Role::Admin => "reg.role_admin",
    }
}

/// The new account and its password, shown this once.
fn created_page(ctx: &Ctx, user: &User, password: &str) -> Markup {
    let t = |k| ctx.t(k);
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) { a href="/coord/users" { "← " (t("users.title")) } }
        section.card.narrow.created {
            h1 { (t("reg.user_created")) }
            dl.facts {
                dt { "Email" } dd #new-email { (user.email) }
                dt { (t("users.role")) } dd { (ctx.locale.word(&user.role)) }
                dt { (t("login.password")) } dd { code.secret #new-password { (password) } }
            }
            p.notice.warn-note role="status" { (t("reg.user_password_once")) }
            div.actions {
                a.button.primary href="/coord/users" { (t("users.title")) }
                a.button href=(format!("/coord/users/{}", user.id)) { (t("reg.user_open")) }
            }
        }
    };
    layout::page(ctx, t("reg.user_created"), "/coord/users", content)
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let caller = ctx.require(STAFF)?;
    let user = users::get(&state.db, caller, path_id(&id)?).await?;
    let names = Names::load(&state).await?;
    Ok(edit_page(
        &ctx,
        caller,
        &user,
        &names,
        &UserForm::of(&user),
        &Errors::new(),
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
    let user = users::get(&state.db, caller, path_id(&id)?).await?;
    let form = UserForm::from_fields(&fields);
    let link = |raw: &str| raw.parse::<i64>().map_or(Change::Clear, Change::Set);
    let patch = UserPatch {
        name: Change::Set(form.name.clone()),
        locale: Change::Set(form.locale.clone()),
        active: Change::Set(form.active),
        organisation_id: if user.role == Role::Requester.as_str() {
            link(&form.organisation_id)
        } else {
            Change::Keep
        },
        mediator_id: if user.role == Role::Mediator.as_str() {
            link(&form.mediator_id)
        } else {
            Change::Keep
        },
    };
    let mut errors = Errors::new();
    match users::update(&state.db, caller, user.id, patch).await {
        Ok(_) => return Ok(Redirect::to("/coord/users?saved=1").into_response()),
        Err(e) => merge(&ctx, &mut errors, e)?,
    }
    let names = Names::load(&state).await?;
    let form = UserForm {
        email: user.email.clone(),
        role: user.role.clone(),
        ..form
    };
    Ok(invalid(edit_page(
        &ctx, caller, &user, &names, &form, &errors,
    )))
}

fn edit_page(
    ctx: &Ctx,
    caller: &Caller,
    user: &User,
    names: &Names,
    form: &UserForm,
    errors: &Errors,
) -> Markup {
    let t = |k| ctx.t(k);
    let err = |k: &str| errors.get(k).map(String::as_str);
    let manageable = may_manage(caller.role, &user.role);
    let content = html! {
        nav.crumbs aria-label=(t("reg.crumbs")) { a href="/coord/users" { "← " (t("users.title")) } }
        div.page-head {
            h1 { (user.email) }
            span class=(format!("badge role-{}", user.role)) { (ctx.locale.word(&user.role)) }
        }
        (form::summary(ctx, errors))
        @if !manageable { p.notice { (t("reg.user_admin_only")) } }
        form.card.reg-form.user-form method="post" action=(format!("/coord/users/{}", user.id)) novalidate {
            (csrf_field(ctx))
            fieldset.plain-set disabled[!manageable] {
                (Input::new("name", t("users.name"), &form.name).required().render(errors))
                @if user.role == Role::Requester.as_str() {
                    (form::select(errors, "organisation_id", t("req.organisation"), None, &form.organisation_id, &Names::options(&names.organisations, t("reg.none"))))
                }
                @if user.role == Role::Mediator.as_str() {
                    (form::select(errors, "mediator_id", t("req.mediator"), None, &form.mediator_id, &Names::options(&names.mediators, t("reg.none"))))
                }
                (form::select(errors, "locale", t("reg.page_locale"), None, &form.locale, &form::locale_options()))
                div.field.invalid[err("active").is_some()] {
                    label.choice for="active" {
                        input type="checkbox" id="active" name="active" value="1" checked[form.active]
                            aria-describedby=[err("active").map(|_| "active-error")];
                        span { strong { (t("reg.user_active")) } small { (t("reg.user_active_hint")) } }
                    }
                    @if let Some(e) = err("active") { p.error id="active-error" { (e) } }
                }
                div.actions {
                    button.primary type="submit" { (t("form.save")) }
                    a.button href="/coord/users" { (t("reg.cancel")) }
                }
            }
        }
        @if manageable {
            section.card {
                h2 { (t("users.reset")) }
                p.muted { (t("reg.reset_explain")) }
                form method="post" action=(format!("/coord/users/{}/password", user.id)) data-confirm=(t("reg.reset_confirm")) {
                    (csrf_field(ctx))
                    button.secondary type="submit" { (t("users.reset")) }
                }
            }
        }
        p { a href=(format!("/coord/audit?entity=user&entity_id={}", user.id)) { (t("reg.history")) } }
    };
    layout::page(ctx, &user.email, "/coord/users", content)
}
