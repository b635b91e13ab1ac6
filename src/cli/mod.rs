//! Command line: one subcommand per job, each implemented in its own module.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod bench_kit;
pub mod demo;
pub mod dispatch_bench;
pub mod input;
pub mod insert_bench;
pub mod intake_bench;
pub mod plan_bench;
#[cfg(test)]
mod readme_check;
pub mod service;
pub mod shortage_bench;
pub mod solve;
pub mod validate;

#[derive(Debug, Parser)]
#[command(
    name = "ponte",
    version,
    about = "Scheduling and dispatch of cultural-linguistic mediators"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (API, pages, feeds).
    Serve(Box<service::ServeArgs>),
    /// Apply the database migrations and exit.
    Migrate(service::MigrateArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(service::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(service::TokenCommand),
    /// Start the service on an embedded demo database with Tuscan fixtures.
    Demo(demo::DemoArgs),
    /// Generate realistic data sets (into a database or as a solver instance).
    Fixtures(demo::FixturesArgs),
    /// Solve a dispatch instance (mediation-dispatch/1) and write the plan.
    Solve(solve::SolveArgs),
    /// Check a plan against an instance: every rule of the spec, plus metrics.
    Validate(validate::ValidateArgs),
    /// Print benchmark figures.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Greedy baseline and Ponte side by side on instances.
    Solve(solve::BenchSolveArgs),
    /// Latency of urgent insertion into a solved plan.
    Insert(insert_bench::BenchInsertArgs),
    /// Throughput and latency of `POST /requests` over real HTTP.
    Intake(service::BenchIntakeArgs),
    /// A plan end to end over HTTP: POST /plans to finished, on fixtures.
    Plan(plan_bench::BenchPlanArgs),
    /// Urgent dispatch: an emergency's POST /requests to its notice in the outbox.
    Dispatch(dispatch_bench::BenchDispatchArgs),
    /// The shortage page on the demo's week: unmet demand read, then the what-if re-solves.
    Shortage(shortage_bench::BenchShortageArgs),
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Solve(args) => solve::solve(args),
        Command::Validate(args) => validate::validate(args),
        Command::Bench(BenchCommand::Solve(args)) => solve::bench_solve(args),
        Command::Bench(BenchCommand::Insert(args)) => insert_bench::bench_insert(args),
        Command::Bench(BenchCommand::Plan(args)) => plan_bench::run(args),
        Command::Bench(BenchCommand::Dispatch(args)) => dispatch_bench::run(args),
        Command::Bench(BenchCommand::Shortage(args)) => shortage_bench::run(args),
        other => service::run(other),
    }
}
