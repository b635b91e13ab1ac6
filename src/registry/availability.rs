//! A mediator's availability: weekly rules and dated exceptions, read and replaced as a
//! whole.
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access;
use super::input::{self, MAX_TEXT_CHARS};
use super::mediators::find as find_mediator;
use crate::assignment::LIVE_STATES;
use crate::audit;
use crate::auth::Caller;
use crate::domain::availability::{
    validate_exceptions, validate_rules, weekday_from_iso, AvailabilityError, Exception,
    ExceptionKind, WeeklyRule,
};
use crate::domain::local_time::{local_date_time_or_next, parse_zone, DEFAULT_ZONE};
use crate::entity::{assignment, availability_exception, availability_rule, mediator};
use crate::error::Validator;
use crate::error::{Error, HeldAssignment};
use crate::notice::Links;
use crate::storage::Write;

/// Enough for several shifts a day and a year of exceptions; more is a client bug that
/// should not become one huge transaction.
const MAX_RULES: usize = 100;
const MAX_EXCEPTIONS: usize = 1000;

/// Weekly rules and dated exceptions in the mediator's time zone; lists keep the order in
/// which they were given, so that error indexes and stored rows line up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Availability {
    #[schema(value_type = Vec<RuleSchema>)]
    pub rules: Vec<WeeklyRule>,
    pub exceptions: Vec<DatedException>,
    /// In a replacement: an absence over live (published or accepted) assignments releases
    /// them only with this set; without it the answer is 409 listing them. Never stored.
    #[serde(default, skip_serializing)]
    pub confirm_releases: bool,
}

/// What a replacement did: the availability stored, and the live assignments its
/// absences released.
#[derive(Debug, Clone)]
pub struct Replaced {
    pub availability: Availability,
    pub released: Vec<HeldAssignment>,
}

/// An [`Exception`] with a note for people (`Pasquetta`, `visita medica`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DatedException {
    pub date: NaiveDate,
    #[schema(value_type = String, example = "absence", pattern = "^(absence|extra)$")]
    pub kind: ExceptionKind,
    #[serde(with = "crate::domain::availability::hh_mm")]
    #[schema(value_type = String, example = "09:00")]
    pub start: NaiveTime,
    #[serde(with = "crate::domain::availability::hh_mm")]
    #[schema(value_type = String, example = "13:00")]
    pub end: NaiveTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DatedException {
    pub fn exception(&self) -> Exception {
        Exception {
            date: self.date,
            kind: self.kind,
            start: self.start,
            end: self.end,
        }
    }
}

/// How a [`WeeklyRule`] looks in the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(as = WeeklyRule)]
#[allow(dead_code)]
struct RuleSchema {
    #[schema(example = "mon", pattern = "^(mon|tue|wed|thu|fri|sat|sun)$")]
    weekday: String,
    #[schema(example = "09:00")]
    start: String,
    #[schema(example = "13:00")]
    end: String,
}

pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    mediator_id: i64,
) -> Result<Availability, Error> {
    access::mediator(caller, mediator_id)?;
    find_mediator(db, mediator_id).await?;
    load(db, mediator_id).await
}

