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
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, Func, FunctionCall, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use super::tokens::{LiveToken, Owner};
use super::{render, Calendar, Event, EventStatus};
use crate::assignment::State;
use crate::domain::language::{names, parse_tag};
use crate::domain::local_time::DEFAULT_ZONE;
use crate::domain::request::Modality;
use crate::entity::{assignment, mediator, occurrence_cancellation, organisation, request, site};

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
    /// Strong: the digest of the feed's [`Stamp`], which the bytes are a function of.
    pub etag: String,
    /// The latest change of anything the feed shows (or the token's creation).
    pub last_modified: DateTime<Utc>,
    pub events: usize,
}

/// A feed's validators, read without rendering it: what a revalidation (304) costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub etag: String,
    pub last_modified: DateTime<Utc>,
}

/// What the bytes also depend on besides the rows: the program that renders them. A release
/// that changes the output changes every tag.
const RENDERER: &str = concat!(env!("CARGO_PKG_VERSION"), "/feed-1");

/// The window a feed shows on `now`: whole UTC days, so that the same rows give the same
/// bytes all day and the day is part of the stamp.
pub fn window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |m| m.and_utc());
    (midnight - PAST, midnight + TimeDelta::days(1) + AHEAD)
}

/// A feed's stamp with the owner it was read for: all `render` needs besides the rows.
pub struct Stamped {
    pub stamp: Stamp,
    owner: OwnerRow,
}

/// The owner as the feed shows it: `None` when gone or, for a mediator, inactive.
struct OwnerRow {
    viewer: Viewer,
    name: String,
    locale: String,
    updated_at: Option<DateTime<Utc>>,
}

async fn owner_row<C: ConnectionTrait>(db: &C, owner: Owner) -> Result<Option<OwnerRow>, DbErr> {
    Ok(match owner {
        Owner::Mediator(id) => mediator::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|m| m.active)
            .map(|m| OwnerRow {
                viewer: Viewer::Mediator,
                name: m.name,
                locale: m.locale,
                updated_at: Some(m.updated_at),
            }),
        Owner::Organisation(id) => organisation::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|o| OwnerRow {
                viewer: Viewer::Organisation,
                name: o.name,
                locale: o.locale,
                updated_at: Some(o.updated_at),
            }),
    })
}

/// The assignments a feed shows, as a condition on `assignments` joined to `requests`: the
/// one selection that both the stamp and the render use.
fn shown_rows(owner: Owner, from: DateTime<Utc>, to: DateTime<Utc>) -> Condition {
    let shown: Vec<&str> = SHOWN.iter().map(|s| s.as_str()).collect();
    let a = |c: assignment::Column| Expr::col((assignment::Entity, c));
    // Both queries join the assignment's request, so an organisation's rows are those of
    // its requests, read through the join.
    let of_owner = match owner {
        Owner::Mediator(id) => a(assignment::Column::MediatorId).eq(id),
        Owner::Organisation(id) => {
            Expr::col((request::Entity, request::Column::OrganisationId)).eq(id)
        }
    };
    Condition::all()
        .add(a(assignment::Column::State).is_in(shown))
        .add(a(assignment::Column::Start).gte(from))
        .add(a(assignment::Column::Start).lt(to))
        .add(of_owner)
}

/// `MAX(table.column)`.
fn latest<E: EntityTrait, C: ColumnTrait>(table: E, column: C) -> FunctionCall {
    Func::max(Expr::col((table, column)))
}

