//! Writing a dispatch: the offers or the published assignment, their notices and audit
//! events, in one short transaction (the solver ran before it, outside).
//!
//! Between the snapshot and this transaction another dispatch, an accept or a plan's
//! publication may have taken the occurrence or the chosen mediator's time. The occurrence
//! is guarded by the unique index on live rows (and checked here for open offers); the
//! mediator's time by checking their live assignments and open offers that overlap, under a
//! per-mediator advisory lock on PostgreSQL (SQLite's writers are serialised anyway), so
//! that two dispatches on two processes cannot both book the same hour. Either conflict is
//! `Raced`: the caller rebuilds the snapshot and tries once more.
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::json;

use super::choose::Choice;
use crate::assignment::{NewAssignment, State};
use crate::audit;
use crate::domain::request::Status;
use crate::entity::{assignment, request};
use crate::notice::{self, Event, Links, Localized};
use crate::plan::snapshot::OccurrenceRef;
use crate::storage::is_unique_violation;
use crate::storage::Write;

use crate::assignment::busy::{lock_mediators, BUSY};

#[derive(Debug)]
pub enum Written {
    /// The ids of the new rows.
    Rows(Vec<i64>),
    /// The occurrence is held already (live, or open offers): nothing to do.
    Held,
    /// Someone else wrote first: rebuild and retry, without these mediators, whose time was
    /// taken (none when the occurrence itself was).
    Raced(Vec<i64>),
}

/// How the rows of one dispatch are written.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// `offered` or `published`.
    pub state: State,
    pub expires_at: Option<DateTime<Utc>>,
    /// Due rows of the occurrence that lapse in the same transaction.
    pub replacing: &'a [assignment::Model],
    pub now: DateTime<Utc>,
}

/// Writes `choices` for `occ` as `offer.state` (`offered` or `published`).
pub async fn assign(
    db: &DatabaseConnection,
    links: &Links,
    occ: OccurrenceRef,
    choices: &[Choice],
    offer: Offer<'_>,
) -> Result<Written, DbErr> {
    let write = Write::begin(db).await?;
    match assign_in(&write.txn, links, occ, choices, offer).await {
        Ok(Written::Rows(ids)) => {
            write.commit().await?;
            Ok(Written::Rows(ids))
        }
        Ok(other) => {
            write.rollback().await?;
            Ok(other)
        }
        Err(e) => {
            write.rollback().await?;
            if is_unique_violation(&e) {
                Ok(Written::Raced(Vec::new()))
            } else {
                Err(e)
            }
        }
    }
}

async fn assign_in<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    occ: OccurrenceRef,
    choices: &[Choice],
    offer: Offer<'_>,
) -> Result<Written, DbErr> {
    let state = offer.state;
    // The mediators' locks before any row's, as publication and answers take them, so
    // that none of them waits for another in a circle.
    lock_mediators(txn, choices.iter().map(|c| c.mediator_id)).await?;
    if !super::lapse::lapse_in(txn, links, offer.replacing, offer.now).await? {
        return Ok(Written::Held);
    }
    if !open(txn, occ, &[]).await? {
        return Ok(Written::Held);
    }
    let mut busy = Vec::new();
    for c in choices {
        let overlapping = assignment::Entity::find()
            .filter(assignment::Column::MediatorId.eq(c.mediator_id))
            .filter(assignment::Column::State.is_in(BUSY))
            .filter(assignment::Column::Start.lt(c.end))
            .filter(assignment::Column::End.gt(c.start))
            .count(txn)
            .await?;
        if overlapping > 0 {
            busy.push(c.mediator_id);
        }
    }
    if !busy.is_empty() {
        return Ok(Written::Raced(busy));
    }
    let now = offer.now.trunc_subsecs(6);
    let event = match state {
        State::Offered => Event::Offer,
        _ => Event::Published,
    };
    let mut ids = Vec::new();
    for c in choices {
        let (row, token) = NewAssignment {
            request_id: occ.request_id,
            occurrence: occ.occurrence,
            mediator_id: c.mediator_id,
            start: c.start,
            end: c.end,
            state,
            plan_id: None,
            expires_at: offer.expires_at.map(|t| t.trunc_subsecs(6)),
            modality: c.modality,
        }
        .row(links.host(), now);
        let row = row.insert(txn).await?;
        audit::record(
            txn,
            None,
            audit::Action::from(state),
            "assignment",
            row.id,
            json!({
                "before": null,
                "after": state.as_str(),
                "request_id": occ.request_id,
                "occurrence": occ.occurrence,
                "mediator_id": c.mediator_id,
                "start": c.start,
                "expires_at": offer.expires_at.map(|t| t.trunc_subsecs(6)),
                "by": "dispatch",
            }),
        )
        .await?;
        notice::for_assignment(txn, links, event, row.id, Some(&token)).await?;
        ids.push(row.id);
    }
    Ok(Written::Rows(ids))
}

