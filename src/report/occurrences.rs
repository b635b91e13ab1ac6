//! Every request occurrence of a range, with what became of it: its live assignment (and
//! the travel of the plan draft that placed it), its cancellation, and the place and
//! organisation it belongs to. The figures and the shortage analysis are both computed
//! from this one list.
//!
//! Choices:
//! - An occurrence belongs to the range when its earliest start does (a single request is
//!   one occurrence; a series has one per date of its rule, `R{id}#{k}` in the instances).
//! - The cancellation time of a request is that of its `cancelled` audit event (its
//!   `updated_at` if the event is missing). A cancelled series cancels the occurrences that
//!   had not ended by then; the earlier ones took place. An occurrence cancelled on its own
//!   (or with the rest of its series from a date on) carries its own time.
//! - Travel is known for assignments placed by a plan: the latest draft that created or
//!   kept the assignment holds it. Urgent insertions store none and count as unknown.
use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::range::Range;
use crate::assignment::LIVE_STATES;
use crate::domain::closeout::Outcome;
use crate::domain::local_time::{parse_zone, DEFAULT_ZONE};
use crate::domain::recurrence;
use crate::domain::request::{Modality, Status, Urgency};
use crate::entity::{
    assignment, audit_event, mediator, occurrence_cancellation, organisation, plan_assignment,
    request, site,
};
use crate::registry::mediators::strings;

/// Rows per `IN (…)` list: well under the parameter limits of both backends.
const CHUNK: usize = 500;

/// The live assignment of an occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    pub mediator_id: i64,
    pub minutes: i64,
    /// When the assignment was made (its row's creation).
    pub assigned_at: DateTime<Utc>,
    pub travel_minutes: Option<i64>,
    /// What happened, once closed out, with the minutes it counts as delivered.
    pub outcome: Option<(Outcome, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub request_id: i64,
    pub occurrence: i32,
    pub series: bool,
    pub language: String,
    pub organisation_id: i64,
    /// The request's site, else its organisation's first (as planning does).
    pub site_id: Option<i64>,
    pub urgency: Urgency,
    pub modality: Modality,
    pub required_tags: Vec<String>,
    pub start: DateTime<Utc>,
    pub duration_minutes: i64,
    pub created_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub live: Option<Live>,
    /// The mediator of its latest assignment of any state (declined, cancelled…).
    pub last_mediator: Option<i64>,
    /// The organisation's case reference, for continuity.
    pub case_reference: Option<String>,
}

impl Occurrence {
    pub fn cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Neither cancelled nor held by a mediator.
    pub fn unmet(&self) -> bool {
        !self.cancelled() && self.live.is_none()
    }
}

/// The occurrences of a range and the names the reports show.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub occurrences: Vec<Occurrence>,
    pub organisations: HashMap<i64, String>,
    pub mediators: HashMap<i64, String>,
    pub sites: HashMap<i64, site::Model>,
}

