//! Urgent dispatch: an emergency (or an urgent request for today) is inserted at once into
//! the published plan without moving anything, and the chosen mediators are told.
//!
//! - `urgent`, for an occurrence that starts by the end of the organisation's local day:
//!   one `published` assignment for the best mediator, with its notice.
//! - `emergency`, for occurrences starting within [`EMERGENCY_AHEAD_DAYS`]: offers to the
//!   best few (up to [`OFFERS`]) distinct mediators, each with its own link; the first to
//!   accept wins (`assignment::respond`).
//! - No one fits: the coordinators are told the reason and the nearest alternatives.
//! - An offer nobody answers lapses (`lapse`): the next, wider round is asked.
//!
//! Runs after the request's transaction committed: a failure here never loses the request,
//! which the planner still sees.
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::EntityTrait;

use crate::assignment::State;
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::request::Urgency;
use crate::entity::{assignment, organisation, request};
use crate::notice::Localized;
use crate::plan::snapshot::{self, OccurrenceRef, Window};
use crate::registry::closures::Closures;
use crate::startup::AppState;

pub mod choose;
pub mod lapse;
pub mod why;
pub mod write;

use why::{Alternative, Why};
use write::Written;

/// Candidates offered an emergency at once.
pub const OFFERS: usize = 3;
/// Emergencies of a series are dispatched this far ahead; later occurrences are planned.
pub const EMERGENCY_AHEAD_DAYS: i64 = 7;

/// What dispatch did for one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Published {
        assignment_id: i64,
    },
    Offered {
        assignment_ids: Vec<i64>,
    },
    /// In English, as the audit trail keeps them; the notices speak each reader's language.
    Unfilled {
        reason: String,
        alternatives: Vec<String>,
    },
    /// Held already (live or offered), or the request is no longer open.
    Held,
    /// Lost every race (see `ATTEMPTS`); coordinators are told, as for `Unfilled`.
    Contended,
}

/// Called after a request was stored (its transaction committed): dispatches it at once when
/// its urgency asks for it. One outcome per dispatched occurrence.
pub async fn after_submit(state: &AppState, request_id: i64) -> anyhow::Result<Vec<Outcome>> {
    let Some(r) = request::Entity::find_by_id(request_id)
        .one(&state.db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let zone = zone_of(state, &r).await?;
    let now = state.clock.now();
    let (kind, until) = match r.urgency {
        Urgency::Emergency => (State::Offered, now + TimeDelta::days(EMERGENCY_AHEAD_DAYS)),
        Urgency::Urgent => (State::Published, end_of_local_day(now, zone)),
        Urgency::Routine => return Ok(Vec::new()),
    };
    // A series skips its holidays and closures; a single meeting was asked for its day.
    let closures = if r.rrule.is_some() {
        let day = |t: DateTime<Utc>| local_time::to_local(t, zone).date_naive();
        Closures::load(&state.db, day(now), day(until)).await?
    } else {
        Closures::default()
    };
    let mut outcomes = Vec::new();
    for (occ, start) in occurrences(&r, zone) {
        let latest = start + (r.latest_start - r.earliest_start);
        if latest < now || start >= until || closures.skips(&r, start, zone).is_some() {
            continue;
        }
        let round = Round {
            asked: Vec::new(),
            replacing: Vec::new(),
        };
        outcomes.push(dispatch(state, &r, zone, occ, start, kind, round).await?);
    }
    Ok(outcomes)
}

/// Runs `after_submit` on its own task, so that a client hanging up cannot cut it short,
/// and waits for it; a failure is logged, never returned: the request is stored.
pub async fn after_submit_detached(state: &AppState, request_id: i64) {
    let state = state.clone();
    let task = tokio::spawn(async move { after_submit(&state, request_id).await });
    match task.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, request_id, "urgent dispatch failed"),
        Err(e) => tracing::error!(error = %e, request_id, "urgent dispatch task failed"),
    }
}

/// Called after a mediator declined: tries the occurrence again, never with a mediator
/// asked before. Nothing happens while it is held or offered.
pub async fn redispatch(
    state: &AppState,
    request_id: i64,
    occurrence: i32,
) -> anyhow::Result<Outcome> {
    let occ = OccurrenceRef {
        request_id,
        occurrence,
    };
    if !write::open(&state.db, occ, &[]).await? {
        return Ok(Outcome::Held);
    }
    again(state, occ, Vec::new()).await
}

