//! Every rendered calendar is checked line by line (≤ 75 octets, CRLF) and read back with the
//! independent `ical` parser; the VTIMEZONEs are interpreted the way a client would and
//! compared with the tz database.

use std::io::BufReader;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset as _, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::Rome;
use chrono_tz::Tz;
use ical::parser::ical::component::{IcalCalendar, IcalTimeZone};
use ical::property::Property;

use super::{etag, render};
use crate::feed::{Calendar, Event, EventStatus, Method};

fn rome(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Rome.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("unambiguous local time")
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap()
}

fn event(id: u32, start: DateTime<Utc>) -> Event {
    Event {
        uid: format!("assignment-{id}@ponte"),
        sequence: 2,
        status: EventStatus::Confirmed,
        start,
        end: start + TimeDelta::hours(2),
        zone: Rome,
        summary: "Cinese (mandarino) – Scuola Mazzoni, in presenza".into(),
        location: Some("Via Reggiana 26, 59100 Prato PO".into()),
        description: Some("Colloquio; portare il modulo\nSecondo piano, aula 3".into()),
        geo: Some((43.880_512, 11.096_3)),
        last_modified: Utc.with_ymd_and_hms(2027, 2, 20, 8, 30, 5).unwrap(),
        organizer: Some("mailto:coordinamento@ponte.example".into()),
        attendees: vec!["li.wei@ponte.example".into()],
    }
}

fn feed(events: Vec<Event>) -> Calendar {
    Calendar {
        name: "Ponte – Li Wei".into(),
        method: None,
        events,
    }
}

/// The in-test checker: each line ≤ 75 octets and ended by CRLF, no bare CR or LF.
fn check_lines(text: &str) {
    assert!(text.ends_with("\r\n"), "missing final CRLF");
    for (n, line) in text.split_terminator("\r\n").enumerate() {
        assert!(
            !line.contains(['\r', '\n']),
            "bare CR/LF on line {n}: {line:?}"
        );
        assert!(
            line.len() <= 75,
            "line {n} has {} octets: {line}",
            line.len()
        );
    }
}

/// Checks lines, then parses with `ical`: exactly one calendar.
fn parse(text: &str) -> IcalCalendar {
    check_lines(text);
    let mut calendars = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let calendar = calendars.next().expect("one calendar").expect("parses");
    assert!(calendars.next().is_none(), "more than one calendar");
    calendar
}

fn prop<'a>(props: &'a [Property], name: &str) -> &'a Property {
    let found: Vec<&Property> = props.iter().filter(|p| p.name == name).collect();
    assert_eq!(found.len(), 1, "exactly one {name} in {props:?}");
    found[0]
}

fn value<'a>(props: &'a [Property], name: &str) -> &'a str {
    prop(props, name).value.as_deref().unwrap_or("")
}

fn param<'a>(p: &'a Property, name: &str) -> Option<&'a str> {
    let params = p.params.as_ref()?;
    let (_, values) = params.iter().find(|(k, _)| k == name)?;
    values.first().map(String::as_str)
}

/// Independent TEXT unescaping (RFC 5545 §3.3.11).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ';' | ',')) => out.push(c),
            other => panic!("bad escape \\{other:?} in {s:?}"),
        }
    }
    out
}

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").expect(s)
}

fn parse_offset(s: &str) -> i64 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits = &s[1..];
    let h: i64 = digits[0..2].parse().unwrap();
    let m: i64 = digits[2..4].parse().unwrap();
    let sec: i64 = digits.get(4..6).map_or(0, |x| x.parse().unwrap());
    sign * (h * 3600 + m * 60 + sec)
}

