//! Configuration from flags and environment, with defaults that work on a fresh machine.
use clap::Args;

use crate::storage::DEFAULT_DATABASE_URL;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PONTE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Database: a SQLite file (`ponte.db`, `sqlite://path`) or `postgres://user@host/db`.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Public URL of the service, used in links of emails and feeds.
    #[arg(long = "base-url", env = "PONTE_BASE_URL")]
    pub base_url: Option<String>,

    // Planning.
    /// Seconds the solver may take for a plan unless the plan asks otherwise.
    #[arg(long = "plan-time-limit", env = "PONTE_PLAN_TIME_LIMIT", default_value_t = DEFAULT_PLAN_TIME_LIMIT)]
    pub plan_time_limit: f64,
}

/// Seconds of solving per plan. With it, `ponte bench plan` (1,500 requests, 250 mediators,
/// a week) measured 8.6 s from POST to finished on SQLite and 9.3 s on PostgreSQL, on the
/// 2-core machine under a load average of 11: the 15-second goal with room for a busier day.
pub const DEFAULT_PLAN_TIME_LIMIT: f64 = 8.0;

impl Config {
    /// A configuration for tests and tools: the given database, any free port.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            database_url: database_url.into(),
            base_url: None,
            plan_time_limit: DEFAULT_PLAN_TIME_LIMIT,
        }
    }
}