pub async fn load<C: ConnectionTrait>(db: &C, range: Range) -> Result<Data, DbErr> {
    let window = range.window();
    let requests = request::Entity::find()
        .filter(request::Column::EarliestStart.lt(window.end))
        .filter(
            request::Column::EarliestStart
                .gte(window.start - TimeDelta::days(recurrence::SERIES_REACH_DAYS)),
        )
        .order_by_asc(request::Column::Id)
        .all(db)
        .await?;
    let orgs = organisation::Entity::find().all(db).await?;
    let zones: HashMap<i64, Tz> = orgs
        .iter()
        .map(|o| (o.id, parse_zone(&o.timezone).unwrap_or(DEFAULT_ZONE)))
        .collect();
    let sites: HashMap<i64, site::Model> = site::Entity::find()
        .order_by_asc(site::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut first_site: HashMap<i64, i64> = HashMap::new();
    let mut by_id: Vec<&site::Model> = sites.values().collect();
    by_id.sort_by_key(|s| s.id);
    for s in &by_id {
        first_site.entry(s.organisation_id).or_insert(s.id);
    }
    let closures = crate::registry::closures::Closures::new(
        crate::registry::closures::calendar(
            db,
            window
                .start
                .date_naive()
                .pred_opt()
                .unwrap_or(window.start.date_naive()),
            window.end.date_naive(),
        )
        .await?,
        &by_id.into_iter().cloned().collect::<Vec<_>>(),
    );
    // Occurrences of a series skipped for a holiday or a closure: not asked for, so
    // neither met nor unmet, unless a mediator holds one all the same.
    let mut closed: std::collections::HashSet<(i64, i32)> = Default::default();

    let mut occurrences = Vec::new();
    for r in &requests {
        let zone = zones
            .get(&r.organisation_id)
            .copied()
            .unwrap_or(DEFAULT_ZONE);
        for (k, start) in crate::request::occurrence::starts(r, zone)
            .into_iter()
            .enumerate()
        {
            if start < window.start || start >= window.end {
                continue;
            }
            if closures.skips(r, start, zone).is_some() {
                closed.insert((r.id, k as i32 + 1));
            }
            occurrences.push(Occurrence {
                request_id: r.id,
                occurrence: k as i32 + 1,
                series: r.rrule.is_some(),
                language: r.language.clone(),
                organisation_id: r.organisation_id,
                site_id: r
                    .site_id
                    .or_else(|| first_site.get(&r.organisation_id).copied()),
                urgency: r.urgency,
                modality: r.modality,
                required_tags: strings(&r.required_tags),
                start,
                duration_minutes: r.duration_minutes.into(),
                created_at: r.created_at,
                cancelled_at: None,
                live: None,
                last_mediator: None,
                case_reference: r.case_reference.clone(),
            });
        }
    }
    let ids: Vec<i64> = {
        let mut ids: Vec<i64> = occurrences.iter().map(|o| o.request_id).collect();
        ids.dedup();
        ids
    };
    let cancelled = cancel_times(db, &requests, &ids).await?;
    let cancelled_one = occurrence_cancel_times(db, &ids).await?;
    let assignments = assignments_of(db, &ids).await?;
    let travel = travel_of(db, &assignments).await?;
    let mut by_occurrence: HashMap<(i64, i32), Vec<&assignment::Model>> = HashMap::new();
    for a in &assignments {
        by_occurrence
            .entry((a.request_id, a.occurrence))
            .or_default()
            .push(a);
    }
    for o in &mut occurrences {
        if let Some(at) = cancelled_one.get(&(o.request_id, o.occurrence)) {
            o.cancelled_at = Some(*at);
        } else if let Some(at) = cancelled.get(&o.request_id) {
            let end = o.start + TimeDelta::minutes(o.duration_minutes);
            // A single request cancelled late is still a cancellation; a series keeps
            // what took place before.
            if !o.series || *at < end {
                o.cancelled_at = Some(*at);
            }
        }
        let mine = by_occurrence
            .get(&(o.request_id, o.occurrence))
            .map_or(&[][..], Vec::as_slice);
        for a in mine {
            o.last_mediator = Some(a.mediator_id);
            if LIVE_STATES.contains(&a.state) && !o.cancelled() {
                o.live = Some(Live {
                    mediator_id: a.mediator_id,
                    minutes: (a.end - a.start).num_minutes().max(0),
                    assigned_at: a.created_at,
                    travel_minutes: travel.get(&a.id).copied(),
                    outcome: a.outcome.map(|outcome| {
                        let delivered = crate::domain::closeout::delivered_minutes(
                            outcome,
                            a.actual_start.unwrap_or(a.start),
                            a.actual_end.unwrap_or(a.end),
                        );
                        (outcome, delivered)
                    }),
                });
            }
        }
        if let Some(live) = &o.live {
            o.last_mediator = Some(live.mediator_id);
        }
    }
    occurrences.retain(|o| o.live.is_some() || !closed.contains(&(o.request_id, o.occurrence)));
    let mediators = mediator::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    Ok(Data {
        occurrences,
        organisations: orgs.into_iter().map(|o| (o.id, o.name)).collect(),
        mediators,
        sites,
    })
}

/// When each cancelled request among `ids` was cancelled.
async fn cancel_times<C: ConnectionTrait>(
    db: &C,
    requests: &[request::Model],
    ids: &[i64],
) -> Result<HashMap<i64, DateTime<Utc>>, DbErr> {
    let cancelled: HashMap<i64, DateTime<Utc>> = requests
        .iter()
        .filter(|r| r.status == Status::Cancelled && ids.binary_search(&r.id).is_ok())
        .map(|r| (r.id, r.updated_at))
        .collect();
    let mut out = cancelled.clone();
    let keys: Vec<String> = cancelled.keys().map(i64::to_string).collect();
    for chunk in keys.chunks(CHUNK) {
        for e in audit_event::Entity::find()
            .filter(audit_event::Column::Entity.eq("request"))
            .filter(audit_event::Column::Action.eq("cancelled"))
            .filter(audit_event::Column::EntityId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Ok(id) = e.entity_id.parse::<i64>() {
                out.insert(id, e.at);
            }
        }
    }
    Ok(out)
}

/// When each cancelled occurrence of the requests `ids` (one meeting of a series, or the
/// series from a date on) was cancelled.
async fn occurrence_cancel_times<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<HashMap<(i64, i32), DateTime<Utc>>, DbErr> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for c in occurrence_cancellation::Entity::find()
            .filter(occurrence_cancellation::Column::RequestId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert((c.request_id, c.occurrence), c.cancelled_at);
        }
    }
    Ok(out)
}

/// Every assignment of the requests `ids`, oldest first (so the last one seen is the latest).
async fn assignments_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<Vec<assignment::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            assignment::Entity::find()
                .filter(assignment::Column::RequestId.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    out.sort_by_key(|a| (a.created_at, a.id));
    Ok(out)
}

/// Travel minutes of the live assignments, from the draft of the plan that published each
/// (same plan, occurrence and mediator).
async fn travel_of<C: ConnectionTrait>(
    db: &C,
    assignments: &[assignment::Model],
) -> Result<HashMap<i64, i64>, DbErr> {
    let live: Vec<&assignment::Model> = assignments
        .iter()
        .filter(|a| LIVE_STATES.contains(&a.state) && a.plan_id.is_some())
        .collect();
    let mut plans: Vec<i64> = live.iter().filter_map(|a| a.plan_id).collect();
    plans.sort_unstable();
    plans.dedup();
    let mut drafts: HashMap<(i64, i64, i32, i64), i64> = HashMap::new();
    for chunk in plans.chunks(CHUNK) {
        for d in plan_assignment::Entity::find()
            .filter(plan_assignment::Column::PlanId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            drafts.insert(
                (d.plan_id, d.request_id, d.occurrence, d.mediator_id),
                d.travel_minutes.into(),
            );
        }
    }
    Ok(live
        .iter()
        .filter_map(|a| {
            let key = (a.plan_id?, a.request_id, a.occurrence, a.mediator_id);
            drafts.get(&key).map(|t| (a.id, *t))
        })
        .collect())
}
