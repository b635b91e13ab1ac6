//! Table `closures`: days without meetings entered by coordinators or organisations
//! (`domain::closure` computes the national holidays and patron days).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "closures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// None: for everyone.
    pub organisation_id: Option<i64>,
    pub first_day: ChronoDate,
    pub last_day: ChronoDate,
    pub name: String,
    pub created_by: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
