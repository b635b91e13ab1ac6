//! Request series: an RFC 5545 recurrence rule ("every Monday 9–13 until June") expanded
//! into the start instants of its occurrences.
//!
//! The series starts at the first request's start, read as wall-clock time in the
//! organisation's zone (the rule's DTSTART), so occurrences keep their local time across
//! DST: a Monday 09:00 series is at 09:00 in Rome before and after 29 March.
//!
//! Expansion is bounded because the rule comes from a client: the rule must end (COUNT or
//! UNTIL), every occurrence must fall within [`MAX_SPAN_DAYS`] of the first start, and there
//! are at most [`MAX_OCCURRENCES`].
//!
//! When the first start does not match the rule (a Tuesday with `BYDAY=MO`), RFC 5545 leaves
//! the result undefined. The `rrule` crate, like python-dateutil, yields only matching
//! instants: the first start is then not an occurrence, the series begins at the next match,
//! and COUNT counts matches only. We keep that behaviour rather than inventing an extra
//! occurrence the client did not describe.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use rrule::{RRule, RRuleError, RRuleSet, Unvalidated};

use super::local_time::local_date_time_or_next;
use super::quoted;

/// Occurrences of one series, at most.
pub const MAX_OCCURRENCES: usize = 400;
/// Every occurrence lies at most this many days after the first start.
pub const MAX_SPAN_DAYS: i64 = 366;
/// How far before a window a series that has an occurrence in it may have begun: a query for
/// the requests touching a window reaches back this far.
pub const SERIES_REACH_DAYS: i64 = MAX_SPAN_DAYS + 1;
/// Times of day one occurrence-day may have (BYHOUR × BYMINUTE × BYSECOND). The `rrule`
/// crate materialises a whole period's days × times at once, so an unbounded product
/// (every second of a year) would exhaust memory before our occurrence cap is reached.
pub const MAX_TIMES_PER_DAY: usize = 24;

/// Years a series may start in. The `rrule` crate panics on years chrono cannot represent
/// and stops at ±10000; nothing the service schedules is outside this range anyway.
pub const START_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Why a recurrence rule was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error(
        "The recurrence rule is empty; use an RFC 5545 RRULE such as \
         “FREQ=WEEKLY;BYDAY=MO;UNTIL=20260615T000000Z”."
    )]
    Empty,
    #[error(
        "The recurrence rule must be a single RRULE value such as “FREQ=WEEKLY;COUNT=10”, in \
         ASCII, without other properties."
    )]
    NotARuleValue,
    #[error("The recurrence rule is not valid: {0}")]
    Invalid(String),
    #[error(
        "UNTIL {} is not a date-time; use 20260615, 20260615T130000 (local time) or \
         20260615T110000Z (UTC).",
        quoted(.0)
    )]
    InvalidUntil(String),
    #[error("The series must end within a year: give COUNT or UNTIL.")]
    Unbounded,
    #[error(
        "The series must end within a year: its occurrence at {0} is more than 366 days after \
         the first start."
    )]
    TooLong(String),
    #[error(
        "The series has more than {MAX_OCCURRENCES} occurrences; split it into shorter series."
    )]
    TooManyOccurrences,
    #[error(
        "The rule has too many times per day (BYHOUR × BYMINUTE × BYSECOND); at most \
         {MAX_TIMES_PER_DAY} are allowed."
    )]
    TooManyTimesPerDay,
    #[error("The first start of a series must be between the years 1900 and 9999.")]
    StartOutOfRange,
    #[error("The series ends (UNTIL) before its first start.")]
    UntilBeforeStart,
    #[error("Give COUNT or UNTIL, not both (RFC 5545 forbids them together).")]
    CountAndUntil,
    #[error("The recurrence rule produces no occurrence within a year of the first start.")]
    NoOccurrences,
}

