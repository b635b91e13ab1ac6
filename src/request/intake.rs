//! Submitting a request: the order of the steps is what makes retries cheap and safe.
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::idempotency::{self, Idempotency};
use super::model::RequestBody;
use super::model::Urgency;
use super::store::{self, Submitted};
use super::validate;
use crate::auth::Caller;
use crate::error::{parse_json, Error};
use crate::startup::AppState;

/// Submits the raw body `raw` under an optional idempotency key.
///
/// A known key is answered first, before parsing or validation: a retry costs one read, and
/// replays the first answer even when its start has meanwhile slipped into the past.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Caller,
    key: Option<String>,
    raw: &[u8],
) -> Result<Submitted, Error> {
    store::require_access(caller)?;
    let idem = key.map(|key| Idempotency::new(key, raw));
    if let Some(idem) = &idem {
        if let Some(replay) = idempotency::prior(db, caller.user_id, idem).await? {
            return Ok(Submitted::Replayed(replay));
        }
    }
    let body: RequestBody = parse_json(raw)?;
    let new = validate::validate(db, caller, &body, Utc::now()).await?;
    store::insert(db, caller, new, idem.as_ref()).await
}

/// The use case behind both the API and the request form: submit, and once the request is
/// committed, dispatch it at once when its urgency asks for it (an emergency, or an urgent
/// request for today). Awaited, so that the offers or the coordinators' notice exist when the
/// caller hears back; a dispatch failure is logged, never returned: the request is stored.
pub async fn submit_and_dispatch(
    state: &AppState,
    caller: &Caller,
    key: Option<String>,
    raw: &[u8],
) -> Result<Submitted, Error> {
    let submitted = submit(&state.db, caller, key, raw).await?;
    if let Submitted::Created(created) = &submitted {
        dispatch_if_urgent(state, created).await;
    }
    Ok(submitted)
}

/// Dispatches a request just stored when it is not routine (most are, and cost no query).
pub async fn dispatch_if_urgent(state: &AppState, created: &store::Created) {
    if created.urgency != Urgency::Routine {
        crate::dispatch::after_submit_detached(state, created.id).await;
    }
}