/// Whether the occurrence still waits for someone: its request submitted, no live row and
/// no open offer (besides the rows of `ignoring`, about to lapse).
pub async fn open<C: ConnectionTrait>(
    db: &C,
    occ: OccurrenceRef,
    ignoring: &[i64],
) -> Result<bool, DbErr> {
    let submitted = request::Entity::find_by_id(occ.request_id)
        .one(db)
        .await?
        .is_some_and(|r| r.status == Status::Submitted);
    if !submitted {
        return Ok(false);
    }
    // The snapshot already leaves cancelled occurrences out; this guards a cancellation that
    // landed between the snapshot and the write.
    let cancelled = crate::request::occurrence::cancelled_of(db, occ.request_id).await?;
    if cancelled.contains(&occ.occurrence) {
        return Ok(false);
    }
    let holding = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(occ.request_id))
        .filter(assignment::Column::Occurrence.eq(occ.occurrence))
        .filter(assignment::Column::State.is_in(BUSY))
        .filter(assignment::Column::Id.is_not_in(ignoring.iter().copied()))
        .count(db)
        .await?;
    Ok(holding == 0)
}

/// Mediators with an open offer overlapping `[start, end)`: they may accept it any moment,
/// so they are not offered the same hour twice.
pub async fn offered_during<C: ConnectionTrait>(
    db: &C,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::State.eq(State::Offered))
        .filter(assignment::Column::Start.lt(end))
        .filter(assignment::Column::End.gt(start))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.mediator_id)
        .collect())
}

/// Queues the coordinators' notice that the occurrence found no one, with its audit event,
/// lapsing `replacing` in the same transaction. False, with nothing written, when those rows
/// were answered or lapsed meanwhile.
pub async fn unfilled(
    db: &DatabaseConnection,
    links: &Links,
    occ: OccurrenceRef,
    reason: &Localized,
    alternatives: &[Localized],
    replacing: &[assignment::Model],
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let write = Write::begin(db).await?;
    let result = async {
        if !super::lapse::lapse_in(&write.txn, links, replacing, now).await? {
            return Ok(false);
        }
        notice::unfilled(
            &write.txn,
            links,
            occ.request_id,
            occ.occurrence,
            reason,
            alternatives,
        )
        .await?;
        audit::record(
            &write.txn,
            None,
            audit::Action::Unfilled,
            "request",
            occ.request_id,
            json!({
                "occurrence": occ.occurrence,
                "reason": reason.en,
                "alternatives": alternatives.iter().map(|a| a.en.as_str()).collect::<Vec<_>>(),
                "by": "dispatch",
            }),
        )
        .await?;
        Ok(true)
    }
    .await;
    match result {
        Ok(true) => {
            write.commit().await?;
            Ok(true)
        }
        Ok(false) => {
            write.rollback().await?;
            Ok(false)
        }
        Err(e) => {
            write.rollback().await?;
            Err(e)
        }
    }
}
