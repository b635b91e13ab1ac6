//! The web pages: server-rendered HTML (maud: templates are Rust functions, checked and
//! escaped at compile time, and composed like any other function), forms that work without
//! JavaScript, one stylesheet and a little script served by Ponte itself (no CDN: the
//! service must work on a closed municipal network).
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::startup::AppState;

pub mod account;
pub mod audit;
pub mod board;
pub mod coordinator;
pub mod error;
pub mod form;
pub mod i18n;
pub mod layout;
pub mod mediator;
pub mod meeting_change;
pub mod registry;
pub mod reports;
pub mod requester;
pub mod session;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(account::root))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/lang", post(account::switch_language))
        .route("/requests", get(requester::list))
        .route(
            "/requests/new",
            get(requester::new_form).post(requester::submit),
        )
        .route("/requests/{id}", get(requester::detail))
        .route("/requests/{id}/cancel", post(requester::cancel))
        .route("/week", get(mediator::week))
        .route(
            "/availability",
            get(mediator::availability).post(mediator::save_availability),
        )
        .route(
            "/preferences",
            get(mediator::preferences).post(mediator::save_preferences),
        )
        .route("/coord", get(coordinator::home))
        .merge(requester::routes())
        .merge(mediator::routes())
        .merge(board::routes())
        .merge(reports::routes())
        .merge(registry::routes())
        .merge(audit::routes())
        .layer(axum::middleware::from_fn_with_state(
            state,
            error::render_errors,
        ))
        .route("/static/ponte.css", get(css))
        .route("/static/ponte.js", get(js))
        .route("/static/icon.svg", get(icon))
}

async fn css() -> impl IntoResponse {
    asset(
        "text/css; charset=utf-8",
        // One stylesheet for the browser, kept as one file per area in the tree.
        concat!(
            include_str!("../../static/ponte.css"),
            include_str!("../../static/board.css"),
            include_str!("../../static/reports.css"),
            include_str!("../../static/registry.css"),
            include_str!("../../static/people.css"),
        ),
    )
}

async fn js() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        concat!(
            include_str!("../../static/ponte.js"),
            include_str!("../../static/board.js"),
            include_str!("../../static/map.js"),
            include_str!("../../static/lang-filter.js"),
            include_str!("../../static/whatif.js"),
        ),
    )
}

async fn icon() -> impl IntoResponse {
    asset("image/svg+xml", include_str!("../../static/icon.svg"))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
