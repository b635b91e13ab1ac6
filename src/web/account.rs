//! Logging in and out, and the language switch.
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, csrf_field, described_by};
use super::session::{self, Ctx};
use crate::account::{
    self, pre_login,
    session::{self as sessions, SignIn, SESSION_HOURS},
};
use crate::http::client::ClientAddress;
use crate::startup::AppState;

const YEAR_SECS: i64 = 365 * 24 * 3600;

pub async fn root(ctx: Ctx) -> Redirect {
    match &ctx.caller {
        Some(caller) => Redirect::to(session::home_of(caller.role)),
        None => Redirect::to("/login"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    pub next: String,
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if let Some(caller) = &ctx.caller {
        return Ok(Redirect::to(session::home_of(caller.role)).into_response());
    }
    login_form(&state, ctx, "", &q.next, None).await
}

/// The login form; a fresh signed pre-login CSRF cookie when the visitor has no valid one.
async fn login_form(
    state: &AppState,
    mut ctx: Ctx,
    email: &str,
    next: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let fresh = if ctx.csrf.is_empty() {
        Some(state.pre_login_key().await?.issue(state.clock.now()))
    } else {
        None
    };
    if let Some(token) = &fresh {
        ctx.csrf = token.clone();
    }
    let body = layout::page(
        &ctx,
        ctx.t("login.title"),
        "/login",
        html! {
            section.card.narrow.login {
                div.login-head {
                    (layout::logo())
                    h1 { (ctx.t("login.title")) }
                }
                p.lead { (ctx.t("login.intro")) }
                @if let Some(error) = &error {
                    (layout::error_summary(error))
                }
                form method="post" action="/login" novalidate {
                    (csrf_field(&ctx))
                    input type="hidden" name="next" value=(next);
                    div.field {
                        label for="email" { (ctx.t("login.email")) }
                        input #email type="email" name="email" value=(email) autocomplete="username"
                            required autofocus aria-describedby=[described_by("login", false, error.is_some())];
                    }
                    div.field {
                        label for="password" { (ctx.t("login.password")) }
                        input #password type="password" name="password" autocomplete="current-password" required;
                    }
                    @if let Some(error) = &error {
                        p.error id="login-error" { (error) }
                    }
                    button.primary type="submit" { (ctx.t("login.submit")) }
                }
            }
        },
    );
    let mut response = body.into_response();
    if let Some(token) = fresh {
        session::add_cookie(
            &mut response,
            session::set_cookie(
                session::PRE_CSRF_COOKIE,
                &token,
                pre_login::LIFETIME.num_seconds(),
                ctx.secure,
            ),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let now = state.clock.now();
    let user = match sessions::sign_in(
        &state.db,
        &state.throttle,
        &form.email,
        &form.password,
        address,
        now,
    )
    .await?
    {
        SignIn::Signed(user) => user,
        SignIn::Refused => {
            let error = ctx.t("login.failed").to_string();
            return login_form(&state, ctx, &form.email, &form.next, Some(error)).await;
        }
        SignIn::Locked(locked) => {
            let wait = locked.retry_after_secs(now);
            let error = ctx
                .t("login.locked")
                .replace("{minutes}", &wait.div_ceil(60).to_string());
            let mut response =
                login_form(&state, ctx, &form.email, &form.next, Some(error)).await?;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            return Ok(response);
        }
    };
    let secret = sessions::open(&state.db, user.id).await?;
    let role = crate::auth::Role::parse(&user.role).ok_or(WebError::Forbidden)?;
    let target = if safe_path(&form.next) {
        form.next.clone()
    } else {
        session::home_of(role).to_string()
    };
    let mut response = Redirect::to(&target).into_response();
    session::add_cookie(
        &mut response,
        session::set_cookie(
            session::SESSION_COOKIE,
            &secret,
            SESSION_HOURS * 3600,
            ctx.secure,
        ),
    );
    session::add_cookie(
        &mut response,
        session::set_cookie(session::LANG_COOKIE, &user.locale, YEAR_SECS, ctx.secure),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    if let Some(hash) = &ctx.session_hash {
        sessions::close(&state.db, hash).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    session::add_cookie(
        &mut response,
        session::set_cookie(session::SESSION_COOKIE, "", 0, ctx.secure),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub back: String,
}

/// Remembered in the user's account once logged in, in a cookie before.
pub async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LangForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let locale = Locale::parse(&form.to).unwrap_or(Locale::It);
    if let Some(caller) = &ctx.caller {
        account::set_locale(&state.db, caller.user_id, locale.code()).await?;
    }
    // `back` is a page that answers GET (see `session::page_path`), on this site.
    let back = if safe_path(&form.back) {
        form.back.as_str()
    } else {
        "/"
    };
    let mut response = Redirect::to(back).into_response();
    session::add_cookie(
        &mut response,
        session::set_cookie(session::LANG_COOKIE, locale.code(), YEAR_SECS, ctx.secure),
    );
    Ok(response)
}

/// A path on this site: never `//host`, `/\\host` or a scheme, and no control characters or
/// backslashes, which browsers strip or read as `/` (`/%09/evil.example` lands on
/// evil.example). Checked on the decoded value too, since a browser may decode it again.
/// Anything else is ignored by the caller (the default page), never an error.
pub fn safe_path(path: &str) -> bool {
    fn plain(p: &str) -> bool {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.chars().any(|c| c == '\\' || c.is_control())
    }
    plain(path) && percent_decoded(path).is_some_and(|d| plain(&d))
}

/// `%XX` sequences decoded; `None` when the result is not UTF-8 (such a `next` is refused).
fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn only_plain_same_site_paths_are_safe() {
        for good in ["/", "/coord", "/requests?page=2", "/a%20b"] {
            assert!(safe_path(good), "{good}");
        }
        for bad in [
            "",
            "coord",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/%09/evil.example/phish",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "https://evil.example",
            "/ok\\..",
        ] {
            assert!(!safe_path(bad), "{bad:?}");
        }
    }
}
