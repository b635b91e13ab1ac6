//! The plan worker: claims queued plans through the database, builds their snapshot, runs the
//! solver off the async threads, and stores the result in one transaction.
//!
//! A claim is a lease (`claimed_until`) renewed with every progress write; a plan whose lease
//! ran out (its process was killed) is claimed again by any worker, so a plan is never
//! stuck. One plan at a time per process: the solver already uses both cores.
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use ponte_solver::problem::Problem;
use ponte_solver::solve::{self, Algorithm, Options, Outcome};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};
use serde_json::json;
use tokio::sync::Notify;

use super::results;
use super::snapshot::{self, Window};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::entity::plan;
use crate::startup::AppState;
use crate::storage::Write;

/// How long a claim holds without renewal.
const LEASE: TimeDelta = TimeDelta::seconds(30);
/// How often a running plan writes its progress (and renews its lease).
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// How often an idle worker looks for work it was not woken for (another process's POST, an
/// expired lease).
const POLL_EVERY: Duration = Duration::from_secs(3);

static WAKE: Notify = Notify::const_new();

/// Tells this process's worker that a plan is waiting. Every waiting worker is woken (tests
/// run several apps in one process, each with its own database), and a permit is left for
/// a worker that is busy claiming right now, so that the wake-up is never lost.
pub fn wake() {
    WAKE.notify_waiters();
    WAKE.notify_one();
}

pub fn spawn(state: &AppState) {
    let state = state.clone();
    tokio::spawn(crate::supervisor::supervise(
        "plans",
        crate::supervisor::RESTART_DELAY,
        move || run(state.clone()),
    ));
}

async fn run(state: AppState) {
    let me = format!(
        "{}-{}",
        std::process::id(),
        crate::auth::new_secret("w")
            .chars()
            .take(12)
            .collect::<String>()
    );
    loop {
        match claim(&state.db, &me).await {
            Ok(Some(claimed)) => {
                let id = claimed.id;
                if let Err(e) = run_plan(&state.db, &me, claimed).await {
                    tracing::error!(plan = id, error = %e, "plan failed");
                    let _ = fail(&state.db, &me, id, &e.to_string()).await;
                }
                // Look for the next one at once.
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot claim plans"),
        }
        tokio::select! {
            _ = WAKE.notified() => {},
            _ = tokio::time::sleep(POLL_EVERY) => {},
        }
    }
}

/// Claims the oldest queued plan, or a running one whose lease ran out.
pub async fn claim(db: &DatabaseConnection, me: &str) -> Result<Option<plan::Model>, DbErr> {
    let now = Utc::now();
    let until = now + LEASE;
    if db.get_database_backend() == DbBackend::Postgres {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE plans SET status = 'running', claimed_by = $1, claimed_until = $2, \
                 started_at = COALESCE(started_at, $3), updated_at = $3 \
                 WHERE id = (SELECT id FROM plans WHERE status = 'queued' \
                   OR (status = 'running' AND claimed_until < $3) \
                   ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) \
                 RETURNING id",
                [me.into(), until.into(), now.into()],
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get("", "id")?;
        return plan::Entity::find_by_id(id).one(db).await;
    }
    // SQLite: one writer at a time, so reading and updating inside one write transaction is
    // already exclusive.
    let w = Write::begin(db).await?;
    let found = plan::Entity::find()
        .filter(
            Condition::any().add(plan::Column::Status.eq("queued")).add(
                Condition::all()
                    .add(plan::Column::Status.eq("running"))
                    .add(plan::Column::ClaimedUntil.lt(now)),
            ),
        )
        .order_by_asc(plan::Column::Id)
        .one(&w.txn)
        .await?;
    let Some(found) = found else {
        w.rollback().await?;
        return Ok(None);
    };
    plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value("running"))
        .col_expr(plan::Column::ClaimedBy, Expr::value(me))
        .col_expr(plan::Column::ClaimedUntil, Expr::value(until))
        .col_expr(
            plan::Column::StartedAt,
            Expr::value(found.started_at.unwrap_or(now)),
        )
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(found.id))
        .exec(&w.txn)
        .await?;
    let claimed = plan::Entity::find_by_id(found.id).one(&w.txn).await?;
    w.commit().await?;
    Ok(claimed)
}

/// Writes progress and renews the lease; false when the claim was lost.
async fn progress(
    db: &DatabaseConnection,
    me: &str,
    id: i64,
    phase: &str,
    fraction: f64,
    message: &str,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let w = Write::begin(db).await?;
    let done = plan::Entity::update_many()
        .col_expr(
            plan::Column::Progress,
            Expr::value(json!({"phase": phase, "fraction": fraction, "message": message})),
        )
        .col_expr(plan::Column::ClaimedUntil, Expr::value(now + LEASE))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(id))
        .filter(plan::Column::ClaimedBy.eq(me))
        .filter(plan::Column::Status.eq("running"))
        .exec(&w.txn)
        .await?;
    w.commit().await?;
    Ok(done.rows_affected == 1)
}

