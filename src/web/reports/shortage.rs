//! The shortage page: unmet demand by weekday and slot (a heat map), the top cells of
//! language × weekday × slot × town, and, on request (a POST: it takes seconds), the
//! what-if of one more mediator in the top cells.
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::{duration_secs, head, hours, range_form, RangeQuery};
use crate::report::occurrences::{self, Data};
use crate::report::range::{Range, RangeErrors};
use crate::report::shortage::{self, Cell, Slot, WhatIf, WhatIfOptions};
use crate::startup::AppState;
use crate::web::error::WebError;
use crate::web::i18n::Locale;
use crate::web::layout::{self, csrf_field};
use crate::web::session::Ctx;
use crate::web::session::STAFF;

/// Cells listed in the table.
const TOP_CELLS: usize = 15;
/// Suggestions shown.
const TOP_SUGGESTIONS: usize = 5;

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    ctx.require(STAFF)?;
    render(&state, &ctx, &q, false).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WhatIfForm {
    csrf: String,
    from: String,
    to: String,
}

pub async fn compute(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<WhatIfForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form.csrf)?;
    ctx.require(STAFF)?;
    let q = RangeQuery {
        from: Some(form.from),
        to: Some(form.to),
        group: None,
    };
    render(&state, &ctx, &q, true).await
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    q: &RangeQuery,
    what_if: bool,
) -> Result<Response, WebError> {
    let t = |k| ctx.t(k);
    let content = match q.range() {
        Err(errors) => html! {
            (head(ctx, t("rep.sh.title"), None))
            (range_form(ctx, "/coord/shortage", q, &errors))
        },
        Ok(range) => {
            let data = occurrences::load(&state.db, range)
                .await
                .map_err(crate::error::Error::from)?;
            let result = if what_if {
                Some(
                    shortage::what_if(&state.db, range, &data, WhatIfOptions::default())
                        .await
                        .map_err(|e| WebError::Internal(e.to_string()))?,
                )
            } else {
                None
            };
            body(ctx, q, range, &data, result.as_ref())
        }
    };
    Ok(layout::page(ctx, t("rep.sh.title"), "/coord/shortage", content).into_response())
}

fn body(ctx: &Ctx, q: &RangeQuery, range: Range, data: &Data, result: Option<&WhatIf>) -> Markup {
    let t = |k| ctx.t(k);
    let l = ctx.locale;
    let cells = shortage::cells(data);
    let unmet: u32 = cells.iter().map(|c| c.unmet).sum();
    let minutes: i64 = cells.iter().map(|c| c.minutes).sum();
    html! {
        (head(ctx, t("rep.sh.title"), Some(range)))
        p.lead { (t("rep.sh.lead")) }
        (range_form(ctx, "/coord/shortage", q, &RangeErrors::default()))
        div.stats.rep-stats.three {
            div.stat.alert[unmet > 0] { span.n { (unmet) } span.l { (t("rep.sh.unmet")) } }
            div.stat { span.n { (hours(l, minutes)) } span.l { (t("rep.sh.unmet_hours")) } }
            div.stat { span.n { (cells.len()) } span.l { (t("rep.sh.cells")) } }
        }
        @if cells.is_empty() {
            p.empty { (t("rep.sh.none")) }
        } @else {
            section.card aria-labelledby="heat-h" {
                h2 #heat-h { (t("rep.sh.heat")) }
                p.muted { (t("rep.sh.heat_hint")) }
                (heat_map(ctx, &cells))
            }
            section.card aria-labelledby="cells-h" {
                h2 #cells-h { (t("rep.sh.top")) }
                (cells_table(ctx, &cells))
            }
        }
        (what_if_section(ctx, range, &cells, result))
    }
}

fn slot_word(ctx: &Ctx, slot: Slot) -> &'static str {
    match slot {
        Slot::Morning => ctx.t("rep.sh.morning"),
        Slot::Afternoon => ctx.t("rep.sh.afternoon"),
        Slot::Evening => ctx.t("rep.sh.evening"),
    }
}

fn town_name<'a>(ctx: &Ctx, cell: &'a Cell) -> &'a str {
    cell.town.as_deref().unwrap_or(ctx.t("rep.sh.no_town"))
}

