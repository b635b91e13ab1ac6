//! Extractors whose rejections are problem+json like every other error: a body that is not
//! JSON, or JSON of the wrong shape, is a 400 naming the path of the offending field.
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Query, Request};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// `Json<T>` whose failures name the field (`earliest_start: invalid type…`).
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::Malformed(e.body_text()))?;
        parse_json(&bytes).map(Json)
    }
}

/// The value of an optional `Query` extraction, or a problem+json 400: axum's own rejection
/// is plain text. Handlers take `Result<Query<T>, QueryRejection>` and pass it here.
pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(t)| t)
        .map_err(|e| ApiError::Malformed(e.body_text()))
}

/// Parses a JSON body. Bad syntax is a 400; a missing field or a value of the wrong type is
/// a 422 whose `errors` map names the field by its path (`preferred_mediators[2]`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::Malformed(format!("the body is not valid JSON: {inner}"));
        }
        let message = strip_position(&inner.to_string());
        let field = match missing_field(&message) {
            Some(name) if path == "." => name.to_string(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        ApiError::field(&field, message)
    })
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends "at line 1 column 80", which means nothing to a client that sent a
/// one-line body; the field path says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<u32>,
    }

    fn errors(result: Result<Body, ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Invalid(errors)) => errors.into_iter().collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\": "),
            Err(ApiError::Malformed(_))
        ));
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let e = errors(parse_json::<Body>(br#"{"items": []}"#));
        assert_eq!(e[0].0, "name");
        let e = errors(parse_json::<Body>(br#"{"name": "x", "items": [1, "two"]}"#));
        assert_eq!(e[0].0, "items[1]");
        assert!(!e[0].1.contains("line"), "{}", e[0].1);
    }
}
