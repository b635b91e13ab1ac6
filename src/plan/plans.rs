//! Plans as the API shows them: creating one (queued for the worker), listing, reading with
//! its drafts, and its instance.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::snapshot::Window;
use crate::audit;
use crate::auth::Caller;
use crate::domain::local_time::{Instant, DEFAULT_ZONE};
use crate::entity::{assignment, audit_event, plan, plan_assignment};
use crate::error::Error;
use crate::error::Validator;
use crate::storage::page::{Page, PageParams};
use crate::storage::Write;

/// Longest horizon of a plan, both ends counted.
pub const MAX_DAYS: i64 = 31;
/// Longest time limit a caller may ask for.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 600.0;

/// Body of `POST /plans`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NewPlan {
    /// First local date (Europe/Rome), `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2027-03-22")]
    pub from: Option<String>,
    /// Last local date, included; at most 31 days counting both.
    #[schema(value_type = String, example = "2027-03-28")]
    pub to: Option<String>,
    /// Seconds the solver may take (default: the service's `--plan-time-limit`).
    pub time_limit_seconds: Option<f64>,
    /// Seed of the search, for reproducible runs (default 1).
    pub seed: Option<i64>,
}

/// Only coordinators and admins plan; other roles never see plans.
pub fn require_staff(caller: &Caller) -> Result<(), Error> {
    if caller.role.is_staff() {
        Ok(())
    } else {
        Err(Error::Forbidden("only coordinators and admins see plans"))
    }
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    new: NewPlan,
    default_time_limit_seconds: f64,
) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let mut v = Validator::new();
    let from = date(&mut v, "from", new.from.as_deref());
    let to = date(&mut v, "to", new.to.as_deref());
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            v.add(
                "to",
                format!("The horizon ends on {to}, before it starts on {from}."),
            );
        } else if (to - from).num_days() >= MAX_DAYS {
            v.add("to", format!("A plan covers at most {MAX_DAYS} days."));
        }
    }
    let limit = new.time_limit_seconds.unwrap_or(default_time_limit_seconds);
    if !(limit.is_finite() && (0.1..=MAX_TIME_LIMIT_SECONDS).contains(&limit)) {
        v.add(
            "time_limit_seconds",
            format!("The time limit is from 0.1 to {MAX_TIME_LIMIT_SECONDS} seconds."),
        );
    }
    if new.seed.is_some_and(|s| s < 0) {
        v.add("seed", "The seed is a whole number from 0.");
    }
    v.finish()?;
    let (from, to) = (from.unwrap_or_default(), to.unwrap_or_default());
    let window = Window::local_dates(from, to, DEFAULT_ZONE);
    let now = Utc::now();
    let w = Write::begin(db).await?;
    let row = plan::ActiveModel {
        from_date: Set(from),
        to_date: Set(to),
        horizon_start: Set(window.start),
        horizon_end: Set(window.end),
        status: Set("queued".into()),
        progress: Set(Some(
            json!({"phase": "queued", "fraction": 0.0, "message": "Waiting for a worker"}),
        )),
        time_limit_ms: Set((limit * 1000.0).round() as i64),
        seed: Set(new.seed.unwrap_or(1)),
        created_by: Set(Some(caller.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let row = plan::Entity::insert(row)
        .exec_with_returning(&w.txn)
        .await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "plan",
        row.id,
        json!({"from": from, "to": to, "time_limit_ms": row.time_limit_ms, "seed": row.seed}),
    )
    .await?;
    w.commit().await?;
    super::worker::wake();
    Ok(PlanView::of(row, None))
}

fn date(v: &mut Validator, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let Some(raw) = value else {
        v.add(field, "This field is required.");
        return None;
    };
    v.check(field, crate::domain::local_time::parse_date(raw))
}

/// A plan as the API shows it. `assignments` only on `GET /plans/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: i64,
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    /// `queued`, `running`, `finished`, `failed`.
    pub status: String,
    /// `{phase, fraction, message}`.
    #[schema(value_type = Object)]
    pub progress: Option<Value>,
    pub time_limit_seconds: f64,
    pub seed: i64,
    pub created_by: Option<i64>,
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<DateTime<Utc>>,
    pub objective: Option<i64>,
    pub upper_bound: Option<i64>,
    /// `(upper_bound − objective) / upper_bound`.
    pub gap: Option<f64>,
    #[schema(value_type = Option<Object>)]
    pub kpis: Option<Value>,
    /// Occurrences left out, each with the solver's reason.
    #[schema(value_type = Option<Vec<Object>>)]
    pub unassigned: Option<Value>,
    /// Live assignments that no longer fit, with the rule they break.
    #[schema(value_type = Option<Vec<Object>>)]
    pub conflicts: Option<Value>,
    pub error: Option<String>,
    #[schema(value_type = Option<String>)]
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<DraftView>>,
    /// Published or accepted assignments the plan would move or give to someone else:
    /// nothing changes for them at publication unless a coordinator consents to each one
    /// (`PATCH …/assignments/{draft_id}` with `confirm_published_change: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposals: Option<Vec<ProposalView>>,
}

