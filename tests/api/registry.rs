//! The registry: organisations, sites, mediators, availability and shifts, tags and users.
//! Happy paths, every validation rule with the field it names, and the authorization matrix.
use ponte::account::session;
use ponte::auth::{Caller, Role};
use ponte::entity::{audit_event, mediator, organisation, user};
use ponte::error::Error as ApiError;
use ponte::registry::browse;
use ponte::registry::input::Change;
use ponte::registry::mediators::{self, MediatorPatch, NewMediator};
use ponte::registry::organisations::{self, NewOrganisation, OrganisationPatch};
use ponte::registry::sites::{self, SitePatch};
use ponte::registry::users::{self, NewUserBody, UserPatch};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

const ORGANISATIONS: &str = "/api/v1/organisations";
const MEDIATORS: &str = "/api/v1/mediators";
const TAGS: &str = "/api/v1/tags";
const USERS: &str = "/api/v1/users";
const POST: Method = Method::POST;
const PATCH: Method = Method::PATCH;
const PUT: Method = Method::PUT;

/// `base` with `changes` applied: a field set to null is removed.
fn with(base: &Value, changes: Value) -> Value {
    let mut body = base.clone();
    for (field, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value.clone();
        }
    }
    body
}

fn mediator_body(changes: Value) -> Value {
    let base = json!({
        "name": "Amina El Idrissi",
        "email": "Amina@Mediatori.example",
        "phone": "+39 0574 123456",
        "languages": ["AR-ma", "fr"],
        "tags": [],
        "modalities": ["in_person", "phone"],
        "home": {"address": "Via Pistoiese 12, Prato", "lat": 43.88, "lon": 11.08},
        "max_weekly_minutes": 1800,
    });
    with(&base, changes)
}

/// The status and JSON body of a call as `token`.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    json_of(app.call(method, path, Some(token), body).await).await
}

/// A GET as `token` that must succeed.
async fn read(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, body) = send(app, Method::GET, path, token, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// A call as admin that must answer `status`.
async fn admin(app: &TestApp, method: Method, path: &str, body: &Value, status: u16) -> Value {
    let (got, answer) = send(app, method.clone(), path, &app.admin.token, Some(body)).await;
    assert_eq!(got, status, "{method} {path}: {answer}");
    answer
}

/// A call as admin that must be a 422 naming every one of `fields`.
async fn invalid(app: &TestApp, method: Method, path: &str, body: &Value, fields: &[&str]) {
    let response = app
        .call(method.clone(), path, Some(&app.admin.token), Some(body))
        .await;
    let problem = assert_problem(response, 422, fields.first().copied()).await;
    for field in fields {
        let named = problem["errors"][field].is_string();
        assert!(
            named,
            "{method} {path} {body}: expected an error for `{field}` in {problem}"
        );
    }
}

async fn create_mediator(app: &TestApp, changes: Value) -> i64 {
    let created = admin(app, POST, MEDIATORS, &mediator_body(changes), 201).await;
    created["id"].as_i64().unwrap()
}

async fn create_tag(app: &TestApp, name: &str) {
    admin(app, POST, TAGS, &json!({"name": name}), 201).await;
}

async fn audit_count(app: &TestApp, action: &str, entity: &str, id: impl ToString) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .filter(audit_event::Column::Entity.eq(entity))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .count(&app.db)
        .await
        .unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    let items = page["items"].as_array().unwrap();
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

// Organisations and sites.

async fn organisations_are_created_listed_and_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"name": " Consultorio Nord ", "kind": "health", "contact_email": "Info@Asl.example"});
    let (status, created) = send(
        &app,
        POST,
        ORGANISATIONS,
        &app.coordinator.token,
        Some(&body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Consultorio Nord");
    assert_eq!(created["timezone"], "Europe/Rome");
    assert_eq!(created["contact_email"], "info@asl.example");
    assert!(created["created_at"]["local"].is_string(), "{created}");
    assert_eq!(audit_count(&app, "created", "organisation", id).await, 1);
    assert_eq!(
        read(&app, &format!("{ORGANISATIONS}/{id}"), &app.admin.token).await,
        created
    );

    let all = read(&app, ORGANISATIONS, &app.admin.token).await;
    assert_eq!(ids(&all), [app.org_a, app.org_b, id]);
    assert!(all["next_cursor"].is_null());
    let own = read(&app, ORGANISATIONS, &app.requester_a.token).await;
    assert_eq!(ids(&own), [app.org_a]);

    // Pages of one, following the cursor, visit every organisation once.
    let mut seen = Vec::new();
    let mut path = format!("{ORGANISATIONS}?limit=1");
    loop {
        let page = read(&app, &path, &app.admin.token).await;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{ORGANISATIONS}?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [app.org_a, app.org_b, id]);
}

async fn organisation_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let good = json!({"name": "Sportello PUA", "kind": "desk"});
    let cases = [
        (json!({"name": "  "}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        // A line break in a name broke the notices' headers (and the outbox with them).
        (json!({"name": "Turno\nserale"}), "name"),
        (json!({"name": 5}), "name"),
        (json!({"kind": "hospital"}), "kind"),
        (json!({"timezone": "Europe/Prato"}), "timezone"),
        (json!({"contact_email": "info"}), "contact_email"),
    ];
    for (changes, field) in cases {
        invalid(&app, POST, ORGANISATIONS, &with(&good, changes), &[field]).await;
    }
    invalid(&app, POST, ORGANISATIONS, &json!({}), &["name", "kind"]).await;
    let all_bad = json!({"name": "", "kind": "x", "timezone": "Mars/Base", "contact_email": "@"});
    let fields = ["name", "kind", "timezone", "contact_email"];
    invalid(&app, POST, ORGANISATIONS, &all_bad, &fields).await;

    let malformed = app
        .client
        .post(app.url(ORGANISATIONS))
        .bearer_auth(&app.admin.token);
    let response = malformed
        .header("content-type", "application/json")
        .body("{\"name\": ");
    assert_problem(response.send().await.unwrap(), 400, None).await;
    // JSON sent as a form or as text/plain is what another site's page can post without
    // asking: refused whatever it holds, like a body over the limit.
    let good = r#"{"name": "Sportello PUA", "kind": "desk"}"#;
    for kind in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut call = app
            .client
            .post(app.url(ORGANISATIONS))
            .bearer_auth(&app.admin.token)
            .body(good);
        if let Some(kind) = kind {
            call = call.header("content-type", kind);
        }
        assert_problem(call.send().await.unwrap(), 415, None).await;
    }
    let huge = format!(
        r#"{{"name": "{}", "kind": "desk"}}"#,
        "x".repeat(300 * 1024)
    );
    let response = app
        .client
        .post(app.url(ORGANISATIONS))
        .bearer_auth(&app.admin.token)
        .header("content-type", "application/json")
        // The server answers before reading the whole body and drops the connection: the
        // next request must not try to reuse it (a broken pipe, seen once on a busy run).
        .header("connection", "close")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, None).await;
    // With parameters, JSON is JSON: this one reaches validation.
    let response = app
        .client
        .post(app.url(ORGANISATIONS))
        .bearer_auth(&app.admin.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"name": "", "kind": "desk"}"#)
        .send()
        .await
        .unwrap();
    assert_problem(response, 422, Some("name")).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=no", "cursor"),
    ] {
        let response = app
            .get(&format!("{ORGANISATIONS}?{query}"), &app.admin.token)
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
    for path in ["/api/v1/organisations/999999", "/api/v1/organisations/abc"] {
        assert_problem(app.get(path, &app.admin.token).await, 404, None).await;
    }
    assert_eq!(
        ids(&read(&app, ORGANISATIONS, &app.admin.token).await).len(),
        2,
        "nothing written"
    );
}

