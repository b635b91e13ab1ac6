//! `/api/v1/requests`: validation, local times across DST, idempotency under concurrency,
//! the authorization matrix, pagination and filters, cancellation of a request, of one
//! occurrence of a series and of the series from a date on.
use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use ponte::assignment::{NewAssignment, State as AssignmentState};
use ponte::entity::{
    assignment, audit_event, idempotency_key, notice, occurrence_cancellation, request, tag,
};
use ponte::plan::snapshot::{self, Window};
use reqwest::{Method, Response};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

const REQUESTS: &str = "/api/v1/requests";

/// A valid in-person request of organisation A; `changes` replace or add fields (null removes).
fn body(app: &TestApp, changes: Value) -> Value {
    let mut body = json!({
        "site_id": app.site_a,
        "language": "zh",
        "modality": "in_person",
        "earliest_start": "2027-03-30T09:00",
        "duration_minutes": 60,
        "urgency": "routine",
    });
    for (field, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value.clone();
        }
    }
    body
}

/// POST /requests with a raw body and an optional Idempotency-Key.
async fn post_raw(app: &TestApp, token: &str, raw: &str, key: Option<&str>) -> Response {
    let mut call = app
        .client
        .post(app.url(REQUESTS))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(raw.to_string());
    if let Some(key) = key {
        call = call.header("Idempotency-Key", key);
    }
    call.send().await.expect("the server answers")
}

/// Submits as requester A and returns the created request.
async fn create(app: &TestApp, changes: Value) -> Value {
    let (status, created) = json_of(
        app.post(REQUESTS, &app.requester_a.token, &body(app, changes))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Adds `name` to the tag catalogue.
async fn add_tag(app: &TestApp, name: &str) {
    tag::ActiveModel {
        name: Set(name.into()),
        description: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

/// Asserts a 422 naming `field` for requester A's submission of `body(changes)`.
async fn rejects(app: &TestApp, changes: Value, field: &str) -> Value {
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(app, changes.clone()),
        )
        .await;
    let problem = assert_problem(r, 422, Some(field)).await;
    assert_eq!(
        problem["errors"].as_object().unwrap().len(),
        1,
        "only {field} is wrong in {changes}: {problem}"
    );
    problem
}

async fn count_requests(app: &TestApp) -> u64 {
    request::Entity::find().count(&app.db).await.unwrap()
}

// --- validation -------------------------------------------------------------------------

async fn a_valid_request_is_created_with_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    tag::ActiveModel {
        name: Set("health".into()),
        description: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(
                &app,
                json!({
                    "language": "AR-ma",
                    "required_tags": ["health"],
                    "latest_start": "2027-03-30T11:00",
                    "duration_minutes": 90,
                    "urgency": "urgent",
                    "preferred_mediators": [app.mediator_id],
                    "case_reference": "  PR-2027/114 ",
                    "notes": "Colloquio con la famiglia.",
                }),
            ),
        )
        .await;
    let (status, got) = json_of(r).await;
    assert_eq!(status, 201, "{got}");
    assert!(got["id"].as_i64().unwrap() > 0);
    assert_eq!(got["organisation_id"], app.org_a);
    assert_eq!(got["site_id"], app.site_a);
    assert_eq!(got["created_by"], app.requester_a.id);
    assert_eq!(got["language"], "ar-MA");
    assert_eq!(got["required_tags"], json!(["health"]));
    assert_eq!(got["modality"], "in_person");
    assert_eq!(
        got["earliest_start"],
        json!({"utc": "2027-03-30T07:00:00Z", "local": "2027-03-30T09:00:00+02:00"})
    );
    assert_eq!(got["latest_start"]["utc"], "2027-03-30T09:00:00Z");
    assert_eq!(got["duration_minutes"], 90);
    assert_eq!(got["urgency"], "urgent");
    assert_eq!(got["preferred_mediators"], json!([app.mediator_id]));
    assert_eq!(got["excluded_mediators"], json!([]));
    assert_eq!(got["case_reference"], "PR-2027/114");
    assert_eq!(got["notes"], "Colloquio con la famiglia.");
    assert_eq!(got["rrule"], Value::Null);
    assert_eq!(got["occurrences"]["count"], 1);
    assert_eq!(
        got["occurrences"]["first"][0]["utc"],
        "2027-03-30T07:00:00Z"
    );
    assert_eq!(got["status"], "submitted");
    assert!(
        got["created_at"]["utc"].is_string() && got["created_at"]["local"].is_string(),
        "{got}"
    );

    // What was answered is what is stored, and the audit trail has it.
    let id = got["id"].as_i64().unwrap();
    let (status, read) = json_of(
        app.get(&format!("{REQUESTS}/{id}"), &app.requester_a.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read, got);
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq("request"))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "created");
    assert_eq!(events[0].actor_user_id, Some(app.requester_a.id));
}

async fn malformed_json_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = post_raw(&app, &app.requester_a.token, "{\"language\": \"zh\",", None).await;
    assert_problem(r, 400, None).await;
    let r = post_raw(&app, &app.requester_a.token, "", None).await;
    assert_problem(r, 400, None).await;
    assert_eq!(count_requests(&app).await, 0);
}

