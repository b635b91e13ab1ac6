//! The database as a solver instance over a window of time: what a plan optimises and what
//! urgent dispatch inserts into.
//!
//! Ids in the instance name database rows, so that a downloaded instance can be read by a
//! person: mediators `M{id}` with homes `H{id}`, sites `S{id}`, single requests `R{id}` and
//! occurrences of a series `R{id}#{k}` (k counted from 1 within the whole series).
//!
//! Rules of the translation that are choices rather than facts:
//! - A mediator's home is their home site, else their home coordinates. A mediator with
//!   neither cannot be routed in person: they are planned for phone and video only (their
//!   "home" is then a placeholder location no route ever visits) and a note says so.
//! - `max_weekly_minutes` belongs to calendar weeks: the window gets, for each week it
//!   touches, the weekly limit less what is already live in that week outside the window
//!   ([`crate::domain::workload::minutes_left`]). Exact for a window within one week; a
//!   window over several weeks gets the weeks' sum as one limit.
//! - An occurrence belongs to the window when `[earliest_start, latest_start + duration)`
//!   overlaps it, or when it has a live assignment that does.
//! - Live assignments (`published`, `accepted`) are pins. Pins are checked with the solver's
//!   referee one by one in order of start; a pin that breaks a rule alone or with the pins
//!   kept before it is left out (its occurrence is then free to be planned again) and
//!   reported in [`Snapshot::conflicts`], so that the instance is never malformed.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use ponte_solver::check::check_assignments;
use ponte_solver::error::InputError;
use ponte_solver::model::{self, Instance, Location, Modality, Pin};
use ponte_solver::problem::{Problem, Time};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::assignment::LIVE_STATES;
use crate::domain::local_time::{parse_zone, DEFAULT_ZONE};
use crate::domain::request::{Modality as RequestModality, Status};
use crate::domain::{policy, recurrence};
use crate::entity::{assignment, mediator, organisation, request, site};
use crate::registry::closures::Closures;
use crate::registry::mediators::strings;
use crate::registry::shifts::Availabilities;

pub use crate::domain::local_time::Window;

/// An occurrence of a request: `occurrence` is 1 for a single request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OccurrenceRef {
    pub request_id: i64,
    pub occurrence: i32,
}

/// A live assignment left out of the instance because it breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub assignment_id: i64,
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    /// The rule's number in the spec (`dispatch-problem.md`); 0 when the assignment does not
    /// fit the data at all (mediator inactive, request cancelled).
    pub rule: u8,
    pub message: String,
}

/// An occurrence the instance cannot hold, and why (an in-person request without a place).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub request_id: i64,
    pub occurrence: i32,
    pub message: String,
}

/// The instance of a window, ready to solve, with the way back from its ids to rows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub window: Window,
    pub instance: Instance,
    /// `Problem::new(instance)`, already checked.
    pub problem: Problem,
    pub occurrences: HashMap<String, OccurrenceRef>,
    pub request_ids: HashMap<OccurrenceRef, String>,
    pub mediators: HashMap<String, i64>,
    /// Pinned instance requests and the live assignment each keeps.
    pub pins: HashMap<String, i64>,
    pub conflicts: Vec<Conflict>,
    pub skipped: Vec<Skipped>,
    /// Translation choices worth telling the coordinator (a mediator without a home…).
    pub notes: Vec<String>,
}

impl Snapshot {
    pub fn mediator_key(id: i64) -> String {
        format!("M{id}")
    }

    pub fn request_key(occ: OccurrenceRef, series: bool) -> String {
        if series {
            format!("R{}#{}", occ.request_id, occ.occurrence)
        } else {
            format!("R{}", occ.request_id)
        }
    }

    /// The mediator row behind an instance id.
    pub fn mediator_id(&self, key: &str) -> Option<i64> {
        self.mediators.get(key).copied()
    }

