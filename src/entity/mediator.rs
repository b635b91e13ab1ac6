//! Table `mediators`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mediators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// BCP 47 tags, a JSON array of strings.
    pub languages: Json,
    pub tags: Json,
    pub modalities: Json,
    pub home_site_id: Option<i64>,
    pub home_address: Option<String>,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
    pub max_weekly_minutes: Option<i32>,
    pub timezone: String,
    pub active: bool,
    /// Language of emails: `it` or `en`.
    pub locale: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
