//! The shortage analysis: where demand goes unmet (language × weekday × time slot × town),
//! and what one more mediator would change there.
//!
//! The what-if re-solves the range's instance (the same snapshot a plan of the range would
//! solve: live assignments pinned) twice per candidate cell: as it is, and with one
//! hypothetical mediator who speaks the cell's language, has the tags its requests ask
//! for, works in every modality, lives in the cell's town and is available in that slot on
//! every such weekday of the range. Its gain is the difference of assigned occurrences
//! (and hours) between the two solutions, under the same seed and effort, so that the
//! search's own variation does not pass for a gain; a negative difference (the search
//! luckier without the extra mediator) is reported as no gain.
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveTime, TimeDelta, Timelike, Weekday};
use ponte_solver::model::{self, Location, Modality};
use ponte_solver::problem::Problem;
use ponte_solver::solve::{self, Algorithm, Options};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use super::occurrences::{Data, Occurrence};
use super::range::Range;
use super::town;
use crate::domain::local_time::{local_date_time_or_next, DEFAULT_ZONE};
use crate::plan::snapshot::{self, SnapshotError};

/// The part of the day an occurrence starts in (local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Before 13:00.
    Morning,
    /// 13:00 to 17:59.
    Afternoon,
    /// From 18:00.
    Evening,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Morning, Slot::Afternoon, Slot::Evening];

    pub fn of(time: NaiveTime) -> Slot {
        match time.hour() {
            0..=12 => Slot::Morning,
            13..=17 => Slot::Afternoon,
            _ => Slot::Evening,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Morning => "morning",
            Slot::Afternoon => "afternoon",
            Slot::Evening => "evening",
        }
    }

    /// The hypothetical mediator's hours in this slot: the slot and two hours after it (an
    /// appointment starting at 12:30 must be able to end), as a working day would be.
    pub fn shift(self) -> (NaiveTime, NaiveTime) {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        match self {
            Slot::Morning => (hm(7, 30), hm(15, 0)),
            Slot::Afternoon => (hm(12, 30), hm(20, 0)),
            Slot::Evening => (hm(17, 30), hm(23, 30)),
        }
    }
}

/// Unmet demand of one language, weekday, slot and town.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Cell {
    pub language: String,
    /// ISO weekday: 1 is Monday.
    pub weekday: u8,
    pub slot: Slot,
    /// The town of the requests' sites; null when unknown (remote requests without a site).
    pub town: Option<String>,
    /// Occurrences neither cancelled nor held by a mediator.
    pub unmet: u32,
    pub minutes: i64,
    /// Tags the requests of the cell ask for.
    #[serde(skip)]
    pub tags: BTreeSet<String>,
}

impl Cell {
    pub fn weekday(&self) -> Weekday {
        weekday(self.weekday)
    }
}

fn weekday(iso: u8) -> Weekday {
    use Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun][(iso.clamp(1, 7) - 1) as usize]
}

/// The cells with unmet demand, most unmet hours first.
pub fn cells(data: &Data) -> Vec<Cell> {
    let towns: HashMap<i64, Option<String>> = data
        .sites
        .values()
        .map(|s| (s.id, town::of_site(s)))
        .collect();
    let mut cells: HashMap<(String, u8, Slot, Option<String>), Cell> = HashMap::new();
    for o in data.occurrences.iter().filter(|o| o.unmet()) {
        let local = o.start.with_timezone(&DEFAULT_ZONE);
        let day = local.weekday().number_from_monday() as u8;
        let slot = Slot::of(local.time());
        let place = o.site_id.and_then(|id| towns.get(&id).cloned().flatten());
        let cell = cells
            .entry((o.language.clone(), day, slot, place.clone()))
            .or_insert_with(|| Cell {
                language: o.language.clone(),
                weekday: day,
                slot,
                town: place,
                unmet: 0,
                minutes: 0,
                tags: BTreeSet::new(),
            });
        add(cell, o);
    }
    let mut out: Vec<Cell> = cells.into_values().collect();
    out.sort_by(|a, b| {
        b.minutes
            .cmp(&a.minutes)
            .then(b.unmet.cmp(&a.unmet))
            .then(a.language.cmp(&b.language))
            .then(a.weekday.cmp(&b.weekday))
            .then(a.slot.cmp(&b.slot))
            .then(a.town.cmp(&b.town))
    });
    out
}