async fn sites_are_created_and_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sites = format!("{ORGANISATIONS}/{}/sites", app.org_a);
    let body = json!({"name": "Plesso Marco Polo", "address": "Via Marco Polo 4", "lat": 43.8791, "lon": 11.1104});
    let created = admin(&app, POST, &sites, &body, 201).await;
    assert_eq!(
        (created["organisation_id"].as_i64(), created["lat"].as_f64()),
        (Some(app.org_a), Some(43.8791))
    );
    let listed = read(&app, &sites, &app.requester_a.token).await;
    assert_eq!(ids(&listed), [app.site_a, created["id"].as_i64().unwrap()]);
    let listed_b = read(
        &app,
        &format!("{ORGANISATIONS}/{}/sites", app.org_b),
        &app.admin.token,
    )
    .await;
    assert_eq!(ids(&listed_b), [app.site_b]);
}

async fn site_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sites = format!("{ORGANISATIONS}/{}/sites", app.org_a);
    let good = json!({"name": "Plesso", "address": "Via Roma 1", "lat": 43.0, "lon": 11.0});
    let cases = [
        (json!({"name": ""}), "name"),
        (json!({"address": " "}), "address"),
        (json!({"name": "Ples\rso"}), "name"),
        (json!({"address": "Via\tRoma 1"}), "address"),
        (json!({"lat": 90.01}), "lat"),
        (json!({"lat": -90.5}), "lat"),
        (json!({"lat": "north"}), "lat"),
        (json!({"lon": 180.5}), "lon"),
        (json!({"lon": -181}), "lon"),
    ];
    for (changes, field) in cases {
        invalid(&app, POST, &sites, &with(&good, changes), &[field]).await;
    }
    invalid(
        &app,
        POST,
        &sites,
        &json!({}),
        &["name", "address", "lat", "lon"],
    )
    .await;
    let response = app
        .post(
            &format!("{ORGANISATIONS}/999999/sites"),
            &app.admin.token,
            &good,
        )
        .await;
    assert_problem(response, 404, None).await;
    assert_eq!(
        ids(&read(&app, &sites, &app.admin.token).await),
        [app.site_a],
        "nothing written"
    );
}

// Mediators.

