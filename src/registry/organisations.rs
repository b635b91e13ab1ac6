//! Organisations: the schools, social services, health centres and desks that ask for
//! mediators.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::{self, Scope};
use super::input::{self, required, Change, MAX_NAME_CHARS};
use crate::audit;
use crate::auth::Caller;
use crate::domain::local_time::Instant;
use crate::entity::organisation;
use crate::error::Error;
use crate::error::Validator;
use crate::storage::page::{self, Page, PageParams};
use crate::storage::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    School,
    SocialServices,
    Health,
    Desk,
    Other,
}

impl OrganisationKind {
    const ALL: [(&'static str, OrganisationKind); 5] = [
        ("school", OrganisationKind::School),
        ("social_services", OrganisationKind::SocialServices),
        ("health", OrganisationKind::Health),
        ("desk", OrganisationKind::Desk),
        ("other", OrganisationKind::Other),
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, kind)| *kind)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("other", |(name, _)| name)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewOrganisation {
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true, value_type = OrganisationKind)]
    pub kind: Option<String>,
    /// IANA time zone of the organisation's local times (default Europe/Rome).
    #[schema(example = "Europe/Rome")]
    pub timezone: Option<String>,
    pub contact_email: Option<String>,
    /// Language of the organisation's emails: `it` (default) or `en`.
    pub locale: Option<String>,
}

/// Any subset of an organisation's fields; `null` removes the contact email.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OrganisationPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<OrganisationKind>)]
    pub kind: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub contact_email: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub locale: Change<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    #[schema(value_type = OrganisationKind)]
    pub kind: String,
    pub timezone: String,
    pub contact_email: Option<String>,
    /// Language of its emails.
    pub locale: String,
    #[schema(value_type = super::InstantSchema)]
    pub created_at: Instant,
}

impl From<organisation::Model> for Organisation {
    fn from(m: organisation::Model) -> Self {
        let created_at = Instant::new(m.created_at, input::stored_zone(&m.timezone));
        Organisation {
            id: m.id,
            name: m.name,
            kind: m.kind,
            timezone: m.timezone,
            contact_email: m.contact_email,
            locale: m.locale,
            created_at,
        }
    }
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    new: NewOrganisation,
) -> Result<Organisation, Error> {
    caller.require_staff()?;
    let mut v = Validator::new();
    let name =
        required(&mut v, "name", new.name).map(|n| input::text(&mut v, "name", &n, MAX_NAME_CHARS));
    let kind = required(&mut v, "kind", new.kind).and_then(|k| kind(&mut v, &k));
    let zone = input::zone(&mut v, "timezone", new.timezone.as_deref());
    let contact_email = new
        .contact_email
        .map(|e| input::email(&mut v, "contact_email", &e));
    let locale = new.locale.map(|l| input::locale(&mut v, "locale", &l));
    v.finish()?;

    let now = Utc::now();
    let write = Write::begin(db).await?;
    let model = organisation::ActiveModel {
        name: Set(name.unwrap_or_default()),
        kind: Set(kind.unwrap_or(OrganisationKind::Other).as_str().to_string()),
        timezone: Set(zone.name().to_string()),
        contact_email: Set(contact_email),
        locale: Set(locale.unwrap_or_else(|| "it".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&write.txn)
    .await?;
    let created = Organisation::from(model);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "organisation",
        created.id,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

fn kind(v: &mut Validator, raw: &str) -> Option<OrganisationKind> {
    let kind = OrganisationKind::parse(raw);
    if kind.is_none() {
        v.add("kind", format!("“{raw}” is not a kind of organisation; use school, social_services, health, desk or other."));
    }
    kind
}

/// Changes an organisation; the audit event keeps it as it was and as it is.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    patch: OrganisationPatch,
) -> Result<Organisation, Error> {
    caller.require_staff()?;
    let current = find(db, id).await?;
    let before = Organisation::from(current.clone());
    let mut row: organisation::ActiveModel = current.into();
    let mut v = Validator::new();
    if let Some(name) = patch.name.required(&mut v, "name") {
        row.name = Set(input::text(&mut v, "name", &name, MAX_NAME_CHARS));
    }
    if let Some(raw) = patch.kind.required(&mut v, "kind") {
        if let Some(kind) = kind(&mut v, &raw) {
            row.kind = Set(kind.as_str().to_string());
        }
    }
    if let Some(zone) = patch.timezone.required(&mut v, "timezone") {
        row.timezone = Set(input::zone(&mut v, "timezone", Some(&zone))
            .name()
            .to_string());
    }
    if let Some(email) = patch.contact_email.nullable() {
        row.contact_email = Set(email.map(|e| input::email(&mut v, "contact_email", &e)));
    }
    if let Some(locale) = patch.locale.required(&mut v, "locale") {
        row.locale = Set(input::locale(&mut v, "locale", &locale));
    }
    v.finish()?;
    row.updated_at = Set(Utc::now());

    let write = Write::begin(db).await?;
    let after = Organisation::from(row.update(&write.txn).await?);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Updated,
        "organisation",
        id,
        json!({"before": before, "after": after}),
    )
    .await?;
    write.commit().await?;
    Ok(after)
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    params: &PageParams,
) -> Result<Page<Organisation>, Error> {
    let scope = access::organisations(caller)?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    v.finish()?;
    let mut select = organisation::Entity::find();
    if let Scope::Only(own) = scope {
        select = select.filter(organisation::Column::Id.eq(own));
    }
    let rows = page::fetch(db, select, organisation::Column::Id, request).await?;
    Ok(Page::from_rows(rows, request, |m| m.id, Organisation::from))
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<Organisation, Error> {
    access::organisation(caller, id)?;
    find(db, id).await.map(Organisation::from)
}

pub(super) async fn find<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<organisation::Model, Error> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("organisation"))
}
