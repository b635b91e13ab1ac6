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
    /// Bearer token that Prometheus sends to scrape `/metrics`. Without it, `/metrics`
    /// answers only direct connections from this machine (loopback, not through a proxy).
    #[arg(long = "metrics-token", env = "PONTE_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client (comma
    /// separated). Without them, the client is the connection's peer: behind a proxy every
    /// client would share its address, and the throttles of sign-in and tokens with it.
    #[arg(
        long = "trusted-proxy",
        env = "PONTE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    pub offers: OfferConfig,
    #[command(flatten)]
    pub mail: MailConfig,
}

/// How long offers wait for an answer before the next candidates are asked, by urgency.
#[derive(Debug, Clone, Copy, Args)]
pub struct OfferConfig {
    /// Minutes an emergency's offers wait before the next, wider round is offered.
    #[arg(long = "offer-minutes-emergency", env = "PONTE_OFFER_MINUTES_EMERGENCY", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub emergency: u32,
    /// Minutes an urgent meeting's mediator has to accept before it goes to the next one.
    #[arg(long = "offer-minutes-urgent", env = "PONTE_OFFER_MINUTES_URGENT", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub urgent: u32,
    /// Minutes a planned (routine) meeting's mediator has to accept.
    #[arg(long = "offer-minutes-routine", env = "PONTE_OFFER_MINUTES_ROUTINE", default_value_t = 1_440, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub routine: u32,
}

impl Default for OfferConfig {
    fn default() -> Self {
        let d = crate::domain::offer::Lifetimes::default();
        let minutes = |t: chrono::TimeDelta| t.num_minutes() as u32;
        OfferConfig {
            emergency: minutes(d.emergency),
            urgent: minutes(d.urgent),
            routine: minutes(d.routine),
        }
    }
}

impl OfferConfig {
    pub fn lifetimes(&self) -> crate::domain::offer::Lifetimes {
        let minutes = |m: u32| chrono::TimeDelta::minutes(i64::from(m));
        crate::domain::offer::Lifetimes {
            emergency: minutes(self.emergency),
            urgent: minutes(self.urgent),
            routine: minutes(self.routine),
        }
    }
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
            metrics_token: None,
            trusted_proxies: Vec::new(),
            offers: OfferConfig::default(),
            mail: MailConfig::default(),
        }
    }
}

/// Email: where notices go (SMTP, or a folder of `.eml` files) and how the outbox worker
/// retries. Without `--smtp-host` or `--mail-dir` no worker runs and notices wait in the
/// outbox.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// SMTP server host name.
    #[arg(long = "smtp-host", env = "PONTE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 25 for none, 587 for starttls, 465 for tls).
    #[arg(long = "smtp-port", env = "PONTE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// `none` (plain, for a local relay), `starttls` or `tls`.
    #[arg(long = "smtp-security", env = "PONTE_SMTP_SECURITY", default_value = "starttls", value_parser = ["none", "starttls", "tls"])]
    pub smtp_security: String,
    #[arg(long = "smtp-user", env = "PONTE_SMTP_USER")]
    pub smtp_user: Option<String>,
    #[arg(
        long = "smtp-password",
        env = "PONTE_SMTP_PASSWORD",
        hide_env_values = true
    )]
    pub smtp_password: Option<String>,
    /// Write messages as `.eml` files into this folder instead of sending them (demo).
    #[arg(long = "mail-dir", env = "PONTE_MAIL_DIR")]
    pub mail_dir: Option<std::path::PathBuf>,
    /// The From address of notices.
    #[arg(
        long = "mail-from",
        env = "PONTE_MAIL_FROM",
        default_value = "Ponte <ponte@localhost>"
    )]
    pub from: String,
    /// How long a worker holds the notices it claimed before another may take them.
    #[arg(
        long = "outbox-lease-ms",
        env = "PONTE_OUTBOX_LEASE_MS",
        default_value_t = 60_000
    )]
    pub lease_ms: u64,
    /// Notices claimed at once.
    #[arg(
        long = "outbox-batch",
        env = "PONTE_OUTBOX_BATCH",
        default_value_t = 10
    )]
    pub batch: u64,
    /// Delay before the first retry; doubled on each further failure.
    #[arg(
        long = "outbox-backoff-ms",
        env = "PONTE_OUTBOX_BACKOFF_MS",
        default_value_t = 30_000
    )]
    pub backoff_ms: u64,
    /// The longest delay between retries.
    #[arg(
        long = "outbox-backoff-max-ms",
        env = "PONTE_OUTBOX_BACKOFF_MAX_MS",
        default_value_t = 3_600_000
    )]
    pub backoff_max_ms: u64,
    /// After this many failed attempts a notice is marked failed.
    #[arg(
        long = "outbox-max-attempts",
        env = "PONTE_OUTBOX_MAX_ATTEMPTS",
        default_value_t = 12
    )]
    pub max_attempts: i32,
    /// How often the worker looks for due notices when nothing woke it.
    #[arg(
        long = "outbox-poll-ms",
        env = "PONTE_OUTBOX_POLL_MS",
        default_value_t = 1_000
    )]
    pub poll_ms: u64,
    /// Timeout of one SMTP exchange.
    #[arg(
        long = "smtp-timeout-ms",
        env = "PONTE_SMTP_TIMEOUT_MS",
        default_value_t = 20_000
    )]
    pub smtp_timeout_ms: u64,
    /// How often the worker queues the day-before reminders.
    #[arg(
        long = "reminder-scan-ms",
        env = "PONTE_REMINDER_SCAN_MS",
        default_value_t = 60_000
    )]
    pub reminder_scan_ms: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: None,
            smtp_port: None,
            smtp_security: "starttls".into(),
            smtp_user: None,
            smtp_password: None,
            mail_dir: None,
            from: "Ponte <ponte@localhost>".into(),
            lease_ms: 60_000,
            batch: 10,
            backoff_ms: 30_000,
            backoff_max_ms: 3_600_000,
            max_attempts: 12,
            poll_ms: 1_000,
            smtp_timeout_ms: 20_000,
            reminder_scan_ms: 60_000,
        }
    }
}
