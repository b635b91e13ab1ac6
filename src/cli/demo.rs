//! `ponte demo` and `ponte fixtures`: realistic Tuscan data into a database (or a solver
//! instance), and the demo server on top of it.
use std::path::PathBuf;

use chrono::{Days, Local, NaiveDate};
use clap::Args;

use crate::account::{self, NewUser};
use crate::auth::{Caller, Role};
use crate::config::Config;
use crate::feed::{self, tokens::Owner};
use crate::fixtures::{self, load, Params};
use crate::plan::{self, plans::NewPlan, publish::PublishBody};
use crate::startup::{AppState, Application};
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
    if let Some((email, id)) = first_org.clone() {
        logins.push((email, Role::Requester, Some(id), None));
    }
    if let Some((email, id)) = first_mediator.clone() {
        logins.push((email, Role::Mediator, None, Some(id)));
    }
    let mut lines = Vec::new();
    let mut coordinator = None;
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
        if role == Role::Coordinator {
            coordinator = Caller::from_user(&user);
        }
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
        metrics_token: None,
        trusted_proxies: Vec::new(),
        offers: Default::default(),
        mail: crate::config::MailConfig {
            mail_dir: Some(mail_dir.clone()),
            ..Default::default()
        },
    };
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let app = Application::on(listener, db.clone(), config);
    let address = app.local_addr();
    let state = app.state().clone();
    // The server (and its plan and outbox workers) runs while the week is planned, as a
    // coordinator would do it: a plan, then its publication with notices and feeds.
    let server = tokio::spawn(app.run_until_stopped());
    let published = match coordinator {
        Some(coordinator) => {
            eprintln!("planning the week of {} …", data.start);
            plan_and_publish(
                &state,
                &coordinator,
                data.start,
                data.days,
                &first_org,
                &first_mediator,
            )
            .await?
        }
        None => Vec::new(),
    };
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
    for line in &published {
        println!("{line}");
    }
    println!("try:      curl -H 'Authorization: Bearer <token>' http://{address}/api/v1/requests?limit=5");
    println!("stop with Ctrl-C");
    server.await??;
    Ok(())
}

/// Plans the demo week, publishes the plan (its notices go to the mail folder) and makes feed
/// URLs for the demo's requester organisation and mediator. Returns lines to print.
async fn plan_and_publish(
    state: &AppState,
    coordinator: &Caller,
    start: NaiveDate,
    days: u32,
    organisation: &Option<(String, i64)>,
    mediator: &Option<(String, i64)>,
) -> anyhow::Result<Vec<String>> {
    let to = start
        .checked_add_days(Days::new(u64::from(days.max(1) - 1)))
        .unwrap_or(start);
    let new = NewPlan {
        from: Some(start.to_string()),
        to: Some(to.to_string()),
        time_limit_seconds: Some(5.0),
        seed: Some(1),
    };
    let plan = plan::plans::create(&state.db, coordinator, new, 5.0)
        .await
        .map_err(|e| anyhow::anyhow!("planning the demo week: {e:?}"))?;
    let finished = loop {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let row = plan::plans::find(&state.db, plan.id)
            .await
            .map_err(|e| anyhow::anyhow!("reading the demo plan: {e:?}"))?;
        match row.status.as_str() {
            "finished" => break row,
            "failed" => anyhow::bail!("the demo plan failed: {}", row.error.unwrap_or_default()),
            _ => {}
        }
    };
    plan::publish::publish(state, coordinator, plan.id, PublishBody::default())
        .await
        .map_err(|e| anyhow::anyhow!("publishing the demo plan: {e:?}"))?;
    let assigned = plan::plans::drafts(&state.db, plan.id)
        .await
        .map_err(|e| anyhow::anyhow!("reading the demo plan: {e:?}"))?
        .len();
    let mut lines = vec![format!(
        "plan:     #{} published: {assigned} assignments, objective {}, gap {}",
        finished.id,
        finished.objective.unwrap_or_default(),
        finished
            .gap
            .map_or("unknown".to_string(), |g| format!("{:.2} %", g * 100.0))
    )];
    let owners = [
        organisation
            .as_ref()
            .map(|(email, id)| (email, Owner::Organisation(*id))),
        mediator
            .as_ref()
            .map(|(email, id)| (email, Owner::Mediator(*id))),
    ];
    for (email, owner) in owners.into_iter().flatten() {
        let feed = feed::tokens::rotate(&state.db, &state.links(), coordinator, owner)
            .await
            .map_err(|e| anyhow::anyhow!("making a demo feed: {e:?}"))?;
        lines.push(format!("feed:     {:<40} {}", email, feed.url));
    }
    Ok(lines)
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
