//! Table `requests`.
use sea_orm::entity::prelude::*;

use crate::domain::request::{Modality, Status, Urgency};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub site_id: Option<i64>,
    pub created_by: Option<i64>,
    pub language: String,
    pub required_tags: Json,
    pub modality: Modality,
    /// JSON list of the modalities also accepted when `modality` cannot be served, in order
    /// of preference ("in person, or video if needed").
    pub fallback_modalities: Json,
    pub earliest_start: ChronoDateTimeUtc,
    pub latest_start: ChronoDateTimeUtc,
    pub duration_minutes: i32,
    pub urgency: Urgency,
    /// Mediator ids, a JSON array.
    pub preferred_mediators: Json,
    pub excluded_mediators: Json,
    pub case_reference: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub rrule: Option<String>,
    pub occurrences: i32,
    pub status: Status,
    pub cancel_reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// When this request holds meetings changed from another's series: that request...
    pub changed_from_request_id: Option<i64>,
    /// ...and the occurrence (counted from 1) this request's first meeting was.
    pub changed_from_occurrence: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
