//! An absence over live meetings: refused with the list of what it would release, then,
//! once confirmed, the meetings are released with their notices, an urgent one goes to
//! someone else at once and a routine one waits for the next plan.
use chrono::{TimeDelta, Utc};
use chrono_tz::Europe::Rome;
use serde_json::{json, Value};

use crate::assignments::{add_mediator, audits, insert_assignment, notices_of, state_of};
use crate::both;
use crate::dispatch::{always_available, rows_of, submit, tomorrow_at};
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

both!(an_absence_over_live_meetings_asks_then_releases_them);

fn every_day() -> Vec<Value> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "start": "00:00", "end": "23:59"}))
        .collect()
}

async fn an_absence_over_live_meetings_asks_then_releases_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chen = add_mediator(&app, "Chen Jing", json!(["zh"])).await;
    always_available(&app, app.mediator_id).await;
    always_available(&app, chen.id).await;
    // Tomorrow: an urgent meeting at 10:00 and a routine one at 15:00, both Li Wei's.
    let urgent = submit(&app, json!({"urgency": "urgent"})).await;
    let routine = submit(
        &app,
        json!({"urgency": "routine", "earliest_start": tomorrow_at(15), "latest_start": tomorrow_at(15)}),
    )
    .await;
    assert!(
        rows_of(&app, urgent).await.is_empty(),
        "not dispatched: not today"
    );
    let day = (Utc::now().with_timezone(&Rome) + TimeDelta::days(1)).date_naive();
    let at = |h: u32| {
        day.and_hms_opt(h, 0, 0)
            .unwrap()
            .and_local_timezone(Rome)
            .unwrap()
            .with_timezone(&Utc)
    };
    let (held_urgent, _) =
        insert_assignment(&app.db, urgent, 1, app.mediator_id, at(10), "accepted").await;
    let (held_routine, _) =
        insert_assignment(&app.db, routine, 1, app.mediator_id, at(15), "published").await;

    let url = format!("/api/v1/mediators/{}/availability", app.mediator_id);
    let put = |body: Value| {
        let app = &app;
        let url = url.clone();
        async move {
            app.call(
                reqwest::Method::PUT,
                &url,
                Some(&app.mediator.token),
                Some(&body),
            )
            .await
        }
    };
    // Away another day: nothing to ask.
    let elsewhere = day + TimeDelta::days(3);
    let r = put(json!({"rules": every_day(), "exceptions": [
        {"date": elsewhere, "kind": "absence", "start": "09:00", "end": "18:00"}
    ]}))
    .await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());

    // Away tomorrow morning and afternoon: the answer lists both meetings, nothing changes.
    let away = json!([
        {"date": day, "kind": "absence", "start": "08:00", "end": "12:00", "note": "visita medica"},
        {"date": day, "kind": "absence", "start": "14:00", "end": "18:00"},
    ]);
    let problem = assert_problem(
        put(json!({"rules": every_day(), "exceptions": away})).await,
        409,
        None,
    )
    .await;
    let listed: Vec<i64> = problem["assignments"]
        .as_array()
        .unwrap_or_else(|| panic!("{problem}"))
        .iter()
        .map(|a| a["assignment_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [held_urgent, held_routine], "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("confirm_releases"));
    assert_eq!(state_of(&app.db, held_urgent).await, "accepted");
    let (_, stored) = json_of(app.get(&url, &app.mediator.token).await).await;
    assert_eq!(
        stored["exceptions"].as_array().unwrap().len(),
        1,
        "{stored}"
    );

    // Confirmed: both released, told, audited; the urgent one goes to Chen Jing at once.
    let r = put(json!({"rules": every_day(), "exceptions": away, "confirm_releases": true})).await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    for id in [held_urgent, held_routine] {
        assert_eq!(state_of(&app.db, id).await, "cancelled");
        assert_eq!(notices_of(&app.db, "released", id).await, 1);
        assert_eq!(audits(&app.db, "cancelled", id).await, 1);
    }
    let urgent_rows = rows_of(&app, urgent).await;
    let next: Vec<_> = urgent_rows.iter().filter(|a| a.state.is_live()).collect();
    assert_eq!(next.len(), 1, "{urgent_rows:?}");
    assert_eq!(next[0].mediator_id, chen.id);
    // The routine one waits, unfilled, for the next plan.
    let routine_rows = rows_of(&app, routine).await;
    assert!(
        routine_rows.iter().all(|a| !a.state.is_live()),
        "{routine_rows:?}"
    );
    let (_, stored) = json_of(app.get(&url, &app.mediator.token).await).await;
    assert_eq!(
        stored["exceptions"].as_array().unwrap().len(),
        2,
        "{stored}"
    );
    assert!(
        stored.get("confirm_releases").is_none(),
        "never stored: {stored}"
    );
}