async fn mediators_are_created_read_and_patched(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_tag(&app, "female").await;
    let body = mediator_body(json!({"tags": ["female"], "timezone": "Europe/Rome"}));
    let (status, created) = send(&app, POST, MEDIATORS, &app.coordinator.token, Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let path = format!("{MEDIATORS}/{id}");
    assert_eq!(
        created["languages"],
        json!(["ar-MA", "fr"]),
        "canonical tags"
    );
    assert_eq!(created["email"], "amina@mediatori.example");
    assert_eq!(created["tags"], json!(["female"]));
    assert_eq!(created["home"], body["home"]);
    assert_eq!(
        (created["home_site_id"].is_null(), &created["active"]),
        (true, &json!(true))
    );
    assert_eq!(audit_count(&app, "created", "mediator", id).await, 1);
    assert_eq!(read(&app, &path, &app.admin.token).await, created);

    let patch = json!({
        "name": "Amina Bennani", "languages": ["ar-ma", "it"], "email": null,
        "home_site_id": app.site_a, "active": false,
    });
    let patched = admin(&app, PATCH, &path, &patch, 200).await;
    assert_eq!(patched["name"], "Amina Bennani");
    assert_eq!(patched["languages"], json!(["ar-MA", "it"]));
    assert_eq!(patched["email"], Value::Null);
    assert_eq!(patched["home_site_id"], app.site_a);
    assert_eq!(
        patched["home"],
        Value::Null,
        "a home site replaces the home place"
    );
    assert_eq!(patched["active"], false);
    assert_eq!(
        patched["phone"], created["phone"],
        "fields left out are kept"
    );
    assert_eq!(read(&app, &path, &app.coordinator.token).await, patched);
    assert_eq!(audit_count(&app, "updated", "mediator", id).await, 1);

    let cleared = json!({"home_site_id": null, "max_weekly_minutes": null, "tags": []});
    let patched = admin(&app, PATCH, &path, &cleared, 200).await;
    assert_eq!(patched["home_site_id"], Value::Null);
    assert_eq!(patched["max_weekly_minutes"], Value::Null);
    assert_eq!(patched["tags"], json!([]));

    let own = read(
        &app,
        &format!("{MEDIATORS}/{}", app.mediator_id),
        &app.mediator.token,
    )
    .await;
    assert_eq!(own["name"], "Li Wei");
}

async fn mediator_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_tag(&app, "female").await;
    let place =
        |address: &str, lat: f64, lon: f64| json!({"address": address, "lat": lat, "lon": lon});
    let cases = [
        (json!({"name": null}), "name"),
        (json!({"name": " "}), "name"),
        (json!({"name": "Amina\nEl Idrissi"}), "name"),
        (json!({"languages": vec!["ar"; 31]}), "languages"),
        (json!({"tags": vec!["female"; 101]}), "tags"),
        (
            json!({"modalities": ["phone", "video", "in_person", "phone"]}),
            "modalities",
        ),
        (json!({"email": "amina"}), "email"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"languages": null}), "languages"),
        (json!({"languages": []}), "languages"),
        (json!({"languages": ["ar", "zh_TW"]}), "languages[1]"),
        (json!({"languages": ["ar", "AR"]}), "languages[1]"),
        (json!({"languages": ["ar", 7]}), "languages[1]"),
        (json!({"tags": ["female", "court-certifed"]}), "tags[1]"),
        (json!({"tags": ["female", "female"]}), "tags[1]"),
        (json!({"modalities": null}), "modalities"),
        (json!({"modalities": []}), "modalities"),
        (json!({"modalities": ["phone", "fax"]}), "modalities[1]"),
        (json!({"modalities": ["phone", "phone"]}), "modalities[1]"),
        (
            json!({"home_site_id": 999999, "home": null}),
            "home_site_id",
        ),
        (json!({"home_site_id": app.site_a}), "home"),
        (json!({"home": place("Via Roma 1", 95.0, 11.0)}), "home.lat"),
        (
            json!({"home": place("Via Roma 1", 43.0, 200.0)}),
            "home.lon",
        ),
        (json!({"home": place("", 43.0, 11.0)}), "home.address"),
        (json!({"home": {"lat": 43.0, "lon": 11.0}}), "home.address"),
        (json!({"max_weekly_minutes": 0}), "max_weekly_minutes"),
        (json!({"max_weekly_minutes": 3361}), "max_weekly_minutes"),
        (json!({"timezone": "Rome"}), "timezone"),
    ];
    for (changes, field) in &cases {
        invalid(
            &app,
            POST,
            MEDIATORS,
            &mediator_body(changes.clone()),
            &[field],
        )
        .await;
    }
    let all_bad = json!({
        "name": "", "languages": ["??"], "tags": ["nope"], "modalities": ["fax"],
        "max_weekly_minutes": 5000, "timezone": "x",
    });
    let fields = [
        "name",
        "languages[0]",
        "tags[0]",
        "modalities[0]",
        "max_weekly_minutes",
        "timezone",
    ];
    invalid(&app, POST, MEDIATORS, &mediator_body(all_bad), &fields).await;
    assert_eq!(
        mediator::Entity::find().count(&app.db).await.unwrap(),
        1,
        "nothing written"
    );

    // PATCH: the same rules (but for removals, and the body's home place that POST has), and
    // fields every profile has cannot be removed.
    let path = format!("{MEDIATORS}/{}", app.mediator_id);
    let patchable = cases.iter().filter(|(c, field)| {
        *field != "home" && !c.as_object().unwrap().values().any(Value::is_null)
    });
    for (changes, field) in patchable {
        invalid(&app, PATCH, &path, changes, &[field]).await;
    }
    for field in [
        "name",
        "languages",
        "modalities",
        "tags",
        "timezone",
        "active",
    ] {
        invalid(&app, PATCH, &path, &json!({ field: null }), &[field]).await;
    }
    let both_homes = json!({"home_site_id": app.site_a, "home": place("Via Roma 1", 43.0, 11.0)});
    invalid(&app, PATCH, &path, &both_homes, &["home"]).await;
    invalid(&app, PATCH, &path, &json!({"active": "no"}), &["active"]).await;
    assert_eq!(
        read(&app, &path, &app.admin.token).await["name"],
        "Li Wei",
        "nothing written"
    );
    let response = admin(
        &app,
        PATCH,
        &format!("{MEDIATORS}/999999"),
        &json!({"active": false}),
        404,
    )
    .await;
    assert_eq!(response["status"], 404);
}

async fn mediators_are_filtered_and_paginated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_tag(&app, "female").await;
    let moroccan = create_mediator(
        &app,
        json!({"languages": ["ar-MA"], "tags": ["female"], "modalities": ["video"]}),
    )
    .await;
    let arabic = create_mediator(
        &app,
        json!({"languages": ["ar"], "modalities": ["in_person"]}),
    )
    .await;
    let retired = create_mediator(&app, json!({"languages": ["ro"]})).await;
    admin(
        &app,
        PATCH,
        &format!("{MEDIATORS}/{retired}"),
        &json!({"active": false}),
        200,
    )
    .await;

    let everyone = [app.mediator_id, moroccan, arabic, retired];
    let cases: [(&str, &[i64]); 10] = [
        ("", &everyone),
        ("language=ar", &[moroccan, arabic]),
        ("language=AR-ma", &[moroccan]),
        ("language=zh", &[app.mediator_id]),
        ("tag=female", &[moroccan]),
        ("modality=in_person", &[app.mediator_id, arabic, retired]),
        ("modality=video&language=ar", &[moroccan]),
        ("active=false", &[retired]),
        ("active=true&language=ar&limit=1", &[moroccan]),
        ("language=ar&limit=1&cursor=", &[moroccan]),
    ];
    for (query, expected) in cases {
        let page = read(&app, &format!("{MEDIATORS}?{query}"), &app.admin.token).await;
        assert_eq!(ids(&page), expected, "?{query}");
    }
    let first = read(
        &app,
        &format!("{MEDIATORS}?language=ar&limit=1"),
        &app.admin.token,
    )
    .await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = read(
        &app,
        &format!("{MEDIATORS}?language=ar&limit=1&cursor={cursor}"),
        &app.admin.token,
    )
    .await;
    assert_eq!(ids(&second), [arabic]);
    assert!(second["next_cursor"].is_null(), "{second}");

    let bad = [
        ("language=zh_TW", "language"),
        ("tag=unknown", "tag"),
        ("modality=fax", "modality"),
        ("active=yes", "active"),
        ("limit=-1", "limit"),
    ];
    for (query, field) in bad {
        let response = app
            .get(&format!("{MEDIATORS}?{query}"), &app.admin.token)
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
    let me = read(&app, MEDIATORS, &app.mediator.token).await;
    assert_eq!(
        ids(&me),
        [app.mediator_id],
        "a mediator lists only themself"
    );
}

// Availability and shifts.

fn week() -> Value {
    json!({
        "rules": [
            {"weekday": "mon", "start": "09:00", "end": "13:00"},
            {"weekday": "mon", "start": "14:00", "end": "17:30"},
            {"weekday": "thu", "start": "08:30", "end": "12:00"},
        ],
        "exceptions": [
            {"date": "2026-04-06", "kind": "absence", "start": "00:00", "end": "23:59", "note": "Pasquetta"},
            {"date": "2026-04-08", "kind": "extra", "start": "15:00", "end": "18:00"},
        ],
    })
}

