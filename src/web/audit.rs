//! The audit log with filters.
use axum::Router;

use crate::startup::AppState;

/// This area's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
