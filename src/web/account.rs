//! Logging in and out, and the language switch.
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::html;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, csrf_field, described_by};
use super::session::{self, Ctx};
use crate::audit;
use crate::entity::user;
use crate::startup::AppState;
use crate::storage::Write;

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

pub async fn login_page(ctx: Ctx, Query(q): Query<LoginQuery>) -> Response {
    if let Some(caller) = &ctx.caller {
        return Redirect::to(session::home_of(caller.role)).into_response();
    }
    login_form(ctx, "", &q.next, None)
}

/// The login form; a fresh pre-login CSRF cookie when the visitor has none.
fn login_form(mut ctx: Ctx, email: &str, next: &str, error: Option<&'static str>) -> Response {
    let fresh = ctx.csrf.is_empty().then(|| crate::auth::new_secret("pre"));
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
                @if let Some(error) = error {
                    (layout::error_summary(ctx.t(error)))
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
                    @if error.is_some() {
                        p.error id="login-error" { (ctx.t("login.failed")) }
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
            session::set_cookie(session::PRE_CSRF_COOKIE, &token, YEAR_SECS, ctx.secure),
        );
    }
    response
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
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let Some(user) = session::authenticate(&state.db, &form.email, &form.password).await? else {
        return Ok(login_form(
            ctx,
            &form.email,
            &form.next,
            Some("login.failed"),
        ));
    };
    let secret = session::open(&state.db, user.id).await?;
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
            session::SESSION_HOURS * 3600,
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
        session::close(&state.db, hash).await?;
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
        let write = Write::begin(&state.db).await?;
        user::Entity::update_many()
            .col_expr(user::Column::Locale, Expr::value(locale.code()))
            .filter(user::Column::Id.eq(caller.user_id))
            .exec(&write.txn)
            .await?;
        audit::record(
            &write.txn,
            Some(caller.user_id),
            audit::Action::LocaleChanged,
            "user",
            caller.user_id,
            json!({ "locale": locale.code(), "at": Utc::now() }),
        )
        .await?;
        write.commit().await?;
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

/// A path on this site: never `//host` or a scheme, so a link cannot send users elsewhere.
pub fn safe_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}
