//! Reports and the shortage analysis on both backends: figures from a known set of rows, the
//! CSV read back, and a what-if that really fills a request nobody could.
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use ponte::entity::{
    assignment, audit_event, availability_rule, plan, plan_assignment, request, session,
};
use ponte::report::csv::parse_line;
use reqwest::header;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A request row as the intake would store it.
struct Req<'a> {
    org: i64,
    site: i64,
    language: &'a str,
    urgency: &'a str,
    start: &'a str,
    rrule: Option<&'a str>,
    created: DateTime<Utc>,
    status: &'a str,
}

async fn insert_request(app: &TestApp, r: Req<'_>) -> i64 {
    let start = utc(r.start);
    request::ActiveModel {
        organisation_id: Set(r.org),
        site_id: Set(Some(r.site)),
        created_by: Set(None),
        language: Set(r.language.into()),
        required_tags: Set(json!([])),
        modality: Set("in_person".parse().unwrap()),
        earliest_start: Set(start),
        latest_start: Set(start + TimeDelta::hours(1)),
        duration_minutes: Set(60),
        urgency: Set(r.urgency.parse().unwrap()),
        preferred_mediators: Set(json!([])),
        excluded_mediators: Set(json!([])),
        case_reference: Set(None),
        notes: Set(None),
        rrule: Set(r.rrule.map(str::to_string)),
        occurrences: Set(1),
        status: Set(r.status.parse().unwrap()),
        cancel_reason: Set(None),
        created_at: Set(r.created),
        updated_at: Set(r.created),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// An assignment of Li Wei, made at `made`.
async fn insert_assignment(
    app: &TestApp,
    request_id: i64,
    occurrence: i32,
    start: &str,
    state: &str,
    made: DateTime<Utc>,
    plan_id: Option<i64>,
) -> i64 {
    let start = utc(start);
    assignment::ActiveModel {
        request_id: Set(request_id),
        occurrence: Set(occurrence),
        mediator_id: Set(app.mediator_id),
        start: Set(start),
        end: Set(start + TimeDelta::minutes(60)),
        state: Set(state.parse().unwrap()),
        plan_id: Set(plan_id),
        uid: Set(ponte::assignment::new_uid("test.example")),
        sequence: Set(0),
        response_token_hash: Set(None),
        decline_reason: Set(None),
        created_at: Set(made),
        updated_at: Set(made),
        responded_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// A finished plan with one draft of `travel` minutes for that occurrence.
async fn plan_with_draft(app: &TestApp, request_id: i64, start: &str, travel: i32) -> i64 {
    let now = Utc::now();
    let start = utc(start);
    let id = plan::ActiveModel {
        from_date: Set(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()),
        to_date: Set(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()),
        horizon_start: Set(utc("2027-02-28T23:00:00Z")),
        horizon_end: Set(utc("2027-03-31T22:00:00Z")),
        status: Set("finished".into()),
        time_limit_ms: Set(1000),
        seed: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    plan_assignment::ActiveModel {
        plan_id: Set(id),
        request_id: Set(request_id),
        occurrence: Set(1),
        mediator_id: Set(app.mediator_id),
        start: Set(start),
        end: Set(start + TimeDelta::minutes(60)),
        travel_minutes: Set(travel),
        locked: Set(false),
        origin: Set("solver".into()),
        assignment_id: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A browser session of `user_id`: (cookie header, CSRF token).
async fn session_of(app: &TestApp, user_id: i64) -> (String, String) {
    let secret = ponte::account::session::open(&app.db, user_id)
        .await
        .unwrap();
    let row = session::Entity::find_by_id(ponte::auth::digest(&secret))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (format!("ponte_session={secret}"), row.csrf_token)
}

/// March 2027: seven occurrences with known outcomes (see each line).
async fn known_month(app: &TestApp) {
    let created = utc("2027-03-01T08:00:00Z");
    let base = |language, urgency, start| Req {
        org: app.org_a,
        site: app.site_a,
        language,
        urgency,
        start,
        rrule: None,
        created,
        status: "submitted",
    };
    // Chinese, urgent, filled 30 minutes after submission, by a plan with 15 travel minutes.
    let r1 = insert_request(app, base("zh", "urgent", "2027-03-08T08:00:00Z")).await;
    let p = plan_with_draft(app, r1, "2027-03-08T08:00:00Z", 15).await;
    let made = created + TimeDelta::minutes(30);
    insert_assignment(
        app,
        r1,
        1,
        "2027-03-08T08:00:00Z",
        "accepted",
        made,
        Some(p),
    )
    .await;
    // Chinese, urgent, filled after 90 minutes (urgent insertion: travel unknown).
    let r2 = insert_request(app, base("zh", "urgent", "2027-03-09T08:00:00Z")).await;
    let made = created + TimeDelta::minutes(90);
    insert_assignment(app, r2, 1, "2027-03-09T08:00:00Z", "published", made, None).await;
    // Chinese, a weekly series of three Mondays; the second one filled.
    let r5 = insert_request(
        app,
        Req {
            // Tuesdays: Monday 29 March 2027 is Easter Monday, which a series skips.
            rrule: Some("FREQ=WEEKLY;COUNT=3"),
            ..base("zh", "routine", "2027-03-16T09:00:00Z")
        },
    )
    .await;
    let made = created + TimeDelta::days(2);
    insert_assignment(app, r5, 2, "2027-03-23T09:00:00Z", "accepted", made, None).await;
    // Urdu, emergency, at B: nobody.
    insert_request(
        app,
        Req {
            org: app.org_b,
            site: app.site_b,
            ..base("ur", "emergency", "2027-03-10T14:00:00Z")
        },
    )
    .await;
    // Arabic at B, cancelled three hours before its start; its assignment went with it.
    let r4 = insert_request(
        app,
        Req {
            org: app.org_b,
            site: app.site_b,
            status: "cancelled",
            ..base("ar", "routine", "2027-03-12T10:00:00Z")
        },
    )
    .await;
    insert_assignment(
        app,
        r4,
        1,
        "2027-03-12T10:00:00Z",
        "cancelled",
        created,
        None,
    )
    .await;
    audit_event::ActiveModel {
        at: Set(utc("2027-03-12T07:00:00Z")),
        actor_user_id: Set(None),
        action: Set("cancelled".into()),
        entity: Set("request".into()),
        entity_id: Set(r4.to_string()),
        detail: Set(json!({})),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // In April: outside the range.
    insert_request(app, base("zh", "routine", "2027-04-05T08:00:00Z")).await;
}

fn row<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key:?} in {report}"))
}

const MARCH: &str = "from=2027-03-01&to=2027-03-31";

both!(
    figures_per_language_organisation_and_mediator,
    csv_reads_back_and_the_page_links_it,
    shortage_and_a_what_if_that_fills_more,
    one_cancelled_meeting_of_a_series_counts_once,
    continuity_is_reported_per_organisation,
);

/// Three weekly meetings of one family's case, all with Li Wei: two follow-ups, both with
/// the mediator who served the case before.
async fn continuity_is_reported_per_organisation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let series = insert_request(
        &app,
        Req {
            org: app.org_a,
            site: app.site_a,
            language: "zh",
            urgency: "routine",
            start: "2027-03-16T09:00:00Z",
            rrule: Some("FREQ=WEEKLY;COUNT=3"),
            created: utc("2027-03-01T08:00:00Z"),
            status: "submitted",
        },
    )
    .await;
    request::Entity::update_many()
        .col_expr(
            request::Column::CaseReference,
            sea_orm::sea_query::Expr::value("FAM-7"),
        )
        .filter(sea_orm::ColumnTrait::eq(&request::Column::Id, series))
        .exec(&app.db)
        .await
        .unwrap();
    for (k, at) in [
        (1, "2027-03-16T09:00:00Z"),
        (2, "2027-03-23T09:00:00Z"),
        (3, "2027-03-30T08:00:00Z"),
    ] {
        insert_assignment(
            &app,
            series,
            k,
            at,
            "accepted",
            utc("2027-03-02T08:00:00Z"),
            None,
        )
        .await;
    }
    let (status, report) = json_of(
        app.get(
            &format!("/api/v1/reports?{MARCH}&group=organisation"),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let org = row(&report, &app.org_a.to_string());
    assert_eq!(org["follow_ups"], 2, "{org}");
    assert_eq!(org["continuity_pct"], 100.0, "{org}");
}

async fn one_cancelled_meeting_of_a_series_counts_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Romanian, every Monday at 10:00 in Rome for three weeks; the third meeting (after the
    // change to summer time: 08:00 UTC) is called off a day ahead.
    let series = insert_request(
        &app,
        Req {
            org: app.org_a,
            site: app.site_a,
            language: "ro",
            urgency: "routine",
            // Tuesdays, not Mondays: 29 March 2027 is Easter Monday.
            start: "2027-03-16T09:00:00Z",
            rrule: Some("FREQ=WEEKLY;COUNT=3"),
            created: utc("2027-03-01T08:00:00Z"),
            status: "submitted",
        },
    )
    .await;
    ponte::entity::occurrence_cancellation::ActiveModel {
        request_id: Set(series),
        occurrence: Set(3),
        cancelled_at: Set(utc("2027-03-29T08:00:00Z")),
        reason: Set(None),
        actor_user_id: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let (status, report) = json_of(
        app.get(
            &format!("/api/v1/reports?{MARCH}&group=language"),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let ro = row(&report, "ro");
    assert_eq!(ro["requests"], 3, "{ro}");
    assert_eq!(ro["cancelled"], 1, "only the third meeting: {ro}");
    assert_eq!(ro["cancel_notice_median_minutes"], 24 * 60, "{ro}");
}

async fn figures_per_language_organisation_and_mediator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    known_month(&app).await;
    let token = &app.coordinator.token;

    let (status, by_language) = json_of(
        app.get(&format!("/api/v1/reports?{MARCH}&group=language"), token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{by_language}");
    let zh = row(&by_language, "zh");
    assert_eq!(
        zh["requests"], 5,
        "two singles and three dates of the series"
    );
    assert_eq!(zh["filled"], 3);
    assert_eq!(zh["cancelled"], 0);
    assert_eq!(zh["filled_pct"], 60.0);
    assert_eq!(zh["minutes"], 180);
    assert_eq!(zh["travel_minutes"], 15);
    assert_eq!(zh["travel_known"], 1);
    assert_eq!(zh["median_urgent_minutes"], 60, "median of 30 and 90");
    let ur = row(&by_language, "ur");
    assert_eq!(
        (ur["requests"].as_i64(), ur["filled_pct"].as_f64()),
        (Some(1), Some(0.0))
    );
    let ar = row(&by_language, "ar");
    assert_eq!(ar["cancelled"], 1);
    assert!(ar["filled_pct"].is_null(), "nothing left to fill");
    assert_eq!(ar["cancel_notice_median_minutes"], 180);
    let total = &by_language["total"];
    assert_eq!(total["requests"], 7, "April is outside the range");
    assert_eq!(total["filled"], 3);
    assert_eq!(by_language["rows"][0]["key"], "zh", "most requests first");

    let (_, by_org) = json_of(
        app.get(
            &format!("/api/v1/reports?{MARCH}&group=organisation"),
            token,
        )
        .await,
    )
    .await;
    let a = row(&by_org, &app.org_a.to_string());
    assert_eq!(
        (a["requests"].as_i64(), a["filled"].as_i64()),
        (Some(5), Some(3))
    );
    assert_eq!(a["name"], "IC Convenevole, Prato");
    assert_eq!(row(&by_org, &app.org_b.to_string())["requests"], 2);

    let (_, by_mediator) = json_of(
        app.get(&format!("/api/v1/reports?{MARCH}&group=mediator"), token)
            .await,
    )
    .await;
    let li = row(&by_mediator, &app.mediator_id.to_string());
    assert_eq!(li["name"], "Li Wei");
    assert_eq!(
        (
            li["requests"].as_i64(),
            li["filled"].as_i64(),
            li["cancelled"].as_i64()
        ),
        (Some(4), Some(3), Some(1)),
        "three held and one cancelled"
    );
    assert_eq!(row(&by_mediator, "")["requests"], 3, "never assigned");

    // Only staff; bad ranges name their field.
    let denied = app
        .get(&format!("/api/v1/reports?{MARCH}"), &app.requester_a.token)
        .await;
    assert_eq!(denied.status().as_u16(), 403);
    let bad = app
        .get("/api/v1/reports?from=2027-03-10&to=2027-03-01", token)
        .await;
    assert_problem(bad, 422, Some("to")).await;
    let bad = app.get("/api/v1/reports?from=marzo&group=x", token).await;
    assert_problem(bad, 422, Some("group")).await;
    // Dates chrono reads but nothing can be computed on answered 500 once: one window,
    // 2000 to 2100, everywhere.
    for from in ["-262143-01-01", "1000-01-01", "2101-01-01"] {
        let bad = app
            .get(&format!("/api/v1/reports?from={from}&to=2027-03-01"), token)
            .await;
        assert_problem(bad, 422, Some("from")).await;
    }
    let bad = app
        .get("/api/v1/reports/shortage?from=-262143-01-01", token)
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let (cookie, _) = session_of(&app, app.coordinator.id).await;
    for page in [
        "/coord/reports?from=-262143-01-01",
        "/coord/shortage?from=-262143-01-01",
        "/coord/board?date=-262143-01-01",
        "/coord/board?date=9999-12-31",
    ] {
        let r = app
            .client
            .get(app.url(page))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{page}: {}", r.status());
    }
}

async fn csv_reads_back_and_the_page_links_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    known_month(&app).await;
    let (cookie, _) = session_of(&app, app.coordinator.id).await;
    let response = app
        .client
        .get(app.url(&format!("/coord/reports.csv?group=language&{MARCH}")))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("ponte-language-2027-03-01-2027-03-31.csv"),
        "{disposition}"
    );
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xef\xbb\xbf"), "UTF-8 with a BOM");
    let text = std::str::from_utf8(&body[3..]).unwrap();
    let lines: Vec<Vec<String>> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| parse_line(l, ';'))
        .collect();
    // Italian user: `;` between cells, decimal commas.
    assert_eq!(lines[0][0], "Codice");
    // Delivered hours, closed-out meetings and both kinds of no-show come last.
    assert_eq!(lines[0].len(), 16);
    assert_eq!(lines[0][12], "Ore svolte (esito registrato)");
    let zh = lines
        .iter()
        .find(|l| l[0] == "zh")
        .expect("a row for Chinese");
    assert!(zh[1].starts_with("Cinese"), "{zh:?}");
    assert_eq!(&zh[2..7], ["5", "0", "3", "60,0", "3,00"]);
    assert_eq!(zh[9], "60", "median urgent response in minutes");
    let last = lines.last().unwrap();
    assert_eq!((last[1].as_str(), last[2].as_str()), ("Totale", "7"));
    assert!(
        lines.iter().all(|l| l.len() == 16),
        "every line has every cell"
    );

    // The page shows the tables and charts and links the CSV of each.
    let page = app
        .client
        .get(app.url(&format!("/coord/reports?{MARCH}")))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for group in ["language", "organisation", "mediator"] {
        let href = format!(
            "/coord/reports.csv?group={group}&amp;{}",
            MARCH.replace('&', "&amp;")
        );
        assert!(page.contains(&href), "a CSV link for {group}");
    }
    assert!(page.contains("<svg class=\"chart\""), "charts");
    assert!(page.contains("60,0 %"));

    // Requesters get the error page, not the figures.
    let (requester, _) = session_of(&app, app.requester_a.id).await;
    let denied = app
        .client
        .get(app.url(&format!("/coord/reports.csv?group=language&{MARCH}")))
        .header(header::COOKIE, &requester)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 403);
}

async fn shortage_and_a_what_if_that_fills_more(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Li Wei works on Monday mornings; 1 March 2027 is a Monday.
    availability_rule::ActiveModel {
        mediator_id: Set(app.mediator_id),
        weekday: Set(1),
        start_time: Set(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
        end_time: Set(NaiveTime::from_hms_opt(13, 0, 0).unwrap()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let created = Utc::now();
    let req = |language, start| Req {
        org: app.org_a,
        site: app.site_a,
        language,
        urgency: "routine",
        start,
        rrule: None,
        created,
        status: "submitted",
    };
    // Urdu: nobody speaks it. Chinese: Li Wei can take it.
    insert_request(&app, req("ur", "2027-03-01T08:00:00Z")).await;
    insert_request(&app, req("zh", "2027-03-01T10:00:00Z")).await;
    let week = "from=2027-03-01&to=2027-03-07";
    let token = &app.coordinator.token;

    let (status, plain) = json_of(
        app.get(&format!("/api/v1/reports/shortage?{week}"), token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain["what_if"].is_null(), "computed only on request");
    let cells = plain["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "{plain}");
    let ur = cells.iter().find(|c| c["language"] == "ur").unwrap();
    assert_eq!(ur["weekday"], 1);
    assert_eq!(ur["slot"], "morning");
    assert_eq!(ur["town"], "Prato", "the nearest known town of the site");
    assert_eq!(
        (ur["unmet"].as_i64(), ur["minutes"].as_i64()),
        (Some(1), Some(60))
    );

    let started = std::time::Instant::now();
    let (status, with) = json_of(
        app.get(
            &format!("/api/v1/reports/shortage?{week}&what_if=true"),
            token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{with}");
    eprintln!("what-if of a 2-request week: {:?}", started.elapsed());
    let what_if = &with["what_if"];
    assert_eq!(what_if["instance_requests"], 2);
    assert_eq!(
        what_if["baseline_filled"], 1,
        "Li Wei takes the Chinese one"
    );
    assert_eq!(what_if["tried"], 2);
    let suggestions = what_if["suggestions"].as_array().unwrap();
    assert_eq!(
        suggestions.len(),
        1,
        "another Chinese mediator adds nothing: {what_if}"
    );
    assert_eq!(suggestions[0]["cell"]["language"], "ur");
    assert_eq!(suggestions[0]["more_filled"], 1);
    assert_eq!(suggestions[0]["more_minutes"], 60);

    // The page computes the same on its POST, CSRF-checked.
    let (cookie, csrf) = session_of(&app, app.coordinator.id).await;
    let page = app
        .client
        .post(app.url("/coord/shortage"))
        .header(header::COOKIE, &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("from", "2027-03-01"),
            ("to", "2027-03-07"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Un mediatore in più per Urdu")
            && page.contains("di lunedì mattina a Prato, coprirebbe 1 richiesta in più (1,0 ore)."),
        "the suggestion in words"
    );
    let forged = app
        .client
        .post(app.url("/coord/shortage"))
        .header(header::COOKIE, &cookie)
        .form(&[
            ("csrf", "wrong"),
            ("from", "2027-03-01"),
            ("to", "2027-03-07"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
}

/// The what-if on the demo's week (300 requests, 60 mediators, no plan run): it stays
/// within its bound of (candidates + 1) × the per-solve limit, and its figure is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_if_on_the_demo_week_suggests_mediators() {
    use ponte::report::{occurrences as occ, range::Range, shortage};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let monday = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let data = ponte::fixtures::generate(&ponte::fixtures::demo_params(monday));
    ponte::fixtures::load::load(&app.db, &data).await.unwrap();
    let range = Range {
        from: monday,
        to: monday + TimeDelta::days(6),
    };
    let rows = occ::load(&app.db, range).await.unwrap();
    let cells = shortage::cells(&rows);
    // The time it takes is printed by `ponte bench shortage`, not asserted here.
    let result = shortage::what_if(&app.db, range, &rows, shortage::WhatIfOptions::default())
        .await
        .unwrap();
    assert!(rows.occurrences.len() >= 250, "the demo's week is there");
    assert!(!cells.is_empty(), "with no plan run, demand is unmet");
    assert!(result.baseline_filled > 0);
    assert!(result.tried > 0 && result.tried <= shortage::WhatIfOptions::default().candidates);
    for s in &result.suggestions {
        assert!(s.more_filled > 0, "a suggestion fills more: {s:?}");
    }
}