    /// The occurrence behind an instance id.
    pub fn occurrence(&self, key: &str) -> Option<OccurrenceRef> {
        self.occurrences.get(key).copied()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The data gave an instance the solver refuses: a bug of this module, reported rather
    /// than planned around.
    #[error("the data gave a malformed instance: {}", join(.0))]
    Malformed(Vec<InputError>),
}

fn join(errors: &[InputError]) -> String {
    errors
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads the database and builds the instance of `window`. `zone` is the organisation's
/// zone in which the instance writes its times.
pub async fn build<C: ConnectionTrait>(db: &C, window: Window) -> Result<Snapshot, SnapshotError> {
    build_in(db, window, DEFAULT_ZONE).await
}

pub async fn build_in<C: ConnectionTrait>(
    db: &C,
    window: Window,
    zone: Tz,
) -> Result<Snapshot, SnapshotError> {
    let rows = Rows::load(db, window).await?;
    Builder::new(window, zone, &rows).finish(&rows)
}

/// Everything the instance is made of, read in a handful of queries.
struct Rows {
    sites: Vec<site::Model>,
    organisations: HashMap<i64, organisation::Model>,
    mediators: Vec<mediator::Model>,
    availability: Availabilities,
    requests: Vec<request::Model>,
    /// Live assignments overlapping the window.
    live: Vec<assignment::Model>,
    /// Live work in the weeks around the window but outside it, by mediator: (start,
    /// minutes).
    live_around: HashMap<i64, Vec<(DateTime<Utc>, i64)>>,
    /// Declined or withdrawn offers: the mediator must not get that occurrence again.
    refused: HashMap<OccurrenceRef, Vec<i64>>,
    /// Continuity: the mediators who served (or hold) a meeting of the same case, by
    /// (organisation, case reference), most recent first.
    served_case: HashMap<(i64, String), Vec<i64>>,
    /// Occurrences their requesters called off: not to be planned.
    cancelled: HashSet<OccurrenceRef>,
    /// Holidays and closures: a series' occurrences on them are not planned.
    closures: Closures,
}

impl Rows {
    async fn load<C: ConnectionTrait>(db: &C, window: Window) -> Result<Rows, DbErr> {
        let sites = site::Entity::find()
            .order_by_asc(site::Column::Id)
            .all(db)
            .await?;
        let organisations = organisation::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mediators = mediator::Entity::find()
            .filter(mediator::Column::Active.eq(true))
            .order_by_asc(mediator::Column::Id)
            .all(db)
            .await?;
        // Exceptions of the days the window touches, in any zone.
        let availability =
            Availabilities::load(db, None, window.start.date_naive(), window.end.date_naive())
                .await?;

        // One read of live work: what overlaps the window (pins), and a week either side,
        // which covers every calendar week the window touches in any zone (workloads).
        let mut live = Vec::new();
        let mut live_around: HashMap<i64, Vec<(DateTime<Utc>, i64)>> = HashMap::new();
        for a in assignment::Entity::find()
            .filter(assignment::Column::State.is_in(LIVE_STATES))
            .filter(assignment::Column::Start.lt(window.end + TimeDelta::days(7)))
            .filter(assignment::Column::End.gt(window.start - TimeDelta::days(7)))
            .order_by_asc(assignment::Column::Start)
            .order_by_asc(assignment::Column::Id)
            .all(db)
            .await?
        {
            if window.overlaps(a.start, a.end) {
                live.push(a);
            } else {
                live_around
                    .entry(a.mediator_id)
                    .or_default()
                    .push((a.start, (a.end - a.start).num_minutes()));
            }
        }
        let pinned_requests: HashSet<i64> = live.iter().map(|a| a.request_id).collect();
        let reach = window.start - TimeDelta::days(recurrence::SERIES_REACH_DAYS);
        let mut requests = request::Entity::find()
            .filter(request::Column::Status.eq(Status::Submitted))
            .filter(request::Column::EarliestStart.lt(window.end))
            .filter(request::Column::EarliestStart.gte(reach))
            .order_by_asc(request::Column::Id)
            .all(db)
            .await?;
        let loaded: HashSet<i64> = requests.iter().map(|r| r.id).collect();
        let missing: Vec<i64> = pinned_requests.difference(&loaded).copied().collect();
        if !missing.is_empty() {
            // Live assignments of requests outside the usual reach (or cancelled): read
            // them too, so that the conflict can be told.
            requests.extend(
                request::Entity::find()
                    .filter(request::Column::Id.is_in(missing))
                    .all(db)
                    .await?,
            );
            requests.sort_by_key(|r| r.id);
        }
        let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
        let mut refused: HashMap<OccurrenceRef, Vec<i64>> = HashMap::new();
        for chunk in ids.chunks(500) {
            for a in assignment::Entity::find()
                .filter(assignment::Column::State.is_in(crate::domain::assignment::ASKED_BEFORE))
                .filter(assignment::Column::RequestId.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                refused
                    .entry(OccurrenceRef {
                        request_id: a.request_id,
                        occurrence: a.occurrence,
                    })
                    .or_default()
                    .push(a.mediator_id);
            }
        }
        let served_case = served_cases(db, &requests, window).await?;
        let cancelled = crate::request::occurrence::cancelled(db, ids.iter().copied())
            .await?
            .into_iter()
            .flat_map(|(request_id, ks)| {
                ks.into_iter().map(move |occurrence| OccurrenceRef {
                    request_id,
                    occurrence,
                })
            })
            .collect();
        // A day around the window, for zones east and west of UTC.
        let closures = Closures::new(
            crate::registry::closures::calendar(
                db,
                window
                    .start
                    .date_naive()
                    .pred_opt()
                    .unwrap_or(NaiveDate::MIN),
                window.end.date_naive().succ_opt().unwrap_or(NaiveDate::MAX),
            )
            .await?,
            &sites,
        );
        Ok(Rows {
            sites,
            organisations,
            mediators,
            availability,
            requests,
            live,
            live_around,
            refused,
            served_case,
            cancelled,
            closures,
        })
    }
}

/// Who served each case of `requests` before the window's end: mediators of live or
/// delivered meetings of any request of the same organisation with the same case reference.
async fn served_cases<C: ConnectionTrait>(
    db: &C,
    requests: &[request::Model],
    window: Window,
) -> Result<HashMap<(i64, String), Vec<i64>>, DbErr> {
    let cases: HashSet<(i64, String)> = requests
        .iter()
        .filter_map(|r| Some((r.organisation_id, r.case_reference.clone()?)))
        .collect();
    let mut out: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    if cases.is_empty() {
        return Ok(out);
    }
    let references: Vec<String> = cases.iter().map(|(_, c)| c.clone()).collect();
    let mut case_of: HashMap<i64, (i64, String)> = HashMap::new();
    for chunk in references.chunks(500) {
        for r in request::Entity::find()
            .filter(request::Column::CaseReference.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Some(case) = r.case_reference.clone() {
                if cases.contains(&(r.organisation_id, case.clone())) {
                    case_of.insert(r.id, (r.organisation_id, case));
                }
            }
        }
    }
    let ids: Vec<i64> = case_of.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for a in assignment::Entity::find()
            .filter(assignment::Column::RequestId.is_in(chunk.to_vec()))
            .filter(assignment::Column::Start.lt(window.end))
            .order_by_desc(assignment::Column::Start)
            .all(db)
            .await?
            .into_iter()
            .filter(|a| {
                a.state.is_live()
                    && a.outcome != Some(crate::domain::closeout::Outcome::MediatorNoShow)
            })
        {
            if let Some(case) = case_of.get(&a.request_id) {
                let list = out.entry(case.clone()).or_default();
                if !list.contains(&a.mediator_id) {
                    list.push(a.mediator_id);
                }
            }
        }
    }
    Ok(out)
}

struct Builder {
    window: Window,
    zone: Tz,
    locations: Vec<Location>,
    site_key: HashMap<i64, String>,
    first_site_of: HashMap<i64, i64>,
    mediators: Vec<model::Mediator>,
    mediator_keys: HashMap<String, i64>,
    notes: Vec<String>,
}

impl Builder {
    fn new(window: Window, zone: Tz, rows: &Rows) -> Builder {
        let mut b = Builder {
            window,
            zone,
            locations: Vec::new(),
            site_key: HashMap::new(),
            first_site_of: HashMap::new(),
            mediators: Vec::new(),
            mediator_keys: HashMap::new(),
            notes: Vec::new(),
        };
        for s in &rows.sites {
            let key = format!("S{}", s.id);
            b.site_key.insert(s.id, key.clone());
            b.first_site_of.entry(s.organisation_id).or_insert(s.id);
            b.locations.push(Location {
                id: key,
                name: s.name.clone(),
                lat: s.lat,
                lon: s.lon,
            });
        }
        for m in &rows.mediators {
            b.add_mediator(m, rows);
        }
        b
    }

