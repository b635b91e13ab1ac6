//! Criterion bench of a year-long iCal feed: a mediator with 1,500 assignments in the feed's
//! window (30 days back, a year ahead), served by the real app over loopback HTTP, on a
//! SQLite file, and on PostgreSQL too when `PONTE_TEST_POSTGRES_URL` is set when it runs.
//! Four figures: the full GET (200, ~0.6 MB of iCalendar; rendered once per change, then
//! served from memory), a revalidation that matches (304: the stamp's two reads, nothing
//! rendered), `calendar::stamp` alone, and `calendar::load` alone (a cold render: queries
//! and rendering, no HTTP). Goals (issue 16): 304 ≤ 2 ms, full year ≤ 10 ms. PostgreSQL's
//! tables are analysed after seeding, as autovacuum does in service.
//!
//! Run: `cargo bench --bench feed` (release). Figures are in the README.
use std::hint::black_box;

use chrono::{TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use ponte::assignment::new_uid;
use ponte::auth::{digest, new_secret};
use ponte::config::Config;
use ponte::entity::{assignment, feed_token, mediator, organisation, request, site};
use ponte::feed::{calendar, tokens};
use ponte::startup::Application;
use ponte::storage;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

const EVENTS: usize = 1_500;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut urls = vec![(
        "sqlite",
        format!("sqlite://{}?mode=rwc", dir.path().join("feed.db").display()),
    )];
    if let Ok(base) = std::env::var("PONTE_TEST_POSTGRES_URL") {
        urls.push(("postgres", rt.block_on(fresh_postgres(&base))));
    }
    let client = reqwest::Client::new();
    for (backend, url) in urls {
        let (db, feed_url, token) = rt.block_on(async {
            let db = storage::connect_and_migrate(&url).await.expect("database");
            let token = seed(&db).await;
            if backend == "postgres" {
                // What autovacuum does to a table after its first few thousand rows: without
                // statistics the planner takes the bench's fresh tables for empty ones.
                db.execute_unprepared("ANALYZE").await.expect("ANALYZE");
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let app = Application::on(listener, db.clone(), Config::for_database(&url));
            let feed_url = format!("http://{}/feeds/{token}.ics", app.local_addr());
            tokio::spawn(app.run_until_stopped());
            (db, feed_url, token)
        });
        let first = rt.block_on(async {
            let response = client.get(&feed_url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let etag = response.headers()["etag"].to_str().unwrap().to_string();
            let body = response.text().await.unwrap();
            (etag, body)
        });
        let (etag, body) = first;
        let events = body.matches("BEGIN:VEVENT").count();
        assert_eq!(events, EVENTS, "every seeded assignment is in the feed");
        eprintln!("{backend}: feed of {events} events, {} bytes", body.len());

        let mut group = c.benchmark_group(format!("feed {backend} {EVENTS} events"));
        group.sample_size(30);
        group.bench_function("GET 200", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let response = client.get(&feed_url).send().await.unwrap();
                    black_box(response.bytes().await.unwrap().len())
                })
            })
        });
        group.bench_function("GET 304 (If-None-Match)", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let response = client
                        .get(&feed_url)
                        .header("if-none-match", &etag)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 304);
                })
            })
        });
        group.bench_function("calendar::stamp", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let live = tokens::resolve(&db, &token).await.unwrap().unwrap();
                    black_box(calendar::stamp(&db, &live, Utc::now()).await.unwrap())
                })
            })
        });
        group.bench_function("calendar::load", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let live = tokens::resolve(&db, &token).await.unwrap().unwrap();
                    let feed = calendar::load(&db, live, Utc::now()).await.unwrap();
                    black_box(feed.map(|f| f.body.len()))
                })
            })
        });
        group.finish();
    }
}

/// A new PostgreSQL database next to the one in `base`.
async fn fresh_postgres(base: &str) -> String {
    let name = format!("ponte_bench_feed_{}", std::process::id());
    let admin = storage::connect(base).await.expect("PostgreSQL reachable");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let slash = base.rfind('/').expect("a database in the URL");
    format!("{}/{name}", &base[..slash])
}

