//! `ponte bench insert INSTANCE --count N`: latency of urgent insertion into a solved plan.
//! The plan is Ponte's for the instance; then N emergency requests, generated from the
//! instance's own languages, places and horizon, are placed one at a time (each placed one
//! stays, as in a day of dispatching), and the latency of each placement is measured.
use super::bench_kit::percentile;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use ponte_solver::insert::Dispatcher;
use ponte_solver::model::{Modality, Urgency};
use ponte_solver::problem::Request;
use ponte_solver::rng::Rng;
use ponte_solver::solve::{self, Options};
use ponte_solver::Problem;

use super::input::{load_problem, EXIT_MALFORMED};

#[derive(Debug, Args)]
pub struct BenchInsertArgs {
    pub instance: PathBuf,
    /// Emergency requests to insert, one at a time.
    #[arg(long, default_value_t = 200)]
    pub count: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time limit of the solve that makes the plan, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
}

/// An emergency like the instance's own: a language asked for in it, one of its places (or
/// the phone), some time in its horizon, 30 to 90 minutes.
fn emergency(p: &Problem, rng: &mut Rng, n: usize) -> Request {
    let like = &p.requests[rng.below(p.requests.len())];
    let (from, to) = p.requests.iter().fold((i64::MAX, i64::MIN), |(a, b), r| {
        (a.min(r.earliest), b.max(r.latest))
    });
    let earliest = from + (rng.below(((to - from) / 900).max(1) as usize) as i64) * 900;
    let (modality, location) = match rng.below(4) {
        0 => (Modality::Phone, None),
        _ => (
            Modality::InPerson,
            like.location.or_else(|| Some(rng.below(p.locations.len()))),
        ),
    };
    Request {
        id: format!("E{n}"),
        requester: "bench".into(),
        kind: like.kind,
        language: like.language.clone(),
        required_tags: Vec::new(),
        modality,
        location,
        earliest,
        latest: earliest + 2 * 3600,
        duration: (30 + 15 * rng.below(5) as i64) * 60,
        urgency: Urgency::Emergency,
        weight: p.objective.urgency_weight.emergency,
        preferred: Vec::new(),
        excluded: Vec::new(),
        pinned: None,
        offset: like.offset,
        // Not part of the problem: its group is only a label here.
        group: like.group,
        fallback: false,
    }
}

pub fn bench_insert(args: BenchInsertArgs) -> ExitCode {
    let Ok(problem) = load_problem(&args.instance) else {
        return ExitCode::from(EXIT_MALFORMED);
    };
    let opts = Options {
        time_limit: Duration::from_secs_f64(args.time_limit.max(0.1)),
        seed: args.seed,
        bound: false,
        ..Options::default()
    };
    let outcome = solve::solve(&problem, &opts, Instant::now());
    let mut dispatcher = Dispatcher::new(&problem, &outcome.plan);
    let mut rng = Rng::new(args.seed);
    let mut times = Vec::with_capacity(args.count);
    let mut placed = 0;
    for n in 0..args.count {
        let req = emergency(&problem, &mut rng, n);
        let started = Instant::now();
        let result = dispatcher.dispatch(&req);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        placed += usize::from(result.is_ok());
    }
    times.sort_by(f64::total_cmp);
    let out = serde_json::json!({
        "instance": problem.name,
        "count": args.count,
        "placed": placed,
        // Microseconds matter here: three decimals of a millisecond.
        "p50_ms": (percentile(&times, 0.50) * 1000.0).round() / 1000.0,
        "p99_ms": (percentile(&times, 0.99) * 1000.0).round() / 1000.0,
        "max_ms": (percentile(&times, 1.0) * 1000.0).round() / 1000.0,
    });
    println!("{out}");
    ExitCode::SUCCESS
}
