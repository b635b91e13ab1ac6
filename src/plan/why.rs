//! Why a plan left an occurrence unfilled, in numbers and names a coordinator can act on,
//! and the nearest alternatives in the plan as it stands. The spec's reason code stays as
//! the solver gave it; this is its `detail`. Pure: the problem and the plan in, words out.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ponte_solver::insert::Dispatcher;
use ponte_solver::model::{Modality, Reason};
use ponte_solver::problem::Problem;
use ponte_solver::Plan;

use crate::dispatch::why::{Alternative, Why};
use crate::notice::Localized;

/// Who could have served it, at most this many named.
const NAMED: usize = 3;

/// What applying an alternative changes in the occurrence: its modality (a remote one),
/// or its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apply {
    Modality(&'static str),
    Start(DateTime<Utc>),
}

/// What binds a `capacity` occurrence, as the coordinator should read it: every mediator
/// who could serve it is taken at that time (`Busy`), has the week's minutes planned
/// (`Workload`), or is free but too far for what the meeting is worth (`Cost`); `Elsewhere`
/// when they are free and near but the plan uses them better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Busy,
    Workload,
    Cost,
    Elsewhere,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Busy => "busy",
            Cause::Workload => "workload",
            Cause::Cost => "cost",
            Cause::Elsewhere => "elsewhere",
        }
    }
}

/// The detail, the binding cause of a `capacity` (`None` for the spec's other reasons) and
/// the alternatives of unfilled request `r`, each alternative with what applying it
/// changes.
pub fn explain(
    p: &Problem,
    plan: &Plan,
    r: usize,
    reason: Reason,
    zone: Tz,
) -> (Localized, Option<Cause>, Vec<(Localized, Apply)>) {
    let (detail, cause) = match reason {
        Reason::Capacity => capacity(p, plan, r, zone),
        _ => (Why::Solver(reason).words(), None),
    };
    let alternatives = alternatives(p, plan, r, zone)
        .into_iter()
        .map(|(a, apply)| (a.words(), apply))
        .collect();
    (detail, cause, alternatives)
}

fn hm(t: i64, zone: Tz) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
        .format("%H:%M")
        .to_string()
}

/// "Capacity" says some mediator could serve it alone. Which ones, and what keeps each:
/// another appointment of the plan at that time, the week's hours used up, or travel
/// that costs more than the request is worth.
fn capacity(p: &Problem, plan: &Plan, r: usize, zone: Tz) -> (Localized, Option<Cause>) {
    let req = &p.requests[r];
    let mut causes = Vec::new();
    let mut seen = Vec::new();
    let mut it = Vec::new();
    let mut en = Vec::new();
    for c in &p.candidates[r] {
        let m = p.shifts[c.shift].mediator;
        if seen.contains(&m) || seen.len() >= NAMED {
            continue;
        }
        seen.push(m);
        let name = &p.mediators[m].name;
        let (from, to) = (c.earliest, c.latest + req.duration);
        let busy = plan
            .assigned()
            .filter(|(o, s)| s.shift == c.shift && *o != r)
            .find(|(o, s)| s.start < to && s.start + p.requests[*o].duration > from);
        let used: i64 = plan
            .assigned()
            .filter(|(_, s)| p.shifts[s.shift].mediator == m)
            .map(|(o, _)| p.requests[o].duration)
            .sum();
        if let Some((o, s)) = busy {
            let other = short_id(&p.requests[o].id);
            let at = hm(s.start, zone);
            it.push(format!("{name} ha già {other} alle {at}"));
            en.push(format!("{name} has {other} at {at}"));
            causes.push(Cause::Busy);
        } else if let Some(max) = p.mediators[m]
            .max_work
            .filter(|max| used + req.duration > *max)
        {
            let (used, max) = (used / 60, max / 60);
            it.push(format!(
                "{name} parla la lingua, ma {used} dei {max} minuti ancora liberi nella sua settimana sono già pianificati"
            ));
            en.push(format!(
                "{name} speaks it, but {used} of the {max} minutes left in their week are already planned"
            ));
            causes.push(Cause::Workload);
        } else {
            // Alone in a shift, the way there and the way home are the travel it costs.
            let home = p.shifts[c.shift].home;
            let travel = req
                .location
                .map_or(0, |l| p.travel_minutes(home, l) + p.travel_minutes(l, home));
            let cost = travel * p.objective.travel_minute_cost;
            if travel > 0 && cost >= c.value {
                let (urgency_it, urgency_en) = match req.urgency {
                    ponte_solver::model::Urgency::Emergency => ("un'emergenza", "an emergency"),
                    ponte_solver::model::Urgency::Urgent => {
                        ("una richiesta urgente", "an urgent request")
                    }
                    ponte_solver::model::Urgency::Routine => {
                        ("una richiesta ordinaria", "a routine request")
                    }
                };
                it.push(format!(
                    "{name} è libero, ma servono {travel} minuti di viaggio (andata e ritorno), più di quanto vale {urgency_it} ({} punti)",
                    c.value
                ));
                en.push(format!(
                    "{name} is free, but needs {travel} min of travel there and back, more than {urgency_en} is worth ({} points)",
                    c.value
                ));
                causes.push(Cause::Cost);
            } else {
                it.push(format!("{name} serve di più altrove nel piano"));
                en.push(format!("{name} is of more use elsewhere in the plan"));
                causes.push(Cause::Elsewhere);
            }
        }
    }
    if it.is_empty() {
        return (Why::Solver(Reason::Capacity).words(), None);
    }
    // One cause for the headline when all who could serve it share it; "busy" when some
    // are taken, as the spec's word says; otherwise the first one named.
    let cause = if causes.iter().all(|c| *c == causes[0]) {
        causes[0]
    } else if causes.contains(&Cause::Busy) {
        Cause::Busy
    } else {
        causes[0]
    };
    let detail = Localized {
        it: format!("potrebbero: {}", it.join("; ")),
        en: format!("could serve it: {}", en.join("; ")),
    };
    (detail, Some(cause))
}

