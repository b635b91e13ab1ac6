//! The dispatch board: a coordinator opens a day, runs a plan and watches it finish, reads
//! its KPIs, locks an assignment, tries a move the rules forbid and sees the rule, publishes
//! and finds the assignments live; the same day on a phone.
use chrono::{NaiveDate, NaiveTime, TimeZone};
use ponte::entity::{mediator, plan, plan_assignment, site};

use super::*;

const ROME: chrono_tz::Tz = chrono_tz::Europe::Rome;

/// A Monday at least two weeks ahead: far enough that nothing is in the past.
fn a_monday() -> NaiveDate {
    let mut day = (Utc::now() + TimeDelta::days(14))
        .with_timezone(&ROME)
        .date_naive();
    while day.weekday() != chrono::Weekday::Mon {
        day = day.succ_opt().unwrap();
    }
    day
}

fn local(day: NaiveDate, hm: &str) -> chrono::DateTime<Utc> {
    let time = NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    ROME.from_local_datetime(&day.and_time(time))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn weekdays(app: &TestApp, mediator_id: i64, start: &str, end: &str) {
    for weekday in 1..=5 {
        availability_rule::ActiveModel {
            mediator_id: Set(mediator_id),
            weekday: Set(weekday),
            start_time: Set(NaiveTime::parse_from_str(start, "%H:%M").unwrap()),
            end_time: Set(NaiveTime::parse_from_str(end, "%H:%M").unwrap()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

async fn a_mediator(app: &TestApp, name: &str, languages: &[&str], modalities: &[&str]) -> i64 {
    let now = Utc::now();
    mediator::ActiveModel {
        name: Set(name.into()),
        email: Set(Some(format!(
            "{}@mediatori.example",
            name.replace(' ', ".").to_lowercase()
        ))),
        phone: Set(None),
        languages: Set(json!(languages)),
        tags: Set(json!([])),
        modalities: Set(json!(modalities)),
        home_site_id: Set(None),
        home_address: Set(Some("Piazza del Comune 1, Prato".into())),
        home_lat: Set(Some(43.8805)),
        home_lon: Set(Some(11.0966)),
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
    .id
}

struct Ask<'a> {
    language: &'a str,
    modality: &'a str,
    site: Option<i64>,
    at: chrono::DateTime<Utc>,
    minutes: i32,
    urgency: &'a str,
}

async fn a_request(app: &TestApp, organisation_id: i64, ask: Ask<'_>) -> i64 {
    let now = Utc::now();
    request::ActiveModel {
        organisation_id: Set(organisation_id),
        site_id: Set(ask.site),
        created_by: Set(None),
        language: Set(ask.language.into()),
        required_tags: Set(json!([])),
        modality: Set(ask.modality.parse().unwrap()),
        earliest_start: Set(ask.at),
        latest_start: Set(ask.at + TimeDelta::minutes(60)),
        duration_minutes: Set(ask.minutes),
        urgency: Set(ask.urgency.parse().unwrap()),
        preferred_mediators: Set(json!([])),
        excluded_mediators: Set(json!([])),
        case_reference: Set(None),
        notes: Set(None),
        rrule: Set(None),
        occurrences: Set(1),
        status: Set("submitted".parse().unwrap()),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// Three mediators (Chinese, Chinese, Urdu and Arabic) and a Monday of nine requests,
/// one in Tigrinya that nobody speaks, one in Urdu before its only speaker starts work
/// (their ids), and one in Arabic in Lucca, two hours' drive each way for its only
/// speaker: more travel than a routine meeting is worth.
async fn a_monday_in_prato(app: &TestApp, day: NaiveDate) -> (i64, i64) {
    weekdays(app, app.mediator_id, "08:00", "18:00").await;
    let chen = a_mediator(app, "Chen Jing", &["zh"], &["in_person", "phone"]).await;
    weekdays(app, chen, "08:00", "13:00").await;
    let amina = a_mediator(
        app,
        "Amina Rahman",
        &["ur", "ar"],
        &["phone", "video", "in_person"],
    )
    .await;
    weekdays(app, amina, "09:00", "17:00").await;
    let (a, b) = (app.org_a, app.org_b);
    let asks = [
        (
            a,
            Ask {
                language: "zh",
                modality: "in_person",
                site: Some(app.site_a),
                at: local(day, "09:00"),
                minutes: 60,
                urgency: "urgent",
            },
        ),
        (
            a,
            Ask {
                language: "zh",
                modality: "phone",
                site: None,
                at: local(day, "09:30"),
                minutes: 60,
                urgency: "routine",
            },
        ),
        (
            b,
            Ask {
                language: "zh",
                modality: "in_person",
                site: Some(app.site_b),
                at: local(day, "14:00"),
                minutes: 90,
                urgency: "routine",
            },
        ),
        (
            a,
            Ask {
                language: "ur",
                modality: "phone",
                site: None,
                at: local(day, "11:00"),
                minutes: 45,
                urgency: "urgent",
            },
        ),
        (
            b,
            Ask {
                language: "ar",
                modality: "in_person",
                site: Some(app.site_b),
                at: local(day, "15:00"),
                minutes: 60,
                urgency: "routine",
            },
        ),
        (
            a,
            Ask {
                language: "zh",
                modality: "video",
                site: None,
                at: local(day, "16:00"),
                minutes: 60,
                urgency: "routine",
            },
        ),
    ];
    for (org, ask) in asks {
        a_request(app, org, ask).await;
    }
    let now = Utc::now();
    let lucca = site::ActiveModel {
        organisation_id: Set(b),
        name: Set("Scuola Carducci, Lucca".into()),
        address: Set("Via Carducci 1, Lucca".into()),
        lat: Set(43.8429),
        lon: Set(10.5027),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    a_request(
        app,
        b,
        Ask {
            language: "ar",
            modality: "in_person",
            site: Some(lucca),
            at: local(day, "12:00"),
            minutes: 60,
            urgency: "routine",
        },
    )
    .await;
    let tigrinya = a_request(
        app,
        a,
        Ask {
            language: "ti",
            modality: "phone",
            site: None,
            at: local(day, "10:00"),
            minutes: 60,
            urgency: "emergency",
        },
    )
    .await;
    let early = a_request(
        app,
        a,
        Ask {
            language: "ur",
            modality: "video",
            site: None,
            at: local(day, "07:00"),
            minutes: 45,
            urgency: "routine",
        },
    )
    .await;
    (tigrinya, early)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatch_board_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let day = a_monday();
    let (tigrinya, early) = a_monday_in_prato(&app, day).await;
    let (_driver, c) = open_browser(&app).await;
    let result = tokio::time::timeout(
        Duration::from_secs(150),
        flows(&c, &app, day, tigrinya, early),
    )
    .await;
    let _ = c.close().await;
    result.expect("the board flows took over 150 s");
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

async fn click(c: &Client, css: &str) {
    let element = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    navigate_by(c, element.click()).await;
}

async fn scroll_to(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
        vec![json!(css)],
    )
    .await
    .unwrap_or_else(|e| panic!("scrolling to {css}: {e}"));
}

async fn wait_for(c: &Client, css: &str, seconds: u64) {
    let started = Instant::now();
    while !exists(c, css).await {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "no {css} within {seconds} s, at {}",
            path_of(c).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn flows(c: &Client, app: &TestApp, day: NaiveDate, tigrinya: i64, early: i64) {
    login(c, app, "coord@ponte.example", PASSWORD).await;
    let board = format!("/coord/board?date={day}");

    // Before any plan: nothing on the axis, every request unfilled and "not planned yet".
    c.goto(&app.url(&board)).await.unwrap();
    assert_eq!(count(c, "a.block").await, 0);
    assert_eq!(text_of(c, "#unfilled-title .count").await, "9");
    assert!(text_of(c, ".unfilled-list")
        .await
        .contains("Non ancora pianificata"));
    // Every available mediator has a row, with their hours on it.
    assert_eq!(count(c, "li.lane").await, 3);
    assert_eq!(count(c, "li.lane .shift").await, 3);

    // Run a plan of the week from the board, with a one-second limit.
    let limit = c.find(Locator::Id("time_limit")).await.unwrap();
    limit.clear().await.unwrap();
    limit.send_keys("1").await.unwrap();
    assert_eq!(
        c.find(Locator::Id("from"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(day.to_string().as_str()),
        "the form proposes the week of the day shown"
    );
    submit(c, "form[action='/coord/plans']").await;
    let path = path_of(c).await;
    let plan_id: i64 = path
        .strip_prefix("/coord/plans/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a plan page, at {path}"));
    shot(c, "board-02-plan-progress").await;

    // The page follows the plan by itself until its KPIs are shown.
    wait_for(c, ".kpis", 60).await;
    shot(c, "board-03-plan-kpis").await;
    let stored = plan::Entity::find_by_id(plan_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, "finished");
    let kpis = stored.kpis.clone().unwrap();
    let shown = text_of(c, ".kpi-coverage .l").await;
    assert!(
        shown.contains(&format!("{}/{}", kpis["assigned"], kpis["requests"])),
        "coverage {shown} vs {kpis}"
    );
    assert!(
        text_of(c, ".kpis").await.contains("Tigrino"),
        "coverage by language names Tigrinya"
    );
    assert!(exists(c, ".kpi-gap").await);

    // The day on the board: one draft block per draft of that day, the Tigrinya request
    // unfilled with the solver's reason.
    let drafts = plan_assignment::Entity::find()
        .filter(plan_assignment::Column::PlanId.eq(plan_id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(drafts.len() >= 5, "a plan of five or six: {drafts:?}");
    c.goto(&app.url(&board)).await.unwrap();
    assert_eq!(count(c, "a.block.s-draft").await, drafts.len());
    let unfilled = text_of(c, ".unfilled-list").await;
    assert!(
        unfilled.contains("Nessun mediatore parla questa lingua"),
        "{unfilled}"
    );
    assert!(
        exists(c, &format!(".unfilled-list a[href='/requests/{tigrinya}']")).await,
        "the unfilled list links the request"
    );
    shot(c, "board-01-day").await;
    // The Lucca meeting: not "everyone is busy", but the cost in numbers and names, and the
    // ways that do fit; in Italian, then in English.
    assert!(
        unfilled.contains("Il viaggio costa più di quanto vale l'incontro"),
        "the headline says cost, not 'all busy': {unfilled}"
    );
    assert!(
        unfilled.contains("Amina Rahman è libero, ma servono")
            && unfilled.contains("andata e ritorno")
            && unfilled.contains("una richiesta ordinaria (100 punti)"),
        "{unfilled}"
    );
    assert!(
        unfilled.contains("al telefono: Amina Rahman alle 12:00"),
        "{unfilled}"
    );
    scroll_to(c, ".unfilled-list").await;
    shot(c, "board-01b-reasons-it").await;
    click(c, "form[action='/lang'] button").await;
    let english = text_of(c, ".unfilled-list").await;
    assert!(
        english.contains("Amina Rahman is free, but needs")
            && english.contains("more than a routine request is worth (100 points)"),
        "{english}"
    );
    assert!(
        english.contains("by phone: Amina Rahman at 12:00"),
        "{english}"
    );
    assert!(
        english.contains("The travel costs more than the meeting is worth")
            && !english.contains("Every suitable mediator is already busy"),
        "{english}"
    );
    assert!(
        english.contains("No mediator speaks this language"),
        "{english}"
    );
    scroll_to(c, ".unfilled-list").await;
    shot(c, "board-01c-reasons-en").await;
    click(c, "form[action='/lang'] button").await;
    assert_eq!(text_of(c, "h1").await, "Tabellone", "back in Italian");

    // Lock the first block.
    let first = drafts.iter().min_by_key(|d| d.start).unwrap();
    click(c, &format!("#d{}", first.id)).await;
    assert!(path_of(c)
        .await
        .starts_with(&format!("/coord/plans/{plan_id}/drafts/{}", first.id)));
    shot(c, "board-04-assignment").await;
    submit(c, "form[action$='/lock']").await;
    assert!(path_of(c).await.starts_with(&board), "back on the board");
    assert!(exists(c, ".notice").await);
    assert!(
        exists(c, &format!("#d{}.s-locked", first.id)).await,
        "the block shows its lock"
    );
    let locked = plan_assignment::Entity::find_by_id(first.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(locked.locked);

    // A move outside the request's window is refused, with the rule next to the field.
    let other = drafts.iter().find(|d| d.id != first.id).unwrap();
    c.goto(&app.url(&format!(
        "/coord/plans/{plan_id}/drafts/{}?date={day}",
        other.id
    )))
    .await
    .unwrap();
    set_value(c, "start", "19:30").await;
    submit(c, "form.move-form").await;
    let error = text_of(c, "#start-error").await;
    assert!(
        error.contains("rule 4"),
        "the broken rule is named: {error}"
    );
    assert!(error.contains("Spostamento rifiutato"), "{error}");
    let described = c
        .find(Locator::Id("start"))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(described.contains("start-error"));
    assert!(
        text_of(c, ".error-summary").await.contains("rule 4"),
        "the summary says why"
    );
    scroll_to(c, "#start-error").await;
    shot(c, "board-05-move-refused").await;
    let unmoved = plan_assignment::Entity::find_by_id(other.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unmoved.start, other.start, "a refused move changes nothing");

    // Publish, after the confirmation page.
    c.goto(&app.url(&format!("/coord/plans/{plan_id}")))
        .await
        .unwrap();
    click(c, &format!("a[href='/coord/plans/{plan_id}/publish']")).await;
    assert!(text_of(c, ".publish-preview")
        .await
        .contains(&drafts.len().to_string()));
    shot(c, "board-06-publish-confirm").await;
    submit(c, &format!("form[action='/coord/plans/{plan_id}/publish']")).await;
    assert_eq!(
        path_of(c).await,
        format!("/coord/plans/{plan_id}?published=1")
    );
    assert!(text_of(c, ".notice")
        .await
        .contains(&format!("{} nuove", drafts.len())));
    let live = assignment::Entity::find()
        .filter(assignment::Column::PlanId.eq(plan_id))
        .filter(assignment::Column::State.eq("published"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        live.len(),
        drafts.len(),
        "every draft is now a published assignment"
    );

    // The board now shows what people were told; on a phone, as a list without overflow.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&board)).await.unwrap();
    assert_eq!(count(c, "a.block.s-published").await, drafts.len());
    assert_eq!(count(c, "a.block.s-draft").await, 0);
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the phone page scrolls sideways by {overflow}"
    );
    shot(c, "board-07-phone").await;
    scroll_to(c, ".timeline").await;
    shot(c, "board-08-phone-list").await;
    c.set_window_size(1280, 900).await.unwrap();

    // A second plan keeps what people were told: its drafts show the published state, and
    // taking one out needs the explicit consent the domain asks for.
    submit(c, "form[action='/coord/plans']").await;
    wait_for(c, ".kpis", 60).await;
    let second: i64 = path_of(c)
        .await
        .strip_prefix("/coord/plans/")
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert_ne!(second, plan_id);
    c.goto(&app.url(&board)).await.unwrap();
    assert_eq!(count(c, "a.block.s-published").await, drafts.len());
    let kept = plan_assignment::Entity::find()
        .filter(plan_assignment::Column::PlanId.eq(second))
        .filter(plan_assignment::Column::AssignmentId.is_not_null())
        .one(&app.db)
        .await
        .unwrap()
        .expect("a draft that keeps a published assignment");
    click(c, &format!("#d{}", kept.id)).await;
    assert!(
        exists(c, ".warn-note").await,
        "the page says the mediator was told"
    );
    submit(c, "form[action$='/unassign']").await;
    assert!(
        exists(c, "#confirm-unassign-error").await,
        "without consent the change is refused at the checkbox"
    );
    assert!(plan_assignment::Entity::find_by_id(kept.id)
        .one(&app.db)
        .await
        .unwrap()
        .is_some());
    c.find(Locator::Css("label[for=confirm-unassign]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(c, "form[action$='/unassign']").await;
    assert!(path_of(c).await.starts_with(&board));
    assert!(
        exists(
            c,
            &format!("#a{}.s-cancelling", kept.assignment_id.unwrap())
        )
        .await,
        "the published assignment is shown as to be cancelled"
    );
    assert!(text_of(c, ".unfilled-list")
        .await
        .contains("Tolta dal piano"));

    // The early Urdu meeting: no one works at 07:00; the plan's alternative (later that
    // morning, with Amina Rahman) is applied in one click, and she gets it at once.
    let item = format!(".unfilled-list li:has(a[href='/requests/{early}'])");
    let words = text_of(c, &item).await;
    assert!(words.contains("Si potrebbe"), "{words}");
    scroll_to(c, ".unfilled-list").await;
    shot(c, "board-08b-alternatives").await;
    submit(c, &format!("{item} form.apply")).await;
    assert!(
        path_of(c).await.contains("done=applied"),
        "{}",
        path_of(c).await
    );
    let moved = request::Entity::find()
        .filter(request::Column::ChangedFromRequestId.eq(early))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the meeting, changed");
    let held = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(moved.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].state.is_live(), "{held:?}");
    assert!(held[0].start >= local(day, "09:00"), "{held:?}");

    // The board in English.
    click(c, "form[action='/lang'] button").await;
    assert_eq!(text_of(c, "h1").await, "Dispatch board");
    assert!(text_of(c, ".legend").await.contains("To be cancelled"));
    shot(c, "board-09-english").await;
}
