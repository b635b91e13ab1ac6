//! Rendering a [`Calendar`] as an iCalendar object, and its ETag.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::content::{strip_controls, Lines};
use super::{vtimezone, Calendar, Event, EventStatus, Method};
use crate::domain::local_time::DEFAULT_ZONE;

const PRODID: &str = "-//Ponte//Ponte mediator schedule//EN";

/// Renders `calendar` as RFC 5545 text (CRLF lines, folded at 75 octets).
///
/// The output depends only on the input: events are sorted (start, UID, SEQUENCE), zones by
/// name, so the ETag does not change when the database returns rows in another order.
/// `now` is the DTSTAMP of iTIP messages (`method` set); in a feed (no method) RFC 5545
/// §3.8.7.2 makes DTSTAMP the event's last revision, so feeds use `last_modified` and
/// rendering the same data twice gives the same bytes and the same ETag.
pub fn render(calendar: &Calendar, now: DateTime<Utc>) -> String {
    let mut events: Vec<&Event> = calendar.events.iter().collect();
    events.sort_by(|a, b| (a.start, &a.uid, a.sequence).cmp(&(b.start, &b.uid, b.sequence)));

    // About 400 octets an event: one allocation for a year-long feed.
    let mut lines = Lines::with_capacity(1024 + 450 * events.len());
    lines.raw("BEGIN", "VCALENDAR");
    lines.raw("VERSION", "2.0");
    lines.raw("PRODID", PRODID);
    lines.raw("CALSCALE", "GREGORIAN");
    if let Some(method) = calendar.method {
        lines.raw("METHOD", method.as_str());
    }
    lines.text("X-WR-CALNAME", &calendar.name);
    lines.raw("X-WR-TIMEZONE", main_zone(&events).name());
    for (zone, first, last) in zone_years(&events) {
        vtimezone::write(&mut lines, zone, first, last);
    }
    for event in events {
        write_event(&mut lines, event, calendar.method, now);
    }
    lines.raw("END", "VCALENDAR");
    lines.finish()
}

/// A strong ETag: the quoted hex SHA-256 of the body.
pub fn etag(body: &str) -> String {
    format!("\"{:x}\"", Sha256::digest(body.as_bytes()))
}

/// The zone most events use (ties to the first name), Ponte's default for an empty calendar.
fn main_zone(events: &[&Event]) -> Tz {
    let mut counts: BTreeMap<&str, (usize, Tz)> = BTreeMap::new();
    for e in events {
        counts.entry(e.zone.name()).or_insert((0, e.zone)).0 += 1;
    }
    let mut best: Option<(usize, Tz)> = None;
    for &(count, zone) in counts.values() {
        if best.is_none_or(|(c, _)| count > c) {
            best = Some((count, zone));
        }
    }
    best.map_or(DEFAULT_ZONE, |(_, zone)| zone)
}

/// Each zone used, by name, with the first and last local years its events touch.
fn zone_years(events: &[&Event]) -> Vec<(Tz, i32, i32)> {
    let mut zones: BTreeMap<&str, (Tz, i32, i32)> = BTreeMap::new();
    for e in events {
        let first = vtimezone::local_year(e.start.min(e.end), e.zone);
        let last = vtimezone::local_year(e.start.max(e.end), e.zone);
        let entry = zones.entry(e.zone.name()).or_insert((e.zone, first, last));
        entry.1 = entry.1.min(first);
        entry.2 = entry.2.max(last);
    }
    zones.into_values().collect()
}

fn write_event(lines: &mut Lines, e: &Event, method: Option<Method>, now: DateTime<Utc>) {
    // RFC 5546 §3.2.5: a CANCEL message's event MUST say STATUS:CANCELLED.
    let status = match method {
        Some(Method::Cancel) => EventStatus::Cancelled,
        _ => e.status,
    };
    let stamp = if method.is_some() {
        now
    } else {
        e.last_modified
    };
    lines.raw("BEGIN", "VEVENT");
    lines.text("UID", &e.uid);
    lines.raw("DTSTAMP", &utc(stamp));
    date_time(lines, "DTSTART", e.start, e.zone);
    date_time(lines, "DTEND", e.end, e.zone);
    lines.raw("SEQUENCE", &e.sequence.to_string());
    lines.raw("STATUS", status.as_str());
    lines.text("SUMMARY", &e.summary);
    if let Some(location) = &e.location {
        lines.text("LOCATION", location);
    }
    if let Some(description) = &e.description {
        lines.text("DESCRIPTION", description);
    }
    if let Some((lat, lon)) = e.geo {
        // GEO is FLOAT;FLOAT (§3.8.1.6); an impossible position is better left out.
        if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
            lines.raw("GEO", &format!("{lat:.6};{lon:.6}"));
        }
    }
    lines.raw("LAST-MODIFIED", &utc(e.last_modified));
    if let Some(organizer) = e.organizer.as_deref().and_then(cal_address) {
        lines.raw("ORGANIZER", &organizer);
    }
    for attendee in e.attendees.iter().filter_map(|a| cal_address(a)) {
        lines.raw("ATTENDEE", &attendee);
    }
    lines.raw("END", "VEVENT");
}

/// `NAME;TZID=Zone:local` — unless the local time is the second occurrence of an hour that
/// repeats when the clocks go back: RFC 5545 §3.3.5 reads such a local time as the first
/// occurrence, so that instant is written in UTC instead.
fn date_time(lines: &mut Lines, name: &str, instant: DateTime<Utc>, zone: Tz) {
    let local = instant.with_timezone(&zone).naive_local();
    let first = zone.from_local_datetime(&local).earliest();
    if first.is_some_and(|t| t == instant) {
        let value = basic_format(&local, "");
        lines.parts(&[name, ";TZID=", zone.name(), ":", &value]);
    } else {
        lines.raw(name, &utc(instant));
    }
}

fn utc(instant: DateTime<Utc>) -> String {
    basic_format(&instant.naive_utc(), "Z")
}

/// `YYYYMMDDTHHMMSS` and `suffix` (RFC 5545 DATE-TIME), written directly: a feed writes
/// four a event, and chrono's `format` interprets its pattern every time.
pub(crate) fn basic_format(t: &chrono::NaiveDateTime, suffix: &str) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return format!("{}{suffix}", t.format("%Y%m%dT%H%M%S"));
    }
    let mut out = String::with_capacity(16 + suffix.len());
    let mut digits = |n: u32, width: u32| {
        for k in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(k) % 10) as u8));
        }
    };
    digits(year as u32, 4);
    digits(t.month(), 2);
    digits(t.day(), 2);
    out.push('T');
    let mut digits = |n: u32| {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    digits(t.hour());
    digits(t.minute());
    // A leap second is 60, as chrono's `%S` writes it.
    digits(t.second() + u32::from(t.nanosecond() >= 1_000_000_000));
    out.push_str(suffix);
    out
}

/// A CAL-ADDRESS (a `mailto:` URI) from an address or URI; `None` when empty.
fn cal_address(address: &str) -> Option<String> {
    let address = strip_controls(address.trim());
    let bare = match address.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &address[7..],
        _ => address.as_str(),
    };
    (!bare.is_empty()).then(|| format!("mailto:{bare}"))
}

#[cfg(test)]
mod tests;
