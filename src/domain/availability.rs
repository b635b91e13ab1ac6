//! Mediators' availability: weekly rules ("Mondays 09:00–13:00") and dated exceptions
//! (an absence, or extra hours), expanded into the concrete shifts the solver plans in.
//!
//! Rules and exceptions are wall-clock times in the organisation's zone, because that is
//! how mediators state them; shifts are UTC instants, because that is what the solver and
//! the database use. Intervals are half-open, `[start, end)`, so 09:00–13:00 and
//! 13:00–15:00 touch without overlapping. An interval lies within one day: there is no
//! `24:00`, so a shift ends at 23:59 at the latest.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::local_time::local_date_time_or_next;

/// Longest period [`expand_shifts`] expands, in days (two years).
pub const MAX_EXPANSION_DAYS: i64 = 731;

/// Every `weekday`, from `start` to `end` local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyRule {
    #[serde(with = "weekday_code")]
    pub weekday: Weekday,
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

/// On `date`, from `start` to `end` local time, the mediator is away (`Absence`) or
/// available beyond the weekly rules (`Extra`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    Absence,
    Extra,
}

impl ExceptionKind {
    /// The stored word (`availability_exceptions.kind`); anything but `extra` is an absence,
    /// the safe reading of a row that says less than it should.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::Absence => "absence",
            ExceptionKind::Extra => "extra",
        }
    }

    pub fn from_stored(kind: &str) -> ExceptionKind {
        if kind == "extra" {
            ExceptionKind::Extra
        } else {
            ExceptionKind::Absence
        }
    }
}

/// Why rules, exceptions or a period were rejected. Indexes are positions in the list the
/// client sent, counted from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("The rule at index {index} ends at {end}, which is not after its start at {start}.")]
    RuleEndNotAfterStart { index: usize, start: Hm, end: Hm },
    #[error(
        "The rule at index {index} ({weekday} {start}–{end}) overlaps the rule at index \
         {other} ({weekday} {other_start}–{other_end})."
    )]
    RulesOverlap {
        index: usize,
        other: usize,
        weekday: DayName,
        start: Hm,
        end: Hm,
        other_start: Hm,
        other_end: Hm,
    },
    #[error(
        "The exception at index {index} ends at {end}, which is not after its start at {start}."
    )]
    ExceptionEndNotAfterStart { index: usize, start: Hm, end: Hm },
    #[error("The period ends on {to}, before it starts on {from}.")]
    PeriodReversed { from: NaiveDate, to: NaiveDate },
    #[error("The period from {from} to {to} is longer than {MAX_EXPANSION_DAYS} days.")]
    PeriodTooLong { from: NaiveDate, to: NaiveDate },
}

/// A time shown as `HH:MM` in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hm(pub NaiveTime);

impl fmt::Display for Hm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// A weekday's English name in messages (`Monday`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayName(pub Weekday);

impl fmt::Display for DayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Weekday::Mon => "Monday",
            Weekday::Tue => "Tuesday",
            Weekday::Wed => "Wednesday",
            Weekday::Thu => "Thursday",
            Weekday::Fri => "Friday",
            Weekday::Sat => "Saturday",
            Weekday::Sun => "Sunday",
        })
    }
}

/// The weekday of a stored ISO number (1 = Monday … 7 = Sunday); out-of-range numbers
/// are clamped, as the schema's check keeps them in range anyway.
pub fn weekday_from_iso(n: i16) -> Weekday {
    use Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun][(n.clamp(1, 7) - 1) as usize]
}

/// Each rule ends after it starts, and rules of the same weekday do not overlap (touching is
/// fine). Overlaps are refused rather than merged because they are almost always a typo
/// that the mediator should see.
pub fn validate_rules(rules: &[WeeklyRule]) -> Result<(), AvailabilityError> {
    for (index, rule) in rules.iter().enumerate() {
        if rule.end <= rule.start {
            return Err(AvailabilityError::RuleEndNotAfterStart {
                index,
                start: Hm(rule.start),
                end: Hm(rule.end),
            });
        }
    }
    for (index, rule) in rules.iter().enumerate() {
        let clash = rules[..index].iter().position(|earlier| {
            earlier.weekday == rule.weekday && earlier.start < rule.end && rule.start < earlier.end
        });
        if let Some(other) = clash {
            return Err(AvailabilityError::RulesOverlap {
                index,
                other,
                weekday: DayName(rule.weekday),
                start: Hm(rule.start),
                end: Hm(rule.end),
                other_start: Hm(rules[other].start),
                other_end: Hm(rules[other].end),
            });
        }
    }
    Ok(())
}

