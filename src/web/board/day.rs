//! The day view: what the latest plan proposes for a day (its drafts) beside what people
//! were told (published and accepted assignments), one row per mediator on a time axis,
//! and the occurrences left without a mediator with the reason.
use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::{board_link, lock_icon, reason_key, staff, today, Lookup};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::error::Error;
use crate::plan::day::{Block, Day as Board, Source};
use crate::registry::input::Change;
use crate::request::change::{self, OccurrencePatch, Scope};
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::layout::{self, badge, csrf_field, field, input};
use crate::web::session::{path_id, Ctx};

/// The axis always shows at least a working day, wider when something lies outside it.
const AXIS_FROM: u32 = 8 * 60;
const AXIS_TO: u32 = 19 * 60;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    pub date: String,
    /// What the coordinator just did, for the notice.
    pub done: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DayQuery>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let date = crate::domain::local_time::parse_date(q.date.trim()).unwrap_or_else(|_| today());
    let form = PlanForm::around(date, state.config.plan_time_limit);
    render(&state, &ctx, date, &form, &BTreeMap::new(), &q.done).await
}

/// The values of the "run a plan" form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub from: String,
    pub to: String,
    pub time_limit: String,
}

impl PlanForm {
    /// The week (Monday to Sunday) of the day shown, at the service's time limit.
    pub fn around(date: NaiveDate, limit: f64) -> PlanForm {
        let monday = date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()));
        PlanForm {
            from: monday.to_string(),
            to: (monday + TimeDelta::days(6)).to_string(),
            time_limit: format!("{limit}"),
        }
    }
}

/// The day view, with the plan form's values and errors (after a refused submission).
pub async fn render(
    state: &AppState,
    ctx: &Ctx,
    date: NaiveDate,
    form: &PlanForm,
    errors: &BTreeMap<String, String>,
    done: &str,
) -> Result<Response, WebError> {
    let board = Board::load(&state.db, date).await?;
    let lookup = Lookup::load(
        &state.db,
        board
            .blocks
            .iter()
            .map(|b| b.request_id)
            .chain(board.unfilled.iter().map(|u| u.request_id)),
    )
    .await?;
    let title = ctx.t("board.title");
    let content = html! {
        div.board-page {
            (head(ctx, date))
            @if let Some(key) = done_key(done) { (layout::notice(ctx.t(key))) }
            @if !errors.is_empty() {
                (layout::error_summary(errors.get("form").map_or(ctx.t("form.errors"), String::as_str)))
            }
            (source(ctx, &board))
            (summary(ctx, &board))
            (legend(ctx))
            (timeline(ctx, date, &board, &lookup))
            (unfilled_list(ctx, date, state.clock.now(), &board, &lookup))
            (plan_form(ctx, date, form, errors))
        }
    };
    let mut response = layout::page(ctx, title, "/coord/board", content).into_response();
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn done_key(done: &str) -> Option<&'static str> {
    Some(match done {
        "locked" => "board.done.locked",
        "unlocked" => "board.done.unlocked",
        "moved" => "board.done.moved",
        "unassigned" => "board.done.unassigned",
        "applied" => "board.unfilled.applied",
        _ => return None,
    })
}

fn head(ctx: &Ctx, date: NaiveDate) -> Markup {
    let t = |k| ctx.t(k);
    let day = TimeDelta::days(1);
    html! {
        div.page-head.board-head {
            div {
                h1 { (t("board.title")) }
                p.board-date { (long_date(ctx, date)) @if date == today() { " · " span.today-mark { (t("board.today")) } } }
            }
            nav.day-nav aria-label=(t("board.day_nav")) {
                a.button.small href=(board_link(date - day)) rel="prev" aria-label=(t("board.prev_day")) { "←" span.wide { " " (t("board.prev_day")) } }
                form.date-jump method="get" action="/coord/board" {
                    label.sr-only for="board-date" { (t("board.pick_day")) }
                    input type="date" id="board-date" name="date" value=(date.to_string());
                    button.small type="submit" { (t("board.go")) }
                }
                @if date != today() { a.button.small href="/coord/board" { (t("board.today_button")) } }
                a.button.small href=(board_link(date + day)) rel="next" aria-label=(t("board.next_day")) { span.wide { (t("board.next_day")) " " } "→" }
            }
        }
    }
}

