//! Requesters' pages: the request form (validated by the API's own rules, errors mapped back
//! to the form's fields; staff pick the organisation), their organisation's requests and its
//! calendar feed link, one request with the cancellation of the whole request, of one
//! occurrence of a series, or of the series from a date on.
use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Form;
use chrono::{NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, badge, csrf_field, described_by, field, input};
use super::mediator::{feed_box, feed_page};
use super::meeting_change::{self, ChangeForm};
use super::session::Ctx;
use crate::assignment::list as assignments;
use crate::auth::Role;
use crate::domain::language;
use crate::domain::local_time;
use crate::entity::{assignment, site};
use crate::error::Error;
use crate::feed::tokens::{self, Owner};
use crate::registry::browse;
use crate::registry::closures::Closures;
use crate::request::choices::{self, Choices};
use crate::request::list;
use crate::request::occurrence::{self, OccurrenceCancelBody};
use crate::request::store::{self, Submitted};
use crate::request::{cancel as cancelling, CancelBody, Modality, RequestBody, Status, Urgency};
use crate::request::{intake, validate};
use crate::startup::AppState;
use crate::web::session::path_id;

const PAGE_SIZE: u64 = 20;
pub(super) const DURATIONS: [i64; 8] = [30, 45, 60, 90, 120, 180, 240, 300];
pub(super) const REQUESTERS: &[Role] = &[Role::Requester, Role::Coordinator, Role::Admin];

/// The form as typed: every field text, so that a bad value comes back to the user as is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    pub csrf: String,
    /// Staff only: the organisation the request is for.
    pub organisation_id: String,
    pub language: String,
    pub urgency: String,
    pub modality: String,
    /// Other modalities accepted if the chosen one cannot be served.
    pub fallback: Vec<String>,
    pub site_id: String,
    pub date: String,
    pub time: String,
    pub latest_time: String,
    pub duration: String,
    pub recurrence: String,
    /// Weekly series: the weekdays (`MO`…`SU`); none means the start date's.
    pub weekdays: Vec<String>,
    pub until: String,
    pub preferred: String,
    /// Mediators not to send (ids), among those who speak the language.
    pub excluded: Vec<String>,
    /// Required tags (names from the catalogue).
    pub tags: Vec<String>,
    pub case_reference: String,
    pub notes: String,
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let caller = ctx.require(REQUESTERS)?;
    let form = RequestForm {
        urgency: "routine".into(),
        modality: "in_person".into(),
        duration: "60".into(),
        recurrence: "none".into(),
        ..RequestForm::default()
    };
    let choices = choices::for_form(&state.db, caller, None, None).await?;
    Ok(render_form(&ctx, &choices, &form, &BTreeMap::new()).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    // Checkboxes repeat their key, which axum's `Form` does not read. A body that is not a
    // form carries no token either.
    let form: RequestForm = serde_html_form::from_bytes(&body).map_err(|_| WebError::Csrf)?;
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(REQUESTERS)?;
    // Staff name the organisation; a requester's is their own, whatever the form says.
    let organisation_id = caller
        .role
        .is_staff()
        .then(|| form.organisation_id.trim().parse::<i64>().ok())
        .flatten();
    let tag = language_tag(&form.language);
    let choices = choices::for_form(&state.db, caller, organisation_id, Some(&tag)).await?;
    let (mut body, mut errors) = to_body(&form, choices.zone, ctx.locale);
    body.organisation_id = organisation_id;
    match validate::validate(&state.db, caller, &body, Utc::now()).await {
        Ok(new) if errors.is_empty() => {
            let id = match store::insert(&state.db, caller, new, None).await? {
                Submitted::Created(created) => {
                    // As the API does: an emergency, or an urgent request for today, is
                    // dispatched at once, so the offers exist when the page says "sent".
                    intake::dispatch_if_urgent(&state, &created).await;
                    Some(created.id)
                }
                Submitted::Replayed(_) => None,
            };
            let target = id.map_or("/requests".to_string(), |id| {
                format!("/requests/{id}?created=1")
            });
            return Ok(Redirect::to(&target).into_response());
        }
        Ok(_) => {}
        Err(Error::Invalid(api)) => {
            for (api_field, message) in api {
                let field = form_field(&api_field);
                errors
                    .entry(field.to_string())
                    .or_insert_with(|| localised(ctx.locale, field, &message));
            }
        }
        Err(other) => return Err(other.into()),
    }
    let mut response = render_form(&ctx, &choices, &form, &errors).into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// The API's field names → the form's.
fn form_field(api: &str) -> &'static str {
    // `fallback_modalities[1]` is the fallback checkboxes' field.
    let api = api.split('[').next().unwrap_or(api);
    match api {
        "fallback_modalities" => "fallback_modalities",
        "organisation_id" => "organisation_id",
        "language" => "language",
        "urgency" => "urgency",
        "modality" => "modality",
        "site_id" => "site_id",
        "earliest_start" => "date",
        "latest_start" => "latest_time",
        "duration_minutes" => "duration",
        "rrule" => "until",
        "preferred_mediators" => "preferred",
        "excluded_mediators" => "excluded",
        "required_tags" => "tags",
        "case_reference" => "case_reference",
        "notes" => "notes",
        _ => "form",
    }
}

/// English pages show the API's precise message; Italian ones the field's Italian message.
fn localised(locale: Locale, field: &'static str, api_message: &str) -> String {
    match locale {
        Locale::En => api_message.to_string(),
        Locale::It => field_message_it(field).to_string(),
    }
}

