//! The one HTTP error type: every handler returns `Result<_, ApiError>`, and this is the only
//! place where failures become status codes and RFC 9457 `application/problem+json` bodies.
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;
pub use crate::error::{FieldErrors, HeldAssignment, Validator};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not the right shape (a missing field, a wrong type).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// Well-formed but breaks a rule; each field with what is wrong with it.
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error("authentication required")]
    Unauthorized,
    /// Authenticated but not allowed. Resources of another organisation are `NotFound`
    /// instead, so that their existence does not leak.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict with live assignments, each listed in the problem's `assignments`.
    #[error("conflict: {detail}")]
    ConflictHolding {
        detail: String,
        assignments: Vec<HeldAssignment>,
    },
    /// A body that is not declared as JSON: a form or `text/plain` post is what a page of
    /// another site can send without asking, so it is refused whatever it contains.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// Too many failed attempts from this client: try again after the given seconds.
    #[error("too many failed attempts: try again in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// One invalid field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(name.to_string(), message.into());
        ApiError::Invalid(errors)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ConflictHolding { .. } => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Database(e) if unreachable(e) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The database could not be reached (no connection within the pool's timeout, or the
/// connection broke): the request may succeed later, so 503 with Retry-After, not 500.
fn unreachable(e: &sea_orm::DbErr) -> bool {
    matches!(
        e,
        sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_)
    )
}

/// Seconds a client is asked to wait when the database is unreachable.
const RETRY_AFTER_SECONDS: &str = "5";

/// The services' errors in HTTP terms: this is the one place where a domain failure gets
/// its status code.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Malformed(m) => ApiError::Malformed(m),
            Error::Invalid(fields) => ApiError::Invalid(fields),
            Error::Forbidden(m) => ApiError::Forbidden(m),
            Error::NotFound(what) => ApiError::NotFound(what),
            Error::Conflict(m) => ApiError::Conflict(m),
            e @ (Error::RuleBroken { .. } | Error::NeedsConsent { .. }) => {
                ApiError::Conflict(e.to_string())
            }
            e @ Error::WouldRelease(_) => {
                let detail = e.to_string();
                let Error::WouldRelease(assignments) = e else {
                    unreachable!("matched above")
                };
                ApiError::ConflictHolding {
                    detail,
                    assignments,
                }
            }
            Error::Database(e) => ApiError::Database(e),
            Error::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// RFC 9457 problem details, with Ponte's `errors` extension for field errors.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
    /// For a conflict with live assignments: each of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<HeldAssignment>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            // The cause stays in the log: it may name tables or hosts.
            ApiError::Database(e) => {
                tracing::error!(error = %e, "database error");
                "the server could not complete the request".to_string()
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "the server could not complete the request".to_string()
            }
            ApiError::Invalid(errors) => {
                let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
                format!("invalid: {}", fields.join(", "))
            }
            other => other.to_string(),
        };
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let (errors, assignments) = match self {
            ApiError::Invalid(errors) => (Some(errors), None),
            ApiError::ConflictHolding { assignments, .. } => (None, Some(assignments)),
            _ => (None, None),
        };
        let problem = Problem {
            kind: "about:blank".to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
            assignments,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"ponte\""),
            );
        }
        response
    }
}
