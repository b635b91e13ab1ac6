//! `ponte bench intake`: throughput and latency of `POST /api/v1/requests` over real HTTP.
//!
//! The real application runs in this process on 127.0.0.1:0 against the given database
//! (migrated and seeded with an organisation, a site, a requester and a token), and
//! `--concurrency` clients send valid, varied submissions, each with its own
//! Idempotency-Key, optionally paced to `--rate` per second. With a rate, latency is counted
//! from when a submission was due, not from when a client got round to it, so a stalled
//! server cannot hide its backlog (no coordinated omission).
//!
//! The client is a minimal HTTP/1.1 keep-alive client on tokio: the `ponte` binary has no
//! HTTP client dependency, and a few dozen lines suffice for one request shape.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::{TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::bench_kit::{percentile, round2, Scratch};
use super::service::BenchIntakeArgs;
use crate::account::{self, NewUser};
use crate::auth::Role;
use crate::config::Config;
use crate::entity::{organisation, site, tag};
use crate::startup::Application;
use crate::storage;

const PATH: &str = "/api/v1/requests";
const LANGUAGES: [&str; 12] = [
    "zh", "ur", "sq", "ar", "ar-MA", "ro", "si", "pa", "bn", "ti", "uk", "zh-Hant",
];
const TAGS: [&str; 3] = ["bench-health", "bench-minors", "bench-legal"];

/// What a client needs to submit: where, as whom, for which organisation and site.
struct Target {
    address: String,
    token: String,
    organisation_id: i64,
    site_id: i64,
    run: String,
}

pub async fn bench_intake(args: BenchIntakeArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.requests == 0 {
        bail!("--concurrency and --requests must be at least 1");
    }
    let (url, scratch) = Scratch::open(args.database_url.as_deref(), "intake").await?;
    let result = run_bench(&args, &url).await;
    scratch.remove().await;
    result
}

