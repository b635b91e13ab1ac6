//! The report's tables: one row per language, organisation or mediator, and a total.
//!
//! What each figure counts (occurrences: a series counts once per date):
//! - `requests`: occurrences starting in the range, cancelled ones included;
//! - `cancelled`: those cancelled before they ended;
//! - `filled`: those not cancelled and held by a published or accepted assignment;
//! - `filled_pct`: `filled / (requests − cancelled)`, as a percentage;
//! - `minutes`: assigned time of the filled ones; `travel_minutes`: travel the plans
//!   computed for them (`travel_known` says for how many it is known);
//! - response medians: request creation → assignment creation of the filled urgent (and,
//!   separately, emergency) occurrences;
//! - notice median: cancellation → start of the first occurrence it cancelled, once per
//!   cancelled request (negative when cancelled after the start).
//!
//! Per mediator, an occurrence belongs to whoever holds it, else to whoever was assigned it
//! last (a decline, a cancellation); never-assigned occurrences form a row with an empty key,
//! so that every table sums to the same total.
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::median;
use super::occurrences::{Data, Occurrence};
use super::range::Range;
use crate::domain::closeout::Outcome;
use crate::domain::request::Urgency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Language,
    Organisation,
    Mediator,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Language, Group::Organisation, Group::Mediator];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Language => "language",
            Group::Organisation => "organisation",
            Group::Mediator => "mediator",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    /// Language tag, organisation id or mediator id; empty for "not assigned" (mediators)
    /// and for the total.
    pub key: String,
    /// Organisation or mediator name; the tag for a language.
    pub name: String,
    pub requests: u32,
    pub cancelled: u32,
    pub filled: u32,
    /// Percentage of the requests not cancelled; null when all were cancelled.
    pub filled_pct: Option<f64>,
    pub minutes: i64,
    pub travel_minutes: i64,
    /// Filled occurrences whose travel is known (placed by a plan).
    pub travel_known: u32,
    pub median_urgent_minutes: Option<i64>,
    pub median_emergency_minutes: Option<i64>,
    pub cancel_notice_median_minutes: Option<i64>,
    /// Minutes delivered, as closed out: what funders count. `minutes` are the planned ones.
    pub delivered_minutes: i64,
    /// Filled occurrences whose outcome was recorded.
    pub closed_out: u32,
    pub family_no_shows: u32,
    pub mediator_no_shows: u32,
    /// No-shows (family or mediator) per 100 closed-out meetings; null before any closeout.
    pub no_show_pct: Option<f64>,
    /// Filled meetings of a case (same organisation and case reference) after its first
    /// in the period.
    pub follow_ups: u32,
    /// Of those, the share served by a mediator who had served the case before: the
    /// continuity families feel. Null without follow-ups.
    pub continuity_pct: Option<f64>,
}

impl Row {
    pub fn unfilled(&self) -> u32 {
        self.requests - self.cancelled - self.filled
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub group: Group,
    pub rows: Vec<Row>,
    pub total: Row,
}

#[derive(Default)]
struct Acc {
    requests: u32,
    cancelled: u32,
    filled: u32,
    minutes: i64,
    travel: i64,
    travel_known: u32,
    urgent: Vec<i64>,
    emergency: Vec<i64>,
    notice: Vec<i64>,
    delivered: i64,
    closed_out: u32,
    family_no_shows: u32,
    mediator_no_shows: u32,
    follow_ups: u32,
    same_mediator: u32,
}

impl Acc {
    fn add(&mut self, o: &Occurrence, first_cancel_of_request: bool, continuity: Option<bool>) {
        if let Some(same) = continuity {
            self.follow_ups += 1;
            self.same_mediator += u32::from(same);
        }
        self.requests += 1;
        if let Some(at) = o.cancelled_at {
            self.cancelled += 1;
            if first_cancel_of_request {
                self.notice.push((o.start - at).num_minutes());
            }
            return;
        }
        let Some(live) = &o.live else { return };
        self.filled += 1;
        self.minutes += live.minutes;
        if let Some((outcome, delivered)) = live.outcome {
            self.closed_out += 1;
            self.delivered += delivered;
            match outcome {
                Outcome::FamilyNoShow => self.family_no_shows += 1,
                Outcome::MediatorNoShow => self.mediator_no_shows += 1,
                Outcome::Delivered | Outcome::CancelledLate => {}
            }
        }
        if let Some(t) = live.travel_minutes {
            self.travel += t;
            self.travel_known += 1;
        }
        let waited = (live.assigned_at - o.created_at).num_minutes().max(0);
        match o.urgency {
            Urgency::Urgent => self.urgent.push(waited),
            Urgency::Emergency => self.emergency.push(waited),
            Urgency::Routine => {}
        }
    }

