//! `ponte solve` and `ponte bench solve`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use ponte_solver::solve::{self, Algorithm, Options};

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
    pub instances: Vec<PathBuf>,
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
        problem.requests.len(),
        outcome.objective,
        outcome.upper_bound.map_or("-".into(), |b| b.to_string()),
        outcome
            .gap
            .map_or("-".into(), |g| format!("{:.2}%", 100.0 * g)),
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

pub fn bench_solve(_args: BenchSolveArgs) -> ExitCode {
    eprintln!("ponte bench solve: not implemented yet");
    ExitCode::from(2)
}
