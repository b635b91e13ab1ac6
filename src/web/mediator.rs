//! Mediators' pages: their week of assignments (a list, phone first), their availability as
//! a form over `registry::availability`, and the language of their emails.
use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use maud::{html, Markup};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, badge, csrf_field};
use super::session::Ctx;
use crate::audit;
use crate::auth::Role;
use crate::domain::availability::{ExceptionKind, WeeklyRule};
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::entity::{assignment, mediator, organisation, request, site, user};
use crate::http::ApiError;
use crate::registry::availability::{self, Availability, DatedException};
use crate::startup::AppState;
use crate::storage::Write;

/// What a mediator sees of their assignments: offered ones (to answer) and the confirmed.
const SHOWN_STATES: [&str; 3] = ["offered", "published", "accepted"];
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const BLANK_ROWS: usize = 2;

async fn own_mediator(state: &AppState, ctx: &Ctx) -> Result<mediator::Model, WebError> {
    let caller = ctx.require(&[Role::Mediator])?;
    let id = caller.mediator_id.ok_or(WebError::Forbidden)?;
    mediator::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(WebError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    pub start: String,
}

pub async fn week(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    let zone = local_time::parse_zone(&me.timezone).unwrap_or(DEFAULT_ZONE);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let day = NaiveDate::parse_from_str(q.start.trim(), "%Y-%m-%d").unwrap_or(today);
    let monday = day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
    let from = local_time::local_date_time_or_next(monday, NaiveTime::MIN, zone);
    let to = local_time::local_date_time_or_next(monday + TimeDelta::days(7), NaiveTime::MIN, zone);
    let rows = assignment::Entity::find()
        .filter(assignment::Column::MediatorId.eq(me.id))
        .filter(assignment::Column::State.is_in(SHOWN_STATES))
        .filter(assignment::Column::Start.gte(from))
        .filter(assignment::Column::Start.lt(to))
        .order_by_asc(assignment::Column::Start)
        .all(&state.db)
        .await?;
    let requests: HashMap<i64, request::Model> = request::Entity::find()
        .filter(request::Column::Id.is_in(rows.iter().map(|a| a.request_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let orgs: HashMap<i64, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(requests.values().map(|r| r.organisation_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let sites: HashMap<i64, site::Model> = site::Entity::find()
        .filter(site::Column::Id.is_in(requests.values().filter_map(|r| r.site_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut by_day: BTreeMap<NaiveDate, Vec<&assignment::Model>> = BTreeMap::new();
    for a in &rows {
        by_day
            .entry(a.start.with_timezone(&zone).date_naive())
            .or_default()
            .push(a);
    }
    let t = |k| ctx.t(k);
    let day_title = |d: NaiveDate| {
        let weekday = ctx.locale.weekday_long(d.weekday());
        let date = ctx.locale.date(d);
        // "lunedì 30 mar 2026": the long weekday, then the date without its short one.
        format!(
            "{weekday} {}",
            date.split_once(' ').map_or("", |(_, rest)| rest)
        )
    };
    let content = html! {
        div.page-head {
            h1 { (t("week.title")) }
            p.muted { (me.name) }
        }
        nav.pager.week-nav {
            a href=(format!("/week?start={}", monday - TimeDelta::days(7))) { (t("week.prev")) }
            strong { (ctx.locale.date(monday)) " – " (ctx.locale.date(monday + TimeDelta::days(6))) }
            a href=(format!("/week?start={}", monday + TimeDelta::days(7))) { (t("week.next")) }
        }
        @if rows.is_empty() { p.empty { (t("week.empty")) } }
        ol.week {
            @for offset in 0..7 {
                @let d = monday + TimeDelta::days(offset);
                @let items = by_day.get(&d);
                li.day.today[d == today].weekend[offset >= 5 && items.is_none()] {
                    h2 { (day_title(d)) }
                    @match items {
                        None => { p.muted { (t("week.free")) } }
                        Some(items) => {
                            ul.slots {
                                @for a in items {
                                    @let r = requests.get(&a.request_id);
                                    li.slot {
                                        div.time { (ctx.locale.time(a.start, zone)) "–" (ctx.locale.time(a.end, zone)) }
                                        div.what {
                                            @if let Some(r) = r {
                                                strong.lang { (ctx.locale.language_name(&r.language)) }
                                                " · " (ctx.locale.word(&r.modality))
                                                @if let Some(org) = orgs.get(&r.organisation_id) { div { (org) } }
                                                @if let Some(s) = r.site_id.and_then(|id| sites.get(&id)) {
                                                    div.muted { (s.name) ", " (s.address) }
                                                }
                                            }
                                        }
                                        (badge(&ctx, &a.state))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("week.title"), "/week", content).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: Option<u8>,
}

pub async fn availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let current = availability::get(&state.db, caller, me.id).await?;
    let rules: Vec<RuleRow> = current.rules.iter().map(RuleRow::from).collect();
    let exceptions: Vec<ExceptionRow> = current.exceptions.iter().map(ExceptionRow::from).collect();
    Ok(render_availability(
        &ctx,
        &rules,
        &exceptions,
        &BTreeMap::new(),
        q.saved.is_some(),
    )
    .into_response())
}

#[derive(Debug, Clone, Default)]
struct RuleRow {
    day: String,
    start: String,
    end: String,
}

impl From<&WeeklyRule> for RuleRow {
    fn from(r: &WeeklyRule) -> Self {
        RuleRow {
            day: day_code(r.weekday).to_string(),
            start: r.start.format("%H:%M").to_string(),
            end: r.end.format("%H:%M").to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct ExceptionRow {
    date: String,
    kind: String,
    start: String,
    end: String,
    note: String,
}

impl From<&DatedException> for ExceptionRow {
    fn from(e: &DatedException) -> Self {
        ExceptionRow {
            date: e.date.to_string(),
            kind: match e.kind {
                ExceptionKind::Absence => "absence",
                ExceptionKind::Extra => "extra",
            }
            .to_string(),
            start: e.start.format("%H:%M").to_string(),
            end: e.end.format("%H:%M").to_string(),
            note: e.note.clone().unwrap_or_default(),
        }
    }
}

fn day_code(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.num_days_from_monday() as usize]
}

/// Field values of one name, in the order the browser sent them (one per row).
fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

pub async fn save_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    ctx.check_csrf(csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let (days, starts, ends) = (
        values(&pairs, "rule_day"),
        values(&pairs, "rule_start"),
        values(&pairs, "rule_end"),
    );
    let rule_rows: Vec<RuleRow> = (0..days.len().min(starts.len()).min(ends.len()))
        .map(|i| RuleRow {
            day: days[i].into(),
            start: starts[i].into(),
            end: ends[i].into(),
        })
        .collect();
    let (dates, kinds, ex_starts, ex_ends, notes) = (
        values(&pairs, "exc_date"),
        values(&pairs, "exc_kind"),
        values(&pairs, "exc_start"),
        values(&pairs, "exc_end"),
        values(&pairs, "exc_note"),
    );
    let n = [
        dates.len(),
        kinds.len(),
        ex_starts.len(),
        ex_ends.len(),
        notes.len(),
    ]
    .into_iter()
    .min()
    .unwrap_or(0);
    let exception_rows: Vec<ExceptionRow> = (0..n)
        .map(|i| ExceptionRow {
            date: dates[i].into(),
            kind: kinds[i].into(),
            start: ex_starts[i].into(),
            end: ex_ends[i].into(),
            note: notes[i].into(),
        })
        .collect();

    // Row errors are keyed `rule-<row>` / `exc-<row>` by the row's place on the page; the
    // domain's indexes count only filled rows, so `*_at` maps them back.
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let incomplete = ctx.t("avail.incomplete").to_string();
    let hm = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
    let mut rules = Vec::new();
    let mut rule_at = Vec::new();
    for (row, r) in rule_rows.iter().enumerate() {
        if r.day.is_empty() && r.start.is_empty() && r.end.is_empty() {
            continue;
        }
        let weekday = WEEKDAYS.iter().find(|d| day_code(**d) == r.day).copied();
        match (weekday, hm(&r.start), hm(&r.end)) {
            (Some(weekday), Some(start), Some(end)) => {
                rules.push(WeeklyRule {
                    weekday,
                    start,
                    end,
                });
                rule_at.push(row);
            }
            _ => {
                errors.insert(format!("rule-{row}"), incomplete.clone());
            }
        }
    }
    let mut exceptions = Vec::new();
    let mut exception_at = Vec::new();
    for (row, e) in exception_rows.iter().enumerate() {
        if e.date.is_empty() && e.start.is_empty() && e.end.is_empty() && e.note.is_empty() {
            continue;
        }
        let date = NaiveDate::parse_from_str(&e.date, "%Y-%m-%d").ok();
        let kind = match e.kind.as_str() {
            "extra" => ExceptionKind::Extra,
            _ => ExceptionKind::Absence,
        };
        match (date, hm(&e.start), hm(&e.end)) {
            (Some(date), Some(start), Some(end)) => {
                exceptions.push(DatedException {
                    date,
                    kind,
                    start,
                    end,
                    note: Some(e.note.clone()),
                });
                exception_at.push(row);
            }
            _ => {
                errors.insert(format!("exc-{row}"), incomplete.clone());
            }
        }
    }
    if errors.is_empty() {
        match availability::replace(&state.db, caller, me.id, Availability { rules, exceptions })
            .await
        {
            Ok(_) => return Ok(Redirect::to("/availability?saved=1").into_response()),
            Err(ApiError::Invalid(api)) => {
                for (key, message) in api {
                    let (list, index) = parse_index(&key);
                    let row = match list {
                        "rules" => index
                            .and_then(|i| rule_at.get(i))
                            .map(|r| format!("rule-{r}")),
                        "exceptions" => index
                            .and_then(|i| exception_at.get(i))
                            .map(|r| format!("exc-{r}")),
                        _ => None,
                    };
                    let message = match ctx.locale {
                        Locale::En => message,
                        Locale::It => "La fine deve venire dopo l'inizio e le fasce di uno stesso giorno non possono sovrapporsi.".to_string(),
                    };
                    errors.insert(row.unwrap_or_else(|| "form".into()), message);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut response =
        render_availability(&ctx, &rule_rows, &exception_rows, &errors, false).into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// `rules[3].end` → ("rules", Some(3)).
fn parse_index(key: &str) -> (&str, Option<usize>) {
    match key.split_once('[') {
        Some((list, rest)) => (list, rest.split(']').next().and_then(|i| i.parse().ok())),
        None => (key, None),
    }
}

fn render_availability(
    ctx: &Ctx,
    rules: &[RuleRow],
    exceptions: &[ExceptionRow],
    errors: &BTreeMap<String, String>,
    saved: bool,
) -> Markup {
    let t = |k| ctx.t(k);
    let blank_rules = std::iter::repeat_n(RuleRow::default(), BLANK_ROWS);
    let blank_exceptions = std::iter::repeat_n(ExceptionRow::default(), BLANK_ROWS);
    let content = html! {
        h1 { (t("avail.title")) }
        @if saved { (layout::notice(t("avail.saved"))) }
        p.lead { (t("avail.intro")) }
        @if !errors.is_empty() {
            (layout::error_summary(t("form.errors")))
            @if let Some(e) = errors.get("form") { p.error { (e) } }
        }
        form.availability method="post" action="/availability" novalidate {
            (csrf_field(ctx))
            section.card {
                h2 { (t("avail.weekly")) }
                div.rows data-rows="rule" {
                    @for (i, r) in rules.iter().cloned().chain(blank_rules).enumerate() {
                        @let error = errors.get(&format!("rule-{i}"));
                        @let err_id = format!("rule-{i}-error");
                        div.row.invalid[error.is_some()] {
                            div.cell {
                                label for=(format!("rule-{i}-day")) { (t("avail.weekday")) }
                                select id=(format!("rule-{i}-day")) name="rule_day"
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] {
                                    option value="" { "—" }
                                    @for d in WEEKDAYS {
                                        option value=(day_code(d)) selected[r.day == day_code(d)] { (ctx.locale.weekday_long(d)) }
                                    }
                                }
                            }
                            div.cell {
                                label for=(format!("rule-{i}-start")) { (t("avail.from")) }
                                input type="time" id=(format!("rule-{i}-start")) name="rule_start" value=(r.start)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("rule-{i}-end")) { (t("avail.to")) }
                                input type="time" id=(format!("rule-{i}-end")) name="rule_end" value=(r.end)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            @if let Some(e) = error { p.error.wide id=(err_id) { (e) } }
                        }
                    }
                }
                button.secondary.js-only type="button" data-add-row="rule" { "+ " (t("avail.add_rule")) }
            }
            section.card {
                h2 { (t("avail.exceptions")) }
                div.rows data-rows="exc" {
                    @for (i, e) in exceptions.iter().cloned().chain(blank_exceptions).enumerate() {
                        @let error = errors.get(&format!("exc-{i}"));
                        @let err_id = format!("exc-{i}-error");
                        div.row.five.invalid[error.is_some()] {
                            div.cell {
                                label for=(format!("exc-{i}-date")) { (t("avail.date")) }
                                input type="date" id=(format!("exc-{i}-date")) name="exc_date" value=(e.date)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("exc-{i}-kind")) { (t("avail.kind")) }
                                select id=(format!("exc-{i}-kind")) name="exc_kind" {
                                    @for k in ["absence", "extra"] {
                                        option value=(k) selected[e.kind == k] { (ctx.locale.word(k)) }
                                    }
                                }
                            }
                            div.cell {
                                label for=(format!("exc-{i}-start")) { (t("avail.from")) }
                                input type="time" id=(format!("exc-{i}-start")) name="exc_start" value=(e.start)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("exc-{i}-end")) { (t("avail.to")) }
                                input type="time" id=(format!("exc-{i}-end")) name="exc_end" value=(e.end)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell.grow {
                                label for=(format!("exc-{i}-note")) { (t("avail.note")) }
                                input type="text" id=(format!("exc-{i}-note")) name="exc_note" value=(e.note);
                            }
                            @if let Some(e) = error { p.error.wide id=(err_id) { (e) } }
                        }
                    }
                }
                button.secondary.js-only type="button" data-add-row="exc" { "+ " (t("avail.add_exception")) }
            }
            div.actions { button.primary type="submit" { (t("form.save")) } }
        }
    };
    layout::page(ctx, t("avail.title"), "/availability", content)
}

pub async fn preferences(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    Ok(render_preferences(&ctx, &me.locale, false).into_response())
}

fn render_preferences(ctx: &Ctx, email_locale: &str, saved: bool) -> Markup {
    let t = |k| ctx.t(k);
    let options = |name: &str, current: &str| {
        html! {
            select id=(name) name=(name) {
                option value="it" lang="it" selected[current == "it"] { "Italiano" }
                option value="en" lang="en" selected[current == "en"] { "English" }
            }
        }
    };
    let content = html! {
        h1 { (t("prefs.title")) }
        @if saved { (layout::notice(t("form.saved"))) }
        form.card.narrow-form method="post" action="/preferences" {
            (csrf_field(ctx))
            div.field {
                label for="email_locale" { (t("prefs.email_locale")) }
                (options("email_locale", email_locale))
            }
            div.field {
                label for="page_locale" { (t("prefs.page_locale")) }
                (options("page_locale", ctx.locale.code()))
            }
            div.actions { button.primary type="submit" { (t("form.save")) } }
        }
    };
    layout::page(ctx, t("prefs.title"), "/preferences", content)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PreferencesForm {
    pub csrf: String,
    pub email_locale: String,
    pub page_locale: String,
}

pub async fn save_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let email = Locale::parse(&form.email_locale)
        .unwrap_or(Locale::It)
        .code();
    let page = Locale::parse(&form.page_locale).unwrap_or(ctx.locale);
    let write = Write::begin(&state.db).await?;
    mediator::Entity::update_many()
        .col_expr(mediator::Column::Locale, Expr::value(email))
        .col_expr(mediator::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(mediator::Column::Id.eq(me.id))
        .exec(&write.txn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::Locale, Expr::value(page.code()))
        .filter(user::Column::Id.eq(caller.user_id))
        .exec(&write.txn)
        .await?;
    audit::record(
        &write.txn,
        Some(caller.user_id),
        "preferences_changed",
        "mediator",
        me.id,
        json!({ "email_locale": email, "page_locale": page.code() }),
    )
    .await?;
    write.commit().await?;
    let ctx = Ctx {
        locale: page,
        ..ctx.clone()
    };
    let mut response = render_preferences(&ctx, email, true).into_response();
    super::session::add_cookie(
        &mut response,
        super::session::set_cookie(
            super::session::LANG_COOKIE,
            page.code(),
            365 * 24 * 3600,
            ctx.secure,
        ),
    );
    Ok(response)
}

/// This area's words beyond the shared catalogue: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[];

/// Routes of this area beyond those in `web::router`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
}
