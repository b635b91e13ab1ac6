//! iCal feeds: every feed is read back with the independent `ical` parser and its events are
//! checked against the `assignments` rows (UID, SEQUENCE, times in UTC across both DST
//! changes, location, summary, status); conditional GETs; rotation and revocation; who may
//! make a feed; and that no feed shows another's assignments or the families' data.
use std::collections::BTreeMap;
use std::io::BufReader;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Rome;
use chrono_tz::Tz;
use ponte::assignment::new_uid;
use ponte::entity::{assignment, audit_event, feed_token, mediator, request};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

const NOTES: &str = "Famiglia Hu; la madre non parla italiano";
const CASE: &str = "PRATICA-2026-0042";

/// A request of `organisation` inserted directly (the API's validation is tested elsewhere),
/// with notes and a case reference that no feed may show.
async fn insert_request(
    app: &TestApp,
    organisation: i64,
    site: Option<i64>,
    modality: &str,
    language: &str,
    start: DateTime<Utc>,
) -> request::Model {
    let now = Utc::now();
    request::ActiveModel {
        organisation_id: Set(organisation),
        site_id: Set(site),
        created_by: Set(None),
        language: Set(language.into()),
        required_tags: Set(json!([])),
        modality: Set(modality.parse().unwrap()),
        earliest_start: Set(start),
        latest_start: Set(start),
        duration_minutes: Set(90),
        urgency: Set("routine".parse().unwrap()),
        preferred_mediators: Set(json!([])),
        excluded_mediators: Set(json!([])),
        case_reference: Set(Some(CASE.into())),
        notes: Set(Some(NOTES.into())),
        rrule: Set(None),
        occurrences: Set(1),
        status: Set("submitted".parse().unwrap()),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
}

async fn insert_assignment(
    app: &TestApp,
    request: &request::Model,
    mediator_id: i64,
    state: &str,
    sequence: i32,
) -> assignment::Model {
    let now = Utc::now();
    assignment::ActiveModel {
        request_id: Set(request.id),
        occurrence: Set(0),
        mediator_id: Set(mediator_id),
        start: Set(request.earliest_start),
        end: Set(request.earliest_start + TimeDelta::minutes(90)),
        state: Set(state.parse().unwrap()),
        plan_id: Set(None),
        uid: Set(new_uid("ponte.test")),
        sequence: Set(sequence),
        response_token_hash: Set(None),
        decline_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        responded_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
}

/// Another mediator, whose assignments must not show in the test mediator's feed.
async fn other_mediator(app: &TestApp, name: &str) -> i64 {
    let now = Utc::now();
    mediator::ActiveModel {
        name: Set(name.into()),
        email: Set(None),
        phone: Set(None),
        languages: Set(json!(["ar"])),
        tags: Set(json!([])),
        modalities: Set(json!(["in_person"])),
        home_site_id: Set(None),
        home_address: Set(None),
        home_lat: Set(None),
        home_lon: Set(None),
        max_weekly_minutes: Set(None),
        timezone: Set("Europe/Rome".into()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

fn rome(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Rome.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

/// The last Sunday of `month` (when Europe's clocks change) that lies inside the feed's
/// window (30 days back, a year ahead), so that the test does not depend on today's date.
fn change_day(month: u32) -> NaiveDate {
    let today = Utc::now().date_naive();
    (today.year() - 1..=today.year() + 1)
        .map(|year| {
            let first_next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            }
            .unwrap();
            let mut day = first_next.pred_opt().unwrap();
            while day.weekday() != Weekday::Sun {
                day = day.pred_opt().unwrap();
            }
            day
        })
        .find(|day| *day > today - TimeDelta::days(25) && *day < today + TimeDelta::days(360))
        .expect("one change of each kind in any 385 days")
}

/// Makes a feed URL through the API.
async fn rotate(app: &TestApp, path: &str, token: &str) -> String {
    let response = app.post(path, token, &json!({})).await;
    let cache = response.headers().get("cache-control").cloned();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(cache.unwrap(), "no-store");
    let url = body["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.address), "{url}");
    assert_eq!(
        body["webcal_url"].as_str().unwrap(),
        url.replacen("http://", "webcal://", 1)
    );
    url
}

struct Fetched {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn fetch(app: &TestApp, url: &str, conditions: &[(&str, &str)]) -> Fetched {
    let mut call = app.client.get(url);
    for (name, value) in conditions {
        call = call.header(*name, *value);
    }
    let response = call.send().await.unwrap();
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

fn header<'a>(f: &'a Fetched, name: &str) -> &'a str {
    f.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// An event as a client reads it.
#[derive(Debug)]
struct Parsed {
    sequence: i32,
    status: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tzid: Option<String>,
    summary: String,
    location: Option<String>,
    description: String,
}

/// Lines ≤ 75 octets with CRLF, then `ical`: one calendar; events by UID.
fn parse(body: &str) -> BTreeMap<String, Parsed> {
    assert!(body.ends_with("\r\n"));
    for line in body.split_terminator("\r\n") {
        assert!(line.len() <= 75 && !line.contains(['\r', '\n']), "{line:?}");
    }
    let mut calendars = ical::IcalParser::new(BufReader::new(body.as_bytes()));
    let calendar = calendars.next().expect("a calendar").expect("parses");
    assert!(calendars.next().is_none());
    let zones: Vec<String> = calendar
        .timezones
        .iter()
        .filter_map(|z| value(&z.properties, "TZID"))
        .collect();
    let mut events = BTreeMap::new();
    for e in &calendar.events {
        let p = &e.properties;
        let (start, tzid) = instant(p, "DTSTART");
        let (end, end_tzid) = instant(p, "DTEND");
        assert_eq!(tzid, end_tzid);
        if let Some(tzid) = &tzid {
            assert!(zones.contains(tzid), "no VTIMEZONE {tzid} in {zones:?}");
        }
        let uid = value(p, "UID").expect("UID");
        let parsed = Parsed {
            sequence: value(p, "SEQUENCE").unwrap().parse().unwrap(),
            status: value(p, "STATUS").unwrap(),
            start,
            end,
            tzid,
            summary: unescape(&value(p, "SUMMARY").unwrap()),
            location: value(p, "LOCATION").map(|l| unescape(&l)),
            description: unescape(&value(p, "DESCRIPTION").unwrap_or_default()),
        };
        assert!(events.insert(uid, parsed).is_none(), "UIDs are unique");
    }
    events
}

fn value(props: &[ical::property::Property], name: &str) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

/// DTSTART/DTEND in UTC: local time in its TZID (read with the tz database, not Ponte's
/// VTIMEZONE), or a UTC value.
fn instant(props: &[ical::property::Property], name: &str) -> (DateTime<Utc>, Option<String>) {
    let p = props.iter().find(|p| p.name == name).expect(name);
    let raw = p.value.as_deref().unwrap();
    let tzid = p.params.as_ref().and_then(|params| {
        params
            .iter()
            .find(|(k, _)| k == "TZID")
            .map(|(_, v)| v[0].clone())
    });
    match &tzid {
        Some(zone) => {
            let zone: Tz = zone.parse().unwrap();
            let local = NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%S").unwrap();
            let at = zone.from_local_datetime(&local).earliest().unwrap();
            (at.with_timezone(&Utc), tzid)
        }
        None => {
            let at = NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%SZ").unwrap();
            (at.and_utc(), None)
        }
    }
}

/// RFC 5545 §3.3.11 TEXT unescaping (`ical` gives values as written).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks an event against its row: UID, SEQUENCE, instants, zone, status.
fn check_row(events: &BTreeMap<String, Parsed>, row: &assignment::Model, status: &str) {
    let e = events
        .get(&row.uid)
        .unwrap_or_else(|| panic!("{} ({}) missing", row.uid, row.state));
    assert_eq!(e.sequence, row.sequence, "{}", row.uid);
    assert_eq!(e.start, row.start, "{}", row.uid);
    assert_eq!(e.end, row.end, "{}", row.uid);
    assert_eq!(e.tzid.as_deref(), Some("Europe/Rome"));
    assert_eq!(e.status, status, "{}", row.uid);
}

async fn mediator_feed_matches_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let march = change_day(3);
    let october = change_day(10);
    let soon = Utc::now().date_naive() + TimeDelta::days(7);

    // Organisation A: in person on both DST-change days, by phone, by video (cancelled).
    let spring = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "zh",
        rome(march, 9),
    )
    .await;
    let autumn = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "phone",
        "zh",
        rome(october, 9),
    )
    .await;
    let video = insert_request(&app, app.org_a, None, "video", "zh", rome(soon, 15)).await;
    let spring_a = insert_assignment(&app, &spring, app.mediator_id, "published", 0).await;
    let autumn_a = insert_assignment(&app, &autumn, app.mediator_id, "accepted", 3).await;
    let video_a = insert_assignment(&app, &video, app.mediator_id, "cancelled", 2).await;
    // Organisation B: the mediator works for both; in their feed, both show.
    let b = insert_request(
        &app,
        app.org_b,
        Some(app.site_b),
        "in_person",
        "ar",
        rome(soon, 10),
    )
    .await;
    let b_a = insert_assignment(&app, &b, app.mediator_id, "accepted", 1).await;

    // Never in this feed: an open offer, a withdrawn one, another mediator's, and rows
    // outside the window (40 days back, 400 ahead).
    let other = other_mediator(&app, "Amina Haddad").await;
    let offered = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "zh",
        rome(soon, 11),
    )
    .await;
    insert_assignment(&app, &offered, app.mediator_id, "offered", 0).await;
    insert_assignment(&app, &offered, other, "withdrawn", 0).await;
    let theirs = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "ar",
        rome(soon, 12),
    )
    .await;
    insert_assignment(&app, &theirs, other, "accepted", 0).await;
    let today = Utc::now().date_naive();
    for days in [-40, 400] {
        let far = insert_request(
            &app,
            app.org_a,
            Some(app.site_a),
            "in_person",
            "zh",
            rome(today + TimeDelta::days(days), 9),
        )
        .await;
        insert_assignment(&app, &far, app.mediator_id, "accepted", 0).await;
    }

    let url = rotate(
        &app,
        &format!("/api/v1/mediators/{}/feed", app.mediator_id),
        &app.mediator.token,
    )
    .await;
    let feed = fetch(&app, &url, &[]).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert_eq!(
        header(&feed, "content-type"),
        "text/calendar; charset=utf-8"
    );
    assert!(header(&feed, "cache-control").contains("no-cache"));
    assert!(header(&feed, "etag").starts_with('"'), "strong ETag");
    let events = parse(&feed.body);
    assert_eq!(events.len(), 4, "{:#?}", events.keys());
    check_row(&events, &spring_a, "TENTATIVE");
    check_row(&events, &autumn_a, "CONFIRMED");
    check_row(&events, &video_a, "CANCELLED");
    check_row(&events, &b_a, "CONFIRMED");

    // 09:00 in Rome on the change days: the spring one after the change (UTC+2), the autumn
    // one after it too (UTC+1), whatever the rows say.
    assert_eq!(
        events[&spring_a.uid].start,
        march.and_hms_opt(7, 0, 0).unwrap().and_utc()
    );
    assert_eq!(
        events[&autumn_a.uid].start,
        october.and_hms_opt(8, 0, 0).unwrap().and_utc()
    );

    let spring_e = &events[&spring_a.uid];
    assert_eq!(
        spring_e.location.as_deref(),
        Some("Plesso Mazzoni, via Roma 1")
    );
    assert_eq!(
        spring_e.summary,
        "Cinese · IC Convenevole, Prato · in presenza"
    );
    assert_eq!(events[&autumn_a.uid].location.as_deref(), Some("Telefono"));
    assert_eq!(
        events[&autumn_a.uid].summary,
        "Cinese · IC Convenevole, Prato · al telefono"
    );
    assert_eq!(events[&video_a.uid].location.as_deref(), Some("Video"));
    assert_eq!(
        events[&b_a.uid].summary,
        "Arabo · IC Anna Frank, Pistoia · in presenza"
    );
    assert_eq!(
        events[&b_a.uid].location.as_deref(),
        Some("Plesso Frank, via Roma 1")
    );
    assert!(spring_e
        .description
        .contains(&format!("Richiesta n. {}", spring.id)));
    // Nothing of the families, anywhere in the file.
    for secret in [NOTES, CASE, "Famiglia"] {
        assert!(!feed.body.contains(secret), "{secret} leaked");
    }
    assert!(!feed.body.contains("Amina"));
}

async fn organisation_feed_shows_its_requests_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let soon = Utc::now().date_naive() + TimeDelta::days(3);
    let other = other_mediator(&app, "Amina Haddad").await;
    let ours = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "zh",
        rome(soon, 9),
    )
    .await;
    let ours_a = insert_assignment(&app, &ours, app.mediator_id, "accepted", 0).await;
    let ours2 = insert_request(&app, app.org_a, None, "video", "ar", rome(soon, 14)).await;
    let ours2_a = insert_assignment(&app, &ours2, other, "published", 1).await;
    let declined = insert_assignment(&app, &ours, other, "declined", 1).await;
    let theirs = insert_request(
        &app,
        app.org_b,
        Some(app.site_b),
        "in_person",
        "zh",
        rome(soon, 9),
    )
    .await;
    let theirs_a = insert_assignment(&app, &theirs, app.mediator_id, "accepted", 0).await;

    let url_a = rotate(
        &app,
        &format!("/api/v1/organisations/{}/feed", app.org_a),
        &app.requester_a.token,
    )
    .await;
    let url_b = rotate(
        &app,
        &format!("/api/v1/organisations/{}/feed", app.org_b),
        &app.requester_b.token,
    )
    .await;
    let feed_a = fetch(&app, &url_a, &[]).await;
    assert_eq!(feed_a.status, 200);
    let events = parse(&feed_a.body);
    assert_eq!(events.len(), 3, "{:#?}", events.keys());
    check_row(&events, &ours_a, "CONFIRMED");
    check_row(&events, &ours2_a, "TENTATIVE");
    check_row(&events, &declined, "CANCELLED");
    assert!(!events.contains_key(&theirs_a.uid));
    // The organisation's feed names who comes instead of itself.
    assert_eq!(events[&ours_a.uid].summary, "Cinese · Li Wei · in presenza");
    assert_eq!(
        events[&ours2_a.uid].summary,
        "Arabo · Amina Haddad · in video"
    );
    assert_eq!(events[&ours2_a.uid].location.as_deref(), Some("Video"));
    for secret in [NOTES, CASE, "Pistoia", "Plesso Frank"] {
        assert!(
            !feed_a.body.contains(secret),
            "{secret} in organisation A's feed"
        );
    }

    let feed_b = parse(&fetch(&app, &url_b, &[]).await.body);
    assert_eq!(feed_b.keys().collect::<Vec<_>>(), vec![&theirs_a.uid]);
}

