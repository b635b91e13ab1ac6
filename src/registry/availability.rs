//! A mediator's availability: weekly rules and dated exceptions, read and replaced as a
//! whole.
use chrono::{NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access;
use super::input::{self, MAX_TEXT_CHARS};
use super::mediators::find as find_mediator;
use crate::audit;
use crate::auth::Caller;
use crate::domain::availability::{
    validate_exceptions, validate_rules, weekday_from_iso, AvailabilityError, Exception,
    ExceptionKind, WeeklyRule,
};
use crate::entity::{availability_exception, availability_rule, mediator};
use crate::error::Error;
use crate::error::Validator;
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

pub async fn replace(
    db: &DatabaseConnection,
    caller: &Caller,
    mediator_id: i64,
    new: Availability,
) -> Result<Availability, Error> {
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
        json!(new),
    )
    .await?;
    write.commit().await?;
    Ok(new)
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
    Ok(Availability { rules, exceptions })
}
