//! The outbox worker: claims due notices through the database, sends them, records the
//! outcome; and queues the day-before reminders. Any number of processes may run it on one
//! PostgreSQL: claims never overlap while their leases hold.
//!
//! At most one message per worker is in flight between the SMTP server's acceptance and the
//! outbox's record of it; a crash in that window is the only way a notice goes out twice, and
//! both copies carry the row's Message-ID.
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::mail::{SendError, Transport};
use super::{outbox, Event, Links, QUEUED};
use crate::config::MailConfig;
use crate::entity::{assignment, notice};
use crate::startup::AppState;
use crate::storage::Write;
use crate::supervisor::{panic_text, supervise, RESTART_DELAY};

/// Starts the worker when mail is configured; otherwise notices wait in the outbox.
pub fn spawn(state: &AppState) {
    let config = state.config.mail.clone();
    let transport = match Transport::from_config(&config) {
        Ok(Some(t)) => t,
        Ok(None) => {
            tracing::info!("no SMTP host nor mail folder configured: notices stay in the outbox");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "mail transport not usable: notices stay in the outbox");
            return;
        }
    };
    let id = worker_id();
    tracing::info!(worker = %id, transport = %transport.describe(), "outbox worker started");
    let db = state.db.clone();
    let links = state.links();
    let clock = state.clock.clone();
    tokio::spawn(supervise("outbox", RESTART_DELAY, move || {
        run(
            db.clone(),
            links.clone(),
            config.clone(),
            transport.clone(),
            id.clone(),
            clock.clone(),
        )
    }));
}

/// Notices marked failed because building or sending them panicked, for `/metrics`.
pub static SEND_PANICS: AtomicU64 = AtomicU64::new(0);

/// Sends one notice on a task of its own, so that a panic while building or sending it
/// (lettre panics on some malformed headers) becomes that notice's failure, not the worker's.
async fn send_guarded(
    transport: &Transport,
    row: &notice::Model,
    from: &str,
) -> Result<(), SendError> {
    let (transport, row, from) = (transport.clone(), row.clone(), from.to_string());
    match caught(async move { transport.send(&row, &from).await }).await {
        Ok(outcome) => outcome,
        Err(panic) => {
            SEND_PANICS.fetch_add(1, Ordering::Relaxed);
            Err(SendError {
                permanent: true,
                message: format!("the message could not be built: {panic}"),
            })
        }
    }
}

/// The output of `work`, or what it said when it panicked.
async fn caught<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    tokio::spawn(work).await.map_err(|e| {
        if e.is_panic() {
            panic_text(e.into_panic())
        } else {
            "cancelled".to_string()
        }
    })
}

/// Unique per process and start: a restarted process must not mistake its predecessor's
/// claims for its own.
fn worker_id() -> String {
    let host = hostname();
    format!(
        "{host}:{}:{}",
        std::process::id(),
        crate::auth::new_secret("w")
            .chars()
            .rev()
            .take(8)
            .collect::<String>()
    )
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "ponte".into())
}