/// The start instants of the series described by `rrule` (an RRULE value such as
/// `FREQ=WEEKLY;BYDAY=MO;COUNT=10`, optionally prefixed by `RRULE:`) whose DTSTART is
/// `first_start` read in `zone`. Sorted, without duplicates.
///
/// UNTIL may be given in UTC (`…Z`, as RFC 5545 requires with a zoned DTSTART), as a local
/// date-time, or as a date meaning "through the end of that local day"; the last two are
/// read in `zone` rather than in the server's own zone, which is what the `rrule` crate
/// would do. Sub-second precision of `first_start` is dropped, as iCalendar has none.
pub fn expand(
    rrule: &str,
    first_start: DateTime<Utc>,
    zone: Tz,
) -> Result<Vec<DateTime<Utc>>, RecurrenceError> {
    if !START_YEARS.contains(&first_start.year()) {
        return Err(RecurrenceError::StartOutOfRange);
    }
    let first_start = first_start.with_nanosecond(0).unwrap_or(first_start);
    let value = rule_value(rrule)?;
    let value = normalise_until(value, first_start, zone)?;
    let rule = RRule::<Unvalidated>::from_str(&value).map_err(invalid)?;
    if rule.get_count().is_none() && rule.get_until().is_none() {
        return Err(RecurrenceError::Unbounded);
    }
    let times_per_day = [
        rule.get_by_hour().len(),
        rule.get_by_minute().len(),
        rule.get_by_second().len(),
    ]
    .iter()
    .map(|&n| n.max(1))
    .product::<usize>();
    if times_per_day > MAX_TIMES_PER_DAY {
        return Err(RecurrenceError::TooManyTimesPerDay);
    }

    let dt_start = first_start.with_timezone(&rrule::Tz::Tz(zone));
    let rule = rule.validate(dt_start).map_err(invalid)?;
    // `limit` caps the crate's internal search for the next match (a rule that never
    // matches, such as 30 February, would otherwise search for a very long time).
    let set = RRuleSet::new(dt_start).rrule(rule).limit();

    let last_allowed = first_start
        .checked_add_signed(TimeDelta::days(MAX_SPAN_DAYS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut occurrences = Vec::new();
    for occurrence in &set {
        let occurrence = occurrence.with_timezone(&Utc);
        if occurrence > last_allowed {
            return Err(RecurrenceError::TooLong(
                occurrence
                    .with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            ));
        }
        if occurrences.len() == MAX_OCCURRENCES {
            return Err(RecurrenceError::TooManyOccurrences);
        }
        occurrences.push(occurrence);
    }
    if occurrences.is_empty() {
        return Err(RecurrenceError::NoOccurrences);
    }
    // The crate yields ascending instants; this makes the documented promise independent
    // of that.
    occurrences.sort_unstable();
    occurrences.dedup();
    Ok(occurrences)
}

/// The starts of every occurrence of a stored request, in order: index `k - 1` is
/// occurrence `k` (a single request is occurrence 1). This is the one reading of a stored
/// series that planning, dispatch, the board, the reports and the request's own view share.
///
/// A rule the domain now rejects (the limits changed, or the organisation's zone did) still
/// has its first occurrence: the request was accepted, so it is never silently dropped.
pub fn occurrence_starts(
    first_start: DateTime<Utc>,
    rrule: Option<&str>,
    zone: Tz,
) -> Vec<DateTime<Utc>> {
    match rrule {
        Some(rule) => expand(rule, first_start, zone).unwrap_or_else(|_| vec![first_start]),
        None => vec![first_start],
    }
}

/// The number of occurrences of the series; the same checks as [`expand`].
pub fn validate(
    rrule: &str,
    first_start: DateTime<Utc>,
    zone: Tz,
) -> Result<usize, RecurrenceError> {
    expand(rrule, first_start, zone).map(|occurrences| occurrences.len())
}

/// The rule of the rest of a series: the occurrences from the `from`-th (counted from 1)
/// of a series of `total`, moved `days` days (negative: earlier). COUNT becomes the number
/// left (UNTIL is replaced by it, which is exact and needs no date arithmetic) and each
/// weekday of BYDAY moves with the days; the rest of the rule is kept. DTSTART is the moved
/// first start. Some rules do not survive a move (a monthly "first Monday" moved a day is not
/// "first Tuesday"): the caller expands the result and compares it with what it meant.
pub fn rest_of_series(rrule: &str, from: usize, total: usize, days: i64) -> String {
    const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    let value = rule_value(rrule).unwrap_or(rrule.trim());
    let left = total.saturating_sub(from.saturating_sub(1));
    let shift = |token: &str| -> String {
        let token = token.trim();
        let (prefix, day) = token.split_at(token.len().saturating_sub(2));
        match DAYS.iter().position(|d| d.eq_ignore_ascii_case(day)) {
            Some(i) => format!("{prefix}{}", DAYS[(i as i64 + days).rem_euclid(7) as usize]),
            None => token.to_string(),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, val) = part.split_once('=').unwrap_or((part, ""));
        let upper = name.trim().to_ascii_uppercase();
        match upper.as_str() {
            "COUNT" | "UNTIL" => {}
            "BYDAY" if days.rem_euclid(7) != 0 => {
                let moved: Vec<String> = val.split(',').map(shift).collect();
                parts.push(format!("BYDAY={}", moved.join(",")));
            }
            _ => parts.push(part.to_string()),
        }
    }
    parts.push(format!("COUNT={left}"));
    parts.join(";")
}

fn invalid(err: RRuleError) -> RecurrenceError {
    // The crate prefixes its messages with "RRule parsing error: "; ours has its own.
    let reason = match err {
        RRuleError::ParserError(e) => e.to_string(),
        RRuleError::ValidationError(e) => e.to_string(),
        RRuleError::IterError(e) => e,
    };
    RecurrenceError::Invalid(reason)
}

/// The rule's value without the optional `RRULE:` name. Anything that would make the crate
/// read another property (DTSTART, EXDATE, several lines) is refused here: the series has
/// exactly one start, `first_start`.
fn rule_value(rrule: &str) -> Result<&str, RecurrenceError> {
    let trimmed = rrule.trim();
    if trimmed.is_empty() {
        return Err(RecurrenceError::Empty);
    }
    // Non-ASCII is refused before the crate sees it: RRULE is ASCII, and the crate slices
    // some values by byte offset.
    if !trimmed.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(RecurrenceError::NotARuleValue);
    }
    let value = match trimmed.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &trimmed[6..],
        _ => trimmed,
    };
    if value.contains(':') {
        return Err(RecurrenceError::NotARuleValue);
    }
    if value.split(';').all(|part| part.trim().is_empty()) {
        return Err(RecurrenceError::Empty);
    }
    Ok(value)
}

