//! Offers that lapse, with the application's clock moved by the test (no sleeping): an
//! emergency nobody answers goes to a wider round, never to anyone asked before, then to
//! the coordinators; an urgent meeting's mediator who does not confirm is replaced; two
//! sweeps at once escalate an offer once; a plan that fills an occurrence withdraws its
//! offers.
use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use ponte::dispatch::lapse;
use ponte::entity::assignment;
use serde_json::{json, Value};

use crate::assignments::{add_mediator, audits, notices_of, ASSIGNMENTS};
use crate::both;
use crate::dispatch::{
    always_available, mediators, rows_of, submit, tomorrow_at, unfilled_notices,
};
use crate::helpers::{json_of, Backend, TestApp};

/// Li Wei and `more` other Chinese speakers, all available all week, with their tokens.
async fn speakers(app: &TestApp, more: &[&str]) -> HashMap<i64, String> {
    let mut tokens = HashMap::from([(app.mediator_id, app.mediator.token.clone())]);
    for name in more {
        let m = add_mediator(app, name, json!(["zh"])).await;
        tokens.insert(m.id, m.user.token);
    }
    for id in tokens.keys() {
        always_available(app, *id).await;
    }
    tokens
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

both!(
    an_unanswered_emergency_goes_to_a_wider_round_then_to_the_coordinators,
    sweeps_at_once_escalate_an_offer_once,
    an_unconfirmed_urgent_meeting_goes_to_the_next_mediator,
    a_published_plan_withdraws_the_offers_it_fills
);

async fn an_unanswered_emergency_goes_to_a_wider_round_then_to_the_coordinators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tokens = speakers(
        &app,
        &[
            "Chen Jing",
            "Wang Fang",
            "Zhang Wei",
            "Liu Yang",
            "Huang Min",
            "Zhao Lei",
        ],
    )
    .await;
    let request = submit(&app, json!({})).await;
    let first = rows_of(&app, request).await;
    let asked_first = mediators(&first, "offered");
    assert_eq!(asked_first.len(), 3, "{first:?}");
    let deadline = app.clock_now() + TimeDelta::minutes(10);
    for a in &first {
        assert_eq!(a.expires_at.map(micros), Some(micros(deadline)), "{a:?}");
    }
    // The API shows how long each offer waits.
    let (status, page) = json_of(
        app.get(
            &format!("{ASSIGNMENTS}?state=offered&request_id={request}"),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["request_id"] == request)
        .collect();
    assert_eq!(items.len(), 3, "{page}");
    assert!(
        items.iter().all(|i| i["expires_at"]["utc"].is_string()),
        "{page}"
    );

    // One second early: nothing lapses.
    app.clock
        .advance(TimeDelta::minutes(10) - TimeDelta::seconds(1));
    lapse::sweep(&app.state).await.unwrap();
    assert_eq!(
        mediators(&rows_of(&app, request).await, "offered"),
        asked_first
    );

    app.clock.advance(TimeDelta::seconds(1));
    lapse::sweep(&app.state).await.unwrap();
    let second = rows_of(&app, request).await;
    assert_eq!(mediators(&second, "lapsed"), asked_first, "{second:?}");
    let asked_second = mediators(&second, "offered");
    // Wider: up to six, and the four not asked before are all there are.
    assert_eq!(asked_second.len(), 4, "{second:?}");
    assert!(asked_second.iter().all(|m| !asked_first.contains(m)));
    for a in first.iter() {
        assert_eq!(notices_of(&app.db, "lapsed", a.id).await, 1, "{a:?}");
        assert_eq!(audits(&app.db, "lapsed", a.id).await, 1);
    }
    let next_deadline = app.clock_now() + TimeDelta::minutes(10);
    for a in second.iter().filter(|a| a.state.as_str() == "offered") {
        assert_eq!(a.expires_at.map(micros), Some(micros(next_deadline)));
    }

    // Too late for a mediator of the first round: the offer lapsed.
    let late = first[0].id;
    let r = app
        .post(
            &format!("{ASSIGNMENTS}/{late}/accept"),
            &tokens[&first[0].mediator_id],
            &json!({}),
        )
        .await;
    let (status, body) = json_of(r).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("lapsed"),
        "{body}"
    );

    // No one answers the second round either: the coordinators hear why.
    let told_before = unfilled_notices(&app, request).await.len();
    app.clock.advance(TimeDelta::minutes(10));
    lapse::sweep(&app.state).await.unwrap();
    let last = rows_of(&app, request).await;
    assert_eq!(mediators(&last, "lapsed").len(), 7, "{last:?}");
    assert!(mediators(&last, "offered").is_empty());
    let told = unfilled_notices(&app, request).await;
    assert!(told.len() > told_before, "{told:?}");
    assert!(
        told.iter().any(|n| n
            .body_text
            .contains("nessuno ha risposto in tempo (7 interpellati)")),
        "{:?}",
        told.iter().map(|n| &n.body_text).collect::<Vec<_>>()
    );
    // Nothing is left due: later sweeps change nothing.
    app.clock.advance(TimeDelta::hours(1));
    lapse::sweep(&app.state).await.unwrap();
    assert_eq!(rows_of(&app, request).await, last);
}

