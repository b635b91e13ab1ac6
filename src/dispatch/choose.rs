//! Who gets an urgent occurrence: the solver's insertion into the published plan (the live
//! assignments, pinned), nothing else moved. Pure: a snapshot in, choices or a reason out.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use ponte_solver::insert::Dispatcher;
use ponte_solver::model::{Modality, Reason};
use ponte_solver::problem::{Problem, Request};
use ponte_solver::Plan;

use super::why::{Alternative, Why};
use crate::plan::snapshot::{OccurrenceRef, Snapshot};

/// A mediator and a time for an occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub mediator_id: i64,
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Served in one of the request's fallback modalities; `None`: in its own.
    pub modality: Option<crate::domain::request::Modality>,
}

/// Why an occurrence found no one: the solver's reason, or the snapshot's when the
/// occurrence could not even be put in the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoOne {
    Reason(Reason),
    NotInInstance(String),
}

impl NoOne {
    /// Why, for the coordinators' notice.
    pub fn why(&self) -> Why {
        match self {
            NoOne::Reason(r) => Why::Solver(*r),
            NoOne::NotInInstance(why) => Why::NotInInstance(why.clone()),
        }
    }
}

/// The occurrence's request in the instance, with the mediators of `exclude` (database ids)
/// excluded besides those the request and earlier refusals exclude.
pub fn request_of(
    snapshot: &Snapshot,
    occ: OccurrenceRef,
    exclude: &[i64],
) -> Result<Request, NoOne> {
    let Some(key) = snapshot.request_ids.get(&occ) else {
        let why = snapshot
            .skipped
            .iter()
            .find(|s| s.request_id == occ.request_id && s.occurrence == occ.occurrence)
            .map(|s| s.message.clone())
            .unwrap_or_else(|| "the occurrence is not open for dispatch".into());
        return Err(NoOne::NotInInstance(why));
    };
    let p = &snapshot.problem;
    let index = p
        .request_index(key)
        .ok_or_else(|| NoOne::NotInInstance(format!("{key} missing from the instance")))?;
    let mut req = p.requests[index].clone();
    req.pinned = None;
    for id in exclude {
        if let Some(m) = p.mediator_index(&Snapshot::mediator_key(*id)) {
            if !req.excluded.contains(&m) {
                req.excluded.push(m);
            }
        }
    }
    Ok(req)
}

/// [`best_few`] over every modality `req` accepts (its own, then its fallback modalities,
/// each at the fallback cost): in person when someone can, by video when only that works.
/// `req` is the request of `p` that [`request_of`] gave.
pub fn best_served(p: &Problem, req: &Request, count: usize) -> Result<Vec<Choice>, NoOne> {
    let mut variants = vec![req.clone()];
    for q in p.groups.get(req.group).cloned().unwrap_or_default() {
        let other = &p.requests[q];
        if other.fallback && other.modality != req.modality {
            let mut v = other.clone();
            v.pinned = None;
            v.excluded = req.excluded.clone();
            variants.push(v);
        }
    }
    best_among(p, variants, count)
}

/// Up to `count` distinct mediators for `req`, best first (each rerun of the insertion
/// excludes those already chosen).
pub fn best_few(p: &Problem, req: &Request, count: usize) -> Result<Vec<Choice>, NoOne> {
    best_among(p, vec![req.clone()], count)
}

/// Up to `count` distinct mediators, best first, each for the variant of the request (one
/// per modality it accepts) that gains the most; a mediator chosen is excluded from all.
fn best_among(p: &Problem, mut variants: Vec<Request>, count: usize) -> Result<Vec<Choice>, NoOne> {
    let plan = Plan::pinned_only(p);
    let dispatcher = Dispatcher::new(p, &plan);
    let mut chosen = Vec::new();
    let mut reason: Option<Reason> = None;
    while chosen.len() < count {
        let mut best: Option<(usize, ponte_solver::insert::Placement)> = None;
        for (k, v) in variants.iter().enumerate() {
            match dispatcher.best(v) {
                Ok(found) => {
                    if best.is_none_or(|(_, b)| (found.value, -found.start) > (b.value, -b.start)) {
                        best = Some((k, found));
                    }
                }
                Err(unplaced) => reason = reason.max(Some(unplaced.reason)),
            }
        }
        let Some((k, placement)) = best else {
            if chosen.is_empty() {
                return Err(NoOne::Reason(reason.unwrap_or(Reason::Capacity)));
            }
            break;
        };
        chosen.push(choice(p, &variants[k], placement.mediator, placement.start));
        for v in &mut variants {
            v.excluded.push(placement.mediator);
        }
    }
    Ok(chosen)
}

