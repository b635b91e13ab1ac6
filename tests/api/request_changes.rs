//! `PATCH /requests/{id}`: notes, preferred and excluded mediators changed after
//! submission; a mediator newly excluded is released from what they hold, and an urgent
//! request goes to someone else at once.
use serde_json::json;

use crate::assignments::{add_mediator, audits, insert_assignment, notices_of, state_of};
use crate::both;
use crate::dispatch::{always_available, rows_of, submit, tomorrow_at};
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

both!(a_request_is_changed_and_an_excluded_mediator_released);

async fn a_request_is_changed_and_an_excluded_mediator_released(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chen = add_mediator(&app, "Chen Jing", json!(["zh"])).await;
    always_available(&app, app.mediator_id).await;
    always_available(&app, chen.id).await;
    let request = submit(
        &app,
        json!({"urgency": "urgent", "notes": "Primo colloquio"}),
    )
    .await;
    let start = chrono::NaiveDateTime::parse_from_str(&tomorrow_at(10), "%Y-%m-%dT%H:%M")
        .unwrap()
        .and_local_timezone(chrono_tz::Europe::Rome)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let (held, _) =
        insert_assignment(&app.db, request, 1, app.mediator_id, start, "accepted").await;
    let url = format!("/api/v1/requests/{request}");
    let patch = |body: serde_json::Value, token: String| {
        let app = &app;
        let url = url.clone();
        async move {
            app.call(reqwest::Method::PATCH, &url, Some(&token), Some(&body))
                .await
        }
    };
    let school = app.requester_a.token.clone();

    // Notes change and clear; nothing else moves.
    let (status, view) =
        json_of(patch(json!({"notes": "Porta la pagella"}), school.clone()).await).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["notes"], "Porta la pagella");
    assert_eq!(state_of(&app.db, held).await, "accepted");
    let (_, view) = json_of(patch(json!({"notes": null}), school.clone()).await).await;
    assert!(view["notes"].is_null(), "{view}");

    // Bad input names its field; another school's request is not found.
    assert_problem(
        patch(json!({"preferred_mediators": [999_999]}), school.clone()).await,
        422,
        Some("preferred_mediators"),
    )
    .await;
    assert_problem(
        patch(
            json!({"preferred_mediators": [chen.id], "excluded_mediators": [chen.id]}),
            school.clone(),
        )
        .await,
        422,
        Some("excluded_mediators"),
    )
    .await;
    assert_problem(
        patch(json!({"notes": "a\u{0}b"}), school.clone()).await,
        422,
        Some("notes"),
    )
    .await;
    assert_problem(
        patch(json!({"colour": "red"}), school.clone()).await,
        422,
        Some("colour"),
    )
    .await;
    assert_problem(
        patch(json!({"notes": "x"}), app.requester_b.token.clone()).await,
        404,
        None,
    )
    .await;

    // Excluding Li Wei releases the meeting; Chen Jing gets it at once.
    let (status, view) = json_of(
        patch(
            json!({"excluded_mediators": [app.mediator_id]}),
            school.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["excluded_mediators"], json!([app.mediator_id]));
    assert_eq!(state_of(&app.db, held).await, "cancelled");
    assert_eq!(notices_of(&app.db, "released", held).await, 1);
    assert_eq!(audits(&app.db, "cancelled", held).await, 1);
    let live: Vec<_> = rows_of(&app, request)
        .await
        .into_iter()
        .filter(|a| a.state.is_live())
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].mediator_id, chen.id);

    // A cancelled request is not changed.
    let r = app
        .post(&format!("{url}/cancel"), &school, &json!({}))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert_problem(patch(json!({"notes": "x"}), school).await, 409, None).await;
}
