//! One draft of a plan, as a small page the board's blocks open: its facts, and forms to
//! lock or unlock it, move it (the plan's referee refuses infeasible moves and names the
//! rule, shown next to the field) and take it out of the plan. Every change goes through
//! `plan::edit::change`.
use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use super::day::state_word;
use super::{board_link, local_date, lock_icon, rule_key, staff, Lookup};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::entity::{assignment, plan, plan_assignment};
use crate::error::Error;
use crate::plan::edit::{self, DraftChange};
use crate::plan::plans;
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::layout::{self, badge, csrf_field, field};
use crate::web::session::path_id;
use crate::web::session::Ctx;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DraftQuery {
    pub date: String,
}

/// The three forms post these fields (each only its own).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DraftForm {
    pub csrf: String,
    pub locked: String,
    pub mediator_id: String,
    pub date: String,
    pub time: String,
    pub confirm: String,
    /// The board's day to come back to.
    pub back: String,
}

/// What the page shows after a refused change: the values typed and the errors by field.
#[derive(Debug, Default)]
struct Refused {
    mediator_id: String,
    date: String,
    time: String,
    errors: BTreeMap<&'static str, Markup>,
}

struct Loaded {
    plan: plan::Model,
    draft: plan_assignment::Model,
    live: Option<assignment::Model>,
    lookup: Lookup,
}

async fn load(state: &AppState, plan_id: i64, draft_id: i64) -> Result<Loaded, WebError> {
    let mut plan = plans::find(&state.db, plan_id).await?;
    plan.instance = None;
    let (draft, live) = plans::draft(&state.db, plan_id, draft_id).await?;
    let lookup = Lookup::load(&state.db, [draft.request_id]).await?;
    Ok(Loaded {
        plan,
        draft,
        live,
        lookup,
    })
}

fn ids(raw: &(String, String)) -> Result<(i64, i64), WebError> {
    Ok((path_id(&raw.0)?, path_id(&raw.1)?))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<(String, String)>,
    Query(q): Query<DraftQuery>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let (plan_id, draft_id) = ids(&raw)?;
    let loaded = load(&state, plan_id, draft_id).await?;
    let back = crate::domain::local_time::parse_date(&q.date)
        .unwrap_or_else(|_| local_date(loaded.draft.start));
    Ok(render(&ctx, &loaded, back, None).into_response())
}

