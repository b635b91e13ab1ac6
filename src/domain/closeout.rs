//! What actually happened at a meeting, recorded after it began: the funders' hours are
//! delivered hours, not planned ones, and a no-show is a fact a coordinator must see.
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

/// The outcome of a meeting, as `assignments.outcome` stores it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    EnumIter,
    DeriveActiveEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Outcome {
    /// The mediation took place.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// The mediator came; the family did not.
    #[sea_orm(string_value = "family_no_show")]
    FamilyNoShow,
    /// The mediator did not come.
    #[sea_orm(string_value = "mediator_no_show")]
    MediatorNoShow,
    /// Called off too late for the mediator's time to go to anyone else.
    #[sea_orm(string_value = "cancelled_late")]
    CancelledLate,
}

words!(Outcome, "an outcome", {
    Delivered => "delivered",
    FamilyNoShow => "family_no_show",
    MediatorNoShow => "mediator_no_show",
    CancelledLate => "cancelled_late",
});

/// The longest meeting a closeout may record, and how far its times may stray from the
/// planned ones: a typo ("19:00" for "09:00") is caught, a meeting that ran over is not.
pub const MAX_MINUTES: i64 = 12 * 60;
pub const MAX_DRIFT: TimeDelta = TimeDelta::hours(12);

/// Why recorded times cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimesError {
    #[error("The end comes after the start.")]
    EndNotAfterStart,
    #[error("A meeting lasts at most {MAX_MINUTES} minutes.")]
    TooLong,
    #[error("Within 12 hours of the planned time.")]
    FarFromPlan,
}

/// The minutes a closeout counts as delivered: the actual times (the planned ones where
/// not given) of a delivered meeting, none for any other outcome.
pub fn delivered_minutes(outcome: Outcome, start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    match outcome {
        Outcome::Delivered => (end - start).num_minutes().max(0),
        _ => 0,
    }
}

/// Checks actual times against the planned `[planned_start, planned_end)`.
pub fn check_times(
    planned_start: DateTime<Utc>,
    planned_end: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), TimesError> {
    if end <= start {
        return Err(TimesError::EndNotAfterStart);
    }
    if (end - start).num_minutes() > MAX_MINUTES {
        return Err(TimesError::TooLong);
    }
    if (start - planned_start).abs() > MAX_DRIFT || (end - planned_end).abs() > MAX_DRIFT {
        return Err(TimesError::FarFromPlan);
    }
    Ok(())
}

/// From what local time, the day after a meeting, its closeout reminder goes out.
pub const REMINDER_FROM: chrono::NaiveTime = match chrono::NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => panic!("08:00 is a time"),
};

/// Whether the closeout reminder of a meeting that started at `start` is due at `now`:
/// from 08:00 of the day after, in `zone`, and only for meetings of the last `days` days
/// (older ones are the coordinators' to chase).
pub fn reminder_due(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    zone: chrono_tz::Tz,
    days: i64,
) -> bool {
    let day = start.with_timezone(&zone).date_naive();
    let Some(next) = day.succ_opt() else {
        return false;
    };
    let from = crate::domain::local_time::local_date_time_or_next(next, REMINDER_FROM, zone);
    now >= from && start >= now - TimeDelta::days(days)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2027, 3, 30)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn stored_text_is_as_str() {
        for o in Outcome::iter() {
            assert_eq!(o.to_value(), o.as_str());
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
    }

    #[test]
    fn only_a_delivered_meeting_counts_its_minutes() {
        assert_eq!(
            delivered_minutes(Outcome::Delivered, at(9, 0), at(10, 15)),
            75
        );
        assert_eq!(
            delivered_minutes(Outcome::FamilyNoShow, at(9, 0), at(10, 0)),
            0
        );
    }

    #[test]
    fn the_reminder_goes_the_morning_after() {
        let rome = chrono_tz::Europe::Rome;
        // 30 March 2027 at 11:00 in Rome (09:00 UTC).
        let start = at(9, 0);
        let next_morning = |h| at(h, 0) + TimeDelta::days(1);
        assert!(!reminder_due(start, at(20, 0), rome, 14));
        assert!(
            !reminder_due(start, next_morning(5), rome, 14),
            "07:00 in Rome"
        );
        assert!(
            reminder_due(start, next_morning(6), rome, 14),
            "08:00 in Rome"
        );
        assert!(!reminder_due(start, start + TimeDelta::days(15), rome, 14));
    }

    #[test]
    fn times_that_cannot_be_right_are_refused() {
        let (s, e) = (at(9, 0), at(10, 0));
        assert_eq!(check_times(s, e, at(9, 10), at(10, 20)), Ok(()));
        assert_eq!(
            check_times(s, e, at(10, 0), at(9, 0)),
            Err(TimesError::EndNotAfterStart)
        );
        assert_eq!(
            check_times(s, e, at(0, 0), at(13, 0)),
            Err(TimesError::TooLong)
        );
        assert_eq!(
            check_times(s, e, at(22, 0), at(23, 0)),
            Err(TimesError::FarFromPlan)
        );
    }
}
