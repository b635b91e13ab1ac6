//! Hardening (issue 16): open redirects after login and the metrics' method label.
use ponte::account::{self, NewUser};
use ponte::auth::Role;
use ponte::entity::{organisation, request};
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::both;
use crate::helpers::{set_cookie, Backend, TestApp};

both!(
    login_ignores_a_next_that_leaves_the_site,
    invented_methods_count_as_other,
    nul_in_a_page_form_is_refused_naming_the_field,
    nul_in_a_page_url_is_refused
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

/// A browser session of `user_id`: (cookie header, CSRF token).
async fn session_of(app: &TestApp, user_id: i64) -> (String, String) {
    let secret = account::session::open(&app.db, user_id).await.unwrap();
    let row = ponte::entity::session::Entity::find_by_id(ponte::auth::digest(&secret))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (format!("ponte_session={secret}"), row.csrf_token)
}

/// PostgreSQL's text refuses NUL: a page form with `%00` in any field is refused before
/// any handler reads it (400, a page naming the field), on every form, and stores nothing;
/// without the session's CSRF token it is the CSRF refusal (403) as for any other body.
async fn nul_in_a_page_form_is_refused_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (cookie, csrf) = session_of(&app, app.admin.id).await;
    let requests_before = request::Entity::find().count(&app.db).await.unwrap();
    let organisations_before = organisation::Entity::find().count(&app.db).await.unwrap();
    let site = app.site_a.to_string();
    // (page, fields besides the token, the field holding NUL)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "/requests/new",
            &[
                ("organisation_id", "1"),
                ("language", "ur\0"),
                ("urgency", "routine"),
                ("modality", "in_person"),
                ("site_id", site.as_str()),
                ("date", "2027-03-08"),
                ("time", "09:00"),
                ("duration", "60"),
                ("recurrence", "none"),
            ],
            "language",
        ),
        (
            "/requests/new",
            &[
                ("language", "ur"),
                ("tags", "ok"),
                ("tags", "bad\0tag"),
                ("site_id", site.as_str()),
            ],
            "tags",
        ),
        (
            "/coord/organisations/new",
            &[
                ("name", "Scuola"),
                ("kind", "school"),
                ("timezone", "Europe/Rome"),
                ("contact_email", "a\0@scuola.example"),
                ("locale", "it"),
            ],
            "contact_email",
        ),
        (
            "/coord/shortage",
            &[("from", "2027-03-01\0"), ("to", "2027-03-07")],
            "from",
        ),
    ];
    for (path, fields, named) in cases {
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let answer = client
            .post(app.url(path))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{path} with NUL in {named}");
        let page = answer.text().await.unwrap();
        assert!(
            page.contains(&format!("«{named}»")),
            "{path}: the page names the field {named}: {page}"
        );
        // The same body without the session's token is a CSRF refusal, NUL or not.
        let mut forged: Vec<(&str, &str)> = vec![("csrf", "wrong")];
        forged.extend_from_slice(fields);
        let answer = client
            .post(app.url(path))
            .header("cookie", &cookie)
            .form(&forged)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{path} without the token");
    }
    // A key holding NUL is named too, and the login form (before a session) is covered.
    let page = client.get(app.url("/login")).send().await.unwrap();
    let pre = set_cookie(&page, "ponte_csrf");
    let token = pre.trim_start_matches("ponte_csrf=").to_string();
    let answer = client
        .post(app.url("/login"))
        .header("cookie", &pre)
        .form(&[
            ("csrf", token.as_str()),
            ("email", "nul\0@ponte.example"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400, "login with NUL in the email");
    assert!(answer.text().await.unwrap().contains("«email»"));
    assert_eq!(
        request::Entity::find().count(&app.db).await.unwrap(),
        requests_before,
        "no request stored"
    );
    assert_eq!(
        organisation::Entity::find().count(&app.db).await.unwrap(),
        organisations_before,
        "no organisation stored"
    );
    // `%2500` is the text "%00", not NUL: the form goes through to its handler.
    let answer = client
        .post(app.url("/coord/shortage"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("from", "%00"),
            ("to", "2027-03-07"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(answer.status(), 400, "a literal %00 is no NUL");
    assert!(answer.status().as_u16() < 500);
}

/// A page's query with NUL (a filter) is refused as the API's URLs are, never a 500.
async fn nul_in_a_page_url_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (cookie, _) = session_of(&app, app.admin.id).await;
    for path in [
        "/requests?status=sub%00mitted",
        "/coord/audit?entity=request%00&action=x",
        "/coord/audit?actor=%00",
    ] {
        let answer = app
            .client
            .get(app.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{path}");
    }
    let fine = app
        .client
        .get(app.url("/coord/audit?entity=request"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}
