//! Mediators and requesters beyond the first flows: answering assignments on the week page,
//! the today view, the feed link with its copy button, cancelling one occurrence of a
//! series, a coordinator submitting for another organisation; the HTML 404 page, and the
//! language switch on a page reached by POST.
use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Europe::Rome;
use ponte::assignment::{NewAssignment, State};
use sea_orm::PaginatorTrait;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mediators_and_requesters_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_driver, c) = open_browser(&app).await;
    let result = tokio::time::timeout(Duration::from_secs(300), flows(&c, &app)).await;
    let _ = c.close().await;
    result.expect("the browser flows took over 300 s");
}

fn rome(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    Rome.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// A request of organisation A through the API, as its requester.
async fn submit_request(app: &TestApp, language: &str, start: &str, rrule: Option<&str>) -> i64 {
    let response = app
        .client
        .post(app.url("/api/v1/requests"))
        .bearer_auth(&app.requester_a.token)
        .json(&json!({
            "site_id": app.site_a,
            "language": language,
            "modality": "in_person",
            "earliest_start": start,
            "duration_minutes": 90,
            "urgency": "routine",
            "rrule": rrule,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

async fn publish(app: &TestApp, request_id: i64, occurrence: i32, start: DateTime<Utc>) -> i64 {
    let (row, _) = NewAssignment {
        request_id,
        occurrence,
        mediator_id: app.mediator_id,
        start,
        end: start + TimeDelta::minutes(90),
        state: State::Published,
        plan_id: None,
        // Three hours to answer: the week says so.
        expires_at: Some(Utc::now() + TimeDelta::hours(3)),
        modality: None,
    }
    .row("ponte.test", Utc::now());
    row.insert(&app.db).await.unwrap().id
}

async fn state_of(app: &TestApp, id: i64) -> String {
    assignment::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

async fn flows(c: &Client, app: &TestApp) {
    let today = Utc::now().with_timezone(&Rome).date_naive();
    // Next week's Tuesday and Thursday: always ahead, always in one week.
    let monday = today + TimeDelta::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let (tuesday, thursday) = (monday + TimeDelta::days(1), monday + TimeDelta::days(3));
    let series = submit_request(
        app,
        "zh",
        &format!("{tuesday}T09:00"),
        Some("FREQ=WEEKLY;COUNT=4"),
    )
    .await;
    let single = submit_request(app, "zh", &format!("{thursday}T14:00"), None).await;
    let first = publish(app, series, 1, rome(tuesday, 9)).await;
    let third = publish(app, series, 3, rome(tuesday + TimeDelta::days(14), 9)).await;
    let other = publish(app, single, 1, rome(thursday, 14)).await;
    let todays = submit_request(
        app,
        "zh",
        &format!("{}T23:00", today + TimeDelta::days(1)),
        None,
    )
    .await;
    publish(app, todays, 1, rome(today, 12)).await;
    // Yesterday's meeting, which awaits its outcome.
    let past = submit_request(
        app,
        "zh",
        &format!("{}T22:00", today + TimeDelta::days(1)),
        None,
    )
    .await;
    // Submitted for yesterday (the API refuses a past start, so the row is moved back).
    request::Entity::update_many()
        .col_expr(
            request::Column::EarliestStart,
            Expr::value(rome(today - TimeDelta::days(1), 10)),
        )
        .col_expr(
            request::Column::LatestStart,
            Expr::value(rome(today - TimeDelta::days(1), 10)),
        )
        .filter(request::Column::Id.eq(past))
        .exec(&app.db)
        .await
        .unwrap();
    let yesterday = publish(app, past, 1, rome(today - TimeDelta::days(1), 10)).await;

    mediator_flow(c, app, monday, first, other).await;
    change_flow(c, app, series, third, monday + TimeDelta::days(14)).await;
    closeout_flow(c, app, yesterday, today).await;
    requester_flow(c, app, series).await;
    coordinator_flow(c, app).await;
}

async fn mediator_flow(c: &Client, app: &TestApp, monday: NaiveDate, first: i64, other: i64) {
    login(c, app, "li.wei@mediatori.example", PASSWORD).await;
    assert_eq!(path_of(c).await, "/week");
    c.goto(&app.url(&format!("/week?start={monday}")))
        .await
        .unwrap();
    let card = text_of(c, &format!("#a-{first}")).await;
    for part in [
        "09:00",
        "Plesso Mazzoni",
        "IC Convenevole, Prato",
        "Da confermare",
        "Rispondi entro",
        "mancano",
    ] {
        // Badges are upper case on screen: compare as a reader would.
        assert!(
            card.to_lowercase().contains(&part.to_lowercase()),
            "the assignment shows {part:?}: {card}"
        );
    }
    shot(c, "people-01-mediator-week").await;

    // Accept one…
    let accept = c
        .find(Locator::Css(&format!(
            "#a-{first} form[action$='/accept'] button"
        )))
        .await
        .unwrap();
    navigate_by(c, accept.click()).await;
    assert!(
        path_of(c).await.contains("done=accepted"),
        "{}",
        path_of(c).await
    );
    assert!(exists(c, ".notice").await);
    assert_eq!(state_of(app, first).await, "accepted");
    let card = text_of(c, &format!("#a-{first}")).await;
    assert!(card.to_lowercase().contains("confermato"), "{card}");
    assert!(
        !exists(c, &format!("#a-{first} form[action$='/accept']")).await,
        "an accepted assignment has no answer buttons"
    );

    // …decline the other, with a reason.
    c.find(Locator::Css(&format!("#a-{other} details summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id(&format!("reason-{other}")))
        .await
        .unwrap()
        .send_keys("Sono a Lucca quel giorno")
        .await
        .unwrap();
    submit(c, &format!("#a-{other} details form")).await;
    assert!(path_of(c).await.contains("done=declined"));
    assert_eq!(state_of(app, other).await, "declined");
    assert!(
        !exists(c, &format!("#a-{other}")).await,
        "a declined assignment leaves the week"
    );

    // Answering it again says so instead of failing.
    let csrf = c
        .find(Locator::Css("input[name=csrf]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    c.execute(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = arguments[0]; const i = document.createElement('input'); i.name = 'csrf'; \
         i.value = arguments[1]; f.appendChild(i); document.body.appendChild(f); f.submit();",
        vec![
            json!(format!("/week/assignments/{first}/accept")),
            json!(csrf),
        ],
    )
    .await
    .unwrap();
    wait_for_path(c, "done=answered").await;
    assert!(exists(c, ".error-summary").await);

    // The phone layout of the week.
    c.goto(&app.url(&format!("/week?start={monday}")))
        .await
        .unwrap();
    c.set_window_size(360, 800).await.unwrap();
    shot(c, "people-02-mediator-week-phone").await;
    c.goto(&app.url("/today")).await.unwrap();
    assert!(
        exists(c, ".day.today .slot").await,
        "today's assignment is on the today view"
    );
    shot(c, "people-03-mediator-today-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    c.goto(&app.url("/today")).await.unwrap();
    shot(c, "people-04-mediator-today").await;

    // The feed link: made on demand, shown once, with copy and webcal.
    c.goto(&app.url("/week")).await.unwrap();
    submit(c, "#feed form").await;
    assert_eq!(path_of(c).await, "/week/feed");
    let url = c
        .find(Locator::Id("feed-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(
        url.starts_with(&app.address) && url.ends_with(".ics"),
        "{url}"
    );
    let webcal = c
        .find(Locator::Id("feed-webcal"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        webcal.starts_with("webcal://") && webcal.ends_with(".ics"),
        "{webcal}"
    );
    let feed = reqwest::get(&url).await.unwrap();
    assert_eq!(feed.status(), 200, "the link shown is a working feed");
    c.find(Locator::Css("[data-copy=feed-url]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let started = Instant::now();
    while text_of(c, "#feed-url-status").await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the copy button says what it did"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shot(c, "people-05-feed-link").await;

    // Switching language on that page (reached by POST) lands on a page, not on 405.
    let switch = c
        .find(Locator::Css("form[action='/lang'] button"))
        .await
        .unwrap();
    navigate_by(c, switch.click()).await;
    assert_eq!(path_of(c).await, "/week");
    assert_eq!(
        c.find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("en")
    );
    assert!(exists(c, "#feed").await);

    // A new link needs the confirmation (the browser asks for the box before sending); the
    // old link stops working.
    assert!(exists(c, "#feed-confirm[required]").await);
    c.find(Locator::Id("feed-confirm"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(c, "#feed form").await;
    let new_url = c
        .find(Locator::Id("feed-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(new_url, url);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);

    // Unknown pages get the HTML page, in the visitor's language.
    c.goto(&app.url("/no/such/page")).await.unwrap();
    assert_eq!(text_of(c, "main h1").await, "Page not found");
    let raw = reqwest::get(app.url("/no/such/page")).await.unwrap();
    assert_eq!(raw.status(), 404);
    assert!(raw.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let api = reqwest::get(app.url("/api/v1/no-such")).await.unwrap();
    assert_eq!(api.headers()["content-type"], "application/problem+json");

    // Back to Italian, from the 404 page itself.
    let switch = c
        .find(Locator::Css("form[action='/lang'] button"))
        .await
        .unwrap();
    navigate_by(c, switch.click()).await;
    assert_eq!(text_of(c, "main h1").await, "Pagina non trovata");
    logout(c).await;
}

/// The school moves the third meeting of its series by two hours; the mediator, free then,
/// keeps it and sees the new time on her week.
async fn change_flow(c: &Client, app: &TestApp, series: i64, third: i64, monday: NaiveDate) {
    // Li Wei works Tuesdays 08:00–18:00.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/mediators/{}/availability", app.mediator_id)))
        .bearer_auth(&app.coordinator.token)
        .json(&json!({
            "rules": [{"weekday": "tue", "start": "08:00", "end": "18:00"}],
            // Weekly hours stop on a national holiday; extra hours do not.
            "exceptions": [{"date": monday + TimeDelta::days(1), "kind": "extra", "start": "08:00", "end": "18:00"}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    login(c, app, "segreteria@a.example", PASSWORD).await;
    c.goto(&app.url(&format!("/requests/{series}")))
        .await
        .unwrap();
    c.find(Locator::Id("chg-occurrence"))
        .await
        .unwrap()
        .select_by_value("3")
        .await
        .unwrap();
    set_value(c, "chg-time", "11:00").await;
    shot(c, "people-05a-change-meeting").await;
    submit(c, "form.change-meeting").await;
    let path = path_of(c).await;
    assert!(path.ends_with("?changed=1&released=0"), "{path}");
    let moved = assignment::Entity::find_by_id(third)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        moved.request_id, series,
        "the meeting is a request of its own"
    );
    assert!(
        path.starts_with(&format!("/requests/{}", moved.request_id)),
        "{path}"
    );
    assert_eq!(moved.start, rome(monday + TimeDelta::days(1), 11));
    assert_eq!(moved.sequence, 1);
    let facts = text_of(c, "dl.facts").await;
    assert!(facts.contains(&format!("#{series}")), "{facts}");
    shot(c, "people-05b-meeting-changed").await;
    c.goto(&app.url(&format!("/requests/{series}")))
        .await
        .unwrap();
    assert!(
        exists(c, "#occ-3 .b-moved").await,
        "the series shows where it went"
    );
    logout(c).await;

    login(c, app, "li.wei@mediatori.example", PASSWORD).await;
    c.goto(&app.url(&format!("/week?start={monday}")))
        .await
        .unwrap();
    let week = text_of(c, "main").await;
    assert!(week.contains("11:00"), "{week}");
    logout(c).await;
}

/// The mediator says how yesterday's meeting went; the coordinator's report counts it.
async fn closeout_flow(c: &Client, app: &TestApp, yesterday: i64, today: NaiveDate) {
    login(c, app, "li.wei@mediatori.example", PASSWORD).await;
    c.goto(&app.url("/today")).await.unwrap();
    let card = text_of(c, &format!("#c-{yesterday}")).await;
    assert!(card.contains("10:00"), "{card}");
    c.find(Locator::Id(&format!("outcome-{yesterday}")))
        .await
        .unwrap()
        .select_by_value("delivered")
        .await
        .unwrap();
    shot(c, "people-05-mediator-closeout").await;
    submit(c, &format!("#c-{yesterday} form")).await;
    assert!(
        path_of(c).await.contains("done=closed_out"),
        "{}",
        path_of(c).await
    );
    assert!(
        !exists(c, &format!("#c-{yesterday}")).await,
        "a closed-out meeting leaves the list"
    );
    let row = assignment::Entity::find_by_id(yesterday)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.outcome.map(|o| o.as_str()), Some("delivered"));
    assert_eq!(
        row.actual_end
            .zip(row.actual_start)
            .map(|(e, s)| (e - s).num_minutes()),
        Some(90)
    );
    logout(c).await;

    login(c, app, "coord@ponte.example", PASSWORD).await;
    let from = today - TimeDelta::days(1);
    c.goto(&app.url(&format!("/coord/reports?from={from}&to={today}")))
        .await
        .unwrap();
    let stats = text_of(c, ".rep-stats").await;
    assert!(stats.contains("Ore svolte"), "{stats}");
    // Yesterday's 90 minutes, delivered.
    let delivered = text_of(c, ".rep-stats .stat:nth-child(5) .n").await;
    assert!(
        delivered.starts_with("1,5") || delivered.starts_with("1 h 30"),
        "{delivered}"
    );
    logout(c).await;
}

async fn requester_flow(c: &Client, app: &TestApp, series: i64) {
    login(c, app, "segreteria@a.example", PASSWORD).await;
    let item = text_of(c, &format!("a[href='/requests/{series}']")).await;
    assert!(!item.is_empty());
    let list = text_of(c, ".request-list").await;
    assert!(
        list.contains("Li Wei"),
        "the assigned mediator is named: {list}"
    );
    assert!(
        list.contains("In presenza"),
        "the modality is shown: {list}"
    );
    assert!(exists(c, "#feed").await, "the organisation's feed box");
    shot(c, "people-06-requester-list").await;

    c.goto(&app.url(&format!("/requests/{series}")))
        .await
        .unwrap();
    c.find(Locator::Id("occurrence"))
        .await
        .unwrap()
        .select_by_value("2")
        .await
        .unwrap();
    c.find(Locator::Id("occ-reason"))
        .await
        .unwrap()
        .send_keys("Gita di classe")
        .await
        .unwrap();
    shot(c, "people-07-cancel-occurrence").await;
    submit(c, "form.cancel-occurrence").await;
    assert!(
        path_of(c).await.ends_with("occ_cancelled=1"),
        "{}",
        path_of(c).await
    );
    assert!(exists(c, "#occ-2.cancelled").await);
    assert!(!exists(c, "#occ-1.cancelled").await && !exists(c, "#occ-3.cancelled").await);
    let cancelled = ponte::entity::occurrence_cancellation::Entity::find()
        .filter(ponte::entity::occurrence_cancellation::Column::RequestId.eq(series))
        .filter(ponte::entity::occurrence_cancellation::Column::MovedToRequestId.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(cancelled, 1);
    shot(c, "people-08-occurrence-cancelled").await;

    // The organisation's feed link.
    c.goto(&app.url("/requests")).await.unwrap();
    submit(c, "#feed form").await;
    let url = c
        .find(Locator::Id("feed-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(url.ends_with(".ics"), "{url}");
    logout(c).await;
}

async fn coordinator_flow(c: &Client, app: &TestApp) {
    login(c, app, "coord@ponte.example", PASSWORD).await;
    c.goto(&app.url("/requests/new")).await.unwrap();
    c.find(Locator::Id("organisation_id"))
        .await
        .unwrap()
        .select_by_value(&app.org_b.to_string())
        .await
        .unwrap();
    c.find(Locator::Id("site_id"))
        .await
        .unwrap()
        .select_by_value(&app.site_b.to_string())
        .await
        .unwrap();
    c.find(Locator::Id("language"))
        .await
        .unwrap()
        .send_keys("ar")
        .await
        .unwrap();
    let day = (Utc::now() + TimeDelta::days(9)).date_naive();
    set_value(c, "date", &day.to_string()).await;
    set_value(c, "time", "10:30").await;
    shot(c, "people-09-coordinator-new-request").await;
    submit(c, "form.request-form").await;
    assert!(
        path_of(c).await.ends_with("?created=1"),
        "{}",
        path_of(c).await
    );
    let made = request::Entity::find()
        .filter(request::Column::Language.eq("ar"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the coordinator's request");
    assert_eq!(made.organisation_id, app.org_b);
    assert_eq!(made.site_id, Some(app.site_b));
    assert_eq!(made.created_by, Some(app.coordinator.id));
    logout(c).await;
}