/// The feed's stamp as of `now`, in two indexed reads: the owner, and one aggregate over
/// the rows shown (their number and the latest change of each kind of row a feed prints:
/// assignments, requests, sites, and the organisations or the mediators it names). Every change that alters a feed
/// moves one of those `updated_at`, or the number of rows, or the day; `None` as `load`.
pub async fn stamp<C: ConnectionTrait>(
    db: &C,
    token: &LiveToken,
    now: DateTime<Utc>,
) -> Result<Option<Stamped>, DbErr> {
    let Some(owner) = owner_row(db, token.owner).await? else {
        return Ok(None);
    };
    let (from, to) = window(now);
    let mut query = Query::select();
    query
        .expr(Func::count(Expr::col((
            assignment::Entity,
            assignment::Column::Id,
        ))))
        .expr(latest(assignment::Entity, assignment::Column::UpdatedAt))
        .expr(latest(request::Entity, request::Column::UpdatedAt))
        .expr(latest(site::Entity, site::Column::UpdatedAt))
        .from(assignment::Entity)
        .inner_join(
            request::Entity,
            Expr::col((request::Entity, request::Column::Id))
                .equals((assignment::Entity, assignment::Column::RequestId)),
        )
        .left_join(
            site::Entity,
            Expr::col((site::Entity, site::Column::Id))
                .equals((request::Entity, request::Column::SiteId)),
        );
    // The owner's own row was read above and its change is in the stamp; the other kind of
    // owner a feed names (a mediator's feed names organisations, an organisation's feed
    // mediators) is joined here. Joining the owner's table again only cost time.
    match token.owner {
        Owner::Mediator(_) => query
            .expr(latest(
                organisation::Entity,
                organisation::Column::UpdatedAt,
            ))
            .inner_join(
                organisation::Entity,
                Expr::col((organisation::Entity, organisation::Column::Id))
                    .equals((request::Entity, request::Column::OrganisationId)),
            ),
        Owner::Organisation(_) => query
            .expr(latest(mediator::Entity, mediator::Column::UpdatedAt))
            .inner_join(
                mediator::Entity,
                Expr::col((mediator::Entity, mediator::Column::Id))
                    .equals((assignment::Entity, assignment::Column::MediatorId)),
            ),
    };
    query.cond_where(shown_rows(token.owner, from, to));
    let row = db.query_one(&query).await?;
    let (rows, changes) = match &row {
        Some(row) => {
            let rows: i64 = row.try_get_by_index(0)?;
            let mut changes = Vec::with_capacity(4);
            for k in 1..=4 {
                changes.push(row.try_get_by_index::<Option<DateTime<Utc>>>(k)?);
            }
            (rows, changes)
        }
        None => (0, Vec::new()),
    };
    let last_modified = changes
        .iter()
        .flatten()
        .chain(owner.updated_at.iter())
        .copied()
        .fold(token.created_at, Ord::max);
    let described = format!(
        "{RENDERER}|{}|{}|{}|{:?}|{rows}|{changes:?}|{}|{}",
        token.id,
        from.date_naive(),
        owner.name,
        owner.updated_at,
        owner.locale,
        token.created_at,
    );
    Ok(Some(Stamped {
        stamp: Stamp {
            etag: format!("\"{}\"", crate::auth::digest(&described)),
            last_modified,
        },
        owner,
    }))
}

/// The feed of a live token as of `now`; `None` when its owner is gone or, for a mediator,
/// no longer active (a departed mediator's calendar stops with their profile).
pub async fn load<C: ConnectionTrait>(
    db: &C,
    token: LiveToken,
    now: DateTime<Utc>,
) -> Result<Option<Feed>, DbErr> {
    // The stamp first: rows that change while the feed is read make a body newer than its
    // tag, which the next poll fetches again, never a tag newer than its body.
    let Some(stamped) = stamp(db, &token, now).await? else {
        return Ok(None);
    };
    render_stamped(db, token, stamped, now).await.map(Some)
}

