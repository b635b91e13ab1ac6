//! The coordinators' home: the week's counts. The registry's pages are in `registry`, the
//! audit log in `audit`.
use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveTime, TimeDelta, Utc};
use maud::html;

use super::error::WebError;
use super::layout::{self, badge};
use super::session::Ctx;
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::request::Status;
use crate::entity::request;
use crate::report::overview;
use crate::startup::AppState;
use crate::web::session::STAFF;

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let zone = DEFAULT_ZONE;
    let today = Utc::now().with_timezone(&zone).date_naive();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let from = local_time::local_date_time_or_next(monday, NaiveTime::MIN, zone);
    let to = local_time::local_date_time_or_next(monday + TimeDelta::days(7), NaiveTime::MIN, zone);
    let overview::Week {
        requests: week,
        filled,
    } = overview::week(&state.db, from, to).await?;
    let mut by_status: HashMap<&str, usize> = HashMap::new();
    for r in &week {
        *by_status.entry(r.status.as_str()).or_default() += 1;
    }
    let unfilled: Vec<&request::Model> = week
        .iter()
        .filter(|r| r.status == Status::Submitted && !filled.contains(&r.id))
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
                        div.meta { (badge(&ctx, r.urgency.as_str())) span.modality { (ctx.locale.word(r.modality.as_str())) } }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, t("home.title"), "/coord", content).into_response())
}
