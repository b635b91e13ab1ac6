//! Mediators' pages: their week and their day of assignments (a list, phone first) with the
//! accept / decline answers of `assignment::respond` (the same as the API's and the email
//! links'), their calendar feed link, their availability as a form over
//! `registry::availability`, and the language of their emails.
use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, badge, csrf_field};
use super::session::Ctx;
use crate::assignment::agenda::{self, Agenda};
use crate::assignment::closeout;
use crate::assignment::respond::{self, RespondError, Responder};
use crate::auth::Role;
use crate::domain::assignment::State as AssignmentState;
use crate::domain::availability::{ExceptionKind, WeeklyRule};
use crate::domain::closeout::Outcome;
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::request::Modality;
use crate::entity::{assignment, mediator, request};
use crate::error::Error;
use crate::feed::tokens::{self, FeedStatus, NewFeed, Owner};
use crate::registry::availability::{self, Availability, DatedException};
use crate::registry::mediators;
use crate::startup::AppState;
use crate::web::session::path_id;

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const BLANK_ROWS: usize = 2;
/// How far ahead the today view looks for what comes next, and how many it lists.
const UPCOMING_DAYS: i64 = 15;
const UPCOMING_SHOWN: usize = 5;

async fn own_mediator(state: &AppState, ctx: &Ctx) -> Result<mediator::Model, WebError> {
    let caller = ctx.require(&[Role::Mediator])?;
    let id = caller.mediator_id.ok_or(WebError::Forbidden)?;
    Ok(mediators::profile(&state.db, id).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    pub start: String,
    /// The outcome of an answer or a feed change, shown once on top.
    pub done: String,
}

/// The mediator's zone and today's date there.
fn zone_and_today(me: &mediator::Model, now: DateTime<Utc>) -> (Tz, NaiveDate) {
    let zone = local_time::parse_zone(&me.timezone).unwrap_or(DEFAULT_ZONE);
    (zone, now.with_timezone(&zone).date_naive())
}

fn midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_time::local_date_time_or_next(day, NaiveTime::MIN, zone)
}

/// "Lunedì 30 nov 2026": the long weekday, then the date without its short one.
fn day_title(ctx: &Ctx, d: NaiveDate) -> String {
    let weekday = ctx.locale.weekday_long(d.weekday());
    let date = ctx.locale.date(d);
    format!(
        "{weekday} {}",
        date.split_once(' ').map_or("", |(_, rest)| rest)
    )
}

pub async fn week(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let now = state.clock.now();
    let (zone, today) = zone_and_today(&me, now);
    let day = crate::domain::local_time::parse_date(q.start.trim()).unwrap_or(today);
    let monday = day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
    let agenda = agenda::of_mediator_between(
        &state.db,
        me.id,
        midnight(monday, zone),
        midnight(monday + TimeDelta::days(7), zone),
        now,
    )
    .await?;
    let feed = tokens::status(&state.db, caller, Owner::Mediator(me.id)).await?;
    let by_day = agenda.by_day(zone);
    let back = format!("/week?start={monday}");
    let t = |k| ctx.t(k);
    let content = html! {
        div.page-head {
            div {
                h1 { (t("week.title")) }
                p.muted { (me.name) }
            }
            (view_switch(&ctx, "/week"))
        }
        (outcome(&ctx, &q.done))
        nav.pager.week-nav aria-label=(t("med2.week_nav")) {
            a href=(format!("/week?start={}", monday - TimeDelta::days(7))) { (t("week.prev")) }
            strong { (ctx.locale.date(monday)) " – " (ctx.locale.date(monday + TimeDelta::days(6))) }
            a href=(format!("/week?start={}", monday + TimeDelta::days(7))) { (t("week.next")) }
        }
        @if agenda.rows.is_empty() { p.empty { (t("week.empty")) } }
        ol.week {
            @for offset in 0..7 {
                @let d = monday + TimeDelta::days(offset);
                @let items = by_day.get(&d);
                li.day.today[d == today].weekend[offset >= 5 && items.is_none()] {
                    h2 {
                        (day_title(&ctx, d))
                        @if d == today { " " span.today-mark { (t("med2.today")) } }
                    }
                    @match items {
                        None => { p.muted { (t("week.free")) } }
                        Some(items) => {
                            ul.slots {
                                @for a in items { (slot(&ctx, &agenda, a, zone, &back)) }
                            }
                        }
                    }
                }
            }
        }
        (feed_box(&ctx, &feed, "/week/feed", (t("med2.feed_title"), t("med2.feed_intro")), q.done == "feed_confirm"))
    };
    Ok(layout::page(&ctx, t("week.title"), "/week", content).into_response())
}

