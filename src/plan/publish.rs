//! Publication: a reviewed plan's drafts become live assignments, with their notices, in
//! one transaction. Drafts of requests or occurrences cancelled while the plan waited are
//! left out; live assignments the plan changed are moved or cancelled with their notices.
use std::collections::{HashMap, HashSet};

use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::edit::{editable, UNASSIGNED_BY_COORDINATOR};
use super::plans::{self, require_staff, PlanView};
use crate::assignment::{NewAssignment, State};
use crate::audit;
use crate::auth::Caller;
use crate::domain::request::Urgency;
use crate::entity::{assignment, plan, plan_assignment, request};
use crate::error::Error;
use crate::notice::{self, Event, Links};
use crate::startup::AppState;
use crate::storage::Write;

/// Body of `POST /plans/{id}/publish` (nothing to say yet; kept for the future).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {}

/// What publication did, for the audit and the caller.
#[derive(Debug, Default)]
struct Published {
    /// Drafts of requests or occurrences cancelled after the plan ran: not published.
    withdrawn: usize,
    created: usize,
    changed: usize,
    moved: usize,
    cancelled: usize,
    kept: usize,
    /// Open offers (emergencies) of occurrences the plan filled.
    offers_withdrawn: usize,
    /// Drafts whose mediator took other work at their time since the plan ran.
    stale: usize,
    /// Drafts that would move or replace a live assignment without the coordinator's
    /// consent: the live assignment stays as it is.
    held_back: usize,
}

/// Whether a coordinator consented to the change a draft makes to its live assignment: a
/// move they made themselves, or the solver's proposal they accepted.
pub fn consented(d: &plan_assignment::Model) -> bool {
    d.origin == super::edit::ORIGIN_MANUAL || d.origin == super::edit::ORIGIN_CONSENTED
}

/// The reason of a draft left unpublished because its mediator is no longer free.
pub const BUSY_SINCE_PLANNED: &str = "busy_since_planned";

/// A row that holds the draft's mediator at the draft's time and is none of the plan's
/// own (its live assignments, which it moves or keeps, and the open offers of the same
/// occurrence, which publication withdraws): work taken since the plan ran.
async fn taken_since<C: ConnectionTrait>(
    txn: &C,
    d: &plan_assignment::Model,
    plans_own: &HashSet<i64>,
) -> Result<Option<assignment::Model>, Error> {
    Ok(
        crate::assignment::busy::holding(txn, d.mediator_id, d.start, d.end)
            .await?
            .into_iter()
            .filter(|a| !plans_own.contains(&a.id))
            .filter(|a| !(a.request_id == d.request_id && a.occurrence == d.occurrence))
            .min_by_key(|a| a.start),
    )
}

