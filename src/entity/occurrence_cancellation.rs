//! Table `occurrence_cancellations`: occurrences of a series called off one by one, or from
//! a date on (one row each).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "occurrence_cancellations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    /// Counted from 1 within the whole series, as in plans and assignments.
    pub occurrence: i32,
    pub cancelled_at: ChronoDateTimeUtc,
    pub reason: Option<String>,
    pub actor_user_id: Option<i64>,
    /// Not called off but changed: the request that holds the meeting now.
    pub moved_to_request_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
