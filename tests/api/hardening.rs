//! Hardening (issue 16): open redirects after login and the metrics' method label.
use ponte::account::{self, NewUser};
use ponte::auth::Role;
use reqwest::Method;

use crate::both;
use crate::helpers::{set_cookie, Backend, TestApp};

both!(
    login_ignores_a_next_that_leaves_the_site,
    invented_methods_count_as_other
);

/// Logs in through the form with `next`; returns the Location of the answer.
async fn login_location(app: &TestApp, next: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let cookie = set_cookie(&page, "ponte_csrf");
    let token = cookie.trim_start_matches("ponte_csrf=").to_string();
    let answer = client
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", token.as_str()),
            ("email", "redirect@ponte.example"),
            ("password", "a long enough password"),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (answer.status().as_u16(), location)
}

async fn login_ignores_a_next_that_leaves_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    account::create_user(
        &app.db,
        NewUser {
            email: "redirect@ponte.example".into(),
            name: "Redirect".into(),
            role: Role::Coordinator,
            organisation_id: None,
            mediator_id: None,
            password: Some("a long enough password".into()),
            locale: "it".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        login_location(&app, "/coord/users").await,
        (303, "/coord/users".into())
    );
    for next in [
        "/\t/evil.example/phish",
        "/%09/evil.example/phish",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        assert_eq!(
            login_location(&app, next).await,
            (303, "/coord".into()),
            "next = {next:?}"
        );
    }
}

async fn invented_methods_count_as_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for i in 0..3 {
        let method = Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        app.call(method, "/healthz", None, None).await;
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("INVENTED"), "{metrics}");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
}