fn add(cell: &mut Cell, o: &Occurrence) {
    cell.unmet += 1;
    cell.minutes += o.duration_minutes;
    cell.tags.extend(o.required_tags.iter().cloned());
}

/// How the what-if runs.
#[derive(Debug, Clone, Copy)]
pub struct WhatIfOptions {
    /// Cells tried, from the top of [`cells`].
    pub candidates: usize,
    /// Solver time per solution (the baseline and each cell).
    pub per_solve: Duration,
    pub seed: u64,
}

impl Default for WhatIfOptions {
    fn default() -> Self {
        WhatIfOptions {
            candidates: 6,
            per_solve: Duration::from_millis(1500),
            seed: 1,
        }
    }
}

/// One more mediator in a cell, and what they would fill.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestion {
    pub cell: Cell,
    /// More occurrences assigned than without them (never negative).
    pub more_filled: u32,
    pub more_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WhatIf {
    /// Occurrences of the range's instance, and how many the baseline solution assigns.
    pub instance_requests: usize,
    pub baseline_filled: u32,
    /// Best first; cells with no gain are left out.
    pub suggestions: Vec<Suggestion>,
    pub tried: usize,
    pub elapsed_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("the what-if computation failed: {0}")]
    Join(String),
}

/// Re-solves the range's instance with one more mediator in each of the top cells.
pub async fn what_if<C: ConnectionTrait>(
    db: &C,
    range: Range,
    data: &Data,
    options: WhatIfOptions,
) -> Result<WhatIf, WhatIfError> {
    let snap = snapshot::build_in(db, range.window(), DEFAULT_ZONE).await?;
    let candidates: Vec<Cell> = cells(data).into_iter().take(options.candidates).collect();
    let homes: Vec<(f64, f64)> = candidates
        .iter()
        .map(|c| home_of(c.town.as_deref(), data))
        .collect();
    let instance = snap.instance;
    let baseline = Arc::new(snap.problem);
    tokio::task::spawn_blocking(move || {
        run(&instance, &baseline, range, candidates, &homes, options)
    })
    .await
    .map_err(|e| WhatIfError::Join(e.to_string()))
}

