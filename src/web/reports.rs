//! Reports for funders (per language, organisation and mediator; tables, SVG charts, CSV)
//! and the shortage analysis (`reports/shortage.rs`). The figures are computed in
//! `crate::report`; these handlers read the range, call it and lay the result out.
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::i18n::Locale;
use super::layout::{self, described_by, field};
use super::session::Ctx;
use crate::report::chart::{self, Bar, Segment};
use crate::report::csv::{self, Decimal, Headings};
use crate::report::figures::{self, Group, Report, Row};
use crate::report::occurrences;
use crate::report::range::{Range, RangeErrors};
use crate::startup::AppState;
use crate::web::session::STAFF;

mod shortage;
mod words;

pub use words::WORDS;

/// Bars per chart: the table below has every row.
const CHART_ROWS: usize = 12;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/coord/reports", get(page))
        .route("/coord/reports.csv", get(download))
        .route(
            "/coord/shortage",
            get(shortage::page).post(shortage::compute),
        )
}

/// The range (and table) asked for in the query string, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RangeQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub group: Option<String>,
}

impl RangeQuery {
    fn range(&self) -> Result<Range, RangeErrors> {
        Range::parse(self.from.as_deref(), self.to.as_deref(), Utc::now())
    }
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let t = |k| ctx.t(k);
    let content = match q.range() {
        Err(errors) => html! {
            (head(&ctx, t("rep.title"), None))
            (range_form(&ctx, "/coord/reports", &q, &errors))
        },
        Ok(range) => {
            let data = occurrences::load(&state.db, range)
                .await
                .map_err(crate::error::Error::from)?;
            let reports: Vec<Report> = Group::ALL
                .into_iter()
                .map(|g| figures::report(&data, range, g))
                .collect();
            html! {
                (head(&ctx, t("rep.title"), Some(range)))
                (range_form(&ctx, "/coord/reports", &q, &RangeErrors::default()))
                (summary(&ctx, &reports[0].total))
                @for report in &reports {
                    (group_section(&ctx, report))
                }
                (notes(&ctx))
            }
        }
    };
    Ok(layout::page(&ctx, t("rep.title"), "/coord/reports", content).into_response())
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    let group = q
        .group
        .as_deref()
        .and_then(Group::parse)
        .ok_or(WebError::NotFound)?;
    let range = q.range().map_err(|_| WebError::NotFound)?;
    let data = occurrences::load(&state.db, range)
        .await
        .map_err(crate::error::Error::from)?;
    let report = figures::report(&data, range, group);
    let decimal = decimal(ctx.locale);
    let body = csv::render(&report, decimal, &headings(&ctx), |row| {
        row_name(&ctx, group, row)
    });
    let filename = format!("ponte-{}-{}-{}.csv", group.as_str(), range.from, range.to);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn headings(ctx: &Ctx) -> Headings<'static> {
    let t = |k| ctx.t(k);
    Headings {
        key: t("rep.csv.key"),
        name: t("rep.csv.name"),
        requests: t("rep.col.requests"),
        cancelled: t("rep.col.cancelled"),
        filled: t("rep.col.filled"),
        filled_pct: t("rep.csv.filled_pct"),
        hours: t("rep.csv.hours"),
        travel_hours: t("rep.csv.travel_hours"),
        travel_known: t("rep.csv.travel_known"),
        median_urgent: t("rep.csv.median_urgent"),
        median_emergency: t("rep.csv.median_emergency"),
        cancel_notice: t("rep.csv.cancel_notice"),
        delivered_hours: t("rep.csv.delivered_hours"),
        closed_out: t("rep.csv.closed_out"),
        family_no_shows: t("rep.csv.family_no_shows"),
        mediator_no_shows: t("rep.csv.mediator_no_shows"),
        total: t("rep.total"),
    }
}

/// The page title with the range under it.
pub(super) fn head(ctx: &Ctx, title: &str, range: Option<Range>) -> Markup {
    html! {
        div.page-head {
            div {
                h1 { (title) }
                @if let Some(r) = range {
                    p.muted.rep-range { (ctx.locale.date(r.from)) " – " (ctx.locale.date(r.to)) }
                }
            }
        }
    }
}

