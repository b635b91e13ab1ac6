//! Insertion into a plan whose appointments do not move: the greedy baseline builds plans
//! this way, and urgent requests enter a published plan this way (people already hold their
//! appointments, so nothing planned may shift).
//!
//! A shift is a timeline of fixed appointments. Within one gap of the timeline the earliest
//! start is the best choice (a later start only tightens what follows), and the travel the
//! new appointment adds depends on the gap alone, so each gap is tried once.
use crate::model::Reason;
use crate::plan::Plan;
use crate::problem::{Loc, Problem, Request, Time};

/// A fixed appointment: what the timeline needs to know of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appt {
    pub start: Time,
    pub end: Time,
    pub location: Option<Loc>,
}

/// A feasible place for a new appointment in a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    /// Index in the timeline before which it goes.
    pub pos: usize,
    pub start: Time,
    pub added_travel: i64,
}

/// The fixed appointments of each shift, in order of start.
#[derive(Debug, Clone)]
pub struct Timelines {
    pub shifts: Vec<Vec<Appt>>,
    /// Seconds of appointments per mediator.
    pub work: Vec<Time>,
}

impl Timelines {
    pub fn from_plan(p: &Problem, plan: &Plan) -> Timelines {
        let mut shifts = vec![Vec::new(); p.shifts.len()];
        let mut work = vec![0; p.mediators.len()];
        for (r, slot) in plan.assigned() {
            let req = &p.requests[r];
            shifts[slot.shift].push(Appt {
                start: slot.start,
                end: slot.start + req.duration,
                location: req.location,
            });
            work[p.shifts[slot.shift].mediator] += req.duration;
        }
        for t in &mut shifts {
            t.sort_by_key(|a| a.start);
        }
        Timelines { shifts, work }
    }

    pub fn add(&mut self, p: &Problem, shift: usize, fit: &Fit, req: &Request) {
        self.shifts[shift].insert(
            fit.pos,
            Appt {
                start: fit.start,
                end: fit.start + req.duration,
                location: req.location,
            },
        );
        self.work[p.shifts[shift].mediator] += req.duration;
    }

    /// Every gap of shift `s` where `req` fits with its start in `[lo, hi]`, earliest first.
    pub fn fits(&self, p: &Problem, s: usize, req: &Request, lo: Time, hi: Time) -> Vec<Fit> {
        let m = p.shifts[s].mediator;
        if p.mediators[m]
            .max_work
            .is_some_and(|w| self.work[m] + req.duration > w)
        {
            return Vec::new();
        }
        let sh = &p.shifts[s];
        let line = &self.shifts[s];
        let base = travel_of(p, s, line);
        let mut out = Vec::new();
        let (mut end, mut place) = (sh.start, sh.home);
        for pos in 0..=line.len() {
            if pos > 0 {
                end = line[pos - 1].end;
                if let Some(l) = line[pos - 1].location {
                    place = l;
                }
            }
            let leg = req.location.map_or(0, |l| p.travel_secs(place, l));
            let start = lo.max(end + leg);
            if start > hi {
                break;
            }
            let new = Appt {
                start,
                end: start + req.duration,
                location: req.location,
            };
            if line.get(pos).is_some_and(|next| next.start < new.end) {
                continue;
            }
            let mut with = Vec::with_capacity(line.len() + 1);
            with.extend_from_slice(&line[..pos]);
            with.push(new);
            with.extend_from_slice(&line[pos..]);
            if feasible(p, s, &with) {
                out.push(Fit {
                    pos,
                    start,
                    added_travel: travel_of(p, s, &with) - base,
                });
            }
        }
        out
    }
}

/// Rule 4 (inside the shift) and rule 5 for fixed appointments in order of start.
fn feasible(p: &Problem, s: usize, line: &[Appt]) -> bool {
    let sh = &p.shifts[s];
    let (mut time, mut place, mut in_person) = (sh.start, sh.home, false);
    for a in line {
        let leg = a.location.map_or(0, |l| p.travel_secs(place, l));
        if time + leg > a.start || a.end > sh.end {
            return false;
        }
        if let Some(l) = a.location {
            place = l;
            in_person = true;
        }
        time = a.end;
    }
    !in_person
        || sh
            .next_start
            .is_none_or(|next| time + p.travel_secs(place, sh.home) <= next)
}

/// Travel minutes of a shift, way home included.
fn travel_of(p: &Problem, s: usize, line: &[Appt]) -> i64 {
    let home = p.shifts[s].home;
    let mut place = home;
    let mut travel = 0;
    for l in line.iter().filter_map(|a| a.location) {
        travel += p.travel_minutes(place, l);
        place = l;
    }
    if line.iter().any(|a| a.location.is_some()) {
        travel += p.travel_minutes(place, home);
    }
    travel
}

/// Where an urgent request went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub mediator: usize,
    pub shift: usize,
    pub start: Time,
    pub added_travel_minutes: i64,
    /// Objective gained: weight and preferred bonus less the added travel.
    pub value: i64,
}

/// Why an urgent request could not be placed: the spec's reason (`capacity` when some shift
/// could serve it alone but every such shift is busy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    pub reason: Reason,
}

/// Urgent insertion into a published plan: built once from the plan, then each new request
/// is placed at the cheapest feasible position without moving anything.
#[derive(Debug, Clone)]
pub struct Dispatcher<'p> {
    p: &'p Problem,
    pub timelines: Timelines,
}

impl<'p> Dispatcher<'p> {
    pub fn new(p: &'p Problem, plan: &Plan) -> Dispatcher<'p> {
        Dispatcher {
            p,
            timelines: Timelines::from_plan(p, plan),
        }
    }

    /// The best placement: most value gained, then earliest start, then first mediator.
    pub fn best(&self, req: &Request) -> Result<Placement, Unplaced> {
        let p = self.p;
        let (candidates, reason) = p.eligibility_of(req);
        if let Some(reason) = reason {
            return Err(Unplaced { reason });
        }
        let cost = p.objective.travel_minute_cost;
        let mut best: Option<Placement> = None;
        for c in &candidates {
            for fit in self.timelines.fits(p, c.shift, req, c.earliest, c.latest) {
                let value = c.value - cost * fit.added_travel;
                let better = best.is_none_or(|b| (value, -fit.start) > (b.value, -b.start));
                if better {
                    best = Some(Placement {
                        mediator: p.shifts[c.shift].mediator,
                        shift: c.shift,
                        start: fit.start,
                        added_travel_minutes: fit.added_travel,
                        value,
                    });
                }
            }
        }
        best.ok_or(Unplaced {
            reason: Reason::Capacity,
        })
    }

    /// Places `req` at its best position and records it, so later requests see it.
    pub fn dispatch(&mut self, req: &Request) -> Result<Placement, Unplaced> {
        let placement = self.best(req)?;
        let line = &self.timelines.shifts[placement.shift];
        let pos = line.partition_point(|a| a.start < placement.start);
        let fit = Fit {
            pos,
            start: placement.start,
            added_travel: placement.added_travel_minutes,
        };
        self.timelines.add(self.p, placement.shift, &fit, req);
        Ok(placement)
    }
}
