//! `ponte validate INSTANCE SOLUTION`: every rule of the spec checked, metrics as JSON.
//! Exit 0 when feasible, 1 when not (each violation listed), 2 on malformed input.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ponte_solver::check;
use ponte_solver::error::from_json;
use ponte_solver::Solution;

use super::input::{load_problem, read, report, EXIT_MALFORMED};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    pub instance: PathBuf,
    pub solution: PathBuf,
}

pub fn validate(args: ValidateArgs) -> ExitCode {
    let Ok(problem) = load_problem(&args.instance) else {
        return ExitCode::from(EXIT_MALFORMED);
    };
    let Ok(text) = read(&args.solution) else {
        return ExitCode::from(EXIT_MALFORMED);
    };
    let solution: Solution = match from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            report(&args.solution, &[e]);
            return ExitCode::from(EXIT_MALFORMED);
        }
    };
    let checked = match check::check_solution(&problem, &solution) {
        Ok(r) => r,
        Err(errors) => {
            report(&args.solution, &errors);
            return ExitCode::from(EXIT_MALFORMED);
        }
    };
    for v in &checked.violations {
        eprintln!("{v}");
    }
    let mut out = serde_json::to_value(&checked.metrics).expect("metrics serialise");
    out["violations"] = serde_json::to_value(&checked.violations).expect("violations serialise");
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("a JSON value prints")
    );
    if checked.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