/// "lunedì 22 mar 2027".
pub fn long_date(ctx: &Ctx, date: NaiveDate) -> String {
    let short = ctx.locale.date(date);
    format!(
        "{} {}",
        ctx.locale.weekday_long(date.weekday()),
        short.split_once(' ').map_or("", |(_, rest)| rest)
    )
}

/// Says what the blocks are: which plan's drafts, or only what is live.
fn source(ctx: &Ctx, board: &Board) -> Markup {
    let t = |k| ctx.t(k);
    html! {
        section.card.source aria-label=(t("board.source")) {
            @match &board.plan {
                None => { p { (t("board.source.none")) } }
                Some(p) => {
                    @let link = format!("/coord/plans/{}", p.id);
                    @let range = format!("{} – {}", ctx.locale.date(p.from_date), ctx.locale.date(p.to_date));
                    div.source-text {
                        @if board.drafts_shown {
                            p { strong { (t("board.plan")) " #" (p.id) } " (" (range) "): " (t("board.source.drafts")) }
                        } @else if p.published_at.is_some() {
                            p { strong { (t("board.plan")) " #" (p.id) } " (" (range) "): " (t("board.source.published")) }
                        } @else if p.status == "failed" {
                            p { strong { (t("board.plan")) " #" (p.id) } " (" (range) "): " (t("board.source.failed")) }
                        } @else {
                            p { strong { (t("board.plan")) " #" (p.id) } " (" (range) "): " (t("board.source.running")) }
                        }
                    }
                    div.source-actions {
                        a.button.small href=(link) { (t("board.open_plan")) }
                        @if board.drafts_shown {
                            a.button.small.primary href=(format!("/coord/plans/{}/publish", p.id)) { (t("board.publish")) "…" }
                        }
                    }
                }
            }
        }
    }
}

fn summary(ctx: &Ctx, board: &Board) -> Markup {
    let t = |k| ctx.t(k);
    let placed = board.blocks.iter().filter(|b| b.state != "cancelling");
    let drafts = placed
        .clone()
        .filter(|b| matches!(b.state, "draft" | "locked"))
        .count();
    let live = placed.clone().count() - drafts;
    let working: HashSet<i64> = board.blocks.iter().map(|b| b.mediator_id).collect();
    html! {
        div.stats.board-stats {
            div.stat { span.n { (live) } span.l { (t("board.count.live")) } }
            @if board.drafts_shown { div.stat { span.n { (drafts) } span.l { (t("board.count.drafts")) } } }
            div.stat.alert[!board.unfilled.is_empty()] { span.n { (board.unfilled.len()) } span.l { (t("board.unfilled")) } }
            div.stat { span.n { (working.len()) } " " span.of { "/ " (board.shifts.len().max(working.len())) } span.l { (t("board.count.mediators")) } }
        }
    }
}

fn legend(ctx: &Ctx) -> Markup {
    html! {
        ul.legend aria-label=(ctx.t("board.legend")) {
            @for state in ["draft", "locked", "published", "accepted", "cancelling"] {
                li { span class=(format!("swatch s-{state}")) aria-hidden="true" {} (state_word(ctx, state)) }
            }
            li { span.swatch.sw-shift aria-hidden="true" {} (ctx.t("board.shift")) }
        }
    }
}

pub fn state_word(ctx: &Ctx, state: &str) -> &'static str {
    ctx.t(match state {
        "draft" => "board.state.draft",
        "locked" => "board.state.locked",
        "accepted" => "board.state.accepted",
        "cancelling" => "board.state.cancelling",
        _ => "board.state.published",
    })
}

/// Minutes since local midnight of `date`, clamped to the day.
fn minute_of(t: DateTime<Utc>, date: NaiveDate) -> u32 {
    let local = t.with_timezone(&DEFAULT_ZONE);
    match local.date_naive().cmp(&date) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Greater => 24 * 60,
        std::cmp::Ordering::Equal => local.hour() * 60 + local.minute(),
    }
}

