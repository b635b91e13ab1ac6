//! What coordinators do with a finished plan before it is published: change drafts (lock,
//! move, unassign) and run it again. Publication is [`super::publish`].
use chrono::Utc;
use ponte_solver::check::check_assignments;
use ponte_solver::model::Instance;
use ponte_solver::problem::{Problem, Time};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;

use super::plans::{self, require_staff, PlanView};
use super::snapshot::{OccurrenceRef, Snapshot};
use crate::audit;
use crate::auth::Caller;
use crate::domain::local_time::{parse_instant, DEFAULT_ZONE};
use crate::entity::{plan, plan_assignment};
use crate::error::{Error, Validator};
use crate::storage::Write;

/// Body of `PATCH /plans/{id}/assignments/{draft_id}`. Fields left out are left as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftChange {
    /// Lock (kept as it is when the plan runs again) or unlock.
    pub locked: Option<bool>,
    /// Move to this mediator.
    pub mediator_id: Option<i64>,
    /// Move to this start: RFC 3339, or a local date-time in Europe/Rome.
    pub start: Option<String>,
    /// Take the draft out of the plan (a live assignment it keeps is cancelled at publication).
    pub unassign: Option<bool>,
    /// Consent to change a draft that keeps a published or accepted assignment.
    pub confirm_published_change: Option<bool>,
}

/// Body of `POST /plans/{id}/rerun`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerunBody {
    pub time_limit_seconds: Option<f64>,
    pub seed: Option<i64>,
}

/// A draft a coordinator moved: a decision, kept when the plan runs again.
pub const ORIGIN_MANUAL: &str = "manual";
/// A solver's change to a live assignment that the coordinator consented to.
pub const ORIGIN_CONSENTED: &str = "consented";

/// Reason stored for an occurrence a coordinator took out of the plan.
pub(super) const UNASSIGNED_BY_COORDINATOR: &str = "unassigned_by_coordinator";

pub(super) fn editable(plan: &plan::Model) -> Result<(), Error> {
    if plan.published_at.is_some() {
        return Err(Error::Conflict("the plan is already published".into()));
    }
    if plan.status != "finished" {
        return Err(Error::Conflict(format!(
            "the plan is {}; only a finished plan can be edited",
            plan.status
        )));
    }
    Ok(())
}

