//! The security headers of every response, set in this one layer: pages, API, feeds and
//! assets alike. A handler that sets one of them (an asset's `Cache-Control`, a feed's) keeps
//! its own.
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Pages load only Ponte's own scripts, styles and images (the map is inline SVG, drawn by
/// Ponte), submit forms only to Ponte, and are never framed. Inline styles stay allowed for
/// the few computed widths of the charts and the board.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Everything else (JSON, calendars, CSV) is data, never a document with active content.
pub const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    default(headers, X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Feed and answer links carry their secret in the path: never pass it on (the answer
    // pages set `no-referrer` themselves). Other pages say where they came from to Ponte
    // only: with `no-referrer` a browser would send `Origin: null` on a page's own form,
    // and the forms' origin check needs the real one.
    default(
        headers,
        REFERRER_POLICY,
        if html { "same-origin" } else { "no-referrer" },
    );
    default(headers, X_FRAME_OPTIONS, "DENY");
    default(
        headers,
        CONTENT_SECURITY_POLICY,
        if html { PAGE_POLICY } else { DATA_POLICY },
    );
    // Personal data (families' appointments, mediators' weeks) must not stay in a shared
    // cache or a public computer's browser cache.
    default(headers, CACHE_CONTROL, "no-store");
    response
}

fn default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
