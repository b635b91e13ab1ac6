//! A feed's calendar from the database: the owner's assignments from 30 days back to a year
//! ahead, as events, rendered with their validators (ETag, Last-Modified).
//!
//! What a feed says, and why:
//! - published assignments are TENTATIVE (the mediator has not answered yet), accepted ones
//!   CONFIRMED; cancelled and declined ones stay in the window as CANCELLED, so that clients
//!   which keep events that vanish from a feed still strike them out;
//! - an occurrence its requester called off is CANCELLED whatever its assignment's state,
//!   so that no race with a publication can show it as taking place;
//! - times are in the organisation's zone (`DTSTART;TZID=…` with its VTIMEZONE), because
//!   that is where the meeting happens;
//! - no personal data of the families, in either feed: no notes, no case reference. A feed
//!   URL is a bearer secret that ends up stored by third parties (Google, iCloud, shared
//!   office calendars) and in their logs, beyond Ponte's reach and revocation, so even the
//!   organisation's own feed carries only the request's number, by which its staff find the
//!   case in Ponte behind their login.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::tokens::{LiveToken, Owner};
use super::{etag, render, Calendar, Event, EventStatus};
use crate::assignment::State;
use crate::domain::language::{names, parse_tag};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::domain::request::Modality;
use crate::entity::{assignment, mediator, organisation, request, site};

/// How far back a feed reaches: last month's meetings stay visible for reference.
pub const PAST: TimeDelta = TimeDelta::days(30);
/// How far ahead: a school year and then some.
pub const AHEAD: TimeDelta = TimeDelta::days(365);

/// The states a feed shows.
const SHOWN: [State; 4] = [
    State::Published,
    State::Accepted,
    State::Cancelled,
    State::Declined,
];

/// Rows are fetched by id lists this long, well within both backends' parameter limits.
const CHUNK: usize = 500;

/// A rendered feed and its validators.
#[derive(Debug, Clone)]
pub struct Feed {
    pub body: String,
    /// Strong: the SHA-256 of the body.
    pub etag: String,
    /// The latest change of any event shown (or the token's creation, for an empty feed).
    pub last_modified: DateTime<Utc>,
    pub events: usize,
}

