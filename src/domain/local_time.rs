//! Instants and local times.
//!
//! The service stores every instant in UTC and shows or accepts wall-clock time in the
//! organisation's IANA zone (by default Europe/Rome). Converting local time to UTC is where
//! daylight saving time bites: once a year a local hour does not exist (spring forward) and
//! once a year an hour happens twice (fall back). Every conversion in the service goes
//! through this module so that those two cases are decided in one place:
//!
//! - a local time in the spring-forward gap is an error when the user typed it
//!   ([`parse_instant`], [`local_date_time`]), because guessing would silently move an
//!   appointment; generated times (availability shifts) use [`local_date_time_or_next`]
//!   instead, which moves to the first instant after the gap;
//! - an ambiguous local time takes its first occurrence: a desk appointment "at 02:30" on
//!   the night the clocks go back happens the first time the clock shows 02:30, not an hour
//!   later when people have already waited for it.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat,
    TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

use super::quoted;

/// The zone of an organisation that has not chosen one.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::Rome;

/// Why a time zone, date-time or local time was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("{} is not a known IANA time zone; use a name such as “Europe/Rome”.", quoted(.0))]
    UnknownZone(String),
    #[error(
        "{} is not a valid date-time; use RFC 3339 such as “2026-03-30T09:00:00+02:00” or a \
         local time such as “2026-03-30T09:00”.",
        quoted(.0)
    )]
    InvalidDateTime(String),
    #[error(
        "The local time {local} does not exist in {zone}: the clocks jump forward at that moment \
         (daylight saving time). Choose a time after the change."
    )]
    NonexistentLocalTime { local: String, zone: String },
    #[error("{} is not a date; use YYYY-MM-DD, such as “2026-03-30”.", quoted(.0))]
    InvalidDate(String),
    #[error(
        "{} is outside the dates Ponte accepts, {FIRST_DATE} to {LAST_DATE}.",
        quoted(.0)
    )]
    OutOfRange(String),
}

/// The first and last dates Ponte accepts anywhere (dates, date-times, repetitions). A
/// municipality's appointments and reports live well inside; chrono's own range reaches
/// ±262,000 years, where a day's arithmetic overflows, and a year like -1000 or 9999 is a
/// typing slip, not a plan.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Whether `date` lies in [`FIRST_DATE`]..=[`LAST_DATE`]; `input` names it in the error.
pub fn check_date_window(date: NaiveDate, input: &str) -> Result<NaiveDate, TimeError> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(TimeError::OutOfRange(input.to_owned()))
    }
}

