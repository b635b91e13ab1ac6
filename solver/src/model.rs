//! The exchange format `mediation-dispatch/1`, exactly as `docs/dispatch-problem.md`
//! writes it: these types mirror the JSON one to one. Meaning (indices, times, eligibility)
//! is given to them by [`crate::problem::Problem`], which validates references and rules.
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "mediation-dispatch/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Instance {
    pub format: String,
    pub name: String,
    pub timezone: String,
    pub travel: Travel,
    pub objective: Objective,
    pub locations: Vec<Location>,
    pub mediators: Vec<Mediator>,
    pub requests: Vec<Request>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Travel {
    Haversine {
        speed_kmh: f64,
        detour_factor: f64,
        min_minutes: f64,
    },
    Matrix {
        minutes: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Objective {
    pub urgency_weight: UrgencyWeight,
    pub travel_minute_cost: i64,
    pub preferred_mediator_bonus: i64,
    /// Ponte's extension: points taken off a request served by one of its
    /// `fallback_modalities` instead of its `modality`. Absent: 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fallback_cost: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct UrgencyWeight {
    pub emergency: i64,
    pub urgent: i64,
    pub routine: i64,
}

impl UrgencyWeight {
    pub fn of(&self, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::Emergency => self.emergency,
            Urgency::Urgent => self.urgent,
            Urgency::Routine => self.routine,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mediator {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub languages: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub home: String,
    pub modalities: Vec<Modality>,
    pub shifts: Vec<Shift>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_work_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Shift {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    pub id: String,
    #[serde(default)]
    pub requester: String,
    pub kind: Kind,
    pub language: String,
    #[serde(default)]
    pub required_tags: Vec<String>,
    pub modality: Modality,
    #[serde(default)]
    pub location: Option<String>,
    pub earliest_start: DateTime<FixedOffset>,
    pub latest_start: DateTime<FixedOffset>,
    pub duration_minutes: i64,
    pub urgency: Urgency,
    #[serde(default)]
    pub preferred_mediators: Vec<String>,
    #[serde(default)]
    pub excluded_mediators: Vec<String>,
    #[serde(default)]
    pub pinned: Option<Pin>,
    /// Ponte's extension: modalities the request also accepts when its `modality` cannot be
    /// served ("in person, or video if needed"), in order of preference. Absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_modalities: Vec<Modality>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pin {
    pub mediator: String,
    pub start: DateTime<FixedOffset>,
    /// Ponte's extension: the modality the pinned appointment is served in, when it is one of
    /// the request's `fallback_modalities`. Absent: the request's `modality`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    School,
    SocialServices,
    Health,
    Desk,
    Other,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    InPerson,
    Phone,
    Video,
}

impl Modality {
    pub const ALL: [Modality; 3] = [Modality::InPerson, Modality::Phone, Modality::Video];
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::InPerson => "in_person",
            Modality::Phone => "phone",
            Modality::Video => "video",
        }
    }
    pub fn is_remote(self) -> bool {
        !matches!(self, Modality::InPerson)
    }
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Ordered from most to least pressing, so sorting by urgency puts emergencies first.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Emergency,
    Urgent,
    Routine,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Emergency, Urgency::Urgent, Urgency::Routine];
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Emergency => "emergency",
            Urgency::Urgent => "urgent",
            Urgency::Routine => "routine",
        }
    }
}

/// Why a request is not in the plan: the spec's reasons, in the order they are checked.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    NoMediatorSpeaksLanguage,
    AllSpeakersExcluded,
    NoMediatorWithRequiredTags,
    NoMediatorOffersModality,
    NoMediatorAvailableInWindow,
    TravelInfeasible,
    ExceedsWorkloadLimit,
    Capacity,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoMediatorSpeaksLanguage => "no_mediator_speaks_language",
            Reason::AllSpeakersExcluded => "all_speakers_excluded",
            Reason::NoMediatorWithRequiredTags => "no_mediator_with_required_tags",
            Reason::NoMediatorOffersModality => "no_mediator_offers_modality",
            Reason::NoMediatorAvailableInWindow => "no_mediator_available_in_window",
            Reason::TravelInfeasible => "travel_infeasible",
            Reason::ExceedsWorkloadLimit => "exceeds_workload_limit",
            Reason::Capacity => "capacity",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Solution {
    pub format: String,
    pub instance: String,
    pub assignments: Vec<Assignment>,
    #[serde(default)]
    pub unassigned: Vec<Unassigned>,
    #[serde(default)]
    pub stats: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Assignment {
    pub request: String,
    pub mediator: String,
    pub start: DateTime<FixedOffset>,
    /// Ponte's extension: present when the request is served in one of its
    /// `fallback_modalities`; absent means its `modality`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unassigned {
    pub request: String,
    pub reason: Reason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