async fn wrong_shapes_name_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(
        &app,
        json!({"duration_minutes": "sixty"}),
        "duration_minutes",
    )
    .await;
    rejects(&app, json!({"language": null}), "language").await;
    rejects(
        &app,
        json!({"preferred_mediators": [1, "two"]}),
        "preferred_mediators[1]",
    )
    .await;
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(&app, json!({"colour": "blue"})),
        )
        .await;
    let problem = assert_problem(r, 422, None).await;
    assert!(
        problem["errors"].to_string().contains("colour"),
        "{problem}"
    );
}

async fn language_must_be_bcp47(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(&app, json!({"language": "zh_TW"}), "language").await;
    rejects(&app, json!({"language": ""}), "language").await;
    assert_eq!(
        create(&app, json!({"language": "zh-hant-tw"})).await["language"],
        "zh-Hant-TW"
    );
}

async fn modality_and_urgency_are_known_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(&app, json!({"modality": "teleport"}), "modality").await;
    rejects(&app, json!({"urgency": "whenever"}), "urgency").await;
}

async fn duration_is_15_to_480_minutes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(&app, json!({"duration_minutes": 14}), "duration_minutes").await;
    rejects(&app, json!({"duration_minutes": 481}), "duration_minutes").await;
    rejects(&app, json!({"duration_minutes": -60}), "duration_minutes").await;
    create(&app, json!({"duration_minutes": 15})).await;
    create(&app, json!({"duration_minutes": 480})).await;
}

async fn latest_start_is_not_before_earliest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(
        &app,
        json!({"latest_start": "2027-03-30T08:59"}),
        "latest_start",
    )
    .await;
    rejects(&app, json!({"latest_start": "soon"}), "latest_start").await;
    let same = create(&app, json!({"latest_start": "2027-03-30T09:00"})).await;
    assert_eq!(same["latest_start"], same["earliest_start"]);
    // Absent: a fixed appointment.
    let fixed = create(&app, json!({})).await;
    assert_eq!(fixed["latest_start"], fixed["earliest_start"]);
}

async fn earliest_start_is_not_in_the_past(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(
        &app,
        json!({"earliest_start": "2026-01-12T09:00"}),
        "earliest_start",
    )
    .await;
    rejects(
        &app,
        json!({"earliest_start": "next monday"}),
        "earliest_start",
    )
    .await;
    // Years far out and leap seconds are typing slips, not appointments.
    for far in [
        "9999-01-04T09:00",
        "2101-01-03T09:00:00Z",
        "2027-06-30T10:00:60Z",
    ] {
        rejects(&app, json!({"earliest_start": far}), "earliest_start").await;
    }
    rejects(
        &app,
        json!({"rrule": "FREQ=WEEKLY;COUNT=3;UNTIL=20270601"}),
        "rrule",
    )
    .await;
    let ten_minutes_ago = (Utc::now() - TimeDelta::minutes(10)).to_rfc3339();
    rejects(
        &app,
        json!({"earliest_start": ten_minutes_ago}),
        "earliest_start",
    )
    .await;
    // Within the grace period for clock skew (5 minutes): an emergency "now" passes.
    let a_minute_ago = (Utc::now() - TimeDelta::minutes(1)).to_rfc3339();
    create(
        &app,
        json!({"earliest_start": a_minute_ago, "urgency": "emergency"}),
    )
    .await;
}

async fn in_person_needs_a_site_of_the_same_organisation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(&app, json!({"site_id": null}), "site_id").await;
    rejects(&app, json!({"site_id": app.site_b}), "site_id").await;
    rejects(&app, json!({"site_id": 999_999}), "site_id").await;
    // Phone and video need no site, but a given one must still be the organisation's.
    let phone = create(&app, json!({"site_id": null, "modality": "phone"})).await;
    assert_eq!(phone["site_id"], Value::Null);
    rejects(
        &app,
        json!({"site_id": app.site_b, "modality": "video"}),
        "site_id",
    )
    .await;
    // Staff submitting for B must use B's site.
    let for_b = json!({"organisation_id": app.org_b, "site_id": app.site_a});
    let r = app
        .post(REQUESTS, &app.coordinator.token, &body(&app, for_b))
        .await;
    assert_problem(r, 422, Some("site_id")).await;
}

async fn required_tags_are_known(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_tag(&app, "minors").await;
    let problem = rejects(
        &app,
        json!({"required_tags": ["minors", "telepathy"]}),
        "required_tags",
    )
    .await;
    assert!(
        problem["errors"]["required_tags"]
            .as_str()
            .unwrap()
            .contains("telepathy"),
        "{problem}"
    );
    let created = create(&app, json!({"required_tags": ["minors", "minors"]})).await;
    assert_eq!(created["required_tags"], json!(["minors"]));
}

async fn mediators_exist_and_are_not_both_preferred_and_excluded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(
        &app,
        json!({"preferred_mediators": [999_999]}),
        "preferred_mediators",
    )
    .await;
    rejects(
        &app,
        json!({"excluded_mediators": [999_998]}),
        "excluded_mediators",
    )
    .await;
    let m = app.mediator_id;
    rejects(
        &app,
        json!({"preferred_mediators": [m], "excluded_mediators": [m]}),
        "excluded_mediators",
    )
    .await;
    let created = create(&app, json!({"excluded_mediators": [m, m]})).await;
    assert_eq!(created["excluded_mediators"], json!([m]));
}

