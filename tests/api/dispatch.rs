//! Urgent dispatch from `POST /requests` to the outbox: emergencies offered to the best few,
//! urgent requests of today published, the coordinators told when no one fits (with the
//! reason and an alternative), a decline re-dispatched never to the decliner, a cancellation
//! cancelling what dispatch wrote.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Europe::Rome;
use ponte::entity::{assignment, notice};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::assignments::{add_mediator, audits, insert_assignment, notices_of, ASSIGNMENTS};
use crate::both;
use crate::helpers::{json_of, Backend, TestApp};

/// Every day, all day: dispatch tests must not depend on the hour they run at, nor on
/// the day (weekly hours stop on national holidays: extra hours cover the next ones).
pub(crate) async fn always_available(app: &TestApp, mediator_id: i64) {
    let rules: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "start": "00:00", "end": "23:59"}))
        .collect();
    let today = Utc::now().with_timezone(&Rome).date_naive();
    let extras: Vec<Value> = (0..15)
        .map(|d| today + TimeDelta::days(d))
        .filter(|d| ponte::domain::closure::national_holiday(*d).is_some())
        .map(|d| json!({"date": d, "kind": "extra", "start": "00:00", "end": "23:59"}))
        .collect();
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/mediators/{mediator_id}/availability"),
            Some(&app.coordinator.token),
            Some(&json!({"rules": rules, "exceptions": extras})),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
}

/// Li Wei and three more Chinese speakers, all available.
async fn four_speakers(app: &TestApp) -> Vec<i64> {
    let mut ids = vec![app.mediator_id];
    for name in ["Chen Jing", "Wang Fang", "Zhang Wei"] {
        ids.push(add_mediator(app, name, json!(["zh"])).await.id);
    }
    for id in &ids {
        always_available(app, *id).await;
    }
    ids
}

/// Tomorrow at `hour` in Rome, as a local date-time the API reads in the organisation's zone.
pub(crate) fn tomorrow_at(hour: u32) -> String {
    let day = (Utc::now().with_timezone(&Rome) + TimeDelta::days(1)).date_naive();
    format!("{day}T{hour:02}:00")
}

