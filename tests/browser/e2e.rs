//! The whole job across the three groups, in one browser: a school submits a request, a
//! coordinator runs a plan from the board and publishes it, the mediator sees the assignment
//! in their week and accepts it, and the school sees the mediator's name on its list.
use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;

/// A weekday next week: inside the mediator's hours, far enough that nothing is past, and
/// not a national holiday (8 December, say), when weekly hours do not apply.
fn a_day_next_week() -> NaiveDate {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Rome)
        .date_naive();
    let monday = today + TimeDelta::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let mut tuesday = monday + TimeDelta::days(1);
    while ponte::domain::closure::national_holiday(tuesday).is_some() {
        tuesday += TimeDelta::weeks(1);
    }
    tuesday
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_submission_to_the_mediators_yes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // The mediator's weekly hours, as they would have entered them on /availability
    // (that page has its own test).
    for weekday in 1..=5 {
        availability_rule::ActiveModel {
            mediator_id: Set(app.mediator_id),
            weekday: Set(weekday),
            start_time: Set(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            end_time: Set(NaiveTime::from_hms_opt(18, 0, 0).unwrap()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (_driver, c) = open_browser(&app).await;
    let result = tokio::time::timeout(Duration::from_secs(150), flow(&c, &app)).await;
    let _ = c.close().await;
    result.expect("the end-to-end flow took over 150 s");
}

async fn flow(c: &Client, app: &TestApp) {
    let day = a_day_next_week();
    assert_eq!(day.weekday(), Weekday::Tue);

    // 1. The school asks for a Chinese mediator at its site.
    login(c, app, "segreteria@a.example", PASSWORD).await;
    c.goto(&app.url("/requests/new")).await.unwrap();
    c.find(Locator::Id("language"))
        .await
        .unwrap()
        .send_keys("zh")
        .await
        .unwrap();
    set_value(c, "date", &day.to_string()).await;
    set_value(c, "time", "10:00").await;
    c.find(Locator::Id("site_id"))
        .await
        .unwrap()
        .select_by_value(&app.site_a.to_string())
        .await
        .unwrap();
    submit(c, "form.request-form").await;
    let path = path_of(c).await;
    let request_id: i64 = path
        .trim_start_matches("/requests/")
        .trim_end_matches("?created=1")
        .parse()
        .unwrap_or_else(|_| panic!("the new request's page, at {path}"));
    logout(c).await;

    // 2. The coordinator plans the week from the board and publishes it.
    login(c, app, "coord@ponte.example", PASSWORD).await;
    c.goto(&app.url(&format!("/coord/board?date={day}")))
        .await
        .unwrap();
    let limit = c.find(Locator::Id("time_limit")).await.unwrap();
    limit.clear().await.unwrap();
    limit.send_keys("2").await.unwrap();
    submit(c, "form[action='/coord/plans']").await;
    let path = path_of(c).await;
    let plan_id: i64 = path
        .strip_prefix("/coord/plans/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("the plan's page, at {path}"));
    let started = Instant::now();
    while !exists(c, ".kpis").await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the plan page never showed its KPIs"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let publish = c
        .find(Locator::Css(&format!(
            "a[href='/coord/plans/{plan_id}/publish']"
        )))
        .await
        .expect("a publish link on a finished plan");
    navigate_by(c, publish.click()).await;
    submit(c, &format!("form[action='/coord/plans/{plan_id}/publish']")).await;
    assert!(exists(c, ".notice").await, "publication is confirmed");
    let live = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(request_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the request has a live assignment after publication");
    assert_eq!(live.state.as_str(), "published");
    assert_eq!(live.mediator_id, app.mediator_id);
    logout(c).await;

    // 3. The mediator finds it in their week and accepts it.
    login(c, app, "li.wei@mediatori.example", PASSWORD).await;
    c.goto(&app.url(&format!("/week?start={day}")))
        .await
        .unwrap();
    let accept = format!("form[action='/week/assignments/{}/accept']", live.id);
    assert!(
        exists(c, &accept).await,
        "the published assignment can be accepted from the week"
    );
    shot(c, "e2e-01-mediator-before-accepting").await;
    submit(c, &accept).await;
    let accepted = assignment::Entity::find_by_id(live.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(accepted.state.as_str(), "accepted");
    assert!(
        !exists(c, &accept).await,
        "an accepted assignment offers no second accept"
    );
    logout(c).await;

    // 4. The school sees who is coming.
    login(c, app, "segreteria@a.example", PASSWORD).await;
    c.goto(&app.url("/requests")).await.unwrap();
    let list = text_of(c, "main").await;
    assert!(
        list.contains("Li Wei"),
        "the school's list names the mediator: {list}"
    );
    c.goto(&app.url(&format!("/requests/{request_id}")))
        .await
        .unwrap();
    assert!(text_of(c, "main").await.contains("Li Wei"));
    assert_eq!(
        text_of(c, ".page-head .badge").await.to_lowercase(),
        "assegnata",
        "the request reads as assigned"
    );
    shot(c, "e2e-02-school-sees-the-mediator").await;
}