async fn rrule_is_valid_and_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(&app, json!({"rrule": "FREQ=FORTNIGHTLY;COUNT=3"}), "rrule").await;
    rejects(&app, json!({"rrule": "FREQ=WEEKLY"}), "rrule").await;
    rejects(&app, json!({"rrule": "FREQ=DAILY;COUNT=400"}), "rrule").await;
    rejects(
        &app,
        json!({"rrule": "FREQ=WEEKLY;UNTIL=20290101T000000Z"}),
        "rrule",
    )
    .await;
    let series = create(
        &app,
        json!({"rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270615"}),
    )
    .await;
    // Tuesdays from 30 March to 15 June 2027.
    assert_eq!(series["occurrences"]["count"], 12);
    assert_eq!(series["occurrences"]["first"].as_array().unwrap().len(), 5);
    let stored = request::Entity::find_by_id(series["id"].as_i64().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.occurrences, 12);
}

async fn text_fields_have_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    rejects(
        &app,
        json!({"case_reference": "x".repeat(65)}),
        "case_reference",
    )
    .await;
    rejects(&app, json!({"notes": "n".repeat(2001)}), "notes").await;
    // A reference stays on one line; notes keep their line breaks but no other control.
    rejects(
        &app,
        json!({"case_reference": "PR-1\nPR-2"}),
        "case_reference",
    )
    .await;
    rejects(&app, json!({"notes": "beep\u{7}"}), "notes").await;
    create(
        &app,
        json!({"case_reference": "é".repeat(64), "notes": "è".repeat(2000)}),
    )
    .await;
    // Lists are bounded before their items are looked at: 80,000 tags took 30 s of CPU and
    // 40,000 mediators overflowed the SQL variables (500) before. Such a body is now over
    // the API's size limit (413); a list over its bound within the limit is 422.
    let tags: Vec<String> = (0..80_000).map(|i| format!("t{i}")).collect();
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(&app, json!({"required_tags": tags})),
        )
        .await;
    assert_problem(r, 413, None).await;
    let tags: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    let problem = rejects(&app, json!({"required_tags": tags}), "required_tags").await;
    assert!(
        problem["errors"]["required_tags"]
            .as_str()
            .unwrap()
            .contains("At most 50"),
        "{problem}"
    );
    let ids: Vec<i64> = (1..=5_000).collect();
    rejects(
        &app,
        json!({"preferred_mediators": ids}),
        "preferred_mediators",
    )
    .await;
    rejects(
        &app,
        json!({"excluded_mediators": ids}),
        "excluded_mediators",
    )
    .await;
    add_tag(&app, "minors").await;
    let repeated = vec!["minors"; 50];
    let created = create(&app, json!({"required_tags": repeated})).await;
    assert_eq!(created["required_tags"], json!(["minors"]));
    let created = create(&app, json!({"notes": "riga 1\nriga 2\tfine"})).await;
    assert_eq!(created["notes"], "riga 1\nriga 2\tfine");
}

async fn the_organisation_is_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Staff name the organisation; an unknown one is a field error.
    let r = app
        .post(REQUESTS, &app.admin.token, &body(&app, json!({})))
        .await;
    assert_problem(r, 422, Some("organisation_id")).await;
    let r = app
        .post(
            REQUESTS,
            &app.admin.token,
            &body(&app, json!({"organisation_id": 999_999})),
        )
        .await;
    assert_problem(r, 422, Some("organisation_id")).await;
    // A requester naming another organisation gets a 422 on the field (not a 404: the
    // message is the same whether or not that organisation exists).
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(&app, json!({"organisation_id": app.org_b})),
        )
        .await;
    assert_problem(r, 422, Some("organisation_id")).await;
    let r = app
        .post(
            REQUESTS,
            &app.requester_a.token,
            &body(&app, json!({"organisation_id": 999_999})),
        )
        .await;
    assert_problem(r, 422, Some("organisation_id")).await;
    let own = create(&app, json!({"organisation_id": app.org_a})).await;
    assert_eq!(own["organisation_id"], app.org_a);
}

async fn every_bad_field_is_reported_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = json!({
        "site_id": null,
        "language": "zh_TW",
        "modality": "in_person",
        "earliest_start": "2027-03-28T02:30",
        "duration_minutes": 5,
        "urgency": "soonish",
        "excluded_mediators": [999_999],
        "case_reference": "x".repeat(65),
    });
    let r = app
        .post(REQUESTS, &app.requester_a.token, &body(&app, bad))
        .await;
    let problem = assert_problem(r, 422, None).await;
    let fields: BTreeSet<&str> = problem["errors"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = [
        "site_id",
        "language",
        "earliest_start",
        "duration_minutes",
        "urgency",
        "excluded_mediators",
        "case_reference",
    ]
    .into();
    assert_eq!(fields, expected, "{problem}");
    assert_eq!(count_requests(&app).await, 0, "nothing is written on error");
}

async fn mediators_cannot_submit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .post(
            REQUESTS,
            &app.mediator.token,
            &body(&app, json!({"organisation_id": app.org_a})),
        )
        .await;
    assert_problem(r, 403, None).await;
}

// --- local times and DST ------------------------------------------------------------------