    fn add_mediator(&mut self, m: &mediator::Model, rows: &Rows) {
        let key = Snapshot::mediator_key(m.id);
        let home_site = m
            .home_site_id
            .and_then(|id| rows.sites.iter().find(|s| s.id == id));
        let position = match (home_site, m.home_lat, m.home_lon) {
            (Some(s), _, _) => Some((s.lat, s.lon)),
            (None, Some(lat), Some(lon)) => Some((lat, lon)),
            _ => None,
        };
        let mut modalities: Vec<Modality> = strings(&m.modalities)
            .iter()
            .filter_map(|x| RequestModality::parse(x).map(Modality::from))
            .collect();
        if position.is_none() && modalities.contains(&Modality::InPerson) {
            modalities.retain(|x| *x != Modality::InPerson);
            self.notes.push(format!(
                "Mediator {} ({}) has no home location: planned for phone and video only.",
                m.id, m.name
            ));
        }
        let home = format!("H{}", m.id);
        // Homes are named by id only: an instance is shared, and a solver needs the
        // position, not the address.
        let (lat, lon) = position.unwrap_or((0.0, 0.0));
        self.locations.push(Location {
            id: home.clone(),
            name: format!("Home of {key}"),
            lat,
            lon,
        });

        let mediator_zone = parse_zone(&m.timezone).unwrap_or(self.zone);
        let shifts = rows
            .availability
            .in_window(m.id, mediator_zone, self.window)
            .into_iter()
            .map(|(start, end)| model::Shift {
                start: local(start, self.zone),
                end: local(end, self.zone),
            })
            .collect();
        let outside = rows.live_around.get(&m.id).map_or(&[][..], Vec::as_slice);
        let max_work_minutes = m.max_weekly_minutes.map(|weekly| {
            crate::domain::workload::minutes_left(
                i64::from(weekly.max(0)),
                self.window,
                self.zone,
                outside,
            )
        });
        self.mediator_keys.insert(key.clone(), m.id);
        self.mediators.push(model::Mediator {
            id: key,
            name: m.name.clone(),
            languages: strings(&m.languages),
            tags: strings(&m.tags),
            home,
            modalities,
            shifts,
            max_work_minutes,
        });
    }

