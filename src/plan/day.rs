//! A coordinator's day: what the latest plan proposes for it (its drafts) beside what people
//! were told (published and accepted assignments), the occurrences left without a mediator
//! with the reason, and each mediator's shifts. The board page renders it; nothing here
//! knows about pages.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use super::plans;
use crate::assignment::{State, LIVE_STATES};
use crate::domain::local_time::{parse_zone, Window, DEFAULT_ZONE};
use crate::domain::recurrence;
use crate::entity::{assignment, mediator, plan, plan_assignment, request};
use crate::error::Error;
use crate::notice::Localized;
use crate::registry::shifts::Availabilities;
use crate::request::{occurrence, store};

/// A mediator's shifts of the day, as UTC intervals.
pub type Shifts = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// Where a block comes from: a draft of the plan (editable) or a live assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Draft { plan_id: i64, draft_id: i64 },
    Live { assignment_id: i64 },
}

#[derive(Debug, Clone)]
pub struct Block {
    pub source: Source,
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `draft`, `locked`, `published`, `accepted`, or `cancelling` (a live assignment the
    /// coordinator took out of the plan: cancelled when it is published).
    pub state: &'static str,
    pub locked: bool,
    pub travel_minutes: Option<i32>,
    /// Served in one of the request's fallback modalities.
    pub modality: Option<crate::domain::request::Modality>,
}

pub struct Unfilled {
    pub request_id: i64,
    pub occurrence: i32,
    pub start: DateTime<Utc>,
    pub reason: String,
    /// The binding cause in both languages (plans since the detail was added).
    pub detail: Option<Localized>,
    /// The nearest ways to fill it, in both languages, each with what applying it changes
    /// (`{"modality": …}` or `{"start": …}`) when the plan said.
    pub alternatives: Vec<(Localized, Option<Value>)>,
}

pub struct Day {
    pub date: NaiveDate,
    pub plan: Option<plan::Model>,
    /// The plan's drafts are shown (it is finished and not yet published).
    pub drafts_shown: bool,
    pub blocks: Vec<Block>,
    pub unfilled: Vec<Unfilled>,
    /// Each available mediator's shifts of the day.
    pub shifts: HashMap<i64, Shifts>,
}

impl Day {
    /// The board of `date`: the latest plan covering it, its drafts while it awaits
    /// publication, what is live, what is unfilled and why, and who works that day.
    pub async fn load<C: ConnectionTrait>(db: &C, date: NaiveDate) -> Result<Day, Error> {
        let window = Window::day(date, DEFAULT_ZONE);
        let plan = plans::latest_covering(db, date).await?;
        let drafts_shown = plan
            .as_ref()
            .is_some_and(|p| p.status == "finished" && p.published_at.is_none());
        let drafts = match (&plan, drafts_shown) {
            (Some(p), true) => plans::drafts(db, p.id).await?,
            _ => Vec::new(),
        };
        let live = assignment::Entity::find()
            .filter(assignment::Column::State.is_in(LIVE_STATES))
            .filter(assignment::Column::Start.lt(window.end))
            .filter(assignment::Column::End.gt(window.start))
            .all(db)
            .await?;
        let taken_out = if drafts_shown {
            taken_out(plan.as_ref())
        } else {
            HashSet::new()
        };
        let blocks = blocks(window, &drafts, &live, &taken_out);
        let unfilled = unfilled(db, window, plan.as_ref(), &blocks).await?;
        let shifts = shifts(db, date).await?;
        Ok(Day {
            date,
            plan,
            drafts_shown,
            blocks,
            unfilled,
            shifts,
        })
    }
}

/// Live assignments the coordinator took out of the unpublished plan.
fn taken_out(plan: Option<&plan::Model>) -> HashSet<i64> {
    plan.and_then(|p| p.unassigned.as_ref())
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|u| u["reason"] == "unassigned_by_coordinator")
        .filter_map(|u| u["assignment_id"].as_i64())
        .collect()
}

fn live_state(state: State) -> &'static str {
    if state == State::Accepted {
        "accepted"
    } else {
        "published"
    }
}

