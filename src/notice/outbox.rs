//! The outbox table's life cycle: claiming due notices with a lease, recording the outcome of
//! a send, listing for coordinators and retrying a failed notice.
//!
//! A claim is a short write transaction: on PostgreSQL the due rows are locked with
//! `FOR UPDATE SKIP LOCKED`, so two processes claiming at once take disjoint rows; on SQLite
//! `storage::Write` holds the database's only write lock for the claim. The lease
//! (`claimed_until`) hands the rows of a worker that died back to the others once it expires.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entity::notice;
use crate::storage::Write;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const STATES: [&str; 3] = [PENDING, SENT, FAILED];

/// Claims up to `limit` due notices for `worker` until `now + lease`.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    lease: Duration,
    limit: u64,
) -> Result<Vec<notice::Model>, DbErr> {
    let now = Utc::now();
    let until = now + lease;
    let w = Write::begin(db).await?;
    let mut due = notice::Entity::find()
        .filter(notice::Column::State.eq(PENDING))
        .filter(notice::Column::NextAttemptAt.lte(now))
        .filter(
            notice::Column::ClaimedUntil
                .is_null()
                .or(notice::Column::ClaimedUntil.lt(now)),
        )
        .order_by_asc(notice::Column::Id)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut rows = due.all(&w.txn).await?;
    if rows.is_empty() {
        w.rollback().await?;
        return Ok(rows);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    notice::Entity::update_many()
        .col_expr(notice::Column::ClaimedBy, Expr::value(worker))
        .col_expr(notice::Column::ClaimedUntil, Expr::value(until))
        .filter(notice::Column::Id.is_in(ids))
        .exec(&w.txn)
        .await?;
    w.commit().await?;
    for row in &mut rows {
        row.claimed_by = Some(worker.to_string());
        row.claimed_until = Some(until);
    }
    Ok(rows)
}

/// The SMTP server accepted the message. `claimed_by` stays, saying which worker sent it.
pub async fn mark_sent(db: &DatabaseConnection, id: i64, worker: &str) -> Result<(), DbErr> {
    let w = Write::begin(db).await?;
    notice::Entity::update_many()
        .col_expr(notice::Column::State, Expr::value(SENT))
        .col_expr(notice::Column::SentAt, Expr::value(Utc::now()))
        .col_expr(notice::Column::ClaimedBy, Expr::value(worker))
        .col_expr(
            notice::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            notice::Column::Attempts,
            Expr::col(notice::Column::Attempts).add(1),
        )
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::State.eq(PENDING))
        .exec(&w.txn)
        .await?;
    w.commit().await
}

/// A failed attempt: retried at `next` (`None`: given up, the notice is `failed`).
pub async fn mark_attempt_failed(
    db: &DatabaseConnection,
    id: i64,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let w = Write::begin(db).await?;
    let mut update = notice::Entity::update_many()
        .col_expr(
            notice::Column::Attempts,
            Expr::col(notice::Column::Attempts).add(1),
        )
        .col_expr(notice::Column::LastError, Expr::value(error))
        .col_expr(
            notice::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    update = match next {
        Some(at) => update.col_expr(notice::Column::NextAttemptAt, Expr::value(at)),
        None => update.col_expr(notice::Column::State, Expr::value(FAILED)),
    };
    update
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::State.eq(PENDING))
        .exec(&w.txn)
        .await?;
    w.commit().await
}

/// The delay before attempt `attempts + 1`: `base`, doubled per failure, at most `max`.
pub fn backoff(attempts: i32, base_ms: u64, max_ms: u64) -> Duration {
    let shift = attempts.clamp(0, 30) as u32;
    let ms = std::cmp::min(base_ms.saturating_mul(1u64 << shift), max_ms);
    Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Puts a failed notice back in the queue, due now. `None` when there is no such notice;
/// `Err(state)` when it is not failed.
pub async fn retry<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<Result<notice::Model, String>>, DbErr> {
    let Some(row) = notice::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if row.state != FAILED {
        return Ok(Some(Err(row.state)));
    }
    let now = Utc::now();
    notice::Entity::update_many()
        .col_expr(notice::Column::State, Expr::value(PENDING))
        .col_expr(notice::Column::Attempts, Expr::value(0))
        .col_expr(notice::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            notice::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(notice::Column::Id.eq(id))
        .exec(db)
        .await?;
    super::QUEUED.notify_one();
    Ok(notice::Entity::find_by_id(id).one(db).await?.map(Ok))
}

/// Notices in id order after the page's cursor, optionally of one state.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    state: Option<&str>,
    page: crate::storage::page::PageRequest,
) -> Result<Vec<notice::Model>, DbErr> {
    let mut select = notice::Entity::find();
    if let Some(state) = state {
        select = select.filter(notice::Column::State.eq(state));
    }
    crate::storage::page::fetch(db, select, notice::Column::Id, page).await
}

/// How many notices are in each state, failed first.
pub async fn counts<C: ConnectionTrait>(db: &C) -> Result<Vec<(String, u64)>, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut out = Vec::new();
    for state in [FAILED, PENDING, SENT] {
        let n = notice::Entity::find()
            .filter(notice::Column::State.eq(state))
            .count(db)
            .await?;
        out.push((state.to_string(), n));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0, 100, 10_000), Duration::milliseconds(100));
        assert_eq!(backoff(1, 100, 10_000), Duration::milliseconds(200));
        assert_eq!(backoff(3, 100, 10_000), Duration::milliseconds(800));
        assert_eq!(backoff(10, 100, 10_000), Duration::milliseconds(10_000));
        assert_eq!(backoff(1_000, 100, 10_000), Duration::milliseconds(10_000));
    }
}
