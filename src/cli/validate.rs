//! `ponte validate INSTANCE SOLUTION`: every rule of the spec checked, metrics as JSON.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    pub instance: PathBuf,
    pub solution: PathBuf,
}

pub fn validate(_args: ValidateArgs) -> ExitCode {
    eprintln!("ponte validate: not implemented yet");
    ExitCode::from(2)
}
