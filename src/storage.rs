//! The database: SQLite by default (a file, created if missing, WAL), PostgreSQL when the URL
//! says so. One set of migrations serves both; the backend is picked from the URL alone, as
//! atuin's server does, so that a fresh machine needs nothing but the binary.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, MutexGuard};

pub mod page;

/// The database a fresh machine uses: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ponte.db?mode=rwc";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot open the database at {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("migrating the database failed: {0}")]
    Migrate(DbErr),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Turns what a user types (`ponte.db`, `sqlite:data/p.db`, `postgres://…`) into a URL the
/// driver accepts; SQLite files are created when missing.
pub fn normalise_url(url: &str) -> Result<String, StorageError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(url.to_string());
    }
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if !url.contains("://") {
        url
    } else {
        return Err(StorageError::UnsupportedUrl(url.to_string()));
    };
    if path.contains("mode=") {
        Ok(format!("sqlite://{path}"))
    } else if path.contains('?') {
        Ok(format!("sqlite://{path}&mode=rwc"))
    } else {
        Ok(format!("sqlite://{path}?mode=rwc"))
    }
}

/// Opens the database and brings its schema up to date.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, StorageError> {
    let db = connect(url).await?;
    Migrator::up(&db, None)
        .await
        .map_err(StorageError::Migrate)?;
    Ok(db)
}

/// How long a request waits for a pooled connection before it is told the database is
/// unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Opens the database without touching its schema.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StorageError> {
    let url = normalise_url(url)?;
    let sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.clone());
    options
        .connect_timeout(Duration::from_secs(10))
        // While the database is unreachable a request waits this long for a connection,
        // then answers 503 with Retry-After, instead of hanging its client for half a minute.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A ping on every checkout doubles the round trips of short statements; only a
        // connection idle long enough to have been dropped by a firewall is checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    if sqlite {
        // SQLite serialises writers anyway; a small pool keeps readers concurrent under WAL
        // without piling up writers that would only wait on the busy timeout.
        options.max_connections(8).min_connections(1);
        // Every pooled connection, not only the first: synchronous is per connection, and
        // one left at FULL serialises commits on an fsync each. sqlx's SQLite driver also
        // enables foreign keys and a 5 s busy timeout on each.
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    } else {
        // Measured with `ponte bench intake` (64 clients, 500 req/s, 2 cores): 8 connections
        // gave p99 47 ms, 32 gave 70 ms; more connections than cores only add PostgreSQL
        // backends competing for the same CPUs. Several processes each keep their own 8.
        options.max_connections(8).min_connections(2);
    }
    let db = Database::connect(options)
        .await
        .map_err(|source| StorageError::Connect {
            url: redact(&url),
            source,
        })?;
    Ok(db)
}

/// SQLite has one writer at a time. Left to itself, a second writer sleeps in SQLite's busy
/// handler, polling with growing back-off (1, 2, 5, 10… ms), which turns a sub-millisecond
/// wait into tens of milliseconds of tail latency. Queueing writers here, first come first
/// served, hands the lock over as soon as it is free. One queue per process is enough: a
/// process serves one database (tests running several apps only queue a little more).
static SQLITE_WRITER: Mutex<()> = Mutex::const_new(());

/// A write transaction: on SQLite taken behind the queue above and begun IMMEDIATE, so that
/// it holds the write lock from its first statement and never fails upgrading a read lock.
pub struct Write {
    pub txn: DatabaseTransaction,
    _turn: Option<MutexGuard<'static, ()>>,
}

impl Write {
    pub async fn begin(db: &DatabaseConnection) -> Result<Write, DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(Write {
                txn: db.begin().await?,
                _turn: None,
            });
        }
        let turn = SQLITE_WRITER.lock().await;
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(Write {
            txn: db.begin_with_options(options).await?,
            _turn: Some(turn),
        })
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// Whether a write failed on a primary key or unique index: another writer got there first
/// (an idempotency key, the one live assignment of an occurrence, a cancelled occurrence),
/// on either backend.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_become_sqlite_urls_created_when_missing() {
        assert_eq!(
            normalise_url("ponte.db").unwrap(),
            "sqlite://ponte.db?mode=rwc"
        );
        assert_eq!(
            normalise_url("sqlite:data/p.db").unwrap(),
            "sqlite://data/p.db?mode=rwc"
        );
        assert_eq!(
            normalise_url("sqlite://p.db?mode=ro").unwrap(),
            "sqlite://p.db?mode=ro"
        );
        assert_eq!(
            normalise_url("postgres://u@h/db").unwrap(),
            "postgres://u@h/db"
        );
        assert!(matches!(
            normalise_url("mysql://h/db"),
            Err(StorageError::UnsupportedUrl(_))
        ));
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
