//! A stored request as the API shows it: every instant both in UTC and as the wall clock of
//! the request's organisation, so that clients never convert zones themselves.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::local_time::Instant;
use crate::domain::request::{Modality, Status, Urgency};
use crate::entity::request;

/// Starts of a series listed in a response; the rest are in `count`.
pub const LISTED_OCCURRENCES: usize = 5;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub organisation_id: i64,
    pub site_id: Option<i64>,
    /// The user who submitted it.
    pub created_by: Option<i64>,
    pub language: String,
    pub required_tags: Vec<String>,
    pub modality: Modality,
    /// Also accepted when `modality` cannot be served, in order of preference.
    pub fallback_modalities: Vec<Modality>,
    #[schema(value_type = InstantDoc)]
    pub earliest_start: Instant,
    #[schema(value_type = InstantDoc)]
    pub latest_start: Instant,
    pub duration_minutes: i32,
    pub urgency: Urgency,
    pub preferred_mediators: Vec<i64>,
    pub excluded_mediators: Vec<i64>,
    pub case_reference: Option<String>,
    pub notes: Option<String>,
    pub rrule: Option<String>,
    pub occurrences: Occurrences,
    pub status: Status,
    pub cancel_reason: Option<String>,
    #[schema(value_type = InstantDoc)]
    pub created_at: Instant,
    #[schema(value_type = InstantDoc)]
    pub updated_at: Instant,
    /// Set when this request holds meetings changed from another request's series.
    pub changed_from: Option<ChangedFrom>,
}

/// The meeting a changed request took over: request `request_id`'s occurrence `occurrence`
/// (counted from 1), with the following ones when the change was for "this and following".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChangedFrom {
    pub request_id: i64,
    pub occurrence: i32,
}

/// The appointments a request stands for: one, or the occurrences of its series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Occurrences {
    pub count: i32,
    /// The first starts (at most five), in order.
    #[schema(value_type = Vec<InstantDoc>)]
    pub first: Vec<Instant>,
}

/// One page of `GET /requests`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An instant: `utc` for programs, `local` (RFC 3339 with the organisation's offset) for people.
#[derive(ToSchema)]
#[schema(title = "Instant")]
#[allow(dead_code)] // documentation of `domain::local_time::Instant`'s JSON only
pub struct InstantDoc {
    utc: DateTime<Utc>,
    #[schema(example = "2027-03-30T09:00:00+02:00")]
    local: String,
}

pub fn view(model: &request::Model, zone: Tz) -> RequestView {
    RequestView {
        id: model.id,
        organisation_id: model.organisation_id,
        site_id: model.site_id,
        created_by: model.created_by,
        language: model.language.clone(),
        required_tags: list(&model.required_tags),
        modality: model.modality,
        fallback_modalities: crate::domain::request::fallbacks(&model.fallback_modalities),
        earliest_start: Instant::new(model.earliest_start, zone),
        latest_start: Instant::new(model.latest_start, zone),
        duration_minutes: model.duration_minutes,
        urgency: model.urgency,
        preferred_mediators: list(&model.preferred_mediators),
        excluded_mediators: list(&model.excluded_mediators),
        case_reference: model.case_reference.clone(),
        notes: model.notes.clone(),
        rrule: model.rrule.clone(),
        occurrences: occurrences(model, zone),
        status: model.status,
        cancel_reason: model.cancel_reason.clone(),
        created_at: Instant::new(model.created_at, zone),
        updated_at: Instant::new(model.updated_at, zone),
        changed_from: model.changed_from_request_id.map(|request_id| ChangedFrom {
            request_id,
            occurrence: model.changed_from_occurrence.unwrap_or(1),
        }),
    }
}

fn occurrences(model: &request::Model, zone: Tz) -> Occurrences {
    let starts = super::occurrence::starts(model, zone);
    Occurrences {
        count: model.occurrences,
        first: starts
            .into_iter()
            .take(LISTED_OCCURRENCES)
            .map(|start| Instant::new(start, zone))
            .collect(),
    }
}

/// A JSON array column; the service only ever writes arrays, so anything else reads as empty.
fn list<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Vec<T> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before: the view expanded the rule itself and, on a rule the domain no longer
    /// accepts, listed no meeting at all while planning still planned the first one.
    #[test]
    fn a_series_whose_rule_no_longer_expands_still_shows_its_first_meeting() {
        let first: DateTime<Utc> = "2027-03-01T08:00:00Z".parse().unwrap();
        // Unbounded: refused at submission today.
        let model = crate::request::sample(first, Some("FREQ=WEEKLY"));
        let listed = occurrences(&model, chrono_tz::Europe::Rome).first;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0], Instant::new(first, chrono_tz::Europe::Rome));
    }
}
