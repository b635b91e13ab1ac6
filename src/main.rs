use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ponte::cli::Cli::parse();
    ponte::cli::run(cli)
}