    fn finish(self, rows: &Rows) -> Result<Snapshot, SnapshotError> {
        let live_by_occurrence: HashMap<OccurrenceRef, &assignment::Model> = rows
            .live
            .iter()
            .map(|a| {
                (
                    OccurrenceRef {
                        request_id: a.request_id,
                        occurrence: a.occurrence,
                    },
                    a,
                )
            })
            .collect();
        let mut requests = Vec::new();
        let mut occurrences = HashMap::new();
        let mut request_ids = HashMap::new();
        let mut skipped = Vec::new();
        for r in rows
            .requests
            .iter()
            .filter(|r| r.status == Status::Submitted)
        {
            for (occ, start) in self.occurrences_of(r, rows, &live_by_occurrence) {
                match self.request(r, occ, start, rows) {
                    Ok(req) => {
                        occurrences.insert(req.id.clone(), occ);
                        request_ids.insert(occ, req.id.clone());
                        requests.push(req);
                    }
                    Err(message) => skipped.push(Skipped {
                        request_id: occ.request_id,
                        occurrence: occ.occurrence,
                        message,
                    }),
                }
            }
        }

        let mut instance = Instance {
            format: model::FORMAT.to_string(),
            name: format!(
                "ponte {} to {}",
                self.window
                    .start
                    .with_timezone(&self.zone)
                    .format("%Y-%m-%d"),
                (self.window.end - TimeDelta::seconds(1))
                    .with_timezone(&self.zone)
                    .format("%Y-%m-%d")
            ),
            timezone: self.zone.name().to_string(),
            travel: policy::travel(),
            objective: policy::objective(),
            locations: self.locations,
            mediators: self.mediators,
            requests,
        };

        // Pins are judged against the instance without any, so the referee sees each one
        // as a plain assignment.
        let bare = Problem::new(instance.clone()).map_err(SnapshotError::Malformed)?;
        let (kept, conflicts) = referee_pins(&bare, rows, &request_ids, &self.mediator_keys);
        let mut pins = HashMap::new();
        for (r, mediator, start, assignment_id) in kept {
            // `r` is the problem's request, one per modality: its group is the instance's.
            let served = &bare.requests[r];
            let req = &mut instance.requests[served.group];
            req.pinned = Some(Pin {
                mediator: Snapshot::mediator_key(mediator),
                start: local(
                    DateTime::from_timestamp(start, 0).unwrap_or_default(),
                    self.zone,
                ),
                modality: served.fallback.then_some(served.modality),
            });
            pins.insert(req.id.clone(), assignment_id);
        }
        let problem = if pins.is_empty() {
            bare
        } else {
            Problem::new(instance.clone()).map_err(SnapshotError::Malformed)?
        };
        Ok(Snapshot {
            window: self.window,
            instance,
            problem,
            occurrences,
            request_ids,
            mediators: self.mediator_keys,
            pins,
            conflicts,
            skipped,
            notes: self.notes,
        })
    }