async fn run(
    db: DatabaseConnection,
    links: Links,
    config: MailConfig,
    transport: Transport,
    id: String,
    clock: crate::clock::SharedClock,
) {
    let lease = chrono::Duration::milliseconds(config.lease_ms as i64);
    let poll = Duration::from_millis(config.poll_ms.max(10));
    let scan_every = Duration::from_millis(config.reminder_scan_ms.max(10));
    let mut last_scan: Option<tokio::time::Instant> = None;
    // After a wake-up the queuing transaction may not have committed yet: look a few more
    // times shortly after before falling back to the poll.
    let mut eager = 0;
    loop {
        if last_scan.is_none_or(|t| t.elapsed() >= scan_every) {
            last_scan = Some(tokio::time::Instant::now());
            let now = clock.now();
            if let Err(e) = queue_reminders(&db, &links, now).await {
                tracing::warn!(error = %e, "reminder scan failed");
            }
            if let Err(e) = queue_closeout_reminders(&db, &links, now).await {
                tracing::warn!(error = %e, "closeout reminder scan failed");
            }
        }
        let rows = match outbox::claim(&db, &id, lease, config.batch.max(1)).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "claiming notices failed");
                tokio::time::sleep(poll).await;
                continue;
            }
        };
        if !rows.is_empty() {
            send_all(&db, &config, &transport, &id, rows).await;
            continue;
        }
        if eager > 0 {
            eager -= 1;
            tokio::time::sleep(Duration::from_millis(25)).await;
            continue;
        }
        tokio::select! {
            _ = QUEUED.notified() => eager = 4,
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

async fn send_all(
    db: &DatabaseConnection,
    config: &MailConfig,
    transport: &Transport,
    id: &str,
    rows: Vec<notice::Model>,
) {
    let margin = chrono::Duration::milliseconds(config.smtp_timeout_ms as i64);
    for row in rows {
        // A send may take up to the SMTP timeout; one that could outlast the lease is left to
        // whoever claims the row next, so two workers never send it side by side.
        if row
            .claimed_until
            .is_some_and(|until| Utc::now() + margin >= until)
        {
            tracing::debug!(notice = row.id, "lease too short for another send");
            break;
        }
        let outcome = send_guarded(transport, &row, &config.from).await;
        let recorded = match outcome {
            Ok(()) => outbox::mark_sent(db, row.id, id).await,
            Err(e) => {
                let attempts = row.attempts + 1;
                let next = (!e.permanent && attempts < config.max_attempts).then(|| {
                    Utc::now()
                        + outbox::backoff(row.attempts, config.backoff_ms, config.backoff_max_ms)
                });
                tracing::warn!(notice = row.id, attempts, permanent = e.permanent, error = %e.message, "sending a notice failed");
                outbox::mark_attempt_failed(db, row.id, &e.message, next).await
            }
        };
        if let Err(e) = recorded {
            // The lease runs out and the notice is sent again, with the same Message-ID.
            tracing::error!(notice = row.id, error = %e, "recording a send failed");
        }
    }
}

/// Queues the reminder of every live assignment starting within a day, once per assignment
/// version: the dedupe key `reminder:{id}:{sequence}` is unique in the table, so neither a
/// second scan nor a second process queues it again.
pub async fn queue_reminders(
    db: &DatabaseConnection,
    links: &Links,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    let due = assignment::Entity::find()
        .filter(assignment::Column::State.is_in(crate::assignment::LIVE_STATES))
        .filter(assignment::Column::Start.gt(now))
        .filter(assignment::Column::Start.lte(now + chrono::Duration::days(1)))
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> = due
        .iter()
        .map(|a| format!("reminder:{}:{}", a.id, a.sequence))
        .collect();
    queue_once(db, links, Event::Reminder, &due, keys).await
}

/// Queues, from the morning after, the reminder of every live meeting of the last two
/// weeks that was booked before it began and still awaits its closeout: once per
/// assignment (dedupe key `closeout:{id}`).
pub async fn queue_closeout_reminders(
    db: &DatabaseConnection,
    links: &Links,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    let days = crate::assignment::closeout::AWAITING_DAYS;
    let awaiting = crate::assignment::closeout::awaiting(db, None, now).await?;
    // "The day after" is the mediator's day, on their own clock.
    let zones = mediator_zones(db, awaiting.iter().map(|a| a.mediator_id)).await?;
    let zone_of = |m: i64| {
        zones
            .get(&m)
            .copied()
            .unwrap_or(crate::domain::local_time::DEFAULT_ZONE)
    };
    let due: Vec<assignment::Model> = awaiting
        .into_iter()
        // A meeting booked after it began (a plan published over past days, as the demo
        // does) was recorded, not awaited: no one is asked about it.
        .filter(|a| a.created_at < a.start)
        .filter(|a| {
            crate::domain::closeout::reminder_due(a.start, now, zone_of(a.mediator_id), days)
        })
        .collect();
    let keys: Vec<String> = due.iter().map(|a| format!("closeout:{}", a.id)).collect();
    queue_once(db, links, Event::CloseoutReminder, &due, keys).await
}

/// The time zones of `mediators`, by id.
async fn mediator_zones(
    db: &DatabaseConnection,
    mediators: impl Iterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, chrono_tz::Tz>, DbErr> {
    use crate::entity::mediator;
    use sea_orm::QuerySelect;
    let mut ids: Vec<i64> = mediators.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut zones = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = mediator::Entity::find()
            .select_only()
            .column(mediator::Column::Id)
            .column(mediator::Column::Timezone)
            .filter(mediator::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        zones.extend(
            rows.into_iter()
                .map(|(id, zone)| (id, crate::registry::input::stored_zone(&zone))),
        );
    }
    Ok(zones)
}

/// Queues `event` for each of `due` whose dedupe key is not in the outbox yet.
async fn queue_once(
    db: &DatabaseConnection,
    links: &Links,
    event: Event,
    due: &[assignment::Model],
    keys: Vec<String>,
) -> Result<u64, DbErr> {
    if due.is_empty() {
        return Ok(0);
    }
    let mut queued: std::collections::HashSet<String> = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let found = notice::Entity::find()
            .filter(notice::Column::DedupeKey.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        queued.extend(found.into_iter().filter_map(|n| n.dedupe_key));
    }
    let mut written = 0;
    for (a, key) in due.iter().zip(keys) {
        if queued.contains(&key) {
            continue;
        }
        let w = Write::begin(db).await?;
        written +=
            super::queue_for_assignment(&w.txn, links, event, a.id, None, Some(&key)).await?;
        w.commit().await?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_send_is_an_error_not_a_crash() {
        assert_eq!(caught(async { 7 }).await, Ok(7));
        let outcome: Result<(), String> =
            caught(async { panic!("a Display implementation returned an error unexpectedly") })
                .await;
        assert_eq!(
            outcome,
            Err("a Display implementation returned an error unexpectedly".into())
        );
    }
}