fn render(ctx: &Ctx, l: &Loaded, back: NaiveDate, refused: Option<&Refused>) -> Markup {
    let t = |k| ctx.t(k);
    let d = &l.draft;
    let r = l.lookup.requests.get(&d.request_id);
    let kept = l.live.as_ref().filter(|a| a.state.is_live());
    let state = match kept {
        Some(a) if a.mediator_id == d.mediator_id && a.start == d.start && a.end == d.end => {
            if a.state == crate::assignment::State::Accepted {
                "accepted"
            } else {
                "published"
            }
        }
        _ if d.locked => "locked",
        _ => "draft",
    };
    let editable = l.plan.status == "finished" && l.plan.published_at.is_none();
    let base = format!("/coord/plans/{}/drafts/{}", l.plan.id, d.id);
    let empty = Refused::default();
    let refused = refused.unwrap_or(&empty);
    let err = |k: &str| refused.errors.get(k);
    let local = d.start.with_timezone(&DEFAULT_ZONE);
    let value = |typed: &str, default: String| {
        if typed.is_empty() {
            default
        } else {
            typed.to_string()
        }
    };
    let mediator_value = value(&refused.mediator_id, d.mediator_id.to_string());
    let date_value = value(&refused.date, local.format("%Y-%m-%d").to_string());
    let time_value = value(&refused.time, local.format("%H:%M").to_string());
    let mut mediators: Vec<_> = l.lookup.mediators.values().filter(|m| m.active).collect();
    let language = r.map(|r| r.language.as_str());
    // Speakers of the request's language first: the likely targets of a move.
    mediators.sort_by_key(|m| (!speaks(m, language), m.name.clone()));
    let title = t("board.draft.title");
    let content = html! {
        div.draft-page {
            p.back { a href=(format!("{}#d{}", board_link(back), d.id)) { "← " (t("board.back")) } }
            @if let Some((at, first)) = refused.errors.iter().next() {
                div.error-summary role="alert" tabindex="-1" {
                    p { (t("board.draft.refused")) }
                    p.summary-detail { a href=(format!("#{}", anchor(at))) { (first) } }
                }
            }
            @if let Some(e) = err("form") { p.error { (e) } }
            section.card.draft-card aria-labelledby="draft-title" {
                div.draft-head {
                    h1 #draft-title {
                        (r.map(|r| ctx.locale.language_name(&r.language)).unwrap_or_default())
                    }
                    span class=(format!("pill s-{state}")) { @if d.locked { (lock_icon()) " " } (state_word(ctx, state)) }
                }
                dl.facts.facts-2 {
                    dt { (t("board.draft.when")) }
                    dd { (ctx.locale.date_time(d.start, DEFAULT_ZONE)) "–" (ctx.locale.time(d.end, DEFAULT_ZONE)) }
                    dt { (t("req.mediator")) }
                    dd { strong { (l.lookup.mediator_name(d.mediator_id)) } }
                    @if let Some(r) = r {
                        dt { (t("req.organisation")) }
                        dd { (l.lookup.place(r)) }
                        dt { (t("req.modality")) }
                        dd { (ctx.locale.word(r.modality.as_str())) }
                        dt { (t("req.urgency")) }
                        dd { (badge(ctx, r.urgency.as_str())) }
                    }
                    dt { (t("board.draft.travel")) }
                    dd { (d.travel_minutes) " " (t("board.min")) }
                    dt { (t("board.draft.origin")) }
                    dd { (t(origin_key(&d.origin))) " · " (t("board.plan")) " #" (l.plan.id) }
                    dt { (t("req.detail_title")) }
                    dd { a href=(format!("/requests/{}", d.request_id)) { "#" (d.request_id) } }
                }
                @if let Some(a) = kept {
                    p.warn-note { (t("board.draft.keeps_live")) " (" (state_word(ctx, a.state.as_str())) ")" }
                }
            }
            @if !editable {
                p.empty { (t("board.draft.not_editable")) }
            } @else {
                div.draft-actions {
                    section.card aria-labelledby="lock-title" {
                        h2 #lock-title { (t("board.draft.lock_title")) }
                        p.hint { (t("board.draft.lock_hint")) }
                        form method="post" action=(format!("{base}/lock")) {
                            (csrf_field(ctx))
                            input type="hidden" name="back" value=(back.to_string());
                            @if d.locked {
                                input type="hidden" name="locked" value="false";
                                button.secondary type="submit" { (t("board.draft.unlock")) }
                            } @else {
                                input type="hidden" name="locked" value="true";
                                button.primary type="submit" { (lock_icon()) " " (t("board.draft.lock")) }
                            }
                            @if let Some(e) = err("lock") { p.error { (e) } }
                        }
                    }
                    section.card aria-labelledby="move-title" {
                        h2 #move-title { (t("board.draft.move_title")) }
                        p.hint { (t("board.draft.move_hint")) }
                        form.move-form method="post" action=(format!("{base}/move")) novalidate {
                            (csrf_field(ctx))
                            input type="hidden" name="back" value=(back.to_string());
                            (field("mediator_id", t("req.mediator"), None, None, html! {
                                select id="mediator_id" name="mediator_id"
                                    aria-invalid=[err("mediator_id").is_some().then_some("true")]
                                    aria-describedby=[err("mediator_id").map(|_| "mediator_id-error")] {
                                    @for m in &mediators {
                                        option value=(m.id) selected[m.id.to_string() == mediator_value] {
                                            (m.name) @if !speaks(m, language) { " — " (t("board.draft.no_language")) }
                                        }
                                    }
                                }
                                @if let Some(e) = err("mediator_id") { div.error id="mediator_id-error" { (e) } }
                            }))
                            div.grid2 {
                                (field("move-date", t("req.date"), None, None, html! {
                                    input type="date" id="move-date" name="date" value=(date_value)
                                        aria-invalid=[err("date").is_some().then_some("true")]
                                        aria-describedby=[err("date").map(|_| "move-date-error")];
                                    @if let Some(e) = err("date") { div.error id="move-date-error" { (e) } }
                                }))
                                (field("start", t("board.draft.start"), None, None, html! {
                                    input type="time" id="start" name="time" value=(time_value)
                                        aria-invalid=[err("start").is_some().then_some("true")]
                                        aria-describedby=[err("start").map(|_| "start-error")];
                                    @if let Some(e) = err("start") { div.error id="start-error" { (e) } }
                                }))
                            }
                            @if kept.is_some() { (confirm_box(ctx, "confirm-move", err("confirm-move"))) }
                            div.actions { button.primary type="submit" { (t("board.draft.move")) } }
                        }
                    }
                    section.card.danger-zone aria-labelledby="unassign-title" {
                        h2 #unassign-title { (t("board.draft.unassign_title")) }
                        p.hint { (t("board.draft.unassign_hint")) }
                        form method="post" action=(format!("{base}/unassign")) novalidate {
                            (csrf_field(ctx))
                            input type="hidden" name="back" value=(back.to_string());
                            @if kept.is_some() { (confirm_box(ctx, "confirm-unassign", err("confirm-unassign"))) }
                            @if let Some(e) = err("unassign") { p.error { (e) } }
                            button.danger type="submit" { (t("board.draft.unassign")) }
                        }
                    }
                }
            }
        }
    };
    layout::page(ctx, title, "/coord/board", content)
}