async fn fail(db: &DatabaseConnection, me: &str, id: i64, error: &str) -> Result<(), DbErr> {
    let now = Utc::now();
    let w = Write::begin(db).await?;
    plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value("failed"))
        .col_expr(plan::Column::Error, Expr::value(error))
        .col_expr(plan::Column::FinishedAt, Expr::value(now))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            plan::Column::ClaimedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .filter(plan::Column::Id.eq(id))
        .filter(plan::Column::ClaimedBy.eq(me))
        .exec(&w.txn)
        .await?;
    w.commit().await
}

async fn run_plan(db: &DatabaseConnection, me: &str, claimed: plan::Model) -> anyhow::Result<()> {
    let id = claimed.id;
    progress(db, me, id, "snapshot", 0.0, "Reading the database").await?;
    let window = Window {
        start: claimed.horizon_start,
        end: claimed.horizon_end,
    };
    let locked = results::locked_drafts(db, id).await?;
    let mut snap = snapshot::build_in(db, window, DEFAULT_ZONE).await?;
    results::pin_locked(&mut snap, &locked)?;
    let kept = results::keep_unassigned(&mut snap, claimed.unassigned.as_ref());
    let time_limit = Duration::from_millis(claimed.time_limit_ms.max(100) as u64);
    let message = format!(
        "Solving {} occurrences with {} mediators",
        snap.instance.requests.len(),
        snap.instance.mediators.len()
    );
    progress(db, me, id, "solving", 0.0, &message).await?;

    let problem = Arc::new(snap.problem.clone());
    let options = Options {
        time_limit,
        seed: claimed.seed as u64,
        algorithm: Algorithm::Ponte,
        iterations: None,
        bound: true,
    };
    let started = Instant::now();
    let solving = {
        let problem = Arc::clone(&problem);
        tokio::task::spawn_blocking(move || solve_now(&problem, &options, started))
    };
    tokio::pin!(solving);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let outcome: Outcome = loop {
        tokio::select! {
            done = &mut solving => break done?,
            _ = tick.tick() => {
                let fraction = (started.elapsed().as_secs_f64() / time_limit.as_secs_f64()).min(0.99);
                if !progress(db, me, id, "solving", fraction, &message).await? {
                    anyhow::bail!("the claim on the plan was lost");
                }
            }
        }
    };
    progress(db, me, id, "storing", 1.0, "Storing the plan").await?;
    let mut stored = results::Stored::of(&snap, &problem, &outcome, &locked);
    if let Some(list) = stored.unassigned.as_array_mut() {
        list.extend(kept);
    }
    store(db, me, id, &outcome, stored).await
}

fn solve_now(problem: &Problem, options: &Options, started: Instant) -> Outcome {
    solve::solve(problem, options, started)
}

async fn store(
    db: &DatabaseConnection,
    me: &str,
    id: i64,
    outcome: &Outcome,
    stored: results::Stored,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let w = Write::begin(db).await?;
    let still_mine = plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value("finished"))
        .col_expr(
            plan::Column::Progress,
            Expr::value(json!({"phase": "finished", "fraction": 1.0, "message": "Finished"})),
        )
        .col_expr(plan::Column::FinishedAt, Expr::value(now))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            plan::Column::ClaimedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(plan::Column::Instance, Expr::value(stored.instance.clone()))
        .col_expr(plan::Column::Objective, Expr::value(outcome.objective))
        .col_expr(plan::Column::UpperBound, Expr::value(outcome.upper_bound))
        .col_expr(plan::Column::Gap, Expr::value(outcome.gap))
        .col_expr(plan::Column::Kpis, Expr::value(stored.kpis.clone()))
        .col_expr(
            plan::Column::Unassigned,
            Expr::value(stored.unassigned.clone()),
        )
        .col_expr(
            plan::Column::Conflicts,
            Expr::value(stored.conflicts.clone()),
        )
        .col_expr(plan::Column::Error, Expr::value(None::<String>))
        .filter(plan::Column::Id.eq(id))
        .filter(plan::Column::ClaimedBy.eq(me))
        .filter(plan::Column::Status.eq("running"))
        .exec(&w.txn)
        .await?;
    if still_mine.rows_affected != 1 {
        w.rollback().await?;
        anyhow::bail!("the claim on the plan was lost before storing");
    }
    results::replace_drafts(&w.txn, id, &stored.drafts).await?;
    w.commit().await?;
    Ok(())
}