/// Each exception ends after it starts. Exceptions may overlap each other: extras are
/// merged and absences win over extras, so overlapping ones still mean something clear.
pub fn validate_exceptions(exceptions: &[Exception]) -> Result<(), AvailabilityError> {
    match exceptions.iter().position(|e| e.end <= e.start) {
        Some(index) => Err(AvailabilityError::ExceptionEndNotAfterStart {
            index,
            start: Hm(exceptions[index].start),
            end: Hm(exceptions[index].end),
        }),
        None => Ok(()),
    }
}

/// Checks a period before expanding it: `from <= to`, at most [`MAX_EXPANSION_DAYS`] days.
pub fn validate_period(from: NaiveDate, to: NaiveDate) -> Result<(), AvailabilityError> {
    if to < from {
        return Err(AvailabilityError::PeriodReversed { from, to });
    }
    if (to - from).num_days() >= MAX_EXPANSION_DAYS {
        return Err(AvailabilityError::PeriodTooLong { from, to });
    }
    Ok(())
}

/// The shifts of local dates `from..=to`, as sorted, non-overlapping UTC intervals.
///
/// For each date: the weekly intervals of its weekday (none on a national holiday,
/// `closure::national_holiday`) plus the day's extras, merged where
/// they overlap or touch, minus the day's absences; each remaining interval is converted to
/// UTC in `zone`. An endpoint in the spring-forward gap moves to the first instant after
/// the gap; an ambiguous one takes its first occurrence.
///
/// Invalid input does not fail here (that is [`validate_rules`]' job): intervals that do
/// not end after they start are ignored. A period longer than [`MAX_EXPANSION_DAYS`] is cut
/// to that length, so a bad request cannot make the service allocate without bound; call
/// [`validate_period`] first to tell the client instead.
pub fn expand_shifts(
    rules: &[WeeklyRule],
    exceptions: &[Exception],
    from: NaiveDate,
    to: NaiveDate,
    zone: Tz,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let to = from
        .checked_add_signed(TimeDelta::days(MAX_EXPANSION_DAYS - 1))
        .map_or(to, |last| to.min(last));

    let mut weekly: [Vec<Interval>; 7] = Default::default();
    for rule in rules.iter().filter(|r| r.start < r.end) {
        weekly[rule.weekday.num_days_from_monday() as usize].push((rule.start, rule.end));
    }
    let mut dated: BTreeMap<NaiveDate, (Vec<Interval>, Vec<Interval>)> = BTreeMap::new();
    for e in exceptions
        .iter()
        .filter(|e| e.start < e.end && (from..=to).contains(&e.date))
    {
        let (extras, absences) = dated.entry(e.date).or_default();
        match e.kind {
            ExceptionKind::Extra => extras.push((e.start, e.end)),
            ExceptionKind::Absence => absences.push((e.start, e.end)),
        }
    }

    let mut shifts: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        // Weekly hours are working hours: on a national holiday only the extra hours
        // entered for that day count.
        let mut intervals = if super::closure::national_holiday(date).is_some() {
            Vec::new()
        } else {
            weekly[date.weekday().num_days_from_monday() as usize].clone()
        };
        let no_exceptions = (Vec::new(), Vec::new());
        let (extras, absences) = dated.get(&date).unwrap_or(&no_exceptions);
        intervals.extend_from_slice(extras);
        for (start, end) in subtract(merge(intervals), absences) {
            let start = local_date_time_or_next(date, start, zone);
            let end = local_date_time_or_next(date, end, zone);
            // Both ends in the same DST gap: the interval has no real duration.
            if start < end {
                push_merging(&mut shifts, (start, end));
            }
        }
    }
    shifts
}

/// A local interval `[start, end)` within one day.
type Interval = (NaiveTime, NaiveTime);

fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_unstable();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn subtract(mut intervals: Vec<Interval>, absences: &[Interval]) -> Vec<Interval> {
    for &(away_start, away_end) in absences {
        intervals = intervals
            .into_iter()
            .flat_map(|(start, end)| {
                let before = (start, end.min(away_start));
                let after = (start.max(away_end), end);
                [before, after].into_iter().filter(|(s, e)| s < e)
            })
            .collect();
    }
    intervals
}

/// Appends a UTC shift, merging it into the previous one when they touch or overlap. Local
/// intervals that are apart can meet in UTC when the time between them falls in a DST gap
/// (01:00–02:15 and 02:45–05:00 on 29 March in Rome); the solver wants them as one shift.
fn push_merging(
    shifts: &mut Vec<(DateTime<Utc>, DateTime<Utc>)>,
    shift: (DateTime<Utc>, DateTime<Utc>),
) {
    match shifts.last_mut() {
        Some(last) if shift.0 <= last.1 => last.1 = last.1.max(shift.1),
        _ => shifts.push(shift),
    }
}

/// Weekdays as `mon` … `sun` (read case-insensitively).
mod weekday_code {
    use chrono::Weekday;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    const CODES: [(&str, Weekday); 7] = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];

    pub fn serialize<S: Serializer>(weekday: &Weekday, serializer: S) -> Result<S::Ok, S::Error> {
        let code = CODES
            .iter()
            .find(|(_, w)| w == weekday)
            .map_or("mon", |(code, _)| code);
        serializer.serialize_str(code)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Weekday, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CODES
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(raw.trim()))
            .map(|(_, weekday)| *weekday)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "{} is not a weekday; use mon, tue, wed, thu, fri, sat or sun",
                    super::super::quoted(&raw)
                ))
            })
    }
}

/// Times of day as `HH:MM`, for `#[serde(with = "…")]` on other types of the service.
pub mod hh_mm {
    use chrono::NaiveTime;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&time.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let raw = String::deserialize(deserializer)?;
        let trimmed = raw.trim();
        // Exactly `HH:MM`: chrono alone would also take `9:5`.
        let shaped = trimmed.len() == 5
            && trimmed.as_bytes()[2] == b':'
            && trimmed
                .bytes()
                .enumerate()
                .all(|(i, b)| i == 2 || b.is_ascii_digit());
        shaped
            .then(|| NaiveTime::parse_from_str(trimmed, "%H:%M").ok())
            .flatten()
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "{} is not a time of day; use HH:MM, such as 09:00 or 13:30",
                    super::super::quoted(&raw)
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::local_time::format_local;

    const ROME: Tz = chrono_tz::Europe::Rome;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rule(weekday: Weekday, start: &str, end: &str) -> WeeklyRule {
        WeeklyRule {
            weekday,
            start: t(start),
            end: t(end),
        }
    }

    fn exception(date: &str, kind: ExceptionKind, start: &str, end: &str) -> Exception {
        Exception {
            date: d(date),
            kind,
            start: t(start),
            end: t(end),
        }
    }