/// The hours shown: 07–20, widened to whole hours around anything earlier or later.
struct Axis {
    from: u32,
    to: u32,
}

impl Axis {
    fn of(board: &Board) -> Axis {
        let spans = board
            .blocks
            .iter()
            .map(|b| (b.start, b.end))
            .chain(board.shifts.values().flatten().copied());
        let (mut from, mut to) = (AXIS_FROM, AXIS_TO);
        for (start, end) in spans {
            from = from.min(minute_of(start, board.date) / 60 * 60);
            to = to.max(minute_of(end, board.date).div_ceil(60) * 60);
        }
        Axis {
            from,
            to: to.min(24 * 60).max(from + 60),
        }
    }

    fn hours(&self) -> u32 {
        (self.to - self.from) / 60
    }

    /// `left` and `width` in percent of the track.
    fn place(&self, start: DateTime<Utc>, end: DateTime<Utc>, date: NaiveDate) -> (f64, f64) {
        let span = f64::from(self.to - self.from);
        let s = minute_of(start, date).clamp(self.from, self.to);
        let e = minute_of(end, date).clamp(s, self.to);
        (
            f64::from(s - self.from) * 100.0 / span,
            f64::from(e - s) * 100.0 / span,
        )
    }
}

/// Rows of overlapping blocks: each block gets the first lane free at its start.
fn lanes(blocks: &[&Block]) -> (Vec<usize>, usize) {
    let mut ends: Vec<DateTime<Utc>> = Vec::new();
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        let lane = match ends.iter().position(|e| *e <= b.start) {
            Some(l) => l,
            None => {
                ends.push(b.start);
                ends.len() - 1
            }
        };
        ends[lane] = b.end;
        out.push(lane);
    }
    (out, ends.len().max(1))
}

fn timeline(ctx: &Ctx, date: NaiveDate, board: &Board, lookup: &Lookup) -> Markup {
    let t = |k| ctx.t(k);
    let axis = Axis::of(board);
    let mut by_mediator: BTreeMap<(String, i64), Vec<&Block>> = BTreeMap::new();
    for b in &board.blocks {
        by_mediator
            .entry((lookup.mediator_name(b.mediator_id), b.mediator_id))
            .or_default()
            .push(b);
    }
    for id in board.shifts.keys() {
        by_mediator
            .entry((lookup.mediator_name(*id), *id))
            .or_default();
    }
    let idle: Vec<&str> = {
        let mut names: Vec<&str> = lookup
            .mediators
            .values()
            .filter(|m| m.active && !by_mediator.contains_key(&(m.name.clone(), m.id)))
            .map(|m| m.name.as_str())
            .collect();
        names.sort_unstable();
        names
    };
    let style = format!("--hours:{}", axis.hours());
    html! {
        section.timeline aria-labelledby="timeline-title" style=(style) {
            h2 #timeline-title.sr-only { (t("board.timeline")) }
            div.axis aria-hidden="true" {
                div.who-col {}
                div.hours {
                    @for h in (axis.from / 60)..(axis.to / 60) {
                        span.hour style=(format!("left:{:.4}%", f64::from(h * 60 - axis.from) * 100.0 / f64::from(axis.to - axis.from))) { (format!("{h:02}")) }
                    }
                }
            }
            @if by_mediator.is_empty() {
                p.empty { (t("board.nobody")) }
            }
            ol.lanes {
                @for ((name, id), list) in &by_mediator {
                    @let (lane_of, lane_count) = lanes(list);
                    li.lane id=(format!("m{id}")) {
                        div.who-col {
                            strong.name { (name) }
                            @if let Some(m) = lookup.mediators.get(id) {
                                span.langs { (languages(ctx, &m.languages)) }
                            }
                            @if list.is_empty() { span.free { (t("board.free")) } }
                        }
                        div.track style=(format!("--lanes:{lane_count}")) {
                            @for (start, end) in board.shifts.get(id).into_iter().flatten() {
                                @let (left, width) = axis.place(*start, *end, date);
                                div.shift style=(format!("left:{left:.4}%;width:{width:.4}%"))
                                    title=(format!("{} {}–{}", t("board.shift"), ctx.locale.time(*start, DEFAULT_ZONE), ctx.locale.time(*end, DEFAULT_ZONE))) {}
                            }
                            @for (b, lane) in list.iter().zip(&lane_of) {
                                (block(ctx, date, &axis, b, *lane, lookup))
                            }
                        }
                    }
                }
            }
            @if !idle.is_empty() {
                details.idle {
                    summary { (t("board.idle")) " (" (idle.len()) ")" }
                    p.muted { (idle.join(", ")) }
                }
            }
        }
    }
}

