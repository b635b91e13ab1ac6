//! The registry in the browser: organisations and their sites, mediators, users.
use axum::Router;

use crate::startup::AppState;

/// This area's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
