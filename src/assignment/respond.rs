//! A mediator's answer to an assignment: accept or decline, through the API (bearer token)
//! or the signed links of the emails. Both paths end here.
//!
//! "First acceptance wins" is the database's to keep: accepting makes the row live, and the
//! partial unique index `uq_assignments_live` admits one live row per request occurrence, on
//! any number of processes. The rows of the occurrence are locked first (`FOR UPDATE`, in id
//! order; a no-op on SQLite, whose writers are serialised anyway) so that two accepts queue
//! one behind the other instead of deadlocking on each other's rows; the second then sees its
//! offer withdrawn. The unique index remains the last word for what the lock does not cover
//! (a plan published at the same moment).
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use super::State;
use crate::audit;
use crate::auth::digest;
use crate::entity::{assignment, user};
use crate::notice::{self, Event, Links};
use crate::startup::AppState;
use crate::storage::is_unique_violation;
use crate::storage::Write;

pub const MAX_REASON_CHARS: usize = 500;

/// Who answers: the assigned mediator, signed in (`user_id`) or through an email link.
#[derive(Debug, Clone, Copy)]
pub struct Responder {
    pub mediator_id: i64,
    pub user_id: Option<i64>,
    /// `api` or `link`, for the audit trail.
    pub via: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// No such assignment, or not this mediator's.
    #[error("assignment not found")]
    NotFound,
    /// Another candidate accepted first (or the occurrence is otherwise held).
    #[error("already taken by another mediator")]
    Taken,
    /// Answered before, or no longer awaiting an answer.
    #[error("the assignment is {0} and cannot be answered")]
    Answered(&'static str),
    /// An offer withdrawn because the occurrence went to this same mediator another way (a
    /// plan published it to them): nothing to accept, it is theirs.
    #[error("this meeting is already yours: assignment {0}")]
    Yours(i64),
    /// The mediator holds another live meeting at that time (assignment id).
    #[error("you hold another meeting at that time: assignment {0}")]
    Busy(i64),
    /// Too long, or with control characters: the message for the `reason` field.
    #[error("bad reason: {0}")]
    BadReason(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The assignment whose email link carries `token`, if any.
pub async fn by_token<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<Option<assignment::Model>, DbErr> {
    assignment::Entity::find()
        .filter(assignment::Column::ResponseTokenHash.eq(digest(token)))
        .one(db)
        .await
}

/// The responder behind an email link: the row's mediator, and their account if they have one.
pub async fn link_responder<C: ConnectionTrait>(
    db: &C,
    a: &assignment::Model,
) -> Result<Responder, DbErr> {
    let user_id = user::Entity::find()
        .filter(user::Column::MediatorId.eq(a.mediator_id))
        .one(db)
        .await?
        .map(|u| u.id);
    Ok(Responder {
        mediator_id: a.mediator_id,
        user_id,
        via: "link",
    })
}

/// Accepts assignment `id`: an offer (withdrawing the other offers of the occurrence, whose
/// mediators are told) or a published assignment, while it has not lapsed at the state's
/// clock.
pub async fn accept(
    state: &AppState,
    who: Responder,
    id: i64,
) -> Result<assignment::Model, RespondError> {
    let (db, links, now) = (&state.db, &state.links(), state.clock.now());
    let write = Write::begin(db).await?;
    match accept_in(&write.txn, links, who, id, now).await {
        Ok(row) => {
            write.commit().await?;
            Ok(row)
        }
        Err(e) => {
            write.rollback().await?;
            match e {
                RespondError::Db(e) if is_unique_violation(&e) => Err(RespondError::Taken),
                e => Err(e),
            }
        }
    }
}

async fn accept_in<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    who: Responder,
    id: i64,
    now: DateTime<Utc>,
) -> Result<assignment::Model, RespondError> {
    // The mediator's lock before the rows', in the order dispatch and publication take them.
    super::busy::lock_mediators(txn, [who.mediator_id]).await?;
    let (mine, siblings) = lock_occurrence(txn, who, id).await?;
    let before = state_of(&mine);
    match before {
        State::Offered | State::Published => {}
        State::Withdrawn => {
            let held = siblings
                .iter()
                .find(|o| o.state.is_live() && o.mediator_id == mine.mediator_id);
            return Err(match held {
                Some(live) => RespondError::Yours(live.id),
                None => RespondError::Taken,
            });
        }
        other => return Err(RespondError::Answered(other.as_str())),
    }
    // Due but not yet swept by the expiry worker: lapsed all the same.
    if lapsed(&mine, now) {
        return Err(RespondError::Answered(State::Lapsed.as_str()));
    }
    // Never two live meetings at once: dispatch does not offer a busy mediator and
    // publication does not book one, but an offer made before may meet a meeting since.
    if let Some(other) = super::busy::holding(txn, mine.mediator_id, mine.start, mine.end)
        .await?
        .into_iter()
        .find(|a| {
            a.state.is_live() && (a.request_id, a.occurrence) != (mine.request_id, mine.occurrence)
        })
    {
        return Err(RespondError::Busy(other.id));
    }
    let now = now.trunc_subsecs(6);
    // Conditional on the state read under the lock, and the row turns live here: the unique
    // index rejects it if another row of the occurrence is live.
    set_state(txn, &mine, before, State::Accepted, None, now).await?;
    audit_change(txn, who, &mine, before, State::Accepted, None).await?;
    if before == State::Offered {
        for other in siblings.iter().filter(|o| state_of(o) == State::Offered) {
            set_state(txn, other, State::Offered, State::Withdrawn, None, now).await?;
            audit_change(txn, who, other, State::Offered, State::Withdrawn, None).await?;
            notice::for_assignment(txn, links, Event::OfferTaken, other.id, None).await?;
        }
    }
    Ok(assignment::Model {
        state: State::Accepted,
        sequence: mine.sequence + 1,
        responded_at: Some(now),
        updated_at: now,
        ..mine
    })
}

/// Declines assignment `id` (an offer or a published assignment). The caller re-dispatches
/// the occurrence after this returns, outside the transaction. A lapsed offer cannot be
/// declined: it is no longer the mediator's to refuse.
pub async fn decline(
    db: &DatabaseConnection,
    links: &Links,
    who: Responder,
    id: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<assignment::Model, RespondError> {
    let reason =
        crate::domain::text::reason(reason, MAX_REASON_CHARS).map_err(RespondError::BadReason)?;
    let reason = reason.as_deref();
    let write = Write::begin(db).await?;
    let result = async {
        let (mine, _) = lock_occurrence(&write.txn, who, id).await?;
        let before = state_of(&mine);
        if !matches!(before, State::Offered | State::Published) {
            return Err(RespondError::Answered(before.as_str()));
        }
        if lapsed(&mine, now) {
            return Err(RespondError::Answered(State::Lapsed.as_str()));
        }
        set_state(&write.txn, &mine, before, State::Declined, reason, now).await?;
        audit_change(&write.txn, who, &mine, before, State::Declined, reason).await?;
        notice::for_assignment(&write.txn, links, Event::Declined, mine.id, None).await?;
        Ok(mine)
    }
    .await;
    match result {
        Ok(mine) => {
            write.commit().await?;
            let now = now.trunc_subsecs(6);
            Ok(assignment::Model {
                state: State::Declined,
                decline_reason: reason.map(str::to_string),
                sequence: mine.sequence + 1,
                responded_at: Some(now),
                updated_at: now,
                ..mine
            })
        }
        Err(e) => {
            write.rollback().await?;
            Err(e)
        }
    }
}

/// The use case behind every way of declining (API, page, email link): decline, then try the
/// occurrence again without this mediator. The re-dispatch is awaited, so that the answer
/// reflects the new offer; its failure is logged, never turned into a failed decline (the
/// decline is committed).
pub async fn decline_and_redispatch(
    state: &crate::startup::AppState,
    who: Responder,
    id: i64,
    reason: Option<&str>,
) -> Result<assignment::Model, RespondError> {
    let now = state.clock.now();
    let declined = decline(&state.db, &state.links(), who, id, reason, now).await?;
    if let Err(e) =
        crate::dispatch::redispatch(state, declined.request_id, declined.occurrence).await
    {
        tracing::error!(error = %e, assignment = declined.id, "re-dispatch after a decline failed");
    }
    Ok(declined)
}

/// A refusal in the services' words, for callers that do not tell the cases apart.
impl From<RespondError> for crate::error::Error {
    fn from(e: RespondError) -> Self {
        use crate::error::Error;
        match e {
            RespondError::NotFound => Error::NotFound("assignment"),
            RespondError::Taken => {
                Error::Conflict("already taken: another mediator accepted first".into())
            }
            RespondError::Answered(state) => {
                Error::Conflict(format!("the assignment is already {state}"))
            }
            RespondError::Yours(id) => {
                Error::Conflict(format!("this meeting is already yours: assignment {id}"))
            }
            RespondError::Busy(id) => Error::Conflict(format!(
                "you hold another meeting at that time: assignment {id}"
            )),
            RespondError::BadReason(message) => Error::field("reason", message),
            RespondError::Db(e) => Error::Database(e),
        }
    }
}

/// The row `id` (if it is `who`'s) and the other rows of its occurrence, all locked.
async fn lock_occurrence<C: ConnectionTrait>(
    txn: &C,
    who: Responder,
    id: i64,
) -> Result<(assignment::Model, Vec<assignment::Model>), RespondError> {
    let row = assignment::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|a| a.mediator_id == who.mediator_id)
        .ok_or(RespondError::NotFound)?;
    let mut rows = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(row.request_id))
        .filter(assignment::Column::Occurrence.eq(row.occurrence))
        .order_by_asc(assignment::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    // Read again under the lock: the first read may predate a concurrent accept.
    let at = rows
        .iter()
        .position(|a| a.id == id)
        .ok_or(RespondError::NotFound)?;
    let mine = rows.remove(at);
    Ok((mine, rows))
}

fn state_of(a: &assignment::Model) -> State {
    a.state
}

/// Past its `expires_at`: an answer now comes too late, whether or not the worker swept it.
fn lapsed(a: &assignment::Model, now: DateTime<Utc>) -> bool {
    crate::domain::offer::has_lapsed(a.state, a.expires_at, now)
}

async fn set_state<C: ConnectionTrait>(
    txn: &C,
    a: &assignment::Model,
    from: State,
    to: State,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RespondError> {
    let mut update = assignment::Entity::update_many()
        .col_expr(assignment::Column::State, Expr::value(to))
        .col_expr(
            assignment::Column::Sequence,
            ExprTrait::add(Expr::col(assignment::Column::Sequence), 1),
        )
        .col_expr(assignment::Column::UpdatedAt, Expr::value(now));
    if matches!(to, State::Accepted | State::Declined) {
        update = update.col_expr(assignment::Column::RespondedAt, Expr::value(Some(now)));
    }
    if let Some(reason) = reason {
        update = update.col_expr(
            assignment::Column::DeclineReason,
            Expr::value(Some(reason.to_string())),
        );
    }
    let done = update
        .filter(assignment::Column::Id.eq(a.id))
        .filter(assignment::Column::State.eq(from))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        // Changed since it was read: only possible without the row lock, i.e. never on
        // PostgreSQL; say so rather than pretend.
        return Err(RespondError::Taken);
    }
    Ok(())
}

async fn audit_change<C: ConnectionTrait>(
    txn: &C,
    who: Responder,
    a: &assignment::Model,
    from: State,
    to: State,
    reason: Option<&str>,
) -> Result<(), DbErr> {
    let action = match to {
        State::Accepted | State::Declined | State::Withdrawn => audit::Action::from(to),
        _ => audit::Action::Changed,
    };
    audit::record(
        txn,
        who.user_id,
        action,
        "assignment",
        a.id,
        json!({
            "before": from.as_str(),
            "after": to.as_str(),
            "request_id": a.request_id,
            "occurrence": a.occurrence,
            "mediator_id": a.mediator_id,
            "answered_by_mediator": who.mediator_id,
            "via": who.via,
            "reason": reason,
        }),
    )
    .await
}
