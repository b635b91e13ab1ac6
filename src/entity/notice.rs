//! Table `notices`: the email outbox. A row is written in the same transaction as the change
//! that causes it and stays until the SMTP server has accepted the message.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `<…@host>`, stable, so that a copy sent twice is dropped by mail clients.
    pub message_id: String,
    /// `published`, `changed`, `cancelled`, `declined`, `reminder`, `offer`, `unfilled`…
    pub kind: String,
    pub recipient_email: String,
    pub recipient_name: Option<String>,
    pub locale: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub ics: Option<String>,
    /// `REQUEST` or `CANCEL`.
    pub ics_method: Option<String>,
    pub assignment_id: Option<i64>,
    pub request_id: Option<i64>,
    /// Unique when set: the same reminder is never queued twice, by any process.
    pub dedupe_key: Option<String>,
    /// `pending`, `sent`, `failed` (permanently).
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<ChronoDateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub sent_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