/// The plan's proposal for one live assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub draft_id: i64,
    pub assignment_id: i64,
    pub request_id: i64,
    pub occurrence: i32,
    /// As it is now.
    pub mediator_id: i64,
    #[schema(value_type = crate::registry::InstantSchema)]
    pub start: Instant,
    /// As the plan proposes.
    pub proposed_mediator_id: i64,
    #[schema(value_type = crate::registry::InstantSchema)]
    pub proposed_start: Instant,
    /// Why the plan could not keep it: the rule the live assignment breaks now, if one.
    pub reason: Option<String>,
    pub consented: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    pub id: i64,
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    #[schema(value_type = crate::registry::InstantSchema)]
    pub start: Instant,
    #[schema(value_type = crate::registry::InstantSchema)]
    pub end: Instant,
    pub travel_minutes: i32,
    pub locked: bool,
    /// `solver`, `pinned` (a live assignment kept), `manual` (moved by a coordinator) or
    /// `consented` (the solver's change to a live assignment, approved).
    pub origin: String,
    /// The live assignment this draft keeps or replaces.
    pub assignment_id: Option<i64>,
    /// Present when the request is served in one of its fallback modalities (by video
    /// though asked in person, say); absent: in the modality asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<crate::domain::request::Modality>,
}

impl DraftView {
    pub fn of(d: plan_assignment::Model) -> DraftView {
        DraftView {
            id: d.id,
            request_id: d.request_id,
            occurrence: d.occurrence,
            mediator_id: d.mediator_id,
            start: Instant::new(d.start, DEFAULT_ZONE),
            end: Instant::new(d.end, DEFAULT_ZONE),
            travel_minutes: d.travel_minutes,
            locked: d.locked,
            origin: d.origin,
            assignment_id: d.assignment_id,
            modality: d.modality,
        }
    }
}

impl PlanView {
    pub fn of(p: plan::Model, drafts: Option<Vec<plan_assignment::Model>>) -> PlanView {
        PlanView {
            id: p.id,
            from: p.from_date,
            to: p.to_date,
            status: p.status,
            progress: p.progress,
            time_limit_seconds: p.time_limit_ms as f64 / 1000.0,
            seed: p.seed,
            created_by: p.created_by,
            created_at: p.created_at,
            started_at: p.started_at,
            finished_at: p.finished_at,
            objective: p.objective,
            upper_bound: p.upper_bound,
            gap: p.gap,
            kpis: p.kpis,
            unassigned: p.unassigned,
            conflicts: p.conflicts,
            error: p.error,
            published_at: p.published_at,
            published_by: p.published_by,
            assignments: drafts.map(|d| d.into_iter().map(DraftView::of).collect()),
            proposals: None,
        }
    }
}

/// The unassigned entries' `detail` and `alternatives`, stored in both languages, in
/// `lang` (`it` or `en`) only: what a reader of the plan's JSON gets.
pub fn localize(unassigned: &mut Value, lang: &str) {
    let pick = |v: &Value| -> Value {
        crate::notice::Localized::from_json(v)
            .map_or_else(|| v.clone(), |l| Value::String(l.get(lang).to_string()))
    };
    for entry in unassigned.as_array_mut().into_iter().flatten() {
        if let Some(detail) = entry.get("detail").map(pick) {
            entry["detail"] = detail;
        }
        if let Some(list) = entry.get("alternatives").and_then(Value::as_array) {
            entry["alternatives"] = Value::Array(list.iter().map(pick).collect());
        }
    }
}

