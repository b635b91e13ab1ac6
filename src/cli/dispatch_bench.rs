//! `ponte bench dispatch`: latency of urgent dispatch, from `POST /api/v1/requests` of an
//! emergency to its notice in the outbox.
//!
//! A fresh database gets the seeded Tuscan fixtures (`--mediators`, `--requests`, a working
//! week from tomorrow), a published plan (the horizon's snapshot solved by the optimiser and
//! written as live `published` assignments, as a publication would), then the real
//! application on 127.0.0.1:0 receives `--count` emergencies one after the other, each for a
//! language and site drawn from the data. A submission's latency runs from just before its
//! request is written to the socket until a notice of that request (an offer, or the
//! coordinators' "unfilled") is in the outbox table.
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::{NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde_json::{json, Value};

use super::bench_kit::{http_once, percentile, round2, Scratch};
use crate::account::{self, NewUser};
use crate::assignment::{new_uid, State};
use crate::auth::Role;
use crate::config::Config;
use crate::domain::local_time::DEFAULT_ZONE;
use crate::entity::{assignment, notice, user};
use crate::fixtures::{self, load, Params};
use crate::plan::snapshot::{self, Window};
use crate::startup::Application;
use crate::storage;

#[derive(Debug, Args)]
pub struct BenchDispatchArgs {
    /// A PostgreSQL server URL: a scratch database is made there and dropped afterwards (by
    /// default a scratch SQLite file).
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    #[arg(long, default_value_t = 250)]
    pub mediators: usize,
    /// Requests of the fixtures (the published plan's load).
    #[arg(long, default_value_t = 1500)]
    pub requests: usize,
    /// Emergencies submitted and timed.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Seconds the optimiser may take for the published plan.
    #[arg(long, default_value_t = 10)]
    pub plan_seconds: u64,
}

pub fn run(args: BenchDispatchArgs) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ponte: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench_dispatch(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub async fn bench_dispatch(args: BenchDispatchArgs) -> anyhow::Result<()> {
    // Dispatch failures are logged, not returned (the request is stored): show them.
    super::service::init_logging();
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let (url, scratch) = Scratch::open(args.database_url.as_deref(), "dispatch").await?;
    let result = run_bench(&args, &url).await;
    scratch.remove().await;
    result
}

async fn run_bench(args: &BenchDispatchArgs, url: &str) -> anyhow::Result<()> {
    let db = storage::connect_and_migrate(url).await?;
    let backend = format!("{:?}", db.get_database_backend()).to_lowercase();
    let zone: Tz = DEFAULT_ZONE;
    let first = (Utc::now().with_timezone(&zone) + TimeDelta::days(1)).date_naive();
    let data = fixtures::generate(&Params {
        requests: args.requests,
        mediators: args.mediators,
        seed: args.seed,
        start: first,
        days: 5,
    });
    let t = Instant::now();
    let loaded = load::load(&db, &data).await?;
    eprintln!(
        "fixtures: {} requests, {} mediators loaded in {:.1} s",
        loaded.requests,
        loaded.mediators.len(),
        t.elapsed().as_secs_f64()
    );
    let published = publish_plan(&db, first, zone, args.plan_seconds).await?;
    eprintln!("published plan: {published} live assignments");

    let requester = requester(&db).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app = Application::on(listener, db.clone(), Config::for_database(url));
    let address = app.local_addr().to_string();
    tokio::spawn(app.run_until_stopped());

    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut latencies = Vec::with_capacity(args.count);
    let (mut offered, mut unfilled) = (0usize, 0usize);
    for i in 0..args.count {
        let body = emergency(&mut rng, &data, &loaded, first, i);
        let started = Instant::now();
        let (status, answer) = http_once(
            &address,
            "POST",
            "/api/v1/requests",
            &requester.token,
            Some(&body),
        )
        .await?;
        if status != 201 {
            bail!("submission {i} answered {status}: {answer}");
        }
        let id = answer["id"]
            .as_i64()
            .ok_or_else(|| anyhow!("no id in {answer}"))?;
        // The handler awaits dispatch, so the notice is normally there already; poll in
        // case it is not, so that the figure is the time to the outbox either way.
        loop {
            let kinds: Vec<String> = notice::Entity::find()
                .filter(notice::Column::RequestId.eq(id))
                .all(&db)
                .await?
                .into_iter()
                .map(|n| n.kind)
                .collect();
            if !kinds.is_empty() {
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                if kinds.iter().any(|k| k == "unfilled") {
                    unfilled += 1;
                } else {
                    offered += 1;
                }
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("no notice for request {id} after 30 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let offers = assignment::Entity::find()
        .filter(assignment::Column::State.eq(State::Offered))
        .count(&db)
        .await?;
    db.close().await.ok();
    latencies.sort_by(f64::total_cmp);
    let report = json!({
        "database": backend,
        "mediators": args.mediators,
        "requests": args.requests,
        "published_assignments": published,
        "emergencies": args.count,
        "offered": offered,
        "offer_rows": offers,
        "unfilled": unfilled,
        "p50_ms": round2(percentile(&latencies, 0.50)),
        "p90_ms": round2(percentile(&latencies, 0.90)),
        "p99_ms": round2(percentile(&latencies, 0.99)),
        "max_ms": round2(latencies.last().copied().unwrap_or(0.0)),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Solves the horizon's snapshot and writes its assignments as published, live rows.
async fn publish_plan(
    db: &DatabaseConnection,
    first: chrono::NaiveDate,
    zone: Tz,
    seconds: u64,
) -> anyhow::Result<usize> {
    let last = first + TimeDelta::days(4);
    let t = Instant::now();
    let snap = snapshot::build_in(db, Window::local_dates(first, last, zone), zone).await?;
    let built = t.elapsed().as_secs_f64();
    let options = ponte_solver::solve::Options {
        time_limit: Duration::from_secs(seconds),
        bound: false,
        ..Default::default()
    };
    let problem = snap.problem.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        ponte_solver::solve::solve(&problem, &options, Instant::now())
    })
    .await?;
    eprintln!(
        "plan: snapshot {built:.1} s, solved in {:.1} s",
        t.elapsed().as_secs_f64() - built
    );
    let now = Utc::now();
    let mut n = 0;
    for (r, slot) in outcome.plan.assigned() {
        let req = &snap.problem.requests[r];
        let (Some(occ), Some(mediator_id)) = (
            snap.occurrence(&req.id),
            snap.mediator_id(&snap.problem.mediators[snap.problem.shifts[slot.shift].mediator].id),
        ) else {
            continue;
        };
        let start = chrono::DateTime::from_timestamp(slot.start, 0).context("start")?;
        assignment::ActiveModel {
            request_id: Set(occ.request_id),
            occurrence: Set(occ.occurrence),
            mediator_id: Set(mediator_id),
            start: Set(start),
            end: Set(start + TimeDelta::seconds(req.duration)),
            state: Set(State::Published),
            modality: Set(req.fallback.then(|| req.modality.into())),
            uid: Set(new_uid("bench.ponte")),
            sequence: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        n += 1;
    }
    Ok(n)
}

struct Requester {
    token: String,
}

/// A coordinator, who submits for any organisation (as a desk phoning in an emergency).
async fn requester(db: &DatabaseConnection) -> anyhow::Result<Requester> {
    let email = format!("bench-dispatch-{}@ponte.example", std::process::id());
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.clone()))
        .one(db)
        .await?;
    let id = match existing {
        Some(u) => u.id,
        None => {
            account::create_user(
                db,
                NewUser {
                    email,
                    name: "Bench coordinator".into(),
                    role: Role::Coordinator,
                    organisation_id: None,
                    mediator_id: None,
                    password: None,
                    locale: "it".into(),
                },
            )
            .await?
            .id
        }
    };
    let token = account::issue_token_for(db, id, Some("bench dispatch".into())).await?;
    Ok(Requester { token })
}

/// An in-person emergency of a random organisation's site, in a language some mediator
/// speaks, in a two-hour window of a working day of the horizon.
fn emergency(
    rng: &mut StdRng,
    data: &fixtures::Dataset,
    loaded: &load::Loaded,
    first: chrono::NaiveDate,
    i: usize,
) -> Value {
    let orgs: Vec<&fixtures::Organisation> = data
        .organisations
        .iter()
        .filter(|o| !o.sites.is_empty())
        .collect();
    let org = orgs[rng.gen_range(0..orgs.len())];
    let site = &org.sites[rng.gen_range(0..org.sites.len())];
    let speaker = &data.mediators[rng.gen_range(0..data.mediators.len())];
    let languages: Vec<&String> = speaker.languages.iter().filter(|l| *l != "it").collect();
    let language = languages
        .get(rng.gen_range(0..languages.len().max(1)))
        .map_or("ar", |l| l.as_str());
    // Tomorrow or the day after, so that the window is within the dispatch horizon.
    let day = first + TimeDelta::days((i % 2) as i64);
    let hour = rng.gen_range(8..16);
    let start = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default());
    let latest = start + TimeDelta::hours(2);
    json!({
        "organisation_id": loaded.organisations[&org.key],
        "site_id": loaded.sites[&site.key],
        "language": language,
        "modality": "in_person",
        "earliest_start": start.format("%Y-%m-%dT%H:%M").to_string(),
        "latest_start": latest.format("%Y-%m-%dT%H:%M").to_string(),
        "duration_minutes": 60,
        "urgency": "emergency",
        "case_reference": format!("BENCH-{i}"),
    })
}
