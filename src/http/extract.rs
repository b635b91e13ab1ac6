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

/// Parses a JSON body: the services' parser, with its errors as HTTP errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    crate::error::parse_json(bytes).map_err(ApiError::from)
}