/// The from/to form (GET, so a report has a link) with the month presets.
pub(super) fn range_form(ctx: &Ctx, action: &str, q: &RangeQuery, errors: &RangeErrors) -> Markup {
    let t = |k| ctx.t(k);
    let now = Utc::now();
    let preset = |r: Range| format!("{action}?from={}&to={}", r.from, r.to);
    let value = |v: &Option<String>, d: chrono::NaiveDate| {
        v.clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| d.to_string())
    };
    let default = Range::this_month(now);
    let error = |code: Option<&'static str>| code.map(|c| error_text(ctx, c));
    html! {
        @if !errors.is_empty() { (layout::error_summary(t("form.errors"))) }
        form.card.rep-range-form method="get" action=(action) {
            div.rep-range-fields {
                (field("from", t("rep.from"), None, error(errors.from), html! {
                    input type="date" id="from" name="from" value=(value(&q.from, default.from)) required
                        aria-invalid=[errors.from.map(|_| "true")]
                        aria-describedby=[described_by("from", false, errors.from.is_some())];
                }))
                (field("to", t("rep.to"), None, error(errors.to), html! {
                    input type="date" id="to" name="to" value=(value(&q.to, default.to)) required
                        aria-invalid=[errors.to.map(|_| "true")]
                        aria-describedby=[described_by("to", false, errors.to.is_some())];
                }))
                div.rep-range-go { button.primary type="submit" { (t("rep.show")) } }
            }
            p.rep-presets {
                span.muted { (t("rep.presets")) " " }
                a href=(preset(Range::this_month(now))) { (t("rep.this_month")) }
                " · "
                a href=(preset(Range::last_month(now))) { (t("rep.last_month")) }
            }
        }
    }
}

fn error_text(ctx: &Ctx, code: &str) -> &'static str {
    match code {
        crate::report::range::BEFORE_FROM => ctx.t("rep.err.before_from"),
        crate::report::range::TOO_LONG => ctx.t("rep.err.too_long"),
        crate::report::range::OUT_OF_RANGE => ctx.t("rep.err.out_of_range"),
        _ => ctx.t("rep.err.bad_date"),
    }
}

fn summary(ctx: &Ctx, total: &Row) -> Markup {
    let t = |k| ctx.t(k);
    let l = ctx.locale;
    html! {
        div.stats.rep-stats {
            div.stat { span.n { (total.requests) } span.l { (t("rep.col.requests")) } }
            div.stat { span.n { (pct(l, total.filled_pct)) } span.l { (t("rep.col.filled_pct")) } }
            div.stat.alert[total.unfilled() > 0] { span.n { (total.unfilled()) } span.l { (t("rep.unfilled")) } }
            div.stat { span.n { (hours(l, total.minutes)) } span.l { (t("rep.col.hours")) } }
            div.stat { span.n { (hours(l, total.delivered_minutes)) } span.l { (t("rep.col.delivered")) } }
            div.stat { span.n { (hours(l, total.travel_minutes)) } span.l { (t("rep.col.travel")) } }
            div.stat { span.n { (duration(l, total.median_urgent_minutes)) } span.l { (t("rep.col.urgent")) } }
            div.stat { span.n { (duration(l, total.median_emergency_minutes)) } span.l { (t("rep.col.emergency")) } }
            div.stat { span.n { (total.cancelled) } span.l { (t("rep.col.cancelled")) } }
        }
    }
}

fn group_title(ctx: &Ctx, group: Group) -> &'static str {
    match group {
        Group::Language => ctx.t("rep.by_language"),
        Group::Organisation => ctx.t("rep.by_organisation"),
        Group::Mediator => ctx.t("rep.by_mediator"),
    }
}

/// A row's name as shown: a language in the page's language and its own script.
fn row_name(ctx: &Ctx, group: Group, row: &Row) -> String {
    match group {
        Group::Language => ctx.locale.language_name(&row.key),
        Group::Mediator if row.key.is_empty() => ctx.t("rep.nobody").to_string(),
        _ => row.name.clone(),
    }
}

