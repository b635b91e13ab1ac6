//! The whole pipeline under a time limit, as `ponte solve` runs it: the search on this
//! thread, the upper bound on another (the machine has two cores), and the search stops
//! early once it reaches the bound, since nothing better exists.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::bound::{self, BoundOptions};
use crate::greedy;
use crate::plan::Plan;
use crate::problem::Problem;
use crate::search::{self, Limits, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Regret construction and large neighbourhood search, with a proven bound.
    Ponte,
    /// First come, first served: the status quo, for comparison.
    Greedy,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Wall-clock budget counted from `started` (so parsing is included).
    pub time_limit: Duration,
    pub seed: u64,
    pub algorithm: Algorithm,
    /// Iteration budget of the search; `None` sizes it from the time limit.
    pub iterations: Option<u64>,
    /// Compute the upper bound (and so the gap).
    pub bound: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_limit: Duration::from_secs(10),
            seed: 1,
            algorithm: Algorithm::Ponte,
            iterations: None,
            bound: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    pub objective: i64,
    pub upper_bound: Option<i64>,
    /// `(bound − objective) / |bound|`; 0 means proven optimal.
    pub gap: Option<f64>,
    /// The solution's `stats` object.
    pub stats: Map<String, Value>,
}

/// Effort (appointments scheduled while trying insertions, see `search`) the improvement
/// phase does per second on the reference machine (2-core AMD EPYC, the bound running on the
/// other core), the least over the sample instances. The default budget is sized from it
/// with a margin, so that ordinary runs stop on effort, reproducibly, before the clock; the
/// construction's share of the time is estimated from the instance's size.
const EFFORT_PER_SECOND: f64 = 20.0e6;

fn effort_budget(time: Duration) -> u64 {
    (time.as_secs_f64() * EFFORT_PER_SECOND * 0.85) as u64
}

/// Time the construction takes on the reference machine, roughly linear in the number of
/// candidate (request, shift) pairs (tuscany-XL: 373k pairs, 2.5 to 4 s).
fn construction_estimate(p: &Problem) -> Duration {
    let pairs: usize = p.candidates.iter().map(Vec::len).sum();
    Duration::from_secs_f64(pairs as f64 * 1.0e-5)
}

/// What is kept back from the budget for writing the solution and process exit.
const OUTPUT_RESERVE: Duration = Duration::from_millis(150);

pub fn solve(p: &Problem, opts: &Options, started: Instant) -> Outcome {
    let deadline = started + opts.time_limit.saturating_sub(OUTPUT_RESERVE);
    let mut stats = Map::new();
    stats.insert(
        "algorithm".into(),
        json!(match opts.algorithm {
            Algorithm::Ponte => "ponte",
            Algorithm::Greedy => "greedy",
        }),
    );
    stats.insert("seed".into(), json!(opts.seed));
    let target = Arc::new(AtomicI64::new(i64::MAX));

    let (plan, bound) = std::thread::scope(|scope| {
        let bound_thread = opts.bound.then(|| {
            let target = Arc::clone(&target);
            let limit = deadline
                .saturating_duration_since(Instant::now())
                .mul_f64(0.9);
            scope.spawn(move || {
                let b = bound::upper_bound(p, &BoundOptions { time_limit: limit });
                target.store(b.value, Ordering::Relaxed);
                b
            })
        });
        let plan = match opts.algorithm {
            Algorithm::Greedy => greedy::greedy(p),
            Algorithm::Ponte => {
                let limits = Limits {
                    deadline,
                    max_iterations: opts.iterations.unwrap_or(u64::MAX),
                    max_effort: match opts.iterations {
                        Some(_) => u64::MAX,
                        None => effort_budget(
                            deadline
                                .saturating_duration_since(Instant::now())
                                .saturating_sub(construction_estimate(p)),
                        ),
                    },
                    target: Some(Arc::clone(&target)),
                };
                let (plan, s) = search::run(p, opts.seed, &limits);
                stats.insert("iterations".into(), json!(s.iterations));
                stats.insert("effort".into(), json!(s.effort));
                stats.insert("improvements".into(), json!(s.improvements));
                stats.insert(
                    "construction_objective".into(),
                    json!(s.construction_objective),
                );
                stats.insert("construction_ms".into(), json!(s.construction_ms));
                stats.insert("stopped_by".into(), json!(s.stopped_by));
                plan
            }
        };
        let bound = bound_thread.map(|t| t.join().expect("the bound thread does not panic"));
        (plan, bound)
    });

    let objective = State::from_plan(p, &plan).objective(p);
    let upper_bound = bound.as_ref().map(|b| b.value.max(objective));
    let gap = upper_bound.map(|ub| {
        if ub == 0 {
            0.0
        } else {
            (ub - objective) as f64 / ub.abs() as f64
        }
    });
    stats.insert("objective".into(), json!(objective));
    if let (Some(b), Some(ub), Some(gap)) = (&bound, upper_bound, gap) {
        stats.insert("upper_bound".into(), json!(ub));
        stats.insert("gap".into(), json!((gap * 1e6).round() / 1e6));
        stats.insert("bound_method".into(), json!(b.method));
        stats.insert("bound_ms".into(), json!(b.millis));
    }
    stats.insert(
        "solve_ms".into(),
        json!(started.elapsed().as_millis() as u64),
    );
    Outcome {
        plan,
        objective,
        upper_bound,
        gap,
        stats,
    }
}
