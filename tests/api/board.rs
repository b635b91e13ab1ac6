//! The coordinators' day (`plan::day`), the data of the board page: what it lists as
//! unfilled must agree with what planning would plan.
use chrono::{DateTime, TimeDelta, Utc};
use ponte::plan::day::Day;
use serde_json::json;

use crate::both;
use crate::helpers::{json_of, Backend, TestApp};

/// A weekly series of three meetings ten days from now, its starts in UTC.
async fn series(app: &TestApp) -> (i64, Vec<DateTime<Utc>>) {
    let first = (Utc::now() + TimeDelta::days(10)).date_naive();
    let (status, created) = json_of(
        app.post(
            "/api/v1/requests",
            &app.requester_a.token,
            &json!({
                "site_id": app.site_a,
                "language": "zh",
                "modality": "in_person",
                "earliest_start": format!("{first}T10:00"),
                "duration_minutes": 90,
                "urgency": "routine",
                "rrule": "FREQ=WEEKLY;COUNT=3",
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let starts = created["occurrences"]["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["utc"].as_str().unwrap().parse().unwrap())
        .collect();
    (created["id"].as_i64().unwrap(), starts)
}

fn rome_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Rome).date_naive()
}

/// Before: the board read no occurrence cancellations, so a meeting the school had called
/// off stood in the unfilled list as "not planned yet", though no plan would ever take it.
async fn a_cancelled_meeting_is_not_unfilled_on_the_board(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, starts) = series(&app).await;
    assert_eq!(starts.len(), 3);
    let r = app
        .post(
            &format!("/api/v1/requests/{id}/occurrences/2/cancel"),
            &app.requester_a.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let unfilled_of = |day: Day| {
        day.unfilled
            .into_iter()
            .filter(|u| u.request_id == id)
            .map(|u| (u.start, u.reason))
            .collect::<Vec<_>>()
    };
    let first = Day::load(&app.db, rome_date(starts[0])).await.unwrap();
    assert_eq!(
        unfilled_of(first),
        vec![(starts[0], "not_planned".to_string())]
    );
    let second = Day::load(&app.db, rome_date(starts[1])).await.unwrap();
    assert_eq!(unfilled_of(second), vec![], "the cancelled meeting");
    let third = Day::load(&app.db, rome_date(starts[2])).await.unwrap();
    assert_eq!(
        unfilled_of(third),
        vec![(starts[2], "not_planned".to_string())]
    );
}

both!(a_cancelled_meeting_is_not_unfilled_on_the_board);
