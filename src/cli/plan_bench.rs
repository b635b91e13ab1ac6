//! `ponte bench plan`: a plan end to end over real HTTP, from `POST /plans` to `finished`.
//!
//! Generates Tuscan fixtures into a fresh database (a scratch SQLite file, or a new database
//! on the PostgreSQL server of `--database-url`, dropped afterwards), starts the application
//! in this process on 127.0.0.1:0 with its plan worker, POSTs a plan for the fixtures'
//! horizon, polls it, and prints the seconds from POST to finished with the phases seen.
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use chrono::{Days, Local};
use clap::Args;
use sea_orm::DbBackend;
use serde_json::json;

use super::bench_kit::{http_once, Scratch};
use crate::account::{self, NewUser};
use crate::auth::Role;
use crate::config::{Config, DEFAULT_PLAN_TIME_LIMIT};
use crate::fixtures::{self, load, Params};
use crate::startup::Application;
use crate::storage;

#[derive(Debug, Args)]
pub struct BenchPlanArgs {
    #[arg(long, default_value_t = 1500)]
    pub requests: usize,
    #[arg(long, default_value_t = 250)]
    pub mediators: usize,
    /// Seed of the data and of the search.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Days of the horizon holding the requests.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// A PostgreSQL server URL (a new database is made on it and dropped afterwards); by
    /// default a scratch SQLite file.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// Seconds the solver may take (the service's default otherwise).
    #[arg(long = "plan-time-limit", env = "PONTE_PLAN_TIME_LIMIT", default_value_t = DEFAULT_PLAN_TIME_LIMIT)]
    pub plan_time_limit: f64,
}

pub fn run(args: BenchPlanArgs) -> ExitCode {
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
    match runtime.block_on(bench(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(args: BenchPlanArgs) -> anyhow::Result<()> {
    if args.days == 0 || args.days > 31 {
        bail!("--days is from 1 to 31 (a plan's longest horizon)");
    }
    let (url, scratch) = Scratch::open(args.database_url.as_deref(), "plan").await?;
    let result = run_bench(&args, &url).await;
    scratch.remove().await;
    result
}

async fn run_bench(args: &BenchPlanArgs, url: &str) -> anyhow::Result<()> {
    let db = storage::connect_and_migrate(url).await?;
    let backend = match db.get_database_backend() {
        DbBackend::Postgres => "postgresql",
        _ => "sqlite",
    };
    let start = fixtures::demo_params(Local::now().date_naive()).start;
    let params = Params {
        requests: args.requests,
        mediators: args.mediators,
        seed: args.seed,
        start,
        days: args.days,
    };
    let loading = Instant::now();
    let data = fixtures::generate(&params);
    let loaded = load::load(&db, &data).await?;
    let user = account::create_user(
        &db,
        NewUser {
            email: "bench-coordinator@ponte.example".into(),
            name: "Bench".into(),
            role: Role::Coordinator,
            organisation_id: None,
            mediator_id: None,
            password: None,
            locale: "it".into(),
        },
    )
    .await?;
    let token = account::issue_token_for(&db, user.id, None).await?;
    eprintln!(
        "{backend}: loaded {} requests, {} mediators in {:.1} s",
        loaded.requests,
        loaded.mediators.len(),
        loading.elapsed().as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut config = Config::for_database(url);
    config.plan_time_limit = args.plan_time_limit;
    let app = Application::on(listener, db, config);
    let address = app.local_addr().to_string();
    tokio::spawn(app.run_until_stopped());

    let last = start
        .checked_add_days(Days::new(u64::from(args.days - 1)))
        .unwrap_or(start);
    let body = json!({"from": start, "to": last, "seed": args.seed});
    let posted = Instant::now();
    let (status, created) =
        http_once(&address, "POST", "/api/v1/plans", &token, Some(&body)).await?;
    if status != 202 {
        bail!("POST /plans answered {status}: {created}");
    }
    let id = created["id"]
        .as_i64()
        .ok_or_else(|| anyhow!("no plan id in {created}"))?;
    let path = format!("/api/v1/plans/{id}");
    let mut phases: Vec<(String, f64)> = Vec::new();
    let view = loop {
        let (status, view) = http_once(&address, "GET", &path, &token, None).await?;
        if status != 200 {
            bail!("GET {path} answered {status}: {view}");
        }
        let phase = view["progress"]["phase"].as_str().unwrap_or("").to_string();
        if phases.last().map(|(p, _)| p) != Some(&phase) {
            phases.push((phase, posted.elapsed().as_secs_f64()));
        }
        match view["status"].as_str() {
            Some("finished") => break view,
            Some("failed") => bail!("the plan failed: {}", view["error"]),
            _ => {}
        }
        if posted.elapsed() > Duration::from_secs(600) {
            bail!("the plan did not finish within 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let total = posted.elapsed().as_secs_f64();
    let kpis = &view["kpis"];
    println!(
        "bench plan ({backend}): {} requests, {} mediators, {} days, time limit {} s",
        args.requests, args.mediators, args.days, args.plan_time_limit
    );
    println!(
        "  occurrences {}  assigned {}  unassigned {}  objective {}  bound {}  gap {}",
        kpis["requests"],
        kpis["assigned"],
        view["unassigned"].as_array().map_or(0, Vec::len),
        view["objective"],
        view["upper_bound"],
        view["gap"]
    );
    let phase_list: Vec<String> = phases
        .iter()
        .map(|(p, t)| format!("{p} at {t:.2} s"))
        .collect();
    println!("  phases seen: {}", phase_list.join(", "));
    println!("  POST to finished: {total:.2} s (goal 15 s)");
    Ok(())
}
