//! Changing one meeting of a request, or it and every later one of its series
//! (`PATCH /requests/{id}/occurrences/{k}`): its start, duration, modality, site or
//! preferred mediator.
//!
//! The changed meetings become a request of their own, which remembers where they came from
//! (`changed_from`): one meeting for `this`, the rest of the series for `following` (the
//! series is split). The original keeps its rule, and its changed occurrences are called
//! off as *moved*, naming the new request, so that occurrence numbers keep naming the same
//! appointments everywhere and every reader of a series (planning, dispatch, the board,
//! reports, feeds) needs no notion of an exception.
//!
//! A live assignment (or open offer) of a changed meeting that still fits its mediator keeps
//! them: the row moves to the new request with the new times and a higher SEQUENCE (same
//! UID, so calendars update the event) and a "changed" notice. One that no longer fits is
//! released with notices; an emergency or urgent meeting is then dispatched again at once.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::model::{Modality, Status};
use super::occurrence::{cancelled_of, starts};
use super::store::{self, Write};
use super::validate::{
    check_site, mediators, MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, PAST_GRACE,
};
use super::view::RequestView;
use crate::assignment::busy;
use crate::audit;
use crate::auth::Caller;
use crate::domain::local_time::{self, local_date_time_or_next, to_local};
use crate::domain::{quoted, recurrence};
use crate::entity::{assignment, mediator, occurrence_cancellation, request};
use crate::error::{Error, Validator};
use crate::notice::{self, Event};
use crate::registry::input::Change;
use crate::registry::shifts::Availabilities;
use crate::startup::AppState;

/// Which meetings a change is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// This meeting only.
    This,
    /// This meeting and every later one of the series.
    Following,
}

/// Body of `PATCH /requests/{id}/occurrences/{k}`: `scope` and any of the rest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrencePatch {
    pub scope: Scope,
    /// The new start of meeting `k` (RFC 3339, or a local date-time in the organisation's
    /// zone); with `following`, every later meeting moves by the same wall-clock amount.
    #[schema(example = "2027-03-30T10:00")]
    pub start: Option<String>,
    /// 15 to 480.
    pub duration_minutes: Option<i64>,
    #[schema(value_type = Option<Modality>)]
    pub modality: Option<String>,
    /// A site of the organisation; `null` removes it (phone or video only).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub site_id: Change<i64>,
    /// The one mediator preferred from now on; `null` prefers no one.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub preferred_mediator: Change<i64>,
}

/// What a change did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccurrencesChanged {
    /// The request the meetings were changed from.
    pub request_id: i64,
    /// Its occurrences that moved to `request` (counted from 1), in order.
    pub moved: Vec<i32>,
    /// The request that holds the changed meetings now.
    pub request: RequestView,
    /// Assignments that kept their mediator, with the new times.
    pub kept_assignments: Vec<i64>,
    /// Assignments released because their mediator cannot take the new times.
    pub released_assignments: Vec<i64>,
}

/// The checked change, ready to write.
struct Plan {
    /// Occurrences of the original that move, in order, with their old and new starts.
    moving: Vec<(i32, DateTime<Utc>, DateTime<Utc>)>,
    /// Occurrences of the original in the range that were already cancelled: cancelled
    /// in the new request too, so that its numbering matches.
    still_cancelled: Vec<i32>,
    new: request::Model,
    /// How far each meeting moved, for the assignments' own starts.
    shift: Shift,
    /// Whether anything the mediator must fit (time, length, modality, place) changed.
    retimed: bool,
}

/// A move in wall-clock time of the organisation's zone: 09:00 stays 09:00 across DST.
#[derive(Clone, Copy)]
struct Shift {
    by: TimeDelta,
    zone: Tz,
}

impl Shift {
    fn apply(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let local: NaiveDateTime = to_local(t, self.zone).naive_local() + self.by;
        local_date_time_or_next(local.date(), local.time(), self.zone)
    }
}

pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: i64,
    k: i64,
    body: OccurrencePatch,
) -> Result<OccurrencesChanged, Error> {
    let db = &state.db;
    let model = store::visible(db, caller, id).await?;
    if model.status != Status::Submitted {
        return Err(Error::Conflict(format!(
            "request {id} is {}: its meetings cannot be changed",
            model.status.as_str()
        )));
    }
    let now = state.clock.now().trunc_subsecs(6);
    let plan = check(db, &model, k, &body, now).await?;

    let w = Write::begin(db).await?;
    let held = live_of(&w.txn, &model, &plan, now).await?;
    busy::lock_mediators(&w.txn, held.iter().map(|a| a.mediator_id)).await?;
    let new_id = insert_new(&w.txn, &plan).await?;
    mark_moved(&w.txn, caller, &model, &plan, new_id, now).await?;
    let (kept, released) = carry(state, &w.txn, caller, &plan, new_id, held, now).await?;
    let detail = json!({
        "scope": body.scope,
        "occurrences": plan.moving.iter().map(|m| m.0).collect::<Vec<_>>(),
        "new_request_id": new_id,
        "start": plan.new.earliest_start,
        "duration_minutes": plan.new.duration_minutes,
        "modality": plan.new.modality,
        "site_id": plan.new.site_id,
        "preferred_mediators": plan.new.preferred_mediators,
        "kept_assignments": kept,
        "released_assignments": released,
    });
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::OccurrencesChanged,
        "request",
        id,
        detail,
    )
    .await?;
    w.commit().await?;

    // Whatever lost its mediator, and any changed meeting no one held, is sought now if it
    // is urgent, as a new request would be; a routine one waits for the next plan.
    crate::dispatch::after_submit_detached(state, new_id).await;
    let new = request::Entity::find_by_id(new_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal("the changed request vanished".into()))?;
    Ok(OccurrencesChanged {
        request_id: id,
        moved: plan.moving.iter().map(|m| m.0).collect(),
        request: store::view_of(db, &new).await?,
        kept_assignments: kept,
        released_assignments: released,
    })
}

/// Every rule of a change, checked before anything is written; all broken ones at once.
async fn check<C: ConnectionTrait>(
    db: &C,
    model: &request::Model,
    k: i64,
    body: &OccurrencePatch,
    now: DateTime<Utc>,
) -> Result<Plan, Error> {
    let zones = store::zones(db, [model.organisation_id]).await?;
    let zone = store::zone_in(&zones, model.organisation_id);
    let all = starts(model, zone);
    let count = all.len();
    let index = usize::try_from(k)
        .ok()
        .filter(|k| (1..=count).contains(k))
        .ok_or_else(|| {
            Error::field(
                "occurrence",
                format!("The request has occurrences 1 to {count}."),
            )
        })?;
    let k = index as i32;
    let cancelled: HashSet<i32> = cancelled_of(db, model.id).await?.into_iter().collect();
    if cancelled.contains(&k) {
        return Err(Error::Conflict(format!(
            "occurrence {k} of request {} is cancelled or was changed before: change it where it is now",
            model.id
        )));
    }
    let old_start = all[index - 1];
    if old_start <= now {
        return Err(Error::field(
            "occurrence",
            "This meeting has already begun; only later ones can be changed.",
        ));
    }

    let mut v = Validator::new();
    let new_start = body.start.as_deref().and_then(|s| {
        let t = v.check("start", local_time::parse_instant(s, zone))?;
        let t = t.trunc_subsecs(0);
        if t < now - PAST_GRACE {
            v.add(
                "start",
                format!(
                    "The start {} is in the past.",
                    local_time::format_local(t, zone)
                ),
            );
        }
        Some(t)
    });
    let duration = match body.duration_minutes {
        Some(d) if (MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&d) => d as i32,
        Some(_) => {
            v.add(
                "duration_minutes",
                format!("The duration must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes."),
            );
            model.duration_minutes
        }
        None => model.duration_minutes,
    };
    let modality = match body.modality.as_deref() {
        Some(m) => Modality::parse(m).unwrap_or_else(|| {
            v.add(
                "modality",
                format!(
                    "{} is not a modality: use in_person, phone or video.",
                    quoted(m)
                ),
            );
            model.modality
        }),
        None => model.modality,
    };
    let site_id = match &body.site_id {
        Change::Keep => model.site_id,
        Change::Clear => None,
        Change::Set(id) => Some(*id),
    };
    check_site(db, model.organisation_id, site_id, Some(modality), &mut v).await?;
    let stored = |value: &serde_json::Value| -> Vec<i64> {
        serde_json::from_value(value.clone()).unwrap_or_default()
    };
    let excluded = stored(&model.excluded_mediators);
    let preferred = match &body.preferred_mediator {
        Change::Keep => stored(&model.preferred_mediators),
        Change::Clear => Vec::new(),
        Change::Set(m) => {
            let mut inner = Validator::new();
            mediators(db, &[*m], &excluded, &mut inner).await?;
            if inner.finish().is_err() {
                v.add(
                    "preferred_mediator",
                    format!("Mediator {m} does not exist or is excluded from this request."),
                );
            }
            vec![*m]
        }
    };

    let shift = Shift {
        by: new_start.map_or(TimeDelta::zero(), |t| {
            to_local(t, zone).naive_local() - to_local(old_start, zone).naive_local()
        }),
        zone,
    };
    let range: Vec<i32> = match body.scope {
        Scope::This => vec![k],
        Scope::Following => (k..=count as i32).collect(),
    };
    let moving: Vec<(i32, DateTime<Utc>, DateTime<Utc>)> = range
        .iter()
        .filter(|o| !cancelled.contains(o))
        .map(|&o| {
            let old = all[o as usize - 1];
            let start = if o == k {
                new_start.unwrap_or(old_start)
            } else {
                shift.apply(old)
            };
            (o, old, start)
        })
        .collect();
    let still_cancelled: Vec<i32> = range
        .iter()
        .filter(|o| cancelled.contains(o))
        .copied()
        .collect();
    let first = moving[0].2;
    let rrule = match body.scope {
        Scope::This => None,
        Scope::Following => {
            let days = shift.by.num_days();
            let rule = recurrence::rest_of_series(
                model.rrule.as_deref().unwrap_or("FREQ=DAILY"),
                index,
                count,
                days,
            );
            // The new rule must give exactly the moved meetings, cancelled ones included.
            let wanted: Vec<DateTime<Utc>> =
                all[index - 1..].iter().map(|&t| shift.apply(t)).collect();
            let wanted: Vec<DateTime<Utc>> = std::iter::once(first)
                .chain(wanted.into_iter().skip(1))
                .collect();
            if recurrence::occurrence_starts(first, Some(&rule), zone) != wanted {
                v.add(
                    "start",
                    "The following meetings cannot all move by this amount as one series \
                     (the series' rule would no longer describe them): change them one at a time.",
                );
            }
            Some(rule)
        }
    };
    v.finish()?;

    let retimed = new_start.is_some_and(|t| t != old_start)
        || duration != model.duration_minutes
        || modality != model.modality
        || site_id != model.site_id;
    let new = request::Model {
        id: 0,
        site_id,
        created_by: model.created_by,
        modality,
        earliest_start: first,
        latest_start: first + (model.latest_start - model.earliest_start),
        duration_minutes: duration,
        preferred_mediators: json!(preferred),
        occurrences: range.len() as i32,
        rrule: if range.len() > 1 { rrule } else { None },
        status: Status::Submitted,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
        changed_from_request_id: Some(model.id),
        changed_from_occurrence: Some(k),
        ..model.clone()
    };
    Ok(Plan {
        moving,
        still_cancelled,
        new,
        shift,
        retimed,
    })
}

