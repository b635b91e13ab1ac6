//! Reports and the shortage analysis: a coordinator reads a month's tables and charts, finds
//! the CSV links, looks at the shortages and computes the what-if; on a desktop and a phone.
use super::*;
use ponte::entity::mediator;

/// Monday 1 March 2027 at `hour`:`minute` in Rome (UTC+1 then), plus `days`.
fn march(days: i64, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    let local = chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
        .unwrap()
        .and_hms_opt(hour, minute, 0)
        .unwrap()
        - TimeDelta::hours(1);
    local.and_utc() + TimeDelta::days(days)
}

/// (language, organisation, days after 1 March, hour, urgency, filled by, cancelled)
type Seed<'a> = (&'a str, i64, i64, u32, &'a str, Option<i64>, bool);

/// A month with several languages, both organisations, filled, unfilled and cancelled.
async fn seed(app: &TestApp) {
    let now = Utc::now();
    let second = mediator::ActiveModel {
        name: Set("Ayesha Khan".into()),
        email: Set(Some("ayesha.khan@mediatori.example".into())),
        phone: Set(None),
        languages: Set(json!(["ar", "sq"])),
        tags: Set(json!([])),
        modalities: Set(json!(["in_person", "phone", "video"])),
        home_site_id: Set(Some(app.site_b)),
        home_address: Set(None),
        home_lat: Set(None),
        home_lon: Set(None),
        max_weekly_minutes: Set(None),
        timezone: Set("Europe/Rome".into()),
        active: Set(true),
        locale: Set("it".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    availability_rule::ActiveModel {
        mediator_id: Set(app.mediator_id),
        weekday: Set(2),
        start_time: Set(chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
        end_time: Set(chrono::NaiveTime::from_hms_opt(13, 0, 0).unwrap()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let a = app.org_a;
    let b = app.org_b;
    let rows: &[Seed] = &[
        ("zh", a, 1, 9, "urgent", Some(app.mediator_id), false),
        ("zh", a, 2, 10, "routine", Some(app.mediator_id), false),
        ("zh", a, 8, 9, "routine", Some(app.mediator_id), false),
        ("zh", b, 9, 15, "routine", None, false),
        ("zh", a, 15, 9, "emergency", Some(app.mediator_id), false),
        ("ur", a, 0, 9, "routine", None, false),
        ("ur", a, 7, 10, "urgent", None, false),
        ("ur", a, 14, 9, "routine", None, false),
        ("ur", b, 3, 16, "routine", None, true),
        ("ar", b, 1, 11, "routine", Some(second), false),
        ("ar", b, 4, 14, "urgent", Some(second), false),
        ("ar", a, 10, 18, "routine", None, false),
        ("sq", b, 2, 9, "routine", Some(second), false),
        ("sq", b, 16, 9, "routine", None, true),
        ("ro", a, 3, 11, "routine", None, false),
        ("si", b, 11, 17, "routine", None, false),
    ];
    for &(language, org, days, hour, urgency, filled, cancelled) in rows {
        let start = march(days, hour, 0);
        let created = start - TimeDelta::days(3);
        let site = if org == a { app.site_a } else { app.site_b };
        let id = request::ActiveModel {
            organisation_id: Set(org),
            site_id: Set(Some(site)),
            created_by: Set(None),
            language: Set(language.into()),
            required_tags: Set(json!([])),
            modality: Set("in_person".parse().unwrap()),
            earliest_start: Set(start),
            latest_start: Set(start + TimeDelta::hours(1)),
            duration_minutes: Set(90),
            urgency: Set(urgency.parse().unwrap()),
            preferred_mediators: Set(json!([])),
            excluded_mediators: Set(json!([])),
            case_reference: Set(None),
            notes: Set(None),
            rrule: Set(None),
            occurrences: Set(1),
            status: Set(if cancelled { "cancelled" } else { "submitted" }
                .parse()
                .unwrap()),
            cancel_reason: Set(None),
            created_at: Set(created),
            updated_at: Set(if cancelled {
                start - TimeDelta::hours(20)
            } else {
                created
            }),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap()
        .id;
        if let Some(m) = filled {
            assignment::ActiveModel {
                request_id: Set(id),
                occurrence: Set(1),
                mediator_id: Set(m),
                start: Set(start),
                end: Set(start + TimeDelta::minutes(90)),
                state: Set("accepted".parse().unwrap()),
                plan_id: Set(None),
                uid: Set(ponte::assignment::new_uid("test.example")),
                sequence: Set(0),
                response_token_hash: Set(None),
                decline_reason: Set(None),
                created_at: Set(created + TimeDelta::minutes(40 + days * 7)),
                updated_at: Set(created),
                responded_at: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_and_shortages_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    seed(&app).await;
    let (_driver, c) = open_browser(&app).await;
    let result = tokio::time::timeout(Duration::from_secs(120), flows(&c, &app)).await;
    let _ = c.close().await;
    result.expect("the browser flows took over 120 s");
}

const MARCH: &str = "from=2027-03-01&to=2027-03-31";

async fn no_horizontal_scroll(c: &Client) -> bool {
    c.execute(
        "return document.documentElement.scrollWidth <= window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
        == json!(true)
}

/// A screenshot of the whole page at `width` (the window grows to the page's height), so
/// that people reviewing it see every table and chart; then the window is put back.
async fn full_shot(c: &Client, name: &str, width: u32) {
    let height = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(900) as u32;
    c.set_window_size(width, height.clamp(600, 6000))
        .await
        .unwrap();
    shot(c, name).await;
    c.set_window_size(width, if width < 400 { 800 } else { 900 })
        .await
        .unwrap();
}

async fn flows(c: &Client, app: &TestApp) {
    login(c, app, "coord@ponte.example", PASSWORD).await;
    c.goto(&app.url(&format!("/coord/reports?{MARCH}")))
        .await
        .unwrap();
    assert_eq!(text_of(c, "h1").await, "Report");
    for group in ["language", "organisation", "mediator"] {
        assert!(
            exists(c, &format!("#rep-{group} svg.chart title")).await,
            "{group}: a chart with a title"
        );
        assert!(exists(c, &format!("#rep-{group} table.rep-table th[scope=col]")).await);
        let href = c
            .find(Locator::Css(&format!("#rep-{group} a.rep-csv")))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(href, format!("/coord/reports.csv?group={group}&{MARCH}"));
    }
    let first_language = text_of(c, "#rep-language tbody tr:first-child th").await;
    assert!(
        first_language.starts_with("Cinese"),
        "most requests first: {first_language}"
    );
    full_shot(c, "40-reports", 1280).await;

    // The range form: a reversed range is refused next to the field.
    set_value(c, "from", "2027-03-20").await;
    set_value(c, "to", "2027-03-10").await;
    submit(c, "form.rep-range-form").await;
    assert!(exists(c, "#to-error").await, "the error next to `to`");

    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&format!("/coord/reports?{MARCH}")))
        .await
        .unwrap();
    assert!(
        no_horizontal_scroll(c).await,
        "no page-wide scrolling at 360 px"
    );
    full_shot(c, "41-reports-phone", 360).await;
    c.set_window_size(1280, 900).await.unwrap();

    c.goto(&app.url(&format!("/coord/shortage?{MARCH}")))
        .await
        .unwrap();
    assert!(exists(c, "table.heat").await, "the weekday × slot heat map");
    assert!(text_of(c, "#cells-h + .table-wrap tbody")
        .await
        .contains("Urdu"));
    submit(c, "form.whatif-form").await;
    let table = text_of(c, ".whatif-table").await;
    assert!(table.contains("Un mediatore in più per Urdu"), "{table}");
    full_shot(c, "42-shortage", 1280).await;

    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&format!("/coord/shortage?{MARCH}")))
        .await
        .unwrap();
    assert!(
        no_horizontal_scroll(c).await,
        "no page-wide scrolling at 360 px"
    );
    submit(c, "form.whatif-form").await;
    assert!(exists(c, ".whatif-table").await);
    assert!(no_horizontal_scroll(c).await, "the what-if fits a phone");
    full_shot(c, "43-shortage-phone", 360).await;
    c.set_window_size(1280, 900).await.unwrap();
}
