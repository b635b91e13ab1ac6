//! Email notices over real SMTP on loopback (the sink in `tests/support/smtp_sink.rs`):
//! content and language, an SMTP outage, permanent refusals, a SIGKILLed `ponte serve`, and
//! two processes draining one PostgreSQL outbox.
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{Duration as Span, Utc};
use ponte::config::Config;
use ponte::entity::{assignment, mediator, notice, organisation, request, site};
use ponte::notice::{for_assignment, Event, Links};
use ponte::storage::{self, Write};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde_json::json;

use crate::both;
use crate::helpers::{fresh_database, json_of, Backend, TestApp};
use crate::smtp_sink::{Mode, SmtpSink};

/// Mail settings pointing at the sink, with short leases and backoff.
fn mail_to(config: &mut Config, sink: &SmtpSink) {
    config.mail.smtp_host = Some("127.0.0.1".into());
    config.mail.smtp_port = Some(sink.port);
    config.mail.smtp_security = "none".into();
    config.mail.from = "Ponte <ponte@ponte.test>".into();
    config.mail.lease_ms = 3_000;
    config.mail.smtp_timeout_ms = 1_000;
    config.mail.backoff_ms = 200;
    config.mail.backoff_max_ms = 400;
    config.mail.poll_ms = 100;
    config.mail.max_attempts = 100;
}

/// The family's data, which must never reach an email.
const FAMILY_NOTE: &str = "Famiglia Hu, bambino Chen, tel 333 1234567";
const CASE_REFERENCE: &str = "PR-2026-0042";

