//! Mediator profiles: who speaks what, with which qualities, how they work, where they
//! start from and how much they may work in a week.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::access::{self, Scope};
use super::input::{self, required, Change, MAX_NAME_CHARS};
use super::mediator_checks::{self as checks, Home, NewHome};
use super::tags;
use crate::audit;
use crate::auth::Caller;
use crate::domain::language::{parse_tag, serves, LanguageTag};
use crate::domain::local_time::Instant;
use crate::domain::request::Modality;
use crate::entity::{mediator, user};
use crate::error::Error;
use crate::error::Validator;
use crate::storage::page::{self, Page, PageParams, PageRequest};
use crate::storage::Write;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewMediator {
    #[schema(required = true)]
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// BCP 47 tags, at least one; stored in canonical case.
    #[schema(required = true, example = json!(["zh", "it"]))]
    pub languages: Option<Vec<String>>,
    /// Names from the tag catalogue (`GET /tags`).
    #[serde(default)]
    pub tags: Vec<String>,
    #[schema(required = true, value_type = Vec<Modality>)]
    pub modalities: Option<Vec<String>>,
    /// Home at one of the sites…
    pub home_site_id: Option<i64>,
    /// …or at a place of its own; not both.
    pub home: Option<NewHome>,
    /// 1 to 3360.
    pub max_weekly_minutes: Option<i64>,
    /// IANA time zone of the mediator's availability (default Europe/Rome).
    pub timezone: Option<String>,
    /// Language of the mediator's emails: `it` (default) or `en`.
    pub locale: Option<String>,
}

/// Any subset of a profile's fields; `null` removes an optional one.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MediatorPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub languages: Change<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Change<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<Modality>>)]
    pub modalities: Change<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub home_site_id: Change<i64>,
    #[serde(default)]
    #[schema(value_type = Option<NewHome>)]
    pub home: Change<NewHome>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub max_weekly_minutes: Change<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub active: Change<bool>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub locale: Change<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Mediator {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub tags: Vec<String>,
    #[schema(value_type = Vec<Modality>)]
    pub modalities: Vec<String>,
    pub home_site_id: Option<i64>,
    pub home: Option<Home>,
    pub max_weekly_minutes: Option<i32>,
    pub timezone: String,
    pub active: bool,
    /// Language of the mediator's emails.
    pub locale: String,
    #[schema(value_type = super::InstantSchema)]
    pub created_at: Instant,
    #[schema(value_type = super::InstantSchema)]
    pub updated_at: Instant,
}

impl From<mediator::Model> for Mediator {
    fn from(m: mediator::Model) -> Self {
        let zone = input::stored_zone(&m.timezone);
        let home = match (m.home_address, m.home_lat, m.home_lon) {
            (Some(address), Some(lat), Some(lon)) => Some(Home { address, lat, lon }),
            _ => None,
        };
        Mediator {
            id: m.id,
            name: m.name,
            email: m.email,
            phone: m.phone,
            languages: strings(&m.languages),
            tags: strings(&m.tags),
            modalities: strings(&m.modalities),
            home_site_id: m.home_site_id,
            home,
            max_weekly_minutes: m.max_weekly_minutes,
            timezone: m.timezone,
            active: m.active,
            locale: m.locale,
            created_at: Instant::new(m.created_at, zone),
            updated_at: Instant::new(m.updated_at, zone),
        }
    }
}