/// The feed of a live token as of `now`; `None` when its owner is gone or, for a mediator,
/// no longer active (a departed mediator's calendar stops with their profile).
pub async fn load<C: ConnectionTrait>(
    db: &C,
    token: LiveToken,
    now: DateTime<Utc>,
) -> Result<Option<Feed>, DbErr> {
    let (from, to) = (now - PAST, now + AHEAD);
    let shown: Vec<&str> = SHOWN.iter().map(|s| s.as_str()).collect();
    let mut query = assignment::Entity::find()
        .filter(assignment::Column::State.is_in(shown))
        .filter(assignment::Column::Start.gte(from))
        .filter(assignment::Column::Start.lt(to));
    let (viewer, name, locale) = match token.owner {
        Owner::Mediator(id) => {
            let Some(m) = mediator::Entity::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            if !m.active {
                return Ok(None);
            }
            query = query.filter(assignment::Column::MediatorId.eq(id));
            (Viewer::Mediator, m.name, m.locale)
        }
        Owner::Organisation(id) => {
            let Some(o) = organisation::Entity::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            let own_requests = Query::select()
                .column(request::Column::Id)
                .from(request::Entity)
                .and_where(request::Column::OrganisationId.eq(id))
                .to_owned();
            query = query.filter(assignment::Column::RequestId.in_subquery(own_requests));
            (Viewer::Organisation, o.name, o.locale)
        }
    };
    let assignments = query.all(db).await?;
    let words = Words::for_locale(&locale);

    let requests: HashMap<i64, request::Model> = by_ids(
        db,
        assignments.iter().map(|a| a.request_id),
        |ids| request::Entity::find().filter(request::Column::Id.is_in(ids)),
        |r| r.id,
    )
    .await?;
    let called_off = crate::request::occurrence::cancelled(db, requests.keys().copied()).await?;
    let organisations: HashMap<i64, organisation::Model> = by_ids(
        db,
        requests.values().map(|r| r.organisation_id),
        |ids| organisation::Entity::find().filter(organisation::Column::Id.is_in(ids)),
        |o| o.id,
    )
    .await?;
    let sites: HashMap<i64, site::Model> = by_ids(
        db,
        requests.values().filter_map(|r| r.site_id),
        |ids| site::Entity::find().filter(site::Column::Id.is_in(ids)),
        |s| s.id,
    )
    .await?;
    // Only names: the organisation's feed shows who comes, nothing else of their profile.
    let mediator_names: HashMap<i64, String> = match viewer {
        Viewer::Mediator => HashMap::new(),
        Viewer::Organisation => {
            let ids: BTreeSet<i64> = assignments.iter().map(|a| a.mediator_id).collect();
            let mut names = HashMap::new();
            for chunk in ids.into_iter().collect::<Vec<_>>().chunks(CHUNK) {
                let rows: Vec<(i64, String)> = mediator::Entity::find()
                    .select_only()
                    .column(mediator::Column::Id)
                    .column(mediator::Column::Name)
                    .filter(mediator::Column::Id.is_in(chunk.to_vec()))
                    .into_tuple()
                    .all(db)
                    .await?;
                names.extend(rows);
            }
            names
        }
    };

    let mut last_modified = token.created_at;
    let mut events = Vec::with_capacity(assignments.len());
    for a in &assignments {
        let Some(r) = requests.get(&a.request_id) else {
            continue;
        };
        let o = organisations.get(&r.organisation_id);
        let site = r.site_id.and_then(|id| sites.get(&id));
        let changed = a.updated_at.max(r.updated_at);
        last_modified = last_modified.max(changed);
        let who = match viewer {
            Viewer::Mediator => o.map_or("", |o| o.name.as_str()),
            Viewer::Organisation => mediator_names
                .get(&a.mediator_id)
                .map_or("", String::as_str),
        };
        let shown;
        let a = if called_off
            .get(&a.request_id)
            .is_some_and(|ks| ks.contains(&a.occurrence))
        {
            shown = assignment::Model {
                state: State::Cancelled,
                ..a.clone()
            };
            &shown
        } else {
            a
        };
        events.push(event(a, r, o, site, who, &words, changed));
    }
    let calendar = Calendar {
        name: format!("Ponte – {name}"),
        method: None,
        events,
    };
    // Feeds have no method, so `render` takes DTSTAMP from the events: `now` is unused and
    // the same rows always give the same bytes, hence the same ETag.
    let body = render(&calendar, now);
    Ok(Some(Feed {
        etag: etag(&body),
        body,
        last_modified,
        events: calendar.events.len(),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Mediator,
    Organisation,
}

fn event(
    a: &assignment::Model,
    r: &request::Model,
    o: Option<&organisation::Model>,
    site: Option<&site::Model>,
    who: &str,
    words: &Words,
    changed: DateTime<Utc>,
) -> Event {
    let zone: Tz = o
        .and_then(|o| o.timezone.parse().ok())
        .unwrap_or(DEFAULT_ZONE);
    let status = match a.state {
        State::Accepted => EventStatus::Confirmed,
        State::Published => EventStatus::Tentative,
        _ => EventStatus::Cancelled,
    };
    let in_person = r.modality == Modality::InPerson;
    let location = match r.modality {
        Modality::InPerson => site.map(|s| s.address.clone()),
        Modality::Phone => Some(words.phone_place.to_string()),
        Modality::Video => Some(words.video_place.to_string()),
    };
    let summary = [
        words.language(&r.language),
        who.to_string(),
        words.modality(r.modality).to_string(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let mut description = vec![format!("{} {}", words.request, r.id)];
    description.push(format!("{}: {}", words.state, words.state_name(status)));
    if let (true, Some(site)) = (in_person, site) {
        description.push(format!("{}: {}", words.site, site.name));
    }
    Event {
        uid: a.uid.clone(),
        sequence: u32::try_from(a.sequence).unwrap_or(0),
        status,
        start: a.start,
        end: a.end,
        zone,
        summary,
        location,
        description: Some(description.join("\n")),
        geo: site.filter(|_| in_person).map(|s| (s.lat, s.lon)),
        last_modified: changed,
        organizer: None,
        attendees: Vec::new(),
    }
}

/// Rows of `ids` (deduplicated, in chunks) by their id.
async fn by_ids<C, E, Q, F>(
    db: &C,
    ids: impl Iterator<Item = i64>,
    query: Q,
    key: F,
) -> Result<HashMap<i64, E::Model>, DbErr>
where
    C: ConnectionTrait,
    E: EntityTrait,
    Q: Fn(Vec<i64>) -> sea_orm::Select<E>,
    F: Fn(&E::Model) -> i64,
{
    let ids: Vec<i64> = ids.collect::<BTreeSet<_>>().into_iter().collect();
    let mut rows = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        for row in query(chunk.to_vec()).all(db).await? {
            rows.insert(key(&row), row);
        }
    }
    Ok(rows)
}

/// The feed's words in the owner's language (Italian unless English).
struct Words {
    english: bool,
    request: &'static str,
    state: &'static str,
    site: &'static str,
    phone_place: &'static str,
    video_place: &'static str,
}

impl Words {
    fn for_locale(locale: &str) -> Words {
        if locale.starts_with("en") {
            Words {
                english: true,
                request: "Request no.",
                state: "Status",
                site: "Site",
                phone_place: "Phone",
                video_place: "Video",
            }
        } else {
            Words {
                english: false,
                request: "Richiesta n.",
                state: "Stato",
                site: "Sede",
                phone_place: "Telefono",
                video_place: "Video",
            }
        }
    }

    fn language(&self, tag: &str) -> String {
        match parse_tag(tag).ok().as_ref().and_then(names) {
            Some(n) if self.english => n.english.to_string(),
            Some(n) => n.italian.to_string(),
            None => tag.to_string(),
        }
    }

    fn modality(&self, modality: Modality) -> &'static str {
        match (modality, self.english) {
            (Modality::InPerson, false) => "in presenza",
            (Modality::InPerson, true) => "in person",
            (Modality::Phone, false) => "al telefono",
            (Modality::Phone, true) => "by phone",
            (Modality::Video, false) => "in video",
            (Modality::Video, true) => "by video",
        }
    }

    fn state_name(&self, status: EventStatus) -> &'static str {
        match (status, self.english) {
            (EventStatus::Confirmed, false) => "confermato",
            (EventStatus::Confirmed, true) => "confirmed",
            (EventStatus::Tentative, false) => "da confermare",
            (EventStatus::Tentative, true) => "awaiting confirmation",
            (EventStatus::Cancelled, false) => "annullato",
            (EventStatus::Cancelled, true) => "cancelled",
        }
    }
}
