//! The API's bodies are JSON, and say so: a body sent with another media type is 415 and a
//! body over the limit is 413, both as problem+json, before any handler reads it.
use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The largest body the API reads. The biggest real body, a request with its lists at their
/// bounds, is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Refuses a body that is not `application/json` (or a `+json` type such as
/// `application/merge-patch+json`), and a declared length over [`MAX_BODY_BYTES`]. Requests
/// without a body pass: several actions take an optional one.
pub async fn require_json(request: Request, next: Next) -> Response {
    // NUL in a path or query value would reach PostgreSQL's text (which refuses it) through
    // a filter; no parameter of Ponte's has a use for it.
    let uri = request.uri();
    let has_nul = |part: &str| part.as_bytes().windows(3).any(|w| w == b"%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return ApiError::Malformed("the URL must not contain the NUL character (%00)".into())
            .into_response();
    }
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    let has_body = length.is_some_and(|n| n > 0) || (length.is_none() && chunked);
    if !has_body {
        return next.run(request).await;
    }
    if length.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return ApiError::TooLarge(MAX_BODY_BYTES).into_response();
    }
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_json(kind) {
        let named = if kind.is_empty() { "none" } else { kind };
        return ApiError::UnsupportedMediaType(format!(
            "the body must be JSON, sent as Content-Type: application/json (it was {named})"
        ))
        .into_response();
    }
    next.run(request).await
}

/// `application/json`, `application/…+json`, with any parameters (`; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_media_types_are_recognised() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
            "application/problem+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json+",
            "application/jsonp",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }
}