/// The live assignments and open offers of the meetings that move, still to come.
async fn live_of(
    txn: &DatabaseTransaction,
    model: &request::Model,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<Vec<assignment::Model>, Error> {
    let occurrences: Vec<i32> = plan.moving.iter().map(|m| m.0).collect();
    let mut rows = Vec::new();
    for chunk in occurrences.chunks(500) {
        rows.extend(
            assignment::Entity::find()
                .filter(assignment::Column::RequestId.eq(model.id))
                .filter(assignment::Column::Occurrence.is_in(chunk.to_vec()))
                .filter(assignment::Column::State.is_in(busy::BUSY))
                .filter(assignment::Column::End.gt(now))
                .all(txn)
                .await?,
        );
    }
    Ok(rows)
}

async fn insert_new(txn: &DatabaseTransaction, plan: &Plan) -> Result<i64, Error> {
    let mut row = request::ActiveModel::from(plan.new.clone());
    row.id = NotSet;
    let id = request::Entity::insert(row).exec(txn).await?.last_insert_id;
    let first = plan.moving[0].0;
    let rows = plan
        .still_cancelled
        .iter()
        .map(|&o| occurrence_cancellation::ActiveModel {
            request_id: Set(id),
            occurrence: Set(o - first + 1),
            cancelled_at: Set(plan.new.created_at),
            reason: Set(Some(format!(
                "cancelled before the change (occurrence {o})"
            ))),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    if !rows.is_empty() {
        occurrence_cancellation::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(id)
}

/// The original's moved occurrences, called off as moved; the original ends once nothing is
/// left of it.
async fn mark_moved(
    txn: &DatabaseTransaction,
    caller: &Caller,
    model: &request::Model,
    plan: &Plan,
    new_id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let reason = format!("changed: now request {new_id}");
    let rows = plan
        .moving
        .iter()
        .map(|&(o, _, _)| occurrence_cancellation::ActiveModel {
            request_id: Set(model.id),
            occurrence: Set(o),
            cancelled_at: Set(now),
            reason: Set(Some(reason.clone())),
            actor_user_id: Set(Some(caller.user_id)),
            moved_to_request_id: Set(Some(new_id)),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    occurrence_cancellation::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let count = starts(model, plan.shift.zone).len();
    let gone = cancelled_of(txn, model.id).await?.len();
    let mut update = request::Entity::update_many()
        .col_expr(request::Column::UpdatedAt, Expr::value(now))
        .filter(request::Column::Id.eq(model.id));
    if gone >= count {
        update = update
            .col_expr(request::Column::Status, Expr::value(Status::Cancelled))
            .col_expr(request::Column::CancelReason, Expr::value(reason));
    }
    update.exec(txn).await?;
    Ok(())
}

/// Each live row moves with its meeting when its mediator can still take it, and is
/// released otherwise. Returns (kept, released) assignment ids.
async fn carry(
    state: &AppState,
    txn: &DatabaseTransaction,
    caller: &Caller,
    plan: &Plan,
    new_id: i64,
    held: Vec<assignment::Model>,
    now: DateTime<Utc>,
) -> Result<(Vec<i64>, Vec<i64>), Error> {
    let first = plan.moving[0].0;
    let (mut kept, mut released) = (Vec::new(), Vec::new());
    let mut moves = Vec::new();
    for a in held {
        let Some(&(_, old, new)) = plan.moving.iter().find(|m| m.0 == a.occurrence) else {
            continue;
        };
        // A flexible window's chosen start keeps its place in the window.
        let start = new + (a.start - old);
        let end = start + TimeDelta::minutes(plan.new.duration_minutes.into());
        if !plan.retimed || fits(txn, &a, &plan.new, start, end).await? {
            moves.push((a, start, end));
        } else {
            released.push(a.id);
        }
    }
    // Released first, while the rows still say where and when they were.
    crate::assignment::cancel::release(
        txn,
        &state.links(),
        Some(caller.user_id),
        &released,
        "meeting_changed",
    )
    .await?;
    for (a, start, end) in moves {
        let mut row: assignment::ActiveModel = a.clone().into();
        row.request_id = Set(new_id);
        row.occurrence = Set(a.occurrence - first + 1);
        row.start = Set(start);
        row.end = Set(end);
        row.sequence = Set(a.sequence + 1);
        row.updated_at = Set(now);
        row.update(txn).await?;
        notice::for_assignment(txn, &state.links(), Event::Changed, a.id, None).await?;
        audit::record(
            txn,
            Some(caller.user_id),
            audit::Action::Changed,
            "assignment",
            a.id,
            json!({
                "before": {"request_id": a.request_id, "occurrence": a.occurrence, "start": a.start, "end": a.end},
                "after": {"request_id": new_id, "occurrence": a.occurrence - first + 1, "start": start, "end": end},
            }),
        )
        .await?;
        kept.push(a.id);
    }
    Ok((kept, released))
}

/// Whether `a`'s mediator can take the changed meeting at `[start, end)`: active, offering
/// its modality, within one of their shifts of that day, and holding nothing else then.
/// Travel between consecutive meetings is not weighed here (the plan's referee does that).
async fn fits(
    txn: &DatabaseTransaction,
    a: &assignment::Model,
    new: &request::Model,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<bool, Error> {
    let Some(m) = mediator::Entity::find_by_id(a.mediator_id).one(txn).await? else {
        return Ok(false);
    };
    let modalities: Vec<String> = serde_json::from_value(m.modalities.clone()).unwrap_or_default();
    if !m.active || !modalities.iter().any(|x| x == new.modality.as_str()) {
        return Ok(false);
    }
    let zone = crate::registry::input::stored_zone(&m.timezone);
    let (from, to) = (
        to_local(start, zone).date_naive(),
        to_local(end, zone).date_naive(),
    );
    let availability = Availabilities::load(txn, Some(&[m.id]), from, to).await?;
    let covered = availability
        .expand(m.id, zone, from, to)
        .into_iter()
        .any(|(s, e)| s <= start && end <= e);
    if !covered {
        return Ok(false);
    }
    let others = busy::holding(txn, m.id, start, end).await?;
    Ok(others.iter().all(|o| o.id == a.id))
}
