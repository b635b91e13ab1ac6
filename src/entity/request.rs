//! Table `requests`.
use sea_orm::entity::prelude::*;

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
    pub modality: String,
    pub earliest_start: ChronoDateTimeUtc,
    pub latest_start: ChronoDateTimeUtc,
    pub duration_minutes: i32,
    pub urgency: String,
    /// Mediator ids, a JSON array.
    pub preferred_mediators: Json,
    pub excluded_mediators: Json,
    pub case_reference: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub rrule: Option<String>,
    pub occurrences: i32,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