    /// The occurrences of `r` that belong to the window, with their first possible start.
    fn occurrences_of(
        &self,
        r: &request::Model,
        rows: &Rows,
        live: &HashMap<OccurrenceRef, &assignment::Model>,
    ) -> Vec<(OccurrenceRef, DateTime<Utc>)> {
        let span =
            r.latest_start - r.earliest_start + TimeDelta::minutes(r.duration_minutes.into());
        let zone = self.request_zone(r, rows);
        crate::request::occurrence::starts(r, zone)
            .into_iter()
            .enumerate()
            .filter_map(|(k, start)| {
                let occ = OccurrenceRef {
                    request_id: r.id,
                    occurrence: k as i32 + 1,
                };
                let held = live.contains_key(&occ);
                let wanted = self.window.overlaps(start, start + span) || held;
                // A live assignment on a day closed since stays pinned: releasing it is the
                // coordinators' call, not the planner's.
                let closed = !held && rows.closures.skips(r, start, zone).is_some();
                (wanted && !closed && !rows.cancelled.contains(&occ)).then_some((occ, start))
            })
            .collect()
    }

    /// Requests are stored in UTC and repeat in their organisation's zone.
    fn request_zone(&self, r: &request::Model, rows: &Rows) -> Tz {
        rows.organisations
            .get(&r.organisation_id)
            .and_then(|o| parse_zone(&o.timezone).ok())
            .unwrap_or(self.zone)
    }