    /// Shifts as local `start/end` strings, easier to read in assertions.
    fn local(shifts: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<String> {
        shifts
            .iter()
            .map(|(s, e)| format!("{}/{}", format_local(*s, ROME), format_local(*e, ROME)))
            .collect()
    }

    #[test]
    fn monday_mornings_either_side_of_the_spring_change() {
        let rules = [rule(Weekday::Mon, "09:00", "13:00")];
        let shifts = expand_shifts(&rules, &[], d("2026-03-23"), d("2026-03-30"), ROME);
        assert_eq!(
            shifts,
            vec![
                (utc("2026-03-23T08:00:00Z"), utc("2026-03-23T12:00:00Z")),
                (utc("2026-03-30T07:00:00Z"), utc("2026-03-30T11:00:00Z")),
            ]
        );
    }

    #[test]
    fn the_period_is_inclusive_and_follows_weekdays() {
        let rules = [
            rule(Weekday::Tue, "14:00", "18:00"),
            rule(Weekday::Sat, "09:00", "12:00"),
        ];
        // Tuesday 24 to Saturday 28 March: both ends included.
        let shifts = expand_shifts(&rules, &[], d("2026-03-24"), d("2026-03-28"), ROME);
        assert_eq!(
            local(&shifts),
            [
                "2026-03-24T14:00:00+01:00/2026-03-24T18:00:00+01:00",
                "2026-03-28T09:00:00+01:00/2026-03-28T12:00:00+01:00",
            ]
        );
        assert!(expand_shifts(&rules, &[], d("2026-03-25"), d("2026-03-27"), ROME).is_empty());
        assert!(expand_shifts(&rules, &[], d("2026-03-28"), d("2026-03-24"), ROME).is_empty());
    }

    #[test]
    fn an_absence_splits_a_shift() {
        let rules = [rule(Weekday::Mon, "09:00", "13:00")];
        let away = [exception(
            "2026-03-23",
            ExceptionKind::Absence,
            "10:00",
            "11:30",
        )];
        let shifts = expand_shifts(&rules, &away, d("2026-03-23"), d("2026-03-30"), ROME);
        assert_eq!(
            local(&shifts),
            [
                "2026-03-23T09:00:00+01:00/2026-03-23T10:00:00+01:00",
                "2026-03-23T11:30:00+01:00/2026-03-23T13:00:00+01:00",
                // The absence is for one date only.
                "2026-03-30T09:00:00+02:00/2026-03-30T13:00:00+02:00",
            ]
        );
    }

    #[test]
    fn absences_trim_remove_or_miss_shifts() {
        let rules = [rule(Weekday::Mon, "09:00", "13:00")];
        let day = d("2026-03-23");
        let run = |start: &str, end: &str| {
            let away = [exception("2026-03-23", ExceptionKind::Absence, start, end)];
            local(&expand_shifts(&rules, &away, day, day, ROME))
        };
        assert_eq!(
            run("08:00", "10:00"),
            ["2026-03-23T10:00:00+01:00/2026-03-23T13:00:00+01:00"]
        );
        assert_eq!(
            run("12:00", "18:00"),
            ["2026-03-23T09:00:00+01:00/2026-03-23T12:00:00+01:00"]
        );
        assert!(run("08:00", "14:00").is_empty());
        assert!(run("09:00", "13:00").is_empty());
        // Touching the shift from outside takes nothing away.
        assert_eq!(
            run("13:00", "15:00"),
            ["2026-03-23T09:00:00+01:00/2026-03-23T13:00:00+01:00"]
        );
        assert_eq!(
            run("07:00", "09:00"),
            ["2026-03-23T09:00:00+01:00/2026-03-23T13:00:00+01:00"]
        );
    }

    #[test]
    fn extras_merge_with_rules_and_each_other() {
        let rules = [rule(Weekday::Mon, "09:00", "13:00")];
        let day = d("2026-03-23");
        let extras = [
            // Touching the rule: one shift 09:00–15:00.
            exception("2026-03-23", ExceptionKind::Extra, "13:00", "15:00"),
            // Overlapping that merged shift: extends it to 16:00.
            exception("2026-03-23", ExceptionKind::Extra, "14:30", "16:00"),
            // Apart: a shift of its own.
            exception("2026-03-23", ExceptionKind::Extra, "17:00", "18:00"),
        ];
        assert_eq!(
            local(&expand_shifts(&rules, &extras, day, day, ROME)),
            [
                "2026-03-23T09:00:00+01:00/2026-03-23T16:00:00+01:00",
                "2026-03-23T17:00:00+01:00/2026-03-23T18:00:00+01:00",
            ]
        );
    }

    #[test]
    fn an_extra_on_a_day_without_rules_is_a_shift_and_absences_win_over_extras() {
        let exceptions = [
            exception("2026-03-29", ExceptionKind::Extra, "09:00", "12:00"),
            exception("2026-03-29", ExceptionKind::Absence, "11:00", "11:30"),
        ];
        let shifts = expand_shifts(&[], &exceptions, d("2026-03-28"), d("2026-03-30"), ROME);
        assert_eq!(
            local(&shifts),
            [
                "2026-03-29T09:00:00+02:00/2026-03-29T11:00:00+02:00",
                "2026-03-29T11:30:00+02:00/2026-03-29T12:00:00+02:00",
            ]
        );
    }

    #[test]
    fn exceptions_outside_the_period_and_invalid_intervals_are_ignored() {
        let rules = [
            rule(Weekday::Mon, "09:00", "13:00"),
            rule(Weekday::Mon, "15:00", "14:00"),
            rule(Weekday::Mon, "16:00", "16:00"),
        ];
        let exceptions = [
            exception("2026-03-16", ExceptionKind::Absence, "00:00", "23:59"),
            exception("2026-03-23", ExceptionKind::Absence, "12:00", "10:00"),
            exception("2026-03-23", ExceptionKind::Extra, "20:00", "19:00"),
        ];
        let day = d("2026-03-23");
        assert_eq!(
            local(&expand_shifts(&rules, &exceptions, day, day, ROME)),
            ["2026-03-23T09:00:00+01:00/2026-03-23T13:00:00+01:00"]
        );
    }

    #[test]
    fn overlapping_rules_that_skipped_validation_still_give_disjoint_shifts() {
        let rules = [
            rule(Weekday::Mon, "09:00", "12:00"),
            rule(Weekday::Mon, "11:00", "13:00"),
        ];
        let day = d("2026-03-23");
        assert_eq!(
            local(&expand_shifts(&rules, &[], day, day, ROME)),
            ["2026-03-23T09:00:00+01:00/2026-03-23T13:00:00+01:00"]
        );
    }

    #[test]
    fn shift_ends_in_the_spring_gap_move_to_the_end_of_the_gap() {
        let sunday = d("2026-03-29");
        let run = |start: &str, end: &str| {
            expand_shifts(&[rule(Weekday::Sun, start, end)], &[], sunday, sunday, ROME)
        };
        // 01:00 CET to 05:00 CEST is three real hours.
        assert_eq!(
            run("01:00", "05:00"),
            vec![(utc("2026-03-29T00:00:00Z"), utc("2026-03-29T03:00:00Z"))]
        );
        assert_eq!(
            run("02:30", "04:00"),
            vec![(utc("2026-03-29T01:00:00Z"), utc("2026-03-29T02:00:00Z"))]
        );
        assert_eq!(
            run("00:30", "02:30"),
            vec![(utc("2026-03-28T23:30:00Z"), utc("2026-03-29T01:00:00Z"))]
        );
        // Wholly inside the gap: no real time, no shift.
        assert!(run("02:15", "02:45").is_empty());
    }

    #[test]
    fn weekly_hours_stop_on_national_holidays_but_extra_hours_count() {
        let rules = [WeeklyRule {
            weekday: Weekday::Tue,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
        }];
        // Tuesday 8 December 2026 (Immacolata) and the Tuesday after.
        let holiday = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        let shifts = expand_shifts(&rules, &[], holiday, next, chrono_tz::Europe::Rome);
        assert_eq!(shifts.len(), 1, "{shifts:?}");
        assert_eq!(shifts[0].0.date_naive(), next);
        let extra = [Exception {
            date: holiday,
            kind: ExceptionKind::Extra,
            start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        }];
        let shifts = expand_shifts(&rules, &extra, holiday, holiday, chrono_tz::Europe::Rome);
        assert_eq!(shifts.len(), 1, "{shifts:?}");
        assert_eq!(shifts[0].1 - shifts[0].0, TimeDelta::hours(2));
    }

    #[test]
    fn shifts_that_meet_across_the_gap_become_one() {
        let sunday = d("2026-03-29");
        let rules = [
            rule(Weekday::Sun, "01:00", "02:15"),
            rule(Weekday::Sun, "02:45", "05:00"),
        ];
        assert_eq!(
            expand_shifts(&rules, &[], sunday, sunday, ROME),
            vec![(utc("2026-03-29T00:00:00Z"), utc("2026-03-29T03:00:00Z"))]
        );
    }

    #[test]
    fn the_autumn_night_is_an_hour_longer() {
        let sunday = d("2026-10-25");
        let shifts = expand_shifts(
            &[rule(Weekday::Sun, "01:00", "04:00")],
            &[],
            sunday,
            sunday,
            ROME,
        );
        assert_eq!(
            shifts,
            vec![(utc("2026-10-24T23:00:00Z"), utc("2026-10-25T03:00:00Z"))]
        );
        // An ambiguous endpoint takes the first 02:30.
        let shifts = expand_shifts(
            &[rule(Weekday::Sun, "02:30", "03:30")],
            &[],
            sunday,
            sunday,
            ROME,
        );
        assert_eq!(
            shifts,
            vec![(utc("2026-10-25T00:30:00Z"), utc("2026-10-25T02:30:00Z"))]
        );
    }

    #[test]
    fn a_year_of_shifts_is_sorted_and_disjoint() {
        let rules = [
            rule(Weekday::Mon, "09:00", "13:00"),
            rule(Weekday::Mon, "14:00", "18:00"),
            rule(Weekday::Wed, "08:30", "12:30"),
            rule(Weekday::Sun, "00:00", "03:30"),
            rule(Weekday::Sat, "20:00", "23:59"),
        ];
        let exceptions = [
            exception("2026-05-04", ExceptionKind::Extra, "13:00", "14:00"),
            exception("2026-05-06", ExceptionKind::Absence, "00:00", "23:59"),
        ];
        let shifts = expand_shifts(&rules, &exceptions, d("2026-01-01"), d("2026-12-31"), ROME);
        assert!(shifts.iter().all(|(s, e)| s < e));
        assert!(
            shifts.windows(2).all(|w| w[0].1 < w[1].0),
            "overlapping or touching shifts"
        );
        let on = |day: &str| {
            local(&shifts)
                .into_iter()
                .filter(|s| s.starts_with(day))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            on("2026-05-04"),
            ["2026-05-04T09:00:00+02:00/2026-05-04T18:00:00+02:00"]
        );
        assert!(on("2026-05-06").is_empty());
        assert_eq!(on("2026-05-13").len(), 1);
    }

    #[test]
    fn long_periods_are_cut_and_extreme_dates_do_not_panic() {
        let rules = [rule(Weekday::Mon, "09:00", "10:00")];
        let shifts = expand_shifts(&rules, &[], NaiveDate::MIN, NaiveDate::MAX, ROME);
        assert!(shifts.len() <= (MAX_EXPANSION_DAYS as usize) / 7 + 1);
        let late = NaiveDate::MAX - TimeDelta::days(10);
        let _ = expand_shifts(&rules, &[], late, NaiveDate::MAX, ROME);
        let ten_years = expand_shifts(&rules, &[], d("2026-01-01"), d("2035-12-31"), ROME);
        // Cut to 731 days, 1 January 2026 to 1 January 2028: 52 Mondays in each year, but
        // for the four that are national holidays (Easter Mondays of 2026 and 2027, 4
        // October and 1 November 2027).
        assert_eq!(ten_years.len(), 100);
        assert_eq!(
            local(&ten_years[99..]),
            ["2027-12-27T09:00:00+01:00/2027-12-27T10:00:00+01:00"]
        );
    }

    #[test]
    fn periods_are_validated() {
        assert_eq!(validate_period(d("2026-03-23"), d("2026-03-23")), Ok(()));
        assert_eq!(validate_period(d("2026-01-01"), d("2028-01-01")), Ok(()));
        assert!(matches!(
            validate_period(d("2026-01-01"), d("2028-01-02")),
            Err(AvailabilityError::PeriodTooLong { .. })
        ));
        let err = validate_period(d("2026-03-30"), d("2026-03-23")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The period ends on 2026-03-23, before it starts on 2026-03-30."
        );
    }

    #[test]
    fn rules_must_end_after_they_start() {
        let rules = [
            rule(Weekday::Mon, "09:00", "13:00"),
            rule(Weekday::Tue, "13:00", "09:00"),
        ];
        let err = validate_rules(&rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The rule at index 1 ends at 09:00, which is not after its start at 13:00."
        );
        assert!(validate_rules(&[rule(Weekday::Tue, "09:00", "09:00")]).is_err());
    }

    #[test]
    fn rules_of_one_weekday_must_not_overlap() {
        let ok = [
            rule(Weekday::Mon, "09:00", "13:00"),
            rule(Weekday::Mon, "13:00", "17:00"),
            rule(Weekday::Tue, "10:00", "12:00"),
            rule(Weekday::Wed, "09:00", "13:00"),
        ];
        assert_eq!(validate_rules(&ok), Ok(()));
        assert_eq!(validate_rules(&[]), Ok(()));
        let clash = [
            rule(Weekday::Mon, "09:00", "13:00"),
            rule(Weekday::Tue, "10:00", "12:00"),
            rule(Weekday::Mon, "12:00", "14:00"),
        ];
        let err = validate_rules(&clash).unwrap_err();
        assert!(matches!(
            err,
            AvailabilityError::RulesOverlap {
                index: 2,
                other: 0,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "The rule at index 2 (Monday 12:00–14:00) overlaps the rule at index 0 \
             (Monday 09:00–13:00)."
        );
        // Containment is an overlap too.
        let inside = [
            rule(Weekday::Fri, "08:00", "18:00"),
            rule(Weekday::Fri, "10:00", "11:00"),
        ];
        assert!(matches!(
            validate_rules(&inside),
            Err(AvailabilityError::RulesOverlap {
                index: 1,
                other: 0,
                ..
            })
        ));
    }

    #[test]
    fn exceptions_must_end_after_they_start() {
        let exceptions = [
            exception("2026-03-23", ExceptionKind::Absence, "09:00", "10:00"),
            exception("2026-03-23", ExceptionKind::Extra, "09:00", "10:00"),
            exception("2026-03-24", ExceptionKind::Extra, "11:00", "10:00"),
        ];
        assert_eq!(validate_exceptions(&exceptions[..2]), Ok(()));
        assert_eq!(
            validate_exceptions(&exceptions).unwrap_err().to_string(),
            "The exception at index 2 ends at 10:00, which is not after its start at 11:00."
        );
    }

    #[test]
    fn serde_uses_short_weekdays_snake_case_kinds_and_hh_mm() {
        let r = rule(Weekday::Mon, "09:00", "13:30");
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!({"weekday": "mon", "start": "09:00", "end": "13:30"})
        );
        let e = exception("2026-03-30", ExceptionKind::Absence, "10:00", "11:00");
        assert_eq!(
            serde_json::to_value(e).unwrap(),
            serde_json::json!({"date": "2026-03-30", "kind": "absence", "start": "10:00", "end": "11:00"})
        );
        assert_eq!(serde_json::to_value(ExceptionKind::Extra).unwrap(), "extra");
        for (code, weekday) in [
            ("mon", Weekday::Mon),
            ("tue", Weekday::Tue),
            ("wed", Weekday::Wed),
            ("thu", Weekday::Thu),
            ("fri", Weekday::Fri),
            ("sat", Weekday::Sat),
            ("SUN", Weekday::Sun),
        ] {
            let json = format!(r#"{{"weekday": "{code}", "start": "09:00", "end": "10:00"}}"#);
            let parsed: WeeklyRule = serde_json::from_str(&json).unwrap();
            assert_eq!(parsed.weekday, weekday);
            assert_eq!(
                serde_json::to_value(parsed).unwrap()["weekday"],
                code.to_lowercase()
            );
        }
    }

    #[test]
    fn serde_rejects_bad_weekdays_times_and_kinds() {
        let bad_rules = [
            r#"{"weekday": "monday", "start": "09:00", "end": "10:00"}"#,
            r#"{"weekday": "Mon ", "start": "9:00", "end": "10:00"}"#,
            r#"{"weekday": "mon", "start": "09:00:00", "end": "10:00"}"#,
            r#"{"weekday": "mon", "start": "24:00", "end": "10:00"}"#,
            r#"{"weekday": "mon", "start": "09:60", "end": "10:00"}"#,
            r#"{"weekday": "mon", "start": "09h00", "end": "10:00"}"#,
            r#"{"weekday": "mon", "start": "０9:00", "end": "10:00"}"#,
            r#"{"weekday": 1, "start": "09:00", "end": "10:00"}"#,
        ];
        for json in bad_rules {
            assert!(serde_json::from_str::<WeeklyRule>(json).is_err(), "{json}");
        }
        let err = serde_json::from_str::<WeeklyRule>(bad_rules[0]).unwrap_err();
        assert!(
            err.to_string().contains("“monday” is not a weekday"),
            "{err}"
        );
        let err = serde_json::from_str::<WeeklyRule>(bad_rules[1]).unwrap_err();
        assert!(
            err.to_string().contains("“9:00” is not a time of day"),
            "{err}"
        );
        assert!(serde_json::from_str::<ExceptionKind>(r#""Absence""#).is_err());
        assert!(serde_json::from_str::<Exception>(
            r#"{"date": "2026-02-30", "kind": "extra", "start": "09:00", "end": "10:00"}"#
        )
        .is_err());
    }
}
