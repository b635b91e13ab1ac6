//! The whole pipeline under a time limit, as `ponte solve` runs it: the search on this
//! thread, the upper bound on another (the machine has two cores), and the search stops
//! early once it reaches the bound, since nothing better exists.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::bound::{self, BoundOptions};
use crate::check;
use crate::exact::{self, Exact, ExactLimits};
use crate::greedy;
use crate::plan::Plan;
use crate::problem::Problem;
use crate::search::{Limits, Search, State};

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

impl Outcome {
    /// The plan in the exchange format, with these stats.
    pub fn solution(&self, p: &Problem) -> crate::model::Solution {
        self.plan.to_solution(p, self.stats.clone())
    }
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

/// Share of the time limit the exact solution of small parts may take before the search.
const EXACT_SHARE: f64 = 0.15;
/// Rounds of search, each followed by a set partitioning over the routes the search
/// accepted so far, and the share of the time limit each partitioning may take.
const POOL_ROUNDS: u64 = 2;
const POOL_SHARE: f64 = 0.06;
/// Branch-and-bound nodes of each partitioning (a deterministic limit, unlike the clock).
const POOL_MAX_NODES: i32 = 200;
/// Most routes kept for the partitioning.
const POOL_CAP: usize = 60_000;

/// Large neighbourhood search in rounds; after each, a set partitioning over every route the
/// search accepted (HiGHS, started from the best plan) recombines routes of different
/// moments of the search, and the next round starts from its plan when it is better.
fn search_and_partition(
    p: &Problem,
    opts: &Options,
    deadline: Instant,
    target: &Arc<AtomicI64>,
    stats: &mut Map<String, Value>,
) -> Plan {
    // The effort budget is sized from the time limit alone (with the shares of the other
    // phases taken off), never from the clock, so that runs are reproducible.
    let search_time = opts
        .time_limit
        .mul_f64(1.0 - EXACT_SHARE - POOL_SHARE * POOL_ROUNDS as f64)
        .saturating_sub(OUTPUT_RESERVE)
        .saturating_sub(construction_estimate(p));
    let total_effort = match opts.iterations {
        Some(_) => u64::MAX,
        None => effort_budget(search_time),
    };
    let total_iterations = opts.iterations.unwrap_or(u64::MAX);
    let mut search = Search::new(p, opts.seed);
    search.set_deadline(deadline);
    search.keep_routes(POOL_CAP);
    let mut state = search.construct();
    let mut best = state.objective(p);
    let mut pool_gain = 0;
    let mut pool_ms = 0;
    for round in 0..POOL_ROUNDS {
        let share = |total: u64| {
            if total == u64::MAX {
                u64::MAX
            } else {
                total / POOL_ROUNDS + if round == 0 { total % POOL_ROUNDS } else { 0 }
            }
        };
        let limits = Limits {
            deadline,
            max_iterations: share(total_iterations),
            max_effort: share(total_effort),
            target: Some(Arc::clone(target)),
        };
        state = search.improve(state, &limits);
        best = best.max(state.objective(p));
        if search.stats.stopped_by == "time" || search.stats.stopped_by == "optimal" {
            break;
        }
        let t0 = Instant::now();
        let sp_deadline = deadline.min(t0 + opts.time_limit.mul_f64(POOL_SHARE));
        if let Some(better) = partition_pool(p, &search, &state, sp_deadline) {
            let objective = better.objective(p);
            if objective > best {
                pool_gain += objective - best;
                best = objective;
                state = better;
            }
        }
        pool_ms += t0.elapsed().as_millis() as u64;
    }
    let s = &search.stats;
    stats.insert("iterations".into(), json!(s.iterations));
    stats.insert("effort".into(), json!(s.effort));
    stats.insert("improvements".into(), json!(s.improvements));
    stats.insert(
        "construction_objective".into(),
        json!(s.construction_objective),
    );
    stats.insert("construction_ms".into(), json!(s.construction_ms));
    stats.insert("stopped_by".into(), json!(s.stopped_by));
    stats.insert("pool_routes".into(), json!(search.pool.len()));
    stats.insert("pool_gain".into(), json!(pool_gain));
    stats.insert("pool_ms".into(), json!(pool_ms));
    state.to_plan()
}

/// Set partitioning over the search's pool and the routes of `state`; the state it gives,
/// when HiGHS finds one whose routes all rebuild (they do: each was feasible when seen).
fn partition_pool(p: &Problem, search: &Search, state: &State, deadline: Instant) -> Option<State> {
    let mut columns = search.pool.clone();
    let mut warm = Vec::new();
    for (s, route) in state.routes.iter().enumerate() {
        if !route.is_empty() {
            warm.push(columns.len());
            columns.push(exact::Column::of_route(p, s, route));
        }
    }
    let chosen = exact::set_partition(p, &columns, Some(&warm), deadline, POOL_MAX_NODES)?;
    let mut plan = Plan::pinned_only(p);
    for &k in &chosen.columns {
        let c = &columns[k];
        let route = crate::route::Route::build(p, c.shift, c.requests.clone())?;
        for (&r, &start) in route.requests.iter().zip(&route.starts) {
            plan.slots[r] = Some(crate::plan::Slot {
                shift: c.shift,
                start,
            });
        }
    }
    let report = check::check_plan(p, &plan);
    if !report.violations.is_empty() {
        return None;
    }
    Some(State::from_plan(p, &plan))
}

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

