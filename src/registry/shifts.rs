//! The concrete shifts a mediator's availability gives between two local dates, as UTC
//! instants with their local time: what the planner will work with.
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::access;
use super::availability::load;
use super::input;
use super::mediators::find as find_mediator;
use crate::auth::Caller;
use crate::domain::availability::{expand_shifts, Exception};
use crate::domain::local_time::Instant;
use crate::http::error::Validator;
use crate::http::ApiError;

/// Longest period, both ends included: a leap year.
pub const MAX_SHIFT_DAYS: i64 = 366;

/// Query of `GET /mediators/{id}/shifts`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftParams {
    /// First local date, `YYYY-MM-DD`.
    #[param(required = true, value_type = NaiveDate)]
    pub from: Option<String>,
    /// Last local date, included; at most 366 days after `from`, counting both.
    #[param(required = true, value_type = NaiveDate)]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Shifts {
    pub mediator_id: i64,
    pub timezone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub shifts: Vec<Shift>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Shift {
    #[schema(value_type = super::InstantSchema)]
    pub start: Instant,
    #[schema(value_type = super::InstantSchema)]
    pub end: Instant,
}

pub async fn shifts(
    db: &DatabaseConnection,
    caller: &Caller,
    mediator_id: i64,
    params: &ShiftParams,
) -> Result<Shifts, ApiError> {
    access::mediator(caller, mediator_id)?;
    let mediator = find_mediator(db, mediator_id).await?;
    let mut v = Validator::new();
    let from = date(&mut v, "from", params.from.as_deref());
    let to = date(&mut v, "to", params.to.as_deref());
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            v.add(
                "to",
                format!("The period ends on {to}, before it starts on {from}."),
            );
        } else if (to - from).num_days() >= MAX_SHIFT_DAYS {
            v.add(
                "to",
                format!("A period covers at most {MAX_SHIFT_DAYS} days."),
            );
        }
    }
    v.finish()?;
    let (from, to) = (from.unwrap_or_default(), to.unwrap_or_default());

    let availability = load(db, mediator_id).await?;
    let exceptions: Vec<Exception> = availability
        .exceptions
        .iter()
        .map(|e| e.exception())
        .collect();
    let zone = input::stored_zone(&mediator.timezone);
    let shifts = expand_shifts(&availability.rules, &exceptions, from, to, zone)
        .into_iter()
        .map(|(start, end)| Shift {
            start: Instant::new(start, zone),
            end: Instant::new(end, zone),
        })
        .collect();
    Ok(Shifts {
        mediator_id,
        timezone: mediator.timezone,
        from,
        to,
        shifts,
    })
}

fn date(v: &mut Validator, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let Some(raw) = value else {
        v.add(field, "This parameter is required.");
        return None;
    };
    let parsed = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    if parsed.is_none() {
        v.add(field, format!("“{raw}” is not a date; use YYYY-MM-DD."));
    }
    parsed
}
