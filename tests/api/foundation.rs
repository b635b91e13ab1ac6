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
    health_and_readiness,
    readiness_fails_without_database,
    unauthenticated_calls_are_401,
    openapi_document_lists_the_routes,
    unknown_routes_are_problem_404,
);
