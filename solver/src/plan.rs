//! A plan: for each request, the shift and start it is assigned to, or nothing. This is the
//! currency between the algorithms, the checker and the exchange format.
use chrono::{DateTime, FixedOffset};

use crate::model::{self, Assignment, Solution, Unassigned};
use crate::problem::{Problem, Time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    pub shift: usize,
    pub start: Time,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indexed by request.
    pub slots: Vec<Option<Slot>>,
}

impl Plan {
    /// The plan that holds only the pinned assignments.
    pub fn pinned_only(p: &Problem) -> Plan {
        Plan {
            slots: p
                .requests
                .iter()
                .map(|r| {
                    r.pinned.map(|pin| Slot {
                        shift: pin.shift,
                        start: pin.start,
                    })
                })
                .collect(),
        }
    }

    pub fn assigned(&self) -> impl Iterator<Item = (usize, Slot)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(r, s)| s.map(|s| (r, s)))
    }

    /// Writes the plan in the exchange format; `stats` is carried as is.
    pub fn to_solution(
        &self,
        p: &Problem,
        stats: serde_json::Map<String, serde_json::Value>,
    ) -> Solution {
        let mut assignments = Vec::new();
        let mut unassigned = Vec::new();
        for (g, group) in p.groups.iter().enumerate() {
            let held = group
                .clone()
                .find_map(|r| self.slots[r].map(|slot| (r, slot)));
            match held {
                Some((r, slot)) => {
                    let req = &p.requests[r];
                    assignments.push(Assignment {
                        request: req.id.clone(),
                        mediator: p.mediators[p.shifts[slot.shift].mediator].id.clone(),
                        start: instant(slot.start, req.offset),
                        modality: req.fallback.then_some(req.modality),
                    })
                }
                None => unassigned.push(Unassigned {
                    request: p.requests[group.start].id.clone(),
                    reason: p.group_reason(g),
                    detail: None,
                }),
            }
        }
        Solution {
            format: model::FORMAT.to_string(),
            instance: p.name.clone(),
            assignments,
            unassigned,
            stats,
        }
    }
}

/// An instant in seconds written with the given offset.
pub fn instant(t: Time, offset: FixedOffset) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(t, 0)
        .expect("instants come from parsed RFC 3339 times and stay in range")
        .with_timezone(&offset)
}
