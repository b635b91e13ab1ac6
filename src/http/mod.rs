//! HTTP: thin handlers that parse, call the domain and map the result. Each resource has its
//! own module with its routes; this one assembles them with the cross-cutting layers.
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::startup::AppState;

pub mod assignments;
pub mod audit;
pub mod caller;
pub mod client;
pub mod closures;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod headers;
pub mod health;
pub mod media;
pub mod mediators;
pub mod metrics;
pub mod notices;
pub mod openapi;
pub mod organisations;
pub mod plans;
pub mod reports;
pub mod requests;
pub mod respond;
pub mod users;

pub use error::ApiError;

/// The whole HTTP surface of the service.
pub fn router(state: AppState) -> Router {
    let (api, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest(
            "/api/v1",
            api_routes().layer(axum::middleware::from_fn(media::require_json)),
        )
        .split_for_parts();
    Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(document) }),
        )
        .merge(health::router())
        .merge(respond::router())
        .merge(feeds::public_router())
        .merge(crate::web::router(state.clone()))
        .fallback(crate::web::error::fallback)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("a handler panicked".into()).into_response()
        }))
        .with_state(state)
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(organisations::router())
        .merge(closures::router())
        .merge(mediators::router())
        .merge(requests::router())
        .merge(users::router())
        .merge(assignments::router())
        .merge(plans::router())
        .merge(feeds::router())
        .merge(notices::router())
        .merge(audit::router())
        .merge(reports::router())
}