/// A request and a published assignment in organisation `org` for `mediator_id`, starting
/// at `start`; returns the assignment's id.
async fn seed_assignment(
    db: &DatabaseConnection,
    org: i64,
    site_id: i64,
    mediator_id: i64,
    start: chrono::DateTime<Utc>,
) -> assignment::Model {
    let now = Utc::now();
    let r = request::ActiveModel {
        organisation_id: Set(org),
        site_id: Set(Some(site_id)),
        created_by: Set(None),
        language: Set("zh".into()),
        required_tags: Set(json!([])),
        modality: Set("in_person".parse().unwrap()),
        earliest_start: Set(start),
        latest_start: Set(start),
        duration_minutes: Set(60),
        urgency: Set("routine".parse().unwrap()),
        preferred_mediators: Set(json!([])),
        excluded_mediators: Set(json!([])),
        case_reference: Set(Some(CASE_REFERENCE.into())),
        notes: Set(Some(FAMILY_NOTE.into())),
        rrule: Set(None),
        occurrences: Set(1),
        status: Set("submitted".parse().unwrap()),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assignment::ActiveModel {
        request_id: Set(r.id),
        occurrence: Set(0),
        mediator_id: Set(mediator_id),
        start: Set(start),
        end: Set(start + Span::hours(1)),
        state: Set("published".parse().unwrap()),
        plan_id: Set(None),
        uid: Set(ponte::assignment::new_uid("ponte.test")),
        sequence: Set(2),
        response_token_hash: Set(None),
        decline_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        responded_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

/// Queues `event` on `assignment_id` in a write transaction of its own, as callers do.
async fn queue(db: &DatabaseConnection, event: Event, assignment_id: i64, token: Option<&str>) {
    let links = Links {
        base_url: "https://ponte.test".into(),
    };
    let w = Write::begin(db).await.unwrap();
    for_assignment(&w.txn, &links, event, assignment_id, token)
        .await
        .unwrap();
    w.commit().await.unwrap();
}

async fn set_contact(db: &DatabaseConnection, org: i64, email: &str, locale: &str) {
    let mut o: organisation::ActiveModel = organisation::Entity::find_by_id(org)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into();
    o.contact_email = Set(Some(email.into()));
    o.locale = Set(locale.into());
    o.update(db).await.unwrap();
}

async fn notices(db: &DatabaseConnection) -> Vec<notice::Model> {
    notice::Entity::find().all(db).await.unwrap()
}

/// Waits until `done` holds for the outbox, or panics after `timeout`.
async fn wait_outbox(
    db: &DatabaseConnection,
    timeout: Duration,
    what: &str,
    done: impl Fn(&[notice::Model]) -> bool,
) -> Vec<notice::Model> {
    let started = std::time::Instant::now();
    loop {
        let rows = notices(db).await;
        if done(&rows) {
            return rows;
        }
        assert!(started.elapsed() < timeout, "{what}: {rows:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The decoded parts of a raw message: (content type, body).
fn parts(raw: &str) -> Vec<(String, String)> {
    fn walk(part: &mailparse::ParsedMail, out: &mut Vec<(String, String)>) {
        if part.subparts.is_empty() {
            out.push((
                part.ctype.mimetype.clone(),
                part.get_body().unwrap_or_default(),
            ));
        }
        for sub in &part.subparts {
            walk(sub, out);
        }
    }
    let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a MIME message");
    let mut out = Vec::new();
    walk(&parsed, &mut out);
    out
}

fn decoded_subject(raw: &str) -> String {
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    use mailparse::MailHeaderMap;
    parsed
        .headers
        .get_first_value("Subject")
        .unwrap_or_default()
}

both!(
    notices_reach_each_recipient_in_their_language,
    notices_wait_while_smtp_is_down,
    refused_notices_fail_and_can_be_retried,
    killed_server_delivers_every_notice_after_restart,
    reminders_are_queued_once_per_version,
    unfilled_requests_reach_the_coordinators,
    one_bad_notice_fails_alone_and_the_outbox_goes_on,
    an_offer_is_written_in_the_language_of_the_mediators_account,
);

/// The mediator's profile says Italian; the account she signs in with chose English: her
/// offers are in English, the organisation's copy in its own language.
async fn an_offer_is_written_in_the_language_of_the_mediators_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ponte::entity::user::Entity::update_many()
        .col_expr(
            ponte::entity::user::Column::Locale,
            sea_orm::sea_query::Expr::value("en"),
        )
        .filter(ponte::entity::user::Column::Id.eq(app.mediator.id))
        .exec(&app.db)
        .await
        .unwrap();
    let profile = mediator::Entity::find_by_id(app.mediator_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.locale, "it");
    let start = Utc::now() + Span::days(3);
    let a = seed_assignment(&app.db, app.org_a, app.site_a, app.mediator_id, start).await;
    queue(&app.db, Event::Offer, a.id, Some("pr_secret")).await;
    let rows = notice::Entity::find()
        .filter(notice::Column::AssignmentId.eq(a.id))
        .all(&app.db)
        .await
        .unwrap();
    let to_her = rows
        .iter()
        .find(|n| n.recipient_email == profile.email.clone().unwrap())
        .expect("a notice to the mediator");
    assert_eq!(to_her.locale, "en", "{}", to_her.subject);
    assert!(!to_her.subject.contains("incarico"), "{}", to_her.subject);
}

async fn notices_reach_each_recipient_in_their_language(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(backend, |c| mail_to(c, &sink)).await;
    set_contact(&app.db, app.org_a, "segreteria@convenevole.example", "en").await;
    // Monday 7 December 2026, 09:00 in Rome.
    let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 8, 0, 0).unwrap();
    let a = seed_assignment(&app.db, app.org_a, app.site_a, app.mediator_id, start).await;
    queue(&app.db, Event::Published, a.id, Some("pr_secret")).await;

    let messages = sink.wait_for(2, Duration::from_secs(20)).await;
    let rows = wait_outbox(&app.db, Duration::from_secs(30), "both sent", |rows| {
        rows.len() == 2 && rows.iter().all(|r| r.state == "sent")
    })
    .await;
    assert_eq!(messages.len(), 2);
    let by_rcpt: HashMap<&str, _> = messages.iter().map(|m| (m.to[0].as_str(), m)).collect();
    let to_mediator = by_rcpt["li.wei@mediatori.example"];
    let to_org = by_rcpt["segreteria@convenevole.example"];
    for m in [to_mediator, to_org] {
        assert_eq!(m.to.len(), 1);
        assert_eq!(m.from, "ponte@ponte.test");
        assert!(!m.data.contains(FAMILY_NOTE), "family data leaked");
        let id = m.message_id().expect("a Message-ID");
        assert!(
            rows.iter().any(|r| r.message_id == id),
            "{id} is a row's Message-ID"
        );
    }

    // The mediator's locale is the default, Italian; the organisation asked for English.
    let subject = decoded_subject(&to_mediator.data);
    assert!(subject.starts_with("Nuovo incarico"), "{subject}");
    assert!(
        subject.contains("lunedì 7 dicembre 2026, 09:00"),
        "{subject}"
    );
    let subject = decoded_subject(&to_org.data);
    assert!(subject.starts_with("New mediation assignment"), "{subject}");

    let mediator_parts = parts(&to_mediator.data);
    let text = &mediator_parts
        .iter()
        .find(|(t, _)| t == "text/plain")
        .expect("a text part")
        .1;
    assert!(text.contains("Gentile Li Wei"), "{text}");
    assert!(text.contains("https://ponte.test/respond/pr_secret?action=accept"));
    assert!(text.contains("https://ponte.test/respond/pr_secret?action=decline"));
    assert!(
        !text.contains(CASE_REFERENCE),
        "case reference is the organisation's"
    );
    let html = &mediator_parts
        .iter()
        .find(|(t, _)| t == "text/html")
        .expect("an HTML part")
        .1;
    // minijinja's HTML escaping writes `/` as `&#x2f;`, which browsers read back as `/`.
    let html = html.replace("&#x2f;", "/");
    assert!(
        html.contains("<a href=\"https://ponte.test/respond/pr_secret?action=accept\">"),
        "{html}"
    );

    let org_parts = parts(&to_org.data);
    let org_text = &org_parts.iter().find(|(t, _)| t == "text/plain").unwrap().1;
    assert!(org_text.contains(CASE_REFERENCE), "{org_text}");
    assert!(org_text.contains("Mediator: Li Wei"), "{org_text}");
    assert!(
        !org_text.contains("respond/"),
        "no answer links for the organisation"
    );

    // The ICS, read back with an independent parser.
    for m in [to_mediator, to_org] {
        let (_, ics) = parts(&m.data)
            .into_iter()
            .find(|(t, _)| t == "text/calendar")
            .expect("an ICS attachment");
        let calendar = ical::IcalParser::new(ics.as_bytes())
            .next()
            .expect("one calendar")
            .expect("a valid calendar");
        let prop = |props: &[ical::property::Property], name: &str| {
            props
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
        };
        assert_eq!(
            prop(&calendar.properties, "METHOD").as_deref(),
            Some("REQUEST")
        );
        assert_eq!(calendar.events.len(), 1);
        let e = &calendar.events[0].properties;
        assert_eq!(prop(e, "UID"), Some(a.uid.clone()));
        assert_eq!(prop(e, "SEQUENCE").as_deref(), Some("2"));
        assert_eq!(prop(e, "DTSTART").as_deref(), Some("20261207T090000"));
        // Not yet accepted: tentative, as the feed says for the same UID and SEQUENCE.
        assert_eq!(prop(e, "STATUS").as_deref(), Some("TENTATIVE"));
        assert!(!ics.contains("Famiglia"));
    }

    // A cancellation carries METHOD:CANCEL with the same UID.
    queue(&app.db, Event::Cancelled, a.id, None).await;
    let messages = sink.wait_for(4, Duration::from_secs(20)).await;
    let cancel = messages
        .iter()
        .skip(2)
        .find(|m| m.to[0] == "li.wei@mediatori.example")
        .unwrap();
    let (kind, ics) = parts(&cancel.data)
        .into_iter()
        .find(|(t, _)| t == "text/calendar")
        .unwrap();
    assert_eq!(kind, "text/calendar");
    assert!(ics.contains("METHOD:CANCEL") && ics.contains(&a.uid));
    assert!(decoded_subject(&cancel.data).starts_with("Incarico annullato"));
}

async fn notices_wait_while_smtp_is_down(backend: Backend) {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = TestApp::spawn_with(backend, |c| mail_to(c, &sink)).await;
    let start = Utc::now() + Span::days(3);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let a = seed_assignment(&app.db, app.org_b, app.site_b, app.mediator_id, start).await;
        queue(&app.db, Event::Published, a.id, None).await;
        ids.push(a.id);
    }
    // Every notice waits, retried with backoff.
    let rows = wait_outbox(&app.db, Duration::from_secs(20), "retried", |rows| {
        rows.len() == 4 && rows.iter().all(|r| r.attempts >= 2)
    })
    .await;
    assert!(rows.iter().all(|r| r.state == "pending"), "{rows:#?}");
    assert!(rows.iter().all(|r| r.last_error.is_some()));
    assert_eq!(sink.count(), 0);

    sink.restart().await;
    let rows = wait_outbox(&app.db, Duration::from_secs(20), "all sent", |rows| {
        rows.iter().all(|r| r.state == "sent")
    })
    .await;
    // Give a duplicate the chance to show up before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 4, "each notice exactly once");
    let mut sent: Vec<String> = messages.iter().filter_map(|m| m.message_id()).collect();
    sent.sort();
    let mut expected: Vec<String> = rows.iter().map(|r| r.message_id.clone()).collect();
    expected.sort();
    assert_eq!(sent, expected);
}

async fn refused_notices_fail_and_can_be_retried(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Permanent);
    let app = TestApp::spawn_with(backend, |c| mail_to(c, &sink)).await;
    let a = seed_assignment(
        &app.db,
        app.org_a,
        app.site_a,
        app.mediator_id,
        Utc::now() + Span::days(5),
    )
    .await;
    queue(&app.db, Event::Changed, a.id, None).await;
    let rows = wait_outbox(&app.db, Duration::from_secs(20), "failed", |rows| {
        rows.len() == 1 && rows[0].state.as_str() == "failed"
    })
    .await;
    // A 5xx is final at once: no retries.
    assert_eq!(rows[0].attempts, 1);
    assert!(rows[0].last_error.as_deref().unwrap().contains("554"));

    let (status, body) = json_of(
        app.get("/api/v1/notices?state=failed", &app.coordinator.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["id"], rows[0].id);
    assert_eq!(body["counts"][0], json!({"state": "failed", "count": 1}));
    let (status, _) = json_of(app.get("/api/v1/notices", &app.mediator.token).await).await;
    assert_eq!(status, 403);
    let (status, body) = json_of(
        app.get("/api/v1/notices?state=lost", &app.coordinator.token)
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["state"].is_string());

    sink.set_mode(Mode::Accept);
    let retry = format!("/api/v1/notices/{}/retry", rows[0].id);
    let (status, body) = json_of(app.post(&retry, &app.coordinator.token, &json!({})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "pending");
    let messages = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(messages[0].message_id(), Some(rows[0].message_id.clone()));
    wait_outbox(&app.db, Duration::from_secs(10), "sent", |rows| {
        rows[0].state.as_str() == "sent"
    })
    .await;
    // Only failed notices are retried; the retry was audited.
    let (status, _) = json_of(app.post(&retry, &app.coordinator.token, &json!({})).await).await;
    assert_eq!(status, 409);
    let (status, _) = json_of(
        app.post(
            "/api/v1/notices/999999/retry",
            &app.coordinator.token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    let audited = ponte::entity::audit_event::Entity::find()
        .filter(ponte::entity::audit_event::Column::Action.eq("notice.retry"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

/// A `ponte serve` process of the real binary on `database_url`, sending to `sink`.
fn serve(database_url: &str, sink_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("PONTE_BIND", "127.0.0.1:0")
        .env("PONTE_SMTP_HOST", "127.0.0.1")
        .env("PONTE_SMTP_PORT", sink_port.to_string())
        .env("PONTE_SMTP_SECURITY", "none")
        .env("PONTE_MAIL_FROM", "ponte@ponte.test")
        .env("PONTE_OUTBOX_LEASE_MS", "2000")
        .env("PONTE_SMTP_TIMEOUT_MS", "1000")
        .env("PONTE_OUTBOX_BATCH", "5")
        .env("PONTE_OUTBOX_POLL_MS", "100")
        .env("PONTE_OUTBOX_BACKOFF_MS", "200")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ponte serve starts")
}

/// A migrated database holding `n` queued notices (one mediator, no organisation contact).
async fn outbox_of(
    backend: Backend,
    n: usize,
) -> (String, DatabaseConnection, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(backend).await;
    let db = storage::connect_and_migrate(&url).await.unwrap();
    let now = Utc::now();
    let org = organisation::ActiveModel {
        name: Set("IC Datini, Prato".into()),
        kind: Set("school".into()),
        timezone: Set("Europe/Rome".into()),
        contact_email: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let s = site::ActiveModel {
        organisation_id: Set(org.id),
        name: Set("Plesso Datini".into()),
        address: Set("Via Roma 1, Prato".into()),
        lat: Set(43.88),
        lon: Set(11.1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let m = mediator::ActiveModel {
        name: Set("Amina Diallo".into()),
        email: Set(Some("amina@mediatori.example".into())),
        phone: Set(None),
        languages: Set(json!(["fr", "wo"])),
        tags: Set(json!([])),
        modalities: Set(json!(["in_person"])),
        timezone: Set("Europe/Rome".into()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let a = seed_assignment(&db, org.id, s.id, m.id, now + Span::days(10)).await;
    for _ in 0..n {
        queue(&db, Event::Changed, a.id, None).await;
    }
    assert_eq!(notices(&db).await.len(), n);
    (url, db, dir)
}

/// Message-ID → copies received.
fn copies(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for m in sink.messages() {
        *out.entry(m.message_id().expect("Message-ID")).or_insert(0) += 1;
    }
    out
}

async fn killed_server_delivers_every_notice_after_restart(backend: Backend) {
    const N: usize = 60;
    let sink = SmtpSink::start().await;
    // Slow enough that the kill falls in the middle of sending.
    sink.set_delay(Duration::from_millis(40));
    let (url, db, _dir) = outbox_of(backend, N).await;
    let mut first = serve(&url, sink.port);
    sink.wait_for(15, Duration::from_secs(30)).await;
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let at_kill = sink.count();
    assert!(at_kill < N, "killed after everything was sent");

    let mut second = serve(&url, sink.port);
    let rows = wait_outbox(
        &db,
        Duration::from_secs(60),
        "all sent after restart",
        |rows| rows.iter().all(|r| r.state == "sent"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    second.kill().ok();
    second.wait().ok();

    let copies = copies(&sink);
    for r in &rows {
        assert!(
            copies.contains_key(&r.message_id),
            "{} never arrived",
            r.message_id
        );
    }
    assert_eq!(copies.len(), N, "only the outbox's notices arrived");
    let doubled: usize = copies.values().map(|c| c - 1).sum();
    // One message at a time is between the server's acceptance and the outbox's record, so
    // one kill can double at most one notice (same Message-ID).
    eprintln!(
        "{backend:?}: killed after {at_kill} of {N} deliveries; {doubled} copies after restart"
    );
    assert!(doubled <= 1, "{doubled} copies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(ponte_pg),
    ignore = "PostgreSQL tests need PONTE_TEST_POSTGRES_URL"
)]
async fn two_processes_drain_one_outbox_once() {
    const N: usize = 150;
    let sink = SmtpSink::start().await;
    sink.set_delay(Duration::from_millis(5));
    let (url, db, _dir) = outbox_of(Backend::Postgres, N).await;
    let mut a = serve(&url, sink.port);
    let mut b = serve(&url, sink.port);
    let rows = wait_outbox(&db, Duration::from_secs(60), "all sent", |rows| {
        rows.iter().all(|r| r.state == "sent")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for p in [&mut a, &mut b] {
        p.kill().ok();
        p.wait().ok();
    }
    let copies = copies(&sink);
    assert_eq!(copies.len(), N);
    assert!(copies.values().all(|&c| c == 1), "a notice went out twice");
    assert_eq!(sink.count(), N);
    // Both processes took part.
    let senders: std::collections::HashSet<_> =
        rows.iter().filter_map(|r| r.claimed_by.clone()).collect();
    eprintln!(
        "two processes: {N} notices, {} senders, counts {:?}",
        senders.len(),
        rows.iter()
            .fold(HashMap::<String, usize>::new(), |mut m, r| {
                *m.entry(r.claimed_by.clone().unwrap_or_default())
                    .or_default() += 1;
                m
            })
    );
    assert_eq!(senders.len(), 2, "both processes sent notices");
}

async fn reminders_are_queued_once_per_version(backend: Backend) {
    // No mail configured: no worker, so the scan is driven by hand.
    let app = TestApp::spawn(backend).await;
    set_contact(&app.db, app.org_a, "segreteria@convenevole.example", "it").await;
    let links = Links {
        base_url: "https://ponte.test".into(),
    };
    let tomorrow = seed_assignment(
        &app.db,
        app.org_a,
        app.site_a,
        app.mediator_id,
        Utc::now() + Span::hours(20),
    )
    .await;
    let _later = seed_assignment(
        &app.db,
        app.org_a,
        app.site_a,
        app.mediator_id,
        Utc::now() + Span::days(3),
    )
    .await;
    let queued = ponte::notice::worker::queue_reminders(&app.db, &links, Utc::now())
        .await
        .unwrap();
    assert_eq!(queued, 2, "the mediator and the organisation");
    let again = ponte::notice::worker::queue_reminders(&app.db, &links, Utc::now())
        .await
        .unwrap();
    assert_eq!(again, 0, "a reminder is queued once");
    let rows = notices(&app.db).await;
    assert!(rows.iter().all(|r| r.kind == "reminder"
        && r.assignment_id == Some(tomorrow.id)
        && r.subject.starts_with("Promemoria")));
    let key = format!("reminder:{}:{}", tomorrow.id, tomorrow.sequence);
    assert!(rows
        .iter()
        .any(|r| r.dedupe_key.as_deref() == Some(key.as_str())));

    // A changed assignment (new SEQUENCE) gets a reminder of its new version.
    let mut changed: assignment::ActiveModel = tomorrow.clone().into();
    changed.sequence = Set(tomorrow.sequence + 1);
    changed.update(&app.db).await.unwrap();
    let queued = ponte::notice::worker::queue_reminders(&app.db, &links, Utc::now())
        .await
        .unwrap();
    assert_eq!(queued, 2);
}

async fn unfilled_requests_reach_the_coordinators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let links = Links {
        base_url: "https://ponte.test".into(),
    };
    let w = Write::begin(&app.db).await.unwrap();
    ponte::notice::unfilled(
        &w.txn,
        &links,
        77,
        2,
        &ponte::notice::Localized {
            it: "nessun mediatore di tigrino libero".into(),
            en: "no Tigrinya speaker free".into(),
        },
        &[ponte::notice::Localized {
            it: "al telefono: Li Wei alle 10:30".into(),
            en: "by phone: Li Wei at 10:30".into(),
        }],
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    let rows = notices(&app.db).await;
    assert_eq!(rows.len(), 1, "one coordinator in the test world");
    let n = &rows[0];
    assert_eq!(n.recipient_email, "coord@ponte.example");
    assert_eq!(n.kind, "unfilled");
    assert_eq!(n.subject, "Richiesta 77 non coperta");
    assert!(n.body_text.contains("nessun mediatore di tigrino libero"));
    assert!(n.body_text.contains("- al telefono: Li Wei alle 10:30"));
    assert!(n
        .body_html
        .contains("<li>al telefono: Li Wei alle 10:30</li>"));
    assert!(n.ics.is_none());
}

/// The demo's transport: each notice becomes an `.eml` file in the mail folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_transport_writes_one_file_per_notice() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("mail");
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.mail.mail_dir = Some(path.clone());
        c.mail.poll_ms = 100;
    })
    .await;
    let a = seed_assignment(
        &app.db,
        app.org_a,
        app.site_a,
        app.mediator_id,
        Utc::now() + Span::days(2),
    )
    .await;
    queue(&app.db, Event::Published, a.id, None).await;
    let rows = wait_outbox(&app.db, Duration::from_secs(20), "written", |rows| {
        rows.len() == 1 && rows[0].state.as_str() == "sent"
    })
    .await;
    let files: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(
        crate::smtp_sink::header(&raw, "message-id"),
        Some(rows[0].message_id.clone())
    );
    assert!(raw.contains("text/calendar"));
}

/// A name with a line break (written before names were checked) once made the worker panic
/// and every later notice wait forever. Now it goes out on one line, a notice that cannot be
/// sent fails alone with its reason, and the worker goes on.
async fn one_bad_notice_fails_alone_and_the_outbox_goes_on(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(backend, |c| mail_to(c, &sink)).await;
    let mut m: mediator::ActiveModel = mediator::Entity::find_by_id(app.mediator_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    m.name = Set("Turno\nserale".into());
    m.update(&app.db).await.unwrap();
    let a = seed_assignment(
        &app.db,
        app.org_a,
        app.site_a,
        app.mediator_id,
        Utc::now() + Span::days(3),
    )
    .await;
    queue(&app.db, Event::Published, a.id, None).await;
    // A second notice whose address is unusable, as a row edited by hand could be; written
    // whole, so that the worker never sees it with a good address.
    let first = notices(&app.db).await.remove(0);
    let mut bad = notice::ActiveModel::from(first).reset_all();
    bad.id = sea_orm::ActiveValue::NotSet;
    bad.message_id = Set("<bad-address@ponte.test>".into());
    bad.recipient_email = Set("li.wei\n@mediatori.example".into());
    bad.dedupe_key = Set(None);
    bad.state = Set("pending".into());
    bad.attempts = Set(0);
    bad.claimed_by = Set(None);
    bad.claimed_until = Set(None);
    bad.sent_at = Set(None);
    bad.next_attempt_at = Set(Utc::now());
    let bad = bad.insert(&app.db).await.unwrap().id;

    let rows = wait_outbox(&app.db, Duration::from_secs(20), "both settled", |rows| {
        rows.iter().all(|r| r.state != "pending")
    })
    .await;
    let failed: Vec<_> = rows.iter().filter(|r| r.state == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:#?}");
    assert_eq!(failed[0].id, bad);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("bad recipient"),
        "{:?}",
        failed[0].last_error
    );
    let messages = sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(
        messages[0].data.contains("Turno serale"),
        "the name on one line: {}",
        messages[0].data
    );

    // The worker is still alive: a later notice goes out too.
    queue(&app.db, Event::Cancelled, a.id, None).await;
    sink.wait_for(2, Duration::from_secs(20)).await;
}
