//! The concrete shifts a mediator's availability gives: weekly rules and that day's
//! exceptions, expanded in the mediator's own zone. [`Availabilities`] is the one reading of
//! the availability rows into shifts; the API's shift list, the plan snapshot and the board
//! all go through it.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::access;
use super::input;
use super::mediators::find as find_mediator;
use crate::auth::Caller;
use crate::domain::availability::{
    expand_shifts, weekday_from_iso, Exception, ExceptionKind, WeeklyRule,
};
use crate::domain::local_time::{Instant, Window};
use crate::entity::{availability_exception, availability_rule};
use crate::error::{Error, Validator};

/// Mediators' weekly rules and the exceptions of a range of dates, read once.
#[derive(Debug, Clone, Default)]
pub struct Availabilities {
    rules: HashMap<i64, Vec<WeeklyRule>>,
    exceptions: HashMap<i64, Vec<Exception>>,
}

impl Availabilities {
    /// The rules of `mediators` (every mediator when `None`) and their exceptions dated
    /// `from..=to`, with a day's margin on both sides: a mediator in another zone may see
    /// the same instants under a neighbouring date.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        mediators: Option<&[i64]>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Availabilities, DbErr> {
        let mut rules_query =
            availability_rule::Entity::find().order_by_asc(availability_rule::Column::Id);
        let mut exceptions_query = availability_exception::Entity::find()
            .filter(availability_exception::Column::Date.gte(from - TimeDelta::days(1)))
            .filter(availability_exception::Column::Date.lte(to + TimeDelta::days(1)))
            .order_by_asc(availability_exception::Column::Id);
        if let Some(ids) = mediators {
            rules_query =
                rules_query.filter(availability_rule::Column::MediatorId.is_in(ids.to_vec()));
            exceptions_query = exceptions_query
                .filter(availability_exception::Column::MediatorId.is_in(ids.to_vec()));
        }
        let mut out = Availabilities::default();
        for r in rules_query.all(db).await? {
            out.rules
                .entry(r.mediator_id)
                .or_default()
                .push(WeeklyRule {
                    weekday: weekday_from_iso(r.weekday),
                    start: r.start_time,
                    end: r.end_time,
                });
        }
        for e in exceptions_query.all(db).await? {
            out.exceptions
                .entry(e.mediator_id)
                .or_default()
                .push(Exception {
                    date: e.date,
                    kind: ExceptionKind::from_stored(&e.kind),
                    start: e.start_time,
                    end: e.end_time,
                });
        }
        Ok(out)
    }

    /// The shifts of a mediator on the local dates `from..=to` of their `zone`, in order.
    pub fn expand(
        &self,
        mediator_id: i64,
        zone: Tz,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        expand_shifts(
            self.rules.get(&mediator_id).map_or(&[][..], Vec::as_slice),
            self.exceptions
                .get(&mediator_id)
                .map_or(&[][..], Vec::as_slice),
            from,
            to,
            zone,
        )
    }

    /// The shifts of a mediator (in their `zone`) that overlap `window`, whole.
    pub fn in_window(
        &self,
        mediator_id: i64,
        zone: Tz,
        window: Window,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let (first, last) = window.local_span(zone);
        self.expand(mediator_id, zone, first, last)
            .into_iter()
            .filter(|(start, end)| window.overlaps(*start, *end))
            .collect()
    }
}

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
) -> Result<Shifts, Error> {
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

    let availability = Availabilities::load(db, Some(&[mediator_id]), from, to).await?;
    let zone = input::stored_zone(&mediator.timezone);
    let shifts = availability
        .expand(mediator_id, zone, from, to)
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
    v.check(field, crate::domain::local_time::parse_date(raw))
}
