//! `ponte solve` and `ponte bench solve`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use ponte_solver::solve::{self, Algorithm, Options};
use ponte_solver::Problem;

use super::input::{load_problem, EXIT_MALFORMED};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// Regret construction, large neighbourhood search and an LP bound.
    Ponte,
    /// First come, first served (the status quo), for comparison.
    Greedy,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Ponte => Algorithm::Ponte,
            AlgorithmArg::Greedy => Algorithm::Greedy,
        }
    }
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// Instance file (mediation-dispatch/1 JSON).
    pub instance: PathBuf,
    /// Where to write the solution (stdout when absent).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Wall-clock budget in seconds, parsing and output included.
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
    /// Seed of the randomised search; the same seed gives the same plan.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Ponte)]
    pub algorithm: AlgorithmArg,
    /// Iteration budget of the search (default: sized from the time limit).
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Skip the upper bound (no gap in the stats).
    #[arg(long)]
    pub no_bound: bool,
}

#[derive(Debug, Args)]
pub struct BenchSolveArgs {
    /// Instance files; each is solved by greedy and by Ponte. Without any, the embedded
    /// Tuscan day (`fixtures/instances/tuscany-M.json`: 300 requests in Prato, Pistoia and
    /// Lucca) is used.
    pub instances: Vec<PathBuf>,
    /// Time limit of Ponte per instance, seconds (default: 10, 30 for instances of more than
    /// 3,000 requests, as the issue sets them).
    #[arg(long)]
    pub time_limit: Option<f64>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn time_limit(secs: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("--time-limit: expected a positive number of seconds, found {secs}"))
}

pub fn solve(args: SolveArgs) -> ExitCode {
    let started = Instant::now();
    let limit = match time_limit(args.time_limit) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ponte solve: {e}");
            return ExitCode::from(EXIT_MALFORMED);
        }
    };
    let Ok(problem) = load_problem(&args.instance) else {
        return ExitCode::from(EXIT_MALFORMED);
    };
    let opts = Options {
        time_limit: limit,
        seed: args.seed,
        algorithm: args.algorithm.into(),
        iterations: args.iterations,
        bound: !args.no_bound,
    };
    let outcome = solve::solve(&problem, &opts, started);
    let assigned = outcome.plan.assigned().count();
    let solution = outcome.plan.to_solution(&problem, outcome.stats.clone());
    let text = serde_json::to_string_pretty(&solution).expect("a solution serialises");
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
        }
        None => writeln!(std::io::stdout().lock(), "{text}").map_err(|e| format!("stdout: {e}")),
    };
    if let Err(e) = written {
        eprintln!("ponte solve: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "{}: {assigned}/{} assigned, objective {}, bound {}, gap {}, {} ms",
        problem.name,
        problem.groups.len(),
        outcome.objective,
        outcome.upper_bound.map_or("-".into(), |b| b.to_string()),
        outcome
            .gap
            .map_or("-".into(), |g| format!("{:.2}%", 100.0 * g)),
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

/// A realistic Tuscan day shipped with the binary, so that a fresh checkout has something
/// to plan without any other file.
const EMBEDDED_INSTANCE: &str = include_str!("../../fixtures/instances/tuscany-M.json");

/// One row of `ponte bench solve`.
#[derive(Debug, serde::Serialize)]
struct Row {
    instance: String,
    algorithm: &'static str,
    feasible: bool,
    emergency: String,
    urgent: String,
    routine: String,
    weighted_coverage_pct: f64,
    travel_minutes: i64,
    objective: i64,
    upper_bound: Option<i64>,
    gap_pct: Option<f64>,
    wall_ms: u128,
}

pub fn bench_solve(args: BenchSolveArgs) -> ExitCode {
    let mut rows = Vec::new();
    let sources: Vec<Option<&PathBuf>> = if args.instances.is_empty() {
        vec![None]
    } else {
        args.instances.iter().map(Some).collect()
    };
    for source in sources {
        for algorithm in [Algorithm::Greedy, Algorithm::Ponte] {
            let started = Instant::now();
            let loaded =
                match source {
                    Some(path) => load_problem(path),
                    None => Ok(Problem::from_json(EMBEDDED_INSTANCE)
                        .expect("the embedded instance is valid")),
                };
            let Ok(problem) = loaded else {
                return ExitCode::from(EXIT_MALFORMED);
            };
            let default_limit = if problem.requests.len() > 3000 {
                30.0
            } else {
                10.0
            };
            let limit = match time_limit(args.time_limit.unwrap_or(default_limit)) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("ponte bench solve: {e}");
                    return ExitCode::from(EXIT_MALFORMED);
                }
            };
            let opts = Options {
                time_limit: limit,
                seed: args.seed,
                algorithm,
                iterations: None,
                bound: algorithm == Algorithm::Ponte,
            };
            let outcome = solve::solve(&problem, &opts, started);
            let wall_ms = started.elapsed().as_millis();
            let report = ponte_solver::check::check_plan(&problem, &outcome.plan);
            let m = &report.metrics;
            let by = |u: &str| format!("{}/{}", m.assigned_by_urgency[u], m.requests_by_urgency[u]);
            let row = Row {
                instance: problem.name.clone(),
                algorithm: match algorithm {
                    Algorithm::Greedy => "greedy",
                    Algorithm::Ponte => "ponte",
                },
                feasible: m.feasible,
                emergency: by("emergency"),
                urgent: by("urgent"),
                routine: by("routine"),
                weighted_coverage_pct: (m.weighted_coverage * 1000.0).round() / 10.0,
                travel_minutes: m.travel_minutes,
                objective: m.objective,
                upper_bound: outcome.upper_bound,
                gap_pct: outcome.gap.map(|g| (g * 10000.0).round() / 100.0),
                wall_ms,
            };
            if args.json {
                println!("{}", serde_json::to_string(&row).expect("a row serialises"));
            } else {
                eprintln!("{} {}: done in {} ms", row.instance, row.algorithm, wall_ms);
            }
            rows.push(row);
        }
    }
    if !args.json {
        println!(
            "| instance | algorithm | feasible | emergency | urgent | routine | w.cov % | travel min | objective | upper bound | gap % | wall s |"
        );
        println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {:.1} |",
                r.instance,
                r.algorithm,
                if r.feasible { "yes" } else { "NO" },
                r.emergency,
                r.urgent,
                r.routine,
                r.weighted_coverage_pct,
                r.travel_minutes,
                r.objective,
                r.upper_bound.map_or("-".into(), |b| b.to_string()),
                r.gap_pct.map_or("-".into(), |g| format!("{g:.2}")),
                r.wall_ms as f64 / 1000.0
            );
        }
    }
    if rows.iter().all(|r| r.feasible) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
