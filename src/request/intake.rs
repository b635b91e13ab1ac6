//! Submitting a request: the order of the steps is what makes retries cheap and safe.
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::idempotency::{self, Idempotency};
use super::model::RequestBody;
use super::store::{self, Submitted};
use super::validate;
use crate::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::parse_json;

/// Submits the raw body `raw` under an optional idempotency key.
///
/// A known key is answered first, before parsing or validation: a retry costs one read, and
/// replays the first answer even when its start has meanwhile slipped into the past.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Caller,
    key: Option<String>,
    raw: &[u8],
) -> Result<Submitted, ApiError> {
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
