//! `PATCH /requests/{id}/occurrences/{k}`: one meeting of a series changed, or it and the
//! following ones (the series is split). A mediator who can take the new time keeps it, with
//! the same calendar UID and a higher SEQUENCE; one who cannot is released, and an urgent
//! meeting goes to someone else at once.
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Europe::Rome;
use ponte::entity::{assignment, notice};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::assignments::{add_mediator, insert_assignment, notices_of, state_of};
use crate::both;
use crate::dispatch::{always_available, rows_of, submit};
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

/// A day at least two days ahead that begins five working days in a row with no holiday in
/// them (a series must not meet a closure), so the test passes on any date.
fn first_day() -> NaiveDate {
    let mut day = (Utc::now().with_timezone(&Rome) + TimeDelta::days(2)).date_naive();
    while (0..6)
        .any(|d| ponte::domain::closure::national_holiday(day + TimeDelta::days(d)).is_some())
    {
        day += TimeDelta::days(1);
    }
    day
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, minute, 0)
        .unwrap()
        .and_local_timezone(Rome)
        .unwrap()
        .with_timezone(&Utc)
}

fn local(day: NaiveDate, hour: u32, minute: u32) -> String {
    format!("{day}T{hour:02}:{minute:02}")
}

async fn one(app: &TestApp, id: i64) -> assignment::Model {
    assignment::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn change(
    app: &TestApp,
    token: &str,
    request: i64,
    k: i32,
    body: Value,
) -> reqwest::Response {
    app.call(
        Method::PATCH,
        &format!("/api/v1/requests/{request}/occurrences/{k}"),
        Some(token),
        Some(&body),
    )
    .await
}

both!(one_meeting_and_the_following_ones_change_and_keep_their_mediator);

async fn one_meeting_and_the_following_ones_change_and_keep_their_mediator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    always_available(&app, app.mediator_id).await;
    let day = first_day();
    let series = submit(
        &app,
        json!({
            "urgency": "routine",
            "modality": "phone",
            "site_id": null,
            "earliest_start": local(day, 10, 0),
            "latest_start": null,
            "rrule": "FREQ=DAILY;COUNT=5",
        }),
    )
    .await;
    let mut held = Vec::new();
    for k in 1..=5 {
        let start = at(day + TimeDelta::days(k - 1), 10, 0);
        let (id, _) = insert_assignment(
            &app.db,
            series,
            k as i32,
            app.mediator_id,
            start,
            "accepted",
        )
        .await;
        held.push(id);
    }
    let school = app.requester_a.token.clone();
    let uid = one(&app, held[1]).await.uid;

    // Meeting 2 an hour later: the same mediator keeps it, same UID, next SEQUENCE.
    let (status, done) = json_of(
        change(
            &app,
            &school,
            series,
            2,
            json!({"scope": "this", "start": local(day + TimeDelta::days(1), 11, 0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["moved"], json!([2]));
    assert_eq!(done["kept_assignments"], json!([held[1]]));
    assert_eq!(done["released_assignments"], json!([]));
    let single = done["request"]["id"].as_i64().unwrap();
    assert_ne!(single, series);
    assert_eq!(
        done["request"]["changed_from"],
        json!({"request_id": series, "occurrence": 2})
    );
    assert!(done["request"]["rrule"].is_null(), "{done}");
    let moved = one(&app, held[1]).await;
    assert_eq!((moved.request_id, moved.occurrence), (single, 1));
    assert_eq!(moved.start, at(day + TimeDelta::days(1), 11, 0));
    assert_eq!(moved.end - moved.start, TimeDelta::hours(1));
    assert_eq!((moved.uid.as_str(), moved.sequence), (uid.as_str(), 1));
    assert_eq!(moved.state.as_str(), "accepted");
    let changed: Vec<notice::Model> = notice::Entity::find()
        .filter(notice::Column::Kind.eq("changed"))
        .filter(notice::Column::AssignmentId.eq(held[1]))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!changed.is_empty());
    for n in &changed {
        let ics = n.ics.as_deref().unwrap();
        assert!(ics.contains(&format!("UID:{uid}")), "{ics}");
        assert!(ics.contains("SEQUENCE:1"), "{ics}");
    }
    // The mediator's own list shows the new time; the other meetings did not move.
    assert_eq!(one(&app, held[0]).await.start, at(day, 10, 0));
    assert_eq!(one(&app, held[2]).await.request_id, series);

    // Meeting 2 is no longer the series' to change or cancel.
    assert_problem(
        change(
            &app,
            &school,
            series,
            2,
            json!({"scope": "this", "duration_minutes": 30}),
        )
        .await,
        409,
        None,
    )
    .await;

    // From meeting 4 on at 12:00: the rest of the series becomes a series of its own.
    let (status, done) = json_of(
        change(
            &app,
            &school,
            series,
            4,
            json!({"scope": "following", "start": local(day + TimeDelta::days(3), 12, 0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["moved"], json!([4, 5]));
    assert_eq!(done["kept_assignments"], json!([held[3], held[4]]));
    let rest = done["request"]["id"].as_i64().unwrap();
    assert_eq!(done["request"]["rrule"], "FREQ=DAILY;COUNT=2");
    assert_eq!(done["request"]["occurrences"]["count"], 2);
    for (i, id) in [held[3], held[4]].into_iter().enumerate() {
        let a = one(&app, id).await;
        assert_eq!((a.request_id, a.occurrence), (rest, i as i32 + 1));
        assert_eq!(a.start, at(day + TimeDelta::days(3 + i as i64), 12, 0));
        assert_eq!(a.sequence, 1);
    }

    // Meeting 3 moved onto the 12:00 of day 4, which its mediator now holds: released.
    let (status, done) = json_of(
        change(
            &app,
            &school,
            series,
            3,
            json!({"scope": "this", "start": local(day + TimeDelta::days(3), 12, 30)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["kept_assignments"], json!([]));
    assert_eq!(done["released_assignments"], json!([held[2]]));
    assert_eq!(state_of(&app.db, held[2]).await, "cancelled");
    assert_eq!(
        notices_of(&app.db, "released", held[2]).await,
        1,
        "to the mediator"
    );

    // The original keeps meeting 1 only; meeting 1 changed as "following" ends the series.
    let (status, done) = json_of(
        change(
            &app,
            &school,
            series,
            1,
            json!({"scope": "following", "duration_minutes": 90}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["moved"], json!([1]));
    assert_eq!(
        one(&app, held[0]).await.end - one(&app, held[0]).await.start,
        TimeDelta::minutes(90)
    );
    let (_, original) = json_of(
        app.get(&format!("/api/v1/requests/{series}"), &school)
            .await,
    )
    .await;
    assert_eq!(original["status"], "cancelled", "{original}");
}

both!(a_changed_meeting_is_refused_with_its_field);

async fn a_changed_meeting_is_refused_with_its_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let day = first_day();
    let series = submit(
        &app,
        json!({
            "urgency": "routine",
            "earliest_start": local(day, 10, 0),
            "latest_start": null,
            "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
        }),
    )
    .await;
    let school = app.requester_a.token.clone();
    for (k, body, status, field) in [
        (1, json!({"start": local(day, 11, 0)}), 422, Some("scope")),
        (1, json!({"scope": "sometimes"}), 422, Some("scope")),
        (9, json!({"scope": "this"}), 422, Some("occurrence")),
        (
            1,
            json!({"scope": "this", "duration_minutes": 5}),
            422,
            Some("duration_minutes"),
        ),
        (
            1,
            json!({"scope": "this", "modality": "telepathy"}),
            422,
            Some("modality"),
        ),
        (
            1,
            json!({"scope": "this", "site_id": null}),
            422,
            Some("site_id"),
        ),
        (
            1,
            json!({"scope": "this", "start": "2001-01-01T10:00"}),
            422,
            Some("start"),
        ),
        (
            1,
            json!({"scope": "this", "preferred_mediator": 999_999}),
            422,
            Some("preferred_mediator"),
        ),
        (
            1,
            json!({"scope": "this", "colour": "red"}),
            422,
            Some("colour"),
        ),
    ] {
        assert_problem(
            change(&app, &school, series, k, body.clone()).await,
            status,
            field,
        )
        .await;
    }
    assert_problem(
        change(
            &app,
            &app.requester_b.token,
            series,
            1,
            json!({"scope": "this"}),
        )
        .await,
        404,
        None,
    )
    .await;
    // Nothing was written by the refusals.
    let (_, view) = json_of(
        app.get(&format!("/api/v1/requests/{series}"), &school)
            .await,
    )
    .await;
    assert_eq!(view["status"], "submitted");
    assert!(rows_of(&app, series).await.is_empty());
}

both!(an_emergency_its_mediator_cannot_take_goes_to_another);

/// Works only `start`–`end` on `day`.
async fn only(app: &TestApp, mediator: i64, day: NaiveDate, start: &str, end: &str) {
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/mediators/{mediator}/availability"),
            Some(&app.coordinator.token),
            Some(&json!({"rules": [], "exceptions": [
                {"date": day, "kind": "extra", "start": start, "end": end}
            ]})),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
}

async fn an_emergency_its_mediator_cannot_take_goes_to_another(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chen = add_mediator(&app, "Chen Jing", json!(["zh"])).await;
    let day = first_day();
    only(&app, app.mediator_id, day, "09:00", "12:00").await;
    only(&app, chen.id, day, "14:00", "18:00").await;
    // Offered at once to Li Wei, the only one free at 10:00.
    let request = submit(
        &app,
        json!({"modality": "phone", "site_id": null, "earliest_start": local(day, 10, 0), "latest_start": null}),
    )
    .await;
    let offered = rows_of(&app, request).await;
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert_eq!(offered[0].mediator_id, app.mediator_id);
    // A single request's one meeting, moved to the afternoon: Li Wei cannot, Chen Jing is asked.
    let (status, done) = json_of(
        change(
            &app,
            &app.requester_a.token,
            request,
            1,
            json!({"scope": "this", "start": local(day, 15, 0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["released_assignments"], json!([offered[0].id]));
    assert_eq!(state_of(&app.db, offered[0].id).await, "cancelled");
    let moved_to = done["request"]["id"].as_i64().unwrap();
    let asked = rows_of(&app, moved_to).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].mediator_id, chen.id);
    assert_eq!(asked[0].state.as_str(), "offered");
    assert_eq!(asked[0].start, at(day, 15, 0));
}