/// Replaces the mediator's availability. Absences over their live assignments to come are
/// refused with the list (`Error::WouldRelease`) unless `confirm_releases`; confirmed, the
/// assignments are released in the same transaction, with their notices. The caller then
/// looks for someone else ([`replace_and_redispatch`]).
pub async fn replace(
    db: &DatabaseConnection,
    links: &Links,
    caller: &Caller,
    mediator_id: i64,
    new: Availability,
    now: DateTime<Utc>,
) -> Result<Replaced, Error> {
    access::mediator(caller, mediator_id)?;
    let new = check(new)?;
    let write = Write::begin(db).await?;
    // Writing the mediator row first queues concurrent replacements of one mediator behind
    // each other (a row lock in PostgreSQL, the write lock in SQLite), so that two of them
    // never interleave into the union of both.
    let touched = mediator::Entity::update_many()
        .col_expr(mediator::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(mediator::Column::Id.eq(mediator_id))
        .exec(&write.txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(Error::NotFound("mediator"));
    }
    let held = held_during_absences(&write.txn, mediator_id, &new, now).await?;
    if !held.is_empty() && !new.confirm_releases {
        write.rollback().await?;
        return Err(Error::WouldRelease(held));
    }
    availability_rule::Entity::delete_many()
        .filter(availability_rule::Column::MediatorId.eq(mediator_id))
        .exec(&write.txn)
        .await?;
    availability_exception::Entity::delete_many()
        .filter(availability_exception::Column::MediatorId.eq(mediator_id))
        .exec(&write.txn)
        .await?;
    let rules = new.rules.iter().map(|r| availability_rule::ActiveModel {
        mediator_id: Set(mediator_id),
        weekday: Set(r.weekday.number_from_monday() as i16),
        start_time: Set(r.start),
        end_time: Set(r.end),
        ..Default::default()
    });
    availability_rule::Entity::insert_many(rules)
        .exec_without_returning(&write.txn)
        .await?;
    let exceptions = new
        .exceptions
        .iter()
        .map(|e| availability_exception::ActiveModel {
            mediator_id: Set(mediator_id),
            date: Set(e.date),
            kind: Set(e.kind.as_str().to_string()),
            start_time: Set(e.start),
            end_time: Set(e.end),
            note: Set(e.note.clone()),
            ..Default::default()
        });
    availability_exception::Entity::insert_many(exceptions)
        .exec_without_returning(&write.txn)
        .await?;
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::AvailabilityReplaced,
        "mediator",
        mediator_id,
        json!({"rules": new.rules, "exceptions": new.exceptions, "released": held}),
    )
    .await?;
    let ids: Vec<i64> = held.iter().map(|h| h.assignment_id).collect();
    crate::assignment::cancel::release(
        &write.txn,
        links,
        Some(caller.user_id),
        &ids,
        "mediator_absent",
    )
    .await?;
    write.commit().await?;
    Ok(Replaced {
        availability: new,
        released: held,
    })
}

/// The use case of every way of entering availability (API, page): replace, then look at
/// once for someone else for each released emergency or urgent meeting; routine ones wait,
/// unfilled, for the next plan. A failed re-dispatch is logged: the absence is stored.
pub async fn replace_and_redispatch(
    state: &crate::startup::AppState,
    caller: &Caller,
    mediator_id: i64,
    new: Availability,
) -> Result<Replaced, Error> {
    let now = state.clock.now();
    let done = replace(&state.db, &state.links(), caller, mediator_id, new, now).await?;
    let released: Vec<(i64, i32)> = done
        .released
        .iter()
        .map(|h| (h.request_id, h.occurrence))
        .collect();
    crate::dispatch::after_release(state, &released).await;
    Ok(done)
}

/// The mediator's live assignments still to end after `now` that an absence of `new`
/// overlaps, the absence read in the mediator's zone.
async fn held_during_absences<C: ConnectionTrait>(
    db: &C,
    mediator_id: i64,
    new: &Availability,
    now: DateTime<Utc>,
) -> Result<Vec<HeldAssignment>, Error> {
    let absences: Vec<&DatedException> = new
        .exceptions
        .iter()
        .filter(|e| e.kind == ExceptionKind::Absence)
        .collect();
    if absences.is_empty() {
        return Ok(Vec::new());
    }
    let zone = mediator::Entity::find_by_id(mediator_id)
        .one(db)
        .await?
        .and_then(|m| parse_zone(&m.timezone).ok())
        .unwrap_or(DEFAULT_ZONE);
    let away: Vec<(DateTime<Utc>, DateTime<Utc>)> = absences
        .iter()
        .map(|e| {
            (
                local_date_time_or_next(e.date, e.start, zone),
                local_date_time_or_next(e.date, e.end, zone),
            )
        })
        .collect();
    let live = assignment::Entity::find()
        .filter(assignment::Column::MediatorId.eq(mediator_id))
        .filter(assignment::Column::State.is_in(LIVE_STATES))
        .filter(assignment::Column::End.gt(now))
        .order_by_asc(assignment::Column::Start)
        .all(db)
        .await?;
    Ok(live
        .into_iter()
        .filter(|a| away.iter().any(|(s, e)| a.start < *e && a.end > *s))
        .map(|a| HeldAssignment {
            assignment_id: a.id,
            request_id: a.request_id,
            occurrence: a.occurrence,
            start: a.start,
            end: a.end,
            state: a.state.as_str().to_string(),
        })
        .collect())
}