pub async fn change(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    plan_id: i64,
    draft_id: i64,
    change: DraftChange,
) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let mut v = Validator::new();
    let start = change
        .start
        .as_deref()
        .and_then(|s| match parse_instant(s, DEFAULT_ZONE) {
            Ok(t) => Some(t),
            Err(e) => {
                v.add("start", e.to_string());
                None
            }
        });
    let unassign = change.unassign == Some(true);
    if unassign && (change.mediator_id.is_some() || start.is_some()) {
        v.add(
            "unassign",
            "Either move the draft or unassign it, not both.",
        );
    }
    v.finish()?;

    let w = Write::begin(db).await?;
    let plan = plans::find(&w.txn, plan_id).await?;
    editable(&plan)?;
    let draft = plan_assignment::Entity::find_by_id(draft_id)
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .one(&w.txn)
        .await?
        .ok_or(Error::NotFound("draft"))?;
    let moves = change.mediator_id.is_some_and(|m| m != draft.mediator_id)
        || start.is_some_and(|s| s != draft.start);
    if (moves || unassign)
        && draft.assignment_id.is_some()
        && change.confirm_published_change != Some(true)
    {
        return Err(Error::NeedsConsent {
            assignment_id: draft.assignment_id.unwrap_or_default(),
        });
    }
    let before =
        json!({"mediator_id": draft.mediator_id, "start": draft.start, "locked": draft.locked});

    if unassign {
        plan_assignment::Entity::delete_by_id(draft.id)
            .exec(&w.txn)
            .await?;
        let mut unassigned = plan.unassigned.clone().unwrap_or(json!([]));
        if let Some(list) = unassigned.as_array_mut() {
            list.push(json!({
                "request_id": draft.request_id,
                "occurrence": draft.occurrence,
                "reason": UNASSIGNED_BY_COORDINATOR,
                "assignment_id": draft.assignment_id,
            }));
        }
        plan::Entity::update_many()
            .col_expr(plan::Column::Unassigned, Expr::value(unassigned))
            .col_expr(plan::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(plan::Column::Id.eq(plan_id))
            .exec(&w.txn)
            .await?;
        audit::record(
            &w.txn,
            Some(caller.user_id),
            audit::Action::DraftUnassigned,
            "plan",
            plan_id,
            json!({"draft_id": draft.id, "request_id": draft.request_id, "occurrence": draft.occurrence, "before": before}),
        )
        .await?;
    } else {
        let mut row: plan_assignment::ActiveModel = draft.clone().into();
        if moves {
            let mediator_id = change.mediator_id.unwrap_or(draft.mediator_id);
            let new_start = start.unwrap_or(draft.start);
            let duration = draft.end - draft.start;
            let others = super::plans::drafts(&w.txn, plan_id).await?;
            let travel = referee_move(&plan, &others, &draft, mediator_id, new_start.timestamp())?;
            row.mediator_id = Set(mediator_id);
            row.start = Set(new_start);
            row.end = Set(new_start + duration);
            row.travel_minutes = Set(travel);
            row.origin = Set(ORIGIN_MANUAL.into());
            // A move is a decision: it is kept when the plan runs again.
            row.locked = Set(true);
        }
        if let Some(locked) = change.locked {
            row.locked = Set(locked);
        }
        // Consent alone, to the solver's proposal for a live assignment: it is published as
        // proposed, and kept (locked) when the plan runs again.
        if !moves
            && change.confirm_published_change == Some(true)
            && draft.assignment_id.is_some()
            && draft.origin != "pinned"
        {
            row.origin = Set(ORIGIN_CONSENTED.into());
            row.locked = Set(true);
        }
        let after = row.update(&w.txn).await?;
        audit::record(
            &w.txn,
            Some(caller.user_id),
            if moves { audit::Action::DraftMoved } else { audit::Action::DraftChanged },
            "plan",
            plan_id,
            json!({
                "draft_id": draft.id,
                "request_id": draft.request_id,
                "occurrence": draft.occurrence,
                "before": before,
                "after": {"mediator_id": after.mediator_id, "start": after.start, "locked": after.locked},
                "confirm_published_change": change.confirm_published_change == Some(true),
            }),
        )
        .await?;
    }
    w.commit().await?;
    plans::get(db, caller, plan_id).await
}

/// Checks the plan's drafts with `draft` moved, against every rule of the plan's instance,
/// and gives the travel minutes to reach the moved appointment. Pins are cleared first:
/// moving a kept assignment was consented to, and the referee should judge the times.
fn referee_move(
    plan: &plan::Model,
    drafts: &[plan_assignment::Model],
    moved: &plan_assignment::Model,
    mediator_id: i64,
    start: Time,
) -> Result<i32, Error> {
    let text = plan
        .instance
        .as_deref()
        .ok_or_else(|| Error::Conflict("the plan has no instance".into()))?;
    let mut instance: Instance = serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("plan {} instance: {e}", plan.id)))?;
    for r in &mut instance.requests {
        r.pinned = None;
    }
    let p = Problem::new(instance)
        .map_err(|e| Error::Internal(format!("plan {} instance: {e:?}", plan.id)))?;
    let m = p
        .mediator_index(&Snapshot::mediator_key(mediator_id))
        .ok_or_else(|| {
            Error::field(
                "mediator_id",
                "No active mediator with this id was in the plan's data.",
            )
        })?;
    let mut list = Vec::with_capacity(drafts.len());
    let mut moved_index = None;
    for d in drafts {
        let Some(r) = request_index(&p, d.request_id, d.occurrence, d.modality) else {
            continue;
        };
        if d.id == moved.id {
            moved_index = Some(r);
            list.push((r, m, start));
        } else if let Some(dm) = p.mediator_index(&Snapshot::mediator_key(d.mediator_id)) {
            list.push((r, dm, d.start.timestamp()));
        }
    }
    let report = check_assignments(&p, &list);
    if let Some(v) = report.violations.first() {
        return Err(Error::RuleBroken {
            rule: v.rule,
            detail: v.to_string(),
        });
    }
    let r = moved_index
        .ok_or_else(|| Error::Conflict("the draft's request is not in the plan's data".into()))?;
    // Travel to it: from the previous in-person appointment of that shift, or from home.
    let Some(loc) = p.requests[r].location else {
        return Ok(0);
    };
    let end = start + p.requests[r].duration;
    let shift = p.mediators[m]
        .shifts
        .clone()
        .find(|&s| p.shifts[s].start <= start && end <= p.shifts[s].end);
    let Some(s) = shift else { return Ok(0) };
    let previous = list
        .iter()
        .filter(|&&(o, om, os)| o != r && om == m && os < start && os >= p.shifts[s].start)
        .filter_map(|&(o, _, os)| p.requests[o].location.map(|l| (os, l)))
        .max_by_key(|&(os, _)| os)
        .map_or(p.shifts[s].home, |(_, l)| l);
    Ok(p.travel_minutes(previous, loc) as i32)
}