/// The one parser of a calendar date (`YYYY-MM-DD`, surrounding spaces ignored) for every
/// API parameter, body field and form: within the accepted window or an error.
pub fn parse_date(s: &str) -> Result<NaiveDate, TimeError> {
    let input = s.trim();
    // Four digits for the year: `%Y` alone also reads `+12026` or `-1000`.
    let shaped = input.len() == 10 && input.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    let date = shaped
        .then(|| NaiveDate::parse_from_str(input, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| TimeError::InvalidDate(input.to_owned()))?;
    check_date_window(date, input)
}

/// A bound of a listing's window: a date is its local midnight in `zone`, anything else an
/// instant as [`parse_instant`] reads it.
pub fn parse_date_or_instant(s: &str, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    match parse_date(s) {
        Ok(date) => Ok(local_date_time_or_next(date, NaiveTime::MIN, zone)),
        Err(e @ TimeError::OutOfRange(_)) => Err(e),
        Err(_) => parse_instant(s, zone),
    }
}

/// Parses an IANA zone name such as `Europe/Rome` (exact spelling, surrounding spaces ignored).
pub fn parse_zone(s: &str) -> Result<Tz, TimeError> {
    s.trim()
        .parse::<Tz>()
        .map_err(|_| TimeError::UnknownZone(s.trim().to_owned()))
}

/// Parses an instant given either with an explicit offset (RFC 3339: `…+02:00` or `…Z`) or as
/// a local date-time without offset (`2026-03-30T09:00`, `2026-03-30 09:00:00`) in `zone`.
///
/// A local time in the spring-forward gap is an error; an ambiguous one takes its first
/// occurrence (see the module documentation).
pub fn parse_instant(s: &str, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    let input = s.trim();
    let invalid = || TimeError::InvalidDateTime(input.to_owned());
    // chrono reads `:60` as a leap second and keeps it; no appointment starts on one.
    let leap = |nanosecond: u32| nanosecond >= 1_000_000_000;
    if let Ok(with_offset) = parse_with_offset(input) {
        if leap(with_offset.nanosecond()) {
            return Err(invalid());
        }
        check_date_window(with_offset.date_naive(), input)?;
        return Ok(with_offset.with_timezone(&Utc));
    }
    let naive = parse_naive(input).ok_or_else(invalid)?;
    if leap(naive.nanosecond()) {
        return Err(invalid());
    }
    check_date_window(naive.date(), input)?;
    resolve_local(naive, zone)
}

/// The instant at which the wall clock in `zone` shows `time` on `date`, with the module's
/// gap and ambiguity policy.
pub fn local_date_time(
    date: NaiveDate,
    time: NaiveTime,
    zone: Tz,
) -> Result<DateTime<Utc>, TimeError> {
    resolve_local(date.and_time(time), zone)
}

/// Like [`local_date_time`], but a local time in a spring-forward gap becomes the first
/// instant after the gap (02:30 on 29 March 2026 in Rome becomes 03:00 CEST). This is for
/// generated times such as shift boundaries, where failing would lose a whole shift over a
/// time nobody typed.
pub fn local_date_time_or_next(date: NaiveDate, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    earliest(zone.from_local_datetime(&naive))
        .unwrap_or_else(|| first_instant_after_gap(naive, zone))
}

/// The instant as the wall clock in `zone` shows it.
pub fn to_local(instant: DateTime<Utc>, zone: Tz) -> DateTime<Tz> {
    instant.with_timezone(&zone)
}

/// RFC 3339 with the local offset, e.g. `2026-03-30T09:00:00+02:00`. Sub-second precision is
/// dropped: nothing in the service is scheduled finer than a second.
pub fn format_local(instant: DateTime<Utc>, zone: Tz) -> String {
    // `+00:00` rather than `Z` for a zone that happens to be at UTC (London in winter):
    // this is a local time, and `Z` would read as "this is UTC, not local".
    to_local(instant, zone).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// An instant as the API shows it: the UTC value for programs and the local wall-clock time
/// (with its offset) for people, so that clients never convert zones themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instant {
    pub utc: DateTime<Utc>,
    pub local: String,
}

impl Instant {
    pub fn new(utc: DateTime<Utc>, zone: Tz) -> Self {
        Self {
            utc,
            local: format_local(utc, zone),
        }
    }
}

fn parse_with_offset(input: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(input).or_else(|err| {
        // RFC 3339 requires seconds, but people (and HTML forms) write `09:00+02:00`.
        ["%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M%#z"]
            .iter()
            .find_map(|format| DateTime::parse_from_str(input, format).ok())
            .ok_or(err)
    })
}

fn parse_naive(input: &str) -> Option<NaiveDateTime> {
    // `%.f` makes the fraction optional, so `09:00:00` and `09:00:00.5` both match.
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(input, format).ok())
}

fn resolve_local(naive: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    earliest(zone.from_local_datetime(&naive)).ok_or_else(|| TimeError::NonexistentLocalTime {
        local: format_naive(naive),
        zone: zone.name().to_owned(),
    })
}