async fn local_times_are_read_in_the_organisations_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Europe/Rome: clocks go forward on 28 March 2027 and back on 31 October 2027.
    for (local, utc, shown) in [
        (
            "2027-03-22T09:00",
            "2027-03-22T08:00:00Z",
            "2027-03-22T09:00:00+01:00",
        ),
        (
            "2027-03-27T09:00",
            "2027-03-27T08:00:00Z",
            "2027-03-27T09:00:00+01:00",
        ),
        (
            "2027-03-29T09:00",
            "2027-03-29T07:00:00Z",
            "2027-03-29T09:00:00+02:00",
        ),
        (
            "2027-03-30 09:00:00",
            "2027-03-30T07:00:00Z",
            "2027-03-30T09:00:00+02:00",
        ),
        (
            "2027-10-29T09:00",
            "2027-10-29T07:00:00Z",
            "2027-10-29T09:00:00+02:00",
        ),
        (
            "2027-11-02T09:00",
            "2027-11-02T08:00:00Z",
            "2027-11-02T09:00:00+01:00",
        ),
        // The hour that happens twice: its first occurrence, still summer time.
        (
            "2027-10-31T02:30",
            "2027-10-31T00:30:00Z",
            "2027-10-31T02:30:00+02:00",
        ),
        // An explicit offset is taken as given.
        (
            "2027-03-29T09:00:00+02:00",
            "2027-03-29T07:00:00Z",
            "2027-03-29T09:00:00+02:00",
        ),
        (
            "2027-03-29T07:00:00Z",
            "2027-03-29T07:00:00Z",
            "2027-03-29T09:00:00+02:00",
        ),
    ] {
        let created = create(&app, json!({"earliest_start": local})).await;
        assert_eq!(
            created["earliest_start"],
            json!({"utc": utc, "local": shown}),
            "{local}"
        );
    }
}

async fn a_local_time_in_the_spring_gap_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let problem = rejects(
        &app,
        json!({"earliest_start": "2027-03-28T02:30"}),
        "earliest_start",
    )
    .await;
    assert!(
        problem["errors"]["earliest_start"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{problem}"
    );
    rejects(
        &app,
        json!({"latest_start": "2027-03-28T02:15", "earliest_start": "2027-03-28T01:00"}),
        "latest_start",
    )
    .await;
}

async fn a_weekly_series_keeps_its_local_time_across_both_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let spring = create(
        &app,
        json!({"earliest_start": "2027-03-22T09:00", "rrule": "FREQ=WEEKLY;COUNT=3"}),
    )
    .await;
    assert_eq!(
        spring["occurrences"]["first"],
        json!([
            {"utc": "2027-03-22T08:00:00Z", "local": "2027-03-22T09:00:00+01:00"},
            {"utc": "2027-03-29T07:00:00Z", "local": "2027-03-29T09:00:00+02:00"},
            {"utc": "2027-04-05T07:00:00Z", "local": "2027-04-05T09:00:00+02:00"},
        ])
    );
    let autumn = create(
        &app,
        json!({"earliest_start": "2027-10-25T09:00", "rrule": "RRULE:FREQ=WEEKLY;COUNT=2"}),
    )
    .await;
    assert_eq!(
        autumn["occurrences"]["first"],
        json!([
            {"utc": "2027-10-25T07:00:00Z", "local": "2027-10-25T09:00:00+02:00"},
            {"utc": "2027-11-01T08:00:00Z", "local": "2027-11-01T09:00:00+01:00"},
        ])
    );
    assert_eq!(autumn["occurrences"]["count"], 2);
}

// --- idempotency ----------------------------------------------------------------------------

async fn a_repeat_with_the_same_key_answers_as_the_first_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let raw = body(&app, json!({})).to_string();
    let first = post_raw(&app, &app.requester_a.token, &raw, Some("k-1")).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();
    let again = post_raw(&app, &app.requester_a.token, &raw, Some("k-1")).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["content-type"], "application/json");
    assert_eq!(again.text().await.unwrap(), first);
    assert_eq!(count_requests(&app).await, 1);

    // The same key with another body is a conflict, and writes nothing.
    let other = body(&app, json!({"duration_minutes": 30})).to_string();
    assert_problem(
        post_raw(&app, &app.requester_a.token, &other, Some("k-1")).await,
        409,
        None,
    )
    .await;
    // Keys belong to their user: another user's k-1 is a new request.
    let r = post_raw(
        &app,
        &app.admin.token,
        &body(&app, json!({"organisation_id": app.org_a})).to_string(),
        Some("k-1"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(count_requests(&app).await, 2);
}

async fn a_rejected_submission_does_not_use_up_its_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = body(&app, json!({"duration_minutes": 5})).to_string();
    assert_problem(
        post_raw(&app, &app.requester_a.token, &bad, Some("retry-me")).await,
        422,
        Some("duration_minutes"),
    )
    .await;
    let good = body(&app, json!({})).to_string();
    assert_eq!(
        post_raw(&app, &app.requester_a.token, &good, Some("retry-me"))
            .await
            .status(),
        201
    );
}

async fn idempotency_keys_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let raw = body(&app, json!({})).to_string();
    let long = "k".repeat(256);
    assert_problem(
        post_raw(&app, &app.requester_a.token, &raw, Some(&long)).await,
        422,
        Some("Idempotency-Key"),
    )
    .await;
    assert_problem(
        post_raw(&app, &app.requester_a.token, &raw, Some("")).await,
        422,
        Some("Idempotency-Key"),
    )
    .await;
    let longest = "k".repeat(255);
    assert_eq!(
        post_raw(&app, &app.requester_a.token, &raw, Some(&longest))
            .await
            .status(),
        201
    );
}

