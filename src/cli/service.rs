//! Service commands: `serve`, `migrate`, `user`, `token`, `demo`, `fixtures`, `bench intake`.
use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use migration::{Migrator, MigratorTrait};

use super::Command;
use crate::account::{self, NewUser};
use crate::auth::Role;
use crate::config::Config;
use crate::startup::Application;
use crate::storage::{self, DEFAULT_DATABASE_URL};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database: a SQLite file (`ponte.db`, `sqlite://path`) or `postgres://user@host/db`.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Revert the last N migrations instead of applying the pending ones.
    #[arg(long, value_name = "N")]
    pub down: Option<u32>,
    /// Print which migrations are applied and exit.
    #[arg(long)]
    pub status: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user account.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// requester, mediator, coordinator or admin.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Display name (default: the email).
    #[arg(long, default_value = "")]
    pub name: String,
    /// The organisation of a requester.
    #[arg(long)]
    pub organisation: Option<i64>,
    /// The mediator profile of a mediator account.
    #[arg(long)]
    pub mediator: Option<i64>,
    /// Read the password from standard input (first line); without it the account can only
    /// use API tokens.
    #[arg(long)]
    pub password_stdin: bool,
    /// Language of pages and emails: it or en.
    #[arg(long, default_value = "it")]
    pub locale: String,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("unknown role `{s}`: requester, mediator, coordinator or admin"))
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token for a user and print it.
    Issue(TokenIssueArgs),
}

#[derive(Debug, Args)]
pub struct TokenIssueArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// What the token is for (shown in listings).
    #[arg(long)]
    pub label: Option<String>,
}

#[derive(Debug, Args)]
pub struct BenchIntakeArgs {
    /// Database to submit into (migrated, then seeded with a new organisation, site and
    /// requester); by default a scratch SQLite file, removed afterwards.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// Clients sending at the same time, each on its own keep-alive connection.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Submissions in all.
    #[arg(long, default_value_t = 20000)]
    pub requests: usize,
    /// Submissions per second, evenly paced; as fast as possible without it.
    #[arg(long)]
    pub rate: Option<f64>,
}

pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ponte: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Serve(args) => serve(*args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::User(UserCommand::Add(args)) => user_add(args).await,
            Command::Token(TokenCommand::Issue(args)) => token_issue(args).await,
            Command::Bench(super::BenchCommand::Intake(args)) => {
                super::intake_bench::bench_intake(args).await
            }
            Command::Demo(args) => super::demo::demo(args).await,
            Command::Fixtures(args) => super::demo::fixtures(args).await,
            other => Err(anyhow::anyhow!("{other:?} is not implemented yet")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let app = Application::build(args.config.clone()).await?;
    tracing::info!(
        address = %app.local_addr(),
        database = %storage::redact(&args.config.database_url),
        "ponte is serving"
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let db = storage::connect(&args.database.database_url).await?;
    if args.status {
        for m in Migrator::get_migration_with_status(&db).await? {
            println!("{}\t{}", m.name(), m.status());
        }
        return Ok(());
    }
    match args.down {
        Some(n) => {
            Migrator::down(&db, Some(n)).await?;
            eprintln!("reverted {n} migration(s)");
        }
        None => {
            let pending = Migrator::get_pending_migrations(&db).await?.len();
            Migrator::up(&db, None).await?;
            eprintln!("applied {pending} migration(s); the schema is up to date");
        }
    }
    Ok(())
}

async fn user_add(args: UserAddArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        Some(input.lines().next().unwrap_or("").to_string())
    } else {
        None
    };
    let db = storage::connect_and_migrate(&args.database.database_url).await?;
    let user = account::create_user(
        &db,
        NewUser {
            email: args.email,
            name: args.name,
            role: args.role,
            organisation_id: args.organisation,
            mediator_id: args.mediator,
            password,
            locale: args.locale,
        },
    )
    .await?;
    println!("{}", user.id);
    eprintln!("created {} ({}) with id {}", user.email, user.role, user.id);
    Ok(())
}

async fn token_issue(args: TokenIssueArgs) -> anyhow::Result<()> {
    let db = storage::connect_and_migrate(&args.database.database_url).await?;
    let token = account::issue_token(&db, &args.email, args.label).await?;
    println!("{token}");
    Ok(())
}
