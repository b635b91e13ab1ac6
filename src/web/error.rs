//! The pages' one error type. A handler's error becomes an empty response marked with
//! [`ErrorPage`]; the `render_errors` middleware, which knows the visitor's language and
//! session, turns the mark into a page (so errors need no locale of their own).
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::layout;
use super::session::Ctx;
use crate::error::Error;
use crate::http::ApiError;
use crate::startup::AppState;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("login required")]
    Login,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("internal: {0}")]
    Internal(String),
}

/// A service's refusal that the page did not turn into messages beside its inputs.
impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(_) => WebError::NotFound,
            Error::Forbidden(_) => WebError::Forbidden,
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// Which error page a response stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    Forbidden,
    Csrf,
    Internal,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, page) = match self {
            WebError::Login => return Redirect::to("/login").into_response(),
            WebError::Forbidden => (StatusCode::FORBIDDEN, ErrorPage::Forbidden),
            WebError::NotFound => (StatusCode::NOT_FOUND, ErrorPage::NotFound),
            WebError::Csrf => (StatusCode::FORBIDDEN, ErrorPage::Csrf),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::Internal)
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// Renders marked error responses as pages in the visitor's language.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let ctx = Ctx::from_request_parts_cached(&mut parts, &state).await;
    parts.extensions.insert(ctx.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let status = response.status();
    let mut rendered = layout::error_page(&ctx, page).into_response();
    *rendered.status_mut() = status;
    rendered.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    rendered
}

impl Ctx {
    /// The context, or an anonymous Italian one if even reading the session failed.
    async fn from_request_parts_cached(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Ctx {
        use axum::extract::FromRequestParts;
        match Ctx::from_request_parts(parts, state).await {
            Ok(ctx) => ctx,
            Err(_) => Ctx {
                caller: None,
                user_name: String::new(),
                locale: super::i18n::Locale::It,
                csrf: String::new(),
                session_hash: None,
                secure: false,
                path: "/".to_string(),
            },
        }
    }
}

/// The service's fallback: unknown paths under `/api` get the API's problem+json, every
/// other unknown path the HTML page in the visitor's language (people type and follow links;
/// programs read JSON).
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::NotFound("route").into_response();
    }
    let (mut parts, _) = request.into_parts();
    let ctx = Ctx::from_request_parts_cached(&mut parts, &state).await;
    let mut page = layout::error_page(&ctx, ErrorPage::NotFound).into_response();
    *page.status_mut() = StatusCode::NOT_FOUND;
    page.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    page
}