async fn conditional_gets_follow_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let soon = Utc::now().date_naive() + TimeDelta::days(2);
    let r = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "zh",
        rome(soon, 9),
    )
    .await;
    let a = insert_assignment(&app, &r, app.mediator_id, "published", 0).await;
    let url = rotate(
        &app,
        &format!("/api/v1/mediators/{}/feed", app.mediator_id),
        &app.coordinator.token,
    )
    .await;

    let first = fetch(&app, &url, &[]).await;
    assert_eq!(first.status, 200);
    let etag = header(&first, "etag").to_string();
    let modified = header(&first, "last-modified").to_string();
    let again = fetch(&app, &url, &[]).await;
    assert_eq!(header(&again, "etag"), etag, "same rows, same bytes");
    assert_eq!(again.body, first.body);

    let by_tag = fetch(&app, &url, &[("if-none-match", &etag)]).await;
    assert_eq!(by_tag.status, 304);
    assert!(by_tag.body.is_empty());
    assert_eq!(header(&by_tag, "etag"), etag);
    let by_date = fetch(&app, &url, &[("if-modified-since", &modified)]).await;
    assert_eq!(by_date.status, 304);
    let stale = fetch(&app, &url, &[("if-none-match", "\"stale\"")]).await;
    assert_eq!(stale.status, 200);

    // A change: one hour later, SEQUENCE raised (as the planning code does).
    let mut change = a.clone().into_active_model();
    change.start = Set(a.start + TimeDelta::hours(1));
    change.end = Set(a.end + TimeDelta::hours(1));
    change.sequence = Set(a.sequence + 1);
    change.updated_at = Set(Utc::now() + TimeDelta::seconds(2));
    let changed = change.update(&app.db).await.unwrap();
    let after = fetch(&app, &url, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, 200);
    assert_ne!(header(&after, "etag"), etag);
    let after_by_date = fetch(&app, &url, &[("if-modified-since", &modified)]).await;
    assert_eq!(after_by_date.status, 200, "Last-Modified moved on");
    let events = parse(&after.body);
    check_row(&events, &changed, "TENTATIVE");
    assert_eq!(events[&a.uid].sequence, 1);
}