fn field_message_it(field: &str) -> &'static str {
    match field {
        "organisation_id" => "Scegli l'ente per cui chiedi il mediatore.",
        "language" => "Scegli una lingua dall'elenco (o scrivi un codice come ar-MA).",
        "urgency" => "Scegli il livello di urgenza.",
        "modality" => "Scegli la modalità.",
        "fallback_modalities" => "Le modalità di riserva devono essere diverse da quella scelta.",
        "site_id" => "Per un incontro in presenza scegli una sede del tuo ente.",
        "date" => "Indica una data e un'ora di inizio non ancora passate.",
        "time" => "Indica l'ora di inizio.",
        "latest_time" => "L'ultima ora di inizio deve venire dopo l'ora di inizio.",
        "duration" => "La durata va da 15 a 480 minuti.",
        "until" => "Indica l'ultimo giorno della serie, entro un anno dalla prima data.",
        "preferred" => "Il mediatore scelto non è disponibile.",
        "excluded" => "Un mediatore non può essere insieme preferito ed escluso.",
        "tags" => "Scegli competenze dall'elenco.",
        "case_reference" => "Al massimo 64 caratteri.",
        "notes" => "Al massimo 2000 caratteri.",
        _ => "Richiesta non valida.",
    }
}

/// The API body the form stands for, and the errors only the form can see (a missing date).
fn to_body(
    form: &RequestForm,
    zone: Tz,
    locale: Locale,
) -> (RequestBody, BTreeMap<String, String>) {
    let mut errors = BTreeMap::new();
    let msg = |en: &str, field: &'static str| match locale {
        Locale::En => en.to_string(),
        Locale::It => field_message_it(field).to_string(),
    };
    let date = crate::domain::local_time::parse_date(form.date.trim()).ok();
    if date.is_none() {
        errors.insert("date".into(), msg("Give the date.", "date"));
    }
    let time = NaiveTime::parse_from_str(form.time.trim(), "%H:%M").ok();
    if time.is_none() {
        errors.insert("time".into(), msg("Give the start time.", "time"));
    }
    let at = |t: &str| format!("{}T{}", form.date.trim(), t.trim());
    let rrule = match form.recurrence.as_str() {
        "" | "none" => None,
        kind => match crate::domain::local_time::parse_date(form.until.trim()) {
            Ok(until) => Some(rrule_for(kind, &form.weekdays, until, zone)),
            Err(_) => {
                errors.insert(
                    "until".into(),
                    msg("Give the last day of the series.", "until"),
                );
                None
            }
        },
    };
    let body = RequestBody {
        organisation_id: None,
        site_id: form.site_id.trim().parse().ok(),
        language: language_tag(&form.language),
        required_tags: form.tags.clone(),
        modality: form.modality.clone(),
        // The chosen modality ticked as its own fallback too means nothing more.
        fallback_modalities: form
            .fallback
            .iter()
            .filter(|m| **m != form.modality)
            .cloned()
            .collect(),
        earliest_start: at(&form.time),
        latest_start: (!form.latest_time.trim().is_empty()).then(|| at(&form.latest_time)),
        duration_minutes: form.duration.trim().parse().unwrap_or(0),
        urgency: form.urgency.clone(),
        preferred_mediators: form.preferred.trim().parse().ok().into_iter().collect(),
        excluded_mediators: form
            .excluded
            .iter()
            .filter_map(|m| m.trim().parse().ok())
            .collect(),
        case_reference: Some(form.case_reference.clone()),
        notes: Some(form.notes.clone()),
        rrule,
    };
    (body, errors)
}

/// The weekdays a weekly series may name, in order, with chrono's names for them.
const WEEKDAY_ORDER: [chrono::Weekday; 7] = [
    chrono::Weekday::Mon,
    chrono::Weekday::Tue,
    chrono::Weekday::Wed,
    chrono::Weekday::Thu,
    chrono::Weekday::Fri,
    chrono::Weekday::Sat,
    chrono::Weekday::Sun,
];
pub const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// "every week on these weekdays until DATE" and its siblings as an RRULE ("Mon, Wed, Fri
/// 9–13 until June"); no weekday chosen means the start date's. UNTIL is the end of the last
/// day on the organisation's clock, in UTC as RFC 5545 wants with a zoned start.
pub fn rrule_for(kind: &str, weekdays: &[String], until: NaiveDate, zone: Tz) -> String {
    let end = local_time::local_date_time_or_next(until + TimeDelta::days(1), NaiveTime::MIN, zone)
        - TimeDelta::seconds(1);
    let until = end.format("%Y%m%dT%H%M%SZ");
    // Only known weekdays, each once, in the week's order.
    let days: Vec<&str> = WEEKDAYS
        .iter()
        .copied()
        .filter(|d| weekdays.iter().any(|w| w.trim().eq_ignore_ascii_case(d)))
        .collect();
    let by_day = if days.is_empty() {
        String::new()
    } else {
        format!(";BYDAY={}", days.join(","))
    };
    match kind {
        "biweekly" => format!("FREQ=WEEKLY;INTERVAL=2{by_day};UNTIL={until}"),
        "weekdays" => format!("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL={until}"),
        _ => format!("FREQ=WEEKLY{by_day};UNTIL={until}"),
    }
}

/// A tag as typed or picked; a language's name (Italian, English or its own) becomes its tag.
fn language_tag(typed: &str) -> String {
    let typed = typed.trim();
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
                        || [Locale::It, Locale::En]
                            .iter()
                            .any(|l| l.language_name(tag).to_lowercase() == wanted)
                })
        })
        .map(|t| t.to_string())
        .unwrap_or_else(|| typed.to_string())
}