/// Today's assignments, and the next few after today: what a mediator checks on the move.
pub async fn today(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    let now = state.clock.now();
    let (zone, today) = zone_and_today(&me, now);
    let tomorrow = today + TimeDelta::days(1);
    let agenda = agenda::of_mediator_between(
        &state.db,
        me.id,
        midnight(today, zone),
        midnight(today + TimeDelta::days(UPCOMING_DAYS), zone),
        now,
    )
    .await?;
    let past = agenda::of_mediator_between(
        &state.db,
        me.id,
        now - TimeDelta::days(closeout::AWAITING_DAYS),
        now,
        now,
    )
    .await?;
    let to_close: Vec<&assignment::Model> = past
        .rows
        .iter()
        .filter(|a| a.state.is_live() && a.outcome.is_none())
        .collect();
    let (now, later): (Vec<&assignment::Model>, Vec<&assignment::Model>) = agenda
        .rows
        .iter()
        .partition(|a| a.start < midnight(tomorrow, zone));
    let t = |k| ctx.t(k);
    let content = html! {
        div.page-head {
            div {
                h1 { (t("med2.today_title")) }
                p.muted { (day_title(&ctx, today)) " · " (me.name) }
            }
            (view_switch(&ctx, "/today"))
        }
        (outcome(&ctx, &q.done))
        @if !to_close.is_empty() {
            section.card.closeouts aria-labelledby="close-head" {
                h2 #close-head { (t("med2.to_close")) }
                p.muted { (t("med2.to_close_intro")) }
                ul.slots {
                    @for a in &to_close { (closeout_form(&ctx, &past, a, zone)) }
                }
            }
        }
        section.day.today aria-labelledby="today-head" {
            h2 #today-head { (day_title(&ctx, today)) }
            @if now.is_empty() {
                p.muted { (t("med2.today_free")) }
            } @else {
                ul.slots {
                    @for a in &now { (slot(&ctx, &agenda, a, zone, "/today")) }
                }
            }
        }
        section.upcoming aria-labelledby="next-head" {
            h2 #next-head { (t("med2.next")) }
            @if later.is_empty() {
                p.muted { (t("med2.next_none")) }
            } @else {
                ul.slots.card {
                    @for a in later.iter().take(UPCOMING_SHOWN) {
                        (slot_dated(&ctx, &agenda, a, zone, "/today"))
                    }
                }
            }
            p { a href="/week" { (t("med2.whole_week")) " →" } }
        }
    };
    Ok(layout::page(&ctx, t("med2.today_title"), "/today", content).into_response())
}

fn view_switch(ctx: &Ctx, current: &str) -> Markup {
    html! {
        nav.view-switch aria-label=(ctx.t("med2.view")) {
            @for (href, key) in [("/today", "med2.today"), ("/week", "med2.week")] {
                a href=(href) aria-current=[(href == current).then_some("page")] { (ctx.t(key)) }
            }
        }
    }
}

/// The message of the last action, from the redirect's `done`.
fn outcome(ctx: &Ctx, done: &str) -> Markup {
    let (ok, key) = match done {
        "accepted" => (true, "med2.done_accepted"),
        "declined" => (true, "med2.done_declined"),
        "taken" => (false, "med2.done_taken"),
        "answered" => (false, "med2.done_answered"),
        "lapsed" => (false, "med2.done_lapsed"),
        "closed_out" => (true, "med2.done_closed_out"),
        "closeout_invalid" => (false, "med2.done_closeout_invalid"),
        "closeout_refused" => (false, "med2.done_closeout_refused"),
        "yours" => (true, "med2.done_yours"),
        "busy" => (false, "med2.done_busy"),
        "reason_long" => (false, "med2.done_reason_long"),
        "feed_confirm" => (false, "med2.feed_confirm_needed"),
        _ => return html! {},
    };
    if ok {
        layout::notice(ctx.t(key))
    } else {
        layout::error_summary(ctx.t(key))
    }
}

fn slot_dated(ctx: &Ctx, agenda: &Agenda, a: &assignment::Model, zone: Tz, back: &str) -> Markup {
    let day = a.start.with_timezone(&zone).date_naive();
    html! {
        li.dated {
            p.slot-day { (day_title(ctx, day)) }
            ul.slots { (slot(ctx, agenda, a, zone, back)) }
        }
    }
}

/// One assignment: when, what, where, for whom, its state, and the answer buttons while
/// it awaits one.
fn slot(ctx: &Ctx, agenda: &Agenda, a: &assignment::Model, zone: Tz, back: &str) -> Markup {
    let t = |k| ctx.t(k);
    let r = agenda.requests.get(&a.request_id);
    let answerable = matches!(
        a.state,
        AssignmentState::Offered | AssignmentState::Published
    );
    let when = format!(
        "{}–{}",
        ctx.locale.time(a.start, zone),
        ctx.locale.time(a.end, zone)
    );
    let language = r
        .map(|r| ctx.locale.language_name(&r.language))
        .unwrap_or_default();
    // Buttons repeat on the page: their accessible names say which assignment they answer.
    let which = format!("{language}, {}", ctx.locale.date_time(a.start, zone));
    html! {
        li.slot.assignment id=(format!("a-{}", a.id)) data-state=(a.state) {
            div.time {
                (when)
                @if let Some(r) = r { small { (duration(r.duration_minutes)) } }
            }
            div.what {
                @if let Some(r) = r {
                    @let served = crate::domain::request::served(r.modality, a.modality);
                    p.head {
                        strong.lang { (language) }
                        span.modality class=(format!("m-{served}")) { (ctx.locale.word(served.as_str())) }
                        @if served != r.modality {
                            " " small.fallback { (t("med2.fallback")) }
                        }
                    }
                    dl.slot-facts {
                        dt { (t("med2.place")) }
                        dd { (place(ctx, agenda, r, served)) }
                        dt { (t("med2.requester")) }
                        dd { (agenda.orgs.get(&r.organisation_id).map(String::as_str).unwrap_or("—")) }
                    }
                }
            }
            div.state { (state_badge(ctx, a.state.as_str())) }
            @if answerable {
                @if let Some(at) = a.expires_at {
                    p.expires {
                        (ctx.t("med2.answer_by")) " "
                        time datetime=(at.to_rfc3339()) { (ctx.locale.date_time(at, zone)) }
                        " (" (time_left(ctx, at - agenda.now)) ")"
                    }
                }
                div.answer {
                    form method="post" action=(format!("/week/assignments/{}/accept", a.id)) {
                        (csrf_field(ctx))
                        input type="hidden" name="back" value=(back);
                        button.primary type="submit" {
                            (t("med2.accept")) span.sr-only { ": " (which) }
                        }
                    }
                    details.decline {
                        summary { (t("med2.decline")) span.sr-only { ": " (which) } }
                        form method="post" action=(format!("/week/assignments/{}/decline", a.id)) {
                            (csrf_field(ctx))
                            input type="hidden" name="back" value=(back);
                            label for=(format!("reason-{}", a.id)) { (t("med2.decline_reason")) }
                            input type="text" id=(format!("reason-{}", a.id)) name="reason" maxlength="500";
                            button.danger type="submit" { (t("med2.decline_confirm")) }
                        }
                    }
                }
            }
        }
    }
}

