//! Plans from the browser: run one (`plan::plans::create`), watch it (the page refreshes
//! itself without JavaScript; `board.js` polls `progress.json` and moves the bar), read its
//! KPIs, run it again keeping locks (`plan::edit::rerun`) and publish it after an explicit
//! confirmation (`plan::publish::publish`).
use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::{json, Value};

use super::day::{self, long_date, PlanForm};
use super::{board_link, kpis, staff, today};
use crate::entity::plan;
use crate::error::Error;
use crate::plan::edit::{self, RerunBody};
use crate::plan::plans::{self, NewPlan};
use crate::plan::publish::{self, PublishBody};
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::layout::{self, csrf_field, field};
use crate::web::session::path_id;
use crate::web::session::Ctx;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    pub csrf: String,
    /// The board's day the form was sent from.
    pub date: String,
    pub from: String,
    pub to: String,
    pub time_limit: String,
}

/// A number typed with a comma (Italian) or a point.
fn seconds(raw: &str) -> Option<f64> {
    raw.trim().replace(',', ".").parse::<f64>().ok()
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let date = crate::domain::local_time::parse_date(form.date.trim()).unwrap_or_else(|_| today());
    let typed = PlanForm {
        from: form.from.clone(),
        to: form.to.clone(),
        time_limit: form.time_limit.clone(),
    };
    let limit = seconds(&form.time_limit);
    if limit.is_none() && !form.time_limit.trim().is_empty() {
        let errors = BTreeMap::from([(
            "time_limit".to_string(),
            ctx.t("board.run.limit_error").to_string(),
        )]);
        return day::render(&state, &ctx, date, &typed, &errors, "").await;
    }
    let new = NewPlan {
        from: Some(form.from.trim().to_string()).filter(|s| !s.is_empty()),
        to: Some(form.to.trim().to_string()).filter(|s| !s.is_empty()),
        time_limit_seconds: limit,
        seed: None,
    };
    match plans::create(&state.db, caller, new, state.config.plan_time_limit).await {
        Ok(view) => Ok(Redirect::to(&format!("/coord/plans/{}", view.id)).into_response()),
        Err(Error::Invalid(fields)) => {
            // The domain's messages are English; each field gets its own words here.
            let errors = fields
                .into_keys()
                .map(|name| {
                    let (field, key) = match name.as_str() {
                        "from" => ("from", "board.run.from_error"),
                        "to" => ("to", "board.run.to_error"),
                        _ => ("time_limit", "board.run.limit_error"),
                    };
                    (field.to_string(), ctx.t(key).to_string())
                })
                .collect();
            day::render(&state, &ctx, date, &typed, &errors, "").await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanQuery {
    pub published: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let id = path_id(&raw)?;
    let plan = plan_row(&state, id).await?;
    let published = if q.published.is_empty() {
        None
    } else {
        publication(&state, id).await?
    };
    let proposals = if plan.published_at.is_none() && plan.status == "finished" {
        let drafts = plans::drafts(&state.db, id).await?;
        proposals_card(&state, &ctx, &plan, &drafts).await?
    } else {
        html! {}
    };
    Ok(render(
        &ctx,
        &plan,
        published.as_ref(),
        &BTreeMap::new(),
        state.config.plan_time_limit,
        proposals,
    )
    .into_response())
}

/// The plan's proposals for published or accepted meetings, each with its consent button:
/// nothing changes for them at publication without it.
async fn proposals_card(
    state: &AppState,
    ctx: &Ctx,
    plan: &plan::Model,
    drafts: &[crate::entity::plan_assignment::Model],
) -> Result<Markup, WebError> {
    let proposals = plans::proposals(&state.db, plan, drafts).await?;
    if proposals.is_empty() {
        return Ok(html! {});
    }
    let ids = proposals
        .iter()
        .flat_map(|p| [p.mediator_id, p.proposed_mediator_id])
        .collect();
    let names = crate::registry::browse::mediator_names_of(&state.db, ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let zone = crate::domain::local_time::DEFAULT_ZONE;
    let t = |k| ctx.t(k);
    Ok(html! {
        section.card.proposals aria-labelledby="proposals-title" {
            h2 #proposals-title { (t("board.prop.title")) }
            p.hint { (t("board.prop.hint")) }
            ul.proposal-list {
                @for p in &proposals {
                    li.proposal id=(format!("proposal-{}", p.draft_id)) {
                        p {
                            a href=(format!("/requests/{}#occ-{}", p.request_id, p.occurrence)) { "#" (p.request_id) }
                            ": " (name(p.mediator_id)) ", " (ctx.locale.date_time(p.start.utc, zone))
                            " → " strong { (name(p.proposed_mediator_id)) ", " (ctx.locale.date_time(p.proposed_start.utc, zone)) }
                        }
                        @if let Some(reason) = &p.reason { p.muted lang="en" { (t("board.prop.because")) " " (reason) } }
                        @if p.consented {
                            span class="badge b-accepted" { (t("board.prop.consented")) }
                        } @else {
                            form method="post" action=(format!("/coord/plans/{}/drafts/{}/consent", plan.id, p.draft_id)) {
                                (crate::web::layout::csrf_field(ctx))
                                button type="submit" { (t("board.prop.consent")) }
                            }
                        }
                    }
                }
            }
        }
    })
}

async fn plan_row(state: &AppState, id: i64) -> Result<plan::Model, WebError> {
    let mut plan = plans::find(&state.db, id).await?;
    plan.instance = None;
    Ok(plan)
}

/// What publication did, as its audit event recorded it.
async fn publication(state: &AppState, id: i64) -> Result<Option<Value>, WebError> {
    Ok(plans::publication(&state.db, id).await?)
}

fn running(plan: &plan::Model) -> bool {
    matches!(plan.status.as_str(), "queued" | "running")
}

fn fraction(plan: &plan::Model) -> f64 {
    plan.progress
        .as_ref()
        .and_then(|p| p["fraction"].as_f64())
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// What the worker is doing, in words: the phase it writes into the plan's progress.
fn phase_key(plan: &plan::Model) -> &'static str {
    let phase = plan
        .progress
        .as_ref()
        .and_then(|p| p["phase"].as_str())
        .unwrap_or(plan.status.as_str());
    match phase {
        "snapshot" => "board.phase.snapshot",
        "solving" => "board.phase.solving",
        "storing" => "board.phase.storing",
        "finished" => "board.phase.finished",
        _ => "board.phase.queued",
    }
}

fn status_key(status: &str) -> &'static str {
    match status {
        "queued" => "board.status.queued",
        "running" => "board.status.running",
        "finished" => "board.status.finished",
        _ => "board.status.failed",
    }
}

fn render(
    ctx: &Ctx,
    plan: &plan::Model,
    published: Option<&Value>,
    errors: &BTreeMap<String, String>,
    default_limit: f64,
    proposals: Markup,
) -> Markup {
    let t = |k| ctx.t(k);
    let title = format!("{} #{}", t("board.plan"), plan.id);
    let days: Vec<NaiveDate> = plan
        .from_date
        .iter_days()
        .take_while(|d| *d <= plan.to_date)
        .collect();
    let status_class = if plan.published_at.is_some() {
        "published".to_string()
    } else {
        plan.status.clone()
    };
    let content = html! {
        div.plan-page {
            p.back { a href=(board_link(plan.from_date.max(today()).min(plan.to_date))) { "← " (t("board.title")) } }
            div.page-head {
                div {
                    h1 { (title) }
                    p.muted { (long_date(ctx, plan.from_date)) " – " (long_date(ctx, plan.to_date)) }
                }
                span class=(format!("pill p-{status_class}")) id="plan-status" {
                    @if plan.published_at.is_some() { (t("board.status.published")) } @else { (t(status_key(&plan.status))) }
                }
            }
            @if let Some(done) = published { (published_notice(ctx, done)) }
            @if let Some(e) = errors.get("form") { (layout::error_summary(e)) }
            @if running(plan) {
                (progress(ctx, plan))
            } @else if plan.status == "failed" {
                section.card.failed {
                    h2 { (t("board.status.failed")) }
                    p lang="en" { (plan.error.clone().unwrap_or_default()) }
                }
            } @else {
                (proposals)
                (kpis::render(ctx, plan))
            }
            nav.card.plan-days aria-label=(t("board.plan.days")) {
                h2 { (t("board.plan.days")) }
                ul.day-chips {
                    @for d in &days {
                        li { a href=(board_link(*d)) { (ctx.locale.date(*d)) } }
                    }
                }
            }
            @if plan.published_at.is_none() && !running(plan) {
                div.plan-actions {
                    @if plan.status == "finished" {
                        section.card.publish-card aria-labelledby="publish-title" {
                            h2 #publish-title { (t("board.publish")) }
                            p.hint { (t("board.publish.hint")) }
                            a.button.primary href=(format!("/coord/plans/{}/publish", plan.id)) { (t("board.publish")) "…" }
                        }
                    }
                    (rerun_form(ctx, plan, errors, default_limit))
                }
            }
        }
    };
    layout::page(ctx, &title, "/coord/board", content)
}

fn published_notice(ctx: &Ctx, done: &Value) -> Markup {
    let n = |k: &str| done[k].as_i64().unwrap_or(0);
    let t = |k| ctx.t(k);
    html! {
        div.notice role="status" {
            p { (t("board.publish.done")) }
            p.publish-counts {
                (n("created")) " " (t("board.publish.created")) " · "
                (n("changed") + n("moved")) " " (t("board.publish.changed")) " · "
                (n("cancelled")) " " (t("board.publish.cancelled")) " · "
                (n("kept")) " " (t("board.publish.kept"))
            }
            @if let Some(held) = done["held_back"].as_array().filter(|h| !h.is_empty()) {
                p.publish-held { (held.len()) " " (t("board.publish.held_back")) }
            }
        }
    }
}

/// The bar and the message while the plan runs: without JavaScript the page reloads itself
/// (a `meta refresh` inside `noscript`); `board.js` polls instead and reloads when done.
fn progress(ctx: &Ctx, plan: &plan::Model) -> Markup {
    let t = |k| ctx.t(k);
    let f = fraction(plan);
    let message = plan
        .progress
        .as_ref()
        .and_then(|p| p["message"].as_str())
        .unwrap_or_default()
        .to_string();
    html! {
        section.card.progress-card aria-labelledby="progress-title"
            data-poll=(format!("/coord/plans/{}/progress.json", plan.id)) {
            noscript { (PreEscaped(r#"<meta http-equiv="refresh" content="2">"#)) }
            h2 #progress-title { (t("board.progress.title")) }
            label for="plan-progress" { (t(phase_key(plan))) }
            progress #plan-progress max="1" value=(format!("{f:.3}")) { (format!("{:.0}%", f * 100.0)) }
            p.progress-text aria-live="polite" {
                span #plan-percent { (format!("{:.0}%", f * 100.0)) } " · "
                span #plan-message.muted lang="en" { (message) }
            }
            p.hint { (t("board.progress.hint")) }
        }
    }
}

fn rerun_form(
    ctx: &Ctx,
    plan: &plan::Model,
    errors: &BTreeMap<String, String>,
    default_limit: f64,
) -> Markup {
    let t = |k| ctx.t(k);
    let error = errors.get("time_limit").map(String::as_str);
    let limit = if plan.time_limit_ms > 0 {
        plan.time_limit_ms as f64 / 1000.0
    } else {
        default_limit
    };
    html! {
        section.card.rerun-card aria-labelledby="rerun-title" {
            h2 #rerun-title { (t("board.rerun")) }
            p.hint { (t("board.rerun.hint")) }
            form.rerun method="post" action=(format!("/coord/plans/{}/rerun", plan.id)) novalidate {
                (csrf_field(ctx))
                (field("rerun-limit", t("board.run.limit"), None, error, html! {
                    input type="number" id="rerun-limit" name="time_limit" value=(format!("{limit}"))
                        min="0.1" max="600" step="0.1" inputmode="decimal"
                        aria-invalid=[error.is_some().then_some("true")]
                        aria-describedby=[error.map(|_| "rerun-limit-error")];
                }))
                button.secondary type="submit" { (t("board.rerun")) }
            }
        }
    }
}

pub async fn progress_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let plan = plan_row(&state, path_id(&raw)?).await?;
    let message = plan
        .progress
        .as_ref()
        .and_then(|p| p["message"].as_str())
        .unwrap_or_default()
        .to_string();
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "status": plan.status,
            "fraction": fraction(&plan),
            "message": message,
            "label": ctx.t(phase_key(&plan)),
            "status_label": ctx.t(status_key(&plan.status)),
        })),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RerunForm {
    pub csrf: String,
    pub time_limit: String,
}

pub async fn rerun(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<RerunForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let id = path_id(&raw)?;
    let limit = seconds(&form.time_limit);
    let mut errors = BTreeMap::new();
    if limit.is_none() && !form.time_limit.trim().is_empty() {
        errors.insert(
            "time_limit".to_string(),
            ctx.t("board.run.limit_error").to_string(),
        );
    } else {
        let body = RerunBody {
            time_limit_seconds: limit,
            seed: None,
        };
        match edit::rerun(&state.db, caller, id, body).await {
            Ok(_) => return Ok(Redirect::to(&format!("/coord/plans/{id}")).into_response()),
            Err(Error::Invalid(_)) => {
                errors.insert(
                    "time_limit".to_string(),
                    ctx.t("board.run.limit_error").to_string(),
                );
            }
            Err(Error::Conflict(message)) => {
                errors.insert(
                    "form".to_string(),
                    format!("{} ({message})", ctx.t("board.plan.busy")),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let plan = plan_row(&state, id).await?;
    let mut response = render(
        &ctx,
        &plan,
        None,
        &errors,
        state.config.plan_time_limit,
        html! {},
    )
    .into_response();
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Counts of what publishing will do, from the drafts and the coordinator's removals.
async fn preview(state: &AppState, plan: &plan::Model) -> Result<(usize, usize, usize), WebError> {
    let drafts = plans::drafts(&state.db, plan.id).await?;
    let new = drafts.iter().filter(|d| d.assignment_id.is_none()).count();
    let kept = drafts.len() - new;
    let removed = plan
        .unassigned
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u["reason"] == "unassigned_by_coordinator" && u["assignment_id"].is_i64())
        .count();
    Ok((new, kept, removed))
}

pub async fn confirm_publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let plan = plan_row(&state, path_id(&raw)?).await?;
    let counts = preview(&state, &plan).await?;
    Ok(confirm_page(&ctx, &plan, counts, None).into_response())
}

fn confirm_page(
    ctx: &Ctx,
    plan: &plan::Model,
    (new, kept, removed): (usize, usize, usize),
    error: Option<&str>,
) -> Markup {
    let t = |k| ctx.t(k);
    let title = format!("{} · {} #{}", t("board.publish"), t("board.plan"), plan.id);
    let ready = plan.status == "finished" && plan.published_at.is_none();
    let content = html! {
        section.card.narrow.publish-confirm aria-labelledby="confirm-title" {
            h1 #confirm-title { (t("board.publish.confirm_title")) }
            @if let Some(e) = error { (layout::error_summary(e)) }
            p { (long_date(ctx, plan.from_date)) " – " (long_date(ctx, plan.to_date)) }
            ul.publish-preview {
                li { strong { (new) } " " (t("board.publish.will_create")) }
                li { strong { (kept) } " " (t("board.publish.will_keep")) }
                li { strong { (removed) } " " (t("board.publish.will_cancel")) }
            }
            @if ready {
                p.hint { (t("board.publish.notify")) }
                form method="post" action=(format!("/coord/plans/{}/publish", plan.id)) {
                    (csrf_field(ctx))
                    div.actions {
                        button.primary type="submit" { (t("board.publish.now")) }
                        a.button href=(format!("/coord/plans/{}", plan.id)) { (t("board.publish.cancel")) }
                    }
                }
            } @else {
                p.empty { (t("board.publish.not_ready")) }
                a.button href=(format!("/coord/plans/{}", plan.id)) { (t("board.open_plan")) }
            }
        }
    };
    layout::page(ctx, &title, "/coord/board", content)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublishForm {
    pub csrf: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let id = path_id(&raw)?;
    match publish::publish(&state, caller, id, PublishBody::default()).await {
        Ok(_) => Ok(Redirect::to(&format!("/coord/plans/{id}?published=1")).into_response()),
        Err(Error::Conflict(message)) => {
            let plan = plan_row(&state, id).await?;
            let counts = preview(&state, &plan).await?;
            let text = format!("{} ({message})", ctx.t("board.publish.refused"));
            let mut response = confirm_page(&ctx, &plan, counts, Some(&text)).into_response();
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_take_a_comma_or_a_point() {
        assert_eq!(seconds("1,5"), Some(1.5));
        assert_eq!(seconds(" 2 "), Some(2.0));
        assert_eq!(seconds("due"), None);
    }
}