/// Drafts of the day, and live assignments no draft stands for. A draft that keeps a live
/// assignment unchanged shows the live state: that is what the mediator was told.
fn blocks(
    window: Window,
    drafts: &[plan_assignment::Model],
    live: &[assignment::Model],
    taken_out: &HashSet<i64>,
) -> Vec<Block> {
    let live_by_id: HashMap<i64, &assignment::Model> = live.iter().map(|a| (a.id, a)).collect();
    let represented: HashSet<i64> = drafts.iter().filter_map(|d| d.assignment_id).collect();
    let mut blocks = Vec::new();
    for d in drafts
        .iter()
        .filter(|d| d.start < window.end && window.start < d.end)
    {
        let kept = d
            .assignment_id
            .and_then(|id| live_by_id.get(&id))
            .filter(|a| a.mediator_id == d.mediator_id && a.start == d.start && a.end == d.end);
        let state = match kept {
            Some(a) => live_state(a.state),
            None if d.locked => "locked",
            None => "draft",
        };
        blocks.push(Block {
            source: Source::Draft {
                plan_id: d.plan_id,
                draft_id: d.id,
            },
            request_id: d.request_id,
            occurrence: d.occurrence,
            mediator_id: d.mediator_id,
            start: d.start,
            end: d.end,
            state,
            locked: d.locked,
            travel_minutes: Some(d.travel_minutes),
            modality: d.modality,
        });
    }
    for a in live.iter().filter(|a| !represented.contains(&a.id)) {
        blocks.push(Block {
            source: Source::Live {
                assignment_id: a.id,
            },
            request_id: a.request_id,
            occurrence: a.occurrence,
            mediator_id: a.mediator_id,
            start: a.start,
            end: a.end,
            state: if taken_out.contains(&a.id) {
                "cancelling"
            } else {
                live_state(a.state)
            },
            locked: false,
            travel_minutes: None,
            modality: a.modality,
        });
    }
    blocks.sort_by_key(|b| (b.start, b.mediator_id));
    blocks
}

/// Occurrences of the day that no block covers: with the plan's reason when the plan left
/// them out, or "not planned yet" when no plan has seen them.
async fn unfilled<C: ConnectionTrait>(
    db: &C,
    window: Window,
    plan: Option<&plan::Model>,
    blocks: &[Block],
) -> Result<Vec<Unfilled>, Error> {
    let covered: HashSet<(i64, i32)> = blocks
        .iter()
        .filter(|b| b.state != "cancelling")
        .map(|b| (b.request_id, b.occurrence))
        .collect();
    type Why = (String, Option<Localized>, Vec<(Localized, Option<Value>)>);
    let reasons: HashMap<(i64, i32), Why> = plan
        .and_then(|p| p.unassigned.as_ref())
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|u| {
            let key = (
                u["request_id"].as_i64()?,
                i32::try_from(u["occurrence"].as_i64()?).ok()?,
            );
            // A `capacity` that is really the cost of travel, or the week's hours, is shown
            // as that: "all busy" would send the coordinator the wrong way.
            let reason = match (u["reason"].as_str(), u["cause"].as_str()) {
                (Some("capacity"), Some(cause @ ("cost" | "workload"))) => {
                    format!("capacity_{cause}")
                }
                (reason, _) => reason.unwrap_or_default().to_string(),
            };
            let alternatives = u["alternatives"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| Some((Localized::from_json(a)?, a.get("apply").cloned())))
                .collect();
            Some((
                key,
                (reason, Localized::from_json(&u["detail"]), alternatives),
            ))
        })
        .collect();
    let candidates = request::Entity::find()
        .filter(request::Column::Status.ne("cancelled"))
        .filter(request::Column::EarliestStart.lt(window.end))
        .filter(
            Condition::any()
                .add(request::Column::EarliestStart.gte(window.start))
                // A series lasts at most a year.
                .add(
                    Condition::all()
                        .add(request::Column::Rrule.is_not_null())
                        .add(
                            request::Column::EarliestStart
                                .gte(window.start - TimeDelta::days(recurrence::SERIES_REACH_DAYS)),
                        ),
                ),
        )
        .all(db)
        .await?;
    let zones = store::zones(db, candidates.iter().map(|r| r.organisation_id)).await?;
    let cancelled = occurrence::cancelled(db, candidates.iter().map(|r| r.id)).await?;
    let closures = crate::registry::closures::Closures::load(
        db,
        window
            .start
            .date_naive()
            .pred_opt()
            .unwrap_or(window.start.date_naive()),
        window.end.date_naive(),
    )
    .await?;
    let mut list = Vec::new();
    for r in &candidates {
        let zone = zones
            .get(&r.organisation_id)
            .copied()
            .unwrap_or(DEFAULT_ZONE);
        for (occurrence, start) in occurrences_in(r, zone, cancelled.get(&r.id), window) {
            // Held, or skipped for a holiday or closure: not waiting for anyone.
            if covered.contains(&(r.id, occurrence)) || closures.skips(r, start, zone).is_some() {
                continue;
            }
            let (reason, detail, alternatives) = reasons
                .get(&(r.id, occurrence))
                .cloned()
                .unwrap_or_else(|| ("not_planned".to_string(), None, Vec::new()));
            list.push(Unfilled {
                request_id: r.id,
                occurrence,
                start,
                reason,
                detail,
                alternatives,
            });
        }
    }
    list.sort_by_key(|u| (u.start, u.request_id));
    Ok(list)
}

