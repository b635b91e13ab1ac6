//! VTIMEZONE components (RFC 5545 §3.6.5) derived from the tz database in `chrono-tz`.
//!
//! Design: explicit observances, no RRULEs. For the years an event spans, the zone's actual
//! offset changes are found by sampling chrono-tz and bisecting to the second, and each
//! becomes a STANDARD or DAYLIGHT component with its own DTSTART. A first component gives the
//! offset in effect on 1 January of the first year, so every event time has an observance
//! that began before it. Inferring RRULEs instead would mean guessing a rule from a few
//! transitions and would be wrong for zones whose rules change (the tz database is full of
//! them); explicit observances are exact for any zone, cost two components per year for
//! Europe/Rome, and are what clients need anyway, since they only look up the latest onset
//! before an event.

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::content::Lines;

/// An interval during which the zone keeps one offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observance {
    pub onset: DateTime<Utc>,
    /// Offset (seconds east of UTC) before the onset; equal to `to` for the first one.
    pub from: i32,
    pub to: i32,
    pub daylight: bool,
    pub name: Option<String>,
}

/// What identifies an offset period; abbreviation-only changes are not worth a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signature {
    total: i32,
    dst: i64,
}

fn signature(zone: Tz, at: i64) -> Signature {
    let offset = zone.offset_from_utc_datetime(&instant(at).naive_utc());
    Signature {
        total: offset.fix().local_minus_utc(),
        dst: offset.dst_offset().num_seconds(),
    }
}

fn abbreviation(zone: Tz, at: i64) -> Option<String> {
    let offset = zone.offset_from_utc_datetime(&instant(at).naive_utc());
    offset.abbreviation().map(str::to_owned)
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("instant within chrono's range")
}

/// Local midnight of 1 January `year` in `zone`, as an instant.
fn year_start(zone: Tz, year: i32) -> i64 {
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("valid year")
        .and_hms_opt(0, 0, 0)
        .expect("valid time");
    zone.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp())
        // Midnight skipped by a transition (a few historical zones): near enough to start.
        .unwrap_or_else(|| midnight.and_utc().timestamp())
}

/// The observances of `zone` from 1 January `first_year` to the end of `last_year`.
pub(crate) fn observances(zone: Tz, first_year: i32, last_year: i32) -> Vec<Observance> {
    // No zone changes offset twice within a day, so daily samples find every transition.
    const STEP: i64 = 24 * 3600;
    let start = year_start(zone, first_year);
    let end = year_start(zone, last_year + 1);

    let mut current = signature(zone, start);
    let mut result = vec![observance(zone, start, current, current)];
    let mut t = start;
    while t < end {
        let next = (t + STEP).min(end);
        if signature(zone, next) == current {
            t = next;
            continue;
        }
        // Bisect: `lo` still has the current signature, `hi` does not.
        let (mut lo, mut hi) = (t, next);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if signature(zone, mid) == current {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let after = signature(zone, hi);
        result.push(observance(zone, hi, current, after));
        current = after;
        t = hi;
    }
    result
}

fn observance(zone: Tz, onset: i64, from: Signature, to: Signature) -> Observance {
    Observance {
        onset: instant(onset),
        from: from.total,
        to: to.total,
        daylight: to.dst != 0,
        name: abbreviation(zone, onset),
    }
}

/// Writes the VTIMEZONE of `zone` covering the years `first_year..=last_year`.
pub(crate) fn write(lines: &mut Lines, zone: Tz, first_year: i32, last_year: i32) {
    lines.raw("BEGIN", "VTIMEZONE");
    lines.raw("TZID", zone.name());
    // libical-based clients (Evolution, Thunderbird) match the zone by this name.
    lines.raw("X-LIC-LOCATION", zone.name());
    for o in observances(zone, first_year, last_year) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        lines.raw("BEGIN", kind);
        // DTSTART of an observance is local time in the offset in force before it.
        let local = o.onset.naive_utc() + TimeDelta::seconds(i64::from(o.from));
        lines.raw("DTSTART", &local.format("%Y%m%dT%H%M%S").to_string());
        lines.raw("TZOFFSETFROM", &utc_offset(o.from));
        lines.raw("TZOFFSETTO", &utc_offset(o.to));
        if let Some(name) = &o.name {
            lines.text("TZNAME", name);
        }
        lines.raw("END", kind);
    }
    lines.raw("END", "VTIMEZONE");
}

/// UTC-OFFSET value (§3.3.14): `+0100`, `-0330`, seconds only when present; never `-0000`.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The local calendar year of an instant in a zone.
pub(crate) fn local_year(instant: DateTime<Utc>, zone: Tz) -> i32 {
    instant.with_timezone(&zone).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Rome;

    fn local(o: &Observance) -> String {
        (o.onset.naive_utc() + TimeDelta::seconds(i64::from(o.from)))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn rome_2026_to_2028_changes_on_the_last_sundays_of_march_and_october() {
        let found: Vec<(String, i32, i32, bool, Option<String>)> = observances(Rome, 2026, 2028)
            .iter()
            .map(|o| (local(o), o.from, o.to, o.daylight, o.name.clone()))
            .collect();
        let cet = Some("CET".to_string());
        let cest = Some("CEST".to_string());
        let expected = vec![
            ("2026-01-01 00:00".into(), 3600, 3600, false, cet.clone()),
            ("2026-03-29 02:00".into(), 3600, 7200, true, cest.clone()),
            ("2026-10-25 03:00".into(), 7200, 3600, false, cet.clone()),
            ("2027-03-28 02:00".into(), 3600, 7200, true, cest.clone()),
            ("2027-10-31 03:00".into(), 7200, 3600, false, cet.clone()),
            ("2028-03-26 02:00".into(), 3600, 7200, true, cest.clone()),
            ("2028-10-29 03:00".into(), 7200, 3600, false, cet.clone()),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn a_zone_without_dst_has_one_observance() {
        let found = observances(chrono_tz::Asia::Shanghai, 2026, 2027);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].from, found[0].to), (8 * 3600, 8 * 3600));
        assert!(!found[0].daylight);
    }

    #[test]
    fn southern_hemisphere_starts_in_daylight_time() {
        let found = observances(chrono_tz::Australia::Sydney, 2027, 2027);
        assert!(found[0].daylight);
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn offsets_are_formatted_per_rfc() {
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(-(3 * 3600 + 30 * 60)), "-0330");
        assert_eq!(utc_offset(5 * 3600 + 45 * 60 + 7), "+054507");
    }
}