async fn availability_is_replaced_and_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = format!("{MEDIATORS}/{}/availability", app.mediator_id);
    let empty = read(&app, &path, &app.mediator.token).await;
    assert_eq!(empty, json!({"rules": [], "exceptions": []}));

    let (status, stored) = send(&app, PUT, &path, &app.mediator.token, Some(&week())).await;
    assert_eq!((status, stored), (200, week()));
    assert_eq!(read(&app, &path, &app.coordinator.token).await, week());
    assert_eq!(
        audit_count(&app, "availability_replaced", "mediator", app.mediator_id).await,
        1
    );

    // Replacing means replacing: nothing of the old lists stays.
    let next =
        json!({"rules": [{"weekday": "fri", "start": "10:00", "end": "11:00"}], "exceptions": []});
    admin(&app, PUT, &path, &next, 200).await;
    assert_eq!(read(&app, &path, &app.admin.token).await, next);
}

async fn concurrent_replacements_never_mix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = format!("{MEDIATORS}/{}/availability", app.mediator_id);
    // Body k has k + 1 rules, so that a mix of two bodies shows.
    let body = |k: u32| {
        let rule = |h: u32| json!({"weekday": "wed", "start": format!("{:02}:00", 8 + h), "end": format!("{:02}:30", 8 + h)});
        json!({"rules": (0..=k).map(rule).collect::<Vec<_>>(), "exceptions": []})
    };
    let mut calls = tokio::task::JoinSet::new();
    for k in 0..8 {
        let call = app
            .client
            .put(app.url(&path))
            .bearer_auth(&app.admin.token)
            .json(&body(k));
        calls.spawn(async move { call.send().await.unwrap().status().as_u16() });
    }
    while let Some(status) = calls.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let stored = read(&app, &path, &app.admin.token).await;
    assert!(
        (0..8).any(|k| stored == body(k)),
        "a mix of replacements: {stored}"
    );
}

async fn availability_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = format!("{MEDIATORS}/{}/availability", app.mediator_id);
    admin(&app, PUT, &path, &week(), 200).await;
    let rule = |weekday: &str, start: &str, end: &str| json!({"weekday": weekday, "start": start, "end": end});
    let rules = |rules: &[Value]| json!({"rules": rules, "exceptions": []});
    let exceptions = |exceptions: &[Value]| json!({"rules": [], "exceptions": exceptions});
    let absence = |start: &str, end: &str| json!({"date": "2026-04-06", "kind": "absence", "start": start, "end": end});
    let (monday, tuesday) = (rule("mon", "09:00", "13:00"), rule("tue", "09:00", "13:00"));

    let cases: [(Value, &[&str]); 12] = [
        (
            rules(&[monday.clone(), rule("tue", "13:00", "09:00")]),
            &["rules[1].end"],
        ),
        (
            rules(&[rule("mon", "09:00", "09:00"), rule("tue", "13:00", "12:00")]),
            &["rules[0].end", "rules[1].end"],
        ),
        (
            rules(&[monday.clone(), tuesday, rule("mon", "12:00", "14:00")]),
            &["rules[2]"],
        ),
        (
            rules(&[rule("monday", "09:00", "13:00")]),
            &["rules[0].weekday"],
        ),
        (rules(&[rule("mon", "9:00", "13:00")]), &["rules[0].start"]),
        (rules(&[rule("mon", "09:00", "24:00")]), &["rules[0].end"]),
        (
            exceptions(&[absence("09:00", "10:00"), absence("11:00", "10:00")]),
            &["exceptions[1].end"],
        ),
        (
            exceptions(&[with(
                &absence("09:00", "10:00"),
                json!({"date": "2026-02-30"}),
            )]),
            &["exceptions[0].date"],
        ),
        (
            exceptions(&[with(&absence("09:00", "10:00"), json!({"kind": "holiday"}))]),
            &["exceptions[0].kind"],
        ),
        (
            exceptions(&[with(&absence("09:00", "10:00"), json!({"end": null}))]),
            &["exceptions[0].end"],
        ),
        (
            exceptions(&[with(
                &absence("09:00", "10:00"),
                json!({"note": "x".repeat(501)}),
            )]),
            &["exceptions[0].note"],
        ),
        (json!({"rules": [monday]}), &["exceptions"]),
    ];
    for (body, fields) in &cases {
        invalid(&app, PUT, &path, body, fields).await;
    }
    assert_eq!(
        read(&app, &path, &app.admin.token).await,
        week(),
        "nothing written"
    );
    admin(
        &app,
        PUT,
        &format!("{MEDIATORS}/999999/availability"),
        &week(),
        404,
    )
    .await;
}

async fn shifts_follow_daylight_saving_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let availability = format!("{MEDIATORS}/{}/availability", app.mediator_id);
    let monday =
        json!({"rules": [{"weekday": "mon", "start": "09:00", "end": "13:00"}], "exceptions": []});
    admin(&app, PUT, &availability, &monday, 200).await;
    let shifts = format!("{MEDIATORS}/{}/shifts", app.mediator_id);

    // Clocks go forward on Sunday 29 March 2026: Monday 09:00 is 08:00Z before, 07:00Z after.
    let march = read(
        &app,
        &format!("{shifts}?from=2026-03-23&to=2026-03-30"),
        &app.mediator.token,
    )
    .await;
    assert_eq!(march["timezone"], "Europe/Rome");
    assert_eq!(
        march["shifts"],
        json!([
            {"start": {"utc": "2026-03-23T08:00:00Z", "local": "2026-03-23T09:00:00+01:00"},
             "end": {"utc": "2026-03-23T12:00:00Z", "local": "2026-03-23T13:00:00+01:00"}},
            {"start": {"utc": "2026-03-30T07:00:00Z", "local": "2026-03-30T09:00:00+02:00"},
             "end": {"utc": "2026-03-30T11:00:00Z", "local": "2026-03-30T13:00:00+02:00"}},
        ])
    );
    // And back on Sunday 25 October.
    let october = read(
        &app,
        &format!("{shifts}?from=2026-10-19&to=2026-10-26"),
        &app.mediator.token,
    )
    .await;
    let starts: Vec<&Value> = october["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["start"]["utc"])
        .collect();
    assert_eq!(starts, ["2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z"]);

    let leap_year = read(
        &app,
        &format!("{shifts}?from=2028-01-01&to=2028-12-31"),
        &app.admin.token,
    )
    .await;
    // 52 Mondays, less three national holidays (Easter Monday, 1 May, Christmas Day).
    assert_eq!(
        leap_year["shifts"].as_array().unwrap().len(),
        49,
        "366 days are allowed"
    );
    for (query, field) in [
        ("to=2026-03-30", "from"),
        ("from=2026-03-23", "to"),
        ("from=23/03/2026&to=2026-03-30", "from"),
        ("from=2026-03-30&to=2026-03-23", "to"),
        ("from=2026-01-01&to=2027-01-02", "to"),
    ] {
        let response = app
            .get(&format!("{shifts}?{query}"), &app.admin.token)
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
}

// Tags and users.

async fn tags_are_created_and_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"name": "health-certified", "description": "Formazione sanitaria"});
    let (status, created) = send(&app, POST, TAGS, &app.coordinator.token, Some(&body)).await;
    assert_eq!((status, &created), (201, &body));
    create_tag(&app, "female").await;
    let listed = read(&app, TAGS, &app.requester_a.token).await;
    assert_eq!(
        listed,
        json!([{"name": "female", "description": null}, body])
    );
    assert_problem(
        app.post(TAGS, &app.admin.token, &json!({"name": "female"}))
            .await,
        409,
        None,
    )
    .await;
    for name in [
        "Female",
        "health_certified",
        "court certified",
        "-x",
        "a--b",
        "",
    ] {
        invalid(&app, POST, TAGS, &json!({"name": name}), &["name"]).await;
    }
    invalid(&app, POST, TAGS, &json!({}), &["name"]).await;
    invalid(
        &app,
        POST,
        TAGS,
        &json!({"name": "ok", "description": "x".repeat(501)}),
        &["description"],
    )
    .await;
    assert_eq!(
        read(&app, TAGS, &app.admin.token)
            .await
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing written"
    );
}

