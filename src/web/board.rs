//! The coordinators' dispatch board: a day on a time axis, one row per mediator and an
//! "unfilled" row with reasons; plan runs with progress; lock, move, unassign; publish.
use axum::Router;

use crate::startup::AppState;

/// This area's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