/// The feed whose stamp was just read (a revalidation that did not match).
pub async fn render_stamped<C: ConnectionTrait>(
    db: &C,
    token: LiveToken,
    stamped: Stamped,
    now: DateTime<Utc>,
) -> Result<Feed, DbErr> {
    let Stamped {
        stamp,
        owner:
            OwnerRow {
                viewer,
                name,
                locale,
                ..
            },
    } = stamped;
    let (from, to) = window(now);
    let rows = shown(db, token.owner, from, to).await?;
    let mut words = Words::for_locale(&locale);

    let organisations: HashMap<i64, organisation::Model> = by_ids(
        db,
        rows.iter().map(|r| r.organisation_id),
        |ids| organisation::Entity::find().filter(organisation::Column::Id.is_in(ids)),
        |o| o.id,
    )
    .await?;
    let sites: HashMap<i64, site::Model> = by_ids(
        db,
        rows.iter().filter_map(|r| r.site_id),
        |ids| site::Entity::find().filter(site::Column::Id.is_in(ids)),
        |s| s.id,
    )
    .await?;
    // Only names: the organisation's feed shows who comes, nothing else of their profile.
    let mediator_names: HashMap<i64, String> = match viewer {
        Viewer::Mediator => HashMap::new(),
        Viewer::Organisation => {
            let ids: BTreeSet<i64> = rows.iter().map(|r| r.mediator_id).collect();
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
    // Each organisation's zone parsed once, not once per event.
    let zones: HashMap<i64, Tz> = organisations
        .values()
        .map(|o| (o.id, o.timezone.parse().unwrap_or(DEFAULT_ZONE)))
        .collect();

    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let o = organisations.get(&row.organisation_id);
        let site = row.site_id.and_then(|id| sites.get(&id));
        let who = match viewer {
            Viewer::Mediator => o.map_or("", |o| o.name.as_str()),
            Viewer::Organisation => mediator_names
                .get(&row.mediator_id)
                .map_or("", String::as_str),
        };
        let zone = zones
            .get(&row.organisation_id)
            .copied()
            .unwrap_or(DEFAULT_ZONE);
        events.push(event(row, zone, site, who, &mut words));
    }
    let calendar = Calendar {
        name: format!("Ponte – {name}"),
        method: None,
        events,
    };
    // Feeds have no method, so `render` takes DTSTAMP from the events: `now` is unused and
    // the same rows always give the same bytes, which is what lets the stamp stand for them.
    let body = render(&calendar, now);
    Ok(Feed {
        etag: stamp.etag,
        body,
        last_modified: stamp.last_modified,
        events: calendar.events.len(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Mediator,
    Organisation,
}

/// One assignment a feed shows, with what it prints of its request: the columns read, and
/// only those (a request's lists, notes and case reference stay in the database).
#[derive(Debug, FromQueryResult)]
struct Shown {
    uid: String,
    sequence: i32,
    state: State,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    mediator_id: i64,
    updated_at: DateTime<Utc>,
    request_id: i64,
    organisation_id: i64,
    site_id: Option<i64>,
    language: String,
    modality: Modality,
    /// The assignment's own: served in one of the request's fallback modalities.
    served: Option<Modality>,
    request_updated_at: DateTime<Utc>,
    /// The occurrence was called off (a row in `occurrence_cancellations`).
    called_off: Option<i64>,
}

/// The rows a feed shows, in one query: assignments, their requests, and whether their
/// occurrence was called off (one row at most: that table is unique by occurrence).
async fn shown<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Shown>, DbErr> {
    let a = |c: assignment::Column| Expr::col((assignment::Entity, c));
    let r = |c: request::Column| Expr::col((request::Entity, c));
    let cancellation =
        |c: occurrence_cancellation::Column| Expr::col((occurrence_cancellation::Entity, c));
    let query = Query::select()
        .expr(a(assignment::Column::Uid))
        .expr(a(assignment::Column::Sequence))
        .expr(a(assignment::Column::State))
        .expr(a(assignment::Column::Start))
        .expr(a(assignment::Column::End))
        .expr(a(assignment::Column::MediatorId))
        .expr(a(assignment::Column::UpdatedAt))
        .expr(a(assignment::Column::RequestId))
        .expr(r(request::Column::OrganisationId))
        .expr(r(request::Column::SiteId))
        .expr(r(request::Column::Language))
        .expr(r(request::Column::Modality))
        .expr_as(a(assignment::Column::Modality), Alias::new("served"))
        .expr_as(
            r(request::Column::UpdatedAt),
            Alias::new("request_updated_at"),
        )
        .expr_as(
            cancellation(occurrence_cancellation::Column::Id),
            Alias::new("called_off"),
        )
        .from(assignment::Entity)
        .inner_join(
            request::Entity,
            r(request::Column::Id).equals((assignment::Entity, assignment::Column::RequestId)),
        )
        .left_join(
            occurrence_cancellation::Entity,
            Condition::all()
                .add(
                    cancellation(occurrence_cancellation::Column::RequestId)
                        .equals((assignment::Entity, assignment::Column::RequestId)),
                )
                .add(
                    cancellation(occurrence_cancellation::Column::Occurrence)
                        .equals((assignment::Entity, assignment::Column::Occurrence)),
                ),
        )
        .cond_where(shown_rows(owner, from, to))
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| Shown::from_query_result(row, ""))
        .collect()
}

fn event(row: &Shown, zone: Tz, site: Option<&site::Model>, who: &str, words: &mut Words) -> Event {
    // An occurrence its requester called off is CANCELLED whatever its assignment's state.
    let status = if row.called_off.is_some() {
        EventStatus::Cancelled
    } else {
        status_of(row.state)
    };
    let served = crate::domain::request::served(row.modality, row.served);
    let in_person = served == Modality::InPerson;
    let location = match served {
        Modality::InPerson => site.map(|s| s.address.clone()),
        Modality::Phone => Some(words.phone_place.to_string()),
        Modality::Video => Some(words.video_place.to_string()),
    };
    let modality = words.modality(served);
    let mut summary = String::with_capacity(64);
    for part in [words.language(&row.language), who, modality] {
        if part.is_empty() {
            continue;
        }
        if !summary.is_empty() {
            summary.push_str(" · ");
        }
        summary.push_str(part);
    }
    let mut description = format!(
        "{} {}\n{}: {}",
        words.request,
        row.request_id,
        words.state,
        words.state_name(status)
    );
    if let (true, Some(site)) = (in_person, site) {
        description.push('\n');
        description.push_str(words.site);
        description.push_str(": ");
        description.push_str(&site.name);
    }
    Event {
        uid: row.uid.clone(),
        sequence: u32::try_from(row.sequence).unwrap_or(0),
        status,
        start: row.start,
        end: row.end,
        zone,
        summary,
        location,
        description: Some(description),
        geo: site.filter(|_| in_person).map(|s| (s.lat, s.lon)),
        last_modified: Ord::max(row.updated_at, row.request_updated_at),
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
    /// Language names by tag, looked up once per tag rather than once per event.
    languages: HashMap<String, String>,
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
                languages: HashMap::new(),
                request: "Request no.",
                state: "Status",
                site: "Site",
                phone_place: "Phone",
                video_place: "Video",
            }
        } else {
            Words {
                english: false,
                languages: HashMap::new(),
                request: "Richiesta n.",
                state: "Stato",
                site: "Sede",
                phone_place: "Telefono",
                video_place: "Video",
            }
        }
    }

    fn language(&mut self, tag: &str) -> &str {
        if !self.languages.contains_key(tag) {
            let name = match parse_tag(tag).ok().as_ref().and_then(names) {
                Some(n) if self.english => n.english.to_string(),
                Some(n) => n.italian.to_string(),
                None => tag.to_string(),
            };
            self.languages.insert(tag.to_string(), name);
        }
        &self.languages[tag]
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

/// An assignment's STATUS, the same in the feeds and in the invitations mailed: confirmed
/// once accepted, tentative while it waits for its mediator's answer.
pub fn status_of(state: State) -> EventStatus {
    match state {
        State::Accepted => EventStatus::Confirmed,
        State::Published | State::Offered => EventStatus::Tentative,
        _ => EventStatus::Cancelled,
    }
}