/// A client's reading of a VTIMEZONE: (onset in UTC, offset after it), by onset.
fn onsets(tz: &IcalTimeZone) -> Vec<(NaiveDateTime, i64)> {
    let mut result: Vec<(NaiveDateTime, i64)> = tz
        .transitions
        .iter()
        .map(|t| {
            let from = parse_offset(value(&t.properties, "TZOFFSETFROM"));
            let to = parse_offset(value(&t.properties, "TZOFFSETTO"));
            let local = naive(value(&t.properties, "DTSTART"));
            (local - TimeDelta::seconds(from), to)
        })
        .collect();
    result.sort();
    result
}

fn offset_at(onsets: &[(NaiveDateTime, i64)], utc: NaiveDateTime) -> i64 {
    onsets
        .iter()
        .rev()
        .find(|(onset, _)| *onset <= utc)
        .map(|(_, to)| *to)
        .unwrap_or_else(|| panic!("no observance before {utc}"))
}

/// The instant a client gets for `DTSTART;TZID=…:local` from the calendar's own VTIMEZONE.
fn resolve(calendar: &IcalCalendar, p: &Property) -> DateTime<Utc> {
    let local = naive(p.value.as_deref().unwrap());
    let tzid = param(p, "TZID").expect("TZID");
    let tz = calendar
        .timezones
        .iter()
        .find(|tz| value(&tz.properties, "TZID") == tzid)
        .expect("VTIMEZONE for TZID");
    let onsets = onsets(tz);
    // Try the offsets in force around that local time; the first that maps back wins.
    let candidate = |offset: i64| local - TimeDelta::seconds(offset);
    let mut offsets: Vec<i64> = onsets.iter().map(|(_, to)| *to).collect();
    offsets.dedup();
    let mut found: Vec<NaiveDateTime> = offsets
        .into_iter()
        .map(candidate)
        .filter(|&u| u + TimeDelta::seconds(offset_at(&onsets, u)) == local)
        .collect();
    found.sort();
    found.first().expect("local time exists").and_utc()
}

#[test]
fn properties_round_trip_through_an_independent_parser() {
    let mut e = event(42, rome(2027, 4, 12, 9, 0));
    e.summary = "Urdu, \"in presenza\"; ASL\\Prato: colloquio".into();
    e.sequence = 7;
    e.status = EventStatus::Tentative;
    let text = render(&feed(vec![e.clone()]), now());
    let cal = parse(&text);

    assert_eq!(value(&cal.properties, "VERSION"), "2.0");
    assert_eq!(value(&cal.properties, "CALSCALE"), "GREGORIAN");
    assert!(!value(&cal.properties, "PRODID").is_empty());
    assert!(cal.properties.iter().all(|p| p.name != "METHOD"));
    assert_eq!(
        unescape(value(&cal.properties, "X-WR-CALNAME")),
        "Ponte – Li Wei"
    );
    assert_eq!(value(&cal.properties, "X-WR-TIMEZONE"), "Europe/Rome");
    assert_eq!(cal.timezones.len(), 1);
    assert_eq!(cal.events.len(), 1);

    let p = &cal.events[0].properties;
    assert_eq!(unescape(value(p, "UID")), "assignment-42@ponte");
    assert_eq!(value(p, "SEQUENCE"), "7");
    assert_eq!(value(p, "STATUS"), "TENTATIVE");
    assert_eq!(unescape(value(p, "SUMMARY")), e.summary);
    assert_eq!(
        unescape(value(p, "LOCATION")),
        "Via Reggiana 26, 59100 Prato PO"
    );
    assert_eq!(
        unescape(value(p, "DESCRIPTION")),
        "Colloquio; portare il modulo\nSecondo piano, aula 3"
    );
    assert_eq!(value(p, "GEO"), "43.880512;11.096300");
    assert_eq!(value(p, "LAST-MODIFIED"), "20270220T083005Z");
    assert_eq!(value(p, "ORGANIZER"), "mailto:coordinamento@ponte.example");
    assert_eq!(value(p, "ATTENDEE"), "mailto:li.wei@ponte.example");

    let start = prop(p, "DTSTART");
    assert_eq!(param(start, "TZID"), Some("Europe/Rome"));
    assert_eq!(start.value.as_deref(), Some("20270412T090000"));
    assert_eq!(resolve(&cal, start), e.start);
    let end = prop(p, "DTEND");
    assert_eq!(end.value.as_deref(), Some("20270412T110000"));
    assert_eq!(resolve(&cal, end), e.end);
}

