//! Offers that lapse: an offered or published assignment that nobody answered by its
//! `expires_at` goes to the next candidates (wider each round for an emergency, never anyone
//! asked before), or to the coordinators with the reason when no one is left.
//!
//! The worker claims through the database, as the outbox does, but with no lease to keep:
//! a due row lapses by a conditional update (`state` still awaiting, `expires_at` passed)
//! inside the transaction that writes its replacement. Of two workers on two processes, the
//! second's update finds the row lapsed (PostgreSQL waits for the first's row lock, then
//! re-reads it; SQLite's writers are serialised) and writes nothing. A process killed before
//! that transaction commits leaves the row due, and the next sweep, on any process, takes it.
use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::Outcome;
use crate::audit;
use crate::domain::assignment::{State, AWAITING};
use crate::entity::assignment;
use crate::notice::{self, Event, Links};
use crate::plan::snapshot::OccurrenceRef;
use crate::startup::AppState;

/// Occurrences one sweep takes at most; the rest wait for the next, seconds later.
const BATCH: u64 = 200;
/// How often the worker looks for due rows: an emergency's ten minutes are then kept to
/// within a few seconds.
const POLL_EVERY: Duration = Duration::from_secs(5);

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Occurrences whose rows lapsed, with the next round offered.
    pub offered_again: usize,
    /// Occurrences whose rows lapsed with no one left: the coordinators were told.
    pub unfilled: usize,
    /// Occurrences another worker (or an answer) took first.
    pub taken_meanwhile: usize,
}

/// Lapses every row due at the state's clock, occurrence by occurrence, each with its next
/// round. One occurrence's failure is logged and the sweep goes on.
pub async fn sweep(state: &AppState) -> Result<Swept, DbErr> {
    let now = state.clock.now();
    let due = assignment::Entity::find()
        .filter(assignment::Column::State.is_in(AWAITING))
        .filter(assignment::Column::ExpiresAt.lte(now))
        .order_by_asc(assignment::Column::ExpiresAt)
        .order_by_asc(assignment::Column::Id)
        .limit(BATCH * 4)
        .all(&state.db)
        .await?;
    let mut by_occurrence: BTreeMap<(i64, i32), Vec<assignment::Model>> = BTreeMap::new();
    for a in due {
        if by_occurrence.len() as u64 >= BATCH
            && !by_occurrence.contains_key(&(a.request_id, a.occurrence))
        {
            continue;
        }
        by_occurrence
            .entry((a.request_id, a.occurrence))
            .or_default()
            .push(a);
    }
    let mut swept = Swept::default();
    for ((request_id, occurrence), rows) in by_occurrence {
        let occ = OccurrenceRef {
            request_id,
            occurrence,
        };
        match super::again(state, occ, rows).await {
            Ok(Outcome::Held) => swept.taken_meanwhile += 1,
            Ok(Outcome::Offered { .. } | Outcome::Published { .. }) => swept.offered_again += 1,
            Ok(Outcome::Unfilled { .. } | Outcome::Contended) => swept.unfilled += 1,
            Err(e) => {
                tracing::error!(error = %e, request_id, occurrence, "an offer could not lapse")
            }
        }
    }
    if swept != Swept::default() {
        tracing::info!(?swept, "offers lapsed");
    }
    Ok(swept)
}

/// Lapses `rows` (each still in its state, and due at `now`), with their audit events and
/// notices. False, with nothing changed that the caller's rollback would not undo, when one
/// of them was answered or lapsed since it was read.
pub async fn lapse_in<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    rows: &[assignment::Model],
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let stamp = now.trunc_subsecs(6);
    for a in rows {
        let done = assignment::Entity::update_many()
            .col_expr(assignment::Column::State, Expr::value(State::Lapsed))
            .col_expr(
                assignment::Column::Sequence,
                ExprTrait::add(Expr::col(assignment::Column::Sequence), 1),
            )
            .col_expr(assignment::Column::UpdatedAt, Expr::value(stamp))
            .filter(assignment::Column::Id.eq(a.id))
            .filter(assignment::Column::State.eq(a.state))
            .filter(assignment::Column::ExpiresAt.lte(now))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Ok(false);
        }
        audit::record(
            txn,
            None,
            audit::Action::Lapsed,
            "assignment",
            a.id,
            json!({
                "before": a.state.as_str(),
                "after": State::Lapsed.as_str(),
                "request_id": a.request_id,
                "occurrence": a.occurrence,
                "mediator_id": a.mediator_id,
                "expires_at": a.expires_at,
                "by": "expiry",
            }),
        )
        .await?;
        notice::for_assignment(txn, links, Event::Lapsed, a.id, None).await?;
    }
    Ok(true)
}

/// Starts the expiry worker: a sweep every few seconds, on a supervised task.
pub fn spawn(state: &AppState) {
    let state = state.clone();
    tokio::spawn(crate::supervisor::supervise(
        "offers",
        crate::supervisor::RESTART_DELAY,
        move || run(state.clone()),
    ));
}

async fn run(state: AppState) {
    loop {
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "offer expiry sweep failed; trying again shortly");
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
