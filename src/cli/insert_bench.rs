//! `ponte bench insert INSTANCE --count N`: latency of urgent insertion into a solved plan.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct BenchInsertArgs {
    pub instance: PathBuf,
    #[arg(long, default_value_t = 200)]
    pub count: usize,
}

pub fn bench_insert(_args: BenchInsertArgs) -> ExitCode {
    eprintln!("ponte bench insert: not implemented yet");
    ExitCode::from(2)
}
