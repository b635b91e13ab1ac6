//! `ponte demo` and `ponte fixtures`: realistic Tuscan data into a database (or a solver
//! instance), and the demo server on top of it.
use std::path::PathBuf;

use chrono::{Local, NaiveDate};
use clap::Args;

use crate::account::{self, NewUser};
use crate::auth::Role;
use crate::config::Config;
use crate::fixtures::{self, load, Params};
use crate::startup::Application;
use crate::storage;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, env = "PONTE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The demo's SQLite file; it is created anew at every start.
    #[arg(long, default_value = "ponte-demo.db")]
    pub file: PathBuf,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the demo's emails are written (a file transport: one `.eml` per notice);
    /// default `ponte-demo-mail` beside the database file.
    #[arg(long = "mail-dir")]
    pub mail_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FixturesArgs {
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    #[arg(long, default_value_t = 60)]
    pub mediators: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day of the horizon (default: the Monday of this week).
    #[arg(long)]
    pub start: Option<NaiveDate>,
    /// Days in the horizon.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Load into this database (migrated first).
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        conflicts_with = "instance"
    )]
    pub database_url: Option<String>,
    /// Write a solver instance (mediation-dispatch/1) to this file instead.
    #[arg(long)]
    pub instance: Option<PathBuf>,
}

/// The demo's password for every account: it is a demo, and the page says so.
const DEMO_PASSWORD: &str = "ponte-demo-2026";

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    super::service::init_logging();
    for suffix in ["", "-wal", "-shm"] {
        let mut path = args.file.clone().into_os_string();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!(
                "cannot reset the demo database {}: {e}",
                args.file.display()
            ),
        }
    }
    let url = format!("sqlite://{}?mode=rwc", args.file.display());
    let db = storage::connect_and_migrate(&url).await?;
    let today = Local::now().date_naive();
    let params = Params {
        seed: args.seed,
        ..fixtures::demo_params(today)
    };
    let data = fixtures::generate(&params);
    let loaded = load::load(&db, &data).await?;

    let first_org = data
        .organisations
        .first()
        .map(|o| (o.email.clone(), loaded.organisations[&o.key]));
    let first_mediator = data
        .mediators
        .first()
        .map(|m| (m.email.clone(), loaded.mediators[&m.key]));
    let mut logins = vec![
        ("admin@ponte.example".to_string(), Role::Admin, None, None),
        (
            "coordinamento@ponte.example".to_string(),
            Role::Coordinator,
            None,
            None,
        ),
    ];
    if let Some((email, id)) = first_org {
        logins.push((email, Role::Requester, Some(id), None));
    }
    if let Some((email, id)) = first_mediator {
        logins.push((email, Role::Mediator, None, Some(id)));
    }
    let mut lines = Vec::new();
    for (email, role, organisation_id, mediator_id) in logins {
        let user = account::create_user(
            &db,
            NewUser {
                email: email.clone(),
                name: String::new(),
                role,
                organisation_id,
                mediator_id,
                password: Some(DEMO_PASSWORD.to_string()),
                locale: "it".into(),
            },
        )
        .await?;
        let token = account::issue_token_for(&db, user.id, Some("demo".into())).await?;
        lines.push(format!(
            "  {:<12} {:<40} token {token}",
            role.as_str(),
            email
        ));
    }

    let mail_dir = args.mail_dir.clone().unwrap_or_else(|| {
        args.file
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("ponte-demo-mail")
    });
    let config = Config {
        bind: args.bind.clone(),
        database_url: url,
        base_url: None,
        plan_time_limit: crate::config::DEFAULT_PLAN_TIME_LIMIT,
        mail: crate::config::MailConfig {
            mail_dir: Some(mail_dir.clone()),
            ..Default::default()
        },
    };
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let app = Application::on(listener, db, config);
    let address = app.local_addr();
    println!(
        "Ponte demo: {} organisations, {} mediators, {} requests in Prato, Pistoia and Lucca, week of {}",
        data.organisations.len(),
        data.mediators.len(),
        loaded.requests,
        data.start
    );
    println!("database: {}", args.file.display());
    println!(
        "emails:   {} (one .eml file per notice)",
        mail_dir.display()
    );
    println!("serving:  http://{address}/  (API: http://{address}/api/v1/openapi.json)");
    println!("pages:    http://{address}/login  (Italian; English by the switch in the header)");
    println!("logins (password {DEMO_PASSWORD}):");
    for line in &lines {
        println!("{line}");
    }
    println!("try:      curl -H 'Authorization: Bearer <token>' http://{address}/api/v1/requests?limit=5");
    println!("stop with Ctrl-C");
    app.run_until_stopped().await?;
    Ok(())
}

pub async fn fixtures(args: FixturesArgs) -> anyhow::Result<()> {
    let start = args
        .start
        .unwrap_or_else(|| fixtures::demo_params(Local::now().date_naive()).start);
    let params = Params {
        requests: args.requests,
        mediators: args.mediators,
        seed: args.seed,
        start,
        days: args.days,
    };
    let started = std::time::Instant::now();
    let data = fixtures::generate(&params);
    match (&args.database_url, &args.instance) {
        (_, Some(path)) => {
            let name = format!(
                "tuscany-{}r-{}m-s{}",
                args.requests, args.mediators, args.seed
            );
            let instance = fixtures::to_instance(&data, &name);
            let text = serde_json::to_string_pretty(&instance)?;
            std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "wrote {} ({} requests, {} mediators)",
                path.display(),
                instance.requests.len(),
                instance.mediators.len()
            );
        }
        (Some(url), None) => {
            let db = storage::connect_and_migrate(url).await?;
            let loaded = load::load(&db, &data).await?;
            eprintln!(
                "loaded {} organisations, {} mediators, {} requests into {} in {:.1} s",
                loaded.organisations.len(),
                loaded.mediators.len(),
                loaded.requests,
                storage::redact(url),
                started.elapsed().as_secs_f64()
            );
        }
        (None, None) => {
            anyhow::bail!("say where the data goes: --database-url URL or --instance FILE")
        }
    }
    Ok(())
}
