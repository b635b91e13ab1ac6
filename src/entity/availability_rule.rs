//! Table `availability_rules`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mediator_id: i64,
    /// ISO weekday, 1 = Monday.
    pub weekday: i16,
    pub start_time: ChronoTime,
    pub end_time: ChronoTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