/// The occurrences of a request that start within the window and are not cancelled,
/// numbered from 1, the series expanded in its organisation's `zone`.
fn occurrences_in(
    r: &request::Model,
    zone: Tz,
    cancelled: Option<&HashSet<i32>>,
    window: Window,
) -> Vec<(i32, DateTime<Utc>)> {
    occurrence::numbered(r, zone, cancelled)
        .filter(|(_, t)| window.start <= *t && *t < window.end)
        .collect()
}

/// Each active mediator's shifts on the day, in their own zone.
async fn shifts<C: ConnectionTrait>(
    db: &C,
    date: NaiveDate,
) -> Result<HashMap<i64, Shifts>, Error> {
    let availability = Availabilities::load(db, None, date, date).await?;
    let mediators = mediator::Entity::find()
        .filter(mediator::Column::Active.eq(true))
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for m in mediators {
        let zone = parse_zone(&m.timezone).unwrap_or(DEFAULT_ZONE);
        let list = availability.expand(m.id, zone, date, date);
        if !list.is_empty() {
            out.insert(m.id, list);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_series_shows_the_occurrence_of_the_day_with_its_number() {
        let first = at("2027-03-01T08:00:00Z");
        let r = request::Model {
            occurrences: 5,
            ..crate::request::sample(first, Some("FREQ=WEEKLY;COUNT=5"))
        };
        let third = NaiveDate::from_ymd_opt(2027, 3, 15).unwrap();
        let got = occurrences_in(&r, DEFAULT_ZONE, None, Window::day(third, DEFAULT_ZONE));
        assert_eq!(got, vec![(3, at("2027-03-15T08:00:00Z"))]);
        // After the clocks change the series keeps 09:00 on the wall clock.
        let fifth = NaiveDate::from_ymd_opt(2027, 3, 29).unwrap();
        let got = occurrences_in(&r, DEFAULT_ZONE, None, Window::day(fifth, DEFAULT_ZONE));
        assert_eq!(got, vec![(5, at("2027-03-29T07:00:00Z"))]);
        let tuesday = NaiveDate::from_ymd_opt(2027, 3, 16).unwrap();
        assert!(
            occurrences_in(&r, DEFAULT_ZONE, None, Window::day(tuesday, DEFAULT_ZONE)).is_empty()
        );
    }

    #[test]
    fn a_cancelled_occurrence_is_not_on_the_day() {
        let first = at("2027-03-01T08:00:00Z");
        let r = crate::request::sample(first, Some("FREQ=WEEKLY;COUNT=5"));
        let third = Window::day(NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(), DEFAULT_ZONE);
        let cancelled: HashSet<i32> = [3].into();
        assert!(occurrences_in(&r, DEFAULT_ZONE, Some(&cancelled), third).is_empty());
        let other: HashSet<i32> = [2].into();
        assert_eq!(
            occurrences_in(&r, DEFAULT_ZONE, Some(&other), third),
            vec![(3, at("2027-03-15T08:00:00Z"))]
        );
    }

    #[test]
    fn a_series_repeats_on_its_organisations_clock() {
        // 09:00 in New York every Monday; the clocks change there on 14 March, two weeks
        // before Europe's. Read in Rome's zone (as the board did) the second meeting came
        // out an hour late.
        let first = at("2027-03-08T14:00:00Z");
        let r = crate::request::sample(first, Some("FREQ=WEEKLY;COUNT=2"));
        let new_york: Tz = "America/New_York".parse().unwrap();
        let day = Window::day(NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(), DEFAULT_ZONE);
        assert_eq!(
            occurrences_in(&r, new_york, None, day),
            vec![(2, at("2027-03-15T13:00:00Z"))]
        );
    }
}