/// Publishes plan `plan_id`. Each new assignment waits for its mediator's answer until
/// `expires_at` (by its request's urgency, at the state's clock); open offers of the
/// occurrences it fills are withdrawn, their mediators told.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    plan_id: i64,
    _body: PublishBody,
) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let (db, links) = (&state.db, &state.links());
    let w = Write::begin(db).await?;
    let plan = plans::find(&w.txn, plan_id).await?;
    editable(&plan)?;
    let now = state.clock.now().trunc_subsecs(6);
    // Conditional, so that of two concurrent publications one wins.
    let claimed = plan::Entity::update_many()
        .col_expr(plan::Column::PublishedAt, Expr::value(now))
        .col_expr(plan::Column::PublishedBy, Expr::value(caller.user_id))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .filter(plan::Column::PublishedAt.is_null())
        .filter(plan::Column::Status.eq("finished"))
        .exec(&w.txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::Conflict("the plan is already published".into()));
    }
    let drafts = plans::drafts(&w.txn, plan_id).await?;
    let live_ids: Vec<i64> = drafts.iter().filter_map(|d| d.assignment_id).collect();
    let live = crate::assignment::list::by_ids(&w.txn, &live_ids).await?;
    // What went live since the plan ran (an emergency accepted, another plan published)
    // may hold a draft's mediator at its time: each mediator's time is locked as dispatch
    // locks it, then every draft that would give time is checked against it.
    crate::assignment::busy::lock_mediators(&w.txn, drafts.iter().map(|d| d.mediator_id)).await?;
    // Live assignments the coordinator took out of the plan (cancelled below).
    let taken_out: Vec<i64> = plan
        .unassigned
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u["reason"] == UNASSIGNED_BY_COORDINATOR)
        .filter_map(|u| u["assignment_id"].as_i64())
        .collect();
    let plans_own: HashSet<i64> = live
        .keys()
        .copied()
        .chain(taken_out.iter().copied())
        .collect();
    let mut stale: Vec<Value> = Vec::new();
    let mut held_back: Vec<Value> = Vec::new();
    let mut done = Published::default();
    let actor = Some(caller.user_id);
    let withdrawn = withdrawn_since(&w.txn, &drafts).await?;
    let urgencies = urgencies(&w.txn, &drafts).await?;
    let lifetimes = state.config.offers.lifetimes();
    let expiry = |d: &plan_assignment::Model| {
        let urgency = urgencies
            .get(&d.request_id)
            .copied()
            .unwrap_or(Urgency::Routine);
        lifetimes.expires_at(urgency, now, d.start)
    };
    for d in &drafts {
        if withdrawn.contains(&(d.request_id, d.occurrence)) {
            // A live assignment it kept was cancelled with the request or the occurrence.
            done.withdrawn += 1;
            continue;
        }
        let current = d
            .assignment_id
            .and_then(|id| live.get(&id))
            .filter(|a| a.state.is_live());
        let unchanged = current
            .is_some_and(|a| (a.mediator_id, a.start, a.end) == (d.mediator_id, d.start, d.end));
        // A published or accepted meeting is a promise: the plan may propose to move it or
        // give it to someone else, but only the coordinator's consent makes it so.
        if let Some(a) = current.filter(|_| !unchanged && !consented(d)) {
            done.held_back += 1;
            held_back.push(json!({
                "draft_id": d.id,
                "assignment_id": a.id,
                "request_id": d.request_id,
                "occurrence": d.occurrence,
                "kept": {"mediator_id": a.mediator_id, "start": a.start},
                "proposed": {"mediator_id": d.mediator_id, "start": d.start},
            }));
            continue;
        }
        if !unchanged {
            if let Some(other) = taken_since(&w.txn, d, &plans_own).await? {
                done.stale += 1;
                stale.push(json!({
                    "request_id": d.request_id,
                    "occurrence": d.occurrence,
                    "reason": BUSY_SINCE_PLANNED,
                    "mediator_id": d.mediator_id,
                    "assignment_id": d.assignment_id,
                    "detail": format!(
                        "not published: since the plan ran, the mediator took assignment {} ({}) at {}; run the plan again",
                        other.id, other.state, other.start.to_rfc3339()
                    ),
                    "holding_assignment_id": other.id,
                }));
                continue;
            }
        }
        match current {
            Some(a) if a.mediator_id == d.mediator_id => {
                if a.start == d.start && a.end == d.end {
                    done.kept += 1;
                    continue;
                }
                let mut row: assignment::ActiveModel = a.clone().into();
                row.start = Set(d.start);
                row.end = Set(d.end);
                row.sequence = Set(a.sequence + 1);
                row.plan_id = Set(Some(plan_id));
                row.updated_at = Set(now);
                row.update(&w.txn).await?;
                notice::for_assignment(&w.txn, links, Event::Changed, a.id, None).await?;
                audit::record(
                    &w.txn,
                    actor,
                    audit::Action::Changed,
                    "assignment",
                    a.id,
                    json!({"plan_id": plan_id, "before": {"start": a.start, "end": a.end}, "after": {"start": d.start, "end": d.end}}),
                )
                .await?;
                done.changed += 1;
            }
            Some(a) => {
                cancel(&w.txn, links, actor, plan_id, a, now).await?;
                create(&w.txn, links, actor, plan_id, d, now, expiry(d)).await?;
                done.moved += 1;
            }
            None => {
                done.offers_withdrawn +=
                    withdraw_offers(&w.txn, links, actor, plan_id, d, now).await?;
                create(&w.txn, links, actor, plan_id, d, now, expiry(d)).await?;
                done.created += 1;
            }
        }
    }
    for id in taken_out {
        if let Some(a) = assignment::Entity::find_by_id(id).one(&w.txn).await? {
            if a.state.is_live() {
                cancel(&w.txn, links, actor, plan_id, &a, now).await?;
                done.cancelled += 1;
            }
        }
    }
    if !stale.is_empty() {
        // Told to the coordinator where the plan tells its other unfilled occurrences.
        let mut unassigned = plan.unassigned.clone().unwrap_or(json!([]));
        if let Some(list) = unassigned.as_array_mut() {
            list.extend(stale.iter().cloned());
        }
        plan::Entity::update_many()
            .col_expr(plan::Column::Unassigned, Expr::value(unassigned))
            .filter(plan::Column::Id.eq(plan_id))
            .exec(&w.txn)
            .await?;
    }
    audit::record(
        &w.txn,
        actor,
        audit::Action::Published,
        "plan",
        plan_id,
        json!({
            "not_published": stale,
            "created": done.created,
            "changed": done.changed,
            "moved": done.moved,
            "cancelled": done.cancelled,
            "kept": done.kept,
            "held_back": held_back,
            "withdrawn": done.withdrawn,
            "offers_withdrawn": done.offers_withdrawn,
        }),
    )
    .await?;
    w.commit().await?;
    plans::get(db, caller, plan_id).await
}