/// Rewrites UNTIL in UTC. The `rrule` crate reads an UNTIL without `Z` in the server's
/// local zone and then rejects it next to a zoned DTSTART; clients reasonably write
/// `UNTIL=20260615`, meaning the organisation's 15 June.
fn normalise_until(
    value: &str,
    first_start: DateTime<Utc>,
    zone: Tz,
) -> Result<String, RecurrenceError> {
    let mut parts = Vec::new();
    let key_is = |part: &str, name: &str| {
        part.split_once('=')
            .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case(name))
    };
    let parts_of = || {
        value
            .split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
    };
    if parts_of().any(|p| key_is(p, "COUNT")) && parts_of().any(|p| key_is(p, "UNTIL")) {
        return Err(RecurrenceError::CountAndUntil);
    }
    for part in parts_of() {
        match part.split_once('=') {
            Some((key, until)) if key.eq_ignore_ascii_case("UNTIL") => {
                let until = parse_until(until, zone)?;
                if until < first_start {
                    return Err(RecurrenceError::UntilBeforeStart);
                }
                parts.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
            }
            _ => parts.push(part.to_owned()),
        }
    }
    Ok(parts.join(";"))
}

fn parse_until(until: &str, zone: Tz) -> Result<DateTime<Utc>, RecurrenceError> {
    let invalid = || RecurrenceError::InvalidUntil(until.to_owned());
    let digits_at = |range: std::ops::Range<usize>| {
        until
            .get(range)
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
    };
    match until.len() {
        8 if digits_at(0..8) => {
            let date = NaiveDate::parse_from_str(until, "%Y%m%d").map_err(|_| invalid())?;
            // Inclusive of the whole local day: up to the last second before the next one.
            let next_day = date.succ_opt().ok_or_else(invalid)?;
            Ok(local_date_time_or_next(next_day, NaiveTime::MIN, zone) - TimeDelta::seconds(1))
        }
        15 if digits_at(0..8) && digits_at(9..15) => {
            let local =
                NaiveDateTime::parse_from_str(until, "%Y%m%dT%H%M%S").map_err(|_| invalid())?;
            Ok(local_date_time_or_next(local.date(), local.time(), zone))
        }
        16 if digits_at(0..8) && digits_at(9..15) && until.ends_with(['Z', 'z']) => {
            NaiveDateTime::parse_from_str(&until[..15], "%Y%m%dT%H%M%S")
                .map(|utc| utc.and_utc())
                .map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_of_a_series_keeps_its_rule_and_counts_what_is_left() {
        assert_eq!(
            rest_of_series("FREQ=WEEKLY;BYDAY=MO;COUNT=10", 4, 10, 0),
            "FREQ=WEEKLY;BYDAY=MO;COUNT=7"
        );
        // UNTIL becomes the exact count; weekdays move with the days.
        assert_eq!(
            rest_of_series("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270615", 3, 12, 1),
            "FREQ=WEEKLY;BYDAY=TU,TH,SA;COUNT=10"
        );
        assert_eq!(
            rest_of_series("FREQ=MONTHLY;BYDAY=1MO;COUNT=6", 2, 6, -1),
            "FREQ=MONTHLY;BYDAY=1SU;COUNT=5"
        );
    }

    const ROME: Tz = chrono_tz::Europe::Rome;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn count_and_until_together_are_refused() {
        let first = utc("2027-03-01T08:00:00Z");
        assert_eq!(
            normalise_until("FREQ=WEEKLY;COUNT=5;UNTIL=20270601", first, ROME),
            Err(RecurrenceError::CountAndUntil)
        );
        assert!(normalise_until("FREQ=WEEKLY;until=20270601", first, ROME).is_ok());
    }

    #[test]
    fn a_stored_series_keeps_its_first_occurrence_when_its_rule_no_longer_expands() {
        let first = utc("2027-03-01T08:00:00Z");
        assert_eq!(occurrence_starts(first, None, ROME), vec![first]);
        assert_eq!(
            occurrence_starts(first, Some("FREQ=WEEKLY;COUNT=3"), ROME).len(),
            3
        );
        // Unbounded: rejected today, but it was accepted once; the first meeting stays.
        assert_eq!(
            occurrence_starts(first, Some("FREQ=WEEKLY"), ROME),
            vec![first]
        );
    }

    #[test]
    fn occurrences_follow_the_local_clock_of_the_zone_given() {
        // 09:00 in Rome every Monday across the change to summer time (28 March 2027).
        let first = utc("2027-03-22T08:00:00Z");
        let starts = occurrence_starts(first, Some("FREQ=WEEKLY;COUNT=2"), ROME);
        assert_eq!(starts[1], utc("2027-03-29T07:00:00Z"));
        let in_utc = occurrence_starts(first, Some("FREQ=WEEKLY;COUNT=2"), chrono_tz::UTC);
        assert_eq!(in_utc[1], utc("2027-03-29T08:00:00Z"));
    }

    fn local(instants: &[DateTime<Utc>]) -> Vec<String> {
        instants
            .iter()
            .map(|t| super::super::local_time::format_local(*t, ROME))
            .collect()
    }

    /// Monday 23 March 2026, 09:00 in Rome (CET).
    fn monday_nine() -> DateTime<Utc> {
        utc("2026-03-23T08:00:00Z")
    }

    #[test]
    fn weekly_series_keeps_local_time_across_the_spring_change() {
        let got = expand("FREQ=WEEKLY;COUNT=3", monday_nine(), ROME).unwrap();
        assert_eq!(
            got,
            vec![
                utc("2026-03-23T08:00:00Z"),
                utc("2026-03-30T07:00:00Z"),
                utc("2026-04-06T07:00:00Z"),
            ]
        );
        assert_eq!(
            local(&got),
            [
                "2026-03-23T09:00:00+01:00",
                "2026-03-30T09:00:00+02:00",
                "2026-04-06T09:00:00+02:00"
            ]
        );
    }

    #[test]
    fn weekly_series_keeps_local_time_across_the_autumn_change() {
        let first = utc("2026-10-19T07:00:00Z"); // Monday 09:00 CEST
        let got = expand("FREQ=WEEKLY;BYDAY=MO;COUNT=2", first, ROME).unwrap();
        assert_eq!(got, vec![first, utc("2026-10-26T08:00:00Z")]);
    }

    #[test]
    fn every_monday_until_june() {
        let got = expand(
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260615T000000Z",
            monday_nine(),
            ROME,
        )
        .unwrap();
        // 23 March to 8 June inclusive: 12 Mondays; 15 June 09:00 is after UNTIL.
        assert_eq!(got.len(), 12);
        assert_eq!(got[0], monday_nine());
        assert_eq!(got[11], utc("2026-06-08T07:00:00Z"));
        assert!(got.windows(2).all(|w| w[1] - w[0] == TimeDelta::days(7)
            || w[1] - w[0] == TimeDelta::days(7) - TimeDelta::hours(1)));
    }

    #[test]
    fn until_as_a_local_date_includes_that_whole_day() {
        let got = expand("FREQ=WEEKLY;BYDAY=MO;UNTIL=20260615", monday_nine(), ROME).unwrap();
        assert_eq!(got.len(), 13);
        assert_eq!(got.last(), Some(&utc("2026-06-15T07:00:00Z")));
        let day_before = expand("FREQ=WEEKLY;UNTIL=20260614", monday_nine(), ROME).unwrap();
        assert_eq!(day_before.len(), 12);
    }

    #[test]
    fn until_as_a_local_date_time_is_read_in_the_zone() {
        // 09:00 local on 30 March is 07:00 UTC: the occurrence is exactly at UNTIL, included.
        let got = expand("FREQ=DAILY;UNTIL=20260330T090000", monday_nine(), ROME).unwrap();
        assert_eq!(got.len(), 8);
        assert_eq!(got.last(), Some(&utc("2026-03-30T07:00:00Z")));
        let got = expand("FREQ=DAILY;UNTIL=20260330T085959", monday_nine(), ROME).unwrap();
        assert_eq!(got.len(), 7);
    }

    #[test]
    fn the_prefix_case_and_trailing_separators_are_tolerated() {
        let expected = expand("FREQ=WEEKLY;COUNT=3", monday_nine(), ROME).unwrap();
        for rule in [
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "rrule:freq=weekly;count=3",
            "  FREQ=WEEKLY;COUNT=3;  ",
            "COUNT=3;FREQ=WEEKLY",
            "FREQ=WEEKLY; COUNT=3",
        ] {
            assert_eq!(
                expand(rule, monday_nine(), ROME).as_ref(),
                Ok(&expected),
                "{rule}"
            );
        }
    }

    #[test]
    fn a_first_start_outside_the_rule_is_not_an_occurrence() {
        // Tuesday 24 March with BYDAY=MO: the crate yields only matching instants, so the
        // series starts on the next Monday and COUNT counts Mondays.
        let tuesday = utc("2026-03-24T08:00:00Z");
        let got = expand("FREQ=WEEKLY;BYDAY=MO;COUNT=2", tuesday, ROME).unwrap();
        assert_eq!(
            got,
            vec![utc("2026-03-30T07:00:00Z"), utc("2026-04-06T07:00:00Z")]
        );
    }

    #[test]
    fn several_weekdays_and_intervals() {
        let got = expand(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4",
            monday_nine(),
            ROME,
        )
        .unwrap();
        assert_eq!(
            local(&got),
            [
                "2026-03-23T09:00:00+01:00",
                "2026-03-26T09:00:00+01:00",
                "2026-04-06T09:00:00+02:00",
                "2026-04-09T09:00:00+02:00"
            ]
        );
    }

    #[test]
    fn daily_series_through_both_nights_of_change_at_02_30() {
        // 02:30 does not exist on 29 March: RFC 5545 reads it with the offset before the
        // gap, which is 03:30 CEST. On 25 October 02:30 happens twice: the first is taken.
        let first = utc("2026-03-28T01:30:00Z"); // 02:30 CET
        let got = expand("FREQ=DAILY;COUNT=3", first, ROME).unwrap();
        assert_eq!(
            local(&got),
            [
                "2026-03-28T02:30:00+01:00",
                "2026-03-29T03:30:00+02:00",
                "2026-03-30T02:30:00+02:00"
            ]
        );
        let first = utc("2026-10-24T00:30:00Z"); // 02:30 CEST
        let got = expand("FREQ=DAILY;COUNT=3", first, ROME).unwrap();
        assert_eq!(
            local(&got),
            [
                "2026-10-24T02:30:00+02:00",
                "2026-10-25T02:30:00+02:00",
                "2026-10-26T02:30:00+01:00"
            ]
        );
    }

    #[test]
    fn a_series_must_end() {
        for rule in [
            "FREQ=WEEKLY",
            "FREQ=DAILY;INTERVAL=2",
            "FREQ=MONTHLY;BYDAY=1MO",
        ] {
            assert_eq!(
                expand(rule, monday_nine(), ROME),
                Err(RecurrenceError::Unbounded),
                "{rule}"
            );
        }
        assert!(RecurrenceError::Unbounded
            .to_string()
            .starts_with("The series must end within a year"));
    }

    #[test]
    fn a_series_must_fit_in_366_days() {
        // 23 March 2026 + 366 days is 24 March 2027, also CET: occurrence 367 is exactly on
        // the limit and allowed, occurrence 368 is not.
        assert_eq!(
            validate("FREQ=DAILY;COUNT=367", monday_nine(), ROME),
            Ok(367)
        );
        let err = expand("FREQ=DAILY;COUNT=368", monday_nine(), ROME).unwrap_err();
        assert_eq!(err, RecurrenceError::TooLong("2027-03-25 09:00".into()));
        // Next year's date is 365 days on: still inside.
        assert_eq!(validate("FREQ=YEARLY;COUNT=2", monday_nine(), ROME), Ok(2));
        assert!(err
            .to_string()
            .starts_with("The series must end within a year"));
        assert!(matches!(
            expand("FREQ=YEARLY;INTERVAL=2;COUNT=2", monday_nine(), ROME),
            Err(RecurrenceError::TooLong(_))
        ));
        assert!(matches!(
            expand("FREQ=WEEKLY;UNTIL=20280101T000000Z", monday_nine(), ROME),
            Err(RecurrenceError::TooLong(_))
        ));
        // Monthly from 23 March: the 12th is 23 February 2027, well inside the year.
        assert_eq!(
            validate("FREQ=MONTHLY;INTERVAL=1;COUNT=12", monday_nine(), ROME),
            Ok(12)
        );
    }

    #[test]
    fn at_most_400_occurrences() {
        // Two times a day for 201 days: the 401st occurrence is within a year.
        assert_eq!(
            expand("FREQ=DAILY;BYHOUR=9,14;COUNT=401", monday_nine(), ROME),
            Err(RecurrenceError::TooManyOccurrences)
        );
        assert_eq!(
            validate("FREQ=DAILY;BYHOUR=9,14;COUNT=400", monday_nine(), ROME),
            Ok(400)
        );
    }

    #[test]
    fn huge_time_sets_are_refused_before_expansion() {
        let all_minutes = (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(",");
        let rule = format!("FREQ=YEARLY;BYMINUTE={all_minutes};UNTIL=20270101T000000Z");
        assert_eq!(
            expand(&rule, monday_nine(), ROME),
            Err(RecurrenceError::TooManyTimesPerDay)
        );
    }

    #[test]
    fn syntax_errors_have_clear_messages() {
        let err = expand("FREQ=FORTNIGHTLY;COUNT=2", monday_nine(), ROME).unwrap_err();
        assert!(matches!(err, RecurrenceError::Invalid(_)), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("The recurrence rule is not valid: "),
            "{message}"
        );
        assert!(message.contains("FORTNIGHTLY"), "{message}");
        assert!(!message.contains("RRule parsing error"), "{message}");

        for rule in [
            "COUNT=3",
            "FREQ=WEEKLY;COUNT=three",
            "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
            "FREQ=WEEKLY;COUNT=3;COUNT=4",
            "FREQ=WEEKLY;COLOUR=red;COUNT=3",
            "FREQ=WEEKLY;COUNT",
            "FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3",
        ] {
            assert!(
                matches!(
                    expand(rule, monday_nine(), ROME),
                    Err(RecurrenceError::Invalid(_))
                ),
                "{rule}: {:?}",
                expand(rule, monday_nine(), ROME)
            );
        }
        assert_eq!(expand("", monday_nine(), ROME), Err(RecurrenceError::Empty));
        assert_eq!(
            expand(" RRULE: ", monday_nine(), ROME),
            Err(RecurrenceError::Empty)
        );
        assert_eq!(
            expand("RRULE:;;", monday_nine(), ROME),
            Err(RecurrenceError::Empty)
        );
    }

    #[test]
    fn other_properties_and_non_ascii_are_refused() {
        for rule in [
            "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;COUNT=2",
            "EXDATE:20260330T070000Z",
            "FREQ=WEEKLY;BYDAY=€;COUNT=2",
            "FREQ=WEEKLY;COUNT=2\u{0}",
        ] {
            assert_eq!(
                expand(rule, monday_nine(), ROME),
                Err(RecurrenceError::NotARuleValue),
                "{rule:?}"
            );
        }
    }

    #[test]
    fn until_errors() {
        assert_eq!(
            expand("FREQ=WEEKLY;UNTIL=20260101T000000Z", monday_nine(), ROME),
            Err(RecurrenceError::UntilBeforeStart)
        );
        for until in [
            "2026-06-15",
            "20261315",
            "20260615T250000",
            "20260615T1300",
            "tomorrow",
        ] {
            let err =
                expand(&format!("FREQ=WEEKLY;UNTIL={until}"), monday_nine(), ROME).unwrap_err();
            assert_eq!(err, RecurrenceError::InvalidUntil(until.into()));
            assert!(err.to_string().contains(&format!("“{until}”")), "{err}");
        }
    }

    #[test]
    fn rules_without_occurrences_are_errors() {
        assert_eq!(
            expand(
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
                monday_nine(),
                ROME
            ),
            Err(RecurrenceError::NoOccurrences)
        );
        assert_eq!(
            expand("FREQ=WEEKLY;COUNT=0", monday_nine(), ROME),
            Err(RecurrenceError::NoOccurrences)
        );
    }

    #[test]
    fn sub_second_first_starts_still_occur() {
        // The crate drops sub-seconds from occurrences but compares them with DTSTART:
        // without truncation the first occurrence would fall "before" the start and vanish.
        let first = monday_nine() + TimeDelta::milliseconds(500);
        let got = expand("FREQ=WEEKLY;COUNT=2", first, ROME).unwrap();
        assert_eq!(got[0], monday_nine());
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn the_server_zone_does_not_matter() {
        // The crate reads a floating UNTIL in the process's zone; we never hand it one.
        let a = expand("FREQ=DAILY;UNTIL=20260325", monday_nine(), ROME).unwrap();
        let b = expand("FREQ=DAILY;UNTIL=20260325", monday_nine(), chrono_tz::UTC).unwrap();
        assert_eq!(a.len(), 3);
        // In UTC the first start is 08:00 on 23 March, so three occurrences as well.
        assert_eq!(b.len(), 3);
        assert_eq!(b[2], utc("2026-03-25T08:00:00Z"));
        assert_eq!(a[2], utc("2026-03-25T08:00:00Z"));
    }

    #[test]
    fn odd_inputs_never_panic() {
        let pieces = [
            "FREQ=DAILY",
            "FREQ=WEEKLY",
            "FREQ=MONTHLY",
            "FREQ=YEARLY",
            "FREQ=HOURLY",
            "FREQ=MINUTELY",
            "FREQ=SECONDLY",
            "COUNT=5",
            "COUNT=0",
            "COUNT=-1",
            "COUNT=99999999999",
            "INTERVAL=0",
            "INTERVAL=65535",
            "INTERVAL=70000",
            "BYDAY=MO",
            "BYDAY=-1SU",
            "BYDAY=+53MO",
            "BYDAY=0MO",
            "BYDAY=",
            "BYSETPOS=-1",
            "BYSETPOS=0",
            "BYMONTHDAY=-31",
            "BYMONTHDAY=0",
            "BYYEARDAY=366",
            "BYWEEKNO=53",
            "BYMONTH=2",
            "BYHOUR=23",
            "BYMINUTE=59",
            "BYSECOND=60",
            "WKST=SU",
            "UNTIL=20260401",
            "UNTIL=20270401T000000Z",
            "=",
            ";",
            "FREQ=",
            "BYDAY=MO,,TU",
        ];
        let starts = [
            monday_nine(),
            utc("2026-03-29T00:59:59Z"),
            utc("2026-10-25T00:30:00Z"),
            utc("1900-01-01T00:00:00Z"),
            utc("9999-12-31T23:59:59Z"),
        ];
        for a in pieces {
            for b in pieces {
                let rule = format!("{a};{b};COUNT=3");
                for start in starts {
                    let _ = expand(&rule, start, ROME);
                }
                let _ = expand(&format!("{a};{b}"), monday_nine(), ROME);
            }
        }
        for start in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(
                expand("FREQ=DAILY;COUNT=3", start, ROME),
                Err(RecurrenceError::StartOutOfRange)
            );
        }
    }
}
