//! Cancelling part of a series: one occurrence, or every occurrence from one on ("the series
//! from a date on"). Each cancelled occurrence is a row of `occurrence_cancellations`; the
//! RRULE is left as submitted, so occurrence numbers keep naming the same appointments in
//! plans, assignments and feeds. The assignments of those occurrences are cancelled in the
//! same transaction, with their notices, as when a whole request is cancelled.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::model::Status;
use super::store::{self, Write};
use crate::audit;
use crate::auth::Caller;
use crate::domain::recurrence;
use crate::entity::{occurrence_cancellation, request};
use crate::error::Error;
use crate::notice::Links;
use crate::storage::is_unique_violation;

pub const MAX_REASON_CHARS: usize = 500;

/// `POST /requests/{id}/occurrences/{k}/cancel`; the body may be empty.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceCancelBody {
    /// Why, for the coordinators; at most 500 characters.
    pub reason: Option<String>,
    /// Also every later occurrence of the series: "from this date on".
    #[serde(default)]
    pub following: bool,
}

/// What a cancellation did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccurrencesCancelled {
    pub request_id: i64,
    /// The occurrences cancelled now (counted from 1), in order.
    pub cancelled: Vec<i32>,
    /// Every cancelled occurrence of the request, these included.
    pub all_cancelled: Vec<i32>,
    /// Live assignments and open offers of those occurrences that were cancelled.
    pub assignments_cancelled: usize,
    /// `cancelled` once no occurrence is left.
    pub request_status: Status,
}

/// The starts of every occurrence of `r`, in order (index k-1 is occurrence k), in its
/// organisation's `zone`: [`recurrence::occurrence_starts`] for a stored row. Every reader of
/// a request's occurrences comes through here.
pub fn starts(r: &request::Model, zone: chrono_tz::Tz) -> Vec<DateTime<Utc>> {
    recurrence::occurrence_starts(r.earliest_start, r.rrule.as_deref(), zone)
}

/// Each occurrence of `r` that is not in `cancelled`, numbered from 1, with its start.
pub fn numbered<'a>(
    r: &request::Model,
    zone: chrono_tz::Tz,
    cancelled: Option<&'a HashSet<i32>>,
) -> impl Iterator<Item = (i32, DateTime<Utc>)> + use<'a> {
    starts(r, zone)
        .into_iter()
        .zip(1..)
        .map(|(start, k)| (k, start))
        .filter(move |(k, _)| !cancelled.is_some_and(|c| c.contains(k)))
}

/// The cancelled occurrences of each of `requests`.
pub async fn cancelled<C: ConnectionTrait>(
    db: &C,
    requests: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, HashSet<i32>>, DbErr> {
    let ids: Vec<i64> = requests.into_iter().collect();
    let mut out: HashMap<i64, HashSet<i32>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i32)> = occurrence_cancellation::Entity::find()
            .select_only()
            .column(occurrence_cancellation::Column::RequestId)
            .column(occurrence_cancellation::Column::Occurrence)
            .filter(occurrence_cancellation::Column::RequestId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (request_id, occurrence) in rows {
            out.entry(request_id).or_default().insert(occurrence);
        }
    }
    Ok(out)
}

/// The cancelled occurrences of one request, in order.
pub async fn cancelled_of<C: ConnectionTrait>(db: &C, request_id: i64) -> Result<Vec<i32>, DbErr> {
    occurrence_cancellation::Entity::find()
        .select_only()
        .column(occurrence_cancellation::Column::Occurrence)
        .filter(occurrence_cancellation::Column::RequestId.eq(request_id))
        .order_by_asc(occurrence_cancellation::Column::Occurrence)
        .into_tuple()
        .all(db)
        .await
}

/// The occurrences of one request that were changed rather than called off, with the
/// request that holds each now.
pub async fn moved_of<C: ConnectionTrait>(
    db: &C,
    request_id: i64,
) -> Result<HashMap<i32, i64>, DbErr> {
    let rows: Vec<(i32, Option<i64>)> = occurrence_cancellation::Entity::find()
        .select_only()
        .column(occurrence_cancellation::Column::Occurrence)
        .column(occurrence_cancellation::Column::MovedToRequestId)
        .filter(occurrence_cancellation::Column::RequestId.eq(request_id))
        .filter(occurrence_cancellation::Column::MovedToRequestId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, to)| to.map(|to| (k, to)))
        .collect())
}