/// The problem's index of an occurrence served in `modality` (`None`: its own):
/// `R{id}#{k}` for a series, `R{id}` for a single request (which is occurrence 1).
fn request_index(
    p: &Problem,
    request_id: i64,
    occurrence: i32,
    modality: Option<crate::domain::request::Modality>,
) -> Option<usize> {
    let occ = OccurrenceRef {
        request_id,
        occurrence,
    };
    let modality = modality.map(Into::into);
    p.variant_index(&Snapshot::request_key(occ, true), modality)
        .or_else(|| {
            (occurrence == 1)
                .then(|| p.variant_index(&Snapshot::request_key(occ, false), modality))
                .flatten()
        })
}

pub async fn rerun(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    plan_id: i64,
    body: RerunBody,
) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let mut v = Validator::new();
    if let Some(limit) = body.time_limit_seconds {
        if !(limit.is_finite() && (0.1..=plans::MAX_TIME_LIMIT_SECONDS).contains(&limit)) {
            v.add(
                "time_limit_seconds",
                format!(
                    "The time limit is from 0.1 to {} seconds.",
                    plans::MAX_TIME_LIMIT_SECONDS
                ),
            );
        }
    }
    if body.seed.is_some_and(|s| s < 0) {
        v.add("seed", "The seed is a whole number from 0.");
    }
    v.finish()?;
    let w = Write::begin(db).await?;
    let plan = plans::find(&w.txn, plan_id).await?;
    if plan.published_at.is_some() {
        return Err(Error::Conflict("the plan is already published".into()));
    }
    if !matches!(plan.status.as_str(), "finished" | "failed") {
        return Err(Error::Conflict(format!("the plan is {}", plan.status)));
    }
    let now = Utc::now();
    let mut update = plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value("queued"))
        .col_expr(
            plan::Column::Progress,
            Expr::value(
                json!({"phase": "queued", "fraction": 0.0, "message": "Waiting for a worker"}),
            ),
        )
        .col_expr(plan::Column::ClaimedBy, Expr::value(None::<String>))
        .col_expr(
            plan::Column::ClaimedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(
            plan::Column::StartedAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(
            plan::Column::FinishedAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(plan::Column::Error, Expr::value(None::<String>))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now));
    if let Some(limit) = body.time_limit_seconds {
        update = update.col_expr(
            plan::Column::TimeLimitMs,
            Expr::value((limit * 1000.0).round() as i64),
        );
    }
    if let Some(seed) = body.seed {
        update = update.col_expr(plan::Column::Seed, Expr::value(seed));
    }
    update
        .filter(plan::Column::Id.eq(plan_id))
        .exec(&w.txn)
        .await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::Rerun,
        "plan",
        plan_id,
        json!({"time_limit_seconds": body.time_limit_seconds, "seed": body.seed}),
    )
    .await?;
    w.commit().await?;
    super::worker::wake();
    plans::get(db, caller, plan_id).await
}