    fn request(
        &self,
        r: &request::Model,
        occ: OccurrenceRef,
        start: DateTime<Utc>,
        rows: &Rows,
    ) -> Result<model::Request, String> {
        let org = rows.organisations.get(&r.organisation_id);
        let modality = Modality::from(r.modality);
        let fallback_modalities: Vec<Modality> =
            crate::domain::request::fallbacks(&r.fallback_modalities)
                .into_iter()
                .map(Modality::from)
                .collect();
        // A request that may be in person needs a place: its own site, else its
        // organisation's first.
        let location = if modality == Modality::InPerson
            || fallback_modalities.contains(&Modality::InPerson)
        {
            let site = r
                .site_id
                .filter(|id| self.site_key.contains_key(id))
                .or_else(|| self.first_site_of.get(&r.organisation_id).copied());
            match site.and_then(|id| self.site_key.get(&id)) {
                Some(key) => Some(key.clone()),
                None => {
                    return Err(
                        "In person, but neither the request nor its organisation has a site."
                            .into(),
                    )
                }
            }
        } else {
            None
        };
        let known = |ids: &serde_json::Value| -> Vec<i64> {
            ids.as_array()
                .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
                .unwrap_or_default()
        };
        let keys = |ids: Vec<i64>| -> Vec<String> {
            let mut keys: Vec<String> = ids
                .into_iter()
                .map(Snapshot::mediator_key)
                .filter(|k| self.mediator_keys.contains_key(k))
                .collect();
            keys.sort();
            keys.dedup();
            keys
        };
        let mut excluded = known(&r.excluded_mediators);
        excluded.extend(rows.refused.get(&occ).into_iter().flatten().copied());
        let window = r.latest_start - r.earliest_start;
        Ok(model::Request {
            id: Snapshot::request_key(occ, r.rrule.is_some()),
            requester: org.map(|o| o.name.clone()).unwrap_or_default(),
            kind: org.map_or(model::Kind::Other, |o| kind(&o.kind)),
            language: r.language.clone(),
            required_tags: strings(&r.required_tags),
            modality,
            location,
            earliest_start: local(start, self.zone),
            latest_start: local(start + window, self.zone),
            duration_minutes: r.duration_minutes.into(),
            urgency: r.urgency.into(),
            preferred_mediators: keys({
                // Those who served the case before are preferred too, unless excluded:
                // continuity without anyone typing an id.
                let mut preferred = known(&r.preferred_mediators);
                let served = r
                    .case_reference
                    .as_ref()
                    .and_then(|c| rows.served_case.get(&(r.organisation_id, c.clone())));
                preferred.extend(
                    served
                        .into_iter()
                        .flatten()
                        .filter(|m| !excluded.contains(m)),
                );
                preferred
            }),
            excluded_mediators: keys(excluded),
            pinned: None,
            fallback_modalities,
        })
    }
}

/// A live assignment kept as a pin: (request index, mediator id, start, assignment id).
type KeptPin = (usize, i64, Time, i64);

/// The live assignments the instance keeps as pins, and those it cannot keep.
fn referee_pins(
    p: &Problem,
    rows: &Rows,
    request_ids: &HashMap<OccurrenceRef, String>,
    mediator_keys: &HashMap<String, i64>,
) -> (Vec<KeptPin>, Vec<Conflict>) {
    let mut conflicts = Vec::new();
    let mut candidates = Vec::new();
    for a in &rows.live {
        let occ = OccurrenceRef {
            request_id: a.request_id,
            occurrence: a.occurrence,
        };
        let conflict = |rule: u8, message: String| Conflict {
            assignment_id: a.id,
            request_id: a.request_id,
            occurrence: a.occurrence,
            mediator_id: a.mediator_id,
            rule,
            message,
        };
        // Judged in the modality it is served in (a meeting that fell back to video needs
        // no travel).
        let r = request_ids
            .get(&occ)
            .and_then(|id| p.variant_index(id, a.modality.map(Into::into)));
        let m = mediator_keys
            .contains_key(&Snapshot::mediator_key(a.mediator_id))
            .then(|| p.mediator_index(&Snapshot::mediator_key(a.mediator_id)))
            .flatten();
        match (r, m) {
            (None, _) => conflicts.push(conflict(
                0,
                "The request or its occurrence is no longer open to planning.".into(),
            )),
            (_, None) => conflicts.push(conflict(0, "The mediator is not active.".into())),
            (Some(r), Some(m)) => candidates.push((r, m, a.start.timestamp(), a)),
        }
    }
    let mut kept: Vec<(usize, usize, Time)> = Vec::new();
    let mut out = Vec::new();
    let all: Vec<(usize, usize, Time)> = candidates.iter().map(|c| (c.0, c.1, c.2)).collect();
    // Most of the time every pin holds: one check instead of one per pin.
    let together_fine = check_assignments(p, &all).violations.is_empty();
    for (r, m, start, a) in candidates {
        kept.push((r, m, start));
        let violations = if together_fine {
            Vec::new()
        } else {
            check_assignments(p, &kept).violations
        };
        match violations.first() {
            None => out.push((r, a.mediator_id, start, a.id)),
            Some(v) => {
                kept.pop();
                conflicts.push(Conflict {
                    assignment_id: a.id,
                    request_id: a.request_id,
                    occurrence: a.occurrence,
                    mediator_id: a.mediator_id,
                    rule: v.rule,
                    message: v.to_string(),
                });
            }
        }
    }
    (out, conflicts)
}

fn kind(name: &str) -> model::Kind {
    match name {
        "school" => model::Kind::School,
        "social_services" => model::Kind::SocialServices,
        "health" => model::Kind::Health,
        "desk" => model::Kind::Desk,
        _ => model::Kind::Other,
    }
}

/// The instant with the zone's offset at that instant, as the spec's examples write it.
pub fn local(t: DateTime<Utc>, zone: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&zone).fixed_offset()
}