/// The site picker: a plain list for a requester, grouped by organisation for staff (the
/// script then shows only the chosen organisation's group).
fn site_options(ctx: &Ctx, choices: &Choices, form: &RequestForm) -> Markup {
    let option = |s: &site::Model| {
        html! {
            option value=(s.id) selected[form.site_id == s.id.to_string()] { (s.name) " — " (s.address) }
        }
    };
    html! {
        option value="" { (ctx.t("req.site_none")) }
        @if choices.organisations.is_empty() {
            @for s in &choices.sites { (option(s)) }
        } @else {
            @for (org_id, name) in &choices.organisations {
                @let mine: Vec<&site::Model> = choices.sites.iter().filter(|s| s.organisation_id == *org_id).collect();
                @if !mine.is_empty() {
                    optgroup label=(name) data-org=(org_id) {
                        @for s in mine { (option(s)) }
                    }
                }
            }
        }
    }
}

fn render_form(
    ctx: &Ctx,
    choices: &Choices,
    form: &RequestForm,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let err = |f: &str| errors.get(f).map(String::as_str);
    let t = |k| ctx.t(k);
    let content = html! {
        h1 { (t("req.new_title")) }
        p.lead { (t("req.new_intro")) }
        @if !errors.is_empty() {
            (layout::error_summary(t("form.errors")))
            @if let Some(e) = err("form") { p.error { (e) } }
        }
        form.card.request-form method="post" action="/requests/new" novalidate {
            (csrf_field(ctx))
            @if !choices.organisations.is_empty() {
                (field("organisation_id", t("req2.organisation"), Some(t("req2.organisation_hint")), err("organisation_id"), html! {
                    select #organisation_id name="organisation_id" required
                        aria-invalid=[err("organisation_id").map(|_| "true")]
                        aria-describedby=[described_by("organisation_id", true, err("organisation_id").is_some())] {
                        option value="" { (t("req2.organisation_choose")) }
                        @for (id, name) in &choices.organisations {
                            option value=(id) selected[form.organisation_id == id.to_string()] { (name) }
                        }
                    }
                }))
            }
            (field("language", t("req.language"), Some(t("req.language_hint")), err("language"), html! {
                input #language type="text" name="language" list="languages" value=(form.language)
                    autocomplete="off" required
                    aria-invalid=[err("language").map(|_| "true")]
                    aria-describedby=[described_by("language", true, err("language").is_some())];
                datalist #languages {
                    @for tag in language::known_tags() {
                        option value=(tag) { (ctx.locale.language_name(tag)) }
                    }
                }
            }))
            fieldset.field.invalid[err("urgency").is_some()] aria-describedby=[err("urgency").map(|_| "urgency-error")] {
                legend { (t("req.urgency")) }
                div.choices {
                    @for u in Urgency::ALL {
                        @let id = format!("urgency-{}", u.as_str());
                        label.choice for=(id) {
                            input type="radio" id=(id) name="urgency" value=(u.as_str()) checked[form.urgency == u.as_str()];
                            span {
                                strong { (ctx.locale.word(u.as_str())) }
                                small { (ctx.t(urgency_key(u))) }
                            }
                        }
                    }
                }
                @if let Some(e) = err("urgency") { p.error id="urgency-error" { (e) } }
            }
            fieldset.field.invalid[err("modality").is_some()] aria-describedby=[err("modality").map(|_| "modality-error")] {
                legend { (t("req.modality")) }
                div.choices.row {
                    @for m in Modality::ALL {
                        @let id = format!("modality-{}", m.as_str());
                        label.choice for=(id) {
                            input type="radio" id=(id) name="modality" value=(m.as_str()) checked[form.modality == m.as_str()];
                            span { strong { (ctx.locale.word(m.as_str())) } }
                        }
                    }
                }
                @if let Some(e) = err("modality") { p.error id="modality-error" { (e) } }
            }
            fieldset.field {
                legend { (t("req.fallback")) }
                p.hint id="fallback-hint" { (t("req.fallback_hint")) }
                div.choices.row {
                    @for m in Modality::ALL {
                        @let id = format!("fallback-{}", m.as_str());
                        label.choice for=(id) {
                            input type="checkbox" id=(id) name="fallback" value=(m.as_str())
                                aria-describedby="fallback-hint"
                                checked[form.fallback.iter().any(|f| f == m.as_str())];
                            span { (ctx.locale.word(m.as_str())) }
                        }
                    }
                }
                @if let Some(e) = err("fallback_modalities") { p.error id="fallback-error" { (e) } }
            }
            (field("site_id", t("req.site"), Some(t("req.site_hint")), err("site_id"), html! {
                select #site_id name="site_id"
                    aria-invalid=[err("site_id").map(|_| "true")]
                    aria-describedby=[described_by("site_id", true, err("site_id").is_some())] {
                    (site_options(ctx, choices, form))
                }
            }))
            div.grid3 {
                (field("date", t("req.date"), None, err("date"), input("date", "date", &form.date, false, err("date").is_some(), true)))
                (field("time", t("req.time"), None, err("time"), input("time", "time", &form.time, false, err("time").is_some(), true)))
                (field("duration", t("req.duration"), None, err("duration"), html! {
                    select #duration name="duration"
                        aria-invalid=[err("duration").map(|_| "true")]
                        aria-describedby=[described_by("duration", false, err("duration").is_some())] {
                        @for d in DURATIONS {
                            option value=(d) selected[form.duration == d.to_string()] { (duration_label(d, ctx.locale)) }
                        }
                    }
                }))
            }
            (field("latest_time", t("req.latest"), Some(t("req.latest_hint")), err("latest_time"),
                input("time", "latest_time", &form.latest_time, true, err("latest_time").is_some(), false)))
            div.grid2 {
                (field("recurrence", t("req.recurrence"), None, None, html! {
                    select #recurrence name="recurrence" {
                        @for (value, key) in [("none", "req.rec.none"), ("weekly", "req.rec.weekly"), ("biweekly", "req.rec.biweekly"), ("weekdays", "req.rec.weekdays")] {
                            option value=(value) selected[form.recurrence == value] { (t(key)) }
                        }
                    }
                }))
                (field("until", t("req.until"), Some(t("req.until_hint")), err("until"),
                    input("date", "until", &form.until, true, err("until").is_some(), false)))
            }
            fieldset.field.weekdays aria-describedby="weekdays-hint" {
                legend { (t("req3.weekdays")) }
                p.hint #weekdays-hint { (t("req3.weekdays_hint")) }
                div.choices.row {
                    @for (i, day) in WEEKDAYS.iter().enumerate() {
                        @let id = format!("weekday-{day}");
                        label.choice.compact for=(id) {
                            input type="checkbox" id=(id) name="weekdays" value=(day)
                                checked[form.weekdays.iter().any(|w| w == day)];
                            span { (ctx.locale.weekday_short(WEEKDAY_ORDER[i])) }
                        }
                    }
                }
            }
            (field("preferred", t("req.preferred"), Some(t("req3.speakers_hint")), err("preferred"), html! {
                select #preferred name="preferred" data-speakers="preferred"
                    aria-invalid=[err("preferred").map(|_| "true")]
                    aria-describedby=[described_by("preferred", true, err("preferred").is_some())] {
                    (speaker_options(ctx, &choices.speakers, std::slice::from_ref(&form.preferred), true))
                }
            }))
            (field("excluded", t("req3.excluded"), Some(t("req3.excluded_hint")), err("excluded"), html! {
                select #excluded name="excluded" multiple size="4" data-speakers="excluded"
                    aria-invalid=[err("excluded").map(|_| "true")]
                    aria-describedby=[described_by("excluded", true, err("excluded").is_some())] {
                    (speaker_options(ctx, &choices.speakers, &form.excluded, false))
                }
            }))
            @if !choices.tags.is_empty() {
                fieldset.field.tags.invalid[err("tags").is_some()] aria-describedby=[err("tags").map(|_| "tags-error")] {
                    legend { (t("req3.tags")) }
                    p.hint { (t("req3.tags_hint")) }
                    div.choices.row {
                        @for (name, description) in &choices.tags {
                            @let id = format!("tag-{name}");
                            label.choice.compact for=(id) title=[description.as_deref()] {
                                input type="checkbox" id=(id) name="tags" value=(name)
                                    checked[form.tags.iter().any(|t| t == name)];
                                span { (name) }
                            }
                        }
                    }
                    @if let Some(e) = err("tags") { p.error id="tags-error" { (e) } }
                }
            }
            (field("case_reference", t("req.case"), None, err("case_reference"),
                input("text", "case_reference", &form.case_reference, false, err("case_reference").is_some(), false)))
            (field("notes", t("req.notes"), None, err("notes"), html! {
                textarea #notes name="notes" rows="4"
                    aria-invalid=[err("notes").map(|_| "true")]
                    aria-describedby=[described_by("notes", false, err("notes").is_some())] { (form.notes) }
            }))
            div.actions {
                button.primary type="submit" { (t("req.submit")) }
            }
        }
    };
    layout::page(ctx, t("req.new_title"), "/requests/new", content)
}

