//! Health, readiness, metrics, authentication and the OpenAPI document.
use reqwest::Method;

use crate::both;
use crate::helpers::{assert_problem, Backend, TestApp};

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status(), 200);
    let r = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status(), 200);
    let r = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            "ponte_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1"
        ),
        "{text}"
    );
}

async fn readiness_fails_without_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.db.clone().close().await.unwrap();
    let r = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status(), 503);
    // A call that needs the database is told to come back, not that the server broke.
    let r = app
        .call(
            Method::GET,
            "/api/v1/organisations",
            Some(&app.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_problem(r, 503, None).await;
}

async fn unauthenticated_calls_are_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.call(Method::GET, "/api/v1/requests", None, None).await;
    assert_problem(r, 401, None).await;
    let r = app
        .call(
            Method::GET,
            "/api/v1/requests",
            Some("pt_not-a-token"),
            None,
        )
        .await;
    assert_problem(r, 401, None).await;
}

async fn openapi_document_lists_the_routes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/organisations",
        "/api/v1/mediators",
        "/api/v1/requests",
        "/api/v1/requests/{id}",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
}

async fn unknown_routes_are_problem_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.get("/api/v1/nothing-here", &app.admin.token).await;
    assert_problem(r, 404, None).await;
}

both!(
    every_response_carries_the_security_headers,
    metrics_are_for_this_machine_or_the_token,
    health_and_readiness,
    readiness_fails_without_database,
    unauthenticated_calls_are_401,
    openapi_document_lists_the_routes,
    unknown_routes_are_problem_404,
);

/// `/metrics` tells who uses the service and how much: without a token only a direct
/// connection from this machine reads it, and with one only a request bearing it.
async fn metrics_are_for_this_machine_or_the_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let proxied = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 401, "a proxy's request is not local");
    assert_problem(proxied, 401, None).await;

    let app =
        TestApp::spawn_with(backend, |c| c.metrics_token = Some("scrape-me-7Hq".into())).await;
    let none = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me-7Hr")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me-7Hq")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("ponte_worker_restarts_total"));
}

/// One layer sets the security headers on pages, API and assets; a handler's own
/// `Cache-Control` (the assets') is kept.
async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = header(&page, "content-security-policy");
    assert!(
        policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    let api = app
        .call(
            Method::GET,
            "/api/v1/organisations",
            Some(&app.admin.token),
            None,
        )
        .await;
    assert_eq!(api.status(), 200);
    assert!(header(&api, "content-security-policy").starts_with("default-src 'none'"));
    for r in [&page, &api] {
        assert_eq!(header(r, "x-content-type-options"), "nosniff");
        assert_eq!(header(r, "x-frame-options"), "DENY");
        assert_eq!(header(r, "cache-control"), "no-store");
    }
    // Pages tell only Ponte where they came from (their forms' Origin must be real); data
    // tells nobody.
    assert_eq!(header(&page, "referrer-policy"), "same-origin");
    assert_eq!(header(&api, "referrer-policy"), "no-referrer");
    let css = app
        .client
        .get(app.url("/static/ponte.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(header(&css, "cache-control"), "public, max-age=3600");
    assert_eq!(header(&css, "x-content-type-options"), "nosniff");
}