fn group_section(ctx: &Ctx, report: &Report) -> Markup {
    let t = |k| ctx.t(k);
    let l = ctx.locale;
    let group = report.group;
    let id = format!("rep-{}", group.as_str());
    let csv_href = format!(
        "/coord/reports.csv?group={}&from={}&to={}",
        group.as_str(),
        report.from,
        report.to
    );
    html! {
        section.card.rep-group id=(id) aria-labelledby=(format!("{id}-h")) {
            div.rep-group-head {
                h2 id=(format!("{id}-h")) { (group_title(ctx, group)) }
                a.button.secondary.small.rep-csv href=(csv_href) download {
                    (t("rep.csv")) span.sr-only { " — " (group_title(ctx, group)) }
                }
            }
            @if report.rows.is_empty() {
                p.empty { (t("rep.none")) }
            } @else {
                (chart_of(ctx, report))
                div.table-wrap {
                    table.rep-table {
                        caption.sr-only { (group_title(ctx, group)) }
                        thead { tr {
                            th scope="col" { (t(match group {
                                Group::Language => "rep.col.language",
                                Group::Organisation => "rep.col.organisation",
                                Group::Mediator => "rep.col.mediator",
                            })) }
                            th.num scope="col" { (t("rep.col.requests")) }
                            th.num scope="col" { (t("rep.col.filled")) }
                            th.num scope="col" { (t("rep.col.filled_pct")) }
                            th.num scope="col" { (t("rep.col.hours")) }
                            th.num scope="col" { (t("rep.col.delivered")) }
                            th.num scope="col" { (t("rep.col.no_show")) }
                            th.num scope="col" { (t("rep.col.continuity")) }
                            th.num scope="col" { (t("rep.col.travel")) }
                            th.num scope="col" { (t("rep.col.urgent")) }
                            th.num scope="col" { (t("rep.col.emergency")) }
                            th.num scope="col" { (t("rep.col.cancelled")) }
                            th.num scope="col" { (t("rep.col.notice")) }
                        } }
                        tbody {
                            @for row in &report.rows {
                                (table_row(l, &row_name(ctx, group, row), row, false))
                            }
                        }
                        tfoot {
                            (table_row(l, t("rep.total"), &report.total, true))
                        }
                    }
                }
            }
        }
    }
}

fn table_row(l: Locale, name: &str, row: &Row, total: bool) -> Markup {
    html! {
        tr.rep-total[total] {
            th scope="row" { (name) }
            td.num { (row.requests) }
            td.num { (row.filled) }
            td.num { (pct(l, row.filled_pct)) }
            td.num { (hours(l, row.minutes)) }
            td.num { (hours(l, row.delivered_minutes)) }
            td.num title=(format!("{} / {}", row.family_no_shows + row.mediator_no_shows, row.closed_out)) { (pct(l, row.no_show_pct)) }
            td.num title=(row.follow_ups.to_string()) { (pct(l, row.continuity_pct)) }
            td.num title=(format!("{} / {}", row.travel_known, row.filled)) { (hours(l, row.travel_minutes)) }
            td.num { (duration(l, row.median_urgent_minutes)) }
            td.num { (duration(l, row.median_emergency_minutes)) }
            td.num { (row.cancelled) }
            td.num { (duration(l, row.cancel_notice_median_minutes)) }
        }
    }
}

/// Requests filled / not filled / cancelled per row; for mediators, their hours.
fn chart_of(ctx: &Ctx, report: &Report) -> Markup {
    let t = |k| ctx.t(k);
    let l = ctx.locale;
    let group = report.group;
    let id = format!("chart-{}", group.as_str());
    if group == Group::Mediator {
        let bars: Vec<Bar> = report
            .rows
            .iter()
            .filter(|r| !r.key.is_empty())
            .take(CHART_ROWS)
            .map(|r| {
                let name = row_name(ctx, group, r);
                Bar {
                    title: format!("{name}: {} h", hours(l, r.minutes)),
                    value_text: format!("{} h", hours(l, r.minutes)),
                    label: name,
                    segments: vec![Segment {
                        value: r.minutes as f64,
                        class: "s-hours",
                    }],
                }
            })
            .collect();
        return html! {
            (legend(&[("s-hours", t("rep.col.hours"))]))
            (chart::bars(&id, t("rep.chart.hours_title"), t("rep.chart.hours_desc"), &bars))
        };
    }
    let bars: Vec<Bar> = report
        .rows
        .iter()
        .take(CHART_ROWS)
        .map(|r| {
            let name = row_name(ctx, group, r);
            Bar {
                title: format!(
                    "{name}: {} {}, {} {}, {} {}",
                    r.filled,
                    t("rep.legend.filled"),
                    r.unfilled(),
                    t("rep.legend.unfilled"),
                    r.cancelled,
                    t("rep.legend.cancelled")
                ),
                value_text: format!(
                    "{} / {} · {}",
                    r.filled,
                    r.requests - r.cancelled,
                    pct(l, r.filled_pct)
                ),
                label: name,
                segments: vec![
                    Segment {
                        value: r.filled.into(),
                        class: "s-filled",
                    },
                    Segment {
                        value: r.unfilled().into(),
                        class: "s-unfilled",
                    },
                    Segment {
                        value: r.cancelled.into(),
                        class: "s-cancelled",
                    },
                ],
            }
        })
        .collect();
    html! {
        (legend(&[
            ("s-filled", t("rep.legend.filled")),
            ("s-unfilled", t("rep.legend.unfilled")),
            ("s-cancelled", t("rep.legend.cancelled")),
        ]))
        (chart::bars(&id, t("rep.chart.requests_title"), t("rep.chart.requests_desc"), &bars))
    }
}

