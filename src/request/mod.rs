//! Requests for a mediator: what a client may send, the rules it must follow, how it is
//! stored (with its audit event and idempotency key in one transaction) and read back.
//!
//! The HTTP handlers in `http::requests` only parse and map; everything that decides lives
//! here, one job per module.
pub mod cancel;
pub mod change;
pub mod choices;
pub mod edit;
pub mod idempotency;
pub mod intake;
pub mod list;
pub mod model;
pub mod occurrence;
pub mod store;
pub mod validate;
pub mod view;

pub use model::{CancelBody, Modality, RequestBody, Status, Urgency};
pub use view::{RequestPage, RequestView};

/// A stored request for unit tests: a one-hour phone meeting in Urdu at `first`, repeating
/// by `rrule` when given.
#[cfg(test)]
pub(crate) fn sample(
    first: chrono::DateTime<chrono::Utc>,
    rrule: Option<&str>,
) -> crate::entity::request::Model {
    crate::entity::request::Model {
        id: 7,
        organisation_id: 1,
        site_id: None,
        created_by: None,
        language: "ur".into(),
        required_tags: serde_json::json!([]),
        modality: crate::domain::request::Modality::Phone,
        fallback_modalities: serde_json::json!([]),
        earliest_start: first,
        latest_start: first,
        duration_minutes: 60,
        urgency: crate::domain::request::Urgency::Routine,
        preferred_mediators: serde_json::json!([]),
        excluded_mediators: serde_json::json!([]),
        case_reference: None,
        notes: None,
        rrule: rrule.map(str::to_string),
        occurrences: 1,
        status: crate::domain::request::Status::Submitted,
        cancel_reason: None,
        created_at: first,
        updated_at: first,
        changed_from_request_id: None,
        changed_from_occurrence: None,
    }
}