/// Two organisations with a site each, one mediator with `EVENTS` assignments spread over
/// the window (in person, by phone, by video; published, accepted, a few cancelled); the
/// clear token of the mediator's feed.
async fn seed(db: &DatabaseConnection) -> String {
    let now = Utc::now();
    let mut sites = Vec::new();
    for (name, town) in [("IC Convenevole", "Prato"), ("IC Anna Frank", "Pistoia")] {
        let org = organisation::ActiveModel {
            name: Set(format!("{name}, {town}")),
            kind: Set("school".into()),
            timezone: Set("Europe/Rome".into()),
            contact_email: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let site = site::ActiveModel {
            organisation_id: Set(org.id),
            name: Set(format!("Plesso di {town}")),
            address: Set(format!("Via Roma 1, {town}")),
            lat: Set(43.88),
            lon: Set(11.09),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        sites.push((org.id, site.id));
    }
    let mediator_id = mediator::ActiveModel {
        name: Set("Li Wei".into()),
        email: Set(None),
        phone: Set(None),
        languages: Set(json!(["zh", "it"])),
        tags: Set(json!([])),
        modalities: Set(json!(["in_person", "phone", "video"])),
        home_site_id: Set(None),
        home_address: Set(None),
        home_lat: Set(None),
        home_lon: Set(None),
        max_weekly_minutes: Set(None),
        timezone: Set("Europe/Rome".into()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id;

    // Spread over 390 days from 29 days back: about four a day.
    let step = TimeDelta::minutes(390 * 24 * 60 / EVENTS as i64);
    let first = now - TimeDelta::days(29);
    let mut requests = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let (organisation_id, site_id) = sites[i % 2];
        let modality = ["in_person", "phone", "video"][i % 3];
        let start = first + step * i as i32;
        requests.push(request::ActiveModel {
            organisation_id: Set(organisation_id),
            site_id: Set((modality == "in_person").then_some(site_id)),
            created_by: Set(None),
            language: Set(["zh", "ar", "ur"][i % 3].into()),
            required_tags: Set(json!([])),
            modality: Set(modality.parse().unwrap()),
            earliest_start: Set(start),
            latest_start: Set(start),
            duration_minutes: Set(60),
            urgency: Set("routine".parse().unwrap()),
            preferred_mediators: Set(json!([])),
            excluded_mediators: Set(json!([])),
            case_reference: Set(Some(format!("CASE-{i}"))),
            notes: Set(Some("Note on the family".into())),
            rrule: Set(None),
            occurrences: Set(1),
            status: Set("submitted".parse().unwrap()),
            cancel_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in requests.chunks(200) {
        request::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    let stored = request::Entity::find().all(db).await.unwrap();
    let assignments: Vec<assignment::ActiveModel> = stored
        .iter()
        .enumerate()
        .map(|(i, r)| assignment::ActiveModel {
            request_id: Set(r.id),
            occurrence: Set(0),
            mediator_id: Set(mediator_id),
            start: Set(r.earliest_start),
            end: Set(r.earliest_start + TimeDelta::minutes(60)),
            state: Set(["accepted", "published", "accepted", "cancelled"][i % 4]
                .parse()
                .unwrap()),
            plan_id: Set(None),
            uid: Set(new_uid("ponte.bench")),
            sequence: Set((i % 3) as i32),
            response_token_hash: Set(None),
            decline_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            responded_at: Set(None),
            ..Default::default()
        })
        .collect();
    for chunk in assignments.chunks(200) {
        assignment::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    let token = new_secret("pf");
    feed_token::ActiveModel {
        token_hash: Set(digest(&token)),
        owner_kind: Set("mediator".into()),
        owner_id: Set(mediator_id),
        created_by: Set(None),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    token
}

criterion_group!(benches, bench);
criterion_main!(benches);