fn speaks(m: &crate::entity::mediator::Model, language: Option<&str>) -> bool {
    language.is_some_and(|l| {
        m.languages
            .as_array()
            .is_some_and(|ls| ls.iter().any(|x| x.as_str() == Some(l)))
    })
}

/// The explicit consent the domain asks before a published assignment changes.
fn confirm_box(ctx: &Ctx, id: &str, error: Option<&Markup>) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        div.field.confirm.invalid[error.is_some()] {
            label.choice for=(id) {
                input type="checkbox" id=(id) name="confirm" value="yes"
                    aria-invalid=[error.is_some().then_some("true")]
                    aria-describedby=[error.is_some().then_some(error_id.as_str())];
                span { strong { (ctx.t("board.draft.confirm")) } small { (ctx.t("board.draft.confirm_hint")) } }
            }
            @if let Some(e) = error { div.error id=(error_id) { (e) } }
        }
    }
}

/// The input an error belongs to, for the summary's link.
fn anchor(at: &str) -> &str {
    match at {
        "date" => "move-date",
        "lock" | "unassign" | "form" => "main",
        other => other,
    }
}

fn origin_key(origin: &str) -> &'static str {
    match origin {
        "pinned" => "board.origin.pinned",
        "manual" => "board.origin.manual",
        "consented" => "board.origin.consented",
        _ => "board.origin.solver",
    }
}

pub async fn lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<(String, String)>,
    Form(form): Form<DraftForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let (plan_id, draft_id) = ids(&raw)?;
    let locked = form.locked == "true";
    let change = DraftChange {
        locked: Some(locked),
        ..Default::default()
    };
    match edit::change(&state.db, caller, plan_id, draft_id, change).await {
        Ok(_) => {
            let done = if locked { "locked" } else { "unlocked" };
            Ok(back_to_board(&form.back, draft_id, done))
        }
        Err(e) => refuse(&state, &ctx, plan_id, draft_id, &form, "lock", e).await,
    }
}

/// The coordinator's consent to the plan's proposal for a published or accepted meeting.
pub async fn consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<(String, String)>,
    Form(form): Form<DraftForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let (plan_id, draft_id) = ids(&raw)?;
    let change = DraftChange {
        confirm_published_change: Some(true),
        ..Default::default()
    };
    match edit::change(&state.db, caller, plan_id, draft_id, change).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/coord/plans/{plan_id}#proposal-{draft_id}")).into_response(),
        ),
        Err(e) => refuse(&state, &ctx, plan_id, draft_id, &form, "lock", e).await,
    }
}