/// After live assignments were released (an absence, a mediator excluded from the
/// request): emergency and urgent occurrences are dispatched again at once; routine ones
/// wait, unfilled, for the next plan. A failure is logged: the release is committed.
pub async fn after_release(state: &AppState, released: &[(i64, i32)]) {
    for &(request_id, occurrence) in released {
        let urgent = match request::Entity::find_by_id(request_id).one(&state.db).await {
            Ok(r) => r.is_some_and(|r| r.urgency != Urgency::Routine),
            Err(e) => {
                tracing::error!(error = %e, request_id, "re-dispatch after a release failed");
                continue;
            }
        };
        if urgent {
            if let Err(e) = redispatch(state, request_id, occurrence).await {
                tracing::error!(error = %e, request_id, occurrence, "re-dispatch after a release failed");
            }
        }
    }
}

/// The next round for an occurrence whose rows in `replacing` (all awaiting an answer, all
/// due) are to lapse: the rows lapse in the same transaction that writes the new offers, or
/// the coordinators' notice, so that a process killed in between leaves them due, for any
/// worker to take up again, and two workers never both escalate them.
pub(crate) async fn again(
    state: &AppState,
    occ: OccurrenceRef,
    replacing: Vec<assignment::Model>,
) -> anyhow::Result<Outcome> {
    let Some(r) = request::Entity::find_by_id(occ.request_id)
        .one(&state.db)
        .await?
    else {
        return lapse_alone(state, &replacing).await;
    };
    let zone = zone_of(state, &r).await?;
    let Some((_, start)) = occurrences(&r, zone)
        .into_iter()
        .find(|(o, _)| o.occurrence == occ.occurrence)
    else {
        return lapse_alone(state, &replacing).await;
    };
    let kind = if r.urgency == Urgency::Emergency {
        State::Offered
    } else {
        State::Published
    };
    let mut asked = asked_before(state, occ).await?;
    asked.extend(replacing.iter().map(|a| a.mediator_id));
    asked.sort_unstable();
    asked.dedup();
    let round = Round { asked, replacing };
    dispatch(state, &r, zone, occ, start, kind, round).await
}

/// Lapses `replacing` with no next round: the occurrence no longer waits for anyone (the
/// request or the meeting was cancelled, or someone holds it), so that due rows never stay
/// due.
async fn lapse_alone(state: &AppState, replacing: &[assignment::Model]) -> anyhow::Result<Outcome> {
    if !replacing.is_empty() {
        let write = crate::storage::Write::begin(&state.db).await?;
        let now = state.clock.now();
        if lapse::lapse_in(&write.txn, &state.links(), replacing, now).await? {
            write.commit().await?;
        } else {
            write.rollback().await?;
        }
    }
    Ok(Outcome::Held)
}

/// Who a round must not ask, and the rows it replaces.
struct Round {
    /// Mediators asked before for this occurrence.
    asked: Vec<i64>,
    /// The due rows that lapse with this round's write.
    replacing: Vec<assignment::Model>,
}