async fn twenty_parallel_submissions_with_one_key_create_one_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let raw = body(&app, json!({"notes": "twenty at once"})).to_string();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let call = app
                .client
                .post(app.url(REQUESTS))
                .bearer_auth(&app.requester_a.token)
                .header("content-type", "application/json")
                .header("Idempotency-Key", "one-key")
                .body(raw.clone());
            tokio::spawn(async move {
                let r = call.send().await.expect("the server answers");
                (r.status().as_u16(), r.text().await.unwrap())
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut bodies = BTreeSet::new();
    for call in calls {
        let (status, text) = call.await.unwrap();
        assert_eq!(status, 201, "{text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        ids.insert(value["id"].as_i64().unwrap());
        bodies.insert(text);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(bodies.len(), 1);
    assert_eq!(count_requests(&app).await, 1);
    assert_eq!(
        idempotency_key::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    let created = audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq("request"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 1);
}

// --- authorization matrix --------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Route {
    Create,
    List,
    Get,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Admin,
    Coordinator,
    RequesterA,
    RequesterB,
    Mediator,
    Anonymous,
}

/// Every route × role × organisation (A or B), with the status each must get.
async fn authorization_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let who = [
        Who::Admin,
        Who::Coordinator,
        Who::RequesterA,
        Who::RequesterB,
        Who::Mediator,
        Who::Anonymous,
    ];
    let mut failures = Vec::new();
    for route in [Route::Create, Route::List, Route::Get, Route::Cancel] {
        for caller in who {
            for org_is_a in [true, false] {
                let (org, site) = if org_is_a {
                    (app.org_a, app.site_a)
                } else {
                    (app.org_b, app.site_b)
                };
                let own = match caller {
                    Who::RequesterA => org_is_a,
                    Who::RequesterB => !org_is_a,
                    _ => false,
                };
                let staff = matches!(caller, Who::Admin | Who::Coordinator);
                let expected = match (caller, route) {
                    (Who::Anonymous, _) => 401,
                    (Who::Mediator, _) => 403,
                    (_, Route::Create) if staff || own => 201,
                    (_, Route::Create) => 422,
                    (_, Route::List) => 200,
                    (_, Route::Get | Route::Cancel) if staff || own => 200,
                    (_, Route::Get | Route::Cancel) => 404,
                };
                let token = match caller {
                    Who::Admin => Some(app.admin.token.as_str()),
                    Who::Coordinator => Some(app.coordinator.token.as_str()),
                    Who::RequesterA => Some(app.requester_a.token.as_str()),
                    Who::RequesterB => Some(app.requester_b.token.as_str()),
                    Who::Mediator => Some(app.mediator.token.as_str()),
                    Who::Anonymous => None,
                };
                let target = body(&app, json!({"organisation_id": org, "site_id": site}));
                // A fresh request of the organisation for each row, so that cancelling one
                // row's request does not turn the next row into a 409.
                let existing = {
                    let r = app.post(REQUESTS, &app.admin.token, &target).await;
                    json_of(r).await.1["id"].as_i64().unwrap()
                };
                let response = match route {
                    Route::Create => app.call(Method::POST, REQUESTS, token, Some(&target)).await,
                    Route::List => {
                        app.call(
                            Method::GET,
                            &format!("{REQUESTS}?organisation_id={org}"),
                            token,
                            None,
                        )
                        .await
                    }
                    Route::Get => {
                        app.call(Method::GET, &format!("{REQUESTS}/{existing}"), token, None)
                            .await
                    }
                    Route::Cancel => {
                        app.call(
                            Method::POST,
                            &format!("{REQUESTS}/{existing}/cancel"),
                            token,
                            Some(&json!({})),
                        )
                        .await
                    }
                };
                let (status, got) = json_of(response).await;
                let org_name = if org_is_a { "A" } else { "B" };
                let row = format!("{route:?} × {caller:?} × organisation {org_name}");
                if status != expected {
                    failures.push(format!("{row}: expected {expected}, got {status}: {got}"));
                    continue;
                }
                // A requester's list holds only their organisation's requests, whatever filter.
                if let (Route::List, 200) = (route, status) {
                    let orgs: BTreeSet<i64> = got["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["organisation_id"].as_i64().unwrap())
                        .collect();
                    let allowed = if staff || own {
                        BTreeSet::from([org])
                    } else {
                        BTreeSet::new()
                    };
                    if orgs != allowed {
                        failures.push(format!(
                            "{row}: listed organisations {orgs:?}, expected {allowed:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

// --- reading, pagination, filters -------------------------------------------------------------

async fn pages_cover_every_request_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut created = BTreeSet::new();
    for day in 1..=7 {
        let request = create(
            &app,
            json!({"earliest_start": format!("2027-04-{day:02}T10:00")}),
        )
        .await;
        created.insert(request["id"].as_i64().unwrap());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("{REQUESTS}?limit=3&cursor={c}"),
            None => format!("{REQUESTS}?limit=3"),
        };
        let (status, page) = json_of(app.get(&path, &app.requester_a.token).await).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            if pages < 3 { 3 } else { 1 },
            "page {pages}: {page}"
        );
        seen.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in id order: {seen:?}"
    );
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), created);
    // Exactly a page's worth: no empty page after it.
    let (_, page) = json_of(
        app.get(&format!("{REQUESTS}?limit=7"), &app.requester_a.token)
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 7);
    assert_eq!(page["next_cursor"], Value::Null);
}

async fn filters_narrow_the_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let zh = create(&app, json!({"earliest_start": "2027-03-27T09:00"})).await;
    let ar = create(
        &app,
        json!({"language": "ar-ma", "urgency": "emergency", "earliest_start": "2027-03-29T09:00"}),
    )
    .await;
    let ur = create(
        &app,
        json!({"language": "ur", "earliest_start": "2027-03-30T23:30"}),
    )
    .await;
    let b = app
        .post(
            REQUESTS,
            &app.requester_b.token,
            &body(&app, json!({"site_id": app.site_b})),
        )
        .await;
    let b = json_of(b).await.1;
    let cancel = app
        .post(
            &format!("{REQUESTS}/{}/cancel", ur["id"]),
            &app.requester_a.token,
            &json!({}),
        )
        .await;
    assert_eq!(cancel.status(), 200);

    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let id = |v: &Value| v["id"].as_i64().unwrap();
    for (query, token, expected) in [
        ("", &app.requester_a.token, vec![id(&zh), id(&ar), id(&ur)]),
        (
            "",
            &app.admin.token,
            vec![id(&zh), id(&ar), id(&ur), id(&b)],
        ),
        (
            &format!("?organisation_id={}", app.org_b) as &str,
            &app.coordinator.token,
            vec![id(&b)],
        ),
        ("?language=AR-MA", &app.requester_a.token, vec![id(&ar)]),
        ("?language=ar", &app.requester_a.token, vec![]),
        ("?urgency=emergency", &app.requester_a.token, vec![id(&ar)]),
        ("?status=cancelled", &app.requester_a.token, vec![id(&ur)]),
        (
            "?status=submitted",
            &app.requester_a.token,
            vec![id(&zh), id(&ar)],
        ),
        // Dates are local midnights in Rome; `to` is exclusive.
        (
            "?from=2027-03-28&to=2027-03-30",
            &app.requester_a.token,
            vec![id(&ar)],
        ),
        ("?from=2027-03-30", &app.requester_a.token, vec![id(&ur)]),
        (
            "?to=2027-03-29T07:00:00Z",
            &app.requester_a.token,
            vec![id(&zh)],
        ),
        (
            "?from=2027-03-29T07:00:00Z&to=2027-03-29T07:00:01Z",
            &app.requester_a.token,
            vec![id(&ar)],
        ),
        (
            "?from=2027-03-29T09:00&urgency=routine",
            &app.requester_a.token,
            vec![id(&ur)],
        ),
    ] {
        let (status, page) = json_of(app.get(&format!("{REQUESTS}{query}"), token).await).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(ids(&page), expected, "{query}");
    }
}

async fn bad_list_parameters_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=%21%21", "cursor"),
        ("cursor=bm90IGEgbnVtYmVy", "cursor"),
        ("status=lost", "status"),
        ("urgency=whenever", "urgency"),
        ("language=zh_TW", "language"),
        ("from=yesterday", "from"),
        ("to=2027-02-30", "to"),
        ("from=2027-03-02&to=2027-03-01", "to"),
        ("organisation_id=A", "organisation_id"),
    ] {
        let r = app
            .get(&format!("{REQUESTS}?{query}"), &app.coordinator.token)
            .await;
        let problem = assert_problem(r, 422, Some(field)).await;
        assert_eq!(
            problem["errors"].as_object().unwrap().len(),
            1,
            "{query}: {problem}"
        );
    }
    let r = app
        .get(&format!("{REQUESTS}?limit=200"), &app.coordinator.token)
        .await;
    assert_eq!(r.status(), 200);
}

async fn unknown_requests_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_problem(
        app.get(&format!("{REQUESTS}/999999"), &app.admin.token)
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("{REQUESTS}/abc"), &app.admin.token).await,
        404,
        None,
    )
    .await;
    let r = app
        .post(
            &format!("{REQUESTS}/999999/cancel"),
            &app.admin.token,
            &json!({}),
        )
        .await;
    assert_problem(r, 404, None).await;
}

async fn a_request_is_cancelled_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = create(&app, json!({})).await;
    let path = format!("{REQUESTS}/{}/cancel", created["id"]);
    let long = json!({"reason": "r".repeat(501)});
    assert_problem(
        app.post(&path, &app.requester_a.token, &long).await,
        422,
        Some("reason"),
    )
    .await;
    let escape = json!({"reason": "\u{1b}[2J"});
    assert_problem(
        app.post(&path, &app.requester_a.token, &escape).await,
        422,
        Some("reason"),
    )
    .await;
    let r = post_raw_to(&app, &path, "{\"reason\":").await;
    assert_problem(r, 400, None).await;

    let r = app
        .post(
            &path,
            &app.requester_a.token,
            &json!({"reason": "La famiglia ha trovato un interprete."}),
        )
        .await;
    let (status, cancelled) = json_of(r).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["cancel_reason"],
        "La famiglia ha trovato un interprete."
    );
    assert_eq!(cancelled["id"], created["id"]);
    assert_eq!(cancelled["earliest_start"], created["earliest_start"]);
    let (_, read) = json_of(
        app.get(
            &format!("{REQUESTS}/{}", created["id"]),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(read, cancelled);

    assert_problem(
        app.post(&path, &app.coordinator.token, &json!({})).await,
        409,
        None,
    )
    .await;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("cancelled"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(events, 1);

    // No body at all is fine too.
    let other = create(&app, json!({})).await;
    let r = app
        .call(
            Method::POST,
            &format!("{REQUESTS}/{}/cancel", other["id"]),
            Some(&app.admin.token),
            None,
        )
        .await;
    let (status, got) = json_of(r).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["cancel_reason"], Value::Null);
}

// --- cancelling occurrences of a series ---------------------------------------------------

/// A weekly series of five Tuesdays (zh, in person at site A), starting two weeks ahead.
async fn weekly_series(app: &TestApp) -> (Value, Vec<DateTime<Utc>>) {
    // Two weeks ahead, moved on until none of the five dates is a national holiday, which
    // a series skips (the test must not depend on the day it runs).
    let mut first = (Utc::now() + TimeDelta::days(14)).date_naive();
    while (0..5)
        .any(|w| ponte::domain::closure::national_holiday(first + TimeDelta::weeks(w)).is_some())
    {
        first += TimeDelta::days(1);
    }
    let created = create(
        app,
        json!({
            "earliest_start": format!("{first}T09:00"),
            "rrule": "FREQ=WEEKLY;COUNT=5",
        }),
    )
    .await;
    assert_eq!(created["occurrences"]["count"], 5, "{created}");
    let starts: Vec<DateTime<Utc>> = created["occurrences"]["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["utc"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(starts.len(), 5);
    (created, starts)
}

/// A live assignment of occurrence `k` (from 1) of `request` for the test mediator.
async fn live_assignment(
    app: &TestApp,
    request_id: i64,
    k: i32,
    start: DateTime<Utc>,
    state: &str,
) -> assignment::Model {
    let (row, _) = NewAssignment {
        request_id,
        occurrence: k,
        mediator_id: app.mediator_id,
        start,
        end: start + TimeDelta::minutes(60),
        state: AssignmentState::parse(state).unwrap(),
        plan_id: None,
        expires_at: None,
        modality: None,
    }
    .row("ponte.test", Utc::now());
    row.insert(&app.db).await.unwrap()
}

/// The occurrences of `request_id` in a snapshot of the whole series.
async fn planned_occurrences(
    app: &TestApp,
    request_id: i64,
    starts: &[DateTime<Utc>],
) -> BTreeSet<i32> {
    let rome = chrono_tz::Europe::Rome;
    let window = Window::local_dates(
        starts[0].with_timezone(&rome).date_naive(),
        starts[starts.len() - 1].with_timezone(&rome).date_naive(),
        rome,
    );
    let snap = snapshot::build(&app.db, window).await.unwrap();
    snap.occurrences
        .values()
        .filter(|o| o.request_id == request_id)
        .map(|o| o.occurrence)
        .collect()
}

async fn state_of(app: &TestApp, id: i64) -> String {
    assignment::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

async fn cancelled_notices(app: &TestApp, assignment_id: i64) -> u64 {
    notice::Entity::find()
        .filter(notice::Column::Kind.eq("cancelled"))
        .filter(notice::Column::AssignmentId.eq(assignment_id))
        .count(&app.db)
        .await
        .unwrap()
}

async fn one_occurrence_is_cancelled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (created, starts) = weekly_series(&app).await;
    let id = created["id"].as_i64().unwrap();
    let second = live_assignment(&app, id, 2, starts[1], "accepted").await;
    let third = live_assignment(&app, id, 3, starts[2], "published").await;
    assert_eq!(
        planned_occurrences(&app, id, &starts).await,
        BTreeSet::from([1, 2, 3, 4, 5])
    );

    let r = app
        .post(
            &format!("{REQUESTS}/{id}/occurrences/2/cancel"),
            &app.requester_a.token,
            &json!({"reason": "Gita scolastica"}),
        )
        .await;
    let (status, done) = json_of(r).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["cancelled"], json!([2]));
    assert_eq!(done["all_cancelled"], json!([2]));
    assert_eq!(done["assignments_cancelled"], 1);
    assert_eq!(done["request_status"], "submitted");

    // The occurrence is gone from planning; the others stay, with their assignments.
    assert_eq!(
        planned_occurrences(&app, id, &starts).await,
        BTreeSet::from([1, 3, 4, 5])
    );
    assert_eq!(state_of(&app, second.id).await, "cancelled");
    assert_eq!(state_of(&app, third.id).await, "published");
    assert_eq!(cancelled_notices(&app, second.id).await, 1);
    assert_eq!(cancelled_notices(&app, third.id).await, 0);
    let audit = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("occurrences_cancelled"))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_user_id, Some(app.requester_a.id));
    let (_, read) = json_of(
        app.get(&format!("{REQUESTS}/{id}"), &app.coordinator.token)
            .await,
    )
    .await;
    assert_eq!(read["status"], "submitted");

    // Twice is a conflict, not a second row.
    let again = app
        .post(
            &format!("{REQUESTS}/{id}/occurrences/2/cancel"),
            &app.coordinator.token,
            &json!({}),
        )
        .await;
    assert_problem(again, 409, None).await;
}

