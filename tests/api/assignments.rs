//! `/api/v1/assignments` and the signed links of emails: who sees what, who may answer,
//! first acceptance wins under concurrency (one and two app instances on one database),
//! every change audited, a GET of a link never changes anything.
use chrono::{DateTime, TimeDelta, Utc};
use ponte::account::{self, NewUser};
use ponte::assignment::new_response_token;
use ponte::auth::Role;
use ponte::config::Config;
use ponte::entity::{assignment, audit_event, mediator, notice};
use ponte::startup::Application;
use ponte::storage;
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, Statement,
};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp, User};

pub const ASSIGNMENTS: &str = "/api/v1/assignments";

/// A mediator profile with a login and a bearer token.
pub struct Mediator {
    pub id: i64,
    pub user: User,
}

/// A mediator speaking `languages`, with an account and a token.
pub async fn add_mediator(app: &TestApp, name: &str, languages: Value) -> Mediator {
    let now = Utc::now();
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let email = format!("{slug}@mediatori.example");
    let id = mediator::ActiveModel {
        name: Set(name.into()),
        email: Set(Some(email.clone())),
        phone: Set(Some("+39 0574 000000".into())),
        languages: Set(languages),
        tags: Set(json!([])),
        modalities: Set(json!(["in_person", "phone", "video"])),
        home_site_id: Set(None),
        home_address: Set(Some("Piazza del Comune, Prato".into())),
        home_lat: Set(Some(43.8805)),
        home_lon: Set(Some(11.0966)),
        max_weekly_minutes: Set(Some(2400)),
        timezone: Set("Europe/Rome".into()),
        active: Set(true),
        locale: Set("it".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    let created = account::create_user(
        &app.db,
        NewUser {
            email,
            name: name.into(),
            role: Role::Mediator,
            organisation_id: None,
            mediator_id: Some(id),
            password: None,
            locale: "it".into(),
        },
    )
    .await
    .unwrap();
    let token = account::issue_token_for(&app.db, created.id, None)
        .await
        .unwrap();
    Mediator {
        id,
        user: User {
            id: created.id,
            token,
        },
    }
}

/// A routine request of organisation A, which dispatch leaves to the planner.
pub async fn routine_request(app: &TestApp, start: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/requests",
            &app.requester_a.token,
            &json!({
                "site_id": app.site_a,
                "language": "zh",
                "modality": "in_person",
                "earliest_start": start,
                "duration_minutes": 60,
                "urgency": "routine",
            }),
        )
        .await;
    let (status, body) = json_of(r).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// A live assignment row, as a plan's publication or a dispatch would write it; returns its
/// id and the clear secret of its email links.
pub async fn insert_assignment(
    db: &DatabaseConnection,
    request_id: i64,
    occurrence: i32,
    mediator_id: i64,
    start: DateTime<Utc>,
    state: &str,
) -> (i64, String) {
    let now = Utc::now();
    let (token, hash) = new_response_token();
    let id = assignment::ActiveModel {
        request_id: Set(request_id),
        occurrence: Set(occurrence),
        mediator_id: Set(mediator_id),
        start: Set(start),
        end: Set(start + TimeDelta::hours(1)),
        state: Set(state.parse().unwrap()),
        plan_id: Set(None),
        uid: Set(ponte::assignment::new_uid("ponte.test")),
        sequence: Set(0),
        response_token_hash: Set(Some(hash)),
        decline_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        responded_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id;
    (id, token)
}

pub async fn state_of(db: &DatabaseConnection, id: i64) -> String {
    assignment::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

pub async fn audits(db: &DatabaseConnection, action: &str, id: i64) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq("assignment"))
        .filter(audit_event::Column::Action.eq(action))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .count(db)
        .await
        .unwrap()
}

pub async fn notices_of(db: &DatabaseConnection, kind: &str, assignment_id: i64) -> u64 {
    notice::Entity::find()
        .filter(notice::Column::Kind.eq(kind))
        .filter(notice::Column::AssignmentId.eq(assignment_id))
        .count(db)
        .await
        .unwrap()
}

fn start() -> DateTime<Utc> {
    (Utc::now() + TimeDelta::days(30))
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_utc()
}

both!(
    who_sees_and_answers_what,
    first_acceptance_wins,
    first_acceptance_wins_across_two_instances,
    signed_links_confirm_before_acting,
    cancelling_a_request_cancels_its_assignments
);

async fn who_sees_and_answers_what(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let amina = add_mediator(&app, "Amina Haddad", json!(["ar", "zh"])).await;
    let first = routine_request(&app, "2027-03-30T09:00").await;
    let second = routine_request(&app, "2027-03-31T09:00").await;
    let (offered, _) =
        insert_assignment(&app.db, first, 1, app.mediator_id, start(), "offered").await;
    let (published, _) =
        insert_assignment(&app.db, second, 1, amina.id, start(), "published").await;

    // Each mediator sees their own only; the other's is 404.
    let (status, page) = json_of(app.get(ASSIGNMENTS, &app.mediator.token).await).await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [offered]);
    assert_eq!(
        page["items"][0]["mediator"]["email"],
        "li.wei@mediatori.example"
    );
    let r = app
        .get(&format!("{ASSIGNMENTS}/{published}"), &app.mediator.token)
        .await;
    assert_problem(r, 404, None).await;

    // The requester sees both, but only the name of the mediator who holds one, and nobody's
    // contact details or reasons.
    let (_, page) = json_of(app.get(ASSIGNMENTS, &app.requester_a.token).await).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    let by_id = |id: i64| items.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(by_id(offered)["mediator"], Value::Null);
    assert_eq!(by_id(published)["mediator"]["name"], "Amina Haddad");
    assert_eq!(by_id(published)["mediator"]["email"], Value::Null);
    assert_eq!(by_id(published)["mediator"]["phone"], Value::Null);
    assert_eq!(by_id(published)["organisation_id"], app.org_a);
    let (_, page) = json_of(app.get(ASSIGNMENTS, &app.requester_b.token).await).await;
    assert_eq!(page["items"], json!([]));

    // Staff see all, with filters and pages.
    let (_, page) = json_of(
        app.get(&format!("{ASSIGNMENTS}?limit=1"), &app.coordinator.token)
            .await,
    )
    .await;
    assert_eq!(page["items"][0]["id"], offered);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, page) = json_of(
        app.get(
            &format!("{ASSIGNMENTS}?limit=1&cursor={cursor}"),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(page["items"][0]["id"], published);
    assert_eq!(page["next_cursor"], Value::Null);
    let (_, page) = json_of(
        app.get(
            &format!("{ASSIGNMENTS}?state=published&request_id={second}"),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let r = app
        .get(
            &format!("{ASSIGNMENTS}?state=maybe&from=yesterday"),
            &app.coordinator.token,
        )
        .await;
    let problem = assert_problem(r, 422, Some("state")).await;
    assert!(problem["errors"]["from"].is_string(), "{problem}");

    // Only the assigned mediator answers: another mediator and staff get 404.
    let accept = |id: i64| format!("{ASSIGNMENTS}/{id}/accept");
    let r = app
        .post(&accept(published), &app.mediator.token, &json!({}))
        .await;
    assert_problem(r, 404, None).await;
    let r = app
        .post(&accept(offered), &app.coordinator.token, &json!({}))
        .await;
    assert_problem(r, 404, None).await;
    let r = app.call(Method::POST, &accept(offered), None, None).await;
    assert_problem(r, 401, None).await;
    assert_eq!(state_of(&app.db, offered).await, "offered");

    let (status, got) = json_of(
        app.post(&accept(offered), &app.mediator.token, &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["state"], "accepted");
    assert_eq!(got["sequence"], 1);
    assert!(got["responded_at"]["utc"].is_string(), "{got}");
    let r = app
        .post(&accept(offered), &app.mediator.token, &json!({}))
        .await;
    assert_problem(r, 409, None).await;
    assert_eq!(audits(&app.db, "accepted", offered).await, 1);

    // A decline with a reason too long is refused and changes nothing; then with a reason.
    let decline = format!("{ASSIGNMENTS}/{published}/decline");
    let r = app
        .post(
            &decline,
            &amina.user.token,
            &json!({"reason": "x".repeat(501)}),
        )
        .await;
    assert_problem(r, 422, Some("reason")).await;
    assert_eq!(state_of(&app.db, published).await, "published");
    let (status, got) = json_of(
        app.post(
            &decline,
            &amina.user.token,
            &json!({"reason": "Sono malata"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["state"], "declined");
    assert_eq!(got["decline_reason"], "Sono malata");
    assert_eq!(audits(&app.db, "declined", published).await, 1);
    assert_eq!(notices_of(&app.db, "declined", published).await, 1);
    let (_, seen) = json_of(
        app.get(
            &format!("{ASSIGNMENTS}/{published}"),
            &app.requester_a.token,
        )
        .await,
    )
    .await;
    assert_eq!(seen["decline_reason"], Value::Null);
    assert_eq!(seen["mediator"], Value::Null);
    let r = app.post(&decline, &amina.user.token, &json!({})).await;
    assert_problem(r, 409, None).await;

    // Every route is in the OpenAPI document.
    let (_, doc) = json_of(app.get("/api/v1/openapi.json", &app.admin.token).await).await;
    for path in [
        "/api/v1/assignments",
        "/api/v1/assignments/{id}",
        "/api/v1/assignments/{id}/accept",
        "/api/v1/assignments/{id}/decline",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} undocumented");
    }
}

/// One occurrence offered to four mediators, four accepts at once, twenty times.
async fn first_acceptance_wins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    race(&app, std::slice::from_ref(&app.address)).await;
}

/// As above, with the accepts spread over two app instances, each with its own pool, on
/// the same database.
async fn first_acceptance_wins_across_two_instances(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = database_url(&app).await;
    let db = storage::connect(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = Application::on(listener, db, Config::for_database(&url));
    let address = format!("http://{}", second.local_addr());
    tokio::spawn(second.run_until_stopped());
    race(&app, &[app.address.clone(), address]).await;
}

/// The URL of the test's database, so that a second instance can open its own pool on it.
async fn database_url(app: &TestApp) -> String {
    match app.backend {
        Backend::Sqlite => {
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "SELECT file FROM pragma_database_list WHERE name = 'main'",
                ))
                .await
                .unwrap()
                .unwrap();
            let file: String = row.try_get("", "file").unwrap();
            format!("sqlite://{file}?mode=rwc")
        }
        Backend::Postgres => {
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "SELECT current_database() AS name",
                ))
                .await
                .unwrap()
                .unwrap();
            let name: String = row.try_get("", "name").unwrap();
            let base = std::env::var("PONTE_TEST_POSTGRES_URL").unwrap();
            let slash = base.rfind('/').unwrap();
            format!("{}/{name}", &base[..slash])
        }
    }
}

async fn race(app: &TestApp, addresses: &[String]) {
    let mut mediators = Vec::new();
    for name in ["Chen Jing", "Wang Fang", "Zhang Wei", "Liu Yang"] {
        mediators.push(add_mediator(app, name, json!(["zh"])).await);
    }
    let client = reqwest::Client::new();
    for round in 0..20 {
        let request = routine_request(app, "2027-03-30T09:00").await;
        let mut offers = Vec::new();
        // Each round at its own hour: a mediator who won an earlier round holds that
        // hour, and an acceptance never double-books.
        let at = start() + TimeDelta::hours(round);
        for m in &mediators {
            let (id, _) = insert_assignment(&app.db, request, 1, m.id, at, "offered").await;
            offers.push(id);
        }
        // Spawned tasks, so that the accepts really run at once on the runtime's threads.
        let accepts: Vec<_> = offers
            .iter()
            .zip(&mediators)
            .enumerate()
            .map(|(i, (id, m))| {
                let url = format!(
                    "{}{ASSIGNMENTS}/{id}/accept",
                    addresses[i % addresses.len()]
                );
                let request = client.post(url).bearer_auth(&m.user.token).send();
                tokio::spawn(async move { request.await.unwrap().status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::new();
        for accept in accepts {
            statuses.push(accept.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409, 409, 409], "round {round}");

        let rows = assignment::Entity::find()
            .filter(assignment::Column::RequestId.eq(request))
            .all(&app.db)
            .await
            .unwrap();
        let live: Vec<_> = rows
            .iter()
            .filter(|a| a.state.as_str() == "accepted")
            .collect();
        assert_eq!(live.len(), 1, "round {round}: {rows:?}");
        assert_eq!(
            rows.iter()
                .filter(|a| a.state.as_str() == "withdrawn")
                .count(),
            3,
            "round {round}"
        );
        for a in rows.iter().filter(|a| a.state.as_str() == "withdrawn") {
            assert_eq!(notices_of(&app.db, "offer_taken", a.id).await, 1);
            assert_eq!(audits(&app.db, "withdrawn", a.id).await, 1);
        }
        assert_eq!(audits(&app.db, "accepted", live[0].id).await, 1);
    }
}

async fn signed_links_confirm_before_acting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let amina = add_mediator(&app, "Amina Haddad", json!(["zh"])).await;
    let request = routine_request(&app, "2027-03-30T09:00").await;
    let (mine, token) =
        insert_assignment(&app.db, request, 1, app.mediator_id, start(), "offered").await;
    let (hers, her_token) =
        insert_assignment(&app.db, request, 1, amina.id, start(), "offered").await;
    let client = reqwest::Client::new();
    let page = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // GETs (as mail scanners make them) only show the confirmation, in Italian by default.
    for _ in 0..3 {
        let (status, html) = page(format!("/respond/{token}?action=accept")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Accettare l'incarico?"), "{html}");
        assert!(
            html.contains(&format!("action=\"/respond/{token}\"")),
            "{html}"
        );
        assert!(html.contains("value=\"accept\""), "{html}");
    }
    let (_, html) = page(format!("/respond/{her_token}?action=decline&lang=en")).await;
    assert!(html.contains("Decline the assignment?"), "{html}");
    assert!(html.contains("name=\"reason\""), "{html}");
    assert_eq!(state_of(&app.db, mine).await, "offered");
    assert_eq!(state_of(&app.db, hers).await, "offered");
    let (status, html) = page("/respond/pr_nothing?action=accept".into()).await;
    assert_eq!(status, 404);
    assert!(html.contains("Link non valido"), "{html}");

    // The form's POST answers.
    let post = |token: String, form: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let url = app.url(&format!("/respond/{token}"));
        async move {
            let r = client.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, html) = post(token.clone(), vec![("action", "accept")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Incarico accettato"), "{html}");
    assert_eq!(state_of(&app.db, mine).await, "accepted");
    assert_eq!(state_of(&app.db, hers).await, "withdrawn");
    assert_eq!(audits(&app.db, "accepted", mine).await, 1);

    // Answered already: said so, in either language, by GET or POST.
    let (status, html) = page(format!("/respond/{token}?action=decline")).await;
    assert_eq!(status, 409);
    assert!(html.contains("già stato accettato"), "{html}");
    let (status, html) = post(
        her_token.clone(),
        vec![("action", "accept"), ("lang", "en")],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("Someone else accepted first"), "{html}");
    assert_eq!(state_of(&app.db, hers).await, "withdrawn");

    // A decline by link, with its reason.
    let later = routine_request(&app, "2027-04-01T09:00").await;
    let (published, token) =
        insert_assignment(&app.db, later, 1, app.mediator_id, start(), "published").await;
    let (status, html) = post(
        token,
        vec![
            ("action", "decline"),
            ("reason", "In ferie <3"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Assignment declined"), "{html}");
    let row = assignment::Entity::find_by_id(published)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state.as_str(), "declined");
    assert_eq!(row.decline_reason.as_deref(), Some("In ferie <3"));
    assert_eq!(audits(&app.db, "declined", published).await, 1);
    assert_eq!(notices_of(&app.db, "declined", published).await, 1);
}

async fn cancelling_a_request_cancels_its_assignments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let request = routine_request(&app, "2027-03-30T09:00").await;
    let (live, _) =
        insert_assignment(&app.db, request, 1, app.mediator_id, start(), "accepted").await;
    let other = routine_request(&app, "2027-03-31T09:00").await;
    let (untouched, _) =
        insert_assignment(&app.db, other, 1, app.mediator_id, start(), "published").await;
    let r = app
        .post(
            &format!("/api/v1/requests/{request}/cancel"),
            &app.requester_a.token,
            &json!({"reason": "La famiglia si è trasferita"}),
        )
        .await;
    let (status, body) = json_of(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(state_of(&app.db, live).await, "cancelled");
    assert_eq!(state_of(&app.db, untouched).await, "published");
    assert_eq!(notices_of(&app.db, "cancelled", live).await, 1);
    assert_eq!(audits(&app.db, "cancelled", live).await, 1);
    let (_, seen) = json_of(
        app.get(&format!("{ASSIGNMENTS}/{live}"), &app.mediator.token)
            .await,
    )
    .await;
    assert_eq!(seen["state"], "cancelled");
    assert_eq!(seen["sequence"], 1);
}
