//! The registry: organisations and their sites, mediators with their availability, the tag
//! catalogue and user accounts. Each operation checks who may call it, validates all of its
//! input at once and writes in one transaction together with its audit event, so that the
//! HTTP handlers only parse and map.
use chrono::{DateTime, Utc};

use crate::error::Error;

pub mod access;
pub mod availability;
pub mod browse;
pub mod closures;
pub mod input;
pub mod mediator_checks;
pub mod mediators;
pub mod organisations;
pub mod shifts;
pub mod sites;
pub mod tags;
pub mod users;

/// The id in a path. An id that is not a number names nothing, so it is the same 404 as an
/// unknown one rather than a routing error.
pub fn parse_id(raw: &str, what: &'static str) -> Result<i64, Error> {
    raw.parse().map_err(|_| Error::NotFound(what))
}

/// How [`crate::domain::local_time::Instant`] looks in the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(as = Instant)]
#[allow(dead_code)]
pub struct InstantSchema {
    /// The instant in UTC, RFC 3339.
    utc: DateTime<Utc>,
    /// The same instant as the wall clock shows it, with its offset.
    #[schema(example = "2026-03-30T09:00:00+02:00")]
    local: String,
}