async fn the_series_is_cancelled_from_a_date_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (created, starts) = weekly_series(&app).await;
    let id = created["id"].as_i64().unwrap();
    let first = live_assignment(&app, id, 1, starts[0], "accepted").await;
    let fourth = live_assignment(&app, id, 4, starts[3], "offered").await;
    // One occurrence cancelled alone before: the series cancellation skips it.
    let r = app
        .post(
            &format!("{REQUESTS}/{id}/occurrences/5/cancel"),
            &app.requester_a.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let r = app
        .call(
            Method::POST,
            &format!("{REQUESTS}/{id}/occurrences/3/cancel"),
            Some(&app.coordinator.token),
            Some(&json!({"following": true, "reason": "Fine del progetto"})),
        )
        .await;
    let (status, done) = json_of(r).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["cancelled"], json!([3, 4]));
    assert_eq!(done["all_cancelled"], json!([3, 4, 5]));
    assert_eq!(done["assignments_cancelled"], 1);
    assert_eq!(
        planned_occurrences(&app, id, &starts).await,
        BTreeSet::from([1, 2])
    );
    assert_eq!(state_of(&app, first.id).await, "accepted");
    assert_eq!(state_of(&app, fourth.id).await, "cancelled");
    assert_eq!(cancelled_notices(&app, fourth.id).await, 1);

    // Cancelling what is left ends the request itself.
    let r = app
        .post(
            &format!("{REQUESTS}/{id}/occurrences/1/cancel"),
            &app.requester_a.token,
            &json!({"following": true}),
        )
        .await;
    let (status, done) = json_of(r).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["request_status"], "cancelled");
    assert_eq!(state_of(&app, first.id).await, "cancelled");
    let (_, read) = json_of(
        app.get(&format!("{REQUESTS}/{id}"), &app.requester_a.token)
            .await,
    )
    .await;
    assert_eq!(read["status"], "cancelled");
    assert!(planned_occurrences(&app, id, &starts).await.is_empty());
}