/// Every problem of the lists at once: each interval that does not end after it starts,
/// then the first overlap of weekly rules (only meaningful once every interval is well
/// formed). Notes come back trimmed, blank ones removed.
fn check(mut new: Availability) -> Result<Availability, Error> {
    let mut v = Validator::new();
    let rules_ok = v.bounded("rules", new.rules.len(), MAX_RULES);
    let exceptions_ok = v.bounded("exceptions", new.exceptions.len(), MAX_EXCEPTIONS);
    if !(rules_ok && exceptions_ok) {
        // Each item is checked only in a list of sane length.
        return Err(v.finish().expect_err("a list over its bound is an error"));
    }
    for (i, rule) in new.rules.iter().enumerate() {
        if let Err(e) = validate_rules(std::slice::from_ref(rule)) {
            v.add(&format!("rules[{i}].end"), at_index(e, i).to_string());
        }
    }
    for (i, e) in new.exceptions.iter_mut().enumerate() {
        if let Err(err) = validate_exceptions(&[e.exception()]) {
            v.add(
                &format!("exceptions[{i}].end"),
                at_index(err, i).to_string(),
            );
        }
        e.note = input::optional_note(
            &mut v,
            &format!("exceptions[{i}].note"),
            e.note.take(),
            MAX_TEXT_CHARS,
        );
    }
    let intervals_ok = (0..new.rules.len()).all(|i| !v.has(&format!("rules[{i}].end")));
    if intervals_ok && !v.has("rules") {
        if let Err(e @ AvailabilityError::RulesOverlap { index, .. }) = validate_rules(&new.rules) {
            v.add(&format!("rules[{index}]"), e.to_string());
        }
    }
    v.finish()?;
    Ok(new)
}

/// The domain checked one interval alone, so its error says index 0.
fn at_index(error: AvailabilityError, i: usize) -> AvailabilityError {
    match error {
        AvailabilityError::RuleEndNotAfterStart { start, end, .. } => {
            AvailabilityError::RuleEndNotAfterStart {
                index: i,
                start,
                end,
            }
        }
        AvailabilityError::ExceptionEndNotAfterStart { start, end, .. } => {
            AvailabilityError::ExceptionEndNotAfterStart {
                index: i,
                start,
                end,
            }
        }
        other => other,
    }
}

pub(super) async fn load<C: ConnectionTrait>(
    db: &C,
    mediator_id: i64,
) -> Result<Availability, Error> {
    let rules = availability_rule::Entity::find()
        .filter(availability_rule::Column::MediatorId.eq(mediator_id))
        .order_by_asc(availability_rule::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| WeeklyRule {
            weekday: weekday_from_iso(r.weekday),
            start: r.start_time,
            end: r.end_time,
        })
        .collect();
    let exceptions = availability_exception::Entity::find()
        .filter(availability_exception::Column::MediatorId.eq(mediator_id))
        .order_by_asc(availability_exception::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| DatedException {
            date: e.date,
            kind: ExceptionKind::from_stored(&e.kind),
            start: e.start_time,
            end: e.end_time,
            note: e.note,
        })
        .collect();
    Ok(Availability {
        rules,
        exceptions,
        confirm_releases: false,
    })
}
