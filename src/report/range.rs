//! The local date range of a report: first and last dates, both included, read in the
//! organisations' zone (Europe/Rome), so that "March" is March on the wall clock whatever
//! the DST changes in it.
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::plan::snapshot::Window;

/// Longest range: a year and a day, so that any calendar year fits.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a range was refused, per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeErrors {
    pub from: Option<&'static str>,
    pub to: Option<&'static str>,
}

impl RangeErrors {
    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// Error codes, translated by the pages (`rep.err.<code>`) and written as they are by the API.
pub const BAD_DATE: &str = "bad_date";
pub const BEFORE_FROM: &str = "before_from";
pub const TOO_LONG: &str = "too_long";
pub const OUT_OF_RANGE: &str = "out_of_range";

impl Range {
    /// The month of `today` in Rome.
    pub fn this_month(now: DateTime<Utc>) -> Range {
        month_of(now.with_timezone(&DEFAULT_ZONE).date_naive())
    }

    /// The month before that of `now`.
    pub fn last_month(now: DateTime<Utc>) -> Range {
        let first = Range::this_month(now).from;
        month_of(first - TimeDelta::days(1))
    }

    /// `from` and `to` as `YYYY-MM-DD`; a missing one takes the current month's.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Range, RangeErrors> {
        let default = Range::this_month(now);
        let read = |s: Option<&str>, fallback: NaiveDate| -> Result<NaiveDate, &'static str> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(fallback),
                Some(s) => local_time::parse_date(s).map_err(|e| match e {
                    local_time::TimeError::OutOfRange(_) => OUT_OF_RANGE,
                    _ => BAD_DATE,
                }),
            }
        };
        let from = read(from, default.from);
        let to = read(to, default.to);
        let mut errors = RangeErrors {
            from: from.err(),
            to: to.err(),
        };
        if let (Ok(from), Ok(to)) = (from, to) {
            if to < from {
                errors.to = Some(BEFORE_FROM);
            } else if (to - from).num_days() >= MAX_DAYS {
                errors.to = Some(TOO_LONG);
            } else {
                return Ok(Range { from, to });
            }
        }
        Err(errors)
    }

    /// From midnight of `from` to midnight after `to`, in Rome.
    pub fn window(&self) -> Window {
        Window::local_dates(self.from, self.to, DEFAULT_ZONE)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

fn month_of(day: NaiveDate) -> Range {
    let from = day.with_day(1).unwrap_or(day);
    let next = if from.month() == 12 {
        NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
    };
    let to = next.map_or(from, |n| n - TimeDelta::days(1));
    Range { from, to }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn presets_follow_the_rome_calendar() {
        // 23:30 UTC on 31 March is already 1 April in Rome.
        let now = utc("2027-03-31T23:30:00Z");
        assert_eq!(
            Range::this_month(now),
            Range {
                from: d("2027-04-01"),
                to: d("2027-04-30")
            }
        );
        assert_eq!(
            Range::last_month(now),
            Range {
                from: d("2027-03-01"),
                to: d("2027-03-31")
            }
        );
        let january = utc("2027-01-10T10:00:00Z");
        assert_eq!(Range::last_month(january).from, d("2026-12-01"));
        assert_eq!(Range::last_month(january).to, d("2026-12-31"));
    }

    #[test]
    fn parse_checks_each_field() {
        let now = utc("2027-02-10T10:00:00Z");
        assert_eq!(
            Range::parse(None, None, now).unwrap(),
            Range {
                from: d("2027-02-01"),
                to: d("2027-02-28")
            }
        );
        let e = Range::parse(Some("2027-13-01"), Some("x"), now).unwrap_err();
        assert_eq!((e.from, e.to), (Some(BAD_DATE), Some(BAD_DATE)));
        let e = Range::parse(Some("2027-03-10"), Some("2027-03-01"), now).unwrap_err();
        assert_eq!((e.from, e.to), (None, Some(BEFORE_FROM)));
        let e = Range::parse(Some("2027-01-01"), Some("2028-01-02"), now).unwrap_err();
        assert_eq!(e.to, Some(TOO_LONG));
        assert!(Range::parse(Some("2027-01-01"), Some("2027-12-31"), now).is_ok());
    }

    #[test]
    fn window_spans_the_dst_change() {
        let r = Range {
            from: d("2027-03-28"),
            to: d("2027-03-28"),
        };
        let w = r.window();
        assert_eq!((w.end - w.start).num_hours(), 23);
    }
}