async fn occurrence_cancellation_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (created, _) = weekly_series(&app).await;
    let id = created["id"].as_i64().unwrap();
    let path = |k: &str| format!("{REQUESTS}/{id}/occurrences/{k}/cancel");
    for k in ["0", "6", "-1", "due"] {
        let r = app.post(&path(k), &app.requester_a.token, &json!({})).await;
        assert_problem(r, 422, Some("occurrence")).await;
    }
    let long = json!({"reason": "r".repeat(501)});
    assert_problem(
        app.post(&path("2"), &app.requester_a.token, &long).await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&path("2"), &app.requester_a.token, &json!({"when": "now"}))
            .await,
        422,
        Some("when"),
    )
    .await;
    assert_problem(
        post_raw_to(&app, &path("2"), "{\"reason\":").await,
        400,
        None,
    )
    .await;
    // Another organisation's request does not exist for them; mediators have no requests.
    assert_problem(
        app.post(&path("2"), &app.requester_b.token, &json!({}))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post(&path("2"), &app.mediator.token, &json!({})).await,
        403,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{REQUESTS}/999999/occurrences/1/cancel"),
            &app.requester_a.token,
            &json!({}),
        )
        .await,
        404,
        None,
    )
    .await;
    let anonymous = app
        .call(Method::POST, &path("2"), None, Some(&json!({})))
        .await;
    assert_eq!(anonymous.status(), 401);
    // An occurrence that has begun is history, not a cancellation.
    let past = Utc::now() - TimeDelta::days(1);
    request::Entity::update_many()
        .col_expr(
            request::Column::EarliestStart,
            sea_orm::sea_query::Expr::value(past),
        )
        .col_expr(
            request::Column::LatestStart,
            sea_orm::sea_query::Expr::value(past),
        )
        .filter(request::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_problem(
        app.post(&path("1"), &app.requester_a.token, &json!({}))
            .await,
        422,
        Some("occurrence"),
    )
    .await;
    // Nothing was written by any of these.
    assert_eq!(
        occurrence_cancellation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

async fn post_raw_to(app: &TestApp, path: &str, raw: &str) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&app.requester_a.token)
        .header("content-type", "application/json")
        .body(raw.to_string())
        .send()
        .await
        .expect("the server answers")
}

