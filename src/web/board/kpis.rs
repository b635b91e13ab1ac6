//! A finished plan's figures: coverage by urgency and by language, travel, the bound and
//! the gap, the reasons of what is left out, and the notes and conflicts of its data.
use std::collections::BTreeMap;

use maud::{html, Markup};
use serde_json::Value;

use super::reason_key;
use crate::entity::plan;
use crate::web::layout::badge;
use crate::web::session::Ctx;

pub fn render(ctx: &Ctx, plan: &plan::Model) -> Markup {
    let t = |k| ctx.t(k);
    let empty = Value::Null;
    let k = plan.kpis.as_ref().unwrap_or(&empty);
    let requests = k["requests"].as_u64().unwrap_or(0);
    let assigned = k["assigned"].as_u64().unwrap_or(0);
    let travel = k["travel_minutes"].as_i64().unwrap_or(0);
    let urgencies: Vec<(&str, &Value)> = ["emergency", "urgent", "routine"]
        .into_iter()
        .filter_map(|u| k["coverage_by_urgency"].get(u).map(|v| (u, v)))
        .collect();
    let mut languages: Vec<(&String, &Value)> = k["coverage_by_language"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    languages.sort_by_key(|(name, v)| {
        (
            std::cmp::Reverse(v["requests"].as_u64().unwrap_or(0)),
            (*name).clone(),
        )
    });
    let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    for u in plan
        .unassigned
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        *reasons
            .entry(reason_key(u["reason"].as_str().unwrap_or_default()))
            .or_default() += 1;
    }
    let notes: Vec<&str> = k["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let conflicts: Vec<&Value> = plan
        .conflicts
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    html! {
        section.kpis aria-labelledby="kpi-title" {
            h2 #kpi-title.sr-only { (t("board.kpi.title")) }
            div.stats {
                div.stat.kpi-coverage {
                    span.n { (percent(share(assigned, requests))) }
                    span.l { (t("board.kpi.coverage")) " · " (assigned) "/" (requests) }
                }
                div.stat {
                    span.n { (percent(k["weighted_coverage"].as_f64().unwrap_or(0.0))) }
                    span.l { (t("board.kpi.weighted")) }
                }
                div.stat {
                    span.n { (hours(travel)) }
                    span.l { (t("board.kpi.travel")) " · " (travel) " " (t("board.min")) }
                }
                @if let Some(h) = k["hours_per_mediator"].as_object() {
                    @let num = |key: &str| h.get(key).and_then(Value::as_f64).unwrap_or(0.0);
                    div.stat.kpi-fairness title=(t("board.kpi.fairness_hint")) {
                        span.n { (format!("{:.1} – {:.1} – {:.1}", num("min"), num("median"), num("max")).replace('.', if ctx.locale == crate::web::i18n::Locale::It { "," } else { "." })) }
                        span.l { (t("board.kpi.fairness")) " · Gini " (format!("{:.2}", num("gini"))) }
                    }
                }
                @if let Some(n) = k["fallbacks"]["count"].as_u64() {
                    div.stat.kpi-fallbacks title=(t("board.kpi.fallbacks_hint")) {
                        span.n { (n) }
                        span.l { (t("board.kpi.fallbacks")) " · " (k["fallbacks"]["cost"].as_i64().unwrap_or(0)) " " (t("board.kpi.points")) }
                    }
                }
                div.stat.kpi-gap {
                    span.n { (plan.gap.map_or("—".to_string(), |g| format!("{:.1}%", g * 100.0))) }
                    span.l { (t("board.kpi.gap")) }
                }
            }
            p.bound.muted {
                (t("board.kpi.objective")) " " strong { (plan.objective.map_or("—".into(), |v| v.to_string())) }
                " · " (t("board.kpi.bound")) " " strong { (plan.upper_bound.map_or("—".into(), |v| v.to_string())) }
                " — " (t("board.kpi.bound_hint"))
            }
            div.kpi-tables {
                section.card {
                    h2 { (t("board.kpi.by_urgency")) }
                    (coverage_table(ctx, t("req.urgency"), urgencies.iter().map(|(u, v)| (badge(ctx, u), *v))))
                }
                section.card {
                    h2 { (t("board.kpi.by_language")) }
                    (coverage_table(ctx, t("req.language"), languages.iter().map(|(l, v)| (html! { (ctx.locale.language_name(l)) }, *v))))
                }
            }
            @if !reasons.is_empty() {
                section.card {
                    h2 { (t("board.kpi.reasons")) }
                    ul.reasons {
                        @for (key, n) in &reasons { li { strong { (n) } " " (t(*key)) } }
                    }
                }
            }
            @if !notes.is_empty() || !conflicts.is_empty() {
                section.card.plan-notes {
                    h2 { (t("board.kpi.notes")) }
                    ul {
                        @for n in &notes { li lang="en" { (n) } }
                        @for c in &conflicts { li lang="en" { (t("board.kpi.conflict")) " " (c["message"].as_str().unwrap_or_default()) } }
                    }
                }
            }
        }
    }
}

fn coverage_table<'a>(
    ctx: &Ctx,
    first: &str,
    rows: impl Iterator<Item = (Markup, &'a Value)>,
) -> Markup {
    html! {
        div.table-wrap.flat {
            table.coverage {
                thead { tr {
                    th scope="col" { (first) }
                    th scope="col" { (ctx.t("board.kpi.assigned")) }
                    th scope="col" { (ctx.t("board.kpi.coverage")) }
                } }
                tbody {
                    @for (name, v) in rows {
                        @let n = v["requests"].as_u64().unwrap_or(0);
                        @let a = v["assigned"].as_u64().unwrap_or(0);
                        @let s = share(a, n);
                        tr {
                            th scope="row" { (name) }
                            td.num { (a) " / " (n) }
                            td {
                                div.meter-row {
                                    span.meter aria-hidden="true" {
                                        span class=(format!("fill {}", level(s))) style=(format!("width:{:.1}%", s * 100.0)) {}
                                    }
                                    span.num { (percent(s)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

fn percent(s: f64) -> String {
    format!("{:.0}%", s * 100.0)
}

/// "3 h 05" from minutes.
fn hours(minutes: i64) -> String {
    format!("{} h {:02}", minutes / 60, minutes % 60)
}

/// Colour class of a coverage bar: good, fair, poor.
fn level(s: f64) -> &'static str {
    if s >= 0.9 {
        "good"
    } else if s >= 0.6 {
        "fair"
    } else {
        "poor"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_well() {
        assert_eq!(hours(185), "3 h 05");
        assert_eq!(percent(share(2, 3)), "67%");
        assert_eq!(share(0, 0), 1.0);
        assert_eq!(level(0.95), "good");
        assert_eq!(level(0.5), "poor");
    }
}