pub(crate) async fn submit(app: &TestApp, changes: Value) -> i64 {
    let mut body = json!({
        "site_id": app.site_a,
        "language": "zh",
        "modality": "in_person",
        "earliest_start": tomorrow_at(10),
        "latest_start": tomorrow_at(12),
        "duration_minutes": 60,
        "urgency": "emergency",
    });
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    let (status, got) = json_of(
        app.post("/api/v1/requests", &app.requester_a.token, &body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{got}");
    got["id"].as_i64().unwrap()
}

pub(crate) async fn rows_of(app: &TestApp, request_id: i64) -> Vec<assignment::Model> {
    assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(request_id))
        .order_by_asc(assignment::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

pub(crate) async fn unfilled_notices(app: &TestApp, request_id: i64) -> Vec<notice::Model> {
    notice::Entity::find()
        .filter(notice::Column::Kind.eq("unfilled"))
        .filter(notice::Column::RequestId.eq(request_id))
        .all(&app.db)
        .await
        .unwrap()
}

pub(crate) fn mediators(rows: &[assignment::Model], state: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .iter()
        .filter(|a| a.state.as_str() == state)
        .map(|a| a.mediator_id)
        .collect();
    ids.sort_unstable();
    ids
}

both!(
    an_emergency_is_offered_to_the_best_three,
    an_urgent_request_for_today_is_published,
    routine_requests_wait_for_the_planner,
    when_no_one_fits_coordinators_hear_why_and_the_alternatives,
    a_decline_goes_to_someone_else,
    cancelling_the_request_cancels_the_offers
);

async fn an_emergency_is_offered_to_the_best_three(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let speakers = four_speakers(&app).await;
    let request = submit(&app, json!({})).await;

    let rows = rows_of(&app, request).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let offered = mediators(&rows, "offered");
    assert_eq!(offered.len(), 3, "three distinct mediators: {rows:?}");
    assert!(offered.iter().all(|m| speakers.contains(m)));
    let earliest: DateTime<Utc> = rows.iter().map(|a| a.start).min().unwrap();
    for a in &rows {
        assert_eq!(a.occurrence, 1);
        assert_eq!(a.end - a.start, TimeDelta::minutes(60));
        assert!(a.start >= earliest && a.start <= earliest + TimeDelta::hours(2));
        assert!(a.response_token_hash.is_some());
        assert_eq!(notices_of(&app.db, "offer", a.id).await, 1, "{a:?}");
        assert_eq!(audits(&app.db, "offered", a.id).await, 1);
    }
    // Each offer's notice carries its own link.
    let bodies: Vec<String> = notice::Entity::find()
        .filter(notice::Column::Kind.eq("offer"))
        .filter(notice::Column::RequestId.eq(request))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.body_text)
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().all(|b| b.contains("/respond/pr_")),
        "{bodies:?}"
    );
    assert_ne!(bodies[0], bodies[1]);

    // Li Wei, if offered, accepts: the others are withdrawn.
    let mine = rows.iter().find(|a| a.mediator_id == app.mediator_id);
    if let Some(mine) = mine {
        let r = app
            .post(
                &format!("{ASSIGNMENTS}/{}/accept", mine.id),
                &app.mediator.token,
                &json!({}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let rows = rows_of(&app, request).await;
        assert_eq!(mediators(&rows, "accepted"), [app.mediator_id]);
        assert_eq!(mediators(&rows, "withdrawn").len(), 2);
    }
}

async fn an_urgent_request_for_today_is_published(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    four_speakers(&app).await;
    // Availability ends at 23:59: late in the evening, the meeting would cross midnight, so
    // the app's clock moves to the next morning (the test must pass at any hour).
    let local = app.clock_now().with_timezone(&Rome);
    if local.date_naive() != (local + TimeDelta::minutes(30)).date_naive() {
        app.clock.advance(TimeDelta::hours(9));
    }
    let start = (app.clock_now() + TimeDelta::minutes(10)).format("%Y-%m-%dT%H:%M:00Z");
    let request = submit(
        &app,
        json!({
            "earliest_start": start.to_string(),
            "latest_start": start.to_string(),
            "duration_minutes": 15,
            "modality": "phone",
            "site_id": null,
            "urgency": "urgent",
        }),
    )
    .await;
    let rows = rows_of(&app, request).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].state.as_str(), "published");
    assert_eq!(notices_of(&app.db, "published", rows[0].id).await, 1);
    assert_eq!(audits(&app.db, "published", rows[0].id).await, 1);

    // The same request for tomorrow (by the app's clock) is left to the planner.
    let day = (app.clock_now().with_timezone(&Rome) + TimeDelta::days(1)).date_naive();
    let tomorrow = submit(
        &app,
        json!({"urgency": "urgent", "earliest_start": format!("{day}T10:00"),
               "latest_start": format!("{day}T12:00")}),
    )
    .await;
    assert!(rows_of(&app, tomorrow).await.is_empty());
}

async fn routine_requests_wait_for_the_planner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    four_speakers(&app).await;
    let request = submit(&app, json!({"urgency": "routine"})).await;
    assert!(rows_of(&app, request).await.is_empty());
    assert!(unfilled_notices(&app, request).await.is_empty());
}

async fn when_no_one_fits_coordinators_hear_why_and_the_alternatives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The one Albanian speaker works by phone only: an in-person emergency finds no one,
    // and the alternative is by phone.
    let arben = add_mediator(&app, "Arben Hoxha", json!(["sq"])).await;
    sea_orm::ActiveModelTrait::update(
        ponte::entity::mediator::ActiveModel {
            id: sea_orm::Set(arben.id),
            modalities: sea_orm::Set(json!(["phone"])),
            ..Default::default()
        },
        &app.db,
    )
    .await
    .unwrap();
    always_available(&app, arben.id).await;
    let request = submit(&app, json!({"language": "sq"})).await;
    assert!(rows_of(&app, request).await.is_empty());
    let notices = unfilled_notices(&app, request).await;
    assert_eq!(notices.len(), 1, "one per coordinator: {notices:?}");
    assert_eq!(notices[0].recipient_email, "coord@ponte.example");
    // The coordinator reads Italian: the reason and the alternative are in Italian too.
    let text = &notices[0].body_text;
    assert!(
        text.contains("nessun mediatore offre questa modalità"),
        "{text}"
    );
    assert!(
        text.contains("al telefono: Arben Hoxha alle 10:00"),
        "{text}"
    );

    // Nobody speaks Tigrinya at all: the reason says so, and there is no alternative.
    let request = submit(&app, json!({"language": "ti"})).await;
    let notices = unfilled_notices(&app, request).await;
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0]
            .body_text
            .contains("nessun mediatore parla la lingua"),
        "{}",
        notices[0].body_text
    );
}