async fn users_are_created_and_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({
        "email": " Nuova@Scuola.example ", "name": "Segreteria", "role": "requester",
        "organisation_id": app.org_a, "password": "correct horse battery",
    });
    let created = admin(&app, POST, USERS, &body, 201).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        (&created["email"], &created["locale"]),
        (&json!("nuova@scuola.example"), &json!("it"))
    );
    assert_eq!(created["organisation_id"], app.org_a);
    assert!(
        created.get("password_hash").is_none() && created.get("password").is_none(),
        "{created}"
    );
    assert_eq!(audit_count(&app, "created", "user", id).await, 1);

    let first = read(&app, &format!("{USERS}?limit=5"), &app.admin.token).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = read(
        &app,
        &format!("{USERS}?limit=5&cursor={cursor}"),
        &app.admin.token,
    )
    .await;
    assert_eq!(ids(&second), [id]);
    assert!(
        !format!("{first}{second}").contains("argon2"),
        "password hashes are never shown"
    );

    let good = json!({"email": "x@ponte.example", "name": "X", "role": "coordinator"});
    let cases = [
        (json!({"email": "x"}), "email"),
        (json!({"name": " "}), "name"),
        (json!({"role": "boss"}), "role"),
        (json!({"role": "requester"}), "organisation_id"),
        (
            json!({"role": "requester", "organisation_id": 999999}),
            "organisation_id",
        ),
        (json!({"role": "mediator"}), "mediator_id"),
        (
            json!({"role": "mediator", "mediator_id": 999999}),
            "mediator_id",
        ),
        (json!({"password": "short"}), "password"),
        (json!({"locale": "de"}), "locale"),
        (json!({"name": "Turno\nserale"}), "name"),
        (json!({"name": "Nome\u{0}"}), "name"),
    ];
    for (changes, field) in cases {
        invalid(&app, POST, USERS, &with(&good, changes), &[field]).await;
    }
    invalid(&app, POST, USERS, &json!({}), &["email", "name", "role"]).await;
    let all_bad =
        json!({"email": "x", "name": "", "role": "requester", "password": "short", "locale": "fr"});
    invalid(
        &app,
        POST,
        USERS,
        &all_bad,
        &["email", "name", "organisation_id", "password", "locale"],
    )
    .await;
    let taken = with(&good, json!({"email": "ADMIN@ponte.example"}));
    assert_problem(app.post(USERS, &app.admin.token, &taken).await, 409, None).await;
}

// Authorization.

const ROLES: [&str; 6] = [
    "admin",
    "coordinator",
    "requester_a",
    "requester_b",
    "mediator",
    "anonymous",
];