/// The strings of a JSON list column (languages, tags, modalities); the service writes
/// only lists of strings there, and anything else reads as no strings.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    new: NewMediator,
) -> Result<Mediator, Error> {
    caller.require_staff()?;
    let mut v = Validator::new();
    let name =
        required(&mut v, "name", new.name).map(|n| input::text(&mut v, "name", &n, MAX_NAME_CHARS));
    let email = new.email.map(|e| input::email(&mut v, "email", &e));
    let phone = new.phone.map(|p| checks::phone(&mut v, &p));
    let languages =
        required(&mut v, "languages", new.languages).map(|l| checks::languages(&mut v, &l));
    let tags = checks::tags(db, &mut v, &new.tags).await?;
    let modalities =
        required(&mut v, "modalities", new.modalities).map(|m| checks::modalities(&mut v, &m));
    checks::one_home(&mut v, new.home_site_id.is_some(), new.home.is_some());
    let home_site_id = match new.home_site_id {
        Some(id) => Some(checks::home_site(db, &mut v, id).await?),
        None => None,
    };
    let home = new.home.map(|h| checks::home(&mut v, h));
    let max_weekly_minutes = new
        .max_weekly_minutes
        .map(|m| checks::max_weekly_minutes(&mut v, m));
    let zone = input::zone(&mut v, "timezone", new.timezone.as_deref());
    let locale = new.locale.map(|l| input::locale(&mut v, "locale", &l));
    v.finish()?;

    let now = Utc::now();
    let write = Write::begin(db).await?;
    let model = mediator::ActiveModel {
        name: Set(name.unwrap_or_default()),
        email: Set(email),
        phone: Set(phone),
        languages: Set(json!(languages.unwrap_or_default())),
        tags: Set(json!(tags)),
        modalities: Set(json!(modalities.unwrap_or_default())),
        home_site_id: Set(home_site_id),
        home_address: Set(home.as_ref().map(|h| h.address.clone())),
        home_lat: Set(home.as_ref().map(|h| h.lat)),
        home_lon: Set(home.as_ref().map(|h| h.lon)),
        max_weekly_minutes: Set(max_weekly_minutes),
        timezone: Set(zone.name().to_string()),
        active: Set(true),
        locale: Set(locale.unwrap_or_else(|| "it".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&write.txn)
    .await?;
    let created = Mediator::from(model);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "mediator",
        created.id,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<Mediator, Error> {
    access::mediator(caller, id)?;
    find(db, id).await.map(Mediator::from)
}

pub(super) async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<mediator::Model, Error> {
    mediator::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("mediator"))
}

/// Filters of `GET /mediators`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediatorFilters {
    /// A language tag as a request names it: `ar` also lists speakers of `ar-MA`.
    pub language: Option<String>,
    /// A tag of the catalogue.
    pub tag: Option<String>,
    #[param(value_type = Option<Modality>)]
    pub modality: Option<String>,
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
}

/// The checked filters that JSON columns need: SQLite and PostgreSQL query JSON arrays
/// differently, and language matching is [`serves`], not equality, so they apply in Rust.
struct Wanted {
    language: Option<LanguageTag>,
    tag: Option<String>,
    modality: Option<String>,
}

impl Wanted {
    fn matches(&self, m: &mediator::Model) -> bool {
        let language = self.language.as_ref().is_none_or(|wanted| {
            strings(&m.languages)
                .iter()
                .filter_map(|l| parse_tag(l).ok())
                .any(|l| serves(&l, wanted))
        });
        let tag = self
            .tag
            .as_ref()
            .is_none_or(|t| strings(&m.tags).contains(t));
        let modality = self
            .modality
            .as_ref()
            .is_none_or(|x| strings(&m.modalities).contains(x));
        language && tag && modality
    }
}

/// Rows read per query while filtering in Rust.
const SCAN_BATCH: u64 = 500;

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    filters: &MediatorFilters,
    params: &PageParams,
) -> Result<Page<Mediator>, Error> {
    let scope = access::mediators(caller)?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    let language = filters
        .language
        .as_deref()
        .and_then(|l| v.check("language", parse_tag(l)));
    if let Some(tag) = &filters.tag {
        if !tags::unknown(db, std::slice::from_ref(tag))
            .await?
            .is_empty()
        {
            v.add(
                "tag",
                format!("“{tag}” is not a known tag; GET /tags lists them."),
            );
        }
    }
    if let Some(modality) = filters
        .modality
        .as_deref()
        .filter(|m| Modality::parse(m).is_none())
    {
        v.add(
            "modality",
            format!("“{modality}” is not a modality; use in_person, phone or video."),
        );
    }
    let active = input::flag(&mut v, "active", filters.active.as_deref());
    v.finish()?;

    let mut select = mediator::Entity::find();
    if let Scope::Only(own) = scope {
        select = select.filter(mediator::Column::Id.eq(own));
    }
    if let Some(active) = active {
        select = select.filter(mediator::Column::Active.eq(active));
    }
    let wanted = Wanted {
        language,
        tag: filters.tag.clone(),
        modality: filters.modality.clone(),
    };
    let mut found = Vec::new();
    let mut after = request.after;
    loop {
        let batch_request = PageRequest {
            limit: SCAN_BATCH - 1,
            after,
        };
        let batch = page::fetch(db, select.clone(), mediator::Column::Id, batch_request).await?;
        let exhausted = (batch.len() as u64) < SCAN_BATCH;
        after = batch.last().map(|m| m.id);
        found.extend(batch.into_iter().filter(|m| wanted.matches(m)));
        if exhausted || found.len() as u64 > request.limit {
            break;
        }
    }
    Ok(Page::from_rows(found, request, |m| m.id, Mediator::from))
}

pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    patch: MediatorPatch,
) -> Result<Mediator, Error> {
    caller.require_staff()?;
    let current = find(db, id).await?;
    let before = Mediator::from(current.clone());
    let mut row: mediator::ActiveModel = current.into();
    let mut v = Validator::new();
    if let Some(name) = patch.name.required(&mut v, "name") {
        row.name = Set(input::text(&mut v, "name", &name, MAX_NAME_CHARS));
    }
    if let Some(email) = patch.email.nullable() {
        row.email = Set(email.map(|e| input::email(&mut v, "email", &e)));
    }
    if let Some(phone) = patch.phone.nullable() {
        row.phone = Set(phone.map(|p| checks::phone(&mut v, &p)));
    }
    if let Some(languages) = patch.languages.required(&mut v, "languages") {
        row.languages = Set(json!(checks::languages(&mut v, &languages)));
    }
    if let Some(tags) = patch.tags.required(&mut v, "tags") {
        row.tags = Set(json!(checks::tags(db, &mut v, &tags).await?));
    }
    if let Some(modalities) = patch.modalities.required(&mut v, "modalities") {
        row.modalities = Set(json!(checks::modalities(&mut v, &modalities)));
    }
    checks::one_home(&mut v, patch.home_site_id.is_set(), patch.home.is_set());
    // Setting one kind of home replaces the other: a mediator has one home.
    match patch.home_site_id.nullable() {
        Some(Some(site)) => {
            row.home_site_id = Set(Some(checks::home_site(db, &mut v, site).await?));
            set_home(&mut row, None);
        }
        Some(None) => row.home_site_id = Set(None),
        None => {}
    }
    if let Some(home) = patch.home.nullable() {
        let home = home.map(|h| checks::home(&mut v, h));
        if home.is_some() {
            row.home_site_id = Set(None);
        }
        set_home(&mut row, home);
    }
    if let Some(minutes) = patch.max_weekly_minutes.nullable() {
        row.max_weekly_minutes = Set(minutes.map(|m| checks::max_weekly_minutes(&mut v, m)));
    }
    if let Some(zone) = patch.timezone.required(&mut v, "timezone") {
        row.timezone = Set(input::zone(&mut v, "timezone", Some(&zone))
            .name()
            .to_string());
    }
    if let Some(active) = patch.active.required(&mut v, "active") {
        row.active = Set(active);
    }
    if let Some(locale) = patch.locale.required(&mut v, "locale") {
        row.locale = Set(input::locale(&mut v, "locale", &locale));
    }
    v.finish()?;

    row.updated_at = Set(Utc::now());
    let write = Write::begin(db).await?;
    let after = Mediator::from(row.update(&write.txn).await?);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Updated,
        "mediator",
        id,
        json!({"before": before, "after": after}),
    )
    .await?;
    write.commit().await?;
    Ok(after)
}

fn set_home(row: &mut mediator::ActiveModel, home: Option<Home>) {
    row.home_address = Set(home.as_ref().map(|h| h.address.clone()));
    row.home_lat = Set(home.as_ref().map(|h| h.lat));
    row.home_lon = Set(home.map(|h| h.lon));
}

/// A mediator's own profile row (their pages read it to know their zone and locale).
pub async fn profile<C: ConnectionTrait>(db: &C, id: i64) -> Result<mediator::Model, Error> {
    mediator::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("mediator"))
}

/// A mediator's preferences: the language of their emails (on the profile) and of their
/// pages (on the caller's account), in one transaction with the audit event.
pub async fn set_preferences(
    db: &DatabaseConnection,
    caller: &Caller,
    mediator_id: i64,
    email_locale: &str,
    page_locale: &str,
) -> Result<(), Error> {
    let write = Write::begin(db).await?;
    mediator::Entity::update_many()
        .col_expr(mediator::Column::Locale, Expr::value(email_locale))
        .col_expr(mediator::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(mediator::Column::Id.eq(mediator_id))
        .exec(&write.txn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::Locale, Expr::value(page_locale))
        .filter(user::Column::Id.eq(caller.user_id))
        .exec(&write.txn)
        .await?;
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::PreferencesChanged,
        "mediator",
        mediator_id,
        json!({ "email_locale": email_locale, "page_locale": page_locale }),
    )
    .await?;
    Ok(write.commit().await?)
}