pub async fn move_to(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<(String, String)>,
    Form(form): Form<DraftForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let (plan_id, draft_id) = ids(&raw)?;
    let loaded = load(&state, plan_id, draft_id).await?;
    let mut errors: BTreeMap<&'static str, Markup> = BTreeMap::new();
    let mediator_id = form.mediator_id.trim().parse::<i64>().ok();
    if mediator_id.is_none() {
        errors.insert(
            "mediator_id",
            html! { (ctx.t("board.draft.pick_mediator")) },
        );
    }
    let date = crate::domain::local_time::parse_date(form.date.trim()).ok();
    if date.is_none() {
        errors.insert("date", html! { (ctx.t("board.draft.bad_date")) });
    }
    let time = chrono::NaiveTime::parse_from_str(form.time.trim(), "%H:%M").ok();
    if time.is_none() {
        errors.insert("start", html! { (ctx.t("board.draft.bad_time")) });
    }
    let (Some(mediator_id), Some(date), Some(time)) = (mediator_id, date, time) else {
        return Ok(refused_page(&ctx, &loaded, &form, errors));
    };
    let start = format!("{}T{}", date.format("%Y-%m-%d"), time.format("%H:%M"));
    let change = DraftChange {
        mediator_id: Some(mediator_id),
        start: Some(start),
        confirm_published_change: Some(form.confirm == "yes"),
        ..Default::default()
    };
    match edit::change(&state.db, caller, plan_id, draft_id, change).await {
        Ok(_) => Ok(back_to_board(&date.to_string(), draft_id, "moved")),
        Err(e) => {
            // A rule the move breaks is shown at the field that changed.
            let at = if mediator_id != loaded.draft.mediator_id
                && loaded
                    .draft
                    .start
                    .with_timezone(&DEFAULT_ZONE)
                    .naive_local()
                    == date.and_time(time)
            {
                "mediator_id"
            } else {
                "start"
            };
            refuse(&state, &ctx, plan_id, draft_id, &form, at, e).await
        }
    }
}

pub async fn unassign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(raw): Path<(String, String)>,
    Form(form): Form<DraftForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let (plan_id, draft_id) = ids(&raw)?;
    let change = DraftChange {
        unassign: Some(true),
        confirm_published_change: Some(form.confirm == "yes"),
        ..Default::default()
    };
    match edit::change(&state.db, caller, plan_id, draft_id, change).await {
        Ok(_) => Ok(back_to_board(&form.back, draft_id, "unassigned")),
        Err(e) => refuse(&state, &ctx, plan_id, draft_id, &form, "unassign", e).await,
    }
}

fn back_to_board(date: &str, draft_id: i64, done: &str) -> Response {
    let date =
        crate::domain::local_time::parse_date(date.trim()).unwrap_or_else(|_| super::today());
    Redirect::to(&format!("{}&done={done}#d{draft_id}", board_link(date))).into_response()
}

/// The domain's refusal, shown on the draft's page: field errors at their fields, a broken
/// rule at the field that changed, a missing consent at its checkbox.
async fn refuse(
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
    draft_id: i64,
    form: &DraftForm,
    action: &'static str,
    error: Error,
) -> Result<Response, WebError> {
    let loaded = load(state, plan_id, draft_id).await?;
    let mut errors: BTreeMap<&'static str, Markup> = BTreeMap::new();
    match error {
        Error::Invalid(fields) => {
            for (name, message) in fields {
                let at = match name.as_str() {
                    "mediator_id" => "mediator_id",
                    "start" => "start",
                    _ => action,
                };
                errors.insert(at, html! { span lang="en" { (message) } });
            }
        }
        Error::NeedsConsent { .. } => {
            let at = if action == "unassign" {
                "confirm-unassign"
            } else {
                "confirm-move"
            };
            errors.insert(at, html! { (ctx.t("board.draft.confirm_needed")) });
        }
        Error::RuleBroken { rule, detail } => {
            let rule = rule_key(rule).map_or(ctx.t("board.rule.other"), |k| ctx.t(k));
            errors.insert(
                action,
                html! {
                    (ctx.t("board.draft.rule_broken")) " " (rule)
                    span.rule-detail lang="en" { "the move breaks " (detail) }
                },
            );
        }
        Error::Conflict(message) => {
            errors.insert(
                "form",
                html! { (ctx.t("board.draft.conflict")) " " span lang="en" { (message) } },
            );
        }
        other => return Err(other.into()),
    }
    Ok(refused_page(ctx, &loaded, form, errors))
}

fn refused_page(
    ctx: &Ctx,
    loaded: &Loaded,
    form: &DraftForm,
    errors: BTreeMap<&'static str, Markup>,
) -> Response {
    let back = crate::domain::local_time::parse_date(form.back.trim())
        .unwrap_or_else(|_| local_date(loaded.draft.start));
    let refused = Refused {
        mediator_id: form.mediator_id.clone(),
        date: form.date.clone(),
        time: form.time.clone(),
        errors,
    };
    let mut response = render(ctx, loaded, back, Some(&refused)).into_response();
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}
