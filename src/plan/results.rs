//! A solver outcome as the rows and figures a plan stores: drafts with their travel,
//! unassigned occurrences with reasons, KPIs and conflicts.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use ponte_solver::check::check_plan;
use ponte_solver::model::Pin;
use ponte_solver::problem::Problem;
use ponte_solver::solve::Outcome;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{json, Value};

use super::snapshot::{self, OccurrenceRef, Snapshot};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::entity::plan_assignment;

/// A draft before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub travel_minutes: i32,
    pub locked: bool,
    pub origin: String,
    pub assignment_id: Option<i64>,
    /// Served in one of the request's fallback modalities.
    pub modality: Option<crate::domain::request::Modality>,
}

pub struct Stored {
    pub drafts: Vec<Draft>,
    pub unassigned: Value,
    pub kpis: Value,
    pub conflicts: Value,
    pub instance: String,
}

/// The locked drafts of a plan: kept as pins when it runs again.
pub async fn locked_drafts<C: ConnectionTrait>(
    db: &C,
    plan_id: i64,
) -> Result<Vec<plan_assignment::Model>, DbErr> {
    plan_assignment::Entity::find()
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .filter(plan_assignment::Column::Locked.eq(true))
        .order_by_asc(plan_assignment::Column::Id)
        .all(db)
        .await
}