async fn run_bench(args: &BenchIntakeArgs, url: &str) -> anyhow::Result<()> {
    let db = storage::connect_and_migrate(url).await?;
    let backend = format!("{:?}", db.get_database_backend()).to_lowercase();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app = Application::on(listener, db.clone(), Config::for_database(url));
    let address = app.local_addr().to_string();
    tokio::spawn(app.run_until_stopped());
    let target = Arc::new(seed(&db, address).await?);

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (target, next) = (target.clone(), next.clone());
            let (total, rate) = (args.requests, args.rate);
            tokio::spawn(async move { client(worker, &target, &next, total, rate, started).await })
        })
        .collect();
    let mut latencies = Vec::with_capacity(args.requests);
    let mut errors = 0usize;
    let mut first_error = None;
    for worker in workers {
        let outcome = worker.await.context("a client task failed")?;
        latencies.extend(outcome.latencies);
        errors += outcome.errors;
        first_error = first_error.or(outcome.first_error);
    }
    let seconds = started.elapsed().as_secs_f64();
    db.close().await.ok();

    latencies.sort_by(f64::total_cmp);
    let report = json!({
        "database": backend,
        "requests": args.requests,
        "errors": errors,
        "first_error": first_error,
        "concurrency": args.concurrency,
        "rate_per_s": args.rate,
        "seconds": round2(seconds),
        "throughput_per_s": round2(args.requests as f64 / seconds),
        "p50_ms": round2(percentile(&latencies, 0.50)),
        "p90_ms": round2(percentile(&latencies, 0.90)),
        "p99_ms": round2(percentile(&latencies, 0.99)),
        "max_ms": round2(latencies.last().copied().unwrap_or(0.0)),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// A fresh organisation, site and requester with a token, so that a database can be reused
/// for several runs; the tags are shared.
async fn seed(db: &DatabaseConnection, address: String) -> anyhow::Result<Target> {
    let now = Utc::now();
    let run = format!("{}-{}", std::process::id(), now.timestamp_millis());
    let organisation = organisation::ActiveModel {
        name: Set(format!("Bench school {run}")),
        kind: Set("school".into()),
        timezone: Set("Europe/Rome".into()),
        contact_email: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let site = site::ActiveModel {
        organisation_id: Set(organisation.id),
        name: Set("Plesso Mazzoni".into()),
        address: Set("Via Pistoiese 1, Prato".into()),
        lat: Set(43.8777),
        lon: Set(11.0955),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for name in TAGS {
        if tag::Entity::find_by_id(name).one(db).await?.is_none() {
            tag::ActiveModel {
                name: Set(name.into()),
                description: Set(None),
            }
            .insert(db)
            .await?;
        }
    }
    let user = account::create_user(
        db,
        NewUser {
            email: format!("bench-{run}@ponte.example"),
            name: "Bench requester".into(),
            role: Role::Requester,
            organisation_id: Some(organisation.id),
            mediator_id: None,
            password: None,
            locale: "it".into(),
        },
    )
    .await?;
    let token = account::issue_token_for(db, user.id, Some("bench intake".into())).await?;
    Ok(Target {
        address,
        token,
        organisation_id: organisation.id,
        site_id: site.id,
        run,
    })
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

/// One client: takes the next submission number until all are sent, over one keep-alive
/// connection (reopened after an error).
async fn client(
    worker: usize,
    target: &Target,
    next: &AtomicUsize,
    total: usize,
    rate: Option<f64>,
    started: Instant,
) -> Outcome {
    let mut rng = StdRng::seed_from_u64(worker as u64);
    let mut outcome = Outcome::default();
    let mut connection: Option<Connection> = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= total {
            return outcome;
        }
        let due = match rate {
            Some(rate) if rate > 0.0 => {
                let due = started + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                due
            }
            _ => Instant::now(),
        };
        let body = submission(&mut rng, target).to_string();
        let key = format!("bench-{}-{i}", target.run);
        let result = match &mut connection {
            Some(c) => c.post(target, &key, body.as_bytes()).await,
            None => match Connection::open(&target.address).await {
                Ok(c) => {
                    connection
                        .insert(c)
                        .post(target, &key, body.as_bytes())
                        .await
                }
                Err(e) => Err(e.into()),
            },
        };
        outcome.latencies.push(due.elapsed().as_secs_f64() * 1000.0);
        let failure = match result {
            Ok((201, _)) => None,
            Ok((status, body)) => {
                Some(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))
            }
            Err(e) => {
                connection = None;
                Some(e.to_string())
            }
        };
        if let Some(failure) = failure {
            outcome.errors += 1;
            outcome.first_error.get_or_insert(failure);
        }
    }
}

/// A plausible submission: mostly fixed appointments in the next two months, some with a
/// window, some series, a spread of languages, modalities, urgencies and tags.
fn submission(rng: &mut StdRng, target: &Target) -> Value {
    let day = Utc::now().date_naive() + TimeDelta::days(rng.gen_range(1..60));
    let start = format!(
        "{}T{:02}:{}",
        day.format("%Y-%m-%d"),
        rng.gen_range(8..18),
        ["00", "30"][rng.gen_range(0..2)]
    );
    let duration = [30, 45, 60, 90, 120][rng.gen_range(0..5)];
    let urgency = ["routine", "routine", "urgent", "emergency"][rng.gen_range(0..4)];
    let modality = ["in_person", "in_person", "phone", "video"][rng.gen_range(0..4)];
    let mut body = json!({
        "language": LANGUAGES[rng.gen_range(0..LANGUAGES.len())],
        "modality": modality,
        "earliest_start": start,
        "duration_minutes": duration,
        "urgency": urgency,
        "case_reference": format!("PR-{}", rng.gen_range(1000..9999)),
    });
    if modality == "in_person" || rng.gen_bool(0.2) {
        body["site_id"] = json!(target.site_id);
    }
    if rng.gen_bool(0.3) {
        body["latest_start"] = json!(format!("{}T18:00", day.format("%Y-%m-%d")));
    }
    if rng.gen_bool(0.2) {
        body["required_tags"] = json!([TAGS[rng.gen_range(0..TAGS.len())]]);
    }
    if rng.gen_bool(0.1) {
        body["rrule"] = json!("FREQ=WEEKLY;COUNT=6");
    }
    if rng.gen_bool(0.5) {
        body["organisation_id"] = json!(target.organisation_id);
    }
    body
}

/// An HTTP/1.1 keep-alive connection that sends one POST at a time.
struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    async fn open(address: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
        })
    }

    /// Sends a submission and reads the whole response: its status and body.
    async fn post(
        &mut self,
        target: &Target,
        key: &str,
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        // One write for head and body: a split write would wait on delayed ACKs.
        let mut request = format!(
            "POST {PATH} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Idempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n",
            target.address,
            target.token,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.stream.get_mut().write_all(&request).await?;

        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("not an HTTP status line: {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("the server closed the connection");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let length = length.ok_or_else(|| anyhow!("a response without Content-Length"))?;
        let mut response = vec![0; length];
        self.stream.read_exact(&mut response).await?;
        Ok((status, response))
    }
}