async fn sweeps_at_once_escalate_an_offer_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    speakers(&app, &["Chen Jing", "Wang Fang", "Zhang Wei"]).await;
    let request = submit(&app, json!({})).await;
    let first = rows_of(&app, request).await;
    assert_eq!(first.len(), 3);
    app.clock.advance(TimeDelta::minutes(10));
    // Three sweeps at once, besides the application's own worker.
    let (a, b, c) = tokio::join!(
        lapse::sweep(&app.state),
        lapse::sweep(&app.state),
        lapse::sweep(&app.state)
    );
    let offered_again: usize = [a, b, c]
        .into_iter()
        .map(|s| s.unwrap().offered_again)
        .sum();
    assert!(offered_again <= 1, "escalated {offered_again} times");
    let rows = rows_of(&app, request).await;
    assert_eq!(rows.len(), 4, "one new offer, once: {rows:?}");
    assert_eq!(mediators(&rows, "lapsed").len(), 3);
    assert_eq!(mediators(&rows, "offered").len(), 1);
    for a in &first {
        assert_eq!(notices_of(&app.db, "lapsed", a.id).await, 1);
        assert_eq!(audits(&app.db, "lapsed", a.id).await, 1);
    }
}

async fn an_unconfirmed_urgent_meeting_goes_to_the_next_mediator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    speakers(&app, &["Chen Jing"]).await;
    // Monday 22 March 2027, 09:00 in Rome: an urgent meeting at 10:00 the same morning.
    app.clock.set("2027-03-22T08:00:00Z".parse().unwrap());
    let request = submit(
        &app,
        json!({
            "urgency": "urgent",
            "earliest_start": "2027-03-22T10:00",
            "latest_start": "2027-03-22T12:00",
        }),
    )
    .await;
    let first = rows_of(&app, request).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].state.as_str(), "published");
    let deadline: DateTime<Utc> = "2027-03-22T09:00:00Z".parse().unwrap();
    assert_eq!(first[0].expires_at, Some(deadline));

    app.clock.set(deadline);
    lapse::sweep(&app.state).await.unwrap();
    let rows = rows_of(&app, request).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].state.as_str(), "lapsed");
    assert_eq!(rows[1].state.as_str(), "published");
    assert_ne!(rows[1].mediator_id, rows[0].mediator_id);
    // The next one still has time to answer, though the meeting starts soon.
    assert!(rows[1].expires_at.unwrap() > deadline, "{rows:?}");
    assert_eq!(notices_of(&app.db, "lapsed", rows[0].id).await, 1);
    assert_eq!(notices_of(&app.db, "published", rows[1].id).await, 1);
}

async fn a_published_plan_withdraws_the_offers_it_fills(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tokens = speakers(&app, &["Chen Jing", "Wang Fang", "Zhang Wei"]).await;
    let request = submit(&app, json!({})).await;
    let offers = rows_of(&app, request).await;
    assert_eq!(mediators(&offers, "offered").len(), 3);

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
    crate::plans::wait_finished(&app, id).await;
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

    let rows = rows_of(&app, request).await;
    let live: Vec<&assignment::Model> = rows.iter().filter(|a| a.state.is_live()).collect();
    assert_eq!(live.len(), 1, "the plan filled it: {rows:?}");
    assert!(mediators(&rows, "offered").is_empty(), "{rows:?}");
    assert_eq!(mediators(&rows, "withdrawn").len(), 3, "{rows:?}");
    for o in &offers {
        assert_eq!(notices_of(&app.db, "offer_taken", o.id).await, 1, "{o:?}");
    }
    // A withdrawn offer answers for what it is: taken, or the caller's own already.
    for o in &offers {
        let (status, body) = json_of(
            app.post(
                &format!("{ASSIGNMENTS}/{}/accept", o.id),
                &tokens[&o.mediator_id],
                &json!({}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 409, "{body}");
        let detail = body["detail"].as_str().unwrap();
        if o.mediator_id == live[0].mediator_id {
            assert!(detail.contains("already yours"), "{body}");
        } else {
            assert!(detail.contains("another mediator"), "{body}");
        }
    }
}