/// A meeting that began and awaits its outcome: what happened, when, and a note.
fn closeout_form(ctx: &Ctx, agenda: &Agenda, a: &assignment::Model, zone: Tz) -> Markup {
    let t = |k| ctx.t(k);
    let r = agenda.requests.get(&a.request_id);
    let language = r
        .map(|r| ctx.locale.language_name(&r.language))
        .unwrap_or_default();
    let org = r
        .and_then(|r| agenda.orgs.get(&r.organisation_id))
        .map(String::as_str)
        .unwrap_or("—");
    let id = a.id;
    let hm = |t: DateTime<Utc>| t.with_timezone(&zone).format("%H:%M").to_string();
    html! {
        li.slot.closeout id=(format!("c-{id}")) {
            div.time { (hm(a.start)) "–" (hm(a.end)) }
            div.what {
                p.head { strong.lang { (language) } " · " (org) }
                p.muted { (ctx.locale.date(a.start.with_timezone(&zone).date_naive())) }
            }
            form.closeout-form method="post" action=(format!("/week/assignments/{id}/closeout")) {
                (csrf_field(ctx))
                div.cell {
                    label for=(format!("outcome-{id}")) { (t("med2.outcome")) }
                    select id=(format!("outcome-{id}")) name="outcome" {
                        @for o in Outcome::ALL {
                            option value=(o.as_str()) { (t(outcome_key(o))) }
                        }
                    }
                }
                div.cell {
                    label for=(format!("start-{id}")) { (t("avail.from")) }
                    input type="time" id=(format!("start-{id}")) name="start" value=(hm(a.start));
                }
                div.cell {
                    label for=(format!("end-{id}")) { (t("avail.to")) }
                    input type="time" id=(format!("end-{id}")) name="end" value=(hm(a.end));
                }
                div.cell.grow {
                    label for=(format!("note-{id}")) { (t("avail.note")) }
                    input type="text" id=(format!("note-{id}")) name="note" maxlength="1000";
                }
                button.primary type="submit" {
                    (t("med2.close_out")) span.sr-only { ": " (language) ", " (ctx.locale.date_time(a.start, zone)) }
                }
            }
        }
    }
}

fn outcome_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Delivered => "med2.outcome_delivered",
        Outcome::FamilyNoShow => "med2.outcome_family_no_show",
        Outcome::MediatorNoShow => "med2.outcome_mediator_no_show",
        Outcome::CancelledLate => "med2.outcome_cancelled_late",
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseoutForm {
    pub csrf: String,
    pub outcome: String,
    pub start: String,
    pub end: String,
    pub note: String,
}

