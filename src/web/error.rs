//! The pages' one error type. A handler's error becomes an empty response marked with
//! [`ErrorPage`]; the `render_errors` middleware, which knows the visitor's language and
//! session, turns the mark into a page (so errors need no locale of their own).
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
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
    /// A form field (by name) or, for `None`, the page's address holds NUL.
    #[error("NUL in {0:?}")]
    Nul(Option<String>),
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    Forbidden,
    Csrf,
    /// 400: NUL in the named field, or (`None`) in the address.
    Nul(Option<String>),
    Internal,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, page) = match self {
            WebError::Login => return Redirect::to("/login").into_response(),
            WebError::Forbidden => (StatusCode::FORBIDDEN, ErrorPage::Forbidden),
            WebError::NotFound => (StatusCode::NOT_FOUND, ErrorPage::NotFound),
            WebError::Csrf => (StatusCode::FORBIDDEN, ErrorPage::Csrf),
            WebError::Nul(field) => (StatusCode::BAD_REQUEST, ErrorPage::Nul(field)),
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
    let response = if !may_post(&parts, &state) {
        WebError::Csrf.into_response()
    } else if let Some(refused) = nul_in_url(&parts.uri) {
        refused.into_response()
    } else if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        next.run(Request::from_parts(parts, body)).await
    } else {
        match checked_form(&ctx, body).await {
            Ok(body) => next.run(Request::from_parts(parts, body)).await,
            Err(refused) => refused,
        }
    };
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
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

/// A page's address with NUL in its path or in a query parameter (a GET form's field):
/// refused as the API refuses it, before a filter takes it to the database.
fn nul_in_url(uri: &axum::http::Uri) -> Option<WebError> {
    if uri.path().contains("%00") {
        return Some(WebError::Nul(None));
    }
    let field = super::form::nul_field(uri.query()?.as_bytes())?;
    Some(WebError::Nul(Some(field)))
}

/// A page POST's body, read once here so that no handler sees a field holding NUL: such a
/// form is a 400 page naming the field, but only with the right CSRF token (without it, as
/// for any other body, the answer is the CSRF refusal). A body over the limit is a 413.
async fn checked_form(ctx: &Ctx, body: axum::body::Body) -> Result<axum::body::Body, Response> {
    use axum::extract::FromRequest;
    let bytes = axum::body::Bytes::from_request(Request::new(body), &())
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(field) = super::form::nul_field(&bytes) else {
        return Ok(axum::body::Body::from(bytes));
    };
    let refusal = match ctx.check_csrf(&super::form::value(&bytes, "csrf")) {
        Ok(()) => WebError::Nul(Some(field)),
        Err(csrf) => csrf,
    };
    Err(refusal.into_response())
}

/// Whether a request may reach a page's handler. Every page POST is a form: a body of any
/// other type cannot carry the CSRF token, so it is refused as a missing token (403) before
/// the form is read, never as a 415. And a form sent from another origin is refused
/// whatever token it carries: browsers name the origin of every POST (`Origin`), which a
/// page elsewhere cannot choose, so this holds even against an attacker who planted a
/// cookie (login CSRF). Without `Origin` (old browsers, scripts) the token decides alone.
fn may_post(parts: &axum::http::request::Parts, state: &AppState) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            let t = t.trim();
            t.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                || t.eq_ignore_ascii_case("multipart/form-data")
        });
    // HTTP/2 names the host in the URI's authority rather than a `Host` header.
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    form && same_origin(&parts.headers, host, state.config.base_url.as_deref())
}

/// An `Origin` header, when present, names this site: the host the request was sent to, or
/// the configured public URL (behind a proxy that rewrites `Host`).
pub fn same_origin(
    headers: &axum::http::HeaderMap,
    host: Option<&str>,
    base_url: Option<&str>,
) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(super::session::authority) else {
        // `null` (a sandboxed frame, a redirect from elsewhere) or garbage.
        return false;
    };
    let public = base_url.and_then(super::session::authority);
    [host, public]
        .into_iter()
        .flatten()
        .any(|own| own.eq_ignore_ascii_case(origin))
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

#[cfg(test)]
mod tests {
    use super::same_origin;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn origin(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_form_from_another_origin_is_refused() {
        let host = Some("127.0.0.1:8080");
        assert!(
            same_origin(&HeaderMap::new(), host, None),
            "no Origin: the token decides"
        );
        assert!(same_origin(&origin("http://127.0.0.1:8080"), host, None));
        assert!(!same_origin(&origin("http://evil.example"), host, None));
        // A sibling subdomain (which could plant cookies) is another origin.
        assert!(!same_origin(
            &origin("https://evil.ponte.example"),
            Some("ponte.example"),
            Some("https://ponte.example")
        ));
        assert!(!same_origin(&origin("null"), host, None));
        // Behind a proxy that rewrites Host, the public URL names the site.
        assert!(same_origin(
            &origin("https://ponte.comune.prato.it"),
            Some("127.0.0.1:8080"),
            Some("https://ponte.comune.prato.it/")
        ));
    }
}
