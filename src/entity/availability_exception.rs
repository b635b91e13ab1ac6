//! Table `availability_exceptions`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_exceptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mediator_id: i64,
    pub date: ChronoDate,
    /// `absence` or `extra`.
    pub kind: String,
    pub start_time: ChronoTime,
    pub end_time: ChronoTime,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