async fn rotation_and_revocation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = format!("/api/v1/mediators/{}/feed", app.mediator_id);
    let (status, body) = json_of(app.get(&path, &app.mediator.token).await).await;
    assert_eq!(
        (status, body["live"].as_bool()),
        (200, Some(false)),
        "{body}"
    );

    let first = rotate(&app, &path, &app.mediator.token).await;
    assert_eq!(fetch(&app, &first, &[]).await.status, 200);
    let second = rotate(&app, &path, &app.mediator.token).await;
    assert_ne!(first, second);
    assert_eq!(
        fetch(&app, &first, &[]).await.status,
        404,
        "rotation revokes"
    );
    let served = fetch(&app, &second, &[]).await;
    assert_eq!(served.status, 200);
    // An empty feed is still a valid calendar.
    assert!(parse(&served.body).is_empty());
    // Only the digest is stored; one live token per owner.
    let token = second.rsplit('/').next().unwrap().trim_end_matches(".ics");
    assert!(token.starts_with("pf_"));
    let rows = feed_token::Entity::find()
        .filter(feed_token::Column::OwnerKind.eq("mediator"))
        .filter(feed_token::Column::OwnerId.eq(app.mediator_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.iter().filter(|r| r.revoked_at.is_none()).count(), 1);
    assert!(rows
        .iter()
        .all(|r| r.token_hash != token && r.token_hash.len() == 64));
    let (_, body) = json_of(app.get(&path, &app.mediator.token).await).await;
    assert_eq!(body["live"], true);

    let revoke = app
        .call(Method::DELETE, &path, Some(&app.coordinator.token), None)
        .await;
    assert_eq!(revoke.status(), 204);
    assert_eq!(fetch(&app, &second, &[]).await.status, 404, "revoked");
    let again = app
        .call(Method::DELETE, &path, Some(&app.coordinator.token), None)
        .await;
    assert_eq!(again.status(), 204, "revoking twice is no error");
    let (_, body) = json_of(app.get(&path, &app.mediator.token).await).await;
    assert_eq!(body["live"], false);

    let audited: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq("mediator"))
        .filter(audit_event::Column::EntityId.eq(app.mediator_id.to_string()))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(audited, ["feed_rotated", "feed_rotated", "feed_revoked"]);

    // Tokens that never were, or are not tokens at all.
    for bad in [
        "/feeds/pf_nothing.ics",
        "/feeds/.ics",
        &format!("/feeds/{token}"),
        &format!("/feeds/{token}.ics.ics"),
    ] {
        assert_eq!(fetch(&app, &app.url(bad), &[]).await.status, 404, "{bad}");
    }
}

