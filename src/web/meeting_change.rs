//! The request page's "change a meeting" form: one meeting of a series (or it and the
//! following ones) at another date, time, length or modality, through
//! `request::change`, as the API's `PATCH /requests/{id}/occurrences/{k}` does.
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{csrf_field, described_by, field};
use super::requester::{duration_label, render_detail, DetailQuery, DURATIONS, REQUESTERS};
use super::session::{path_id, Ctx};
use crate::domain::local_time;
use crate::error::Error;
use crate::registry::input::Change;
use crate::request::change::{self, OccurrencePatch, Scope};
use crate::request::Modality;
use crate::startup::AppState;

/// The form as typed; empty fields leave the meeting as it is.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    pub csrf: String,
    pub occurrence: String,
    /// `this`, or `following`.
    pub scope: String,
    pub date: String,
    pub time: String,
    pub duration: String,
    pub modality: String,
}

/// The form, for the meetings still to come (`open`: number and start).
pub fn form(
    ctx: &Ctx,
    id: i64,
    open: &[(i32, DateTime<Utc>)],
    series: bool,
    zone: Tz,
    form: &ChangeForm,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let t = |k| ctx.t(k);
    let err = |f: &str| errors.get(f).map(String::as_str);
    html! {
        section.card #change-meeting {
            h2 { (t("chg.title")) }
            p.muted { (t("chg.intro")) }
            form.change-meeting method="post" action=(format!("/requests/{id}/occurrences/change")) novalidate {
                (csrf_field(ctx))
                (field("chg-occurrence", t("req2.occ_which"), None, err("occurrence"), html! {
                    select #chg-occurrence name="occurrence"
                        aria-invalid=[err("occurrence").map(|_| "true")]
                        aria-describedby=[described_by("chg-occurrence", false, err("occurrence").is_some())] {
                        @for (k, start) in open {
                            option value=(k) selected[form.occurrence == k.to_string()] {
                                @if series { (k) ". " }
                                (ctx.locale.date_time(*start, zone))
                            }
                        }
                    }
                }))
                @if series {
                    fieldset.field {
                        legend { (t("chg.scope")) }
                        div.choices {
                            @for (value, key, hint) in [("this", "chg.scope_this", "chg.scope_this_hint"), ("following", "chg.scope_following", "chg.scope_following_hint")] {
                                @let input_id = format!("chg-scope-{value}");
                                label.choice for=(input_id) {
                                    input type="radio" id=(input_id) name="scope" value=(value)
                                        checked[form.scope == value || (form.scope.is_empty() && value == "this")];
                                    span { strong { (t(key)) } small { (t(hint)) } }
                                }
                            }
                        }
                    }
                }
                div.grid3 {
                    (field("chg-date", t("chg.date"), Some(t("chg.keep_hint")), err("start"), html! {
                        input #chg-date type="date" name="date" value=(form.date)
                            aria-invalid=[err("start").map(|_| "true")]
                            aria-describedby=[described_by("chg-date", true, err("start").is_some())];
                    }))
                    (field("chg-time", t("chg.time"), None, err("time"), html! {
                        input #chg-time type="time" name="time" value=(form.time)
                            aria-invalid=[err("time").map(|_| "true")]
                            aria-describedby=[described_by("chg-time", false, err("time").is_some())];
                    }))
                    (field("chg-duration", t("req.duration"), None, err("duration_minutes"), html! {
                        select #chg-duration name="duration" {
                            option value="" { (t("chg.unchanged")) }
                            @for d in DURATIONS {
                                option value=(d) selected[form.duration == d.to_string()] { (duration_label(d, ctx.locale)) }
                            }
                        }
                    }))
                }
                (field("chg-modality", t("req.modality"), None, err("modality").or(err("site_id")), html! {
                    select #chg-modality name="modality" {
                        option value="" { (t("chg.unchanged")) }
                        @for m in Modality::ALL {
                            option value=(m.as_str()) selected[form.modality == m.as_str()] { (ctx.locale.word(m.as_str())) }
                        }
                    }
                }))
                button.primary type="submit" { (t("chg.submit")) }
            }
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(REQUESTERS)?;
    let id = path_id(&id)?;
    let k = form.occurrence.trim().parse::<i64>().unwrap_or(0);
    let mut errors = BTreeMap::new();
    let (date, time) = (form.date.trim(), form.time.trim());
    // A new time alone keeps the meeting's day: the service needs the whole start.
    let start = match (date.is_empty(), time.is_empty()) {
        (true, true) => None,
        (false, false) => Some(format!("{date}T{time}")),
        (true, false) => meeting_day(&state, caller, id, k)
            .await?
            .map(|d| format!("{d}T{time}")),
        (false, true) => {
            errors.insert("time".to_string(), ctx.t("chg.time_needed").to_string());
            None
        }
    };
    if time.parse::<NaiveTime>().is_err() && !time.is_empty() {
        errors.insert("time".to_string(), ctx.t("chg.time_needed").to_string());
    }
    let patch = OccurrencePatch {
        scope: if form.scope == "following" {
            Scope::Following
        } else {
            Scope::This
        },
        start,
        duration_minutes: form.duration.trim().parse().ok(),
        modality: Some(form.modality.trim().to_string()).filter(|m| !m.is_empty()),
        site_id: if form.modality.trim() == "in_person" || form.modality.trim().is_empty() {
            Change::Keep
        } else {
            Change::Clear
        },
        preferred_mediator: Change::Keep,
    };
    if errors.is_empty() {
        match change::change(&state, caller, id, k, patch).await {
            Ok(done) => {
                return Ok(Redirect::to(&format!(
                    "/requests/{}?changed={}&released={}",
                    done.request.id,
                    done.moved.len(),
                    done.released_assignments.len()
                ))
                .into_response())
            }
            // Changed or cancelled meanwhile: the page shows it as it is.
            Err(Error::Conflict(_)) => {
                return Ok(Redirect::to(&format!("/requests/{id}?occ_cancelled=0")).into_response())
            }
            Err(Error::Invalid(api)) => {
                for (field, message) in api {
                    let message = match ctx.locale {
                        Locale::En => message,
                        Locale::It => it_message(&field).to_string(),
                    };
                    errors.insert(field, message);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let none = BTreeMap::new();
    let page = render_detail(
        &state,
        &ctx,
        id,
        &DetailQuery::default(),
        (&Default::default(), &none),
        (&form, &errors),
    )
    .await?;
    let mut response = page.into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// The local date of meeting `k` of request `id`, if both exist.
async fn meeting_day(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: i64,
    k: i64,
) -> Result<Option<chrono::NaiveDate>, WebError> {
    use crate::request::{occurrence, store};
    let model = store::visible(&state.db, caller, id).await?;
    let zones = store::zones(&state.db, [model.organisation_id])
        .await
        .map_err(Error::from)?;
    let zone = store::zone_in(&zones, model.organisation_id);
    let starts = occurrence::starts(&model, zone);
    Ok(usize::try_from(k)
        .ok()
        .and_then(|k| k.checked_sub(1))
        .and_then(|i| starts.get(i).copied())
        .map(|s| local_time::to_local(s, zone).date_naive()))
}

fn it_message(field: &str) -> &'static str {
    match field {
        "start" => "Indica una data e un'ora non ancora passate; per tutta la serie, uno spostamento che la serie possa seguire.",
        "duration_minutes" => "La durata va da 15 a 480 minuti.",
        "modality" | "site_id" => "Per un incontro in presenza serve una sede dell'ente.",
        "occurrence" => "Scegli un incontro che non sia già iniziato.",
        _ => "Modifica non valida.",
    }
}

/// This form's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[
    ("chg.title", "Cambia un incontro", "Change a meeting"),
    ("chg.intro", "Se il mediatore può ancora venire resta lo stesso e riceve l'aggiornamento; altrimenti ne cerchiamo un altro.", "If the mediator can still come they stay and get the update; otherwise we look for another."),
    ("chg.scope", "Che cosa cambiare", "What to change"),
    ("chg.scope_this", "Solo questo incontro", "This meeting only"),
    ("chg.scope_this_hint", "Per esempio un colloquio spostato di un'ora.", "For example a meeting moved by an hour."),
    ("chg.scope_following", "Questo e tutti i successivi", "This one and all later ones"),
    ("chg.scope_following_hint", "I successivi si spostano dello stesso tempo.", "The later ones move by the same amount."),
    ("chg.date", "Nuova data", "New date"),
    ("chg.time", "Nuova ora", "New time"),
    ("chg.keep_hint", "Lascia vuoto ciò che non cambia.", "Leave empty what does not change."),
    ("chg.unchanged", "— come ora —", "— as it is —"),
    ("chg.submit", "Cambia l'incontro", "Change the meeting"),
    ("chg.time_needed", "Indica anche l'ora.", "Give the time too."),
    ("chg.done", "Incontri cambiati:", "Meetings changed:"),
    ("chg.released", "Il mediatore non poteva al nuovo orario: ne cerchiamo un altro.", "The mediator could not make the new time: we are looking for another."),
    ("chg.moved", "Spostato", "Moved"),
    ("chg.from", "Cambiato dalla richiesta", "Changed from request"),
    ("chg.meeting", "incontro", "meeting"),
];