/// Pins the locked drafts (over a live assignment's pin of the same occurrence: the
/// coordinator's lock is the newer decision). Locks that no longer fit the data (an absence
/// added since) are dropped together, with a note, rather than failing the plan.
pub fn pin_locked(snap: &mut Snapshot, locked: &[plan_assignment::Model]) -> anyhow::Result<()> {
    if locked.is_empty() {
        return Ok(());
    }
    let mut instance = snap.instance.clone();
    for d in locked {
        let occ = OccurrenceRef {
            request_id: d.request_id,
            occurrence: d.occurrence,
        };
        let Some(key) = snap.request_ids.get(&occ) else {
            continue;
        };
        if let Some(r) = instance.requests.iter_mut().find(|r| &r.id == key) {
            r.pinned = Some(Pin {
                mediator: Snapshot::mediator_key(d.mediator_id),
                start: snapshot::local(d.start, DEFAULT_ZONE),
                modality: d.modality.map(Into::into),
            });
        }
    }
    match Problem::new(instance.clone()) {
        Ok(problem) => {
            snap.instance = instance;
            snap.problem = problem;
        }
        Err(errors) => snap.notes.push(format!(
            "The locked assignments no longer fit together and were not kept: {}",
            errors
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
    Ok(())
}

/// The occurrences a coordinator took out of the plan (`unassigned_by_coordinator` in its
/// unassigned list): a rerun leaves them out of the instance, so that they stay unfilled
/// (a live one's mediator keeps their time free, as publication will cancel it), and
/// keeps their entries. Returns the entries to keep.
pub fn keep_unassigned(snap: &mut Snapshot, plan_unassigned: Option<&Value>) -> Vec<Value> {
    let kept: Vec<Value> = plan_unassigned
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u["reason"] == super::edit::UNASSIGNED_BY_COORDINATOR)
        .cloned()
        .collect();
    let keys: std::collections::HashSet<&String> = kept
        .iter()
        .filter_map(|u| {
            let occ = OccurrenceRef {
                request_id: u["request_id"].as_i64()?,
                occurrence: i32::try_from(u["occurrence"].as_i64()?).ok()?,
            };
            snap.request_ids.get(&occ)
        })
        .collect();
    if keys.is_empty() {
        return kept;
    }
    let mut instance = snap.instance.clone();
    instance.requests.retain(|r| !keys.contains(&r.id));
    match Problem::new(instance.clone()) {
        Ok(problem) => {
            snap.instance = instance;
            snap.problem = problem;
        }
        Err(errors) => snap.notes.push(format!(
            "The occurrences taken out of the plan could not be left out: {}",
            errors
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
    kept
}

impl Stored {
    pub fn of(
        snap: &Snapshot,
        problem: &Problem,
        outcome: &Outcome,
        locked: &[plan_assignment::Model],
    ) -> Stored {
        let locked: HashMap<OccurrenceRef, &plan_assignment::Model> = locked
            .iter()
            .map(|d| {
                (
                    OccurrenceRef {
                        request_id: d.request_id,
                        occurrence: d.occurrence,
                    },
                    d,
                )
            })
            .collect();
        // A live assignment the snapshot could not keep is still the one a new draft of its
        // occurrence replaces at publication.
        let mut live: HashMap<OccurrenceRef, i64> = snap
            .conflicts
            .iter()
            .map(|c| {
                (
                    OccurrenceRef {
                        request_id: c.request_id,
                        occurrence: c.occurrence,
                    },
                    c.assignment_id,
                )
            })
            .collect();
        for (key, id) in &snap.pins {
            if let Some(occ) = snap.occurrence(key) {
                live.insert(occ, *id);
            }
        }

        let legs = travel_legs(problem, outcome);
        let mut drafts = Vec::new();
        let mut workload: BTreeMap<i64, (usize, i64)> = BTreeMap::new();
        for (r, slot) in outcome.plan.assigned() {
            let req = &problem.requests[r];
            let Some(occ) = snap.occurrence(&req.id) else {
                continue;
            };
            let mediator_key = &problem.mediators[problem.shifts[slot.shift].mediator].id;
            let Some(mediator_id) = snap.mediator_id(mediator_key) else {
                continue;
            };
            let start = DateTime::from_timestamp(slot.start, 0).unwrap_or_default();
            let lock = locked.get(&occ);
            let origin = match lock {
                Some(d) => d.origin.clone(),
                None if snap.pins.contains_key(&req.id) => "pinned".to_string(),
                None => "solver".to_string(),
            };
            let w = workload.entry(mediator_id).or_default();
            w.0 += 1;
            w.1 += req.duration / 60;
            drafts.push(Draft {
                request_id: occ.request_id,
                occurrence: occ.occurrence,
                mediator_id,
                start,
                end: start + TimeDelta::seconds(req.duration),
                travel_minutes: legs.get(&r).copied().unwrap_or(0) as i32,
                locked: lock.is_some(),
                origin,
                assignment_id: live.get(&occ).copied(),
                modality: req.fallback.then(|| req.modality.into()),
            });
        }
        drafts.sort_by_key(|d| (d.start, d.request_id, d.occurrence));

        let solution = outcome.plan.to_solution(problem, Default::default());
        let zone = crate::domain::local_time::parse_zone(&snap.instance.timezone)
            .unwrap_or(crate::domain::local_time::DEFAULT_ZONE);
        let mut unassigned: Vec<Value> = solution
            .unassigned
            .iter()
            .filter_map(|u| {
                let occ = snap.occurrence(&u.request)?;
                let index = problem.request_index(&u.request)?;
                let req = problem.requests.get(index)?;
                // Both languages are kept; a reader gets theirs (`localize`).
                let (detail, cause, alternatives) =
                    super::why::explain(problem, &outcome.plan, index, u.reason, zone);
                Some(json!({
                    "request_id": occ.request_id,
                    "occurrence": occ.occurrence,
                    "key": u.request,
                    "reason": u.reason.as_str(),
                    "urgency": req.urgency.as_str(),
                    "language": req.language,
                    "earliest_start": DateTime::from_timestamp(req.earliest, 0),
                    "detail": {"it": detail.it, "en": detail.en},
                    // For `capacity`: what binds it (busy, workload, cost, elsewhere).
                    "cause": cause.map(super::why::Cause::as_str),
                    "alternatives": alternatives
                        .iter()
                        .map(|(a, apply)| {
                            let apply = match apply {
                                super::why::Apply::Modality(m) => json!({"modality": m}),
                                super::why::Apply::Start(t) => json!({"start": t}),
                            };
                            json!({"it": a.it, "en": a.en, "apply": apply})
                        })
                        .collect::<Vec<_>>(),
                }))
            })
            .collect();
        unassigned.extend(snap.skipped.iter().map(|s| {
            json!({
                "request_id": s.request_id,
                "occurrence": s.occurrence,
                "reason": "not_plannable",
                "detail": s.message,
                "alternatives": [],
            })
        }));

        let report = check_plan(problem, &outcome.plan);
        let mut by_language: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for group in &problem.groups {
            let req = &problem.requests[group.start];
            let e = by_language.entry(req.language.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(group.clone().any(|r| outcome.plan.slots[r].is_some()));
        }
        let coverage = |requests: usize, assigned: usize| {
            let share = if requests == 0 {
                1.0
            } else {
                assigned as f64 / requests as f64
            };
            json!({"requests": requests, "assigned": assigned, "coverage": share})
        };
        let by_urgency: BTreeMap<&String, Value> = report
            .metrics
            .requests_by_urgency
            .iter()
            .map(|(u, n)| {
                let assigned = report
                    .metrics
                    .assigned_by_urgency
                    .get(u)
                    .copied()
                    .unwrap_or(0);
                (u, coverage(*n, assigned))
            })
            .collect();
        let kpis = json!({
            "requests": problem.groups.len(),
            "assigned": report.metrics.assigned,
            // Served by phone or video though asked in person (or the other way round):
            // how many, and what it cost in the plan's points.
            "fallbacks": {
                "count": report.metrics.fallbacks,
                "cost": report.metrics.fallbacks as i64 * problem.objective.fallback_cost,
            },
            "coverage_by_urgency": by_urgency,
            "coverage_by_language": by_language
                .iter()
                .map(|(l, (n, a))| (l.clone(), coverage(*n, *a)))
                .collect::<BTreeMap<_, _>>(),
            "weighted_coverage": report.metrics.weighted_coverage,
            "travel_minutes": report.metrics.travel_minutes,
            "workload": workload
                .iter()
                .map(|(m, (n, minutes))| json!({"mediator_id": m, "appointments": n, "minutes": minutes}))
                .collect::<Vec<_>>(),
            "hours_per_mediator": hours_per_mediator(snap, problem, &workload),
            "feasible": report.violations.is_empty(),
            "notes": snap.notes,
            "solver": Value::Object(outcome.stats.clone()),
        });
        Stored {
            drafts,
            unassigned: Value::Array(unassigned),
            kpis,
            conflicts: serde_json::to_value(&snap.conflicts).unwrap_or(Value::Null),
            instance: serde_json::to_string(&snap.instance).unwrap_or_default(),
        }
    }
}

/// How evenly the plan spreads the work over the mediators available in its window (at
/// least one shift), idle ones included: [`crate::domain::fairness::spread`].
fn hours_per_mediator(
    snap: &Snapshot,
    problem: &Problem,
    workload: &BTreeMap<i64, (usize, i64)>,
) -> Value {
    let hours: Vec<f64> = problem
        .mediators
        .iter()
        .filter(|m| !m.shifts.is_empty())
        .filter_map(|m| snap.mediator_id(&m.id))
        .map(|id| workload.get(&id).map_or(0, |w| w.1) as f64 / 60.0)
        .collect();
    serde_json::to_value(crate::domain::fairness::spread(&hours)).unwrap_or(Value::Null)
}

/// Minutes travelled to reach each in-person appointment, from home or the previous one.
fn travel_legs(p: &Problem, outcome: &Outcome) -> HashMap<usize, i64> {
    let mut per_shift: BTreeMap<usize, Vec<(i64, usize)>> = BTreeMap::new();
    for (r, slot) in outcome.plan.assigned() {
        per_shift
            .entry(slot.shift)
            .or_default()
            .push((slot.start, r));
    }
    let mut legs = HashMap::new();
    for (s, mut list) in per_shift {
        list.sort_unstable();
        let mut place = p.shifts[s].home;
        for (_, r) in list {
            if let Some(loc) = p.requests[r].location {
                legs.insert(r, p.travel_minutes(place, loc));
                place = loc;
            }
        }
    }
    legs
}

/// Replaces a plan's drafts with `drafts`, in the caller's transaction.
pub async fn replace_drafts<C: ConnectionTrait>(
    txn: &C,
    plan_id: i64,
    drafts: &[Draft],
) -> Result<(), DbErr> {
    plan_assignment::Entity::delete_many()
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .exec(txn)
        .await?;
    for chunk in drafts.chunks(500) {
        let rows = chunk.iter().map(|d| plan_assignment::ActiveModel {
            plan_id: Set(plan_id),
            request_id: Set(d.request_id),
            occurrence: Set(d.occurrence),
            mediator_id: Set(d.mediator_id),
            start: Set(d.start),
            end: Set(d.end),
            travel_minutes: Set(d.travel_minutes),
            locked: Set(d.locked),
            origin: Set(d.origin.clone()),
            assignment_id: Set(d.assignment_id),
            modality: Set(d.modality),
            ..Default::default()
        });
        plan_assignment::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