fn languages(ctx: &Ctx, tags: &Value) -> String {
    tags.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|l| *l != "it")
        .map(|l| short_language(ctx, l))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The language's name in the page's language only: blocks are small.
fn short_language(ctx: &Ctx, tag: &str) -> String {
    let full = ctx.locale.language_name(tag);
    full.split(" · ").next().unwrap_or(&full).to_string()
}

fn block(
    ctx: &Ctx,
    date: NaiveDate,
    axis: &Axis,
    b: &Block,
    lane: usize,
    lookup: &Lookup,
) -> Markup {
    let (left, width) = axis.place(b.start, b.end, date);
    let r = lookup.requests.get(&b.request_id);
    let href = match b.source {
        Source::Draft { plan_id, draft_id } => {
            format!("/coord/plans/{plan_id}/drafts/{draft_id}?date={date}")
        }
        Source::Live { .. } => format!("/requests/{}", b.request_id),
    };
    let time = format!(
        "{}–{}",
        ctx.locale.time(b.start, DEFAULT_ZONE),
        ctx.locale.time(b.end, DEFAULT_ZONE)
    );
    let language = r
        .map(|r| ctx.locale.language_name(&r.language))
        .unwrap_or_default();
    let place = r.map(|r| lookup.place(r)).unwrap_or_default();
    let modality = r.map_or("", |r| {
        ctx.locale
            .word(crate::domain::request::served(r.modality, b.modality).as_str())
    });
    let state = state_word(ctx, b.state);
    let travel = b
        .travel_minutes
        .filter(|m| *m > 0)
        .map(|m| format!(" · {} {m} {}", ctx.t("board.travel"), ctx.t("board.min")))
        .unwrap_or_default();
    let title = format!("{time} · {language} · {modality} · {place} · {state}{travel}");
    let id = match b.source {
        Source::Draft { draft_id, .. } => format!("d{draft_id}"),
        Source::Live { assignment_id } => format!("a{assignment_id}"),
    };
    html! {
        a id=(id) class=(format!("block s-{}", b.state)) href=(href) title=(title)
            data-request=(b.request_id)
            style=(format!("left:{left:.4}%;width:{width:.4}%;--lane:{lane}")) {
            span.b-time {
                @if b.locked { (lock_icon()) " " }
                (ctx.locale.time(b.start, DEFAULT_ZONE))
                span.b-end { "–" (ctx.locale.time(b.end, DEFAULT_ZONE)) }
            }
            span.b-lang { (r.map(|r| short_language(ctx, &r.language)).unwrap_or_default()) }
            span.b-meta { (modality) " · " (place) }
            span.b-state { (state) }
        }
    }
}