/// One occurrence: snapshot of its day, insertion, write; once more on a lost race.
async fn dispatch(
    state: &AppState,
    r: &request::Model,
    zone: Tz,
    occ: OccurrenceRef,
    start: DateTime<Utc>,
    kind: State,
    round: Round,
) -> anyhow::Result<Outcome> {
    let latest = start + (r.latest_start - r.earliest_start);
    let end = latest + TimeDelta::minutes(i64::from(r.duration_minutes));
    let window = Window::local_dates(
        local_time::to_local(start, zone).date_naive(),
        local_time::to_local(latest, zone).date_naive(),
        zone,
    );
    let links = state.links();
    let count = if kind == State::Offered {
        crate::domain::offer::round_size(OFFERS, round.asked.len())
    } else {
        1
    };
    let replacing = &round.replacing;
    let ignoring: Vec<i64> = replacing.iter().map(|a| a.id).collect();
    let mut excluded = round.asked.clone();
    for _attempt in 0..ATTEMPTS {
        if !write::open(&state.db, occ, &ignoring).await? {
            return lapse_alone(state, replacing).await;
        }
        let now = state.clock.now();
        if latest < now {
            // Too late for anyone: only the coordinators can still act (call the family,
            // move the meeting).
            let asked = if replacing.is_empty() {
                0
            } else {
                round.asked.len()
            };
            return unfilled(state, occ, &Why::TooLate { asked }, &[], replacing, now).await;
        }
        let snapshot = snapshot::build_in(&state.db, window, zone).await?;
        excluded.extend(write::offered_during(&state.db, start, end).await?);
        let req = choose::request_of(&snapshot, occ, &excluded);
        let found = match &req {
            Ok(req) => choose::best_served(&snapshot.problem, req, count),
            Err(no_one) => Err(no_one.clone()),
        };
        let choices = match found {
            Ok(choices) => choices,
            Err(no_one) => {
                let alternatives = match &req {
                    Ok(req) => {
                        let next = Window::day(window_end_date(window, zone), zone);
                        let next_day = snapshot::build_in(&state.db, next, zone).await.ok();
                        choose::alternatives(&snapshot, req, next_day.as_ref(), zone)
                    }
                    Err(_) => Vec::new(),
                };
                let why = if replacing.is_empty() {
                    no_one.why()
                } else {
                    Why::NoAnswer {
                        asked: round.asked.len(),
                        then: Box::new(no_one.why()),
                    }
                };
                return unfilled(state, occ, &why, &alternatives, replacing, now).await;
            }
        };
        let expires_at = state
            .config
            .offers
            .lifetimes()
            .expires_at(r.urgency, now, start);
        let offer = write::Offer {
            state: kind,
            expires_at,
            replacing,
            now,
        };
        match write::assign(&state.db, &links, occ, &choices, offer).await? {
            Written::Rows(ids) if kind == State::Offered => {
                return Ok(Outcome::Offered {
                    assignment_ids: ids,
                })
            }
            Written::Rows(ids) => {
                return Ok(Outcome::Published {
                    assignment_id: ids[0],
                })
            }
            Written::Held => return Ok(Outcome::Held),
            Written::Raced(busy) => excluded.extend(busy),
        }
    }
    // Every candidate found was taken meanwhile (other emergencies' offers, a publication):
    // the coordinators must still hear of it, never silence.
    let now = state.clock.now();
    match unfilled(state, occ, &Why::Contended, &[], replacing, now).await? {
        Outcome::Held => Ok(Outcome::Held),
        _ => Ok(Outcome::Contended),
    }
}

/// Tells the coordinators (lapsing `replacing` with it); `Held` when those rows were
/// answered or lapsed by another worker meanwhile.
async fn unfilled(
    state: &AppState,
    occ: OccurrenceRef,
    why: &Why,
    alternatives: &[Alternative],
    replacing: &[assignment::Model],
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let links = state.links();
    let reason = why.words();
    let alternatives: Vec<Localized> = alternatives.iter().map(Alternative::words).collect();
    if !write::unfilled(
        &state.db,
        &links,
        occ,
        &reason,
        &alternatives,
        replacing,
        now,
    )
    .await?
    {
        return Ok(Outcome::Held);
    }
    Ok(Outcome::Unfilled {
        reason: reason.en,
        alternatives: alternatives.into_iter().map(|a| a.en).collect(),
    })
}

/// Rounds of choose-then-write before giving up on a contended occurrence: each round
/// excludes the mediators the previous one found taken.
const ATTEMPTS: usize = 4;

fn window_end_date(window: Window, zone: Tz) -> chrono::NaiveDate {
    local_time::to_local(window.end, zone).date_naive()
}

/// Occurrences of a request with their first possible start, counted from 1.
fn occurrences(r: &request::Model, zone: Tz) -> Vec<(OccurrenceRef, DateTime<Utc>)> {
    crate::request::occurrence::starts(r, zone)
        .into_iter()
        .enumerate()
        .map(|(k, start)| {
            (
                OccurrenceRef {
                    request_id: r.id,
                    occurrence: k as i32 + 1,
                },
                start,
            )
        })
        .collect()
}

async fn zone_of(state: &AppState, r: &request::Model) -> anyhow::Result<Tz> {
    Ok(organisation::Entity::find_by_id(r.organisation_id)
        .one(&state.db)
        .await?
        .and_then(|o| local_time::parse_zone(&o.timezone).ok())
        .unwrap_or(DEFAULT_ZONE))
}

fn end_of_local_day(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let today = local_time::to_local(now, zone).date_naive();
    let tomorrow = today.succ_opt().unwrap_or(today);
    local_time::local_date_time_or_next(tomorrow, NaiveTime::MIN, zone)
}

/// Mediators asked for this occurrence before who are not asked again (declined, lapsed,
/// or withdrawn when another took it).
async fn asked_before(state: &AppState, occ: OccurrenceRef) -> anyhow::Result<Vec<i64>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(occ.request_id))
        .filter(assignment::Column::Occurrence.eq(occ.occurrence))
        .filter(assignment::Column::State.is_in(crate::domain::assignment::ASKED_BEFORE))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| a.mediator_id)
        .collect())
}
