//! Holidays and closures: the computed national holidays and patron days, the closures
//! coordinators and organisations enter (`/api/v1/closures`), a series that skips them,
//! and weekly hours that stop on a national holiday.
use ponte::plan::snapshot::{self, OccurrenceRef, Window};
use serde_json::{json, Value};

use crate::both;
use crate::dispatch::always_available;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};
use crate::plans::a_request;

const CLOSURES: &str = "/api/v1/closures";

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn days_named(list: &Value, kind: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| c["first_day"].as_str().unwrap().to_string())
        .collect()
}

both!(
    closures_are_listed_entered_and_removed,
    a_series_skips_holidays_and_closures_and_weekly_hours_stop_on_holidays
);

async fn closures_are_listed_entered_and_removed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let december = format!("{CLOSURES}?from=2027-12-01&to=2027-12-31");
    let (status, list) = json_of(app.get(&december, &app.coordinator.token).await).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        days_named(&list, "national"),
        ["2027-12-08", "2027-12-25", "2027-12-26"]
    );
    // Prato's patron shares Santo Stefano; listed for the town all the same.
    assert!(days_named(&list, "patron").contains(&"2027-12-26".to_string()));

    // A school enters its Christmas holidays; not another school's.
    let holidays = json!({
        "organisation_id": app.org_a,
        "first_day": "2027-12-23",
        "last_day": "2028-01-06",
        "name": "Vacanze di Natale",
    });
    let (status, created) =
        json_of(app.post(CLOSURES, &app.requester_a.token, &holidays).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["kind"], "organisation");
    let id = created["id"].as_i64().unwrap();
    let mut other = holidays.clone();
    other["organisation_id"] = json!(app.org_b);
    assert_problem(
        app.post(CLOSURES, &app.requester_a.token, &other).await,
        404,
        None,
    )
    .await;
    let mut everyone = holidays.clone();
    everyone["organisation_id"] = Value::Null;
    assert_problem(
        app.post(CLOSURES, &app.requester_a.token, &everyone).await,
        422,
        Some("organisation_id"),
    )
    .await;
    assert_problem(
        app.post(CLOSURES, &app.mediator.token, &holidays).await,
        403,
        None,
    )
    .await;
    // Staff close a day for everyone.
    let strike = json!({"first_day": "2027-12-10", "name": "Sciopero generale"});
    let (status, created) =
        json_of(app.post(CLOSURES, &app.coordinator.token, &strike).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["kind"].as_str(), created["last_day"].as_str()),
        (Some("everyone"), Some("2027-12-10"))
    );

    // Bad input names its field.
    for (body, field) in [
        (
            json!({"organisation_id": app.org_a, "first_day": "2027-13-01", "name": "x"}),
            "first_day",
        ),
        (
            json!({"organisation_id": app.org_a, "first_day": "1000-01-01", "name": "x"}),
            "first_day",
        ),
        (
            json!({"organisation_id": app.org_a, "first_day": "2027-12-10", "last_day": "2027-12-01", "name": "x"}),
            "last_day",
        ),
        (
            json!({"organisation_id": app.org_a, "first_day": "2027-01-01", "last_day": "2027-12-31", "name": "x"}),
            "last_day",
        ),
        (
            json!({"organisation_id": app.org_a, "first_day": "2027-12-10"}),
            "name",
        ),
        (
            json!({"organisation_id": app.org_a, "first_day": "2027-12-10", "name": "a\nb"}),
            "name",
        ),
        (
            json!({"organisation_id": app.org_a, "name": "x"}),
            "first_day",
        ),
    ] {
        assert_problem(
            app.post(CLOSURES, &app.requester_a.token, &body).await,
            422,
            Some(field),
        )
        .await;
    }
    assert_problem(
        app.get(
            &format!("{CLOSURES}?from=2027-12-01&to=2030-12-31"),
            &app.coordinator.token,
        )
        .await,
        422,
        Some("to"),
    )
    .await;

    // Each requester sees its own closures and everyone's, not another school's.
    let (_, seen_b) = json_of(app.get(&december, &app.requester_b.token).await).await;
    assert_eq!(days_named(&seen_b, "organisation"), Vec::<String>::new());
    assert_eq!(days_named(&seen_b, "everyone"), ["2027-12-10"]);
    let (_, seen_a) = json_of(app.get(&december, &app.requester_a.token).await).await;
    assert_eq!(days_named(&seen_a, "organisation"), ["2027-12-23"]);

    // Only its organisation (or staff) removes it.
    let one = format!("{CLOSURES}/{id}");
    let r = app
        .call(
            reqwest::Method::DELETE,
            &one,
            Some(&app.requester_b.token),
            None,
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    let r = app
        .call(
            reqwest::Method::DELETE,
            &one,
            Some(&app.requester_a.token),
            None,
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    let (_, seen_a) = json_of(app.get(&december, &app.requester_a.token).await).await;
    assert!(days_named(&seen_a, "organisation").is_empty(), "{seen_a}");
}

async fn a_series_skips_holidays_and_closures_and_weekly_hours_stop_on_holidays(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    always_available(&app, app.mediator_id).await;
    // Mondays at 09:00 in Rome from 22 March 2027, four times: the second is Easter
    // Monday; the school closes for a trip on the fourth.
    let series = a_request(
        &app,
        "2027-03-22T08:00:00Z",
        "phone",
        Some("FREQ=WEEKLY;COUNT=4"),
    )
    .await;
    // A single meeting asked for on Easter Monday is kept: someone asked for that day.
    let single = a_request(&app, "2027-03-29T12:00:00Z", "phone", None).await;
    let trip =
        json!({"organisation_id": app.org_a, "first_day": "2027-04-12", "name": "Gita scolastica"});
    let (status, body) = json_of(app.post(CLOSURES, &app.requester_a.token, &trip).await).await;
    assert_eq!(status, 201, "{body}");

    let rome = chrono_tz::Europe::Rome;
    let window = Window::local_dates(date("2027-03-22"), date("2027-04-12"), rome);
    let snap = snapshot::build(&app.db, window).await.unwrap();
    let mut planned: Vec<OccurrenceRef> = snap.request_ids.keys().copied().collect();
    planned.sort_by_key(|o| (o.request_id, o.occurrence));
    let occ = |request_id, occurrence| OccurrenceRef {
        request_id,
        occurrence,
    };
    assert_eq!(planned, [occ(series, 1), occ(series, 3), occ(single, 1)]);

    // Weekly hours do not apply on Easter Monday; extra hours for it do.
    assert_eq!(shifts_of(&app).await, ["2027-03-30"]);
    let rules: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "start": "00:00", "end": "23:59"}))
        .collect();
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/mediators/{}/availability", app.mediator_id),
            Some(&app.coordinator.token),
            Some(&json!({"rules": rules, "exceptions": [
                {"date": "2027-03-29", "kind": "extra", "start": "09:00", "end": "13:00"}
            ]})),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    assert_eq!(shifts_of(&app).await, ["2027-03-29", "2027-03-30"]);
}

/// The local dates of the mediator's shifts from 28 to 30 March 2027.
async fn shifts_of(app: &TestApp) -> Vec<String> {
    let url = format!(
        "/api/v1/mediators/{}/shifts?from=2027-03-28&to=2027-03-30",
        app.mediator_id
    );
    let (status, body) = json_of(app.get(&url, &app.coordinator.token).await).await;
    assert_eq!(status, 200, "{body}");
    body["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"]["local"].as_str().unwrap()[..10].to_string())
        .collect()
}
