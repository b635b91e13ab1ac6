//! Publication re-checks what went live since the plan ran: a draft whose mediator took
//! other work at its time is not published and is reported, so that no mediator ever holds
//! two overlapping live assignments.
use std::collections::HashMap;

use ponte::entity::assignment;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::assignments::{add_mediator, insert_assignment, routine_request, ASSIGNMENTS};
use crate::both;
use crate::dispatch::{always_available, rows_of, submit, tomorrow_at};
use crate::helpers::{json_of, Backend, TestApp};

both!(
    a_stale_plan_never_double_books_a_mediator,
    dispatch_accept_and_publish_at_once_never_double_book,
    an_offer_over_a_live_meeting_cannot_be_accepted
);

/// An offer made before a meeting was booked at the same hour cannot be accepted: the
/// mediator is told which meeting holds them.
async fn an_offer_over_a_live_meeting_cannot_be_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let day = chrono::Utc::now() + chrono::TimeDelta::days(3);
    let booked = routine_request(&app, &day.format("%Y-%m-%dT10:00").to_string()).await;
    let offered = routine_request(&app, &day.format("%Y-%m-%dT10:30").to_string()).await;
    let at = |h: u32, m: u32| day.date_naive().and_hms_opt(h, m, 0).unwrap().and_utc();
    let (live, _) =
        insert_assignment(&app.db, booked, 1, app.mediator_id, at(9, 0), "published").await;
    let (offer, _) =
        insert_assignment(&app.db, offered, 1, app.mediator_id, at(9, 30), "offered").await;
    let r = app
        .post(
            &format!("{ASSIGNMENTS}/{offer}/accept"),
            &app.mediator.token,
            &json!({}),
        )
        .await;
    let (status, body) = json_of(r).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("assignment {live}")),
        "{body}"
    );
    assert_eq!(double_bookings(&app).await, []);
}

/// Every pair of live assignments of one mediator that overlap.
pub(crate) async fn double_bookings(app: &TestApp) -> Vec<(i64, i64)> {
    let live = assignment::Entity::find()
        .filter(assignment::Column::State.is_in(ponte::assignment::LIVE_STATES))
        .all(&app.db)
        .await
        .unwrap();
    let mut by_mediator: HashMap<i64, Vec<&assignment::Model>> = HashMap::new();
    for a in &live {
        by_mediator.entry(a.mediator_id).or_default().push(a);
    }
    let mut pairs = Vec::new();
    for rows in by_mediator.values() {
        for (i, a) in rows.iter().enumerate() {
            for b in &rows[i + 1..] {
                if a.start < b.end && b.start < a.end {
                    pairs.push((a.id, b.id));
                }
            }
        }
    }
    pairs
}

async fn a_stale_plan_never_double_books_a_mediator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    always_available(&app, app.mediator_id).await;
    // A routine meeting tomorrow at 10:00, planned for Li Wei, the only Chinese speaker.
    let routine = submit(
        &app,
        json!({"urgency": "routine", "earliest_start": tomorrow_at(10), "latest_start": tomorrow_at(10)}),
    )
    .await;
    let day = &tomorrow_at(0)[..10];
    let (status, plan) = json_of(
        app.post(
            "/api/v1/plans",
            &app.coordinator.token,
            &json!({"from": day, "to": day, "time_limit_seconds": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 202, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    let planned = crate::plans::wait_finished(&app, id).await;
    assert_eq!(
        planned["assignments"].as_array().map(Vec::len),
        Some(1),
        "{planned}"
    );

    // Before it is published, an emergency at 10:15 goes to Li Wei, who accepts.
    let emergency = submit(
        &app,
        json!({"earliest_start": tomorrow_at(10).replace(":00", ":15"), "latest_start": tomorrow_at(10).replace(":00", ":15")}),
    )
    .await;
    let offer = rows_of(&app, emergency).await;
    assert_eq!(offer.len(), 1, "{offer:?}");
    let r = app
        .post(
            &format!("{ASSIGNMENTS}/{}/accept", offer[0].id),
            &app.mediator.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);

    // Publishing the stale plan leaves that draft out and says why.
    let (status, published) = json_of(
        app.post(
            &format!("/api/v1/plans/{id}/publish"),
            &app.coordinator.token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert!(
        rows_of(&app, routine)
            .await
            .iter()
            .all(|a| !a.state.is_live()),
        "the routine draft is not published"
    );
    let reported: Vec<&Value> = published["unassigned"]
        .as_array()
        .unwrap_or_else(|| panic!("{published}"))
        .iter()
        .filter(|u| u["request_id"] == routine && u["reason"] == "busy_since_planned")
        .collect();
    assert_eq!(reported.len(), 1, "{published}");
    assert_eq!(reported[0]["holding_assignment_id"], offer[0].id);
    assert_eq!(double_bookings(&app).await, []);
}

async fn dispatch_accept_and_publish_at_once_never_double_book(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut tokens = HashMap::from([(app.mediator_id, app.mediator.token.clone())]);
    for name in ["Chen Jing", "Wang Fang"] {
        let m = add_mediator(&app, name, json!(["zh"])).await;
        tokens.insert(m.id, m.user.token);
    }
    for id in tokens.keys() {
        always_available(&app, *id).await;
    }
    // Six routine meetings tomorrow morning, planned for the three of them.
    for hour in [9, 9, 10, 10, 11, 11] {
        submit(
            &app,
            json!({"urgency": "routine", "earliest_start": tomorrow_at(hour), "latest_start": tomorrow_at(hour)}),
        )
        .await;
    }
    let day = &tomorrow_at(0)[..10];
    let (_, plan) = json_of(
        app.post(
            "/api/v1/plans",
            &app.coordinator.token,
            &json!({"from": day, "to": day, "time_limit_seconds": 1}),
        )
        .await,
    )
    .await;
    let id = plan["id"].as_i64().unwrap();
    crate::plans::wait_finished(&app, id).await;

    // At once: the plan's publication, and emergencies over the same hours whose offers
    // every mediator accepts as soon as they see them.
    let publish = async {
        app.post(
            &format!("/api/v1/plans/{id}/publish"),
            &app.coordinator.token,
            &json!({}),
        )
        .await
        .status()
        .as_u16()
    };
    let emergencies = async {
        let mut requests = Vec::new();
        for hour in [9, 10, 11] {
            requests.push(
                submit(
                    &app,
                    json!({"earliest_start": tomorrow_at(hour), "latest_start": tomorrow_at(hour)}),
                )
                .await,
            );
        }
        for request in requests {
            for offer in rows_of(&app, request).await {
                let _ = app
                    .post(
                        &format!("{ASSIGNMENTS}/{}/accept", offer.id),
                        &tokens[&offer.mediator_id],
                        &json!({}),
                    )
                    .await;
            }
        }
    };
    let (status, ()) = tokio::join!(publish, emergencies);
    assert_eq!(status, 200);
    assert_eq!(double_bookings(&app).await, []);
}
