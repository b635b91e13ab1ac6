//! Hardening (issue 16): guessing is throttled (passwords per account and per address,
//! unknown response and feed tokens per address), and page forms refuse what a page of
//! another site could send. Client addresses are told by `X-Forwarded-For` from a trusted
//! proxy (the test client itself, on loopback); time moves by the app's manual clock.
use chrono::TimeDelta;
use ponte::account::{self, NewUser};
use ponte::auth::Role;
use ponte::entity::audit_event;
use reqwest::redirect::Policy;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::both;
use crate::helpers::{set_cookie, Backend, TestApp};

both!(
    wrong_passwords_lock_the_account_for_a_minute,
    one_address_is_throttled_across_accounts,
    unknown_tokens_are_throttled_by_address,
    page_posts_that_are_not_forms_are_refused_as_csrf,
    a_login_form_from_another_origin_is_refused,
    an_admin_sees_and_lifts_a_lock,
    a_pre_login_token_must_be_the_servers_and_fresh
);

const PASSWORD: &str = "a long enough password";

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
}

async fn user(app: &TestApp, email: &str) -> i64 {
    user_as(app, email, Role::Coordinator).await
}

async fn user_as(app: &TestApp, email: &str, role: Role) -> i64 {
    account::create_user(
        &app.db,
        NewUser {
            email: email.into(),
            name: "Giulia".into(),
            role,
            organisation_id: None,
            mediator_id: None,
            password: Some(PASSWORD.into()),
            locale: "it".into(),
        },
    )
    .await
    .unwrap()
    .id
}

/// A browser without redirects, holding the login page's CSRF cookie.
struct Form {
    client: reqwest::Client,
    cookie: String,
    token: String,
}

async fn login_page(app: &TestApp) -> Form {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let cookie = set_cookie(&page, "ponte_csrf");
    let token = cookie.trim_start_matches("ponte_csrf=").to_string();
    Form {
        client,
        cookie,
        token,
    }
}

