//! Coordinators' pages (minimal for now): the week's counts, the registry read-only, users
//! with password reset.
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{Datelike, NaiveTime, TimeDelta, Utc};
use maud::{html, Markup};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::account::CsrfOnly;
use super::error::WebError;
use super::layout::{self, badge, csrf_field};
use super::session::Ctx;
use crate::assignment::LIVE_STATES;
use crate::audit;
use crate::auth::{self, Role};
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::entity::{assignment, mediator, organisation, request, session, site, user};
use crate::registry::mediators::strings;
use crate::startup::AppState;
use crate::storage::Write;

const STAFF: &[Role] = &[Role::Coordinator, Role::Admin];

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let zone = DEFAULT_ZONE;
    let today = Utc::now().with_timezone(&zone).date_naive();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let from = local_time::local_date_time_or_next(monday, NaiveTime::MIN, zone);
    let to = local_time::local_date_time_or_next(monday + TimeDelta::days(7), NaiveTime::MIN, zone);
    let week = request::Entity::find()
        .filter(request::Column::EarliestStart.gte(from))
        .filter(request::Column::EarliestStart.lt(to))
        .order_by_asc(request::Column::EarliestStart)
        .all(&state.db)
        .await?;
    let filled: Vec<i64> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::RequestId)
        .filter(assignment::Column::RequestId.is_in(week.iter().map(|r| r.id)))
        .filter(assignment::Column::State.is_in(LIVE_STATES))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut by_status: HashMap<&str, usize> = HashMap::new();
    for r in &week {
        *by_status.entry(r.status.as_str()).or_default() += 1;
    }
    let unfilled: Vec<&request::Model> = week
        .iter()
        .filter(|r| r.status == "submitted" && !filled.contains(&r.id))
        .collect();
    let t = |k| ctx.t(k);
    let content = html! {
        div.page-head {
            h1 { (t("home.title")) }
            p.muted { (t("home.week_of")) " " (ctx.locale.date(monday)) }
        }
        div.stats {
            div.stat { span.n { (week.len()) } span.l { (t("home.total")) } }
            @for s in crate::request::Status::ALL {
                div.stat { span.n { (by_status.get(s.as_str()).copied().unwrap_or(0)) } span.l { (ctx.locale.word(s.as_str())) } }
            }
            div.stat.alert { span.n { (unfilled.len()) } span.l { (t("home.unfilled")) } }
        }
        section.card {
            h2 { (t("home.unfilled")) }
            @if unfilled.is_empty() { p.muted { "—" } }
            ul.request-list.compact {
                @for r in unfilled.iter().take(15) {
                    li.request-item {
                        a.request-link href=(format!("/requests/{}", r.id)) {
                            span.lang { (ctx.locale.language_name(&r.language)) }
                            span.when { (ctx.locale.date_time(r.earliest_start, zone)) }
                        }
                        div.meta { (badge(&ctx, &r.urgency)) span.modality { (ctx.locale.word(&r.modality)) } }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("home.title"), "/coord", content).into_response())
}

pub async fn organisations(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let orgs = organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(&state.db)
        .await?;
    let mut sites: HashMap<i64, Vec<site::Model>> = HashMap::new();
    for s in site::Entity::find()
        .order_by_asc(site::Column::Name)
        .all(&state.db)
        .await?
    {
        sites.entry(s.organisation_id).or_default().push(s);
    }
    let t = |k| ctx.t(k);
    let content = html! {
        h1 { (t("orgs.title")) }
        div.cards {
            @for o in &orgs {
                article.card.org {
                    h2 { (o.name) }
                    p.muted { (ctx.locale.word(&o.kind)) " · " (o.timezone) }
                    @if let Some(list) = sites.get(&o.id) {
                        ul.plain {
                            @for s in list { li { strong { (s.name) } br; span.muted { (s.address) } } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("orgs.title"), "/coord/organisations", content).into_response())
}

pub async fn mediators(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let all = mediator::Entity::find()
        .order_by_asc(mediator::Column::Name)
        .all(&state.db)
        .await?;
    let t = |k| ctx.t(k);
    let content = html! {
        h1 { (t("meds.title")) }
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (t("users.name")) }
                    th scope="col" { (t("meds.languages")) }
                    th scope="col" { (t("meds.modalities")) }
                    th scope="col" { (t("req.status")) }
                } }
                tbody {
                    @for m in &all {
                        tr {
                            th scope="row" { (m.name) }
                            td.lang { @for (i, l) in strings(&m.languages).iter().enumerate() {
                                @if i > 0 { ", " } (ctx.locale.language_name(l))
                            } }
                            td { @for (i, l) in strings(&m.modalities).iter().enumerate() {
                                @if i > 0 { ", " } (ctx.locale.word(l))
                            } }
                            td { @if m.active { (t("meds.active")) } @else { span.muted { (t("meds.inactive")) } } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("meds.title"), "/coord/mediators", content).into_response())
}

pub async fn users(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    Ok(render_users(&state, &ctx, None).await?.into_response())
}

async fn render_users(
    state: &AppState,
    ctx: &Ctx,
    reset: Option<(String, String)>,
) -> Result<Markup, WebError> {
    let all = user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(&state.db)
        .await?;
    let orgs: HashMap<i64, String> = organisation::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let caller_role = ctx.caller()?.role;
    let t = |k| ctx.t(k);
    let content = html! {
        h1 { (t("users.title")) }
        @if let Some((email, password)) = &reset {
            div.notice role="status" {
                p { (t("users.reset_done")) " " strong { (email) } ": " code.secret { (password) } }
                p.muted { (t("users.reset_hint")) }
            }
        }
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { "Email" }
                    th scope="col" { (t("users.name")) }
                    th scope="col" { (t("users.role")) }
                    th scope="col" { (t("req.organisation")) }
                    th scope="col" { span.sr-only { (t("users.reset")) } }
                } }
                tbody {
                    @for u in &all {
                        tr {
                            th scope="row" { (u.email) }
                            td { (u.name) }
                            td { (ctx.locale.word(&u.role)) }
                            td { (u.organisation_id.and_then(|id| orgs.get(&id)).map(String::as_str).unwrap_or("")) }
                            td {
                                @if may_reset(caller_role, &u.role) {
                                    form.inline method="post" action=(format!("/coord/users/{}/password", u.id)) {
                                        (csrf_field(ctx))
                                        button.secondary.small type="submit" aria-label=(format!("{} — {}", t("users.reset"), u.email)) { (t("users.reset")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(ctx, t("users.title"), "/coord/users", content))
}

/// Only an admin resets an admin's password: otherwise a coordinator could become one.
fn may_reset(caller: Role, target: &str) -> bool {
    caller == Role::Admin || target != Role::Admin.as_str()
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = ctx.require(STAFF)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let target = user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(WebError::NotFound)?;
    if !may_reset(caller.role, &target.role) {
        return Err(WebError::Forbidden);
    }
    // 16 base64url characters of a random secret: 96 bits, shown once to the coordinator.
    let password: String = auth::new_secret("x")[2..18].to_string();
    let hash = auth::hash_password(&password).map_err(|e| WebError::Internal(e.to_string()))?;
    let write = Write::begin(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(id))
        .exec(&write.txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id))
        .exec(&write.txn)
        .await?;
    audit::record(
        &write.txn,
        Some(caller.user_id),
        "password_reset",
        "user",
        id,
        json!({ "email": target.email }),
    )
    .await?;
    write.commit().await?;
    Ok(render_users(&state, &ctx, Some((target.email, password)))
        .await?
        .into_response())
}
