//! The words of a request: how the mediator takes part, how soon, and where the request is
//! in its life. One type per word for the API, the pages and the `requests` columns; the
//! solver's exchange format keeps its own copies, reached by `From`.
//!
//! `DeriveActiveEnum` only maps each word to the text stored in its column (the same text
//! as the JSON), so the columns stay plain strings: no schema change.
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the mediator takes part.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Modality {
    #[sea_orm(string_value = "in_person")]
    InPerson,
    #[sea_orm(string_value = "phone")]
    Phone,
    #[sea_orm(string_value = "video")]
    Video,
}

words!(Modality, "a modality", {
    InPerson => "in_person",
    Phone => "phone",
    Video => "video",
});

/// The most fallback modalities a request lists: every other modality, at most.
pub const MAX_FALLBACKS: usize = Modality::ALL.len() - 1;

/// A request's `fallback_modalities` column, in order; words it does not know are skipped.
pub fn fallbacks(stored: &serde_json::Value) -> Vec<Modality> {
    stored
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(Modality::parse))
        .collect()
}

/// The modality a meeting is served in: the assignment's when it fell back, else the
/// request's own. The one rule every calendar, notice and page follows.
pub fn served(request: Modality, assignment: Option<Modality>) -> Modality {
    assignment.unwrap_or(request)
}

impl From<Modality> for ponte_solver::model::Modality {
    fn from(m: Modality) -> Self {
        match m {
            Modality::InPerson => Self::InPerson,
            Modality::Phone => Self::Phone,
            Modality::Video => Self::Video,
        }
    }
}

impl From<ponte_solver::model::Modality> for Modality {
    fn from(m: ponte_solver::model::Modality) -> Self {
        use ponte_solver::model::Modality as M;
        match m {
            M::InPerson => Self::InPerson,
            M::Phone => Self::Phone,
            M::Video => Self::Video,
        }
    }
}

/// How soon the request must be served; emergencies and urgent ones are dispatched at once.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Urgency {
    #[sea_orm(string_value = "emergency")]
    Emergency,
    #[sea_orm(string_value = "urgent")]
    Urgent,
    #[sea_orm(string_value = "routine")]
    Routine,
}

words!(Urgency, "an urgency", {
    Emergency => "emergency",
    Urgent => "urgent",
    Routine => "routine",
});

impl From<Urgency> for ponte_solver::model::Urgency {
    fn from(u: Urgency) -> Self {
        match u {
            Urgency::Emergency => Self::Emergency,
            Urgency::Urgent => Self::Urgent,
            Urgency::Routine => Self::Routine,
        }
    }
}

/// Where a request is in its life. Planning will add `assigned` and `completed`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

words!(Status, "a request status", {
    Submitted => "submitted",
    Cancelled => "cancelled",
});

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    /// The stored text, the JSON and `as_str` are one word: a mismatch would split them.
    #[test]
    fn stored_text_is_the_json_word() {
        for m in Modality::iter() {
            assert_eq!(m.to_value(), m.as_str());
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
            assert_eq!(Modality::parse(m.as_str()), Some(m));
        }
        for u in Urgency::iter() {
            assert_eq!(u.to_value(), u.as_str());
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
        }
        for s in Status::iter() {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Modality::iter().count(), Modality::ALL.len());
        assert_eq!(Urgency::iter().count(), Urgency::ALL.len());
        assert_eq!(Status::iter().count(), Status::ALL.len());
    }
}