    fn row(mut self, key: String, name: String) -> Row {
        let open = self.requests - self.cancelled;
        Row {
            key,
            name,
            requests: self.requests,
            cancelled: self.cancelled,
            filled: self.filled,
            filled_pct: (open > 0).then(|| f64::from(self.filled) * 100.0 / f64::from(open)),
            minutes: self.minutes,
            travel_minutes: self.travel,
            travel_known: self.travel_known,
            median_urgent_minutes: median(&mut self.urgent),
            median_emergency_minutes: median(&mut self.emergency),
            cancel_notice_median_minutes: median(&mut self.notice),
            delivered_minutes: self.delivered,
            closed_out: self.closed_out,
            family_no_shows: self.family_no_shows,
            mediator_no_shows: self.mediator_no_shows,
            no_show_pct: (self.closed_out > 0).then(|| {
                f64::from(self.family_no_shows + self.mediator_no_shows) * 100.0
                    / f64::from(self.closed_out)
            }),
            follow_ups: self.follow_ups,
            continuity_pct: (self.follow_ups > 0)
                .then(|| f64::from(self.same_mediator) * 100.0 / f64::from(self.follow_ups)),
        }
    }
}

/// The key an occurrence is counted under.
fn key_of(group: Group, o: &Occurrence) -> String {
    match group {
        Group::Language => o.language.clone(),
        Group::Organisation => o.organisation_id.to_string(),
        Group::Mediator => o
            .live
            .as_ref()
            .map(|l| l.mediator_id)
            .or(o.last_mediator)
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

fn name_of(group: Group, key: &str, data: &Data) -> String {
    let id = key.parse::<i64>().ok();
    match group {
        Group::Language => Some(key.to_string()),
        Group::Organisation => id.and_then(|id| data.organisations.get(&id)).cloned(),
        Group::Mediator => id.and_then(|id| data.mediators.get(&id)).cloned(),
    }
    .unwrap_or_else(|| key.to_string())
}

/// For each filled meeting of a case (organisation and case reference) that had an earlier
/// filled meeting in the range: whether one of the case's earlier mediators served it.
fn continuity(data: &Data) -> HashMap<(i64, i32), bool> {
    let mut ordered: Vec<&Occurrence> = data
        .occurrences
        .iter()
        .filter(|o| o.case_reference.is_some() && o.live.is_some() && !o.cancelled())
        .collect();
    ordered.sort_by_key(|o| (o.start, o.request_id, o.occurrence));
    let mut served: HashMap<(i64, &str), Vec<i64>> = HashMap::new();
    let mut out = HashMap::new();
    for o in ordered {
        let (Some(case), Some(live)) = (o.case_reference.as_deref(), &o.live) else {
            continue;
        };
        let before = served.entry((o.organisation_id, case)).or_default();
        if !before.is_empty() {
            out.insert(
                (o.request_id, o.occurrence),
                before.contains(&live.mediator_id),
            );
        }
        if !before.contains(&live.mediator_id) {
            before.push(live.mediator_id);
        }
    }
    out
}

pub fn report(data: &Data, range: Range, group: Group) -> Report {
    let mut groups: HashMap<String, Acc> = HashMap::new();
    let mut total = Acc::default();
    let mut noticed: HashSet<i64> = HashSet::new();
    let continuity = continuity(data);
    let mut ordered: Vec<&Occurrence> = data.occurrences.iter().collect();
    ordered.sort_by_key(|o| (o.request_id, o.occurrence));
    for o in ordered {
        let first = o.cancelled() && noticed.insert(o.request_id);
        let same = continuity.get(&(o.request_id, o.occurrence)).copied();
        groups
            .entry(key_of(group, o))
            .or_default()
            .add(o, first, same);
        total.add(o, first, same);
    }
    let mut rows: Vec<Row> = groups
        .into_iter()
        .map(|(key, acc)| {
            let name = name_of(group, &key, data);
            acc.row(key, name)
        })
        .collect();
    // Most requests first; the "not assigned" row of the mediators last.
    rows.sort_by(|a, b| {
        a.key
            .is_empty()
            .cmp(&b.key.is_empty())
            .then(b.requests.cmp(&a.requests))
            .then(a.name.cmp(&b.name))
    });
    Report {
        from: range.from,
        to: range.to,
        group,
        rows,
        total: total.row(String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;
    use crate::domain::request::Modality;
    use crate::report::occurrences::Live;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    fn occ(request_id: i64, language: &str, urgency: &str) -> Occurrence {
        Occurrence {
            request_id,
            occurrence: 1,
            series: false,
            language: language.into(),
            organisation_id: 1,
            site_id: None,
            urgency: Urgency::parse(urgency).expect("an urgency"),
            modality: Modality::InPerson,
            required_tags: vec![],
            start: at(24 * 60),
            duration_minutes: 60,
            created_at: at(0),
            cancelled_at: None,
            live: None,
            last_mediator: None,
            case_reference: None,
        }
    }

    fn filled(mut o: Occurrence, mediator: i64, after: i64, travel: Option<i64>) -> Occurrence {
        o.live = Some(Live {
            mediator_id: mediator,
            minutes: 60,
            assigned_at: at(after),
            travel_minutes: travel,
            outcome: None,
        });
        o.last_mediator = Some(mediator);
        o
    }

    #[test]
    fn continuity_counts_follow_ups_served_by_a_mediator_of_the_case() {
        let case = |mut o: Occurrence, reference: &str, minutes: i64| {
            o.case_reference = Some(reference.into());
            o.start = at(minutes);
            o
        };
        let data = Data {
            occurrences: vec![
                // Case A: Li (7), then Li again, then Chen (8): 1 of 2 follow-ups.
                case(filled(occ(1, "zh", "routine"), 7, 0, None), "A", 100),
                case(filled(occ(2, "zh", "routine"), 7, 0, None), "A", 200),
                case(filled(occ(3, "zh", "routine"), 8, 0, None), "A", 300),
                // Case B once: no follow-up. No case: not counted.
                case(filled(occ(4, "zh", "routine"), 8, 0, None), "B", 100),
                filled(occ(5, "zh", "routine"), 8, 0, None),
            ],
            ..Default::default()
        };
        let range = crate::report::range::Range {
            from: at(0).date_naive(),
            to: at(0).date_naive(),
        };
        let r = report(&data, range, Group::Organisation);
        assert_eq!(r.total.follow_ups, 2);
        assert_eq!(r.total.continuity_pct, Some(50.0));
    }

    #[test]
    fn figures_per_language_and_mediator() {
        let mut cancelled = occ(4, "ur", "routine");
        cancelled.cancelled_at = Some(at(24 * 60 - 90));
        let data = Data {
            occurrences: vec![
                filled(occ(1, "ur", "urgent"), 7, 30, Some(12)),
                filled(occ(2, "ur", "urgent"), 7, 90, None),
                occ(3, "ur", "emergency"),
                cancelled,
                filled(occ(5, "zh", "emergency"), 8, 5, Some(20)),
            ],
            ..Default::default()
        };
        let range = crate::report::range::Range {
            from: at(0).date_naive(),
            to: at(0).date_naive(),
        };
        let r = report(&data, range, Group::Language);
        let ur = r.rows.iter().find(|r| r.key == "ur").unwrap();
        assert_eq!((ur.requests, ur.cancelled, ur.filled), (4, 1, 2));
        assert!((ur.filled_pct.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(ur.minutes, 120);
        assert_eq!((ur.travel_minutes, ur.travel_known), (12, 1));
        assert_eq!(ur.median_urgent_minutes, Some(60));
        assert_eq!(ur.median_emergency_minutes, None);
        assert_eq!(ur.cancel_notice_median_minutes, Some(90));
        assert_eq!(r.rows[0].key, "ur", "most requests first");
        assert_eq!(r.total.requests, 5);
        assert_eq!(r.total.median_emergency_minutes, Some(5));

        let m = report(&data, range, Group::Mediator);
        assert_eq!(m.rows.last().unwrap().key, "", "unassigned last");
        assert_eq!(m.rows.last().unwrap().requests, 2);
        let sum: u32 = m.rows.iter().map(|r| r.requests).sum();
        assert_eq!(sum, m.total.requests);
    }
}
