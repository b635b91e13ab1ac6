//! Building and running the application: the app is built on a listener it is given, so that
//! tests start the real thing on port 0 with a database of their own (as zero2prod does).
use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::account::throttle::Throttle;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::feed::cache::FeedCache;
use crate::http::metrics::Metrics;
use crate::storage;

impl AppState {
    /// The key that signs pre-login CSRF tokens (the same in every process).
    pub async fn pre_login_key(
        &self,
    ) -> Result<crate::account::pre_login::Key, crate::error::Error> {
        let key = self
            .pre_login
            .get_or_try_init(|| crate::account::pre_login::key(&self.db))
            .await?;
        Ok(key.clone())
    }

    /// Where links in emails and feeds point.
    pub fn links(&self) -> crate::notice::Links {
        crate::notice::Links {
            base_url: self
                .config
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.config.bind))
                .trim_end_matches('/')
                .to_string(),
        }
    }
}

/// What every handler can reach. Cheap to clone: the pool and the rest are shared.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub metrics: Arc<Metrics>,
    pub config: Arc<Config>,
    /// Where "now" comes from: the system clock, or a test's.
    pub clock: SharedClock,
    /// Wrong passwords and unknown tokens, per account and client address.
    pub throttle: Arc<Throttle>,
    /// Rendered feeds by their tag.
    pub feeds: Arc<FeedCache>,
    /// The key of pre-login CSRF tokens, read from the database at first use.
    pre_login: Arc<tokio::sync::OnceCell<crate::account::pre_login::Key>>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Opens (and migrates) the configured database and binds the configured address.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = storage::connect_and_migrate(&config.database_url).await?;
        let listener = TcpListener::bind(&config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        Ok(Application::on(listener, db, config))
    }

    /// An application on an open listener and database (tests bind port 0).
    pub fn on(listener: TcpListener, db: DatabaseConnection, mut config: Config) -> Application {
        if config.base_url.is_none() {
            // Links in emails and feeds need an absolute URL; without one configured, the
            // address actually bound (port 0 resolved) is the best guess.
            config.base_url = listener
                .local_addr()
                .ok()
                .map(|addr| format!("http://{addr}"));
        }
        let state = AppState {
            db,
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
            clock: crate::clock::system(),
            throttle: Arc::new(Throttle::default()),
            feeds: Arc::new(FeedCache::default()),
            pre_login: Arc::default(),
        };
        Application { listener, state }
    }

    /// The same application reading the time from `clock` (tests set it).
    pub fn with_clock(mut self, clock: SharedClock) -> Application {
        self.state.clock = clock;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, letting requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        spawn_workers(&self.state);
        let router = crate::http::router(self.state);
        // The peer's address, for `/metrics` without a token (loopback only).
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// The background work of this process, beside the HTTP server. Each worker claims its jobs
/// through the database, so any number of processes can run them on one PostgreSQL.
fn spawn_workers(state: &AppState) {
    crate::plan::worker::spawn(state);
    crate::notice::worker::spawn(state);
    crate::dispatch::lapse::spawn(state);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
