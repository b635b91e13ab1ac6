//! Table `organisations`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub timezone: String,
    pub contact_email: Option<String>,
    /// Language of emails: `it` or `en`.
    pub locale: String,
    pub created_at: ChronoDateTimeUtc,
    /// The latest change of what feeds and pages show of it.
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
