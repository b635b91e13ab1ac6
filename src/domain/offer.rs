//! How long an offer waits for its answer. An emergency offered to a few mediators, an
//! urgent meeting published to one, a planned meeting published to its mediator: each is an
//! offer until the mediator accepts, and each lapses at `expires_at`, after which the next
//! candidates are asked. One rule, so that dispatch, publication and the pages agree.
use chrono::{DateTime, TimeDelta, Utc};

use super::request::Urgency;

/// Time to answer, by the request's urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub emergency: TimeDelta,
    pub urgent: TimeDelta,
    pub routine: TimeDelta,
}

impl Default for Lifetimes {
    /// An emergency cannot wait: ten minutes, then the next ones; an urgent meeting an
    /// hour; a planned one a day, so that a mediator who reads mail once a day still can.
    fn default() -> Self {
        Lifetimes {
            emergency: TimeDelta::minutes(10),
            urgent: TimeDelta::minutes(60),
            routine: TimeDelta::hours(24),
        }
    }
}

impl Lifetimes {
    pub fn of(&self, urgency: Urgency) -> TimeDelta {
        match urgency {
            Urgency::Emergency => self.emergency,
            Urgency::Urgent => self.urgent,
            Urgency::Routine => self.routine,
        }
    }

    /// When an offer made at `now` for a meeting starting at `start` lapses: after its
    /// lifetime, and not after the meeting starts (an answer after that is no answer), but
    /// never sooner than [`MIN_ANSWER`] (or the lifetime, if shorter), so that a meeting
    /// about to start still gives its mediator a moment to say yes. A meeting already
    /// begun waits for nothing (`None`): what happened is its closeout's to say, and a
    /// plan published over past days must not lapse them all minutes later.
    pub fn expires_at(
        &self,
        urgency: Urgency,
        now: DateTime<Utc>,
        start: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if start < now {
            return None;
        }
        let lifetime = self.of(urgency);
        let soonest = now + lifetime.min(MIN_ANSWER);
        Some((now + lifetime).min(start).max(soonest))
    }
}

/// The least time any offer leaves to answer.
pub const MIN_ANSWER: TimeDelta = TimeDelta::minutes(5);

/// Whether a row in `state` with `expires_at` has lapsed at `now`: it awaited an answer
/// and its time ran out, whether or not the expiry worker has swept it yet.
pub fn has_lapsed(
    state: super::assignment::State,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    super::assignment::AWAITING.contains(&state) && expires_at.is_some_and(|at| at <= now)
}

/// How many candidates the next round of an emergency asks: wider each round, so that an
/// emergency nobody answers reaches more people each time rather than the same few.
/// `asked` counts everyone asked before (declined, lapsed, withdrawn).
pub fn round_size(first: usize, asked: usize) -> usize {
    first + asked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn an_offer_lapses_after_its_urgencys_lifetime() {
        let l = Lifetimes::default();
        let now = at(8, 0);
        let start = at(18, 0);
        assert_eq!(
            l.expires_at(Urgency::Emergency, now, start),
            Some(at(8, 10))
        );
        assert_eq!(l.expires_at(Urgency::Urgent, now, start), Some(at(9, 0)));
        assert_eq!(l.expires_at(Urgency::Routine, now, start), Some(start));
    }

    #[test]
    fn not_after_the_meeting_starts_yet_never_at_once() {
        let l = Lifetimes::default();
        assert_eq!(
            l.expires_at(Urgency::Urgent, at(8, 0), at(8, 20)),
            Some(at(8, 20))
        );
        // A meeting about to start still leaves a moment to answer.
        assert_eq!(
            l.expires_at(Urgency::Urgent, at(8, 0), at(8, 2)),
            Some(at(8, 5))
        );
        // A lifetime shorter than that minimum is kept.
        let quick = Lifetimes {
            emergency: TimeDelta::minutes(2),
            ..l
        };
        assert_eq!(
            quick.expires_at(Urgency::Emergency, at(8, 0), at(8, 30)),
            Some(at(8, 2))
        );
    }

    #[test]
    fn a_meeting_already_begun_waits_for_nothing() {
        let l = Lifetimes::default();
        assert_eq!(l.expires_at(Urgency::Routine, at(8, 0), at(7, 0)), None);
        // One starting this very minute is still to be confirmed.
        assert_eq!(
            l.expires_at(Urgency::Emergency, at(8, 0), at(8, 0)),
            Some(at(8, 5))
        );
    }

    #[test]
    fn each_round_asks_more_people() {
        assert_eq!(round_size(3, 0), 3);
        assert_eq!(round_size(3, 3), 6);
        assert_eq!(round_size(3, 9), 12);
    }
}