fn choice(p: &Problem, req: &Request, mediator: usize, start: i64) -> Choice {
    let start = DateTime::from_timestamp(start, 0).unwrap_or_default();
    let m = &p.mediators[mediator];
    Choice {
        mediator_id: m.id.trim_start_matches('M').parse().unwrap_or_default(),
        name: m.name.clone(),
        start,
        end: start + TimeDelta::seconds(req.duration),
        modality: req.fallback.then(|| req.modality.into()),
    }
}

/// The nearest alternatives when no one fits: the other remote modalities, a later start
/// the same day, and (from `next_day`, the snapshot of the following day) the same window a
/// day later; each a [`Alternative`], put in words per reader.
pub fn alternatives(
    snapshot: &Snapshot,
    req: &Request,
    next_day: Option<&Snapshot>,
    zone: Tz,
) -> Vec<Alternative> {
    let p = &snapshot.problem;
    let at = |c: &Choice| {
        crate::domain::local_time::to_local(c.start, zone)
            .format("%H:%M")
            .to_string()
    };
    let day = |c: &Choice| {
        crate::domain::local_time::to_local(c.start, zone)
            .format("%d/%m %H:%M")
            .to_string()
    };
    let mut found_alternatives = Vec::new();
    for modality in [Modality::Phone, Modality::Video] {
        if req.modality == modality {
            continue;
        }
        let mut other = req.clone();
        other.modality = modality;
        other.location = None;
        if let Ok(found) = best_few(p, &other, 1) {
            let (name, at) = (found[0].name.clone(), at(&found[0]));
            found_alternatives.push(match modality {
                Modality::Phone => Alternative::ByPhone { name, at },
                _ => Alternative::ByVideo { name, at },
            });
        }
    }
    // Later the same day: from the end of the window to the last start that ends by the
    // end of the last shift of the day.
    let day_end = p.shifts.iter().map(|s| s.end).max().unwrap_or(req.latest);
    if day_end - req.duration > req.latest {
        let mut later = req.clone();
        later.earliest = req.latest + 1;
        later.latest = day_end - req.duration;
        if let Ok(found) = best_few(p, &later, 1) {
            found_alternatives.push(Alternative::LaterToday {
                name: found[0].name.clone(),
                at: at(&found[0]),
            });
        }
    }
    if let Some(next) = next_day {
        if let Some(moved) = moved_to(p, &next.problem, req, 24 * 3600) {
            if let Ok(found) = best_few(&next.problem, &moved, 1) {
                found_alternatives.push(Alternative::NextDay {
                    name: found[0].name.clone(),
                    at: day(&found[0]),
                });
            }
        }
    }
    found_alternatives
}

/// `req` a day later, in the terms of another instance (its locations and mediators may be
/// numbered differently).
fn moved_to(from: &Problem, to: &Problem, req: &Request, secs: i64) -> Option<Request> {
    let mut moved = req.clone();
    moved.earliest += secs;
    moved.latest += secs;
    moved.pinned = None;
    moved.location = match req.location {
        Some(l) => Some(
            to.locations
                .iter()
                .position(|x| x.id == from.locations[l].id)?,
        ),
        None => None,
    };
    let remap = |ms: &[usize]| -> Vec<usize> {
        ms.iter()
            .filter_map(|&m| to.mediator_index(&from.mediators[m].id))
            .collect()
    };
    moved.excluded = remap(&req.excluded);
    moved.preferred = remap(&req.preferred);
    Some(moved)
}