impl Form {
    async fn login(
        &self,
        app: &TestApp,
        from: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.client
            .post(app.url("/login"))
            .header("cookie", &self.cookie)
            .header("x-forwarded-for", from)
            .form(&[
                ("csrf", self.token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn wrong_passwords_lock_the_account_for_a_minute(backend: Backend) {
    let app = spawn(backend).await;
    let id = user(&app, "giulia@ponte.example").await;
    let form = login_page(&app).await;
    // Five wrong passwords, each from another address: the account counts them all.
    for k in 0..5 {
        let wrong = form
            .login(
                &app,
                &format!("203.0.113.{k}"),
                "giulia@ponte.example",
                "wrong",
            )
            .await;
        assert_eq!(wrong.status(), 200, "attempt {k} is answered with the form");
    }
    // Now even the right password waits, from anywhere.
    let locked = form
        .login(&app, "198.51.100.7", "Giulia@Ponte.example ", PASSWORD)
        .await;
    assert_eq!(locked.status(), 429);
    let wait = retry_after(&locked);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let html = locked.text().await.unwrap();
    assert!(html.contains("Troppi tentativi"), "{html}");

    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("locked"))
        .filter(audit_event::Column::Entity.eq("user"))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1, "the lock is audited once");

    // A minute later the right password works at once.
    app.clock.advance(TimeDelta::seconds(61));
    let signed = form
        .login(&app, "198.51.100.7", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(signed.status(), 303);
}

async fn one_address_is_throttled_across_accounts(backend: Backend) {
    let app = spawn(backend).await;
    user(&app, "giulia@ponte.example").await;
    let form = login_page(&app).await;
    let guesser = "192.0.2.66";
    for k in 0..20 {
        let wrong = form
            .login(&app, guesser, &format!("user{k}@ponte.example"), "guess")
            .await;
        assert_eq!(wrong.status(), 200, "attempt {k}");
    }
    let locked = form
        .login(&app, guesser, "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(
        locked.status(),
        429,
        "the address is locked, whatever account"
    );
    // Another address is not.
    let elsewhere = form
        .login(&app, "192.0.2.67", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(elsewhere.status(), 303);
    // Successes do not use up an address: an office signs in all morning.
    for _ in 0..30 {
        let signed = form
            .login(&app, "192.0.2.68", "giulia@ponte.example", PASSWORD)
            .await;
        assert_eq!(signed.status(), 303);
    }
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("locked"))
        .filter(audit_event::Column::Entity.eq("address"))
        .filter(audit_event::Column::EntityId.eq(guesser))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
}

async fn unknown_tokens_are_throttled_by_address(backend: Backend) {
    let app = spawn(backend).await;
    let get = |path: String, from: &'static str| {
        let request = app
            .client
            .get(app.url(&path))
            .header("x-forwarded-for", from);
        async move { request.send().await.unwrap() }
    };
    for k in 0..20 {
        let page = get(format!("/respond/pr_guess{k}"), "192.0.2.1").await;
        assert_eq!(page.status(), 404, "guess {k}");
    }
    let locked = get("/respond/pr_guess20".into(), "192.0.2.1").await;
    assert_eq!(locked.status(), 429);
    assert!(retry_after(&locked) <= 10);

    // Feeds have their own count: the same address is not locked there yet.
    for k in 0..20 {
        let feed = get(format!("/feeds/pf_guess{k}.ics"), "192.0.2.1").await;
        assert_eq!(feed.status(), 404, "guess {k}");
    }
    let locked = get("/feeds/pf_guess20.ics".into(), "192.0.2.1").await;
    assert_eq!(locked.status(), 429);
    assert_eq!(locked.headers()["content-type"], "application/problem+json");
    // A real feed from another address is served; after one interval, one more guess.
    let path = format!("/api/v1/mediators/{}/feed", app.mediator_id);
    let created = app.post(&path, &app.mediator.token, &json!({})).await;
    let url: serde_json::Value = created.json().await.unwrap();
    let feed = url["url"].as_str().unwrap();
    let feed_path = &feed[feed.find("/feeds/").unwrap()..];
    assert_eq!(get(feed_path.to_string(), "192.0.2.2").await.status(), 200);
    assert_eq!(get(feed_path.to_string(), "192.0.2.1").await.status(), 429);
    app.clock.advance(TimeDelta::seconds(10));
    assert_eq!(get(feed_path.to_string(), "192.0.2.1").await.status(), 200);
}

async fn page_posts_that_are_not_forms_are_refused_as_csrf(backend: Backend) {
    let app = spawn(backend).await;
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    for path in ["/logout", "/login", "/requests/new", "/lang"] {
        let empty = client.post(app.url(path)).send().await.unwrap();
        assert_eq!(empty.status(), 403, "{path} without a body");
        let json = client
            .post(app.url(path))
            .json(&json!({ "csrf": "x" }))
            .send()
            .await
            .unwrap();
        assert_eq!(json.status(), 403, "{path} with JSON");
    }
}

async fn a_login_form_from_another_origin_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    user(&app, "giulia@ponte.example").await;
    let form = login_page(&app).await;
    let post = |origin: String| {
        form.client
            .post(app.url("/login"))
            .header("cookie", &form.cookie)
            .header("origin", origin)
            .form(&[
                ("csrf", form.token.as_str()),
                ("email", "giulia@ponte.example"),
                ("password", PASSWORD),
            ])
            .send()
    };
    // The pair is valid, but the form was sent by a page of another site.
    assert_eq!(
        post("http://evil.example".into()).await.unwrap().status(),
        403
    );
    assert_eq!(post("null".into()).await.unwrap().status(), 403);
    // The same form from this site signs in.
    assert_eq!(post(app.address.clone()).await.unwrap().status(), 303);
}

async fn an_admin_sees_and_lifts_a_lock(backend: Backend) {
    let app = spawn(backend).await;
    user(&app, "giulia@ponte.example").await;
    user_as(&app, "capo@ponte.example", Role::Admin).await;
    let form = login_page(&app).await;
    for _ in 0..5 {
        form.login(&app, "203.0.113.1", "giulia@ponte.example", "wrong")
            .await;
    }
    let admin = form
        .login(&app, "203.0.113.2", "capo@ponte.example", PASSWORD)
        .await;
    assert_eq!(admin.status(), 303);
    let session = set_cookie(&admin, "ponte_session");
    let page = form
        .client
        .get(app.url("/coord/users"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("giulia@ponte.example"), "the lock is listed");
    assert!(
        page.contains("value=\"account:giulia@ponte.example\""),
        "{page}"
    );
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let lifted = form
        .client
        .post(app.url("/coord/locks/lift"))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("key", "account:giulia@ponte.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(lifted.status(), 303);
    let signed = form
        .login(&app, "203.0.113.3", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(signed.status(), 303, "the lock is gone before its minute");
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("unlocked"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
}

async fn a_pre_login_token_must_be_the_servers_and_fresh(backend: Backend) {
    let app = spawn(backend).await;
    user(&app, "giulia@ponte.example").await;
    let form = login_page(&app).await;
    assert!(form.token.starts_with("pre."), "{}", form.token);
    // A pair the attacker chose (the old format passed as long as cookie and field agreed).
    let planted = "pre_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let forged = Form {
        client: form.client.clone(),
        cookie: format!("ponte_csrf={planted}"),
        token: planted.into(),
    };
    let refused = forged
        .login(&app, "192.0.2.1", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(refused.status(), 403);
    // A signed one with its time changed.
    let (head, mac) = form.token.rsplit_once('.').unwrap();
    let mut parts: Vec<&str> = head.split('.').collect();
    let later = (parts[1].parse::<i64>().unwrap() + 3600).to_string();
    parts[1] = &later;
    let altered = format!("{}.{mac}", parts.join("."));
    let altered = Form {
        client: form.client.clone(),
        cookie: format!("ponte_csrf={altered}"),
        token: altered,
    };
    let refused = altered
        .login(&app, "192.0.2.1", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(refused.status(), 403);
    // The server's own, fresh: accepted; 13 hours later: expired.
    app.clock.advance(TimeDelta::hours(13));
    let stale = form
        .login(&app, "192.0.2.1", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(stale.status(), 403, "expired");
    let fresh = login_page(&app).await;
    let signed = fresh
        .login(&app, "192.0.2.1", "giulia@ponte.example", PASSWORD)
        .await;
    assert_eq!(signed.status(), 303);
}