#[test]
fn long_multilingual_summary_is_folded_and_unfolds_to_the_original() {
    let mut e = event(1, rome(2027, 5, 3, 10, 0));
    e.summary = format!(
        "Mediazione nella città di Prato — {} — {} — perché è più facile così",
        "中文普通话与温州话的家长会议".repeat(3),
        "العربية مع الأسرة في المدرسة الابتدائية".repeat(2),
    );
    e.description = Some(e.summary.repeat(3));
    let text = render(&feed(vec![e.clone()]), now());
    check_lines(&text);
    assert!(
        text.contains("\r\n "),
        "a summary this long must have been folded"
    );
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("\r\nSUMMARY:{}\r\n", e.summary)));

    let cal = parse(&text);
    let p = &cal.events[0].properties;
    assert_eq!(unescape(value(p, "SUMMARY")), e.summary);
    assert_eq!(
        unescape(value(p, "DESCRIPTION")),
        e.description.clone().unwrap()
    );
}

#[test]
fn dst_change_day_keeps_local_time_and_the_vtimezone_changes_on_28_march_2027() {
    let before = event(1, rome(2027, 3, 22, 9, 0));
    let after = event(2, rome(2027, 3, 29, 9, 0));
    assert_eq!(
        before.start,
        Utc.with_ymd_and_hms(2027, 3, 22, 8, 0, 0).unwrap()
    );
    assert_eq!(
        after.start,
        Utc.with_ymd_and_hms(2027, 3, 29, 7, 0, 0).unwrap()
    );
    let text = render(&feed(vec![after.clone(), before.clone()]), now());
    let cal = parse(&text);

    for (parsed, original, date) in [
        (&cal.events[0], &before, "20270322"),
        (&cal.events[1], &after, "20270329"),
    ] {
        let start = prop(&parsed.properties, "DTSTART");
        assert_eq!(param(start, "TZID"), Some("Europe/Rome"));
        assert_eq!(
            start.value.as_deref(),
            Some(format!("{date}T090000").as_str())
        );
        assert_eq!(resolve(&cal, start), original.start);
    }

    let tz = &cal.timezones[0];
    assert_eq!(value(&tz.properties, "TZID"), "Europe/Rome");
    let daylight: Vec<&Vec<Property>> = tz
        .transitions
        .iter()
        .map(|t| &t.properties)
        .filter(|p| value(p, "DTSTART").starts_with("20270328"))
        .collect();
    assert_eq!(daylight.len(), 1);
    assert_eq!(value(daylight[0], "DTSTART"), "20270328T020000");
    assert_eq!(value(daylight[0], "TZOFFSETFROM"), "+0100");
    assert_eq!(value(daylight[0], "TZOFFSETTO"), "+0200");
    assert_eq!(value(daylight[0], "TZNAME"), "CEST");
    assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\n"));
    assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\n"));
}