    // The bound runs on another thread that is never waited for past the deadline: HiGHS
    // does not always stop at its time limit (nor does building a large model), so the
    // thread owns a copy of the problem and, when late, is left to finish on its own while
    // the weaker bound that needs no LP is reported.
    let bound_rx = opts.bound.then(|| {
        let (tx, rx) = mpsc::channel();
        let target = Arc::clone(&target);
        let limit = deadline
            .saturating_duration_since(Instant::now())
            .mul_f64(0.85);
        let owned = Arc::new(p.clone());
        std::thread::spawn(move || {
            let opts = BoundOptions { time_limit: limit };
            // Every intermediate bound is valid; the receiver keeps the last it gets in time
            // (and may have stopped listening: nothing to do then).
            let b = bound::upper_bound_with(&owned, &opts, |b| {
                let _ = tx.send((false, b.clone()));
            });
            target.store(b.value, Ordering::Relaxed);
            let _ = tx.send((true, b));
        });
        rx
    });

    let mut exact: Option<Exact> = None;
    let plan = match opts.algorithm {
        Algorithm::Greedy => greedy::greedy(p),
        Algorithm::Ponte => {
            let t0 = Instant::now();
            let ex = exact::solve_parts(
                p,
                &ExactLimits {
                    deadline: deadline.min(t0 + opts.time_limit.mul_f64(EXACT_SHARE)),
                    max_steps: 400_000,
                    max_routes: 40_000,
                },
            );
            let solved = ex.solved.iter().flatten().count();
            stats.insert("exact_parts".into(), json!(solved));
            stats.insert("parts".into(), json!(ex.parts.len()));
            stats.insert("exact_ms".into(), json!(t0.elapsed().as_millis() as u64));
            let plan = if ex.all_optimal() {
                stats.insert("iterations".into(), json!(0));
                stats.insert("stopped_by".into(), json!("optimal"));
                ex.plan(p)
            } else {
                search_and_partition(p, opts, deadline, &target, &mut stats)
            };
            // The exact parts replace the search's where better; the referee has the last
            // word, so that a mistake there can never make the plan infeasible or worse.
            let merged = ex.improve(p, &plan);
            let plan = if merged != plan {
                let report = check::check_plan(p, &merged);
                let before = check::check_plan(p, &plan).metrics.objective;
                if report.violations.is_empty() && report.metrics.objective >= before {
                    merged
                } else {
                    plan
                }
            } else {
                plan
            };
            exact = Some(ex);
            plan
        }
    };
    let bound = bound_rx.map(|rx| {
        let mut last = None;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok((true, b)) => break b,
                Ok((false, b)) => last = Some(b),
                Err(_) => {
                    // Drain what arrived meanwhile, then take the latest.
                    while let Ok((_, b)) = rx.try_recv() {
                        last = Some(b);
                    }
                    break last.unwrap_or_else(|| bound::trivial_bound(p, started));
                }
            }
        }
    });
    // Parts solved to optimality bound themselves exactly.
    let bound = match (bound, &exact) {
        (Some(b), Some(ex)) => Some(ex.tighten(p, b)),
        (b, _) => b,
    };

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
    if p.has_fallbacks() {
        let fell_back = plan
            .assigned()
            .filter(|&(r, _)| p.requests[r].fallback)
            .count();
        stats.insert("fallbacks".into(), json!(fell_back));
    }
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
