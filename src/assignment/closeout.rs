//! Closeout: what actually happened at a meeting, recorded after it began by its mediator
//! or the requesting organisation, then correctable by coordinators. The reports count
//! delivered hours from it (what FAMI monitoring counts), beside the planned ones.
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Deserialize;
use serde_json::json;

use super::list;
use super::view::AssignmentView;
use crate::audit;
use crate::auth::{Caller, Role};
use crate::domain::closeout::{self, Outcome, TimesError};
use crate::domain::local_time::{parse_instant, parse_zone, DEFAULT_ZONE};
use crate::entity::{assignment, organisation, request};
use crate::error::{Error, Validator};
use crate::startup::AppState;
use crate::storage::Write;

/// Longest note of a closeout.
pub const MAX_NOTE_CHARS: usize = 1000;
/// How far back a mediator's pages list meetings that await their closeout.
pub const AWAITING_DAYS: i64 = 14;

/// Body of `POST /assignments/{id}/closeout`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseoutBody {
    /// `delivered`, `family_no_show`, `mediator_no_show` or `cancelled_late`.
    #[schema(required = true, example = "delivered")]
    pub outcome: Option<String>,
    /// When it really began (local to the organisation, or with an offset); the planned
    /// start if not given.
    #[schema(example = "2027-03-30T09:10")]
    pub actual_start: Option<String>,
    /// When it really ended; the planned end if not given.
    #[schema(example = "2027-03-30T10:20")]
    pub actual_end: Option<String>,
    /// For the coordinators; at most 1,000 characters.
    pub note: Option<String>,
}

/// Records (or, for a coordinator, corrects) the closeout of assignment `id`.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: CloseoutBody,
) -> Result<AssignmentView, Error> {
    let now = state.clock.now().trunc_subsecs(6);
    let w = Write::begin(&state.db).await?;
    let a = assignment::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(Error::NotFound("assignment"))?;
    let r = request::Entity::find_by_id(a.request_id)
        .one(&w.txn)
        .await?
        .ok_or(Error::NotFound("assignment"))?;
    let staff = caller.role.is_staff();
    let own = match caller.role {
        Role::Mediator => caller.mediator_id == Some(a.mediator_id),
        Role::Requester => caller.organisation_id == Some(r.organisation_id),
        _ => false,
    };
    if !staff && !own {
        return Err(Error::NotFound("assignment"));
    }
    if !a.state.is_live() {
        return Err(Error::Conflict(format!(
            "the assignment is {}: there is no meeting to close out",
            a.state
        )));
    }
    if now < a.start {
        return Err(Error::Conflict(
            "the meeting has not started yet: close it out once it has".into(),
        ));
    }
    if a.outcome.is_some() && !staff {
        return Err(Error::Conflict(
            "already closed out: a coordinator can correct it".into(),
        ));
    }
    let zone = organisation::Entity::find_by_id(r.organisation_id)
        .one(&w.txn)
        .await?
        .and_then(|o| parse_zone(&o.timezone).ok())
        .unwrap_or(DEFAULT_ZONE);
    let mut v = Validator::new();
    let outcome = match body.outcome.as_deref().map(str::trim) {
        None | Some("") => {
            v.add("outcome", "This field is required.");
            None
        }
        Some(s) => {
            let parsed = Outcome::parse(s);
            if parsed.is_none() {
                v.add(
                    "outcome",
                    "One of delivered, family_no_show, mediator_no_show, cancelled_late.",
                );
            }
            parsed
        }
    };
    let mut time = |field: &str, value: Option<&str>| match value.map(str::trim) {
        None | Some("") => None,
        Some(s) => match parse_instant(s, zone) {
            Ok(t) => Some(t.trunc_subsecs(0)),
            Err(e) => {
                v.add(field, e.to_string());
                None
            }
        },
    };
    let actual_start = time("actual_start", body.actual_start.as_deref());
    let actual_end = time("actual_end", body.actual_end.as_deref());
    let (start, end) = (actual_start.unwrap_or(a.start), actual_end.unwrap_or(a.end));
    if !v.has("actual_start") && !v.has("actual_end") {
        match closeout::check_times(a.start, a.end, start, end) {
            Ok(()) => {}
            Err(e @ TimesError::FarFromPlan) if actual_start.is_some() => {
                v.add("actual_start", e.to_string())
            }
            Err(e) => v.add("actual_end", e.to_string()),
        }
    }
    let note = crate::registry::input::optional_note(&mut v, "note", body.note, MAX_NOTE_CHARS);
    v.finish()?;
    let Some(outcome) = outcome else {
        return Err(Error::field("outcome", "This field is required."));
    };
    let before = json!({
        "outcome": a.outcome,
        "actual_start": a.actual_start,
        "actual_end": a.actual_end,
    });
    let mut row: assignment::ActiveModel = a.clone().into();
    row.outcome = Set(Some(outcome));
    // Times matter only for a meeting that took place; kept when given for another.
    let delivered = outcome == Outcome::Delivered;
    row.actual_start = Set(actual_start.or(delivered.then_some(a.start)));
    row.actual_end = Set(actual_end.or(delivered.then_some(a.end)));
    row.closeout_note = Set(note);
    row.closed_out_by = Set(Some(caller.user_id));
    row.closed_out_at = Set(Some(now));
    row.update(&w.txn).await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::ClosedOut,
        "assignment",
        id,
        json!({
            "before": before,
            "after": {"outcome": outcome, "actual_start": start, "actual_end": end},
            "delivered_minutes": closeout::delivered_minutes(outcome, start, end),
            "request_id": a.request_id,
            "occurrence": a.occurrence,
        }),
    )
    .await?;
    w.commit().await?;
    list::one(&state.db, caller, id).await
}

/// The live assignments (of one mediator, or of everyone) that began in the last
/// [`AWAITING_DAYS`] and still await their closeout, oldest first.
pub async fn awaiting<C: ConnectionTrait>(
    db: &C,
    mediator_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<assignment::Model>, DbErr> {
    let mut query = assignment::Entity::find()
        .filter(assignment::Column::State.is_in(super::LIVE_STATES))
        .filter(assignment::Column::Outcome.is_null())
        .filter(assignment::Column::Start.lte(now))
        .filter(assignment::Column::Start.gte(now - TimeDelta::days(AWAITING_DAYS)));
    if let Some(id) = mediator_id {
        query = query.filter(assignment::Column::MediatorId.eq(id));
    }
    query.order_by_asc(assignment::Column::Start).all(db).await
}