/// Unmet occurrences per weekday (rows) and slot (columns), shaded by count.
fn heat_map(ctx: &Ctx, cells: &[Cell]) -> Markup {
    let mut grid = [[(0u32, 0i64); 3]; 7];
    for c in cells {
        let slot = Slot::ALL.iter().position(|s| *s == c.slot).unwrap_or(0);
        let entry = &mut grid[usize::from(c.weekday.clamp(1, 7) - 1)][slot];
        entry.0 += c.unmet;
        entry.1 += c.minutes;
    }
    let max = grid.iter().flatten().map(|c| c.0).max().unwrap_or(0).max(1);
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    html! {
        div.table-wrap {
            table.heat {
                thead { tr {
                    th scope="col" { span.sr-only { (ctx.t("rep.sh.weekday")) } }
                    @for s in Slot::ALL { th scope="col" { (slot_word(ctx, s)) } }
                } }
                tbody {
                    @for (i, day) in days.iter().enumerate() {
                        // Weekends only when someone asked for them.
                        @let weekend = i >= 5;
                        @if !weekend || grid[i].iter().any(|c| c.0 > 0) {
                        tr {
                            th scope="row" { (ctx.locale.weekday_long(*day)) }
                            @for (n, minutes) in grid[i] {
                                @let level = if n == 0 { 0 } else { 1 + (n * 4 - 1) / max };
                                td class=(format!("heat-{level}")) {
                                    @if n > 0 {
                                        strong { (n) }
                                        span.heat-h { (hours(ctx.locale, minutes)) " h" }
                                    } @else {
                                        span.muted { "0" }
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

fn cells_table(ctx: &Ctx, cells: &[Cell]) -> Markup {
    let t = |k| ctx.t(k);
    html! {
        div.table-wrap {
            table.rep-table {
                thead { tr {
                    th scope="col" { (t("rep.col.language")) }
                    th scope="col" { (t("rep.sh.weekday")) }
                    th scope="col" { (t("rep.sh.slot")) }
                    th scope="col" { (t("rep.sh.town")) }
                    th.num scope="col" { (t("rep.sh.unmet")) }
                    th.num scope="col" { (t("rep.col.hours")) }
                } }
                tbody {
                    @for c in cells.iter().take(TOP_CELLS) {
                        tr {
                            th scope="row" { (ctx.locale.language_name(&c.language)) }
                            td.cap { (ctx.locale.weekday_long(c.weekday())) }
                            td { (slot_word(ctx, c.slot)) }
                            td { (town_name(ctx, c)) }
                            td.num { (c.unmet) }
                            td.num { (hours(ctx.locale, c.minutes)) }
                        }
                    }
                }
            }
        }
        @if cells.len() > TOP_CELLS {
            p.muted { (cells.len() - TOP_CELLS) " " (t("rep.sh.more_cells")) }
        }
    }
}

fn what_if_section(ctx: &Ctx, range: Range, cells: &[Cell], result: Option<&WhatIf>) -> Markup {
    let t = |k| ctx.t(k);
    let options = WhatIfOptions::default();
    let tried = options.candidates.min(cells.len());
    let seconds =
        duration_secs(options.per_solve * (tried as u32 + 1).div_ceil(shortage::WORKERS as u32));
    html! {
        section.card.whatif aria-labelledby="whatif-h" {
            h2 #whatif-h { (t("rep.sh.whatif")) }
            p { (t("rep.sh.whatif_lead")) }
            @if let Some(result) = result {
                (suggestions(ctx, result))
            }
            @if !cells.is_empty() {
                form.whatif-form method="post" action="/coord/shortage#whatif-h" {
                    (csrf_field(ctx))
                    input type="hidden" name="from" value=(range.from.to_string());
                    input type="hidden" name="to" value=(range.to.to_string());
                    button.primary type="submit" aria-describedby="whatif-hint" {
                        (if result.is_some() { t("rep.sh.recompute") } else { t("rep.sh.compute") })
                    }
                    p.hint #whatif-hint {
                        (t("rep.sh.compute_hint")) " " (seconds) " s."
                    }
                    p.whatif-progress #whatif-progress role="status" hidden {
                        span.progress-track {
                            span.progress-fill style=(format!("animation-duration: {seconds}s")) {}
                        }
                        " " (t("rep.sh.computing"))
                    }
                }
            }
        }
    }
}

fn suggestions(ctx: &Ctx, result: &WhatIf) -> Markup {
    let t = |k| ctx.t(k);
    let l = ctx.locale;
    html! {
        div role="status" {
            @if result.suggestions.is_empty() {
                p.notice { (t("rep.sh.no_gain")) }
            } @else {
                div.table-wrap {
                    table.rep-table.whatif-table {
                        caption.sr-only { (t("rep.sh.whatif")) }
                        thead { tr {
                            th scope="col" { (t("rep.sh.suggestion")) }
                            th.num scope="col" { (t("rep.sh.more")) }
                            th.num scope="col" { (t("rep.sh.more_hours")) }
                        } }
                        tbody {
                            @for s in result.suggestions.iter().take(TOP_SUGGESTIONS) {
                                tr {
                                    th scope="row" { (sentence(ctx, &s.cell, s.more_filled, s.more_minutes)) }
                                    td.num { strong { "+" (s.more_filled) } }
                                    td.num { "+" (hours(l, s.more_minutes)) }
                                }
                            }
                        }
                    }
                }
            }
            p.muted.whatif-meta {
                (t("rep.sh.baseline")) " " (result.baseline_filled) " / " (result.instance_requests)
                " · " (t("rep.sh.tried")) " " (result.tried)
                " · " (super::number(l, result.elapsed_ms as f64 / 1000.0, 1)) " s"
            }
        }
    }
}

/// "One more Urdu mediator on Monday mornings in Prato would fill 3 more requests (4.5
/// hours)."
pub fn sentence(ctx: &Ctx, cell: &Cell, n: u32, minutes: i64) -> String {
    let l = ctx.locale;
    let lang = l.language_name(&cell.language);
    let day = l.weekday_long(cell.weekday());
    let slot = slot_word(ctx, cell.slot).to_lowercase();
    let h = hours(l, minutes);
    let requests = if n == 1 {
        ctx.t("rep.sh.request_one")
    } else {
        ctx.t("rep.sh.request_many")
    };
    match l {
        Locale::It => {
            let town = cell
                .town
                .as_deref()
                .map(|t| format!(" a {t}"))
                .unwrap_or_default();
            format!("Un mediatore in più per {lang}, di {day} {slot}{town}, coprirebbe {n} {requests} in più ({h} ore).")
        }
        Locale::En => {
            let town = cell
                .town
                .as_deref()
                .map(|t| format!(" in {t}"))
                .unwrap_or_default();
            format!("One more {lang} mediator on {day} {slot}s{town} would fill {n} more {requests} ({h} hours).")
        }
    }
}