/// Reads each VTIMEZONE as a client would and compares its offset with the tz database at
/// every hour of the years the events span (Rome 2026–2028 and three other kinds of zone).
#[test]
fn vtimezones_agree_with_the_tz_database_every_hour() {
    let zones: [(Tz, i32, i32); 4] = [
        (Rome, 2026, 2028),
        (chrono_tz::America::New_York, 2027, 2027),
        (chrono_tz::Australia::Sydney, 2026, 2027),
        (chrono_tz::Asia::Shanghai, 2027, 2027),
    ];
    let mut events = Vec::new();
    for (i, &(zone, first, last)) in zones.iter().enumerate() {
        for (j, year) in [first, last].into_iter().enumerate() {
            let mut e = event(
                (i * 10 + j) as u32,
                Utc.with_ymd_and_hms(year, 6, 1, 10, 0, 0).unwrap(),
            );
            e.zone = zone;
            events.push(e);
        }
    }
    let cal = parse(&render(&feed(events), now()));
    assert_eq!(cal.timezones.len(), zones.len());
    for (zone, first, last) in zones {
        let tz = cal
            .timezones
            .iter()
            .find(|tz| value(&tz.properties, "TZID") == zone.name())
            .expect("VTIMEZONE per zone");
        let onsets = onsets(tz);
        let mut t = NaiveDate::from_ymd_opt(first, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let end = NaiveDate::from_ymd_opt(last, 12, 31)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        // The VTIMEZONE starts at local midnight of 1 January: at most a day off UTC's.
        t += TimeDelta::days(1);
        while t < end {
            let expected = zone.offset_from_utc_datetime(&t).fix().local_minus_utc();
            assert_eq!(offset_at(&onsets, t), i64::from(expected), "{zone} at {t}Z");
            t += TimeDelta::hours(1);
        }
    }
}

#[test]
fn cancel_message_has_method_and_cancelled_status() {
    let e = event(9, rome(2027, 4, 12, 9, 0));
    let calendar = Calendar {
        name: "Ponte".into(),
        method: Some(Method::Cancel),
        events: vec![Event { sequence: 3, ..e }],
    };
    let cal = parse(&render(&calendar, now()));
    assert_eq!(value(&cal.properties, "METHOD"), "CANCEL");
    let p = &cal.events[0].properties;
    assert_eq!(value(p, "STATUS"), "CANCELLED");
    assert_eq!(value(p, "SEQUENCE"), "3");
    assert_eq!(value(p, "DTSTAMP"), "20270301T120000Z");
}

#[test]
fn request_message_stamps_now_and_a_feed_stamps_the_last_change() {
    let e = event(9, rome(2027, 4, 12, 9, 0));
    let request = Calendar {
        name: "Ponte".into(),
        method: Some(Method::Request),
        events: vec![e.clone()],
    };
    let cal = parse(&render(&request, now()));
    assert_eq!(value(&cal.properties, "METHOD"), "REQUEST");
    assert_eq!(value(&cal.events[0].properties, "STATUS"), "CONFIRMED");
    assert_eq!(
        value(&cal.events[0].properties, "DTSTAMP"),
        "20270301T120000Z"
    );

    let cal = parse(&render(&feed(vec![e]), now()));
    assert_eq!(
        value(&cal.events[0].properties, "DTSTAMP"),
        "20270220T083005Z"
    );
}

#[test]
fn output_is_deterministic_whatever_the_order_or_the_time_of_rendering() {
    let events = vec![
        event(3, rome(2027, 3, 29, 9, 0)),
        event(1, rome(2026, 11, 2, 14, 30)),
        event(2, rome(2027, 3, 22, 9, 0)),
    ];
    let a = render(&feed(events.clone()), now());
    let b = render(
        &feed(events.iter().rev().cloned().collect()),
        now() + TimeDelta::hours(5),
    );
    assert_eq!(a, b);
    assert_eq!(etag(&a), etag(&b));
    let cal = parse(&a);
    let uids: Vec<&str> = cal
        .events
        .iter()
        .map(|e| value(&e.properties, "UID"))
        .collect();
    assert_eq!(
        uids,
        [
            "assignment-1@ponte",
            "assignment-2@ponte",
            "assignment-3@ponte"
        ]
    );

    let mut changed = events;
    changed[0].sequence += 1;
    assert_ne!(etag(&render(&feed(changed), now())), etag(&a));
}

#[test]
fn etag_is_a_quoted_sha256() {
    let tag = etag("BEGIN:VCALENDAR\r\n");
    assert_eq!(tag.len(), 66);
    assert!(tag.starts_with('"') && tag.ends_with('"'));
    assert!(tag[1..65]
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(
        etag(""),
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\""
    );
}

#[test]
fn second_occurrence_of_a_repeated_hour_is_written_in_utc() {
    // 31 October 2027: 02:00–03:00 CEST, then 02:00–03:00 CET again. 01:30Z is the second 02:30.
    let second = Utc.with_ymd_and_hms(2027, 10, 31, 1, 30, 0).unwrap();
    let first = second - TimeDelta::hours(1);
    let mut a = event(1, first);
    a.end = first + TimeDelta::minutes(30);
    let mut b = event(2, second);
    b.end = second + TimeDelta::minutes(30);
    let cal = parse(&render(&feed(vec![a.clone(), b.clone()]), now()));

    let start_a = prop(&cal.events[0].properties, "DTSTART");
    assert_eq!(start_a.value.as_deref(), Some("20271031T023000"));
    assert_eq!(resolve(&cal, start_a), a.start);
    let start_b = prop(&cal.events[1].properties, "DTSTART");
    assert_eq!(start_b.params, None);
    assert_eq!(start_b.value.as_deref(), Some("20271031T013000Z"));
}

#[test]
fn user_text_cannot_inject_properties() {
    let mut e = event(1, rome(2027, 4, 12, 9, 0));
    e.summary = "Arabo\r\nATTENDEE:mailto:evil@example.com\rEND:VEVENT".into();
    e.attendees = vec![
        "a@b.it\r\nORGANIZER:mailto:evil@example.com".into(),
        " ".into(),
    ];
    let text = render(&feed(vec![e]), now());
    let cal = parse(&text);
    let p = &cal.events[0].properties;
    assert_eq!(
        unescape(value(p, "SUMMARY")),
        "Arabo\nATTENDEE:mailto:evil@example.com\nEND:VEVENT"
    );
    assert_eq!(p.iter().filter(|p| p.name == "ATTENDEE").count(), 1);
    assert_eq!(p.iter().filter(|p| p.name == "ORGANIZER").count(), 1);
}

#[test]
fn optional_properties_are_omitted_and_an_empty_feed_is_valid() {
    let mut e = event(1, rome(2027, 4, 12, 9, 0));
    e.location = None;
    e.description = None;
    e.geo = Some((f64::NAN, 11.0));
    e.organizer = None;
    e.attendees.clear();
    let cal = parse(&render(&feed(vec![e]), now()));
    for name in ["LOCATION", "DESCRIPTION", "GEO", "ORGANIZER", "ATTENDEE"] {
        assert!(
            cal.events[0].properties.iter().all(|p| p.name != name),
            "{name}"
        );
    }

    let cal = parse(&render(&feed(vec![]), now()));
    assert!(cal.events.is_empty() && cal.timezones.is_empty());
    assert_eq!(value(&cal.properties, "X-WR-TIMEZONE"), "Europe/Rome");
}

#[test]
fn date_times_are_written_as_chrono_formats_them() {
    let mut t = Utc
        .with_ymd_and_hms(1999, 12, 31, 23, 59, 59)
        .unwrap()
        .naive_utc();
    for _ in 0..5_000 {
        assert_eq!(
            super::basic_format(&t, "Z"),
            t.format("%Y%m%dT%H%M%SZ").to_string()
        );
        assert_eq!(
            super::basic_format(&t, ""),
            t.format("%Y%m%dT%H%M%S").to_string()
        );
        t += TimeDelta::seconds(86_400 * 7 + 3_661);
    }
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 1_500)
        .unwrap();
    assert_eq!(
        super::basic_format(&leap, "Z"),
        leap.format("%Y%m%dT%H%M%SZ").to_string()
    );
    let far = NaiveDate::from_ymd_opt(12_345, 1, 2)
        .unwrap()
        .and_hms_opt(3, 4, 5)
        .unwrap();
    assert_eq!(
        super::basic_format(&far, ""),
        far.format("%Y%m%dT%H%M%S").to_string()
    );
}
