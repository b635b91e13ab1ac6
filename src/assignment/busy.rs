//! A mediator's time: what holds it, and the lock every writer that gives a mediator time
//! takes first (dispatch, publication, an answer), so that two writers on two processes
//! cannot both book the same hour.
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};

use super::State;
use crate::entity::assignment;

/// States that hold a mediator's time: live, or offered and possibly accepted any moment.
pub const BUSY: [State; 3] = [State::Offered, State::Published, State::Accepted];

/// Advisory lock keys: (this space, mediator id). The value is the one dispatch has
/// always used, so that processes of different versions still exclude each other.
const LOCK_SPACE: i32 = 0x0d15_7a7c;

/// Takes the per-mediator write lock of `mediators` until the transaction ends: on
/// PostgreSQL an advisory lock per mediator, in id order so that two writers locking
/// overlapping sets cannot deadlock; on SQLite nothing, its writers being serialised.
/// Everything that gives a mediator time (dispatch, publication, an acceptance) takes it
/// before any row lock, and before checking what the mediator already holds.
pub async fn lock_mediators<C: ConnectionTrait>(
    txn: &C,
    mediators: impl IntoIterator<Item = i64>,
) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut mediators: Vec<i64> = mediators.into_iter().collect();
    mediators.sort_unstable();
    mediators.dedup();
    for m in mediators {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [LOCK_SPACE.into(), (m as i32).into()],
        ))
        .await?;
    }
    Ok(())
}

/// The rows that hold `mediator_id`'s time over `[start, end)`: live assignments and open
/// offers (which may be accepted any moment).
pub async fn holding<C: ConnectionTrait>(
    db: &C,
    mediator_id: i64,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
) -> Result<Vec<assignment::Model>, DbErr> {
    assignment::Entity::find()
        .filter(assignment::Column::MediatorId.eq(mediator_id))
        .filter(assignment::Column::State.is_in(BUSY))
        .filter(assignment::Column::Start.lt(end))
        .filter(assignment::Column::End.gt(start))
        .all(db)
        .await
}
