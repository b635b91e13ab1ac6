//! Sites: the places of an organisation where in-person mediation happens; their
//! coordinates give the travel times the planner works with.
use chrono::Utc;
use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access;
use super::input::{self, required, Change, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use super::organisations::find as find_organisation;
use crate::audit;
use crate::auth::Caller;
use crate::domain::local_time::Instant;
use crate::entity::site;
use crate::error::Error;
use crate::error::Validator;
use crate::storage::page::{self, Page, PageParams};
use crate::storage::Write;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewSite {
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub address: Option<String>,
    /// Degrees, −90 to 90.
    #[schema(required = true, example = 43.8777)]
    pub lat: Option<f64>,
    /// Degrees, −180 to 180.
    #[schema(required = true, example = 11.0955)]
    pub lon: Option<f64>,
}

/// Any subset of a site's fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SitePatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub address: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub lat: Change<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub lon: Change<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Site {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    #[schema(value_type = super::InstantSchema)]
    pub created_at: Instant,
}

impl Site {
    /// A stored site, its instants shown in its organisation's `zone`.
    pub fn from_model(m: site::Model, zone: Tz) -> Self {
        Self::new(m, zone)
    }

    fn new(m: site::Model, zone: Tz) -> Self {
        Site {
            id: m.id,
            organisation_id: m.organisation_id,
            name: m.name,
            address: m.address,
            lat: m.lat,
            lon: m.lon,
            created_at: Instant::new(m.created_at, zone),
        }
    }
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    organisation_id: i64,
    new: NewSite,
) -> Result<Site, Error> {
    caller.require_staff()?;
    let organisation = find_organisation(db, organisation_id).await?;
    let mut v = Validator::new();
    let name =
        required(&mut v, "name", new.name).map(|s| input::text(&mut v, "name", &s, MAX_NAME_CHARS));
    let address = required(&mut v, "address", new.address)
        .map(|s| input::text(&mut v, "address", &s, MAX_TEXT_CHARS));
    let lat = required(&mut v, "lat", new.lat).map(|x| input::latitude(&mut v, "lat", x));
    let lon = required(&mut v, "lon", new.lon).map(|x| input::longitude(&mut v, "lon", x));
    v.finish()?;

    let now = Utc::now();
    let write = Write::begin(db).await?;
    let model = site::ActiveModel {
        organisation_id: Set(organisation.id),
        name: Set(name.unwrap_or_default()),
        address: Set(address.unwrap_or_default()),
        lat: Set(lat.unwrap_or_default()),
        lon: Set(lon.unwrap_or_default()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&write.txn)
    .await?;
    let created = Site::new(model, input::stored_zone(&organisation.timezone));
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "site",
        created.id,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    organisation_id: i64,
    params: &PageParams,
) -> Result<Page<Site>, Error> {
    access::organisation(caller, organisation_id)?;
    let organisation = find_organisation(db, organisation_id).await?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    v.finish()?;
    let select = site::Entity::find().filter(site::Column::OrganisationId.eq(organisation_id));
    let rows = page::fetch(db, select, site::Column::Id, request).await?;
    let zone = input::stored_zone(&organisation.timezone);
    Ok(Page::from_rows(
        rows,
        request,
        |m| m.id,
        |m| Site::new(m, zone),
    ))
}

/// One site, for whoever sees its organisation.
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<Site, Error> {
    let model = find(db, id).await?;
    access::organisation(caller, model.organisation_id).map_err(|_| Error::NotFound("site"))?;
    let organisation = find_organisation(db, model.organisation_id).await?;
    Ok(Site::new(model, input::stored_zone(&organisation.timezone)))
}

async fn find(db: &DatabaseConnection, id: i64) -> Result<site::Model, Error> {
    site::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("site"))
}

/// Moves or renames a site. Travel times are computed from coordinates at planning time, so
/// plans made from now on use the new place; published assignments keep what was sent.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    patch: SitePatch,
) -> Result<Site, Error> {
    caller.require_staff()?;
    let current = find(db, id).await?;
    let organisation = find_organisation(db, current.organisation_id).await?;
    let zone = input::stored_zone(&organisation.timezone);
    let before = Site::new(current.clone(), zone);
    let mut row: site::ActiveModel = current.into();
    let mut v = Validator::new();
    if let Some(name) = patch.name.required(&mut v, "name") {
        row.name = Set(input::text(&mut v, "name", &name, MAX_NAME_CHARS));
    }
    if let Some(address) = patch.address.required(&mut v, "address") {
        row.address = Set(input::text(&mut v, "address", &address, MAX_TEXT_CHARS));
    }
    if let Some(lat) = patch.lat.required(&mut v, "lat") {
        row.lat = Set(input::latitude(&mut v, "lat", lat));
    }
    if let Some(lon) = patch.lon.required(&mut v, "lon") {
        row.lon = Set(input::longitude(&mut v, "lon", lon));
    }
    v.finish()?;
    row.updated_at = Set(Utc::now());

    let write = Write::begin(db).await?;
    let after = Site::new(row.update(&write.txn).await?, zone);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Updated,
        "site",
        id,
        json!({"before": before, "after": after}),
    )
    .await?;
    write.commit().await?;
    Ok(after)
}