/// The options of a mediator picker: the speakers of the form's language, and (for the
/// single choice) "no preference" first; without a language, that alone.
pub(super) fn speaker_options(
    ctx: &Ctx,
    speakers: &[(i64, String)],
    selected: &[String],
    with_none: bool,
) -> Markup {
    html! {
        @if with_none { option value="" { (ctx.t("req.preferred_none")) } }
        @for (id, name) in speakers {
            option value=(id) selected[selected.iter().any(|s| s.trim() == id.to_string())] { (name) }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SpeakersQuery {
    pub language: String,
    /// `preferred` (with "no preference" first) or `excluded`.
    pub list: String,
}

/// The options of the form's mediator pickers for a language, fetched by the form's script
/// when the language changes: only mediators who speak it, only for those who may request.
pub async fn speakers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SpeakersQuery>,
) -> Result<Response, WebError> {
    ctx.require(REQUESTERS)?;
    let speakers = match language::parse_tag(&language_tag(&q.language)) {
        Ok(tag) => browse::speakers_of(&state.db, &tag).await?,
        Err(_) => Vec::new(),
    };
    Ok(speaker_options(&ctx, &speakers, &[], q.list != "excluded").into_response())
}

fn urgency_key(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "req.urgency.emergency",
        Urgency::Urgent => "req.urgency.urgent",
        Urgency::Routine => "req.urgency.routine",
    }
}

pub(super) fn duration_label(minutes: i64, locale: Locale) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m, locale) {
        (0, m, _) => format!("{m} min"),
        (h, 0, Locale::It) => format!("{h} {}", if h == 1 { "ora" } else { "ore" }),
        (h, 0, Locale::En) => format!("{h} {}", if h == 1 { "hour" } else { "hours" }),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Requests with a smaller id: the page after the one ending there.
    pub before: Option<i64>,
    pub status: String,
    /// `confirm` when a new feed link was asked for without confirming.
    pub feed: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.require(REQUESTERS)?;
    // Newest first, which is what a desk looks for; the API lists in submission order.
    let (rows, more) =
        list::newest_first(&state.db, caller, q.before, &q.status, PAGE_SIZE).await?;
    let zones = store::zones(&state.db, rows.iter().map(|r| r.organisation_id))
        .await
        .map_err(Error::from)?;
    let assigned =
        assignments::assignee_names(&state.db, rows.iter().map(|r| r.id).collect()).await?;
    let org_names: HashMap<i64, String> = if caller.role.is_staff() {
        browse::organisation_names(&state.db)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let feed = match (caller.role, caller.organisation_id) {
        (Role::Requester, Some(org)) => {
            Some(tokens::status(&state.db, caller, Owner::Organisation(org)).await?)
        }
        _ => None,
    };
    let t = |k| ctx.t(k);
    let status_q = if q.status.is_empty() {
        String::new()
    } else {
        format!("&status={}", q.status)
    };
    let content = html! {
        @if q.feed == "confirm" { (layout::error_summary(t("med2.feed_confirm_needed"))) }
        div.page-head {
            h1 { (t("req.list_title")) }
            a.button.primary href="/requests/new" { "+ " (t("nav.new_request")) }
        }
        form.filters method="get" action="/requests" {
            label for="status" { (t("req.filter_status")) }
            select #status name="status" {
                option value="" { (t("req.all")) }
                @for s in crate::request::Status::ALL {
                    option value=(s.as_str()) selected[q.status == s.as_str()] { (ctx.locale.word(s.as_str())) }
                }
            }
            button type="submit" { (t("req.filter")) }
        }
        @if rows.is_empty() {
            p.empty { (t("req.list_empty")) }
        } @else {
            ul.request-list {
                @for r in &rows {
                    @let zone = store::zone_in(&zones, r.organisation_id);
                    li.request-item {
                        a.request-link href=(format!("/requests/{}", r.id)) {
                            span.lang { (ctx.locale.language_name(&r.language)) }
                            span.when { (ctx.locale.date_time(r.earliest_start, zone)) }
                        }
                        div.meta {
                            @let held = r.occurrences == 1 && r.status != Status::Cancelled && assigned.contains_key(&r.id);
                            (badge(&ctx, if held { "assigned" } else { r.status.as_str() }))
                            (badge(&ctx, r.urgency.as_str()))
                            span.modality { (ctx.locale.word(r.modality.as_str())) }
                            @if r.occurrences > 1 { span.series { "× " (r.occurrences) } }
                            @if let Some(name) = org_names.get(&r.organisation_id) { span.org { (name) } }
                        }
                        div.assignee {
                            @match assigned.get(&r.id) {
                                Some(names) => {
                                    small { (t("req2.assigned_to")) }
                                    span.mediator { (names.join(", ")) }
                                }
                                None => { span.muted { (t("req.not_assigned")) } }
                            }
                        }
                    }
                }
            }
        }
        nav.pager {
            @if q.before.is_some() {
                a href={ "/requests?" (status_q.trim_start_matches('&')) } { (t("req.first_page")) }
            }
            @if more {
                @if let Some(last) = rows.last() {
                    a href=(format!("/requests?before={}{status_q}", last.id)) { (t("req.next_page")) }
                }
            }
        }
        @if let Some(feed) = &feed {
            (feed_box(&ctx, feed, "/requests/feed", (t("med2.feed_title_org"), t("req2.feed_intro")), q.feed == "confirm"))
        }
    };
    Ok(layout::page(&ctx, t("req.list_title"), "/requests", content).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    pub created: Option<u8>,
    pub cancelled: Option<u8>,
    /// How many occurrences a cancellation just called off (0: they already were).
    pub occ_cancelled: Option<usize>,
    /// How many meetings a change just moved here, and how many lost their mediator.
    pub changed: Option<usize>,
    pub released: Option<usize>,
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let id = path_id(&id)?;
    let none = BTreeMap::new();
    let page = render_detail(
        &state,
        &ctx,
        id,
        &q,
        (&OccurrenceForm::default(), &none),
        (&ChangeForm::default(), &none),
    )
    .await?;
    Ok(page.into_response())
}

/// One occurrence of the request as the page lists it.
struct OccurrenceRow {
    k: i32,
    start: chrono::DateTime<Utc>,
    cancelled: bool,
    /// Changed: the request that holds it now.
    moved_to: Option<i64>,
    /// Skipped for a holiday or a closure: its name.
    closed: Option<String>,
    assignment: Option<assignment::Model>,
}

/// The request's page; each form comes back as typed, with its own errors.
pub(super) async fn render_detail(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &DetailQuery,
    (form, errors): (&OccurrenceForm, &BTreeMap<String, String>),
    (change_form, change_errors): (&ChangeForm, &BTreeMap<String, String>),
) -> Result<Markup, WebError> {
    let caller = ctx.require(REQUESTERS)?;
    let model = store::visible(&state.db, caller, id).await?;
    let zones = store::zones(&state.db, [model.organisation_id])
        .await
        .map_err(Error::from)?;
    let zone = store::zone_in(&zones, model.organisation_id);
    let (site, org) = store::place_of(&state.db, &model).await?;
    let assignments = assignments::live_of_request(&state.db, id).await?;
    let names = browse::mediator_names_of(
        &state.db,
        assignments.iter().map(|a| a.mediator_id).collect(),
    )
    .await?;
    let cancelled: HashSet<i32> = occurrence::cancelled_of(&state.db, id)
        .await
        .map_err(Error::from)?
        .into_iter()
        .collect();
    let moved = occurrence::moved_of(&state.db, id)
        .await
        .map_err(Error::from)?;
    let now = state.clock.now();
    let starts = occurrence::starts(&model, zone);
    let closures = match (starts.first(), starts.last()) {
        (Some(first), Some(last)) if model.rrule.is_some() => {
            let day = |t: chrono::DateTime<Utc>| local_time::to_local(t, zone).date_naive();
            Closures::load(&state.db, day(*first), day(*last))
                .await
                .map_err(Error::from)?
        }
        _ => Closures::default(),
    };
    // Occurrences are counted from 1, as in plans and assignments.
    let rows: Vec<OccurrenceRow> = starts
        .into_iter()
        .enumerate()
        .map(|(i, start)| {
            let k = i as i32 + 1;
            let assignment = assignments.iter().find(|a| a.occurrence == k).cloned();
            OccurrenceRow {
                k,
                start,
                cancelled: cancelled.contains(&k),
                moved_to: moved.get(&k).copied(),
                closed: closures
                    .skips(&model, start, zone)
                    .filter(|_| assignment.is_none())
                    .map(|c| c.name),
                assignment,
            }
        })
        .collect();
    let open: Vec<&OccurrenceRow> = rows
        .iter()
        .filter(|r| !r.cancelled && r.closed.is_none() && r.start > now)
        .collect();
    let active = model.status != Status::Cancelled;
    // The stored status knows submitted and cancelled; the school wants to read "assigned"
    // once every meeting still on has a mediator.
    let all_held = rows
        .iter()
        .filter(|r| !r.cancelled && r.closed.is_none())
        .all(|r| r.assignment.is_some());
    let shown_status = if active && all_held {
        "assigned"
    } else {
        model.status.as_str()
    };
    let t = |k| ctx.t(k);
    let title = format!("{} #{}", t("req.detail_title"), id);
    let err = |f: &str| errors.get(f).map(String::as_str);
    let content = html! {
        @if q.created.is_some() { (layout::notice(t("req.created"))) }
        @if q.cancelled.is_some() { (layout::notice(t("req.cancelled_ok"))) }
        @match q.occ_cancelled {
            Some(0) => { (layout::error_summary(t("req2.occ_already"))) }
            Some(n) => { (layout::notice(&format!("{} {n}", t("req2.occ_done")))) }
            None => {}
        }
        @if let Some(n) = q.changed { (layout::notice(&format!("{} {n}", t("chg.done")))) }
        @if q.released.is_some_and(|n| n > 0) { (layout::notice(t("chg.released"))) }
        @if !errors.is_empty() || !change_errors.is_empty() { (layout::error_summary(t("form.errors"))) }
        div.page-head {
            h1 { (title) }
            (badge(ctx, shown_status))
        }
        section.card {
            dl.facts {
                dt { (t("req.language")) } dd.lang { (ctx.locale.language_name(&model.language)) }
                dt { (t("req.when")) } dd {
                    (ctx.locale.date_time(model.earliest_start, zone))
                    @if model.latest_start != model.earliest_start {
                        " – " (ctx.locale.time(model.latest_start, zone))
                    }
                }
                dt { (t("req.duration")) } dd { (duration_label(i64::from(model.duration_minutes), ctx.locale)) }
                dt { (t("req.urgency")) } dd { (badge(ctx, model.urgency.as_str())) }
                dt { (t("req.modality")) } dd {
                    (ctx.locale.word(model.modality.as_str()))
                    @let fallbacks = crate::domain::request::fallbacks(&model.fallback_modalities);
                    @if !fallbacks.is_empty() {
                        "; " (t("req.fallback")) ": "
                        (fallbacks.iter().map(|m| ctx.locale.word(m.as_str())).collect::<Vec<_>>().join(", "))
                    }
                }
                @if let Some(org) = &org { dt { (t("req.organisation")) } dd { (org.name) } }
                @if let Some(site) = &site { dt { (t("req.site")) } dd { (site.name) " — " (site.address) } }
                @if let Some(case) = &model.case_reference { dt { (t("req.case")) } dd { (case) } }
                @if let Some(notes) = &model.notes { dt { (t("req.notes")) } dd.notes { (notes) } }
                @if let Some(reason) = &model.cancel_reason { dt { (t("req.cancelled_reason")) } dd { (reason) } }
                @if let Some(from) = model.changed_from_request_id {
                    dt { (t("chg.from")) }
                    dd { a href=(format!("/requests/{from}#occ-{}", model.changed_from_occurrence.unwrap_or(1))) { "#" (from) } ", " (t("chg.meeting")) " " (model.changed_from_occurrence.unwrap_or(1)) }
                }
            }
        }
        section.card {
            h2 { (t("req.occurrences")) }
            @if rows.len() > 1 {
                p.muted {
                    (rows.len()) " " (t("req.series_of"))
                    @let called_off = cancelled.len() - moved.len();
                    @if called_off > 0 { ", " (called_off) " " (t("req2.of_which_cancelled")) }
                    @if !moved.is_empty() { ", " (moved.len()) " " (t("req2.of_which_moved")) }
                }
            }
            ul.occurrences.long[rows.len() > 12] {
                @for row in &rows {
                    li.cancelled[row.cancelled && row.moved_to.is_none()].moved[row.moved_to.is_some()].past[row.start <= now] id=(format!("occ-{}", row.k)) {
                        @if rows.len() > 1 { span.num { (row.k) "." } }
                        span.when { (ctx.locale.date_time(row.start, zone)) }
                        @if let Some(to) = row.moved_to {
                            span class="badge b-moved" { (t("chg.moved")) }
                            a.moved-to href=(format!("/requests/{to}")) { "→ #" (to) }
                        } @else if row.cancelled {
                            span class="badge b-cancelled" { (t("req2.occ_cancelled")) }
                        } @else if let Some(name) = &row.closed {
                            span class="badge b-closed" { (t("req2.occ_closed")) }
                            span.muted.closed-name { (name) }
                        } @else {
                            @match &row.assignment {
                                Some(a) => {
                                    span.mediator { (names.get(&a.mediator_id).map(String::as_str).unwrap_or("")) }
                                    (badge(ctx, a.state.as_str()))
                                }
                                None => { span.muted { (t("req.not_assigned")) } }
                            }
                        }
                    }
                }
            }
        }
        @if active && !open.is_empty() {
            @let open_starts: Vec<(i32, chrono::DateTime<Utc>)> = open.iter().map(|r| (r.k, r.start)).collect();
            (meeting_change::form(ctx, id, &open_starts, rows.len() > 1, zone, change_form, change_errors))
        }
        @if active && rows.len() > 1 && !open.is_empty() {
            section.card.danger-zone #cancel-occurrence {
                h2 { (t("req2.occ_title")) }
                p.muted { (t("req2.occ_intro")) }
                form.cancel-occurrence method="post" action=(format!("/requests/{id}/occurrences/cancel")) novalidate {
                    (csrf_field(ctx))
                    (field("occurrence", t("req2.occ_which"), None, err("occurrence"), html! {
                        select #occurrence name="occurrence"
                            aria-invalid=[err("occurrence").map(|_| "true")]
                            aria-describedby=[described_by("occurrence", false, err("occurrence").is_some())] {
                            @for row in &open {
                                option value=(row.k) selected[form.occurrence == row.k.to_string()] {
                                    (row.k) ". " (ctx.locale.date_time(row.start, zone))
                                }
                            }
                        }
                    }))
                    fieldset.field {
                        legend { (t("req2.occ_scope")) }
                        div.choices {
                            @for (value, key, hint) in [("one", "req2.scope_one", "req2.scope_one_hint"), ("following", "req2.scope_following", "req2.scope_following_hint")] {
                                @let id = format!("scope-{value}");
                                label.choice for=(id) {
                                    input type="radio" id=(id) name="scope" value=(value)
                                        checked[form.scope == value || (form.scope.is_empty() && value == "one")];
                                    span { strong { (t(key)) } small { (t(hint)) } }
                                }
                            }
                        }
                    }
                    (field("occ-reason", t("req.cancel_reason"), None, err("reason"),
                        html! {
                            input #occ-reason type="text" name="reason" value=(form.reason) maxlength="500"
                                aria-invalid=[err("reason").map(|_| "true")]
                                aria-describedby=[described_by("occ-reason", false, err("reason").is_some())];
                        }))
                    button.danger type="submit" { (t("req2.occ_submit")) }
                }
            }
        }
        @if active {
            section.card.danger-zone {
                h2 { (t("req.cancel")) }
                form method="post" action=(format!("/requests/{id}/cancel")) data-confirm=(t("req.cancel_confirm")) {
                    (csrf_field(ctx))
                    (field("reason", t("req.cancel_reason"), None, None, input("text", "reason", "", false, false, false)))
                    button.danger type="submit" { (t("req.cancel")) }
                }
            }
        }
    };
    Ok(layout::page(ctx, &title, "/requests", content))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OccurrenceForm {
    pub csrf: String,
    pub occurrence: String,
    /// `one`, or `following` for the series from that occurrence on.
    pub scope: String,
    pub reason: String,
}

pub async fn cancel_occurrence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<OccurrenceForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(REQUESTERS)?;
    let id = path_id(&id)?;
    let body = OccurrenceCancelBody {
        reason: Some(form.reason.clone()),
        following: form.scope == "following",
    };
    // Not a number is "no such occurrence", as the API says it.
    let k = form.occurrence.trim().parse::<i64>().unwrap_or(0);
    let errors: BTreeMap<String, String> =
        match occurrence::cancel(&state.db, &state.links(), caller, id, k, &body).await {
            Ok(done) => {
                let target = if done.request_status == Status::Cancelled {
                    format!("/requests/{id}?cancelled=1")
                } else {
                    format!("/requests/{id}?occ_cancelled={}", done.cancelled.len())
                };
                return Ok(Redirect::to(&target).into_response());
            }
            // Cancelled meanwhile (another tab, a colleague): the page shows it as it is.
            Err(Error::Conflict(_)) => {
                return Ok(Redirect::to(&format!("/requests/{id}?occ_cancelled=0")).into_response())
            }
            Err(Error::Invalid(api)) => api
                .into_iter()
                .map(|(field, message)| {
                    let message = match (ctx.locale, field.as_str()) {
                        (Locale::En, _) => message,
                        (Locale::It, "reason") => "Al massimo 500 caratteri.".to_string(),
                        (Locale::It, _) => {
                            "Scegli un incontro della serie che non sia già iniziato.".to_string()
                        }
                    };
                    (field, message)
                })
                .collect(),
            Err(e) => return Err(e.into()),
        };
    let none = BTreeMap::new();
    let page = render_detail(
        &state,
        &ctx,
        id,
        &DetailQuery::default(),
        (&form, &errors),
        (&ChangeForm::default(), &none),
    )
    .await?;
    let mut response = page.into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    pub csrf: String,
    pub reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(REQUESTERS)?;
    let id = path_id(&id)?;
    let body = CancelBody {
        reason: Some(
            form.reason
                .chars()
                .take(cancelling::MAX_REASON_CHARS)
                .collect(),
        ),
    };
    match cancelling::cancel(&state.db, &state.links(), caller, id, &body).await {
        // Cancelled meanwhile (another tab, a colleague): the page shows it as it is.
        Ok(_) | Err(Error::Conflict(_)) => {
            Ok(Redirect::to(&format!("/requests/{id}?cancelled=1")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedForm {
    pub csrf: String,
    pub confirm: String,
}

/// Makes the organisation's feed link (a new one, if there was one) and shows it, once.
pub async fn rotate_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<FeedForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(&[Role::Requester])?;
    let owner = Owner::Organisation(caller.organisation_id.ok_or(WebError::Forbidden)?);
    let status = tokens::status(&state.db, caller, owner).await?;
    if status.live && form.confirm != "yes" {
        return Ok(Redirect::to("/requests?feed=confirm#feed").into_response());
    }
    let feed = tokens::rotate(&state.db, &state.links(), caller, owner).await?;
    Ok(feed_page(
        &ctx,
        &feed,
        ctx.t("req2.feed_page_title"),
        ("/requests", ctx.t("req2.back_list")),
        "/requests",
    ))
}

/// This area's words beyond the shared catalogue: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[
    ("req2.organisation", "Ente", "Organisation"),
    ("req3.weekdays", "Giorni della settimana", "Days of the week"),
    ("req3.weekdays_hint", "Per una serie settimanale: per esempio lunedì, mercoledì e venerdì. Se non ne scegli, il giorno della prima data.", "For a weekly series: for example Monday, Wednesday and Friday. If none is chosen, the first date's day."),
    ("req3.speakers_hint", "Tra i mediatori che parlano la lingua scelta.", "Among the mediators who speak the chosen language."),
    ("req3.excluded", "Mediatori da non inviare", "Mediators not to send"),
    ("req3.excluded_hint", "Per esempio chi conosce già la famiglia in un altro ruolo. Tieni premuto Ctrl per sceglierne più d'uno.", "For example someone who knows the family in another role. Hold Ctrl to choose more than one."),
    ("req3.tags", "Competenze richieste", "Required skills"),
    ("req3.tags_hint", "Solo mediatori con tutte quelle scelte.", "Only mediators with all those chosen."),
    ("req2.organisation_hint", "L'ente per cui chiedi il mediatore: le sedi sono le sue.", "The organisation the mediator is for: the sites are its own."),
    ("req2.organisation_choose", "— scegli l'ente —", "— choose the organisation —"),
    ("req2.organisation_error", "Scegli l'ente per cui chiedi il mediatore.", "Choose the organisation the request is for."),
    ("req2.assigned_to", "Mediatore", "Mediator"),
    ("req2.occ_title", "Annulla un incontro della serie", "Cancel a meeting of the series"),
    ("req2.occ_intro", "Gli altri incontri restano; il mediatore assegnato viene avvisato.", "The other meetings stay; the assigned mediator is told."),
    ("req2.occ_which", "Incontro", "Meeting"),
    ("req2.occ_scope", "Che cosa annullare", "What to cancel"),
    ("req2.scope_one", "Solo questo incontro", "This meeting only"),
    ("req2.scope_one_hint", "Per esempio un giorno di festa o di gita.", "For example a holiday or a school trip."),
    ("req2.scope_following", "Questo e tutti i successivi", "This one and all later ones"),
    ("req2.scope_following_hint", "La serie finisce da questa data in poi.", "The series ends from this date on."),
    ("req2.occ_submit", "Annulla gli incontri scelti", "Cancel the chosen meetings"),
    ("req2.occ_done", "Incontri annullati:", "Meetings cancelled:"),
    ("req2.occ_already", "Quegli incontri erano già stati annullati.", "Those meetings were already cancelled."),
    ("req2.occ_cancelled", "Annullato", "Cancelled"),
    ("req2.occ_closed", "Chiuso: non si tiene", "Closed: not held"),
    ("req2.of_which_cancelled", "annullati", "cancelled"),
    ("req2.of_which_moved", "cambiati", "changed"),
    ("req2.feed_intro", "Il calendario dell'ente: ogni incontro con il nome del mediatore, nel calendario condiviso della segreteria. Senza dati delle famiglie.", "The organisation's calendar: every meeting with the mediator's name, in the office's shared calendar. No data of the families."),
    ("req2.feed_page_title", "Il link al calendario dell'ente", "The organisation's calendar link"),
    ("req2.back_list", "Torna alle richieste", "Back to the requests"),
];

/// Routes of this area beyond those in `web::router`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/requests/feed", post(rotate_feed))
        .route("/requests/speakers", axum::routing::get(speakers))
        .route("/requests/{id}/occurrences/cancel", post(cancel_occurrence))
        .route(
            "/requests/{id}/occurrences/change",
            post(meeting_change::submit),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_series_until_a_date_ends_at_that_local_midnight() {
        let rome = chrono_tz::Europe::Rome;
        let until = NaiveDate::from_ymd_opt(2027, 6, 7).unwrap();
        // 8 June 00:00 in Rome (summer time) is 7 June 22:00 UTC.
        assert_eq!(
            rrule_for("weekly", &[], until, rome),
            "FREQ=WEEKLY;UNTIL=20270607T215959Z"
        );
        assert_eq!(
            rrule_for("weekdays", &[], until, rome),
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270607T215959Z"
        );
    }

    #[test]
    fn a_weekly_series_can_name_several_weekdays() {
        let rome = chrono_tz::Europe::Rome;
        let until = NaiveDate::from_ymd_opt(2027, 6, 7).unwrap();
        let days = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // In the week's order, each once, unknown words ignored.
        assert_eq!(
            rrule_for(
                "weekly",
                &days(&["FR", "MO", "we", "MO", "XX"]),
                until,
                rome
            ),
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270607T215959Z"
        );
        assert_eq!(
            rrule_for("biweekly", &days(&["TU"]), until, rome),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270607T215959Z"
        );
    }

    #[test]
    fn language_names_become_tags() {
        assert_eq!(language_tag("Arabo marocchino"), "ar-MA");
        assert_eq!(language_tag(" urdu "), "ur");
        assert_eq!(language_tag("Shqip"), "sq");
        assert_eq!(language_tag("Cinese · 中文"), "zh");
        assert_eq!(language_tag("ar-MA"), "ar-MA");
    }
}
