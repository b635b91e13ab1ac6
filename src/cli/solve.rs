//! `ponte solve` and `ponte bench solve`.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

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
}

#[derive(Debug, Args)]
pub struct BenchSolveArgs {
    pub instances: Vec<PathBuf>,
}

pub fn solve(_args: SolveArgs) -> ExitCode {
    eprintln!("ponte solve: not implemented yet");
    ExitCode::from(2)
}

pub fn bench_solve(_args: BenchSolveArgs) -> ExitCode {
    eprintln!("ponte bench solve: not implemented yet");
    ExitCode::from(2)
}