/// Every route × every role. `own` is the mediator user's profile, `other` another one;
/// requester A's organisation is `a`. Bodies that create are made unique per call by `{n}`.
async fn authorization_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = create_mediator(&app, json!({})).await;
    let (own, a, b) = (app.mediator_id, app.org_a, app.org_b);
    let organisation = json!({"name": "Scuola {n}", "kind": "school"});
    let site = json!({"name": "Plesso {n}", "address": "Via Roma {n}", "lat": 43.9, "lon": 11.1});
    let mediator = mediator_body(json!({}));
    let change = json!({"max_weekly_minutes": 1200});
    let week =
        json!({"rules": [{"weekday": "tue", "start": "09:00", "end": "12:00"}], "exceptions": []});
    let tag = json!({"name": "tag-{n}"});
    let user = json!({"email": "user{n}@ponte.example", "name": "User {n}", "role": "coordinator"});
    let shifts = "shifts?from=2026-03-23&to=2026-03-29";
    let (get, post, patch, put) = (Method::GET, POST, PATCH, PUT);
    #[rustfmt::skip]
    let table: Vec<(&Method, String, Option<&Value>, [u16; 6])> = vec![
        //                                                     admin coord req_a req_b medtr anon
        (&get, "/organisations".into(), None,                   [200, 200, 200, 200, 403, 401]),
        (&post, "/organisations".into(), Some(&organisation),   [201, 201, 403, 403, 403, 401]),
        (&get, format!("/organisations/{a}"), None,             [200, 200, 200, 404, 403, 401]),
        (&get, format!("/organisations/{b}"), None,             [200, 200, 404, 200, 403, 401]),
        (&get, "/organisations/999999".into(), None,            [404, 404, 404, 404, 403, 401]),
        (&get, format!("/organisations/{a}/sites"), None,       [200, 200, 200, 404, 403, 401]),
        (&post, format!("/organisations/{a}/sites"), Some(&site), [201, 201, 403, 403, 403, 401]),
        (&get, "/mediators".into(), None,                       [200, 200, 403, 403, 200, 401]),
        (&post, "/mediators".into(), Some(&mediator),           [201, 201, 403, 403, 403, 401]),
        (&get, format!("/mediators/{own}"), None,               [200, 200, 403, 403, 200, 401]),
        (&get, format!("/mediators/{other}"), None,             [200, 200, 403, 403, 404, 401]),
        (&get, "/mediators/999999".into(), None,                [404, 404, 403, 403, 404, 401]),
        (&patch, format!("/mediators/{own}"), Some(&change),     [200, 200, 403, 403, 403, 401]),
        (&patch, format!("/mediators/{other}"), Some(&change),   [200, 200, 403, 403, 403, 401]),
        (&get, format!("/mediators/{own}/availability"), None,  [200, 200, 403, 403, 200, 401]),
        (&get, format!("/mediators/{other}/availability"), None, [200, 200, 403, 403, 404, 401]),
        (&put, format!("/mediators/{own}/availability"), Some(&week), [200, 200, 403, 403, 200, 401]),
        (&put, format!("/mediators/{other}/availability"), Some(&week), [200, 200, 403, 403, 404, 401]),
        (&get, format!("/mediators/{own}/{shifts}"), None,      [200, 200, 403, 403, 200, 401]),
        (&get, format!("/mediators/{other}/{shifts}"), None,    [200, 200, 403, 403, 404, 401]),
        (&get, "/tags".into(), None,                            [200, 200, 200, 200, 200, 401]),
        (&post, "/tags".into(), Some(&tag),                     [201, 201, 403, 403, 403, 401]),
        (&get, "/users".into(), None,                           [200, 403, 403, 403, 403, 401]),
        (&post, "/users".into(), Some(&user),                   [201, 403, 403, 403, 403, 401]),
    ];
    let users = [
        Some(&app.admin),
        Some(&app.coordinator),
        Some(&app.requester_a),
        Some(&app.requester_b),
        Some(&app.mediator),
        None,
    ];
    let tokens = users.map(|user| user.map(|u| u.token.as_str()));
    let mut failures = Vec::new();
    let mut n = 0;
    for (method, path, body, expected) in &table {
        for ((role, token), want) in ROLES.iter().zip(tokens).zip(expected) {
            n += 1;
            let body = body.map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("{n}", &n.to_string()))
                    .unwrap()
            });
            let response = app
                .call(
                    (*method).clone(),
                    &format!("/api/v1{path}"),
                    token,
                    body.as_ref(),
                )
                .await;
            let got = response.status().as_u16();
            if got != *want {
                let text = response.text().await.unwrap_or_default();
                failures.push(format!(
                    "{method} {path} as {role}: expected {want}, got {got} ({text})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

async fn openapi_documents_the_registry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = read(&app, "/api/v1/openapi.json", &app.admin.token).await;
    for (path, methods) in [
        ("/organisations", &["get", "post"][..]),
        ("/organisations/{id}", &["get"]),
        ("/organisations/{id}/sites", &["get", "post"]),
        ("/mediators", &["get", "post"]),
        ("/mediators/{id}", &["get", "patch"]),
        ("/mediators/{id}/availability", &["get", "put"]),
        ("/mediators/{id}/shifts", &["get"]),
        ("/tags", &["get", "post"]),
        ("/users", &["get", "post"]),
    ] {
        for method in methods {
            let documented = doc["paths"][format!("/api/v1{path}")][method].is_object();
            assert!(
                documented,
                "{method} {path} missing from the OpenAPI document"
            );
        }
    }
}

// The registry's operations behind the pages (organisation, site and account changes,
// password resets, the browsable lists), called directly as the pages call them.

/// The signed-in user `id` as the operations see them.
async fn caller_of(app: &TestApp, id: i64) -> Caller {
    let row = user::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the user exists");
    Caller::from_user(&row).expect("a known role")
}

/// The fields of an `Invalid` error, or a panic naming what came instead.
fn invalid_fields<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Vec<String> {
    match result {
        Err(ApiError::Invalid(errors)) => errors.into_keys().collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

async fn trail(app: &TestApp, entity: &str, id: i64) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq(entity))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .all(&app.db)
        .await
        .unwrap()
}

async fn organisations_and_sites_are_updated_with_their_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let coord = caller_of(&app, app.coordinator.id).await;
    let requester = caller_of(&app, app.requester_a.id).await;
    let change = || OrganisationPatch {
        name: Change::Set("  Ospedale di Prato ".into()),
        kind: Change::Set("health".into()),
        timezone: Change::Set("Europe/Rome".into()),
        contact_email: Change::Set("Segreteria@Ospedale.example".into()),
        locale: Change::Set("en".into()),
    };
    let after = organisations::update(&app.db, &coord, app.org_a, change())
        .await
        .unwrap();
    assert_eq!(
        (
            after.name.as_str(),
            after.kind.as_str(),
            after.locale.as_str()
        ),
        ("Ospedale di Prato", "health", "en")
    );
    assert_eq!(
        after.contact_email.as_deref(),
        Some("segreteria@ospedale.example")
    );
    let stored = organisation::Entity::find_by_id(app.org_a)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.locale.as_str()),
        ("Ospedale di Prato", "en")
    );
    let events = trail(&app, "organisation", app.org_a).await;
    let event = events
        .iter()
        .find(|e| e.action == "updated")
        .expect("an audit event");
    assert_eq!(event.actor_user_id, Some(app.coordinator.id));
    assert_eq!(event.detail["before"]["name"], "IC Convenevole, Prato");
    assert_eq!(event.detail["after"]["name"], "Ospedale di Prato");

    // Every bad field at once, and nothing written.
    let bad = OrganisationPatch {
        name: Change::Set(" ".into()),
        kind: Change::Set("bakery".into()),
        timezone: Change::Set("Mars/Olympus".into()),
        contact_email: Change::Set("nobody".into()),
        locale: Change::Set("de".into()),
    };
    assert_eq!(
        invalid_fields(organisations::update(&app.db, &coord, app.org_a, bad).await),
        ["contact_email", "kind", "locale", "name", "timezone"]
    );
    let cleared = OrganisationPatch {
        contact_email: Change::Clear,
        ..Default::default()
    };
    let after = organisations::update(&app.db, &coord, app.org_a, cleared)
        .await
        .unwrap();
    assert_eq!(
        (after.name.as_str(), after.contact_email),
        ("Ospedale di Prato", None)
    );
    let required = OrganisationPatch {
        name: Change::Clear,
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(organisations::update(&app.db, &coord, app.org_a, required).await),
        ["name"]
    );
    assert!(matches!(
        organisations::update(&app.db, &requester, app.org_a, change()).await,
        Err(ApiError::Forbidden(_))
    ));
    assert!(matches!(
        organisations::update(&app.db, &coord, 999_999, change()).await,
        Err(ApiError::NotFound(_))
    ));
    // The email language chosen at creation is kept; English is accepted.
    let made = organisations::create(
        &app.db,
        &coord,
        NewOrganisation {
            name: Some("Sportello Stranieri Lucca".into()),
            kind: Some("desk".into()),
            timezone: None,
            contact_email: None,
            locale: Some("en".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (made.locale.as_str(), made.timezone.as_str()),
        ("en", "Europe/Rome")
    );

    // Sites: a latitude out of range or removed is refused; a move is stored and audited.
    let moved = |lat: Change<f64>| SitePatch {
        name: Change::Set("Plesso Mazzoni (nuova sede)".into()),
        lat,
        lon: Change::Set(11.1),
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(sites::update(&app.db, &coord, app.site_a, moved(Change::Set(95.0))).await),
        ["lat"]
    );
    assert_eq!(
        invalid_fields(sites::update(&app.db, &coord, app.site_a, moved(Change::Clear)).await),
        ["lat"]
    );
    assert_eq!(
        invalid_fields(
            sites::update(&app.db, &coord, app.site_a, moved(Change::Set(f64::NAN))).await
        ),
        ["lat"]
    );
    let site = sites::update(&app.db, &coord, app.site_a, moved(Change::Set(43.9)))
        .await
        .unwrap();
    assert_eq!(
        (site.name.as_str(), site.lat, site.lon),
        ("Plesso Mazzoni (nuova sede)", 43.9, 11.1)
    );
    assert_eq!(
        site.address, "Plesso Mazzoni, via Roma 1",
        "what is not sent is kept"
    );
    let events = trail(&app, "site", app.site_a).await;
    let event = events
        .iter()
        .find(|e| e.action == "updated")
        .expect("an audit event");
    assert_eq!(event.detail["before"]["lat"], 43.8777);
    assert_eq!(event.detail["after"]["lat"], 43.9);
    assert!(matches!(
        sites::update(&app.db, &requester, app.site_a, moved(Change::Set(43.9))).await,
        Err(ApiError::Forbidden(_))
    ));
    // Reading a site: its organisation's requester may, another organisation's may not know it exists.
    assert_eq!(
        sites::get(&app.db, &requester, app.site_a)
            .await
            .unwrap()
            .id,
        app.site_a
    );
    assert!(matches!(
        sites::get(&app.db, &requester, app.site_b).await,
        Err(ApiError::NotFound(_))
    ));
}

async fn accounts_are_created_changed_deactivated_and_reset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let coord = caller_of(&app, app.coordinator.id).await;
    let admin = caller_of(&app, app.admin.id).await;
    let body = |email: &str, role: &str| NewUserBody {
        email: Some(email.into()),
        name: Some("Giulia Bini".into()),
        role: Some(role.into()),
        organisation_id: (role == "requester").then_some(app.org_b),
        mediator_id: None,
        password: Some(users::generate_password()),
        locale: Some("it".into()),
    };
    // A coordinator adds requesters; staff accounts are an admin's to add.
    let giulia = users::create(&app.db, &coord, body("giulia@b.example", "requester"))
        .await
        .unwrap();
    assert_eq!(
        (giulia.role.as_str(), giulia.organisation_id),
        ("requester", Some(app.org_b))
    );
    assert!(matches!(
        users::create(&app.db, &coord, body("capo@ponte.example", "coordinator")).await,
        Err(ApiError::Forbidden(_))
    ));
    let capo = users::create(&app.db, &admin, body("capo@ponte.example", "coordinator"))
        .await
        .unwrap();

    // Renamed and moved to another organisation, with the trail of both.
    let patch = UserPatch {
        name: Change::Set("Giulia Bini Rossi".into()),
        organisation_id: Change::Set(app.org_a),
        locale: Change::Set("en".into()),
        ..Default::default()
    };
    let changed = users::update(&app.db, &coord, giulia.id, patch)
        .await
        .unwrap();
    assert_eq!(
        (
            changed.name.as_str(),
            changed.organisation_id,
            changed.locale.as_str()
        ),
        ("Giulia Bini Rossi", Some(app.org_a), "en")
    );
    let events = trail(&app, "user", giulia.id).await;
    let event = events
        .iter()
        .find(|e| e.action == "updated")
        .expect("an audit event");
    assert_eq!(event.detail["before"]["organisation_id"], app.org_b);
    assert_eq!(event.detail["after"]["organisation_id"], app.org_a);
    assert!(event.detail["after"].get("password_hash").is_none());

    // Links that do not fit the role, or do not exist.
    let link = |organisation_id: Change<i64>, mediator_id: Change<i64>| UserPatch {
        organisation_id,
        mediator_id,
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(
            users::update(
                &app.db,
                &coord,
                giulia.id,
                link(Change::Clear, Change::Keep)
            )
            .await
        ),
        ["organisation_id"]
    );
    assert_eq!(
        invalid_fields(
            users::update(
                &app.db,
                &coord,
                giulia.id,
                link(Change::Set(999_999), Change::Set(app.mediator_id))
            )
            .await
        ),
        ["mediator_id", "organisation_id"]
    );
    assert_eq!(
        invalid_fields(
            users::update(
                &app.db,
                &coord,
                app.mediator.id,
                link(Change::Keep, Change::Set(999_999))
            )
            .await
        ),
        ["mediator_id"]
    );
    let bad = UserPatch {
        name: Change::Set("".into()),
        locale: Change::Set("fr".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(users::update(&app.db, &coord, giulia.id, bad).await),
        ["locale", "name"]
    );

    // Nobody deactivates themself; only an admin touches an admin's account.
    let off = || UserPatch {
        active: Change::Set(false),
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(users::update(&app.db, &coord, app.coordinator.id, off()).await),
        ["active"]
    );
    assert!(matches!(
        users::update(&app.db, &coord, app.admin.id, off()).await,
        Err(ApiError::Forbidden(_))
    ));
    assert!(matches!(
        users::reset_password(&app.db, &coord, app.admin.id).await,
        Err(ApiError::Forbidden(_))
    ));
    // Nor a peer coordinator's password: with it, a coordinator could sign in as the peer.
    assert!(matches!(
        users::reset_password(&app.db, &coord, capo.id).await,
        Err(ApiError::Forbidden(_))
    ));
    assert!(!users::may_reset(Role::Coordinator, "coordinator"));
    assert!(users::may_reset(Role::Coordinator, "mediator"));
    let (_, _, revoked) = users::reset_password(&app.db, &admin, capo.id)
        .await
        .unwrap();
    assert_eq!(revoked.api_tokens, 0);
    let capo_reset = trail(&app, "user", capo.id).await;
    let capo_reset = capo_reset
        .iter()
        .find(|e| e.action == "password_reset")
        .expect("the reset is audited");
    assert_eq!(
        capo_reset.actor_user_id,
        Some(app.admin.id),
        "with its actor"
    );

    // Deactivating closes the sessions and stops the API token at once.
    session::open(&app.db, app.requester_b.id).await.unwrap();
    assert_eq!(
        app.get(ORGANISATIONS, &app.requester_b.token)
            .await
            .status(),
        200
    );
    let off_b = users::update(&app.db, &coord, app.requester_b.id, off())
        .await
        .unwrap();
    assert!(!off_b.active);
    let sessions = ponte::entity::session::Entity::find()
        .filter(ponte::entity::session::Column::UserId.eq(app.requester_b.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "a deactivated account's sessions are closed");
    assert_eq!(
        app.get(ORGANISATIONS, &app.requester_b.token)
            .await
            .status(),
        401
    );
    let on = UserPatch {
        active: Change::Set(true),
        ..Default::default()
    };
    users::update(&app.db, &coord, app.requester_b.id, on)
        .await
        .unwrap();
    // The token was revoked, not only refused: reactivating does not bring it back.
    assert_eq!(
        app.get(ORGANISATIONS, &app.requester_b.token)
            .await
            .status(),
        401
    );
    let off_event = trail(&app, "user", app.requester_b.id).await;
    let off_event = off_event
        .iter()
        .find(|e| e.action == "updated" && e.detail["revoked"].is_object())
        .expect("the deactivation says what it revoked");
    assert_eq!(off_event.detail["revoked"]["api_tokens"], 1);
    assert_eq!(off_event.detail["revoked"]["sessions"], 1);

    // A reset revokes the API tokens and sessions too, and says how many.
    let fresh = ponte::account::issue_token(&app.db, "segreteria@a.example", None)
        .await
        .unwrap();
    session::open(&app.db, app.requester_a.id).await.unwrap();
    assert_eq!(app.get(ORGANISATIONS, &fresh).await.status(), 200);
    let (_, _, revoked) = users::reset_password(&app.db, &coord, app.requester_a.id)
        .await
        .unwrap();
    assert_eq!((revoked.sessions, revoked.api_tokens), (1, 2));
    assert_eq!(app.get(ORGANISATIONS, &fresh).await.status(), 401);
    assert_eq!(
        app.get(ORGANISATIONS, &app.requester_a.token)
            .await
            .status(),
        401
    );

    // A reset password logs in, and is the only one that does.
    let (user, password, _) = users::reset_password(&app.db, &coord, giulia.id)
        .await
        .unwrap();
    assert_eq!(
        (user.id, password.chars().count()),
        (giulia.id, users::GENERATED_PASSWORD_CHARS)
    );
    assert!(
        session::authenticate(&app.db, "giulia@b.example", &password)
            .await
            .unwrap()
            .is_some()
    );
    let (_, again, _) = users::reset_password(&app.db, &coord, giulia.id)
        .await
        .unwrap();
    assert_ne!(again, password);
    assert!(
        session::authenticate(&app.db, "giulia@b.example", &password)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        trail(&app, "user", giulia.id)
            .await
            .iter()
            .filter(|e| e.action == "password_reset")
            .count(),
        2
    );
}

async fn browsable_lists_search_and_number_their_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let coord = caller_of(&app, app.coordinator.id).await;
    let requester = caller_of(&app, app.requester_a.id).await;
    for n in 0..27 {
        let body = mediator_body(
            json!({"name": format!("Mediatore {n:02}"), "email": null, "languages": ["ur"], "locale": "en"}),
        );
        let new: NewMediator = serde_json::from_value(body).unwrap();
        let made = mediators::create(&app.db, &coord, new).await.unwrap();
        assert_eq!(made.locale, "en");
    }
    // By language name in any of its scripts, by tag, by name; every word must match.
    for (text, total) in [
        ("urdu", 27),
        ("اردو", 27),
        ("中文", 1),
        ("li wei", 1),
        ("mediatore urdu", 27),
        ("mediatore cinese", 0),
    ] {
        let found = browse::mediators(&app.db, &coord, text, 0).await.unwrap();
        assert_eq!(found.total, total, "search {text:?}");
    }
    let second = browse::mediators(&app.db, &coord, "mediatore", 1)
        .await
        .unwrap();
    assert_eq!((second.page, second.pages, second.items.len()), (1, 2, 2));
    assert_eq!(
        second.items[0].name, "Mediatore 25",
        "alphabetical across pages"
    );
    let users_found = browse::users(&app.db, &coord, "SEGRETERIA", 0)
        .await
        .unwrap();
    assert_eq!(users_found.total, 2);
    let orgs = browse::organisations(&app.db, &coord, "mazzoni")
        .await
        .unwrap();
    assert_eq!(orgs.len(), 1, "an organisation is found by its site");
    assert_eq!(orgs[0].sites[0].id, app.site_a);
    assert!(matches!(
        browse::users(&app.db, &requester, "", 0).await,
        Err(ApiError::Forbidden(_))
    ));

    // The email language of a profile is changed with the rest, and checked.
    let patch = MediatorPatch {
        locale: Change::Set("de".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(mediators::update(&app.db, &coord, app.mediator_id, patch).await),
        ["locale"]
    );
    let patch = MediatorPatch {
        locale: Change::Set("en".into()),
        ..Default::default()
    };
    assert_eq!(
        mediators::update(&app.db, &coord, app.mediator_id, patch)
            .await
            .unwrap()
            .locale,
        "en"
    );
}

both!(
    organisations_are_created_listed_and_read,
    organisation_validation,
    sites_are_created_and_listed,
    site_validation,
    mediators_are_created_read_and_patched,
    mediator_validation,
    mediators_are_filtered_and_paginated,
    availability_is_replaced_and_read,
    concurrent_replacements_never_mix,
    availability_validation,
    shifts_follow_daylight_saving_time,
    tags_are_created_and_listed,
    users_are_created_and_listed,
    authorization_matrix,
    openapi_documents_the_registry,
    organisations_and_sites_are_updated_with_their_trail,
    accounts_are_created_changed_deactivated_and_reset,
    browsable_lists_search_and_number_their_pages,
);
