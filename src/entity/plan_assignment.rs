//! Table `plan_assignments`: the draft assignments of a plan, before publication.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub request_id: i64,
    /// 1 for a single request; the occurrence's number within a series.
    pub occurrence: i32,
    pub mediator_id: i64,
    pub start: ChronoDateTimeUtc,
    pub end: ChronoDateTimeUtc,
    /// Served in one of the request's fallback modalities; `None`: in the request's own.
    pub modality: Option<crate::domain::request::Modality>,
    pub travel_minutes: i32,
    /// Kept as it is when the plan is re-run.
    pub locked: bool,
    /// `solver`, `pinned` (a live assignment kept), `manual` (moved by a coordinator).
    pub origin: String,
    /// The live assignment this draft keeps or replaces, if any.
    pub assignment_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
