//! The first flows: login, requester form and list, mediator week and availability,
//! English, a phone-width page, password reset; sessions and CSRF over plain HTTP.
use super::*;
use chrono::NaiveDate;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_a_real_browser() {
    let (_driver, port) = start_chromedriver();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let hash = auth::hash_password(PASSWORD).unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .exec(&app.db)
        .await
        .unwrap();
    let c = browser(port).await;
    let result = tokio::time::timeout(Duration::from_secs(90), flows(&c, &app)).await;
    let _ = c.close().await;
    result.expect("the browser flows took over 90 s");
}

async fn flows(c: &Client, app: &TestApp) {
    // Anonymous visitors land on the login page, in Italian.
    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(path_of(c).await, "/login");
    assert_eq!(
        c.find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("it")
    );
    shot(c, "01-login").await;

    // A wrong password is refused on the page.
    login(c, app, "segreteria@a.example", "not-the-password").await;
    assert!(
        exists(c, ".error-summary").await,
        "a wrong password is reported"
    );

    // Requester of organisation A.
    login(c, app, "segreteria@a.example", PASSWORD).await;
    assert_eq!(
        path_of(c).await,
        "/requests",
        "a requester lands on the requests list"
    );

    // A skill in the catalogue, for the form's checkboxes.
    ponte::entity::tag::ActiveModel {
        name: Set("health".into()),
        description: Set(Some("Sanità".into())),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // The mediator pickers name only those who speak the language: none before one is
    // chosen, and the server answers a language's speakers alone.
    c.goto(&app.url("/requests/speakers?list=excluded&language=zh"))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("Li Wei"));
    c.goto(&app.url("/requests/speakers?list=excluded&language=ar"))
        .await
        .unwrap();
    assert!(!c.source().await.unwrap().contains("Li Wei"));

    // Bad input: the errors are shown next to their fields and wired to them.
    c.goto(&app.url("/requests/new")).await.unwrap();
    assert!(
        !c.source().await.unwrap().contains("Li Wei"),
        "no mediator's name before a language is chosen"
    );
    shot(c, "02-request-form").await;
    c.find(Locator::Id("language"))
        .await
        .unwrap()
        .send_keys("klingon!!")
        .await
        .unwrap();
    submit(c, "form.request-form").await;
    for field in ["language", "date", "time", "site_id"] {
        assert!(
            exists(c, &format!("#{field}-error")).await,
            "an error next to `{field}`"
        );
        let described = c
            .find(Locator::Id(field))
            .await
            .unwrap()
            .attr("aria-describedby")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(
            described.contains(&format!("{field}-error")),
            "#{field} is described by its error, got {described:?}"
        );
    }
    // What the user typed comes back.
    assert_eq!(
        c.find(Locator::Id("language"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("klingon!!")
    );
    shot(c, "03-request-form-errors").await;

    // A good request: Urdu, in person at the school, weekly for five weeks.
    let day = (Utc::now() + TimeDelta::days(8)).date_naive();
    let until = day + TimeDelta::days(28);
    let language = c.find(Locator::Id("language")).await.unwrap();
    language.clear().await.unwrap();
    // Chinese first: its speaker appears in the pickers once the field is left.
    language.send_keys("zh").await.unwrap();
    c.find(Locator::Id("case_reference"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let started = Instant::now();
    while !text_of(c, "#excluded").await.contains("Li Wei") {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the pickers list the speakers of the language"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let language = c.find(Locator::Id("language")).await.unwrap();
    language.clear().await.unwrap();
    language.send_keys("ur").await.unwrap();
    set_value(c, "date", &day.to_string()).await;
    set_value(c, "time", "09:00").await;
    c.find(Locator::Id("site_id"))
        .await
        .unwrap()
        .select_by_value(&app.site_a.to_string())
        .await
        .unwrap();
    c.find(Locator::Id("recurrence"))
        .await
        .unwrap()
        .select_by_value("weekly")
        .await
        .unwrap();
    set_value(c, "until", &until.to_string()).await;
    // Two days a week: the date's weekday and the next.
    let code = |d: NaiveDate| {
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][d.weekday().num_days_from_monday() as usize]
    };
    for d in [day, day + TimeDelta::days(1)] {
        c.find(Locator::Css(&format!("label[for=weekday-{}]", code(d))))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    c.find(Locator::Css("label[for=tag-health]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("case_reference"))
        .await
        .unwrap()
        .send_keys("PRATICA-42")
        .await
        .unwrap();
    c.find(Locator::Css("label[for=urgency-urgent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(c, "form.request-form").await;
    let path = path_of(c).await;
    assert!(
        path.ends_with("?created=1"),
        "redirected to the new request, got {path}"
    );
    let id: i64 = path
        .trim_start_matches("/requests/")
        .trim_end_matches("?created=1")
        .parse()
        .expect("the new request's id in the URL");
    let stored = request::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.organisation_id, app.org_a);
    assert_eq!(stored.language, "ur");
    assert_eq!(stored.urgency.as_str(), "urgent");
    assert_eq!(
        stored.occurrences, 9,
        "two days a week for five weeks (the last week's second day is past the end), rule {:?}",
        stored.rrule
    );
    let rule = stored.rrule.clone().unwrap_or_default();
    assert!(
        rule.contains(&format!(
            "BYDAY={},{}",
            code(day),
            code(day + TimeDelta::days(1))
        )) || rule.contains(&format!(
            "BYDAY={},{}",
            code(day + TimeDelta::days(1)),
            code(day)
        )),
        "{rule}"
    );
    assert_eq!(stored.required_tags, json!(["health"]));
    assert!(text_of(c, "dd.lang").await.contains("اردو"));
    shot(c, "04-request-detail").await;

    // It is in the organisation's list, with its language in Italian and its own script.
    c.goto(&app.url("/requests")).await.unwrap();
    let link = c
        .find(Locator::Css(&format!("a[href='/requests/{id}']")))
        .await
        .expect("the new request is listed");
    assert!(link.text().await.unwrap().contains("Urdu · اردو"));
    shot(c, "05-request-list").await;

    // Another organisation's request is a 404 page, not its content.
    let other = app
        .post(
            "/api/v1/requests",
            &app.requester_b.token,
            &json!({"language": "sq", "modality": "phone", "urgency": "routine",
                    "earliest_start": format!("{}T10:00", day), "duration_minutes": 60,
                    "case_reference": "SEGRETO-B"}),
        )
        .await;
    assert_eq!(other.status(), 201);
    let other_id = helpers::json_of(other).await.1["id"].as_i64().unwrap();
    c.goto(&app.url(&format!("/requests/{other_id}")))
        .await
        .unwrap();
    assert_eq!(text_of(c, "h1").await, "Pagina non trovata");
    assert!(!c.source().await.unwrap().contains("SEGRETO-B"));
    let status = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&format!("/requests/{other_id}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 303, "anonymous: to the login page");

    // Cancel the request from its page (the confirmation is accepted).
    c.goto(&app.url(&format!("/requests/{id}"))).await.unwrap();
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("Famiglia trasferita")
        .await
        .unwrap();
    // The confirmation blocks the page, so this click does not wait for the next one.
    // The whole request's form (a series also has one for single meetings).
    c.find(Locator::Css(&format!(
        "form[action='/requests/{id}/cancel'] button[type=submit]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.accept_alert()
        .await
        .expect("a confirmation before cancelling");
    wait_for_path(c, "?cancelled=1").await;
    let stored = request::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status.as_str(), "cancelled");
    assert_eq!(stored.cancel_reason.as_deref(), Some("Famiglia trasferita"));

    // Switch to English: the page, and the account's stored language, change.
    let switch = c
        .find(Locator::Css("form[action='/lang'] button"))
        .await
        .unwrap();
    navigate_by(c, switch.click()).await;
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
    assert!(
        text_of(c, "h1").await.starts_with("Request #"),
        "back on the same page, in English"
    );
    c.goto(&app.url("/requests")).await.unwrap();
    assert_eq!(text_of(c, "h1").await, "Requests");
    let me = user::Entity::find_by_id(app.requester_a.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.locale, "en");
    shot(c, "06-request-list-en").await;
    logout(c).await;

    // The mediator: a published assignment this week shows in their week.
    let next = request::Entity::find_by_id(other_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    assignment::ActiveModel {
        request_id: Set(other_id),
        occurrence: Set(0),
        mediator_id: Set(app.mediator_id),
        start: Set(next.earliest_start),
        end: Set(next.earliest_start + TimeDelta::minutes(60)),
        state: Set("published".parse().unwrap()),
        plan_id: Set(None),
        uid: Set(format!("test-{other_id}@ponte")),
        sequence: Set(0),
        response_token_hash: Set(None),
        decline_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        responded_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    login(c, app, "li.wei@mediatori.example", PASSWORD).await;
    assert_eq!(path_of(c).await, "/week");
    c.goto(&app.url(&format!("/week?start={}", next.earliest_start.date_naive())))
        .await
        .unwrap();
    let slot = text_of(c, "li.slot").await;
    assert!(
        slot.contains("Albanese · Shqip"),
        "the assignment is in the week: {slot}"
    );
    assert!(slot.contains("10:00"), "at its local time: {slot}");
    shot(c, "07-mediator-week").await;

    // Availability: a bad row is refused next to it, a good one is saved.
    c.goto(&app.url("/availability")).await.unwrap();
    c.find(Locator::Id("rule-0-day"))
        .await
        .unwrap()
        .select_by_value("mon")
        .await
        .unwrap();
    set_value(c, "rule-0-start", "13:00").await;
    set_value(c, "rule-0-end", "09:00").await;
    submit(c, "form.availability").await;
    assert!(
        exists(c, "#rule-0-error").await,
        "an end before the start is refused on its row"
    );
    set_value(c, "rule-0-start", "09:00").await;
    set_value(c, "rule-0-end", "13:00").await;
    c.find(Locator::Id("rule-1-day"))
        .await
        .unwrap()
        .select_by_value("thu")
        .await
        .unwrap();
    set_value(c, "rule-1-start", "14:00").await;
    set_value(c, "rule-1-end", "18:00").await;
    let absent = day + TimeDelta::days(14 - i64::from(day.weekday().num_days_from_monday()));
    set_value(c, "exc-0-date", &absent.to_string()).await;
    set_value(c, "exc-0-start", "09:00").await;
    set_value(c, "exc-0-end", "13:00").await;
    c.find(Locator::Id("exc-0-note"))
        .await
        .unwrap()
        .send_keys("Visita medica")
        .await
        .unwrap();
    submit(c, "form.availability").await;
    wait_for_path(c, "?saved=1").await;
    assert!(exists(c, ".notice").await);
    let rules = availability_rule::Entity::find()
        .filter(availability_rule::Column::MediatorId.eq(app.mediator_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rules.len(), 2, "two weekly rules saved");
    let exceptions = availability_exception::Entity::find()
        .filter(availability_exception::Column::MediatorId.eq(app.mediator_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(exceptions.len(), 1);
    assert_eq!(exceptions[0].note.as_deref(), Some("Visita medica"));
    // The saved rows come back in the form.
    assert_eq!(
        c.find(Locator::Id("rule-1-start"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("14:00")
    );
    shot(c, "08-mediator-availability").await;

    // On a 360-px phone the week still reads.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&format!("/week?start={}", next.earliest_start.date_naive())))
        .await
        .unwrap();
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(false), "no horizontal scrolling at 360 px");
    shot(c, "09-mediator-week-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    logout(c).await;

    // The coordinator: the week's counts, and a password reset that works.
    login(c, app, "coord@ponte.example", PASSWORD).await;
    assert_eq!(path_of(c).await, "/coord");
    shot(c, "10-coordinator-home").await;
    c.goto(&app.url("/coord/organisations")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Plesso Mazzoni"));
    c.goto(&app.url("/coord/mediators")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Li Wei"));
    c.goto(&app.url("/coord/users")).await.unwrap();
    submit(
        c,
        &format!(
            "form[action='/coord/users/{}/password']",
            app.requester_b.id
        ),
    )
    .await;
    let fresh = text_of(c, "code.secret").await;
    assert_eq!(fresh.chars().count(), 16);
    shot(c, "11-coordinator-users").await;
    logout(c).await;
    login(c, app, "segreteria@b.example", &fresh).await;
    assert_eq!(path_of(c).await, "/requests", "the reset password logs in");
    logout(c).await;
    login(c, app, "segreteria@b.example", PASSWORD).await;
    assert!(
        exists(c, ".error-summary").await,
        "the old password no longer does"
    );
}

/// The session and CSRF rules, over plain HTTP (no browser needed to see headers).
async fn sessions_and_csrf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let hash = auth::hash_password(PASSWORD).unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .exec(&app.db)
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let set_cookies = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    };
    let value_of = |cookies: &[String], name: &str| -> String {
        cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|rest| rest.split(';').next())
            .unwrap_or_else(|| panic!("no cookie {name} in {cookies:?}"))
            .to_string()
    };

    let page = http.get(app.url("/login")).send().await.unwrap();
    let pre = value_of(&set_cookies(&page), "ponte_csrf");
    let form = [
        ("email", "segreteria@a.example"),
        ("password", PASSWORD),
        ("next", ""),
    ];
    // Without the token, or with another one, the login is refused.
    let refused = http
        .post(app.url("/login"))
        .header("cookie", format!("ponte_csrf={pre}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let mut with_token = form.to_vec();
    with_token.push(("csrf", pre.as_str()));
    let ok = http
        .post(app.url("/login"))
        .header("cookie", format!("ponte_csrf={pre}"))
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/requests");
    let cookies = set_cookies(&ok);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("ponte_session="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain http: no Secure, {session}"
    );
    let secret = value_of(&cookies, "ponte_session");
    // The table keeps the secret's digest, never the secret.
    let stored = ponte::entity::session::Entity::find_by_id(auth::digest(&secret))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the session row under the secret's digest");
    assert_ne!(stored.id_hash, secret);

    let cookie = format!("ponte_session={secret}");
    let list = http
        .get(app.url("/requests"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    // A POST with the pre-login token instead of the session's is refused, and writes nothing.
    let forged = http
        .post(app.url("/requests/new"))
        .header("cookie", format!("{cookie}; ponte_csrf={pre}"))
        .form(&[("csrf", pre.as_str()), ("language", "ur")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        request::Entity::find().all(&app.db).await.unwrap().len(),
        0,
        "nothing stored by a forged POST"
    );

    // An expired session is no session.
    ponte::entity::session::Entity::update_many()
        .col_expr(
            ponte::entity::session::Column::ExpiresAt,
            Expr::value(Utc::now() - TimeDelta::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let expired = http
        .get(app.url("/requests"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 303);
    assert_eq!(expired.headers()["location"], "/login");
}

mod sessions {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::sessions_and_csrf(super::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(ponte_pg),
        ignore = "PostgreSQL tests need PONTE_TEST_POSTGRES_URL"
    )]
    async fn postgres() {
        super::sessions_and_csrf(super::Backend::Postgres).await
    }
}

/// Over https the session cookie is Secure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookie_is_secure_behind_https() {
    let app = TestApp::spawn_with(Backend::Sqlite, |cfg| {
        cfg.base_url = Some("https://ponte.example".into())
    })
    .await;
    let page = reqwest::get(app.url("/login")).await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("ponte_csrf=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}