/// The mediator records what happened; times are read on the meeting's local day.
pub async fn close_out(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CloseoutForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let id = path_id(&id)?;
    let zone = local_time::parse_zone(&me.timezone).unwrap_or(DEFAULT_ZONE);
    let view = crate::assignment::list::one(&state.db, caller, id).await?;
    let day = view.start.utc.with_timezone(&zone).date_naive();
    let at = |hm: &str| {
        NaiveTime::parse_from_str(hm.trim(), "%H:%M")
            .ok()
            .map(|t| local_time::local_date_time_or_next(day, t, zone).to_rfc3339())
    };
    let body = closeout::CloseoutBody {
        outcome: Some(form.outcome.clone()),
        actual_start: at(&form.start),
        actual_end: at(&form.end),
        note: Some(form.note.clone()),
    };
    let done = match closeout::record(&state, caller, id, body).await {
        Ok(_) => "closed_out",
        Err(Error::Invalid(_)) => "closeout_invalid",
        Err(Error::Conflict(_)) => "closeout_refused",
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/today?done={done}")).into_response())
}

fn place(ctx: &Ctx, agenda: &Agenda, r: &request::Model, served: Modality) -> String {
    match (served, r.site_id.and_then(|id| agenda.sites.get(&id))) {
        (Modality::Phone, _) => ctx.t("med2.by_phone").to_string(),
        (Modality::Video, _) => ctx.t("med2.by_video").to_string(),
        // Addresses often begin with the building's name already.
        (_, Some(s)) if s.address.starts_with(&s.name) => s.address.clone(),
        (_, Some(s)) => format!("{}, {}", s.name, s.address),
        (_, None) => "—".to_string(),
    }
}

/// "8 min", "3 h 10 min", "2 giorni" left to answer; rounded up, so that "0 min" is never
/// shown for an offer still open.
fn time_left(ctx: &Ctx, left: TimeDelta) -> String {
    let minutes = (left.num_seconds().max(0) + 59) / 60;
    if minutes >= 48 * 60 {
        return ctx
            .t("med2.days_left")
            .replace("{n}", &(minutes / (24 * 60)).to_string());
    }
    let left = duration(minutes.max(1) as i32);
    ctx.t("med2.left").replace("{t}", &left)
}

fn duration(minutes: i32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The state as a mediator reads it: "awaiting your answer" rather than "published".
fn state_badge(ctx: &Ctx, state: &str) -> Markup {
    let key = match state {
        "offered" => "med2.state_offered",
        "published" => "med2.state_published",
        "accepted" => "med2.state_accepted",
        _ => return badge(ctx, state),
    };
    html! { span class=(format!("badge b-{state}")) { (ctx.t(key)) } }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub csrf: String,
    pub back: String,
    pub reason: String,
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let who = responder(&state, &ctx).await?;
    let id = path_id(&id)?;
    let done = match respond::accept(&state, who, id).await {
        Ok(_) => "accepted",
        Err(e) => answer_error(e)?,
    };
    Ok(back_to(&form.back, done, id))
}

pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let who = responder(&state, &ctx).await?;
    let id = path_id(&id)?;
    // As the API does: someone else is sought at once, never the decliner.
    let done = match respond::decline_and_redispatch(&state, who, id, Some(&form.reason)).await {
        Ok(_) => "declined",
        Err(e) => answer_error(e)?,
    };
    Ok(back_to(&form.back, done, id))
}

async fn responder(state: &AppState, ctx: &Ctx) -> Result<Responder, WebError> {
    let me = own_mediator(state, ctx).await?;
    Ok(Responder {
        mediator_id: me.id,
        user_id: Some(ctx.caller()?.user_id),
        via: "page",
    })
}

/// What the page says about a refused answer; an assignment that is not theirs is 404.
fn answer_error(e: RespondError) -> Result<&'static str, WebError> {
    match e {
        RespondError::Taken => Ok("taken"),
        RespondError::Answered("lapsed") => Ok("lapsed"),
        RespondError::Answered(_) => Ok("answered"),
        RespondError::Yours(_) => Ok("yours"),
        RespondError::Busy(_) => Ok("busy"),
        RespondError::BadReason(_) => Ok("reason_long"),
        RespondError::NotFound => Err(WebError::NotFound),
        RespondError::Db(e) => Err(Error::from(e).into()),
    }
}

/// Back to the page the answer came from (only the mediator's own pages), with the outcome.
fn back_to(back: &str, done: &str, id: i64) -> Response {
    let back = if back.starts_with("/week") || back.starts_with("/today") {
        back
    } else {
        "/week"
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{sep}done={done}#a-{id}")).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedForm {
    pub csrf: String,
    /// "yes" once the user agreed that the current link stops working.
    pub confirm: String,
}

/// Makes the mediator's feed link (a new one, if there was one) and shows it, once.
pub async fn rotate_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<FeedForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let owner = Owner::Mediator(me.id);
    let status = tokens::status(&state.db, caller, owner).await?;
    if status.live && form.confirm != "yes" {
        return Ok(Redirect::to("/week?done=feed_confirm#feed").into_response());
    }
    let feed = tokens::rotate(&state.db, &state.links(), caller, owner).await?;
    Ok(feed_page(
        &ctx,
        &feed,
        ctx.t("med2.feed_page_title"),
        ("/week", ctx.t("med2.back_week")),
        "/week",
    ))
}

/// The feed link box of a page: whether a link is live, and the button that makes one.
/// The link itself is shown only once, when made (the database keeps only its digest).
/// `words` are the box's title and its introduction.
pub fn feed_box(
    ctx: &Ctx,
    status: &FeedStatus,
    action: &str,
    words: (&str, &str),
    ask: bool,
) -> Markup {
    let t = |k| ctx.t(k);
    let (title, intro) = words;
    html! {
        section.card.feed-box #feed aria-labelledby="feed-head" {
            h2 #feed-head { (title) }
            p { (intro) }
            @if let Some(since) = status.created_at.filter(|_| status.live) {
                p.feed-state.live {
                    span.dot aria-hidden="true" {}
                    (t("med2.feed_live_since")) " " (ctx.locale.date(since.with_timezone(&DEFAULT_ZONE).date_naive()))
                }
                p.muted { (t("med2.feed_hidden")) }
            } @else {
                p.feed-state { (t("med2.feed_none")) }
            }
            form method="post" action=(action) {
                (csrf_field(ctx))
                @if status.live {
                    div.field.confirm.invalid[ask] {
                        label.check for="feed-confirm" {
                            input #feed-confirm type="checkbox" name="confirm" value="yes" required;
                            " " (t("med2.feed_confirm"))
                        }
                    }
                    button.secondary type="submit" { (t("med2.feed_rotate")) }
                } @else {
                    button.primary type="submit" { (t("med2.feed_make")) }
                }
            }
        }
    }
}