/// The first occurrence of an ambiguous local time, or the only one; `None` in a gap.
fn earliest(result: LocalResult<DateTime<Tz>>) -> Option<DateTime<Utc>> {
    match result {
        LocalResult::Single(dt) => Some(dt.with_timezone(&Utc)),
        // Compared explicitly rather than trusting the order of the pair.
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The first instant whose wall-clock time in `zone` is at or after `naive`, i.e. the end of
/// the gap that swallows `naive`.
///
/// Found by bisection over whole seconds (tz transitions are on whole seconds): no zone is
/// more than 24 hours off UTC, so the answer lies within 48 hours of `naive` read as UTC,
/// and near a single transition "local(u) >= naive" is monotonic in u. Bisection works for
/// gaps of any length (30 minutes at Lord Howe, a whole day in Samoa in 2011).
fn first_instant_after_gap(naive: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let fallback = || naive.and_utc();
    let window = TimeDelta::hours(48);
    let (Some(lo), Some(_)) = (
        naive.checked_sub_signed(window),
        naive.checked_add_signed(window),
    ) else {
        // Only at the ends of chrono's range, where no zone has transitions.
        return fallback();
    };
    let at_or_after = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_some_and(|u| zone.from_utc_datetime(&u.naive_utc()).naive_local() >= naive)
    };
    let mut lo = lo.and_utc().timestamp();
    let mut hi = lo + 2 * window.num_seconds() + 1;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at_or_after(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or_else(fallback)
}

fn format_naive(naive: NaiveDateTime) -> String {
    let format = if naive.second() == 0 && naive.nanosecond() == 0 {
        "%Y-%m-%dT%H:%M"
    } else {
        "%Y-%m-%dT%H:%M:%S"
    };
    naive.format(format).to_string()
}

/// A half-open UTC interval `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// Local dates `from..=to` in `zone`: from midnight of `from` to midnight after `to`
    /// (23 or 25 hours on the days the clocks change).
    pub fn local_dates(from: NaiveDate, to: NaiveDate, zone: Tz) -> Window {
        let next = to.succ_opt().unwrap_or(to);
        Window {
            start: local_date_time_or_next(from, chrono::NaiveTime::MIN, zone),
            end: local_date_time_or_next(next, chrono::NaiveTime::MIN, zone),
        }
    }

    /// One local day.
    pub fn day(date: NaiveDate, zone: Tz) -> Window {
        Window::local_dates(date, date, zone)
    }

    /// The local dates of `zone` that the window touches.
    pub fn local_span(&self, zone: Tz) -> (NaiveDate, NaiveDate) {
        let first = self.start.with_timezone(&zone).date_naive();
        let last = (self.end - chrono::TimeDelta::seconds(1))
            .with_timezone(&zone)
            .date_naive()
            .max(first);
        (first, last)
    }

    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        start < self.end && self.start < end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROME: Tz = chrono_tz::Europe::Rome;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn zone_names_parse_and_unknown_ones_are_named_in_the_error() {
        assert_eq!(parse_zone("Europe/Rome"), Ok(ROME));
        assert_eq!(parse_zone("  Europe/Rome "), Ok(ROME));
        assert_eq!(parse_zone("UTC"), Ok(chrono_tz::UTC));
        let err = parse_zone("Europe/Roma").unwrap_err();
        assert_eq!(err, TimeError::UnknownZone("Europe/Roma".into()));
        assert!(err.to_string().contains("“Europe/Roma”"), "{err}");
        assert!(parse_zone("").is_err());
        assert!(parse_zone("+02:00").is_err());
    }

    #[test]
    fn the_default_zone_is_rome() {
        assert_eq!(DEFAULT_ZONE.name(), "Europe/Rome");
    }

    #[test]
    fn explicit_offsets_win_over_the_zone() {
        let expected = utc("2026-03-30T07:00:00Z");
        for s in [
            "2026-03-30T09:00:00+02:00",
            "2026-03-30T07:00:00Z",
            "2026-03-30t07:00:00z",
            "2026-03-30 09:00:00+02:00",
            "2026-03-30T09:00+02:00",
            "2026-03-30T07:00Z",
            "2026-03-30T02:00:00-05:00",
        ] {
            assert_eq!(
                parse_instant(s, chrono_tz::Asia::Tokyo),
                Ok(expected),
                "{s}"
            );
        }
        assert_eq!(
            parse_instant("2026-03-30T07:00:00.250Z", ROME)
                .unwrap()
                .nanosecond(),
            250_000_000
        );
    }

    #[test]
    fn local_times_follow_the_spring_change_of_29_march_2026() {
        // A 09:00 desk: CET (+01:00) before the change, CEST (+02:00) after it.
        assert_eq!(
            parse_instant("2026-03-23T09:00", ROME),
            Ok(utc("2026-03-23T08:00:00Z"))
        );
        for s in [
            "2026-03-30T09:00",
            "2026-03-30T09:00:00",
            "2026-03-30 09:00",
            "2026-03-30 09:00:00",
            " 2026-03-30T09:00:00.000 ",
        ] {
            assert_eq!(
                parse_instant(s, ROME),
                Ok(utc("2026-03-30T07:00:00Z")),
                "{s}"
            );
        }
        // Either side of the gap on the night itself.
        assert_eq!(
            parse_instant("2026-03-29T01:59", ROME),
            Ok(utc("2026-03-29T00:59:00Z"))
        );
        assert_eq!(
            parse_instant("2026-03-29T03:00", ROME),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn a_local_time_in_the_spring_gap_is_an_error_that_says_so() {
        for s in [
            "2026-03-29T02:30",
            "2026-03-29T02:00",
            "2026-03-29 02:59:59",
        ] {
            let err = parse_instant(s, ROME).unwrap_err();
            assert!(
                matches!(&err, TimeError::NonexistentLocalTime { zone, .. } if zone == "Europe/Rome"),
                "{s}: {err:?}"
            );
        }
        let message = parse_instant("2026-03-29T02:30", ROME)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("2026-03-29T02:30 does not exist in Europe/Rome"),
            "{message}"
        );
        // The same wall-clock time is fine the day before and in a zone without DST.
        assert!(parse_instant("2026-03-28T02:30", ROME).is_ok());
        assert_eq!(
            parse_instant("2026-03-29T02:30", chrono_tz::UTC),
            Ok(utc("2026-03-29T02:30:00Z"))
        );
    }

    #[test]
    fn an_ambiguous_autumn_time_takes_its_first_occurrence() {
        // On 25 October 2026 the clocks go from 03:00 CEST back to 02:00 CET.
        assert_eq!(
            parse_instant("2026-10-25T02:30", ROME),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-25T02:00", ROME),
            Ok(utc("2026-10-25T00:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-25T03:00", ROME),
            Ok(utc("2026-10-25T02:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-26T09:00", ROME),
            Ok(utc("2026-10-26T08:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-24T09:00", ROME),
            Ok(utc("2026-10-24T07:00:00Z"))
        );
    }

    #[test]
    fn malformed_date_times_are_rejected_with_a_quoted_message() {
        for s in [
            "",
            "   ",
            "2026-03-30",
            "09:00",
            "30/03/2026 09:00",
            "2026-02-30T09:00",
            "2026-03-30T24:00",
            "2026-03-30T09:60",
            "2026-03-30T09:00:00+25:00",
            "2026-03-30T09:00 Europe/Rome",
            "2026-03-30T09",
            "tomorrow",
        ] {
            let err = parse_instant(s, ROME).unwrap_err();
            assert!(matches!(err, TimeError::InvalidDateTime(_)), "{s}: {err:?}");
        }
        let message = parse_instant("next monday", ROME).unwrap_err().to_string();
        assert!(
            message.starts_with("“next monday” is not a valid date-time"),
            "{message}"
        );
        let long = "9".repeat(10_000);
        assert!(parse_instant(&long, ROME).unwrap_err().to_string().len() < 400);
    }

    #[test]
    fn local_date_time_uses_the_same_policy() {
        assert_eq!(
            local_date_time(date(2026, 3, 30), time(9, 0), ROME),
            Ok(utc("2026-03-30T07:00:00Z"))
        );
        assert_eq!(
            local_date_time(date(2026, 3, 23), time(9, 0), ROME),
            Ok(utc("2026-03-23T08:00:00Z"))
        );
        assert_eq!(
            local_date_time(date(2026, 10, 25), time(2, 30), ROME),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            local_date_time(date(2026, 3, 29), time(2, 30), ROME),
            Err(TimeError::NonexistentLocalTime {
                local: "2026-03-29T02:30".into(),
                zone: "Europe/Rome".into()
            })
        );
        let with_seconds = NaiveTime::from_hms_opt(2, 30, 15).unwrap();
        assert_eq!(
            local_date_time(date(2026, 3, 29), with_seconds, ROME),
            Err(TimeError::NonexistentLocalTime {
                local: "2026-03-29T02:30:15".into(),
                zone: "Europe/Rome".into()
            })
        );
    }

    #[test]
    fn or_next_moves_a_gap_time_to_the_end_of_the_gap() {
        let change = utc("2026-03-29T01:00:00Z");
        for t in [
            time(2, 0),
            time(2, 30),
            NaiveTime::from_hms_opt(2, 59, 59).unwrap(),
        ] {
            assert_eq!(
                local_date_time_or_next(date(2026, 3, 29), t, ROME),
                change,
                "{t}"
            );
        }
        assert_eq!(format_local(change, ROME), "2026-03-29T03:00:00+02:00");
        // Outside the gap it agrees with the strict version.
        assert_eq!(
            local_date_time_or_next(date(2026, 3, 29), time(3, 0), ROME),
            change
        );
        assert_eq!(
            local_date_time_or_next(
                date(2026, 3, 29),
                NaiveTime::from_hms_opt(1, 59, 59).unwrap(),
                ROME
            ),
            utc("2026-03-29T00:59:59Z")
        );
        assert_eq!(
            local_date_time_or_next(date(2026, 10, 25), time(2, 30), ROME),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn or_next_handles_half_hour_and_whole_day_gaps() {
        // Lord Howe Island moves from +10:30 to +11:00 at 02:00 on the first Sunday of October.
        let lord_howe = chrono_tz::Australia::Lord_Howe;
        let t = local_date_time_or_next(date(2026, 10, 4), time(2, 15), lord_howe);
        assert_eq!(format_local(t, lord_howe), "2026-10-04T02:30:00+11:00");
        // Samoa skipped 30 December 2011 entirely.
        let apia = chrono_tz::Pacific::Apia;
        assert!(local_date_time(date(2011, 12, 30), time(12, 0), apia).is_err());
        let t = local_date_time_or_next(date(2011, 12, 30), time(12, 0), apia);
        assert_eq!(format_local(t, apia), "2011-12-31T00:00:00+14:00");
    }

    #[test]
    fn or_next_does_not_panic_at_the_ends_of_the_calendar() {
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            for t in [NaiveTime::MIN, time(23, 59)] {
                let _ = local_date_time_or_next(d, t, ROME);
                let _ = local_date_time(d, t, ROME);
            }
        }
    }

    #[test]
    fn local_display_carries_the_offset_of_the_day() {
        assert_eq!(
            format_local(utc("2026-03-30T07:00:00Z"), ROME),
            "2026-03-30T09:00:00+02:00"
        );
        assert_eq!(
            format_local(utc("2026-03-23T08:00:00Z"), ROME),
            "2026-03-23T09:00:00+01:00"
        );
        // Both occurrences of 02:30 on the autumn night are told apart by their offsets.
        assert_eq!(
            format_local(utc("2026-10-25T00:30:00Z"), ROME),
            "2026-10-25T02:30:00+02:00"
        );
        assert_eq!(
            format_local(utc("2026-10-25T01:30:00Z"), ROME),
            "2026-10-25T02:30:00+01:00"
        );
        assert_eq!(
            format_local(utc("2026-01-15T09:00:00.999Z"), chrono_tz::Europe::London),
            "2026-01-15T09:00:00+00:00"
        );
        let local = to_local(utc("2026-03-30T07:00:00Z"), ROME);
        assert_eq!((local.hour(), local.minute()), (9, 0));
    }

    #[test]
    fn formatted_local_times_parse_back_to_the_same_instant_all_year() {
        // Every half hour of 2026, including both nights of change.
        let mut t = utc("2026-01-01T00:00:00Z");
        while t < utc("2027-01-01T00:00:00Z") {
            let shown = format_local(t, ROME);
            assert_eq!(parse_instant(&shown, ROME), Ok(t), "{shown}");
            t += TimeDelta::minutes(30);
        }
    }

    #[test]
    fn dates_are_read_in_one_window() {
        assert_eq!(parse_date(" 2026-03-30 "), Ok(date(2026, 3, 30)));
        assert_eq!(parse_date("2000-01-01"), Ok(FIRST_DATE));
        assert_eq!(parse_date("2100-12-31"), Ok(LAST_DATE));
        for out in ["1999-12-31", "2101-01-01", "9999-12-31"] {
            assert!(
                matches!(parse_date(out), Err(TimeError::OutOfRange(_))),
                "{out}"
            );
        }
        // Years chrono would read, but that are no date anybody means.
        for bad in [
            "-262143-01-01",
            "+12026-01-01",
            "-1000-01-01",
            "26-03-30",
            "2026-02-30",
            "x",
        ] {
            assert!(
                matches!(parse_date(bad), Err(TimeError::InvalidDate(_))),
                "{bad}"
            );
        }
        let rome = DEFAULT_ZONE;
        assert_eq!(
            parse_date_or_instant("2026-03-30", rome).unwrap(),
            local_date_time_or_next(date(2026, 3, 30), NaiveTime::MIN, rome)
        );
        assert!(matches!(
            parse_date_or_instant("1900-01-01", rome),
            Err(TimeError::OutOfRange(_))
        ));
    }

    #[test]
    fn instants_refuse_far_years_and_leap_seconds() {
        let rome = DEFAULT_ZONE;
        assert!(matches!(
            parse_instant("9999-01-01T09:00", rome),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_instant("1970-01-01T00:00:00Z", rome),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_instant("2026-06-30T10:00:60Z", rome),
            Err(TimeError::InvalidDateTime(_))
        ));
        assert!(matches!(
            parse_instant("2026-06-30T10:00:60", rome),
            Err(TimeError::InvalidDateTime(_))
        ));
        assert!(parse_instant("2026-06-30T10:00:59Z", rome).is_ok());
    }

    #[test]
    fn instant_serialises_utc_and_local() {
        let instant = Instant::new(utc("2026-03-30T07:00:00Z"), ROME);
        assert_eq!(
            serde_json::to_value(&instant).unwrap(),
            serde_json::json!({"utc": "2026-03-30T07:00:00Z", "local": "2026-03-30T09:00:00+02:00"})
        );
    }
}