/// The (request, occurrence) pairs of `drafts` that were cancelled, as a whole request or
/// one occurrence, while the plan waited to be published.
async fn withdrawn_since<C: ConnectionTrait>(
    db: &C,
    drafts: &[plan_assignment::Model],
) -> Result<HashSet<(i64, i32)>, Error> {
    let ids: HashSet<i64> = drafts.iter().map(|d| d.request_id).collect();
    let mut cancelled_requests: HashSet<i64> = HashSet::new();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<i64> = request::Entity::find()
            .select_only()
            .column(request::Column::Id)
            .filter(request::Column::Id.is_in(chunk.to_vec()))
            .filter(request::Column::Status.eq("cancelled"))
            .into_tuple()
            .all(db)
            .await?;
        cancelled_requests.extend(rows);
    }
    let occurrences = crate::request::occurrence::cancelled(db, ids.iter().copied()).await?;
    Ok(drafts
        .iter()
        .filter(|d| {
            cancelled_requests.contains(&d.request_id)
                || occurrences
                    .get(&d.request_id)
                    .is_some_and(|o| o.contains(&d.occurrence))
        })
        .map(|d| (d.request_id, d.occurrence))
        .collect())
}

async fn cancel<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor: Option<i64>,
    plan_id: i64,
    a: &assignment::Model,
    now: chrono::DateTime<Utc>,
) -> Result<(), Error> {
    let mut row: assignment::ActiveModel = a.clone().into();
    row.state = Set(State::Cancelled);
    row.sequence = Set(a.sequence + 1);
    row.updated_at = Set(now);
    row.update(txn).await?;
    notice::for_assignment(txn, links, Event::Cancelled, a.id, None).await?;
    audit::record(
        txn,
        actor,
        audit::Action::Cancelled,
        "assignment",
        a.id,
        json!({"plan_id": plan_id, "before": {"state": a.state}, "after": {"state": "cancelled"}}),
    )
    .await?;
    Ok(())
}

/// The urgency of each draft's request.
async fn urgencies<C: ConnectionTrait>(
    db: &C,
    drafts: &[plan_assignment::Model],
) -> Result<HashMap<i64, Urgency>, Error> {
    let ids: Vec<i64> = drafts
        .iter()
        .map(|d| d.request_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut urgencies = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Urgency)> = request::Entity::find()
            .select_only()
            .column(request::Column::Id)
            .column(request::Column::Urgency)
            .filter(request::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        urgencies.extend(rows);
    }
    Ok(urgencies)
}

/// Withdraws the open offers of the draft's occurrence, which the plan fills: their
/// mediators are told, and none of them can accept it afterwards. How many.
async fn withdraw_offers<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor: Option<i64>,
    plan_id: i64,
    d: &plan_assignment::Model,
    now: chrono::DateTime<Utc>,
) -> Result<usize, Error> {
    let offers = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(d.request_id))
        .filter(assignment::Column::Occurrence.eq(d.occurrence))
        .filter(assignment::Column::State.eq(State::Offered))
        .all(txn)
        .await?;
    for o in &offers {
        let mut row: assignment::ActiveModel = o.clone().into();
        row.state = Set(State::Withdrawn);
        row.sequence = Set(o.sequence + 1);
        row.updated_at = Set(now);
        row.update(txn).await?;
        notice::for_assignment(txn, links, Event::OfferTaken, o.id, None).await?;
        audit::record(
            txn,
            actor,
            audit::Action::Withdrawn,
            "assignment",
            o.id,
            json!({"plan_id": plan_id, "before": {"state": "offered"}, "after": {"state": "withdrawn"}, "filled_by_mediator": d.mediator_id}),
        )
        .await?;
    }
    Ok(offers.len())
}

async fn create<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor: Option<i64>,
    plan_id: i64,
    d: &plan_assignment::Model,
    now: chrono::DateTime<Utc>,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<(), Error> {
    let (row, token) = NewAssignment {
        request_id: d.request_id,
        occurrence: d.occurrence,
        mediator_id: d.mediator_id,
        start: d.start,
        end: d.end,
        state: State::Published,
        plan_id: Some(plan_id),
        expires_at,
        modality: d.modality,
    }
    .row(links.host(), now);
    let inserted = assignment::Entity::insert(row)
        .exec(txn)
        .await
        .map_err(|e| {
            if crate::storage::is_unique_violation(&e) {
                Error::Conflict(format!(
                    "request {} occurrence {} already has a live assignment made since the plan ran; run the plan again",
                    d.request_id, d.occurrence
                ))
            } else {
                Error::Database(e)
            }
        })?;
    let id = inserted.last_insert_id;
    notice::for_assignment(txn, links, Event::Published, id, Some(&token)).await?;
    audit::record(
        txn,
        actor,
        audit::Action::Published,
        "assignment",
        id,
        json!({"plan_id": plan_id, "request_id": d.request_id, "occurrence": d.occurrence, "mediator_id": d.mediator_id, "start": d.start}),
    )
    .await?;
    Ok(())
}
