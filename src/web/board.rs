//! The coordinators' dispatch board: a day on a time axis, one row per mediator and an
//! "unfilled" list with reasons; plan runs with progress and KPIs; lock, move, unassign;
//! publish. The handlers read rows and hand every decision to `crate::plan`.
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};

use super::error::WebError;
use super::session::Ctx;
use crate::auth::Caller;
use crate::domain::local_time::DEFAULT_ZONE;
use crate::plan::lookup::Lookup;
use crate::startup::AppState;
use crate::web::session::STAFF;

mod day;
mod draft;
mod kpis;
mod plans;
mod words;

pub use words::WORDS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/coord/board", get(day::page))
        .route("/coord/plans", post(plans::create))
        .route("/coord/plans/{id}", get(plans::page))
        .route("/coord/plans/{id}/progress.json", get(plans::progress_json))
        .route("/coord/plans/{id}/rerun", post(plans::rerun))
        .route(
            "/coord/plans/{id}/publish",
            get(plans::confirm_publish).post(plans::publish),
        )
        .route("/coord/plans/{id}/drafts/{draft}", get(draft::page))
        .route("/coord/plans/{id}/drafts/{draft}/lock", post(draft::lock))
        .route(
            "/coord/unfilled/{request}/{occurrence}/apply",
            post(day::apply),
        )
        .route(
            "/coord/plans/{id}/drafts/{draft}/consent",
            post(draft::consent),
        )
        .route(
            "/coord/plans/{id}/drafts/{draft}/move",
            post(draft::move_to),
        )
        .route(
            "/coord/plans/{id}/drafts/{draft}/unassign",
            post(draft::unassign),
        )
}

fn staff(ctx: &Ctx) -> Result<&Caller, WebError> {
    ctx.require(STAFF)
}

/// Today on the organisation's wall clock.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&DEFAULT_ZONE).date_naive()
}

/// The local date of an instant.
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&DEFAULT_ZONE).date_naive()
}

/// A padlock drawn inline: emoji fonts are not everywhere (a closed network's desktops).
fn lock_icon() -> maud::Markup {
    maud::html! {
        svg.icon viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false" {
            path fill="currentColor" d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z" {}
        }
    }
}

fn board_link(date: NaiveDate) -> String {
    format!("/coord/board?date={date}")
}

/// The localised name of a solver rule, by the number the referee gives it.
fn rule_key(rule: u8) -> Option<&'static str> {
    Some(match rule {
        1 => "board.rule.1",
        2 => "board.rule.2",
        3 => "board.rule.3",
        4 => "board.rule.4",
        5 => "board.rule.5",
        6 => "board.rule.6",
        _ => return None,
    })
}

/// Why an occurrence is unfilled, in words: the plan's reasons and the board's own.
fn reason_key(code: &str) -> &'static str {
    match code {
        "no_mediator_speaks_language" => "board.reason.language",
        "all_speakers_excluded" => "board.reason.excluded",
        "no_mediator_with_required_tags" => "board.reason.tags",
        "no_mediator_offers_modality" => "board.reason.modality",
        "no_mediator_available_in_window" => "board.reason.window",
        "travel_infeasible" => "board.reason.travel",
        "exceeds_workload_limit" => "board.reason.workload",
        "capacity" => "board.reason.capacity",
        "capacity_cost" => "board.reason.cost",
        "capacity_workload" => "board.reason.capacity_workload",
        "not_plannable" => "board.reason.not_plannable",
        "unassigned_by_coordinator" => "board.reason.by_coordinator",
        "busy_since_planned" => "board.reason.busy_since",
        _ => "board.reason.not_planned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_referees_rules_have_names() {
        assert_eq!(rule_key(4), Some("board.rule.4"));
        assert_eq!(rule_key(9), None);
    }

    #[test]
    fn every_reason_has_words_in_both_languages() {
        for code in [
            "no_mediator_speaks_language",
            "all_speakers_excluded",
            "no_mediator_with_required_tags",
            "no_mediator_offers_modality",
            "no_mediator_available_in_window",
            "travel_infeasible",
            "exceeds_workload_limit",
            "capacity",
            "capacity_cost",
            "capacity_workload",
            "not_plannable",
            "unassigned_by_coordinator",
            "busy_since_planned",
            "anything else",
        ] {
            let key = reason_key(code);
            assert!(WORDS.iter().any(|(k, _, _)| *k == key), "{key}");
        }
        for n in 1..=6 {
            let key = rule_key(n).unwrap();
            assert!(WORDS.iter().any(|(k, _, _)| *k == key), "{key}");
        }
    }
}
