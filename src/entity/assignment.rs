//! Table `assignments`: live assignments, the ones people see (feeds, emails).
use sea_orm::entity::prelude::*;

use crate::domain::assignment::State;
use crate::domain::closeout::Outcome;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    pub start: ChronoDateTimeUtc,
    pub end: ChronoDateTimeUtc,
    /// Served in one of the request's fallback modalities; `None`: in the request's own.
    pub modality: Option<crate::domain::request::Modality>,
    pub state: State,
    pub plan_id: Option<i64>,
    /// iCalendar UID, stable for the assignment's life.
    pub uid: String,
    /// iCalendar SEQUENCE: increased on every change people see.
    pub sequence: i32,
    /// SHA-256 of the secret in the accept/decline links of the emails.
    pub response_token_hash: Option<String>,
    pub decline_reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub responded_at: Option<ChronoDateTimeUtc>,
    /// When an offered or published row lapses unanswered (`domain::offer`); none for rows
    /// that wait for nothing, or were written before offers lapsed.
    pub expires_at: Option<ChronoDateTimeUtc>,
    /// What happened, once recorded after the start (`domain::closeout`).
    pub outcome: Option<Outcome>,
    pub actual_start: Option<ChronoDateTimeUtc>,
    pub actual_end: Option<ChronoDateTimeUtc>,
    pub closeout_note: Option<String>,
    pub closed_out_by: Option<i64>,
    pub closed_out_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