async fn a_decline_goes_to_someone_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let speakers = four_speakers(&app).await;

    // A routine request the plan gave Li Wei: he declines, dispatch publishes it to another.
    let request = submit(&app, json!({"urgency": "routine"})).await;
    let start = rows_start(&tomorrow_at(10));
    let (published, _) =
        insert_assignment(&app.db, request, 1, app.mediator_id, start, "published").await;
    let r = app
        .post(
            &format!("{ASSIGNMENTS}/{published}/decline"),
            &app.mediator.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let rows = rows_of(&app, request).await;
    let live = mediators(&rows, "published");
    assert_eq!(live.len(), 1, "{rows:?}");
    assert_ne!(live[0], app.mediator_id);
    assert!(speakers.contains(&live[0]));
    let new = rows
        .iter()
        .find(|a| a.state.as_str() == "published")
        .unwrap();
    assert_eq!(notices_of(&app.db, "published", new.id).await, 1);

    // An emergency offered to three: while one offer is open nothing happens; when all
    // three declined, the fourth speaker is offered it, and never a decliner again.
    let request = submit(&app, json!({})).await;
    let rows = rows_of(&app, request).await;
    assert_eq!(rows.len(), 3);
    let tokens = tokens_by_mediator(&app, &speakers).await;
    for (i, a) in rows.iter().enumerate() {
        let token = &tokens[&a.mediator_id];
        let r = app
            .post(
                &format!("{ASSIGNMENTS}/{}/decline", a.id),
                token,
                &json!({"reason": "busy"}),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let now = rows_of(&app, request).await;
        let open = mediators(&now, "offered");
        if i < 2 {
            assert_eq!(open.len(), 2 - i, "{now:?}");
        } else {
            let decliners = mediators(&now, "declined");
            assert_eq!(decliners.len(), 3);
            assert_eq!(open.len(), 1, "{now:?}");
            assert!(!decliners.contains(&open[0]));
        }
    }
    // The last one declines too: no one is left, and the coordinators are told.
    let now = rows_of(&app, request).await;
    let last = now.iter().find(|a| a.state.as_str() == "offered").unwrap();
    let r = app
        .post(
            &format!("{ASSIGNMENTS}/{}/decline", last.id),
            &tokens[&last.mediator_id],
            &json!({}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let now = rows_of(&app, request).await;
    assert!(mediators(&now, "offered").is_empty(), "{now:?}");
    assert_eq!(mediators(&now, "declined").len(), 4);
    let notices = unfilled_notices(&app, request).await;
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0]
            .body_text
            .contains("tutti i mediatori della lingua sono esclusi"),
        "{}",
        notices[0].body_text
    );
}

async fn cancelling_the_request_cancels_the_offers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    four_speakers(&app).await;
    let request = submit(&app, json!({})).await;
    assert_eq!(rows_of(&app, request).await.len(), 3);
    let r = app
        .post(
            &format!("/api/v1/requests/{request}/cancel"),
            &app.requester_a.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    for a in rows_of(&app, request).await {
        assert_eq!(a.state.as_str(), "cancelled");
        assert_eq!(notices_of(&app.db, "cancelled", a.id).await, 1);
        assert_eq!(audits(&app.db, "cancelled", a.id).await, 1);
    }
}

fn rows_start(local: &str) -> DateTime<Utc> {
    ponte::domain::local_time::parse_instant(local, Rome).unwrap()
}

/// The bearer tokens of the speakers (Li Wei's from the harness, the others' issued here).
async fn tokens_by_mediator(
    app: &TestApp,
    speakers: &[i64],
) -> std::collections::HashMap<i64, String> {
    use ponte::entity::user;
    let mut tokens = std::collections::HashMap::new();
    for m in speakers {
        if *m == app.mediator_id {
            tokens.insert(*m, app.mediator.token.clone());
            continue;
        }
        let u = user::Entity::find()
            .filter(user::Column::MediatorId.eq(*m))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let token = ponte::account::issue_token_for(&app.db, u.id, None)
            .await
            .unwrap();
        tokens.insert(*m, token);
    }
    tokens
}
