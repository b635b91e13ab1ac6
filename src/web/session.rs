//! Browser sessions: the cookie holds a random secret, the `sessions` table its SHA-256 (a
//! stolen database reveals no live cookie), with a per-session CSRF token checked on every
//! POST. Before login, forms (login, language) use a double-submit token in a cookie.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::Response;

use super::error::WebError;
use super::i18n::Locale;
use crate::auth::{self, Caller, Role};
use crate::startup::AppState;

pub const SESSION_COOKIE: &str = "ponte_session";
pub const LANG_COOKIE: &str = "ponte_lang";
pub const PRE_CSRF_COOKIE: &str = "ponte_csrf";

/// Coordinators and admins: the roles of the coordinators' pages.
pub const STAFF: &[Role] = &[Role::Coordinator, Role::Admin];

/// The id in a page's path; one that is not a number names nothing.
pub fn path_id(raw: &str) -> Result<i64, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// Who is looking at a page, in which language, and the token their forms must carry.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Option<Caller>,
    pub user_name: String,
    pub locale: Locale,
    /// The session's CSRF token, or the pre-login double-submit token (empty if none yet).
    pub csrf: String,
    pub session_hash: Option<String>,
    /// Whether cookies get the `Secure` attribute (the base URL is https).
    pub secure: bool,
    /// The page's path and query, to come back to after switching language.
    pub path: String,
}

impl Ctx {
    pub fn t(&self, key: &'static str) -> &'static str {
        self.locale.t(key)
    }

    /// The signed-in caller, or a redirect to the login page.
    pub fn caller(&self) -> Result<&Caller, WebError> {
        self.caller.as_ref().ok_or(WebError::Login)
    }

    /// The caller if their role is one of `roles`; another role gets the 403 page.
    pub fn require(&self, roles: &[Role]) -> Result<&Caller, WebError> {
        let caller = self.caller()?;
        if roles.contains(&caller.role) {
            Ok(caller)
        } else {
            Err(WebError::Forbidden)
        }
    }

    /// A POSTed form's token must equal this session's (or the pre-login cookie's).
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if !self.csrf.is_empty() && auth::same_secret(&self.csrf, sent) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

pub fn add_cookie(response: &mut Response, value: HeaderValue) {
    response.headers_mut().append(header::SET_COOKIE, value);
}

/// The page to come back to after switching language. A GET page is its own path and
/// query; a page rendered in answer to a POST (a form with its errors, a new feed link)
/// has a POST-only path, so it is the page whose form was sent: the same-site Referer, or
/// the start page when the browser sent none.
fn page_path(parts: &Parts) -> String {
    if matches!(parts.method, Method::GET | Method::HEAD) {
        return parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    parts
        .headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            let authority = authority(r)?;
            let path = r.split_once("://")?.1.strip_prefix(authority)?;
            (Some(authority) == host && path.starts_with('/')).then(|| path.to_string())
        })
        .unwrap_or_else(|| "/".to_string())
}

/// The `host[:port]` of an absolute URL or an origin (`https://ponte.example/x` →
/// `ponte.example`); `None` when it has no scheme (`null`).
pub(super) fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split('/').next().unwrap_or(rest))
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The error-page middleware has usually read the session already.
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let secure = state
            .config
            .base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        let cookie_locale = cookie(&parts.headers, LANG_COOKIE).and_then(Locale::parse);
        // Only a token this installation signed, still fresh: one an attacker picked (and
        // planted as a cookie) is as if there were none, so the form it goes with fails.
        let pre_csrf = match cookie(&parts.headers, PRE_CSRF_COOKIE) {
            Some(token)
                if state
                    .pre_login_key()
                    .await?
                    .verify(token, state.clock.now()) =>
            {
                token.to_string()
            }
            _ => String::new(),
        };
        let anonymous = Ctx {
            caller: None,
            user_name: String::new(),
            locale: cookie_locale.unwrap_or(Locale::It),
            csrf: pre_csrf,
            session_hash: None,
            secure,
            path: page_path(parts),
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(anonymous);
        };
        let hash = auth::digest(secret);
        let Some((session, user)) = crate::account::session::live(&state.db, &hash).await? else {
            return Ok(anonymous);
        };
        let Some(caller) = Caller::from_user(&user) else {
            return Ok(anonymous);
        };
        Ok(Ctx {
            locale: Locale::or_default(&user.locale),
            user_name: user.name.clone(),
            caller: Some(caller),
            csrf: session.csrf_token,
            session_hash: Some(hash),
            secure,
            path: anonymous.path,
        })
    }
}

/// Where a user lands after login.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Requester => "/requests",
        Role::Mediator => "/week",
        Role::Coordinator | Role::Admin => "/coord",
    }
}
