//! How many failed attempts (a wrong password, an unknown response or feed token) a key may
//! make, and when it may try again: a burst, then one attempt per interval.
//!
//! The rule is the generic cell rate algorithm (GCRA): each key keeps one instant, its
//! "theoretical arrival time" (TAT). A failure moves it one interval later (from now, if it
//! lay in the past); a key may try while its TAT is within `burst - 1` intervals of now. So
//! a guesser gets `burst` quick tries and then one per interval, the lock after a burst
//! lasts one interval, and an attempt that is refused costs nothing more: nobody can push a
//! lock further out by hammering it, so a throttle cannot be turned into a way to keep
//! someone locked out beyond one interval after the hammering stops.
use chrono::{DateTime, TimeDelta, Utc};

/// A key's allowance: `burst` failures at once, then one per `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub interval: TimeDelta,
}

impl Rate {
    /// How far ahead of now the TAT may lie while the key may still try.
    fn tolerance(self) -> TimeDelta {
        self.interval * (self.burst.max(1) as i32 - 1)
    }
}

/// The verdict before an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Locked until this instant.
    Locked {
        until: DateTime<Utc>,
    },
}

/// May a key whose TAT is `tat` (none: no failure remembered) try at `now`?
pub fn verdict(tat: Option<DateTime<Utc>>, rate: Rate, now: DateTime<Utc>) -> Verdict {
    match tat {
        Some(tat) if tat - rate.tolerance() > now => Verdict::Locked {
            until: tat - rate.tolerance(),
        },
        _ => Verdict::Allowed,
    }
}

/// The TAT after a failure at `now`.
pub fn after_failure(tat: Option<DateTime<Utc>>, rate: Rate, now: DateTime<Utc>) -> DateTime<Utc> {
    tat.map_or(now, |tat| tat.max(now)) + rate.interval
}

/// Whether a TAT is in the past: the key is as if it had never failed and can be forgotten.
pub fn forgotten(tat: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    tat <= now
}

/// Whole seconds until `until`, at least 1: what a `Retry-After` header says.
pub fn retry_after_secs(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let millis = (until - now).num_milliseconds().max(0) as u64;
    millis.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const RATE: Rate = Rate {
        burst: 5,
        interval: TimeDelta::minutes(1),
    };

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap()
    }

    /// Fails at `now` as long as allowed; returns the number of failures taken and the TAT.
    fn hammer(
        mut tat: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        tries: u32,
    ) -> (u32, Option<DateTime<Utc>>) {
        let mut taken = 0;
        for _ in 0..tries {
            if verdict(tat, RATE, now) == Verdict::Allowed {
                tat = Some(after_failure(tat, RATE, now));
                taken += 1;
            }
        }
        (taken, tat)
    }

    #[test]
    fn a_burst_then_a_lock_of_one_interval() {
        let (taken, tat) = hammer(None, t0(), 200);
        assert_eq!(taken, 5, "five quick failures, then locked");
        assert_eq!(
            verdict(tat, RATE, t0()),
            Verdict::Locked {
                until: t0() + TimeDelta::minutes(1)
            }
        );
        // One interval later, exactly one more try.
        let later = t0() + TimeDelta::minutes(1);
        let (taken, _) = hammer(tat, later, 200);
        assert_eq!(taken, 1);
    }

    #[test]
    fn hammering_a_lock_does_not_lengthen_it() {
        let (_, tat) = hammer(None, t0(), 5);
        let (taken, again) = hammer(tat, t0() + TimeDelta::seconds(30), 1000);
        assert_eq!(taken, 0);
        assert_eq!(again, tat, "refused attempts leave the key as it was");
    }

    #[test]
    fn a_quiet_key_recovers_its_whole_burst() {
        let (_, tat) = hammer(None, t0(), 5);
        let quiet = t0() + TimeDelta::minutes(5);
        assert!(forgotten(tat.unwrap(), quiet));
        let (taken, _) = hammer(tat, quiet, 200);
        assert_eq!(taken, 5);
    }

    #[test]
    fn slow_failures_never_lock() {
        let mut tat = None;
        for k in 0..100 {
            let now = t0() + TimeDelta::minutes(k);
            assert_eq!(verdict(tat, RATE, now), Verdict::Allowed);
            tat = Some(after_failure(tat, RATE, now));
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let until = t0() + TimeDelta::milliseconds(1500);
        assert_eq!(retry_after_secs(until, t0()), 2);
        assert_eq!(retry_after_secs(t0(), t0()), 1);
    }
}
