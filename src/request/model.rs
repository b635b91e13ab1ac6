//! The bodies clients send about requests; their words live in `domain::request`.
use serde::Deserialize;
use utoipa::ToSchema;

pub use crate::domain::request::{Modality, Status, Urgency};

/// `POST /requests`. Words and times are strings here, not typed values, so that one bad
/// field does not hide the others: validation reports every problem at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// Required for coordinators and admins; a requester's own organisation by default.
    pub organisation_id: Option<i64>,
    /// Where the appointment is; required for `in_person`, of the same organisation.
    pub site_id: Option<i64>,
    /// BCP 47 tag such as `ar-MA` or `zh-Hant`; stored in canonical case.
    #[schema(example = "ar-MA")]
    pub language: String,
    /// Names from the tag catalogue (table `tags`), such as `health` or `minors`.
    #[serde(default)]
    pub required_tags: Vec<String>,
    #[schema(value_type = Modality)]
    pub modality: String,
    /// Other modalities accepted when `modality` cannot be served, in order of preference:
    /// `in_person` with `["video"]` reads "in person, or video if needed". The planner
    /// serves the request in `modality` when it can and falls back when it must.
    #[serde(default)]
    #[schema(value_type = Vec<Modality>)]
    pub fallback_modalities: Vec<String>,
    /// RFC 3339 instant, or a local date-time (`2027-03-30T09:00`) in the organisation's zone.
    #[schema(example = "2027-03-30T09:00")]
    pub earliest_start: String,
    /// Same forms as `earliest_start`; absent means a fixed appointment at `earliest_start`.
    pub latest_start: Option<String>,
    /// 15 to 480.
    pub duration_minutes: i64,
    #[schema(value_type = Urgency)]
    pub urgency: String,
    #[serde(default)]
    pub preferred_mediators: Vec<i64>,
    #[serde(default)]
    pub excluded_mediators: Vec<i64>,
    /// The organisation's own reference, at most 64 characters.
    pub case_reference: Option<String>,
    /// At most 2000 characters.
    pub notes: Option<String>,
    /// RFC 5545 RRULE for a series, ending within a year (`FREQ=WEEKLY;BYDAY=MO;COUNT=10`).
    pub rrule: Option<String>,
}

/// `POST /requests/{id}/cancel`; the body may be empty.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why, for the coordinators; at most 500 characters.
    pub reason: Option<String>,
}