fn run(
    instance: &model::Instance,
    baseline: &Problem,
    range: Range,
    candidates: Vec<Cell>,
    homes: &[(f64, f64)],
    options: WhatIfOptions,
) -> WhatIf {
    let started = Instant::now();
    // Job 0 is the baseline, job k the k-th cell; each is one single-threaded solve.
    let jobs = candidates.len() + 1;
    let results = in_parallel(jobs, |job| match job {
        0 => Some(solve_count(baseline, options)),
        k => {
            let with = with_mediator(instance, &candidates[k - 1], homes[k - 1], range);
            Problem::new(with)
                .ok()
                .map(|problem| solve_count(&problem, options))
        }
    });
    let (base_filled, base_minutes) = results[0].unwrap_or((0, 0));
    let tried = candidates.len();
    let mut suggestions: Vec<Suggestion> = candidates
        .into_iter()
        .zip(results.into_iter().skip(1))
        .filter_map(|(cell, result)| {
            let (filled, minutes) = result?;
            let more_filled = filled.saturating_sub(base_filled);
            (more_filled > 0).then(|| Suggestion {
                cell,
                more_filled,
                more_minutes: (minutes - base_minutes).max(0),
            })
        })
        .collect();
    suggestions.sort_by(|a, b| {
        b.more_filled
            .cmp(&a.more_filled)
            .then(b.more_minutes.cmp(&a.more_minutes))
    });
    WhatIf {
        instance_requests: instance.requests.len(),
        baseline_filled: base_filled,
        suggestions,
        tried,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// Threads the solves share: the service's machine has two cores, and each solve (without
/// its bound) keeps one busy.
pub const WORKERS: usize = 2;

/// `work(0..jobs)` on [`WORKERS`] threads, results in job order.
fn in_parallel<T: Send>(jobs: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(jobs));
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(jobs) {
            scope.spawn(|| loop {
                let job = next.fetch_add(1, Ordering::Relaxed);
                if job >= jobs {
                    break;
                }
                let result = work(job);
                if let Ok(mut done) = done.lock() {
                    done.push((job, result));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(job, _)| *job);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Occurrences assigned and their minutes in a solution of `problem`.
fn solve_count(problem: &Problem, options: WhatIfOptions) -> (u32, i64) {
    let outcome = solve::solve(
        problem,
        &Options {
            time_limit: options.per_solve,
            seed: options.seed,
            algorithm: Algorithm::Ponte,
            iterations: None,
            // The bound proves nothing the what-if needs, and it would take the other core.
            bound: false,
        },
        Instant::now(),
    );
    outcome
        .plan
        .assigned()
        .fold((0, 0), |(n, minutes), (r, _)| {
            (n + 1, minutes + problem.requests[r].duration / 60)
        })
}

/// Id of the hypothetical mediator and of their home in the instance.
pub const HYPOTHETICAL: &str = "WHATIF";

/// `instance` with one more mediator for `cell`.
pub fn with_mediator(
    instance: &model::Instance,
    cell: &Cell,
    home: (f64, f64),
    range: Range,
) -> model::Instance {
    let mut with = instance.clone();
    let home_id = format!("H-{HYPOTHETICAL}");
    with.locations.push(Location {
        id: home_id.clone(),
        name: cell.town.clone().unwrap_or_default(),
        lat: home.0,
        lon: home.1,
    });
    let (from, to) = cell.slot.shift();
    let shifts = range
        .from
        .iter_days()
        .take_while(|d| *d <= range.to)
        .filter(|d| d.weekday() == cell.weekday())
        .map(|d| {
            let start = local_date_time_or_next(d, from, DEFAULT_ZONE);
            let end =
                local_date_time_or_next(d, to, DEFAULT_ZONE).max(start + TimeDelta::minutes(1));
            model::Shift {
                start: snapshot::local(start, DEFAULT_ZONE),
                end: snapshot::local(end, DEFAULT_ZONE),
            }
        })
        .collect();
    with.mediators.push(model::Mediator {
        id: HYPOTHETICAL.to_string(),
        name: HYPOTHETICAL.to_string(),
        languages: vec![cell.language.clone()],
        tags: cell.tags.iter().cloned().collect(),
        home: home_id,
        modalities: vec![Modality::InPerson, Modality::Phone, Modality::Video],
        shifts,
        max_work_minutes: None,
    });
    with
}

/// Where the hypothetical mediator lives: the middle of the town's sites, else a known
/// place of the town, else the middle of all sites.
fn home_of(place: Option<&str>, data: &Data) -> (f64, f64) {
    let mean = |points: Vec<(f64, f64)>| -> Option<(f64, f64)> {
        let n = points.len() as f64;
        (n > 0.0).then(|| {
            let (lat, lon) = points
                .iter()
                .fold((0.0, 0.0), |acc, p| (acc.0 + p.0, acc.1 + p.1));
            (lat / n, lon / n)
        })
    };
    let in_town = data
        .sites
        .values()
        .filter(|s| place.is_some() && town::of_site(s).as_deref() == place)
        .map(|s| (s.lat, s.lon))
        .collect();
    mean(in_town)
        .or_else(|| {
            town::places()
                .find(|p| Some(p.0) == place)
                .map(|p| (p.1, p.2))
        })
        .or_else(|| mean(data.sites.values().map(|s| (s.lat, s.lon)).collect()))
        .unwrap_or((43.88, 11.09))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_work_comes_back_in_order() {
        let out = in_parallel(7, |i| i * 10);
        assert_eq!(out, vec![0, 10, 20, 30, 40, 50, 60]);
        assert!(in_parallel(0, |i| i).is_empty());
    }

    #[test]
    fn slots_by_start_hour() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(Slot::of(t(8, 0)), Slot::Morning);
        assert_eq!(Slot::of(t(12, 59)), Slot::Morning);
        assert_eq!(Slot::of(t(13, 0)), Slot::Afternoon);
        assert_eq!(Slot::of(t(17, 59)), Slot::Afternoon);
        assert_eq!(Slot::of(t(18, 0)), Slot::Evening);
    }
}