pub(super) fn legend(items: &[(&str, &str)]) -> Markup {
    html! {
        ul.rep-legend aria-hidden="true" {
            @for (class, label) in items {
                li { span class=(format!("swatch {class}")) {} (label) }
            }
        }
    }
}

fn notes(ctx: &Ctx) -> Markup {
    let t = |k| ctx.t(k);
    html! {
        details.card.rep-notes {
            summary { (t("rep.notes.title")) }
            ul {
                li { (t("rep.notes.occurrences")) }
                li { (t("rep.notes.filled")) }
                li { (t("rep.notes.travel")) }
                li { (t("rep.notes.response")) }
                li { (t("rep.notes.notice")) }
                li { (t("rep.notes.csv")) }
            }
        }
    }
}

/// "83,3 %" / "83.3%"; a dash when there is nothing to divide.
pub(super) fn pct(l: Locale, value: Option<f64>) -> String {
    match (value, l) {
        (None, _) => "—".into(),
        (Some(v), Locale::It) => format!("{} %", number(l, v, 1)),
        (Some(v), Locale::En) => format!("{}%", number(l, v, 1)),
    }
}

/// Minutes as hours with one decimal: "12,5".
pub(super) fn hours(l: Locale, minutes: i64) -> String {
    number(l, minutes as f64 / 60.0, 1)
}

/// Numbers on the page are written as in the CSV of the same language.
fn decimal(l: Locale) -> Decimal {
    match l {
        Locale::It => Decimal::Comma,
        Locale::En => Decimal::Point,
    }
}

pub(super) fn number(l: Locale, value: f64, places: usize) -> String {
    decimal(l).number(value, places)
}

/// Whole seconds, rounded up: how long the page says a computation may take.
fn duration_secs(d: std::time::Duration) -> u64 {
    d.as_secs_f64().ceil() as u64
}

/// A median duration: "45 min", "2 h 05", "3 g 4 h"; a dash when there is none.
pub(super) fn duration(l: Locale, minutes: Option<i64>) -> String {
    let Some(m) = minutes else {
        return "—".into();
    };
    let sign = if m < 0 { "−" } else { "" };
    let m = m.abs();
    let day = match l {
        Locale::It => "g",
        Locale::En => "d",
    };
    let text = if m < 60 {
        format!("{m} min")
    } else if m < 24 * 60 {
        format!("{} h {:02}", m / 60, m % 60)
    } else {
        format!("{} {day} {} h", m / (24 * 60), (m % (24 * 60)) / 60)
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Locale::It, None), "—");
        assert_eq!(duration(Locale::It, Some(45)), "45 min");
        assert_eq!(duration(Locale::It, Some(125)), "2 h 05");
        assert_eq!(duration(Locale::It, Some(3 * 1440 + 250)), "3 g 4 h");
        assert_eq!(duration(Locale::En, Some(-90)), "−1 h 30");
        assert_eq!(pct(Locale::It, Some(83.333)), "83,3 %");
        assert_eq!(pct(Locale::En, Some(100.0)), "100.0%");
    }
}
