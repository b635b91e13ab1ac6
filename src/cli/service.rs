//! Service commands: `serve`, `migrate`, `user`, `token`, `demo`, `fixtures`, `bench intake`.
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Command;

#[derive(Debug, Args)]
pub struct ServeArgs {}

#[derive(Debug, Args)]
pub struct MigrateArgs {}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user account.
    Add {},
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token for a user and print it.
    Issue {},
}

#[derive(Debug, Args)]
pub struct DemoArgs {}

#[derive(Debug, Args)]
pub struct FixturesArgs {}

#[derive(Debug, Args)]
pub struct BenchIntakeArgs {}

pub fn run(command: Command) -> ExitCode {
    eprintln!("ponte: {command:?} is not implemented yet");
    ExitCode::from(2)
}
