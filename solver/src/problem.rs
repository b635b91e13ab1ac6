//! Immutable problem data, built once from an [`Instance`]: ids resolved to indices, instants
//! to seconds, travel to a matrix of minutes, and for every request the shifts that could
//! serve it alone (or the spec's reason why none can). Every algorithm works on this.
use std::collections::HashMap;
use std::ops::Range;

use chrono::FixedOffset;

use crate::error::InputError;
use crate::model::{self, Instance, Kind, Modality, Reason, Urgency};

/// Seconds since the Unix epoch.
pub type Time = i64;
/// Index into [`Problem::locations`].
pub type Loc = usize;

#[derive(Debug, Clone)]
pub struct Problem {
    pub name: String,
    pub timezone: String,
    pub objective: model::Objective,
    pub locations: Vec<model::Location>,
    /// Travel minutes, row-major `from * n + to`.
    travel: Vec<i64>,
    pub mediators: Vec<Mediator>,
    /// All shifts, grouped by mediator and sorted by start within a mediator.
    pub shifts: Vec<Shift>,
    pub requests: Vec<Request>,
    /// For each request, the shifts that could serve it if they held nothing else. A pinned
    /// request has exactly one candidate: its pin.
    pub candidates: Vec<Vec<Candidate>>,
    /// For each request no shift can serve alone, the spec's reason; `None` when coverable.
    pub reasons: Vec<Option<Reason>>,
    /// For each request of the instance, its requests here: the first in its `modality`,
    /// then one per fallback modality (see [`Request::group`]).
    pub groups: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Mediator {
    pub id: String,
    pub name: String,
    pub languages: Vec<String>,
    pub tags: Vec<String>,
    pub home: Loc,
    /// Bit set of [`Modality::bit`].
    pub modalities: u8,
    /// Indices into [`Problem::shifts`].
    pub shifts: Range<usize>,
    /// Bound on the sum of appointment durations, in seconds.
    pub max_work: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Shift {
    pub mediator: usize,
    pub start: Time,
    pub end: Time,
    /// Start of the mediator's next shift: the way home after this one must fit before it.
    pub next_start: Option<Time>,
    pub home: Loc,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub requester: String,
    pub kind: Kind,
    pub language: String,
    pub required_tags: Vec<String>,
    pub modality: Modality,
    /// `Some` exactly when the request is in person.
    pub location: Option<Loc>,
    pub earliest: Time,
    pub latest: Time,
    /// Seconds.
    pub duration: Time,
    pub urgency: Urgency,
    /// Urgency weight from the objective.
    pub weight: i64,
    pub preferred: Vec<usize>,
    pub excluded: Vec<usize>,
    pub pinned: Option<Pinned>,
    /// Offset of `earliest_start` as written, used to write this request's start back.
    pub offset: FixedOffset,
    /// Index of the instance's request this one serves. A request with
    /// `fallback_modalities` becomes one request here per modality it accepts, all of the
    /// same group, at most one of which a plan may hold: the algorithms then choose the
    /// modality as they choose the mediator, with the fallback cost in its value.
    pub group: usize,
    /// Served in one of the instance request's `fallback_modalities`.
    pub fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinned {
    pub mediator: usize,
    pub shift: usize,
    pub start: Time,
}

/// A shift that can serve a request when it holds nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub shift: usize,
    /// Feasible start times in that empty shift: `earliest..=latest`.
    pub earliest: Time,
    pub latest: Time,
    /// Urgency weight plus the preferred-mediator bonus when it applies.
    pub value: i64,
}

/// Does a mediator listing `tags` speak `wanted`? Equal tags (case-insensitive), or `wanted`
/// is a bare primary subtag (`ar`) and the mediator's tag has that primary subtag (`ar-MA`).
pub fn speaks(tags: &[String], wanted: &str) -> bool {
    let bare = !wanted.contains('-');
    tags.iter().any(|tag| {
        tag.eq_ignore_ascii_case(wanted)
            || (bare
                && tag
                    .split('-')
                    .next()
                    .is_some_and(|primary| primary.eq_ignore_ascii_case(wanted)))
    })
}

/// Great-circle distance with the spec's earth radius.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Travel minutes between two different locations under the haversine model.
pub fn haversine_minutes(
    a: (f64, f64),
    b: (f64, f64),
    speed_kmh: f64,
    detour: f64,
    min_minutes: f64,
) -> i64 {
    let minutes = haversine_km(a, b) * detour / speed_kmh * 60.0;
    minutes.max(min_minutes).ceil() as i64
}

impl Problem {
    /// Parses and prepares an instance from JSON text. Errors name the JSON path.
    pub fn from_json(text: &str) -> Result<Problem, Vec<InputError>> {
        let instance: Instance = crate::error::from_json(text).map_err(|e| vec![e])?;
        Problem::new(instance)
    }

    /// Validates references and rules of an instance and prepares it. Every problem found is
    /// reported, not only the first.
    pub fn new(inst: Instance) -> Result<Problem, Vec<InputError>> {
        let mut errors = Vec::new();
        let mut err = |path: String, message: String| errors.push(InputError::new(path, message));

        if inst.format != model::FORMAT {
            err(
                "format".into(),
                format!("expected \"{}\", found \"{}\"", model::FORMAT, inst.format),
            );
        }
        let o = &inst.objective;
        for (name, v) in [
            ("urgency_weight.emergency", o.urgency_weight.emergency),
            ("urgency_weight.urgent", o.urgency_weight.urgent),
            ("urgency_weight.routine", o.urgency_weight.routine),
            ("travel_minute_cost", o.travel_minute_cost),
            ("preferred_mediator_bonus", o.preferred_mediator_bonus),
            ("fallback_cost", o.fallback_cost),
        ] {
            if v < 0 {
                err(
                    format!("objective.{name}"),
                    format!("must be at least 0, found {v}"),
                );
            }
        }

        // Locations.
        let mut loc_index: HashMap<&str, usize> = HashMap::new();
        for (i, l) in inst.locations.iter().enumerate() {
            if loc_index.insert(l.id.as_str(), i).is_some() {
                err(
                    format!("locations[{i}].id"),
                    format!("duplicate location id \"{}\"", l.id),
                );
            }
            if !(-90.0..=90.0).contains(&l.lat) {
                err(
                    format!("locations[{i}].lat"),
                    format!("latitude {} is outside -90..90", l.lat),
                );
            }
            if !(-180.0..=180.0).contains(&l.lon) {
                err(
                    format!("locations[{i}].lon"),
                    format!("longitude {} is outside -180..180", l.lon),
                );
            }
        }
        let n = inst.locations.len();
        let mut travel = vec![0i64; n * n];
        match &inst.travel {
            model::Travel::Haversine {
                speed_kmh,
                detour_factor,
                min_minutes,
            } => {
                let mut ok = true;
                for (name, v) in [("speed_kmh", speed_kmh), ("detour_factor", detour_factor)] {
                    if !(v.is_finite() && *v > 0.0) {
                        ok = false;
                        err(
                            format!("travel.{name}"),
                            format!("must be a positive number, found {v}"),
                        );
                    }
                }
                if !(min_minutes.is_finite() && *min_minutes >= 0.0) {
                    ok = false;
                    err(
                        "travel.min_minutes".into(),
                        format!("must be at least 0, found {min_minutes}"),
                    );
                }
                if ok {
                    for (a, la) in inst.locations.iter().enumerate() {
                        for (b, lb) in inst.locations.iter().enumerate() {
                            if a != b {
                                travel[a * n + b] = haversine_minutes(
                                    (la.lat, la.lon),
                                    (lb.lat, lb.lon),
                                    *speed_kmh,
                                    *detour_factor,
                                    *min_minutes,
                                );
                            }
                        }
                    }
                }
            }
            model::Travel::Matrix { minutes } => {
                for (from, row) in minutes {
                    if !loc_index.contains_key(from.as_str()) {
                        err(
                            format!("travel.minutes.{from}"),
                            format!("unknown location id \"{from}\""),
                        );
                    }
                    for (to, v) in row {
                        if !loc_index.contains_key(to.as_str()) {
                            err(
                                format!("travel.minutes.{from}.{to}"),
                                format!("unknown location id \"{to}\""),
                            );
                        } else if !(v.is_finite() && *v >= 0.0 && v.fract() == 0.0) {
                            err(
                                format!("travel.minutes.{from}.{to}"),
                                format!("must be a whole number of minutes, at least 0, found {v}"),
                            );
                        }
                    }
                }
                for (a, la) in inst.locations.iter().enumerate() {
                    for (b, lb) in inst.locations.iter().enumerate() {
                        if a == b {
                            continue;
                        }
                        match minutes.get(&la.id).and_then(|row| row.get(&lb.id)) {
                            Some(v) => travel[a * n + b] = v.max(0.0) as i64,
                            None => err(
                                format!("travel.minutes.{}.{}", la.id, lb.id),
                                "missing: every ordered pair of distinct locations needs a travel time".into(),
                            ),
                        }
                    }
                }
            }
        }

        // Mediators and their shifts.
        let mut med_index: HashMap<&str, usize> = HashMap::new();
        let mut mediators = Vec::with_capacity(inst.mediators.len());
        let mut shifts: Vec<Shift> = Vec::new();
        for (i, m) in inst.mediators.iter().enumerate() {
            if med_index.insert(m.id.as_str(), i).is_some() {
                err(
                    format!("mediators[{i}].id"),
                    format!("duplicate mediator id \"{}\"", m.id),
                );
            }
            let home = match loc_index.get(m.home.as_str()) {
                Some(&h) => h,
                None => {
                    err(
                        format!("mediators[{i}].home"),
                        format!("unknown location id \"{}\"", m.home),
                    );
                    0
                }
            };
            for (j, lang) in m.languages.iter().enumerate() {
                if !valid_language_tag(lang) {
                    err(
                        format!("mediators[{i}].languages[{j}]"),
                        format!("\"{lang}\" is not a language tag"),
                    );
                }
            }
            if let Some(w) = m.max_work_minutes {
                if w < 0 {
                    err(
                        format!("mediators[{i}].max_work_minutes"),
                        format!("must be at least 0, found {w}"),
                    );
                }
            }
            let first = shifts.len();
            let mut own: Vec<(Time, Time, usize)> = Vec::new();
            for (j, s) in m.shifts.iter().enumerate() {
                let (start, end) = (s.start.timestamp(), s.end.timestamp());
                if end <= start {
                    err(
                        format!("mediators[{i}].shifts[{j}].end"),
                        format!(
                            "shift ends at {} but starts at {}",
                            s.end.to_rfc3339(),
                            s.start.to_rfc3339()
                        ),
                    );
                }
                own.push((start, end, j));
            }
            own.sort();
            for w in own.windows(2) {
                if w[1].0 < w[0].1 {
                    err(
                        format!("mediators[{i}].shifts[{}]", w[1].2),
                        format!("overlaps shift {} of the same mediator", w[0].2),
                    );
                }
            }
            for (k, &(start, end, _)) in own.iter().enumerate() {
                shifts.push(Shift {
                    mediator: i,
                    start,
                    end,
                    next_start: own.get(k + 1).map(|s| s.0),
                    home,
                });
            }
            mediators.push(Mediator {
                id: m.id.clone(),
                name: m.name.clone(),
                languages: m.languages.clone(),
                tags: m.tags.clone(),
                home,
                modalities: m.modalities.iter().fold(0, |acc, md| acc | md.bit()),
                shifts: first..shifts.len(),
                max_work: m.max_work_minutes.map(|w| w * 60),
            });
        }

        // Requests.
        let mut req_index: HashMap<&str, usize> = HashMap::new();
        let mut requests = Vec::with_capacity(inst.requests.len());
        let mut groups = Vec::with_capacity(inst.requests.len());
        for (i, r) in inst.requests.iter().enumerate() {
            if req_index.insert(r.id.as_str(), i).is_some() {
                err(
                    format!("requests[{i}].id"),
                    format!("duplicate request id \"{}\"", r.id),
                );
            }
            if !valid_language_tag(&r.language) {
                err(
                    format!("requests[{i}].language"),
                    format!("\"{}\" is not a language tag", r.language),
                );
            }
            for (j, f) in r.fallback_modalities.iter().enumerate() {
                if *f == r.modality || r.fallback_modalities[..j].contains(f) {
                    err(
                        format!("requests[{i}].fallback_modalities[{j}]"),
                        format!(
                            "{} is already the request's modality or listed before",
                            f.as_str()
                        ),
                    );
                }
            }
            let accepted: Vec<Modality> = std::iter::once(r.modality)
                .chain(r.fallback_modalities.iter().copied())
                .collect();
            let in_person_location = if accepted.contains(&Modality::InPerson) {
                match r.location.as_deref() {
                    None => {
                        err(
                            format!("requests[{i}].location"),
                            "required for an in_person request (or one that accepts in_person)"
                                .into(),
                        );
                        None
                    }
                    Some(id) => match loc_index.get(id) {
                        Some(&l) => Some(l),
                        None => {
                            err(
                                format!("requests[{i}].location"),
                                format!("unknown location id \"{id}\""),
                            );
                            None
                        }
                    },
                }
            } else {
                None
            };
            let (earliest, latest) = (r.earliest_start.timestamp(), r.latest_start.timestamp());
            if latest < earliest {
                err(
                    format!("requests[{i}].latest_start"),
                    format!(
                        "{} is before earliest_start {}",
                        r.latest_start.to_rfc3339(),
                        r.earliest_start.to_rfc3339()
                    ),
                );
            }
            if r.duration_minutes <= 0 {
                err(
                    format!("requests[{i}].duration_minutes"),
                    format!("must be positive, found {}", r.duration_minutes),
                );
            }
            let mut resolve = |field: &str, ids: &[String]| -> Vec<usize> {
                let mut out = Vec::new();
                for (j, id) in ids.iter().enumerate() {
                    match med_index.get(id.as_str()) {
                        Some(&m) => out.push(m),
                        None => err(
                            format!("requests[{i}].{field}[{j}]"),
                            format!("unknown mediator id \"{id}\""),
                        ),
                    }
                }
                out
            };
            let preferred = resolve("preferred_mediators", &r.preferred_mediators);
            let excluded = resolve("excluded_mediators", &r.excluded_mediators);
            let pinned = match &r.pinned {
                None => None,
                Some(p) => match med_index.get(p.mediator.as_str()) {
                    None => {
                        err(
                            format!("requests[{i}].pinned.mediator"),
                            format!("unknown mediator id \"{}\"", p.mediator),
                        );
                        None
                    }
                    Some(&m) => {
                        let start = p.start.timestamp();
                        let end = start + r.duration_minutes * 60;
                        let shift = mediators[m]
                            .shifts
                            .clone()
                            .find(|&s| shifts[s].start <= start && end <= shifts[s].end);
                        if p.modality.is_some_and(|md| !accepted.contains(&md)) {
                            err(
                                format!("requests[{i}].pinned.modality"),
                                "not the request's modality nor one of its fallback_modalities"
                                    .into(),
                            );
                        }
                        match shift {
                            Some(shift) => Some(Pinned {
                                mediator: m,
                                shift,
                                start,
                            }),
                            None => {
                                err(
                                    format!("requests[{i}].pinned.start"),
                                    format!(
                                        "no shift of mediator \"{}\" holds the pinned appointment",
                                        p.mediator
                                    ),
                                );
                                None
                            }
                        }
                    }
                },
            };
            // A pinned appointment keeps its modality: only that one is offered.
            let served: Vec<Modality> = match (&r.pinned, pinned) {
                (Some(pin), Some(_)) => vec![pin.modality.unwrap_or(r.modality)],
                _ => accepted,
            };
            let first = requests.len();
            for modality in served {
                requests.push(Request {
                    id: r.id.clone(),
                    requester: r.requester.clone(),
                    kind: r.kind,
                    language: r.language.clone(),
                    required_tags: r.required_tags.clone(),
                    modality,
                    location: in_person_location.filter(|_| modality == Modality::InPerson),
                    earliest,
                    latest,
                    duration: r.duration_minutes * 60,
                    urgency: r.urgency,
                    weight: inst.objective.urgency_weight.of(r.urgency),
                    preferred: preferred.clone(),
                    excluded: excluded.clone(),
                    pinned,
                    offset: *r.earliest_start.offset(),
                    group: i,
                    fallback: modality != r.modality,
                });
            }
            groups.push(first..requests.len());
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut problem = Problem {
            name: inst.name,
            timezone: inst.timezone,
            objective: inst.objective,
            locations: inst.locations,
            travel,
            mediators,
            shifts,
            requests,
            candidates: Vec::new(),
            reasons: Vec::new(),
            groups,
        };
        let (candidates, reasons) = (0..problem.requests.len())
            .map(|r| problem.eligibility(r))
            .unzip();
        problem.candidates = candidates;
        problem.reasons = reasons;
        problem.check_pins()?;
        Ok(problem)
    }

    /// Pinned assignments are confirmed appointments every plan must keep: if they break a
    /// rule, alone or together, no plan is feasible and the instance is malformed.
    fn check_pins(&self) -> Result<(), Vec<InputError>> {
        let pins: Vec<(usize, usize, Time)> = self
            .requests
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.pinned.map(|p| (i, p.mediator, p.start)))
            .collect();
        let report = crate::check::check_assignments(self, &pins);
        let errors: Vec<InputError> = report
            .violations
            .iter()
            .map(|v| {
                let path = match (&v.request, &v.mediator) {
                    (Some(r), _) => match self.request_index(r) {
                        Some(i) => format!("requests[{i}].pinned"),
                        None => "requests".into(),
                    },
                    (None, Some(m)) => match self.mediator_index(m) {
                        Some(i) => format!("mediators[{i}].max_work_minutes"),
                        None => "mediators".into(),
                    },
                    (None, None) => String::new(),
                };
                InputError::new(path, format!("pinned assignment breaks {v}"))
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Travel minutes from one location to another.
    #[inline]
    pub fn travel_minutes(&self, from: Loc, to: Loc) -> i64 {
        self.travel[from * self.locations.len() + to]
    }

    /// Travel time in seconds, the unit of [`Time`].
    #[inline]
    pub fn travel_secs(&self, from: Loc, to: Loc) -> Time {
        self.travel_minutes(from, to) * 60
    }

    /// Can mediator `m` serve request `r` by language, tags, modality and exclusion?
    /// (Rules 2 and 3; time, travel and workload are separate.)
    pub fn qualified(&self, m: usize, r: usize) -> bool {
        let (med, req) = (&self.mediators[m], &self.requests[r]);
        speaks(&med.languages, &req.language)
            && !req.excluded.contains(&m)
            && req.required_tags.iter().all(|t| med.tags.contains(t))
            && med.modalities & req.modality.bit() != 0
    }

    /// Does the instance use `fallback_modalities` (or pin a request in one)?
    pub fn has_fallbacks(&self) -> bool {
        self.requests.len() > self.groups.len() || self.requests.iter().any(|r| r.fallback)
    }

    /// The requests that serve the same instance request as `r`, `r` included.
    #[inline]
    pub fn siblings(&self, r: usize) -> Range<usize> {
        self.groups[self.requests[r].group].clone()
    }

    /// Does a request of `r`'s group other than `r` pass `held`? (At most one of a group
    /// may be in a plan.)
    #[inline]
    pub fn sibling_held(&self, r: usize, held: impl Fn(usize) -> bool) -> bool {
        let g = self.siblings(r);
        g.len() > 1 && g.filter(|&q| q != r).any(held)
    }

    /// The spec's reason for an instance request left out of a plan: `capacity` when one of
    /// its modalities is coverable, otherwise the reason that got furthest in the spec's
    /// order (the checks run over every modality it accepts).
    pub fn group_reason(&self, g: usize) -> Reason {
        let mut out: Option<Reason> = None;
        for r in self.groups[g].clone() {
            let reason = self.reasons[r].unwrap_or(Reason::Capacity);
            out = Some(out.map_or(reason, |o| o.max(reason)));
        }
        out.unwrap_or(Reason::Capacity)
    }

    /// The request here for instance request `id` served in `modality` (`None`: its own).
    pub fn variant_index(
        &self,
        id: &str,
        modality: Option<crate::model::Modality>,
    ) -> Option<usize> {
        let first = self.request_index(id)?;
        match modality {
            None => Some(first).filter(|&r| !self.requests[r].fallback),
            Some(m) => self
                .siblings(first)
                .find(|&r| self.requests[r].modality == m),
        }
    }

    /// Value of assigning `r` to mediator `m`: urgency weight plus the preferred bonus.
    pub fn value(&self, r: usize, m: usize) -> i64 {
        self.value_of(&self.requests[r], m)
    }

    /// [`Problem::value`] for a request that may not be part of the problem (an urgent one).
    pub fn value_of(&self, req: &Request, m: usize) -> i64 {
        req.weight
            + if req.preferred.contains(&m) {
                self.objective.preferred_mediator_bonus
            } else {
                0
            }
            - if req.fallback {
                self.objective.fallback_cost
            } else {
                0
            }
    }

    /// Feasible start times of `r` in shift `s` when the shift holds nothing else, ignoring
    /// workload. `None` when it does not fit.
    pub fn alone_window(&self, r: usize, s: usize) -> Option<(Time, Time)> {
        self.alone_window_of(&self.requests[r], s)
    }

    /// [`Problem::alone_window`] for a request that may not be part of the problem.
    pub fn alone_window_of(&self, req: &Request, s: usize) -> Option<(Time, Time)> {
        let sh = &self.shifts[s];
        let mut lo = req.earliest.max(sh.start);
        let mut hi = req.latest.min(sh.end - req.duration);
        if let Some(loc) = req.location {
            lo = lo.max(sh.start + self.travel_secs(sh.home, loc));
            if let Some(next) = sh.next_start {
                hi = hi.min(next - self.travel_secs(loc, sh.home) - req.duration);
            }
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// Candidates of a request and, when there are none, the spec's reason, checked in the
    /// spec's order over all mediators.
    fn eligibility(&self, r: usize) -> (Vec<Candidate>, Option<Reason>) {
        self.eligibility_of(&self.requests[r])
    }

    /// Candidates and reason of a request that may not be part of the problem (an urgent one
    /// arriving after the plan was made).
    pub fn eligibility_of(&self, req: &Request) -> (Vec<Candidate>, Option<Reason>) {
        if let Some(p) = req.pinned {
            let value = self.value_of(req, p.mediator);
            let c = Candidate {
                shift: p.shift,
                earliest: p.start,
                latest: p.start,
                value,
            };
            return (vec![c], None);
        }
        let all: Vec<usize> = (0..self.mediators.len()).collect();
        let mut remaining: Vec<usize> = all
            .into_iter()
            .filter(|&m| speaks(&self.mediators[m].languages, &req.language))
            .collect();
        if remaining.is_empty() {
            return (vec![], Some(Reason::NoMediatorSpeaksLanguage));
        }
        remaining.retain(|m| !req.excluded.contains(m));
        if remaining.is_empty() {
            return (vec![], Some(Reason::AllSpeakersExcluded));
        }
        remaining.retain(|&m| {
            req.required_tags
                .iter()
                .all(|t| self.mediators[m].tags.contains(t))
        });
        if remaining.is_empty() {
            return (vec![], Some(Reason::NoMediatorWithRequiredTags));
        }
        remaining.retain(|&m| self.mediators[m].modalities & req.modality.bit() != 0);
        if remaining.is_empty() {
            return (vec![], Some(Reason::NoMediatorOffersModality));
        }
        let in_window: Vec<usize> = remaining
            .iter()
            .flat_map(|&m| self.mediators[m].shifts.clone())
            .filter(|&s| {
                let sh = &self.shifts[s];
                req.earliest.max(sh.start) <= req.latest.min(sh.end - req.duration)
            })
            .collect();
        if in_window.is_empty() {
            return (vec![], Some(Reason::NoMediatorAvailableInWindow));
        }
        let reachable: Vec<(usize, (Time, Time))> = in_window
            .into_iter()
            .filter_map(|s| self.alone_window_of(req, s).map(|w| (s, w)))
            .collect();
        if reachable.is_empty() {
            return (vec![], Some(Reason::TravelInfeasible));
        }
        let candidates: Vec<Candidate> = reachable
            .into_iter()
            .filter(|&(s, _)| {
                self.mediators[self.shifts[s].mediator]
                    .max_work
                    .is_none_or(|w| req.duration <= w)
            })
            .map(|(s, (earliest, latest))| Candidate {
                shift: s,
                earliest,
                latest,
                value: self.value_of(req, self.shifts[s].mediator),
            })
            .collect();
        if candidates.is_empty() {
            return (vec![], Some(Reason::ExceedsWorkloadLimit));
        }
        (candidates, None)
    }

    /// Index of a request by id.
    pub fn request_index(&self, id: &str) -> Option<usize> {
        self.requests.iter().position(|r| r.id == id)
    }

    /// Index of a mediator by id.
    pub fn mediator_index(&self, id: &str) -> Option<usize> {
        self.mediators.iter().position(|m| m.id == id)
    }

    /// Sum of the weights of the requests some mediator could serve alone: the spec's
    /// simplest upper bound on served weight.
    pub fn coverable_weight(&self) -> i64 {
        self.groups
            .iter()
            .filter(|g| self.reasons[(*g).clone()].iter().any(Option::is_none))
            .map(|g| self.requests[g.start].weight)
            .sum()
    }

    pub fn total_weight(&self) -> i64 {
        self.groups
            .iter()
            .map(|g| self.requests[g.start].weight)
            .sum()
    }
}

/// BCP 47 shape, loosely: alphanumeric subtags of 1–8 characters separated by hyphens, the
/// first alphabetic. Whether a tag is registered is the service's concern, not the solver's.
pub fn valid_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}