/// The page that shows a fresh feed link, once: a field to copy it from (with a copy button
/// when scripts run), the `webcal://` link that opens the calendar application, and how to
/// subscribe by hand.
pub fn feed_page(
    ctx: &Ctx,
    feed: &NewFeed,
    title: &str,
    back: (&str, &str),
    current: &str,
) -> Response {
    let t = |k| ctx.t(k);
    let content = html! {
        h1 { (title) }
        (layout::notice(t("med2.feed_made")))
        section.card.feed-link {
            div.field {
                label for="feed-url" { (t("med2.feed_url")) }
                p.hint #feed-url-hint { (t("med2.feed_url_hint")) }
                div.copy-row {
                    input #feed-url type="text" readonly value=(feed.url) aria-describedby="feed-url-hint";
                    button.secondary.js-only type="button" data-copy="feed-url"
                        data-copied=(t("med2.copied")) data-copy-failed=(t("med2.copy_failed")) {
                        (t("med2.copy"))
                    }
                }
                p.copy-status #feed-url-status role="status" aria-live="polite" {}
            }
            p { a.button.primary #feed-webcal href=(feed.webcal_url) { (t("med2.feed_open")) } }
            h2 { (t("med2.feed_how")) }
            ul.how {
                li { (t("med2.feed_how_phone")) }
                li { (t("med2.feed_how_google")) }
                li { (t("med2.feed_how_outlook")) }
            }
        }
        p { a href=(back.0) { "← " (back.1) } }
    };
    let mut response = layout::page(ctx, title, current, content).into_response();
    // The page holds a secret: no cache may keep it.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: Option<u8>,
}

pub async fn availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let current = availability::get(&state.db, caller, me.id).await?;
    let rules: Vec<RuleRow> = current.rules.iter().map(RuleRow::from).collect();
    let exceptions: Vec<ExceptionRow> = current.exceptions.iter().map(ExceptionRow::from).collect();
    Ok(render_availability(
        &ctx,
        &rules,
        &exceptions,
        &BTreeMap::new(),
        q.saved.is_some(),
    )
    .into_response())
}

#[derive(Debug, Clone, Default)]
struct RuleRow {
    day: String,
    start: String,
    end: String,
}

