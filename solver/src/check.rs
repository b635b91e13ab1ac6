//! The referee: every rule of the spec checked on a plan given as assignments, and the
//! plan's metrics. Written apart from the optimiser on purpose (it shares no code with
//! `route`), so that it can catch the optimiser's mistakes.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::InputError;
use crate::model::{Solution, Urgency};
use crate::plan::Plan;
use crate::problem::{speaks, Problem, Time};

/// One broken rule: its number in the spec, the request and mediator involved, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: u8,
    pub request: Option<String>,
    pub mediator: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {}", self.rule)?;
        if let Some(r) = &self.request {
            write!(f, ": request {r}")?;
        }
        if let Some(m) = &self.mediator {
            write!(f, ", mediator {m}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub feasible: bool,
    pub assigned: usize,
    pub requests: usize,
    pub assigned_by_urgency: BTreeMap<String, usize>,
    pub requests_by_urgency: BTreeMap<String, usize>,
    pub served_weight: i64,
    pub total_weight: i64,
    /// Served urgency weight over total urgency weight.
    pub weighted_coverage: f64,
    pub preferred_bonus: i64,
    /// Requests served in one of their `fallback_modalities` (Ponte's extension).
    pub fallbacks: usize,
    pub travel_minutes: i64,
    pub objective: i64,
    /// Weight of the requests some mediator could serve alone: the spec's simplest bound.
    pub coverable_weight: i64,
    pub coverable_coverage: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub violations: Vec<Violation>,
    pub metrics: Metrics,
}

/// Resolves a solution's ids and checks it. Unknown ids are malformed input, not violations.
pub fn check_solution(p: &Problem, s: &Solution) -> Result<Report, Vec<InputError>> {
    let mut errors = Vec::new();
    if s.format != crate::model::FORMAT {
        errors.push(InputError::new(
            "format",
            format!(
                "expected \"{}\", found \"{}\"",
                crate::model::FORMAT,
                s.format
            ),
        ));
    }
    let mut list = Vec::with_capacity(s.assignments.len());
    let mut refused = Vec::new();
    for (i, a) in s.assignments.iter().enumerate() {
        let r = p.request_index(&a.request);
        // Served in a modality the request does not accept (Ponte's `fallback_modalities`):
        // checked here, as the assignment names no request of the problem.
        let r = match r.map(|r| (r, p.variant_index(&a.request, a.modality))) {
            Some((_, Some(v))) => Some(v),
            Some((r, None)) => {
                refused.push(Violation {
                    rule: 3,
                    request: Some(a.request.clone()),
                    mediator: Some(a.mediator.clone()),
                    message: format!(
                        "served {} but the request accepts {}",
                        a.modality.map_or(p.requests[r].modality, |m| m).as_str(),
                        p.siblings(r)
                            .map(|q| p.requests[q].modality.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            }
            None => None,
        };
        let m = p.mediator_index(&a.mediator);
        if r.is_none() {
            errors.push(InputError::new(
                format!("assignments[{i}].request"),
                format!("unknown request id \"{}\"", a.request),
            ));
        }
        if m.is_none() {
            errors.push(InputError::new(
                format!("assignments[{i}].mediator"),
                format!("unknown mediator id \"{}\"", a.mediator),
            ));
        }
        if let (Some(r), Some(m)) = (r, m) {
            list.push((r, m, a.start.timestamp()));
        }
    }
    for (i, u) in s.unassigned.iter().enumerate() {
        if p.request_index(&u.request).is_none() {
            errors.push(InputError::new(
                format!("unassigned[{i}].request"),
                format!("unknown request id \"{}\"", u.request),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut report = check_assignments(p, &list);
    report.violations.extend(refused);
    let assigned: std::collections::HashSet<&str> =
        s.assignments.iter().map(|a| a.request.as_str()).collect();
    for u in &s.unassigned {
        if assigned.contains(u.request.as_str()) {
            report.violations.push(Violation {
                rule: 1,
                request: Some(u.request.clone()),
                mediator: None,
                message: "listed as unassigned but also assigned".into(),
            });
        }
    }
    report.metrics.feasible = report.violations.is_empty();
    Ok(report)
}

/// A plan of the optimiser, checked the same way.
pub fn check_plan(p: &Problem, plan: &Plan) -> Report {
    let list: Vec<(usize, usize, Time)> = plan
        .assigned()
        .map(|(r, slot)| (r, p.shifts[slot.shift].mediator, slot.start))
        .collect();
    check_assignments(p, &list)
}

/// Checks assignments given as (request, mediator, start) indices.
pub fn check_assignments(p: &Problem, list: &[(usize, usize, Time)]) -> Report {
    let mut v = Vec::new();
    let rid = |r: usize| Some(p.requests[r].id.clone());
    let mid = |m: usize| Some(p.mediators[m].id.clone());
    // Per request of the instance (a group of requests here, one per modality it accepts).
    let mut seen = vec![false; p.groups.len()];
    // Per shift of each mediator, the appointments in it: (start, request).
    let mut per_shift: BTreeMap<usize, Vec<(Time, usize)>> = BTreeMap::new();
    let mut work = vec![0 as Time; p.mediators.len()];
    let mut counted: Vec<(usize, usize, Time)> = Vec::new();

    for &(r, m, start) in list {
        let (req, med) = (&p.requests[r], &p.mediators[m]);
        if std::mem::replace(&mut seen[req.group], true) {
            v.push(Violation {
                rule: 1,
                request: rid(r),
                mediator: mid(m),
                message: "request assigned more than once".into(),
            });
            continue;
        }
        counted.push((r, m, start));
        if let Some(pin) = req.pinned {
            if pin.mediator != m || pin.start != start {
                v.push(Violation {
                    rule: 1,
                    request: rid(r),
                    mediator: mid(m),
                    message: format!(
                        "pinned to mediator {} at {}, not kept as pinned",
                        p.mediators[pin.mediator].id,
                        crate::plan::instant(pin.start, req.offset).to_rfc3339()
                    ),
                });
            }
        }
        if !speaks(&med.languages, &req.language) {
            v.push(Violation {
                rule: 2,
                request: rid(r),
                mediator: mid(m),
                message: format!("mediator does not speak \"{}\"", req.language),
            });
        }
        for tag in &req.required_tags {
            if !med.tags.contains(tag) {
                v.push(Violation {
                    rule: 3,
                    request: rid(r),
                    mediator: mid(m),
                    message: format!("mediator lacks required tag \"{tag}\""),
                });
            }
        }
        if med.modalities & req.modality.bit() == 0 {
            v.push(Violation {
                rule: 3,
                request: rid(r),
                mediator: mid(m),
                message: format!("mediator does not offer {:?}", req.modality),
            });
        }
        if req.excluded.contains(&m) {
            v.push(Violation {
                rule: 3,
                request: rid(r),
                mediator: mid(m),
                message: "mediator is excluded by the request".into(),
            });
        }
        if start < req.earliest || start > req.latest {
            v.push(Violation {
                rule: 4,
                request: rid(r),
                mediator: mid(m),
                message: "start outside [earliest_start, latest_start]".into(),
            });
        }
        let end = start + req.duration;
        match med
            .shifts
            .clone()
            .find(|&s| p.shifts[s].start <= start && end <= p.shifts[s].end)
        {
            Some(s) => per_shift.entry(s).or_default().push((start, r)),
            None => v.push(Violation {
                rule: 4,
                request: rid(r),
                mediator: mid(m),
                message: "appointment does not lie inside one shift of the mediator".into(),
            }),
        }
        work[m] += req.duration;
    }

    for (r, req) in p.requests.iter().enumerate() {
        if let (Some(pin), false) = (req.pinned, seen[req.group]) {
            v.push(Violation {
                rule: 1,
                request: rid(r),
                mediator: mid(pin.mediator),
                message: "pinned request is not assigned".into(),
            });
        }
    }

    // Rule 5 and travel, shift by shift.
    let mut travel = 0;
    for (&s, list) in per_shift.iter_mut() {
        list.sort();
        let sh = &p.shifts[s];
        let m = sh.mediator;
        let (mut time, mut place, mut any_in_person) = (sh.start, sh.home, false);
        for &(start, r) in list.iter() {
            let req = &p.requests[r];
            let leg = req.location.map_or(0, |loc| p.travel_minutes(place, loc));
            if time + leg * 60 > start {
                let what = if time > start {
                    "overlaps the previous appointment".to_string()
                } else {
                    format!(
                        "cannot arrive in time: {leg} min of travel from {}",
                        p.locations[place].id
                    )
                };
                v.push(Violation {
                    rule: 5,
                    request: rid(r),
                    mediator: mid(m),
                    message: what,
                });
            }
            if let Some(loc) = req.location {
                travel += leg;
                place = loc;
                any_in_person = true;
            }
            time = time.max(start + req.duration);
        }
        if any_in_person {
            let home = p.travel_minutes(place, sh.home);
            travel += home;
            if let Some(next) = sh.next_start {
                if time + home * 60 > next {
                    let last = list.last().map(|&(_, r)| r);
                    v.push(Violation {
                        rule: 5,
                        request: last.and_then(rid),
                        mediator: mid(m),
                        message: format!(
                            "the way home ({home} min) does not fit before the next shift"
                        ),
                    });
                }
            }
        }
    }

    // Rule 6.
    for (m, med) in p.mediators.iter().enumerate() {
        if let Some(max) = med.max_work {
            if work[m] > max {
                v.push(Violation {
                    rule: 6,
                    request: None,
                    mediator: mid(m),
                    message: format!(
                        "{} min of appointments, above max_work_minutes {}",
                        work[m] / 60,
                        max / 60
                    ),
                });
            }
        }
    }

    let metrics = metrics(p, &counted, travel, v.is_empty());
    Report {
        violations: v,
        metrics,
    }
}

fn metrics(p: &Problem, list: &[(usize, usize, Time)], travel: i64, feasible: bool) -> Metrics {
    let mut assigned_by_urgency = BTreeMap::new();
    let mut requests_by_urgency = BTreeMap::new();
    for u in Urgency::ALL {
        assigned_by_urgency.insert(u.as_str().to_string(), 0);
        requests_by_urgency.insert(u.as_str().to_string(), 0);
    }
    for g in &p.groups {
        *requests_by_urgency
            .entry(p.requests[g.start].urgency.as_str().into())
            .or_default() += 1;
    }
    let (mut served, mut bonus, mut fallbacks) = (0, 0, 0);
    for &(r, m, _) in list {
        let req = &p.requests[r];
        fallbacks += usize::from(req.fallback);
        *assigned_by_urgency
            .entry(req.urgency.as_str().into())
            .or_default() += 1;
        served += req.weight;
        if req.preferred.contains(&m) {
            bonus += p.objective.preferred_mediator_bonus;
        }
    }
    let total = p.total_weight();
    let coverable = p.coverable_weight();
    let ratio = |a: i64| {
        if total > 0 {
            a as f64 / total as f64
        } else {
            1.0
        }
    };
    Metrics {
        feasible,
        assigned: list.len(),
        requests: p.groups.len(),
        assigned_by_urgency,
        requests_by_urgency,
        served_weight: served,
        total_weight: total,
        weighted_coverage: ratio(served),
        preferred_bonus: bonus,
        travel_minutes: travel,
        objective: served + bonus
            - p.objective.fallback_cost * fallbacks as i64
            - p.objective.travel_minute_cost * travel,
        fallbacks,
        coverable_weight: coverable,
        coverable_coverage: ratio(coverable),
    }
}