/// The drafts of a plan that change a live assignment, beside the assignment as it is.
pub async fn proposals<C: ConnectionTrait>(
    db: &C,
    plan: &plan::Model,
    drafts: &[plan_assignment::Model],
) -> Result<Vec<ProposalView>, Error> {
    let ids: Vec<i64> = drafts
        .iter()
        .filter(|d| d.origin != "pinned")
        .filter_map(|d| d.assignment_id)
        .collect();
    let live = crate::assignment::list::by_ids(db, &ids).await?;
    let reason_of = |id: i64| {
        plan.conflicts
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c["assignment_id"].as_i64() == Some(id))
            .and_then(|c| c["message"].as_str())
            .map(str::to_string)
    };
    Ok(drafts
        .iter()
        .filter_map(|d| {
            let a = live.get(&d.assignment_id?)?;
            let changes = a.state.is_live() && (a.mediator_id, a.start) != (d.mediator_id, d.start);
            changes.then(|| ProposalView {
                draft_id: d.id,
                assignment_id: a.id,
                request_id: d.request_id,
                occurrence: d.occurrence,
                mediator_id: a.mediator_id,
                start: Instant::new(a.start, DEFAULT_ZONE),
                proposed_mediator_id: d.mediator_id,
                proposed_start: Instant::new(d.start, DEFAULT_ZONE),
                reason: reason_of(a.id),
                consented: super::publish::consented(d),
            })
        })
        .collect())
}

/// Columns of a listing: everything but the instance text, which can be megabytes.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    params: &PageParams,
) -> Result<Page<PlanView>, Error> {
    require_staff(caller)?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    v.finish()?;
    let mut select = plan::Entity::find()
        .order_by_desc(plan::Column::Id)
        .limit(request.limit + 1);
    if let Some(before) = request.after {
        select = select.filter(plan::Column::Id.lt(before));
    }
    let rows = select.all(db).await?;
    Ok(Page::from_rows(
        rows,
        request,
        |p| p.id,
        |mut p| {
            p.instance = None;
            PlanView::of(p, None)
        },
    ))
}

pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<plan::Model, Error> {
    plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("plan"))
}

pub async fn drafts<C: ConnectionTrait>(
    db: &C,
    plan_id: i64,
) -> Result<Vec<plan_assignment::Model>, Error> {
    Ok(plan_assignment::Entity::find()
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_assignment::Column::Start)
        .order_by_asc(plan_assignment::Column::Id)
        .all(db)
        .await?)
}

/// One draft of a plan, with the live assignment it keeps (if any and if it still exists).
pub async fn draft<C: ConnectionTrait>(
    db: &C,
    plan_id: i64,
    draft_id: i64,
) -> Result<(plan_assignment::Model, Option<assignment::Model>), Error> {
    let draft = plan_assignment::Entity::find_by_id(draft_id)
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("draft"))?;
    let live = match draft.assignment_id {
        Some(id) => assignment::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok((draft, live))
}

/// What the publication of a plan did, as its (latest) audit event recorded it.
pub async fn publication<C: ConnectionTrait>(db: &C, plan_id: i64) -> Result<Option<Value>, Error> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq("plan"))
        .filter(audit_event::Column::EntityId.eq(plan_id.to_string()))
        .filter(audit_event::Column::Action.eq("published"))
        .order_by_desc(audit_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.detail))
}

/// The newest plan whose horizon includes the local `date`, without its instance text: the
/// plan a day's board shows.
pub async fn latest_covering<C: ConnectionTrait>(
    db: &C,
    date: NaiveDate,
) -> Result<Option<plan::Model>, Error> {
    Ok(plan::Entity::find()
        .filter(plan::Column::FromDate.lte(date))
        .filter(plan::Column::ToDate.gte(date))
        .order_by_desc(plan::Column::Id)
        .one(db)
        .await?
        .map(|mut p| {
            p.instance = None;
            p
        }))
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<PlanView, Error> {
    require_staff(caller)?;
    let plan = find(db, id).await?;
    let drafts = drafts(db, id).await?;
    let proposals = proposals(db, &plan, &drafts).await?;
    let mut view = PlanView::of(plan, Some(drafts));
    view.proposals = Some(proposals);
    if let Some(list) = view.unassigned.as_mut() {
        localize(list, crate::notice::compose::language(&caller.locale));
    }
    Ok(view)
}

/// The instance the plan was solved on, as JSON text (for `ponte solve`).
pub async fn instance(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<String, Error> {
    require_staff(caller)?;
    find(db, id)
        .await?
        .instance
        .ok_or_else(|| Error::Conflict("the plan has not been solved yet".into()))
}