/// Cancels occurrence `k` of request `id` (and, with `following`, every later one that is
/// still to come). Another organisation's request is 404; an occurrence that does not exist
/// or has begun is 422 naming `occurrence`; one already cancelled (or a cancelled request)
/// is 409.
pub async fn cancel(
    db: &DatabaseConnection,
    links: &Links,
    caller: &Caller,
    id: i64,
    k: i64,
    body: &OccurrenceCancelBody,
) -> Result<OccurrencesCancelled, Error> {
    let model = store::visible(db, caller, id).await?;
    let reason = reason_of(body)?;
    if model.status == Status::Cancelled {
        return Err(Error::Conflict(format!(
            "request {id} is already cancelled"
        )));
    }
    let zones = store::zones(db, [model.organisation_id]).await?;
    let starts = starts(&model, store::zone_in(&zones, model.organisation_id));
    let count = starts
        .len()
        .max(usize::try_from(model.occurrences).unwrap_or(0));
    let now = Utc::now().trunc_subsecs(6);
    let index = usize::try_from(k)
        .ok()
        .filter(|k| (1..=count).contains(k))
        .ok_or_else(|| {
            Error::field(
                "occurrence",
                format!("The request has occurrences 1 to {count}."),
            )
        })?;
    if starts.get(index - 1).is_some_and(|start| *start <= now) {
        return Err(Error::field(
            "occurrence",
            "This occurrence has already begun; only later ones can be cancelled.",
        ));
    }
    let already: HashSet<i32> = cancelled_of(db, id).await?.into_iter().collect();
    let k = index as i32;
    let last = if body.following { count as i32 } else { k };
    let chosen: Vec<i32> = (k..=last).filter(|o| !already.contains(o)).collect();
    if chosen.is_empty() {
        return Err(Error::Conflict(format!(
            "occurrence {k} of request {id} is already cancelled"
        )));
    }

    let write = Write::begin(db).await?;
    match write_all(
        &write.txn,
        links,
        caller,
        &model,
        &chosen,
        &already,
        count,
        reason,
        body.following,
        now,
    )
    .await
    {
        Ok(done) => {
            write.commit().await?;
            Ok(done)
        }
        Err(e) => {
            write.rollback().await?;
            if is_unique_violation(&e) {
                // A concurrent cancellation of the same occurrence committed first.
                Err(Error::Conflict(format!(
                    "occurrence {k} of request {id} is already cancelled"
                )))
            } else {
                Err(e.into())
            }
        }
    }
}

fn reason_of(body: &OccurrenceCancelBody) -> Result<Option<String>, Error> {
    crate::domain::text::reason(body.reason.as_deref(), MAX_REASON_CHARS)
        .map_err(|message| Error::field("reason", message))
}

#[allow(clippy::too_many_arguments)]
async fn write_all<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    caller: &Caller,
    model: &request::Model,
    chosen: &[i32],
    already: &HashSet<i32>,
    count: usize,
    reason: Option<String>,
    following: bool,
    now: DateTime<Utc>,
) -> Result<OccurrencesCancelled, DbErr> {
    let rows = chosen
        .iter()
        .map(|&occurrence| occurrence_cancellation::ActiveModel {
            request_id: Set(model.id),
            occurrence: Set(occurrence),
            cancelled_at: Set(now),
            reason: Set(reason.clone()),
            actor_user_id: Set(Some(caller.user_id)),
            ..Default::default()
        });
    occurrence_cancellation::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let assignments = crate::assignment::cancel::for_occurrences(
        txn,
        links,
        Some(caller.user_id),
        model.id,
        chosen,
    )
    .await?;
    let mut all: Vec<i32> = already.iter().chain(chosen).copied().collect();
    all.sort_unstable();
    // Nothing left of the series: the request itself is over, as if cancelled whole.
    let finished = all.len() >= count;
    let status = if finished {
        request::Entity::update_many()
            .col_expr(request::Column::Status, Expr::value(Status::Cancelled))
            .col_expr(request::Column::CancelReason, Expr::value(reason.clone()))
            .col_expr(request::Column::UpdatedAt, Expr::value(now))
            .filter(request::Column::Id.eq(model.id))
            .exec(txn)
            .await?;
        Status::Cancelled
    } else {
        // Feeds and caches take a request's change time as their validator.
        request::Entity::update_many()
            .col_expr(request::Column::UpdatedAt, Expr::value(now))
            .filter(request::Column::Id.eq(model.id))
            .exec(txn)
            .await?;
        model.status
    };
    audit::record(
        txn,
        Some(caller.user_id),
        audit::Action::OccurrencesCancelled,
        "request",
        model.id,
        json!({
            "occurrences": chosen,
            "following": following,
            "reason": reason,
            "assignments_cancelled": assignments,
            "request_cancelled": finished,
        }),
    )
    .await?;
    Ok(OccurrencesCancelled {
        request_id: model.id,
        cancelled: chosen.to_vec(),
        all_cancelled: all,
        assignments_cancelled: assignments,
        request_status: status,
    })
}