async fn only_owners_and_staff_make_feeds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mediator_path = format!("/api/v1/mediators/{}/feed", app.mediator_id);
    let org_a = format!("/api/v1/organisations/{}/feed", app.org_a);
    let other = other_mediator(&app, "Amina Haddad").await;
    let others_path = format!("/api/v1/mediators/{other}/feed");

    // Anonymous: 401.
    let anonymous = app.call(Method::POST, &mediator_path, None, None).await;
    assert_problem(anonymous, 401, None).await;
    // A mediator, for another mediator: 404 (existence does not leak).
    assert_problem(
        app.post(&others_path, &app.mediator.token, &json!({}))
            .await,
        404,
        None,
    )
    .await;
    // A requester, for a mediator: 403; for another organisation: 404.
    assert_problem(
        app.post(&mediator_path, &app.requester_a.token, &json!({}))
            .await,
        403,
        None,
    )
    .await;
    assert_problem(
        app.post(&org_a, &app.requester_b.token, &json!({})).await,
        404,
        None,
    )
    .await;
    let delete = app
        .call(Method::DELETE, &org_a, Some(&app.requester_b.token), None)
        .await;
    assert_problem(delete, 404, None).await;
    // A mediator, for an organisation: 403.
    assert_problem(
        app.post(&org_a, &app.mediator.token, &json!({})).await,
        403,
        None,
    )
    .await;
    // No such profile, for staff: 404; a malformed id: 4xx naming it.
    assert_problem(
        app.post(
            "/api/v1/mediators/999999/feed",
            &app.admin.token,
            &json!({}),
        )
        .await,
        404,
        None,
    )
    .await;
    let malformed = app
        .post(
            "/api/v1/organisations/abc/feed",
            &app.admin.token,
            &json!({}),
        )
        .await;
    assert!(malformed.status().is_client_error());
    // Nothing was made by the refused calls.
    assert_eq!(feed_token::Entity::find().count(&app.db).await.unwrap(), 0);

    // Allowed: the owners and staff.
    rotate(&app, &mediator_path, &app.mediator.token).await;
    rotate(&app, &others_path, &app.coordinator.token).await;
    rotate(&app, &org_a, &app.requester_a.token).await;
    rotate(&app, &org_a, &app.admin.token).await;
    let live = feed_token::Entity::find()
        .filter(feed_token::Column::RevokedAt.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(live, 3, "one live URL per owner");
}