fn unfilled_list(
    ctx: &Ctx,
    date: NaiveDate,
    now: DateTime<Utc>,
    board: &Board,
    lookup: &Lookup,
) -> Markup {
    let t = |k| ctx.t(k);
    html! {
        section.card.unfilled aria-labelledby="unfilled-title" {
            h2 #unfilled-title { (t("board.unfilled")) " " span.count { (board.unfilled.len()) } }
            @if board.unfilled.is_empty() {
                p.muted { (t("board.unfilled.none")) }
            } @else {
                ul.unfilled-list {
                    @for u in &board.unfilled {
                        @let r = lookup.requests.get(&u.request_id);
                        li {
                            span.u-time { (ctx.locale.time(u.start, DEFAULT_ZONE)) }
                            span.u-what {
                                a href=(format!("/requests/{}", u.request_id)) {
                                    strong { (r.map(|r| ctx.locale.language_name(&r.language)).unwrap_or_default()) }
                                }
                                span.muted { " · " (r.map_or("", |r| ctx.locale.word(r.modality.as_str()))) " · " (r.map(|r| lookup.place(r)).unwrap_or_default()) }
                            }
                            @if let Some(r) = r { (badge(ctx, r.urgency.as_str())) }
                            span.reason {
                                (t(reason_key(&u.reason)))
                                // The spec's other reasons are their own sentence already.
                                @if let Some(d) = u.detail.as_ref().filter(|_| !generic_reason(&u.reason)) {
                                    " " span.muted.u-detail { "(" (d.get(ctx.locale.code())) ")" }
                                }
                            }
                            @if !u.alternatives.is_empty() {
                                div.u-alternatives {
                                    span { (t("board.unfilled.alternatives")) }
                                    @for (a, apply) in &u.alternatives {
                                        @let words = a.get(ctx.locale.code());
                                        @match apply.as_ref().and_then(|v| v.as_object()) {
                                            Some(apply) if u.start > now => {
                                                form.apply method="post" action=(format!("/coord/unfilled/{}/{}/apply", u.request_id, u.occurrence)) {
                                                    (csrf_field(ctx))
                                                    input type="hidden" name="back" value=(date.to_string());
                                                    @if let Some(m) = apply.get("modality").and_then(|v| v.as_str()) {
                                                        input type="hidden" name="modality" value=(m);
                                                    }
                                                    @if let Some(s) = apply.get("start").and_then(|v| v.as_str()) {
                                                        input type="hidden" name="start" value=(s);
                                                    }
                                                    button.link type="submit" title=(t("board.unfilled.apply_hint")) { (words) }
                                                }
                                            }
                                            _ => { span.alt { (words) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The spec's reasons whose detail says no more than the reason's own words.
fn generic_reason(reason: &str) -> bool {
    matches!(
        reason,
        "no_mediator_speaks_language"
            | "all_speakers_excluded"
            | "no_mediator_with_required_tags"
            | "no_mediator_offers_modality"
            | "no_mediator_available_in_window"
            | "travel_infeasible"
            | "exceeds_workload_limit"
    )
}

/// An alternative applied in one click, as the plan proposed it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplyForm {
    pub csrf: String,
    pub back: String,
    pub modality: String,
    pub start: String,
}

/// Applies one of an unfilled occurrence's alternatives: the occurrence is changed (another
/// modality, or another start) as a requester's change would, then someone is sought for it
/// at once. A refusal (the meeting began, was changed meanwhile) comes back as the board.
pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((request_id, occurrence)): Path<(String, String)>,
    Form(form): Form<ApplyForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let caller = staff(&ctx)?;
    let request_id = path_id(&request_id)?;
    let k: i64 = occurrence.parse().map_err(|_| WebError::NotFound)?;
    let date = crate::domain::local_time::parse_date(form.back.trim()).unwrap_or_else(|_| today());
    let modality = Some(form.modality.trim().to_string()).filter(|m| !m.is_empty());
    let remote = modality.is_some();
    let patch = OccurrencePatch {
        scope: Scope::This,
        start: Some(form.start.trim().to_string()).filter(|s| !s.is_empty()),
        duration_minutes: None,
        modality,
        site_id: if remote { Change::Clear } else { Change::Keep },
        preferred_mediator: Change::Keep,
    };
    match change::change(&state, caller, request_id, k, patch).await {
        Ok(done) => {
            // Whatever its urgency: the coordinator asked for it now.
            if let Err(e) = crate::dispatch::redispatch(&state, done.request.id, 1).await {
                tracing::error!(error = %e, request_id = done.request.id, "dispatch after an applied alternative failed");
            }
            Ok(Redirect::to(&format!("/coord/board?date={date}&done=applied")).into_response())
        }
        Err(Error::Invalid(_) | Error::Conflict(_)) => {
            let mut errors = BTreeMap::new();
            errors.insert(
                "form".to_string(),
                ctx.t("board.unfilled.apply_refused").to_string(),
            );
            let form = PlanForm::around(date, state.config.plan_time_limit);
            render(&state, &ctx, date, &form, &errors, "").await
        }
        Err(e) => Err(e.into()),
    }
}

/// The "run a plan" form: its values and errors survive a refused submission.
fn plan_form(
    ctx: &Ctx,
    date: NaiveDate,
    form: &PlanForm,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let t = |k| ctx.t(k);
    let err = |k: &str| errors.get(k).map(String::as_str);
    html! {
        section.card.run-plan aria-labelledby="run-title" {
            h2 #run-title { (t("board.run.title")) }
            p.hint { (t("board.run.intro")) }
            form method="post" action="/coord/plans" novalidate {
                (csrf_field(ctx))
                input type="hidden" name="date" value=(date.to_string());
                div.grid3 {
                    (field("from", t("board.run.from"), None, err("from"),
                        input("date", "from", &form.from, false, err("from").is_some(), true)))
                    (field("to", t("board.run.to"), Some(t("board.run.to_hint")), err("to"),
                        input("date", "to", &form.to, true, err("to").is_some(), true)))
                    (field("time_limit", t("board.run.limit"), Some(t("board.run.limit_hint")), err("time_limit"),
                        html! { input type="number" id="time_limit" name="time_limit" value=(form.time_limit)
                            min="0.1" max="600" step="0.1" inputmode="decimal" required
                            aria-invalid=[err("time_limit").is_some().then_some("true")]
                            aria-describedby=(layout::described_by("time_limit", true, err("time_limit").is_some()).unwrap_or_default()); }))
                }
                div.actions { button.primary type="submit" { (t("board.run.submit")) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn block_at(start: &str, end: &str) -> Block {
        Block {
            source: Source::Live { assignment_id: 1 },
            request_id: 1,
            occurrence: 1,
            mediator_id: 1,
            start: at(start),
            end: at(end),
            state: "published",
            locked: false,
            travel_minutes: None,
            modality: None,
        }
    }

    #[test]
    fn overlapping_blocks_get_their_own_lane() {
        let a = block_at("2027-03-22T08:00:00Z", "2027-03-22T09:00:00Z");
        let b = block_at("2027-03-22T08:30:00Z", "2027-03-22T09:30:00Z");
        let c = block_at("2027-03-22T09:00:00Z", "2027-03-22T10:00:00Z");
        let (lanes, count) = lanes(&[&a, &b, &c]);
        assert_eq!(lanes, vec![0, 1, 0]);
        assert_eq!(count, 2);
    }

    #[test]
    fn the_axis_widens_to_whole_hours_on_the_wall_clock() {
        let date = NaiveDate::from_ymd_opt(2027, 3, 29).unwrap();
        // 05:30 UTC is 07:30 in Rome after the clocks went forward: the axis starts at 07.
        let mut board = Board {
            date,
            plan: None,
            drafts_shown: false,
            blocks: vec![block_at("2027-03-29T05:30:00Z", "2027-03-29T06:30:00Z")],
            unfilled: vec![],
            shifts: HashMap::new(),
        };
        let axis = Axis::of(&board);
        assert_eq!((axis.from, axis.to), (7 * 60, 19 * 60));
        let (left, width) = axis.place(board.blocks[0].start, board.blocks[0].end, date);
        assert!((left - 30.0 * 100.0 / 720.0).abs() < 1e-9, "{left}");
        assert!((width - 60.0 * 100.0 / 720.0).abs() < 1e-9, "{width}");
        // 19:15 UTC is 21:15 local: the axis ends at 22:00.
        board
            .blocks
            .push(block_at("2027-03-29T18:45:00Z", "2027-03-29T19:15:00Z"));
        assert_eq!(Axis::of(&board).to, 22 * 60);
    }
}
