//! Liveness, readiness and metrics, for load balancers and Prometheus.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::ConnectionTrait;

use super::caller::bearer_token;
use super::error::ApiError;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up; says nothing of its dependencies, so that an orchestrator does not
/// restart a healthy process because the database blinked.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready to serve: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    // Within a second, whatever the pool's own timeout: a load balancer's probe must not
    // hang on an unreachable database.
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        state.db.execute_unprepared("SELECT 1"),
    );
    match probe.await.unwrap_or_else(|_| {
        Err(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout,
        ))
    }) {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// The figures, to whoever may scrape them: with `--metrics-token`, a request bearing it;
/// without, a direct connection from this machine. A request that came through a proxy
/// (`Forwarded`, `X-Forwarded-For`) is not direct, even from loopback, since the proxy is
/// usually what faces the internet.
async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let allowed = match state.config.metrics_token.as_deref() {
        Some(token) => bearer_token(request.headers())
            .is_some_and(|given| crate::auth::same_secret(given, token)),
        None => {
            let proxied = request.headers().contains_key(header::FORWARDED)
                || request.headers().contains_key("x-forwarded-for");
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip());
            !proxied && peer.is_some_and(|ip| ip.is_loopback())
        }
    };
    if !allowed {
        let mut refused = ApiError::Unauthorized.into_response();
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return refused;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
