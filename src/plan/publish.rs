//! Publication: a reviewed plan's drafts become live assignments, with their notices, in
//! one transaction. Drafts of requests or occurrences cancelled while the plan waited are
//! left out; live assignments the plan changed are moved or cancelled with their notices.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
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
use crate::entity::{assignment, plan, plan_assignment, request};
use crate::error::Error;
use crate::notice::{self, Event, Links};
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
}

pub async fn publish(
    db: &sea_orm::DatabaseConnection,
    links: &Links,
    caller: &Caller,
    plan_id: i64,
    _body: PublishBody,
) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let w = Write::begin(db).await?;
    let plan = plans::find(&w.txn, plan_id).await?;
    editable(&plan)?;
    let now = Utc::now();
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
    let mut live: HashMap<i64, assignment::Model> = HashMap::new();
    for chunk in live_ids.chunks(500) {
        for a in assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(chunk.to_vec()))
            .all(&w.txn)
            .await?
        {
            live.insert(a.id, a);
        }
    }
    let mut done = Published::default();
    let actor = Some(caller.user_id);
    let withdrawn = withdrawn_since(&w.txn, &drafts).await?;
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
                create(&w.txn, links, actor, plan_id, d, now).await?;
                done.moved += 1;
            }
            None => {
                create(&w.txn, links, actor, plan_id, d, now).await?;
                done.created += 1;
            }
        }
    }
    // Live assignments the coordinator took out of the plan.
    let taken_out: Vec<i64> = plan
        .unassigned
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u["reason"] == UNASSIGNED_BY_COORDINATOR)
        .filter_map(|u| u["assignment_id"].as_i64())
        .collect();
    for id in taken_out {
        if let Some(a) = assignment::Entity::find_by_id(id).one(&w.txn).await? {
            if a.state.is_live() {
                cancel(&w.txn, links, actor, plan_id, &a, now).await?;
                done.cancelled += 1;
            }
        }
    }
    audit::record(
        &w.txn,
        actor,
        audit::Action::Published,
        "plan",
        plan_id,
        json!({
            "created": done.created,
            "changed": done.changed,
            "moved": done.moved,
            "cancelled": done.cancelled,
            "kept": done.kept,
            "withdrawn": done.withdrawn,
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

async fn create<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor: Option<i64>,
    plan_id: i64,
    d: &plan_assignment::Model,
    now: chrono::DateTime<Utc>,
) -> Result<(), Error> {
    let (row, token) = NewAssignment {
        request_id: d.request_id,
        occurrence: d.occurrence,
        mediator_id: d.mediator_id,
        start: d.start,
        end: d.end,
        state: State::Published,
        plan_id: Some(plan_id),
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
