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
}

impl Config {
    /// A configuration for tests and tools: the given database, any free port.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            database_url: database_url.into(),
            base_url: None,
        }
    }
}
