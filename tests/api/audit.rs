//! `/api/v1/audit`: the trail of a request's life read back through the API, its filters,
//! pagination and who may read it.
use std::collections::BTreeSet;

use ponte::entity::user;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

const AUDIT: &str = "/api/v1/audit";

/// Submits a routine request as requester A and returns its id.
async fn submit(app: &TestApp) -> i64 {
    let body = json!({
        "site_id": app.site_a,
        "language": "zh",
        "modality": "in_person",
        "earliest_start": "2027-03-30T09:00",
        "duration_minutes": 60,
        "urgency": "routine",
    });
    let (status, created) = json_of(
        app.post("/api/v1/requests", &app.requester_a.token, &body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

async fn cancel(app: &TestApp, id: i64) {
    let (status, body) = json_of(
        app.post(
            &format!("/api/v1/requests/{id}/cancel"),
            &app.coordinator.token,
            &json!({"reason": "the family moved"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The items of one page as the coordinator; `query` starts with `?`.
async fn page(app: &TestApp, query: &str) -> Value {
    let (status, body) = json_of(
        app.get(&format!("{AUDIT}{query}"), &app.coordinator.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

async fn items(app: &TestApp, query: &str) -> Vec<Value> {
    page(app, query).await["items"].as_array().unwrap().clone()
}

async fn email_of(app: &TestApp, id: i64) -> String {
    user::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .email
}

/// An instant as a query value (`+` would read as a space).
fn q(at: &Value) -> String {
    at.as_str().unwrap().replace('+', "%2B")
}

both!(
    a_request_created_and_cancelled_is_in_the_trail,
    filters_narrow_the_trail,
    pages_cover_the_trail_once,
    only_staff_read_the_trail
);

async fn a_request_created_and_cancelled_is_in_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = submit(&app).await;
    cancel(&app, id).await;

    let all = items(&app, "").await;
    let id_text = id.to_string();
    let ours: Vec<&Value> = all
        .iter()
        .filter(|e| e["entity"] == "request" && e["entity_id"] == id_text.as_str())
        .collect();
    assert_eq!(ours.len(), 2, "{all:?}");
    let (cancelled, created) = (ours[0], ours[1]);
    assert_eq!(cancelled["action"], "cancelled");
    assert_eq!(created["action"], "created");
    assert!(cancelled["id"].as_i64() > created["id"].as_i64());
    assert!(cancelled["at"].as_str() >= created["at"].as_str());
    assert_eq!(cancelled["actor_user_id"], app.coordinator.id);
    assert_eq!(
        cancelled["actor_email"],
        email_of(&app, app.coordinator.id).await
    );
    assert_eq!(cancelled["detail"]["reason"], "the family moved");
    assert_eq!(created["actor_user_id"], app.requester_a.id);
    assert_eq!(
        created["actor_email"],
        email_of(&app, app.requester_a.id).await
    );
    // The whole trail is newest first.
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // An admin reads it too.
    let (status, _) = json_of(app.get(AUDIT, &app.admin.token).await).await;
    assert_eq!(status, 200);
}

async fn filters_narrow_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = submit(&app).await;
    let other = submit(&app).await;
    cancel(&app, id).await;

    let mine = items(&app, &format!("?entity=request&entity_id={id}")).await;
    let actions: Vec<&Value> = mine.iter().map(|e| &e["action"]).collect();
    assert_eq!(actions, ["cancelled", "created"], "{mine:?}");
    let (cancelled, created) = (&mine[0], &mine[1]);

    let cancellations = items(&app, "?action=cancelled").await;
    assert_eq!(cancellations.len(), 1, "{cancellations:?}");
    assert_eq!(cancellations[0]["id"], cancelled["id"]);

    let requests = items(&app, "?entity=request").await;
    let ids: BTreeSet<String> = requests
        .iter()
        .map(|e| e["entity_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([id.to_string(), other.to_string()]),
        "{requests:?}"
    );
    assert!(items(&app, "?entity=mediator&entity_id=999999")
        .await
        .is_empty());

    let by_coordinator = items(&app, &format!("?actor_user_id={}", app.coordinator.id)).await;
    assert!(by_coordinator.iter().any(|e| e["id"] == cancelled["id"]));
    assert!(by_coordinator
        .iter()
        .all(|e| e["actor_user_id"] == app.coordinator.id));

    // `from` is inclusive, `to` exclusive: the cancellation's instant splits the two events.
    let since = items(
        &app,
        &format!("?entity_id={id}&from={}", q(&cancelled["at"])),
    )
    .await;
    assert_eq!(since.len(), 1, "{since:?}");
    assert_eq!(since[0]["id"], cancelled["id"]);
    let before = items(
        &app,
        &format!(
            "?entity_id={id}&from={}&to={}",
            q(&created["at"]),
            q(&cancelled["at"])
        ),
    )
    .await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0]["id"], created["id"]);
}

async fn pages_cover_the_trail_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..3 {
        let id = submit(&app).await;
        cancel(&app, id).await;
    }
    let everything: Vec<i64> = items(&app, "?limit=200")
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(everything.len() >= 6, "{everything:?}");

    let mut seen = Vec::new();
    let mut query = "?limit=2".to_string();
    let mut pages = 0;
    loop {
        let body = page(&app, &query).await;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|e| e["id"].as_i64().unwrap()));
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 100, "the cursor does not advance");
    }
    assert_eq!(
        seen, everything,
        "pages give every event once, newest first"
    );
    assert_eq!(pages, everything.len().div_ceil(2));
}

async fn only_staff_read_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_problem(app.get(AUDIT, &app.requester_a.token).await, 403, None).await;
    assert_problem(app.get(AUDIT, &app.mediator.token).await, 403, None).await;
    assert_problem(app.call(Method::GET, AUDIT, None, None).await, 401, None).await;
    assert_problem(
        app.get(&format!("{AUDIT}?from=yesterday"), &app.coordinator.token)
            .await,
        422,
        Some("from"),
    )
    .await;
    assert_problem(
        app.get(&format!("{AUDIT}?cursor=nonsense"), &app.coordinator.token)
            .await,
        422,
        Some("cursor"),
    )
    .await;
}