/// `R12#3` → `#12 (3)`, `R12` → `#12`: how the board names a request.
fn short_id(key: &str) -> String {
    let key = key.trim_start_matches('R');
    match key.split_once('#') {
        Some((id, k)) => format!("#{id} ({k})"),
        None => format!("#{key}"),
    }
}

/// Another modality, or a later start the same day, that fits into the plan as it is.
fn alternatives(p: &Problem, plan: &Plan, r: usize, zone: Tz) -> Vec<(Alternative, Apply)> {
    let dispatcher = Dispatcher::new(p, plan);
    let req = &p.requests[r];
    let mut found = Vec::new();
    let name_at = |m: usize, start: i64| (p.mediators[m].name.clone(), hm(start, zone));
    for modality in [Modality::Phone, Modality::Video] {
        if req.modality == modality {
            continue;
        }
        let mut other = req.clone();
        other.modality = modality;
        other.location = None;
        if let Ok(placed) = dispatcher.best(&other) {
            let (name, at) = name_at(placed.mediator, placed.start);
            found.push(match modality {
                Modality::Phone => (Alternative::ByPhone { name, at }, Apply::Modality("phone")),
                _ => (Alternative::ByVideo { name, at }, Apply::Modality("video")),
            });
        }
    }
    let day_end = p.shifts.iter().map(|s| s.end).max().unwrap_or(req.latest);
    let same_day =
        |t: i64| DateTime::<Utc>::from_timestamp(t, 0).map(|d| d.with_timezone(&zone).date_naive());
    if day_end - req.duration > req.latest {
        let mut later = req.clone();
        // From the next whole minute after the window.
        later.earliest = (req.latest / 60 + 1) * 60;
        later.latest = day_end - req.duration;
        if let Ok(placed) = dispatcher.best(&later) {
            let (name, at) = name_at(placed.mediator, placed.start);
            let apply = Apply::Start(DateTime::from_timestamp(placed.start, 0).unwrap_or_default());
            if same_day(placed.start) == same_day(req.earliest) {
                found.push((Alternative::LaterToday { name, at }, apply));
            } else {
                let day = DateTime::<Utc>::from_timestamp(placed.start, 0)
                    .unwrap_or_default()
                    .with_timezone(&zone)
                    .format("%d/%m %H:%M")
                    .to_string();
                found.push((Alternative::LaterDay { name, at: day }, apply));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_keys_read_as_the_board_names_them() {
        assert_eq!(short_id("R12#3"), "#12 (3)");
        assert_eq!(short_id("R7"), "#7");
    }
}
