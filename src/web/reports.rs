//! Reports for funders (per language, organisation and mediator; tables, SVG charts, CSV)
//! and the shortage analysis.
use axum::Router;

use crate::startup::AppState;

/// This area's words: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
