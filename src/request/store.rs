//! Storage of requests: the write transaction (request, audit event and idempotency row
//! together), reads limited to what the caller may see, and the organisations' zones.
use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    NotSet, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::idempotency::{self, Idempotency, Replay};
use super::model::{Status, Urgency};
use super::validate::NewRequest;
use super::view::{self, RequestView};
use crate::audit;
use crate::auth::{Caller, Role};
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::entity::{idempotency_key, organisation, request, site};
use crate::error::Error;

pub use crate::storage::Write;

/// What a submission produced: a new request, or the answer to an earlier identical one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Created(Created),
    Replayed(Replay),
}

/// A request just stored: its id and urgency (what decides dispatch) beside its JSON view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub urgency: Urgency,
    /// The request's view as the API answers it (and as an idempotent replay repeats it).
    pub body: String,
}

/// Stores a validated request with its audit event and, when given, its idempotency row, in
/// one transaction. The answer (the request's JSON) is what the idempotency row keeps, so a
/// replay is byte for byte the first answer.
pub async fn insert(
    db: &DatabaseConnection,
    caller: &Caller,
    new: NewRequest,
    idem: Option<&Idempotency>,
) -> Result<Submitted, Error> {
    // Whole microseconds: what PostgreSQL keeps, so the answer equals every later read.
    let now = Utc::now().trunc_subsecs(6);
    let write = Write::begin(db).await?;
    match write_all(&write.txn, caller, new, idem, now).await {
        Ok(body) => {
            write.commit().await?;
            Ok(Submitted::Created(body))
        }
        Err(e) => {
            write.rollback().await?;
            match idem {
                // A concurrent submission with the same key committed first (on PostgreSQL
                // this insert waited for it): answer as it did, or 409 for another body.
                Some(idem) if crate::storage::is_unique_violation(&e) => {
                    idempotency::prior(db, caller.user_id, idem)
                        .await?
                        .map(Submitted::Replayed)
                        .ok_or_else(|| Error::Internal("an idempotency row vanished".into()))
                }
                _ => Err(e.into()),
            }
        }
    }
}

async fn write_all(
    txn: &DatabaseTransaction,
    caller: &Caller,
    new: NewRequest,
    idem: Option<&Idempotency>,
    now: DateTime<Utc>,
) -> Result<Created, DbErr> {
    let zone = new.zone;
    let urgency = new.urgency;
    let mut model = request::Model {
        id: 0,
        organisation_id: new.organisation_id,
        site_id: new.site_id,
        created_by: Some(caller.user_id),
        language: new.language.to_string(),
        required_tags: json!(new.required_tags),
        modality: new.modality,
        fallback_modalities: json!(new.fallback_modalities),
        earliest_start: new.earliest_start,
        latest_start: new.latest_start,
        duration_minutes: new.duration_minutes,
        urgency: new.urgency,
        preferred_mediators: json!(new.preferred_mediators),
        excluded_mediators: json!(new.excluded_mediators),
        case_reference: new.case_reference,
        notes: new.notes,
        rrule: new.rrule,
        occurrences: new.occurrences,
        status: Status::Submitted,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
        changed_from_request_id: None,
        changed_from_occurrence: None,
    };
    // `exec` rather than `ActiveModel::insert`: on SQLite the latter reads the row back with
    // a second statement, and every statement is a round trip to SQLite's worker thread.
    // The row is exactly the model, so only its id is needed.
    let mut row = request::ActiveModel::from(model.clone());
    row.id = NotSet;
    model.id = request::Entity::insert(row).exec(txn).await?.last_insert_id;
    let detail = json!({
        "organisation_id": model.organisation_id,
        "language": model.language,
        "urgency": model.urgency,
        "occurrences": model.occurrences,
        "idempotency_key": idem.map(|i| i.key.as_str()),
    });
    audit::record(
        txn,
        Some(caller.user_id),
        audit::Action::Created,
        "request",
        model.id,
        detail,
    )
    .await?;
    let body = serde_json::to_string(&view::view(&model, zone))
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    if let Some(idem) = idem {
        let row = idempotency_key::ActiveModel {
            user_id: Set(caller.user_id),
            key: Set(idem.key.clone()),
            body_hash: Set(idem.body_hash.clone()),
            response_status: Set(201),
            response_body: Set(body.clone()),
            created_at: Set(now),
        };
        idempotency_key::Entity::insert(row)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(Created {
        id: model.id,
        urgency,
        body,
    })
}

/// A request the caller may see. Another organisation's request is 404 for a requester, as
/// if it did not exist; mediators have no access to requests yet (403).
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: i64,
) -> Result<request::Model, Error> {
    require_access(caller)?;
    request::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| caller.sees_organisation(r.organisation_id))
        .ok_or(Error::NotFound("request"))
}

pub fn require_access(caller: &Caller) -> Result<(), Error> {
    if caller.role == Role::Mediator {
        Err(Error::Forbidden("mediators have no access to requests"))
    } else {
        Ok(())
    }
}

/// The view of one request, in its organisation's zone.
pub async fn view_of<C: ConnectionTrait>(
    db: &C,
    model: &request::Model,
) -> Result<RequestView, Error> {
    let zones = zones(db, [model.organisation_id]).await?;
    Ok(view::view(model, zone_in(&zones, model.organisation_id)))
}

/// Where a request takes place: its site (if any) and its organisation, as they are now.
pub async fn place_of<C: ConnectionTrait>(
    db: &C,
    model: &request::Model,
) -> Result<(Option<site::Model>, Option<organisation::Model>), Error> {
    let site = match model.site_id {
        Some(site_id) => site::Entity::find_by_id(site_id).one(db).await?,
        None => None,
    };
    let org = organisation::Entity::find_by_id(model.organisation_id)
        .one(db)
        .await?;
    Ok((site, org))
}

/// The time zones of organisations, by id.
pub async fn zones<C: ConnectionTrait>(
    db: &C,
    organisations: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Tz>, DbErr> {
    let ids: Vec<i64> = organisations.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Timezone)
        .filter(organisation::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, zone)| (id, local_time::parse_zone(&zone).unwrap_or(DEFAULT_ZONE)))
        .collect())
}

pub fn zone_in(zones: &HashMap<i64, Tz>, organisation_id: i64) -> Tz {
    zones.get(&organisation_id).copied().unwrap_or(DEFAULT_ZONE)
}