both!(
    a_valid_request_is_created_with_every_field,
    malformed_json_is_400,
    wrong_shapes_name_the_field,
    language_must_be_bcp47,
    modality_and_urgency_are_known_words,
    duration_is_15_to_480_minutes,
    latest_start_is_not_before_earliest,
    earliest_start_is_not_in_the_past,
    in_person_needs_a_site_of_the_same_organisation,
    required_tags_are_known,
    mediators_exist_and_are_not_both_preferred_and_excluded,
    rrule_is_valid_and_bounded,
    text_fields_have_limits,
    the_organisation_is_checked,
    every_bad_field_is_reported_at_once,
    mediators_cannot_submit,
    local_times_are_read_in_the_organisations_zone,
    a_local_time_in_the_spring_gap_is_refused,
    a_weekly_series_keeps_its_local_time_across_both_changes,
    a_repeat_with_the_same_key_answers_as_the_first_time,
    a_rejected_submission_does_not_use_up_its_key,
    idempotency_keys_are_checked,
    twenty_parallel_submissions_with_one_key_create_one_request,
    authorization_matrix,
    pages_cover_every_request_once,
    filters_narrow_the_list,
    bad_list_parameters_are_named,
    unknown_requests_are_404,
    a_request_is_cancelled_once,
    one_occurrence_is_cancelled,
    the_series_is_cancelled_from_a_date_on,
    occurrence_cancellation_errors,
);