/// A cancelled occurrence leaves both feeds as a cancelled event (clients strike it out);
/// the other occurrences stay as they were.
async fn cancelled_occurrences_leave_the_feeds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = (Utc::now() + TimeDelta::days(10)).date_naive();
    let (status, created) = json_of(
        app.post(
            "/api/v1/requests",
            &app.requester_a.token,
            &json!({
                "site_id": app.site_a,
                "language": "zh",
                "modality": "in_person",
                "earliest_start": format!("{first}T10:00"),
                "duration_minutes": 90,
                "urgency": "routine",
                "rrule": "FREQ=WEEKLY;COUNT=3",
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let mut rows = Vec::new();
    for (i, start) in created["occurrences"]["first"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let start: DateTime<Utc> = start["utc"].as_str().unwrap().parse().unwrap();
        let (row, _) = ponte::assignment::NewAssignment {
            request_id: id,
            occurrence: i as i32 + 1,
            mediator_id: app.mediator_id,
            start,
            end: start + TimeDelta::minutes(90),
            state: ponte::assignment::State::Accepted,
            plan_id: None,
            expires_at: None,
            modality: None,
        }
        .row("ponte.test", Utc::now());
        rows.push(row.insert(&app.db).await.unwrap());
    }
    let mediator_url = rotate(
        &app,
        &format!("/api/v1/mediators/{}/feed", app.mediator_id),
        &app.mediator.token,
    )
    .await;
    let org_url = rotate(
        &app,
        &format!("/api/v1/organisations/{}/feed", app.org_a),
        &app.requester_a.token,
    )
    .await;
    for url in [&mediator_url, &org_url] {
        let events = parse(&fetch(&app, url, &[]).await.body);
        for row in &rows {
            assert_eq!(events[&row.uid].status, "CONFIRMED");
        }
    }

    let r = app
        .post(
            &format!("/api/v1/requests/{id}/occurrences/2/cancel"),
            &app.requester_a.token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for url in [&mediator_url, &org_url] {
        let events = parse(&fetch(&app, url, &[]).await.body);
        assert_eq!(events[&rows[0].uid].status, "CONFIRMED", "{url}");
        assert_eq!(events[&rows[1].uid].status, "CANCELLED", "{url}");
        assert_eq!(events[&rows[2].uid].status, "CONFIRMED", "{url}");
        // A new SEQUENCE, so that clients take the change.
        assert!(events[&rows[1].uid].sequence > rows[1].sequence);
    }
}

both!(
    the_tag_follows_every_change_a_feed_shows,
    mediator_feed_matches_the_database,
    organisation_feed_shows_its_requests_only,
    conditional_gets_follow_changes,
    rotation_and_revocation,
    only_owners_and_staff_make_feeds,
    cancelled_occurrences_leave_the_feeds,
);

/// The tag is derived from the data, not the bytes: so it must move with every change a
/// feed prints (an organisation's or site's name, the mediator's name, a cancellation, the
/// day), stay put otherwise, and the body served from memory must be the
/// one a fresh render gives.
async fn the_tag_follows_every_change_a_feed_shows(backend: Backend) {
    use ponte::auth::Caller;
    use ponte::entity::user;
    use ponte::feed::{calendar, tokens};
    use ponte::registry::input::Change;
    use ponte::registry::organisations::{self, OrganisationPatch};
    use ponte::registry::sites::{self, SitePatch};

    let app = TestApp::spawn(backend).await;
    let soon = app.clock_now().date_naive() + TimeDelta::days(2);
    let r = insert_request(
        &app,
        app.org_a,
        Some(app.site_a),
        "in_person",
        "zh",
        rome(soon, 9),
    )
    .await;
    insert_assignment(&app, &r, app.mediator_id, "published", 0).await;
    let mediator_url = rotate(
        &app,
        &format!("/api/v1/mediators/{}/feed", app.mediator_id),
        &app.coordinator.token,
    )
    .await;
    let org_url = rotate(
        &app,
        &format!("/api/v1/organisations/{}/feed", app.org_a),
        &app.coordinator.token,
    )
    .await;
    let coord_row = user::Entity::find_by_id(app.coordinator.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let coord = Caller::from_user(&coord_row).unwrap();

    // Fetches `url` revalidating `etag`: the new tag when it moved, checking that the body
    // is a fresh render's.
    let moved = |url: String, etag: String| {
        let app = &app;
        async move {
            let got = fetch(app, &url, &[("if-none-match", &etag)]).await;
            if got.status == 304 {
                return None;
            }
            assert_eq!(got.status, 200);
            let token = &url[url.find("/feeds/").unwrap() + 7..url.len() - 4];
            let live = tokens::resolve(&app.db, token).await.unwrap().unwrap();
            let fresh = calendar::load(&app.db, live, app.clock_now())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.body, fresh.body, "served bytes are a fresh render's");
            assert_eq!(header(&got, "etag"), fresh.etag);
            Some((header(&got, "etag").to_string(), got.body))
        }
    };
    let (mut m_tag, _) = moved(mediator_url.clone(), "\"none\"".into())
        .await
        .unwrap();
    let (mut o_tag, _) = moved(org_url.clone(), "\"none\"".into()).await.unwrap();

    // Another organisation's change moves neither feed.
    let other = OrganisationPatch {
        name: Change::Set("Istituto altrove".into()),
        ..Default::default()
    };
    organisations::update(&app.db, &coord, app.org_b, other)
        .await
        .unwrap();
    assert!(moved(mediator_url.clone(), m_tag.clone()).await.is_none());
    assert!(moved(org_url.clone(), o_tag.clone()).await.is_none());

    // The organisation renamed: the mediator's feed names it.
    let renamed = OrganisationPatch {
        name: Change::Set("IC Convenevole da Prato".into()),
        ..Default::default()
    };
    organisations::update(&app.db, &coord, app.org_a, renamed)
        .await
        .unwrap();
    let (tag, body) = moved(mediator_url.clone(), m_tag.clone())
        .await
        .expect("renamed");
    assert!(body.contains("IC Convenevole da Prato"), "{body}");
    m_tag = tag;
    let (tag, _) = moved(org_url.clone(), o_tag.clone())
        .await
        .expect("its own name");
    o_tag = tag;

    // The site moved: both feeds show the new address.
    let site = SitePatch {
        address: Change::Set("Via Carlo Marx 2, Prato".into()),
        ..Default::default()
    };
    sites::update(&app.db, &coord, app.site_a, site)
        .await
        .unwrap();
    for (url, tag) in [(&mediator_url, &mut m_tag), (&org_url, &mut o_tag)] {
        let (new, body) = moved(url.clone(), tag.clone()).await.expect("new address");
        assert!(body.contains("Via Carlo Marx 2"), "{body}");
        *tag = new;
    }

    // The mediator renamed: the organisation's feed says who comes.
    let patch = json!({ "name": "Li Wei Chen" });
    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/mediators/{}", app.mediator_id),
            Some(&app.coordinator.token),
            Some(&patch),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let (new, body) = moved(org_url.clone(), o_tag.clone())
        .await
        .expect("new name");
    assert!(body.contains("Li Wei Chen"), "{body}");
    o_tag = new;

    // The request called off: CANCELLED in both.
    let off = app
        .post(
            &format!("/api/v1/requests/{}/cancel", r.id),
            &app.requester_a.token,
            &json!({ "reason": "sciopero" }),
        )
        .await;
    assert!(off.status().is_success(), "{}", off.text().await.unwrap());
    for (url, tag) in [(&mediator_url, &mut m_tag), (&org_url, &mut o_tag)] {
        let (new, body) = moved(url.clone(), tag.clone()).await.expect("called off");
        assert!(body.contains("STATUS:CANCELLED"), "{body}");
        *tag = new;
    }

    // Nothing changed: the next day's window is another feed, even with the same events.
    assert!(moved(mediator_url.clone(), m_tag.clone()).await.is_none());
    app.clock.advance(TimeDelta::days(1));
    assert!(moved(mediator_url.clone(), m_tag.clone()).await.is_some());
}