impl From<&WeeklyRule> for RuleRow {
    fn from(r: &WeeklyRule) -> Self {
        RuleRow {
            day: day_code(r.weekday).to_string(),
            start: r.start.format("%H:%M").to_string(),
            end: r.end.format("%H:%M").to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct ExceptionRow {
    date: String,
    kind: String,
    start: String,
    end: String,
    note: String,
}

impl From<&DatedException> for ExceptionRow {
    fn from(e: &DatedException) -> Self {
        ExceptionRow {
            date: e.date.to_string(),
            kind: match e.kind {
                ExceptionKind::Absence => "absence",
                ExceptionKind::Extra => "extra",
            }
            .to_string(),
            start: e.start.format("%H:%M").to_string(),
            end: e.end.format("%H:%M").to_string(),
            note: e.note.clone().unwrap_or_default(),
        }
    }
}

fn day_code(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.num_days_from_monday() as usize]
}

/// Field values of one name, in the order the browser sent them (one per row).
fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

pub async fn save_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    ctx.check_csrf(csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let (days, starts, ends) = (
        values(&pairs, "rule_day"),
        values(&pairs, "rule_start"),
        values(&pairs, "rule_end"),
    );
    let rule_rows: Vec<RuleRow> = (0..days.len().min(starts.len()).min(ends.len()))
        .map(|i| RuleRow {
            day: days[i].into(),
            start: starts[i].into(),
            end: ends[i].into(),
        })
        .collect();
    let (dates, kinds, ex_starts, ex_ends, notes) = (
        values(&pairs, "exc_date"),
        values(&pairs, "exc_kind"),
        values(&pairs, "exc_start"),
        values(&pairs, "exc_end"),
        values(&pairs, "exc_note"),
    );
    let n = [
        dates.len(),
        kinds.len(),
        ex_starts.len(),
        ex_ends.len(),
        notes.len(),
    ]
    .into_iter()
    .min()
    .unwrap_or(0);
    let exception_rows: Vec<ExceptionRow> = (0..n)
        .map(|i| ExceptionRow {
            date: dates[i].into(),
            kind: kinds[i].into(),
            start: ex_starts[i].into(),
            end: ex_ends[i].into(),
            note: notes[i].into(),
        })
        .collect();

    // Row errors are keyed `rule-<row>` / `exc-<row>` by the row's place on the page; the
    // domain's indexes count only filled rows, so `*_at` maps them back.
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let incomplete = ctx.t("avail.incomplete").to_string();
    let hm = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
    let mut rules = Vec::new();
    let mut rule_at = Vec::new();
    for (row, r) in rule_rows.iter().enumerate() {
        if r.day.is_empty() && r.start.is_empty() && r.end.is_empty() {
            continue;
        }
        let weekday = WEEKDAYS.iter().find(|d| day_code(**d) == r.day).copied();
        match (weekday, hm(&r.start), hm(&r.end)) {
            (Some(weekday), Some(start), Some(end)) => {
                rules.push(WeeklyRule {
                    weekday,
                    start,
                    end,
                });
                rule_at.push(row);
            }
            _ => {
                errors.insert(format!("rule-{row}"), incomplete.clone());
            }
        }
    }
    let mut exceptions = Vec::new();
    let mut exception_at = Vec::new();
    for (row, e) in exception_rows.iter().enumerate() {
        if e.date.is_empty() && e.start.is_empty() && e.end.is_empty() && e.note.is_empty() {
            continue;
        }
        let date = crate::domain::local_time::parse_date(&e.date).ok();
        let kind = match e.kind.as_str() {
            "extra" => ExceptionKind::Extra,
            _ => ExceptionKind::Absence,
        };
        match (date, hm(&e.start), hm(&e.end)) {
            (Some(date), Some(start), Some(end)) => {
                exceptions.push(DatedException {
                    date,
                    kind,
                    start,
                    end,
                    note: Some(e.note.clone()),
                });
                exception_at.push(row);
            }
            _ => {
                errors.insert(format!("exc-{row}"), incomplete.clone());
            }
        }
    }
    let confirm_releases = pairs
        .iter()
        .any(|(k, v)| k == "confirm_releases" && !v.is_empty());
    if errors.is_empty() {
        let new = Availability {
            rules,
            exceptions,
            confirm_releases,
        };
        match availability::replace_and_redispatch(&state, caller, me.id, new).await {
            Ok(_) => return Ok(Redirect::to("/availability?saved=1").into_response()),
            Err(Error::WouldRelease(held)) => {
                let zone = local_time::parse_zone(&me.timezone).unwrap_or(DEFAULT_ZONE);
                let when: Vec<String> = held
                    .iter()
                    .map(|h| {
                        format!(
                            "{}–{}",
                            ctx.locale.date_time(h.start, zone),
                            ctx.locale.time(h.end, zone)
                        )
                    })
                    .collect();
                errors.insert(
                    "releases".into(),
                    format!("{} {}", ctx.t("avail.releases"), when.join("; ")),
                );
            }
            Err(Error::Invalid(api)) => {
                for (key, message) in api {
                    let (list, index) = parse_index(&key);
                    let row = match list {
                        "rules" => index
                            .and_then(|i| rule_at.get(i))
                            .map(|r| format!("rule-{r}")),
                        "exceptions" => index
                            .and_then(|i| exception_at.get(i))
                            .map(|r| format!("exc-{r}")),
                        _ => None,
                    };
                    let message = match ctx.locale {
                        Locale::En => message,
                        Locale::It => "La fine deve venire dopo l'inizio e le fasce di uno stesso giorno non possono sovrapporsi.".to_string(),
                    };
                    errors.insert(row.unwrap_or_else(|| "form".into()), message);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut response =
        render_availability(&ctx, &rule_rows, &exception_rows, &errors, false).into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// `rules[3].end` → ("rules", Some(3)).
fn parse_index(key: &str) -> (&str, Option<usize>) {
    match key.split_once('[') {
        Some((list, rest)) => (list, rest.split(']').next().and_then(|i| i.parse().ok())),
        None => (key, None),
    }
}

fn render_availability(
    ctx: &Ctx,
    rules: &[RuleRow],
    exceptions: &[ExceptionRow],
    errors: &BTreeMap<String, String>,
    saved: bool,
) -> Markup {
    let t = |k| ctx.t(k);
    let blank_rules = std::iter::repeat_n(RuleRow::default(), BLANK_ROWS);
    let blank_exceptions = std::iter::repeat_n(ExceptionRow::default(), BLANK_ROWS);
    let content = html! {
        h1 { (t("avail.title")) }
        @if saved { (layout::notice(t("avail.saved"))) }
        p.lead { (t("avail.intro")) }
        @if !errors.is_empty() {
            (layout::error_summary(t("form.errors")))
            @if let Some(e) = errors.get("form") { p.error { (e) } }
        }
        form.availability method="post" action="/availability" novalidate {
            (csrf_field(ctx))
            section.card {
                h2 { (t("avail.weekly")) }
                div.rows data-rows="rule" {
                    @for (i, r) in rules.iter().cloned().chain(blank_rules).enumerate() {
                        @let error = errors.get(&format!("rule-{i}"));
                        @let err_id = format!("rule-{i}-error");
                        div.row.invalid[error.is_some()] {
                            div.cell {
                                label for=(format!("rule-{i}-day")) { (t("avail.weekday")) }
                                select id=(format!("rule-{i}-day")) name="rule_day"
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] {
                                    option value="" { "—" }
                                    @for d in WEEKDAYS {
                                        option value=(day_code(d)) selected[r.day == day_code(d)] { (ctx.locale.weekday_long(d)) }
                                    }
                                }
                            }
                            div.cell {
                                label for=(format!("rule-{i}-start")) { (t("avail.from")) }
                                input type="time" id=(format!("rule-{i}-start")) name="rule_start" value=(r.start)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("rule-{i}-end")) { (t("avail.to")) }
                                input type="time" id=(format!("rule-{i}-end")) name="rule_end" value=(r.end)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            @if let Some(e) = error { p.error.wide id=(err_id) { (e) } }
                        }
                    }
                }
                button.secondary.js-only type="button" data-add-row="rule" { "+ " (t("avail.add_rule")) }
            }
            section.card {
                h2 { (t("avail.exceptions")) }
                div.rows data-rows="exc" {
                    @for (i, e) in exceptions.iter().cloned().chain(blank_exceptions).enumerate() {
                        @let error = errors.get(&format!("exc-{i}"));
                        @let err_id = format!("exc-{i}-error");
                        div.row.five.invalid[error.is_some()] {
                            div.cell {
                                label for=(format!("exc-{i}-date")) { (t("avail.date")) }
                                input type="date" id=(format!("exc-{i}-date")) name="exc_date" value=(e.date)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("exc-{i}-kind")) { (t("avail.kind")) }
                                select id=(format!("exc-{i}-kind")) name="exc_kind" {
                                    @for k in ["absence", "extra"] {
                                        option value=(k) selected[e.kind == k] { (ctx.locale.word(k)) }
                                    }
                                }
                            }
                            div.cell {
                                label for=(format!("exc-{i}-start")) { (t("avail.from")) }
                                input type="time" id=(format!("exc-{i}-start")) name="exc_start" value=(e.start)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell {
                                label for=(format!("exc-{i}-end")) { (t("avail.to")) }
                                input type="time" id=(format!("exc-{i}-end")) name="exc_end" value=(e.end)
                                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                            }
                            div.cell.grow {
                                label for=(format!("exc-{i}-note")) { (t("avail.note")) }
                                input type="text" id=(format!("exc-{i}-note")) name="exc_note" value=(e.note);
                            }
                            @if let Some(e) = error { p.error.wide id=(err_id) { (e) } }
                        }
                    }
                }
                button.secondary.js-only type="button" data-add-row="exc" { "+ " (t("avail.add_exception")) }
            }
            @if let Some(releases) = errors.get("releases") {
                section.card.danger-zone #releases {
                    p.error { (releases) }
                    div.check {
                        input type="checkbox" id="confirm_releases" name="confirm_releases" value="1";
                        label for="confirm_releases" { (t("avail.confirm_releases")) }
                    }
                }
            }
            div.actions { button.primary type="submit" { (t("form.save")) } }
        }
    };
    layout::page(ctx, t("avail.title"), "/availability", content)
}

pub async fn preferences(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let me = own_mediator(&state, &ctx).await?;
    Ok(render_preferences(&ctx, &me.locale, false).into_response())
}

fn render_preferences(ctx: &Ctx, email_locale: &str, saved: bool) -> Markup {
    let t = |k| ctx.t(k);
    let options = |name: &str, current: &str| {
        html! {
            select id=(name) name=(name) {
                option value="it" lang="it" selected[current == "it"] { "Italiano" }
                option value="en" lang="en" selected[current == "en"] { "English" }
            }
        }
    };
    let content = html! {
        h1 { (t("prefs.title")) }
        @if saved { (layout::notice(t("form.saved"))) }
        form.card.narrow-form method="post" action="/preferences" {
            (csrf_field(ctx))
            div.field {
                label for="email_locale" { (t("prefs.email_locale")) }
                (options("email_locale", email_locale))
            }
            div.field {
                label for="page_locale" { (t("prefs.page_locale")) }
                (options("page_locale", ctx.locale.code()))
            }
            div.actions { button.primary type="submit" { (t("form.save")) } }
        }
    };
    layout::page(ctx, t("prefs.title"), "/preferences", content)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PreferencesForm {
    pub csrf: String,
    pub email_locale: String,
    pub page_locale: String,
}

pub async fn save_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    let me = own_mediator(&state, &ctx).await?;
    let caller = ctx.caller()?;
    let email = Locale::parse(&form.email_locale)
        .unwrap_or(Locale::It)
        .code();
    let page = Locale::parse(&form.page_locale).unwrap_or(ctx.locale);
    mediators::set_preferences(&state.db, caller, me.id, email, page.code()).await?;
    let ctx = Ctx {
        locale: page,
        ..ctx.clone()
    };
    let mut response = render_preferences(&ctx, email, true).into_response();
    super::session::add_cookie(
        &mut response,
        super::session::set_cookie(
            super::session::LANG_COOKIE,
            page.code(),
            365 * 24 * 3600,
            ctx.secure,
        ),
    );
    Ok(response)
}

/// This area's words beyond the shared catalogue: (key, Italian, English).
pub const WORDS: &[(&str, &str, &str)] = &[
    ("med2.today", "Oggi", "Today"),
    ("med2.week", "Settimana", "Week"),
    ("med2.view", "Vista del calendario", "Calendar view"),
    ("med2.week_nav", "Settimane", "Weeks"),
    ("med2.today_title", "I miei incontri di oggi", "My meetings today"),
    ("med2.today_free", "Nessun incontro oggi.", "No meetings today."),
    ("med2.next", "Prossimi incontri", "Coming up"),
    ("med2.next_none", "Nessun altro incontro nelle prossime due settimane.", "No other meetings in the next two weeks."),
    ("med2.whole_week", "Tutta la settimana", "The whole week"),
    ("med2.place", "Dove", "Where"),
    ("med2.requester", "Richiesto da", "Requested by"),
    ("med2.by_phone", "Al telefono", "By phone"),
    ("med2.by_video", "In videochiamata", "By video call"),
    ("med2.fallback", "(modalità di riserva ammessa dalla richiesta)", "(a fallback the request allows)"),
    ("med2.state_offered", "Proposta urgente", "Urgent offer"),
    ("med2.state_published", "Da confermare", "Awaiting your answer"),
    ("med2.state_accepted", "Confermato", "Confirmed"),
    ("med2.accept", "Accetta", "Accept"),
    ("med2.decline", "Rifiuta…", "Decline…"),
    ("med2.decline_reason", "Motivo (facoltativo, lo vede il coordinamento)", "Reason (optional, seen by the coordinators)"),
    ("med2.decline_confirm", "Rifiuta l'incarico", "Decline the assignment"),
    ("med2.done_accepted", "Incarico accettato: è nel tuo calendario.", "Assignment accepted: it is in your calendar."),
    ("med2.done_declined", "Incarico rifiutato: il coordinamento cerca un altro mediatore.", "Assignment declined: the coordinators will find another mediator."),
    ("med2.done_taken", "Troppo tardi: l'incarico è già stato preso da un altro mediatore.", "Too late: already taken by another mediator."),
    ("med2.answer_by", "Rispondi entro", "Answer by"),
    ("med2.done_busy", "A quell'ora hai già un altro incontro: non puoi accettarlo.", "You already have another meeting at that time: you cannot accept it."),
    ("med2.to_close", "Com'è andata?", "How did it go?"),
    ("med2.to_close_intro", "Gli incontri già iniziati che aspettano l'esito: le ore svolte contano nei resoconti per i finanziatori.", "Meetings that began and await their outcome: delivered hours count in the funders' reports."),
    ("med2.outcome", "Esito", "Outcome"),
    ("med2.outcome_delivered", "Svolto", "Delivered"),
    ("med2.outcome_family_no_show", "La famiglia non si è presentata", "The family did not come"),
    ("med2.outcome_mediator_no_show", "Non sono potuto andare", "I could not go"),
    ("med2.outcome_cancelled_late", "Annullato all'ultimo momento", "Cancelled at the last minute"),
    ("med2.close_out", "Registra l'esito", "Record the outcome"),
    ("med2.done_closed_out", "Esito registrato: grazie.", "Outcome recorded: thank you."),
    ("med2.done_closeout_invalid", "Controlla gli orari: la fine viene dopo l'inizio, entro 12 ore da quanto previsto.", "Check the times: the end comes after the start, within 12 hours of the plan."),
    ("med2.done_closeout_refused", "Questo incontro non si può chiudere ora: non è iniziato o l'esito c'è già.", "This meeting cannot be closed out now: it has not begun, or its outcome is already recorded."),
    ("avail.releases", "Questa assenza copre incontri che ti sono già assegnati:", "This absence covers meetings already assigned to you:"),
    ("avail.confirm_releases", "Lascia questi incontri: le scuole vengono avvisate e cerchiamo un'altra persona", "Give up these meetings: the schools are told and someone else is sought"),
    ("med2.left", "mancano {t}", "{t} left"),
    ("med2.days_left", "mancano {n} giorni", "{n} days left"),
    ("med2.done_lapsed", "Il tempo per rispondere è scaduto: l'incarico è stato proposto ad altri.", "The time to answer ran out: the assignment was offered to others."),
    ("med2.done_yours", "Questo incontro è già tuo: lo trovi tra i tuoi incarichi.", "This meeting is already yours: you will find it among your assignments."),
    ("med2.done_answered", "Hai già risposto a questo incarico, oppure non attende più una risposta.", "You have already answered this assignment, or it no longer awaits an answer."),
    ("med2.done_reason_long", "Il motivo può avere al massimo 500 caratteri, senza caratteri di controllo.", "The reason can have at most 500 characters, and no control characters."),
    ("med2.feed_title", "I tuoi incontri nel calendario del telefono", "Your meetings in your phone's calendar"),
    ("med2.feed_title_org", "Gli incontri dell'ente nel vostro calendario", "The organisation's meetings in your calendar"),
    ("med2.feed_intro", "Con un link personale i tuoi incontri compaiono da soli nel calendario del telefono o del computer, e si aggiornano quando cambiano.", "With a personal link your meetings appear by themselves in your phone's or computer's calendar, and update when they change."),
    ("med2.feed_live_since", "Link attivo dal", "Link active since"),
    ("med2.feed_hidden", "Per sicurezza il link si vede una volta sola, quando lo crei. Se lo hai perso, creane uno nuovo.", "For safety the link is shown only once, when you make it. If you lost it, make a new one."),
    ("med2.feed_none", "Nessun link attivo.", "No active link."),
    ("med2.feed_make", "Crea il link al calendario", "Make the calendar link"),
    ("med2.feed_rotate", "Crea un nuovo link", "Make a new link"),
    ("med2.feed_confirm", "Ho capito: il link attuale smetterà di funzionare.", "I understand: the current link will stop working."),
    ("med2.feed_confirm_needed", "Per creare un nuovo link conferma che quello attuale smetterà di funzionare.", "To make a new link, confirm that the current one will stop working."),
    ("med2.feed_page_title", "Il tuo link al calendario", "Your calendar link"),
    ("med2.feed_made", "Link creato. Copialo ora: per sicurezza non lo mostreremo di nuovo.", "Link made. Copy it now: for safety it will not be shown again."),
    ("med2.feed_url", "Indirizzo del calendario (iCal)", "Calendar address (iCal)"),
    ("med2.feed_url_hint", "Chi ha questo indirizzo vede gli incontri: non condividerlo.", "Whoever has this address sees the meetings: do not share it."),
    ("med2.copy", "Copia", "Copy"),
    ("med2.copied", "Copiato negli appunti.", "Copied to the clipboard."),
    ("med2.copy_failed", "Copia non riuscita: seleziona il testo e copialo a mano.", "Could not copy: select the text and copy it by hand."),
    ("med2.feed_open", "Apri nell'app Calendario", "Open in the Calendar app"),
    ("med2.feed_how", "Come aggiungerlo", "How to add it"),
    ("med2.feed_how_phone", "iPhone, iPad e Mac: tocca «Apri nell'app Calendario» e conferma l'iscrizione.", "iPhone, iPad and Mac: tap “Open in the Calendar app” and confirm the subscription."),
    ("med2.feed_how_google", "Google Calendar (anche Android): dal computer, Altri calendari → «+» → Da URL, e incolla l'indirizzo.", "Google Calendar (Android too): on a computer, Other calendars → “+” → From URL, and paste the address."),
    ("med2.feed_how_outlook", "Outlook: Aggiungi calendario → Iscriviti dal Web, e incolla l'indirizzo.", "Outlook: Add calendar → Subscribe from web, and paste the address."),
    ("med2.back_week", "Torna alla settimana", "Back to the week"),
];

/// Routes of this area beyond those in `web::router`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/today", get(today))
        .route("/week/assignments/{id}/accept", post(accept))
        .route("/week/assignments/{id}/decline", post(decline))
        .route("/week/assignments/{id}/closeout", post(close_out))
        .route("/week/feed", post(rotate_feed))
}
