//! Email notices. Every notice is written to the outbox (table `notices`) in the same
//! transaction as the change that causes it; a worker sends the outbox over SMTP.
//!
//! Callers say what happened (`for_assignment(txn, links, Event::Published, id, token)`);
//! this module decides who is told, in which language, with which text and ICS. The row
//! holds the complete message, rendered at enqueue time, so that sending needs no other table
//! and a message never changes between retries.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use tokio::sync::Notify;

use crate::entity::{assignment, mediator, notice, organisation, request, site, user};

pub mod compose;
pub mod mail;
pub mod outbox;
pub mod worker;

use compose::{Audience, Context};

/// Wakes this process's outbox worker when notices are queued. The caller's transaction may
/// not have committed yet when the worker wakes; the worker looks again shortly after.
pub(crate) static QUEUED: Notify = Notify::const_new();

/// What happened to an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Published to its mediator (a plan's publication or an urgent dispatch).
    Published,
    /// Moved to another time (same mediator).
    Changed,
    /// Cancelled (request cancelled, or moved to another mediator).
    Cancelled,
    /// The mediator declined it.
    Declined,
    /// Offered to one of several candidates (emergencies).
    Offer,
    /// Another candidate accepted the offer first, or a plan filled the occurrence.
    OfferTaken,
    /// Not answered in time: the next candidates are asked.
    Lapsed,
    /// Its mediator entered an absence over it: another is sought.
    Released,
    /// The day after: how did it go? (its closeout is awaited).
    CloseoutReminder,
    /// The day before.
    Reminder,
}

/// Where a meeting is, for the details of a notice: the site and its address in person
/// (the address alone when it already begins with the site's name), nothing by phone or
/// video.
fn place(modality: crate::domain::request::Modality, s: Option<&site::Model>) -> String {
    match (modality, s) {
        (crate::domain::request::Modality::InPerson, Some(s)) => {
            let (name, address) = (s.name.trim(), s.address.trim());
            if address.is_empty() {
                name.to_string()
            } else if name.is_empty() || address.starts_with(name) {
                address.to_string()
            } else {
                format!("{name}, {address}")
            }
        }
        _ => String::new(),
    }
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Published => "published",
            Event::Changed => "changed",
            Event::Cancelled => "cancelled",
            Event::Declined => "declined",
            Event::Offer => "offer",
            Event::OfferTaken => "offer_taken",
            Event::Lapsed => "lapsed",
            Event::Released => "released",
            Event::CloseoutReminder => "closeout_reminder",
            Event::Reminder => "reminder",
        }
    }
}

/// A text in both languages notices are written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    pub it: String,
    pub en: String,
}

impl Localized {
    /// A text that has no translation (a snapshot's message): the same in both.
    pub fn same(text: &str) -> Localized {
        Localized {
            it: text.to_string(),
            en: text.to_string(),
        }
    }

    /// A stored text: one string (words with no translation, such as a snapshot's) or
    /// `{"it": …, "en": …}`.
    pub fn from_json(v: &serde_json::Value) -> Option<Localized> {
        match v {
            serde_json::Value::String(s) => Some(Localized::same(s)),
            serde_json::Value::Object(_) => Some(Localized {
                it: v["it"].as_str()?.to_string(),
                en: v["en"].as_str()?.to_string(),
            }),
            _ => None,
        }
    }

    /// The text in `lang` (`it` or `en`).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.it
        }
    }
}

/// Where links in emails point.
#[derive(Debug, Clone)]
pub struct Links {
    /// `https://ponte.example.org`, without a trailing slash.
    pub base_url: String,
}

impl Links {
    /// The host part, for Message-IDs and UIDs.
    pub fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, r)| r);
        rest.split(['/', ':']).next().unwrap_or("ponte.local")
    }
}

/// Queues the notices of `event` on assignment `assignment_id`. `response_token` is the
/// clear secret of the accept/decline links, when the event asks the mediator to answer.
pub async fn for_assignment<C: ConnectionTrait>(
    db: &C,
    links: &Links,
    event: Event,
    assignment_id: i64,
    response_token: Option<&str>,
) -> Result<(), DbErr> {
    queue_for_assignment(db, links, event, assignment_id, response_token, None)
        .await
        .map(|_| ())
}

/// As [`for_assignment`]; with `dedupe`, each row's `dedupe_key` is `dedupe` (the mediator's)
/// or `dedupe:organisation`, and a notice already queued under that key is not queued again
/// (by any process: the key is unique). Returns how many rows were written.
pub(crate) async fn queue_for_assignment<C: ConnectionTrait>(
    db: &C,
    links: &Links,
    event: Event,
    assignment_id: i64,
    response_token: Option<&str>,
    dedupe: Option<&str>,
) -> Result<u64, DbErr> {
    let Some(a) = assignment::Entity::find_by_id(assignment_id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let m = mediator::Entity::find_by_id(a.mediator_id).one(db).await?;
    let Some(r) = request::Entity::find_by_id(a.request_id).one(db).await? else {
        return Ok(0);
    };
    let o = organisation::Entity::find_by_id(r.organisation_id)
        .one(db)
        .await?;
    let s = match r.site_id {
        Some(id) => site::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let zone = o
        .as_ref()
        .and_then(|o| o.timezone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(crate::domain::local_time::DEFAULT_ZONE);
    let now = Utc::now();
    let method = event.ics_method();
    let mut written = 0;

    let mut recipients: Vec<(Audience, String, String, String)> = Vec::new();
    if let Some(m) = &m {
        if let Some(email) = m.email.clone().filter(|e| !e.trim().is_empty()) {
            let locale = account_locale(db, m).await?;
            recipients.push((Audience::Mediator, email, m.name.clone(), locale));
        }
    }
    // Offers concern the candidates only; the organisation hears when one accepts. An
    // emergency is offered (its lapse concerns the candidates), anything else published to
    // one mediator, whose lapse the organisation, told of the mediator, must hear of.
    let offer_only = match event {
        Event::Offer | Event::OfferTaken => true,
        Event::Lapsed => r.urgency == crate::domain::request::Urgency::Emergency,
        _ => false,
    };
    if !offer_only {
        if let Some(o) = &o {
            if let Some(email) = o.contact_email.clone().filter(|e| !e.trim().is_empty()) {
                recipients.push((
                    Audience::Organisation,
                    email,
                    o.name.clone(),
                    o.locale.clone(),
                ));
            }
        }
    }
    let served = crate::domain::request::served(r.modality, a.modality);
    for (audience, email, name, locale) in recipients {
        let lang = compose::language(&locale);
        let token = response_token.filter(|_| audience == Audience::Mediator);
        let context = Context {
            lang: lang.into(),
            audience: Some(audience),
            recipient: name.clone(),
            mediator: m.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
            organisation: o.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            site: s.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
            address: s.as_ref().map(|s| s.address.clone()).unwrap_or_default(),
            place: place(served, s.as_ref()),
            language: compose::language_name(lang, &r.language),
            modality: compose::modality(lang, served),
            when: compose::when(lang, zone, a.start, a.end),
            day: compose::day(lang, zone, a.start, now),
            zone: zone.name().to_string(),
            case_reference: r
                .case_reference
                .clone()
                .filter(|_| audience == Audience::Organisation),
            accept_url: token.map(|t| format!("{}/respond/{t}?action=accept", links.base_url)),
            decline_url: token.map(|t| format!("{}/respond/{t}?action=decline", links.base_url)),
            page_url: match audience {
                Audience::Mediator => format!("{}/today", links.base_url),
                _ => format!("{}/requests/{}", links.base_url, r.id),
            },
            request_id: r.id,
            occurrence: a.occurrence,
            ..Context::default()
        };
        let composed =
            compose::compose(event.as_str(), &context).map_err(|e| DbErr::Custom(e.to_string()))?;
        let ics = ics_for(
            links,
            &a,
            &r,
            o.as_ref(),
            s.as_ref(),
            &email,
            zone,
            method,
            lang,
            now,
        );
        let dedupe_key = dedupe.map(|key| match audience {
            Audience::Mediator => key.to_string(),
            _ => format!("{key}:organisation"),
        });
        written += insert(
            db,
            links,
            Row {
                kind: event.as_str(),
                email,
                name: Some(name),
                locale: lang,
                composed,
                ics: Some((ics, method)),
                assignment_id: Some(a.id),
                request_id: Some(a.request_id),
                dedupe_key,
                now,
            },
        )
        .await?;
    }
    Ok(written)
}

/// The language a mediator reads: their account's, which they choose on their pages, else
/// the profile's (a mediator without an account yet).
async fn account_locale<C: ConnectionTrait>(db: &C, m: &mediator::Model) -> Result<String, DbErr> {
    let account = user::Entity::find()
        .filter(user::Column::MediatorId.eq(m.id))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    Ok(account.map_or_else(|| m.locale.clone(), |u| u.locale))
}

/// The iTIP attachment: the assignment's stable UID and current SEQUENCE, so calendar
/// clients update or remove the event they already hold. No family data in it.
#[allow(clippy::too_many_arguments)]
fn ics_for(
    links: &Links,
    a: &assignment::Model,
    r: &request::Model,
    o: Option<&organisation::Model>,
    s: Option<&site::Model>,
    attendee: &str,
    zone: chrono_tz::Tz,
    method: crate::feed::Method,
    lang: &str,
    now: DateTime<Utc>,
) -> String {
    let organisation = o.map(|o| o.name.as_str()).unwrap_or("Ponte");
    let summary = format!(
        "{}: {}, {} ({})",
        if lang == "it" {
            "Mediazione"
        } else {
            "Mediation"
        },
        compose::language_name(lang, &r.language),
        organisation,
        compose::modality(lang, crate::domain::request::served(r.modality, a.modality))
    );
    let event = crate::feed::Event {
        uid: a.uid.clone(),
        sequence: u32::try_from(a.sequence).unwrap_or(0),
        // As the feed says for the same UID and SEQUENCE.
        status: match method {
            crate::feed::Method::Request => crate::feed::calendar::status_of(a.state),
            crate::feed::Method::Cancel => crate::feed::EventStatus::Cancelled,
        },
        start: a.start,
        end: a.end,
        zone,
        summary,
        location: s.map(|s| format!("{}, {}", s.name, s.address)),
        description: None,
        geo: s.map(|s| (s.lat, s.lon)),
        last_modified: a.updated_at,
        organizer: Some(format!("mailto:ponte@{}", links.host())),
        attendees: vec![format!("mailto:{attendee}")],
    };
    crate::feed::render(
        &crate::feed::Calendar {
            name: "Ponte".into(),
            method: Some(method),
            events: vec![event],
        },
        now,
    )
}

struct Row<'a> {
    kind: &'a str,
    email: String,
    name: Option<String>,
    locale: &'a str,
    composed: compose::Composed,
    ics: Option<(String, crate::feed::Method)>,
    assignment_id: Option<i64>,
    request_id: Option<i64>,
    dedupe_key: Option<String>,
    now: DateTime<Utc>,
}

/// Writes one outbox row; 0 when its dedupe key was already taken.
async fn insert<C: ConnectionTrait>(db: &C, links: &Links, row: Row<'_>) -> Result<u64, DbErr> {
    let (ics, method) = match row.ics {
        Some((ics, m)) => (
            Some(ics),
            Some(match m {
                crate::feed::Method::Request => "REQUEST",
                crate::feed::Method::Cancel => "CANCEL",
            }),
        ),
        None => (None, None),
    };
    let model = notice::ActiveModel {
        // Random, not derived from the row id: ids are only known after the insert, and a
        // Message-ID must be fixed before the first attempt so that every copy carries it.
        message_id: Set(format!(
            "<{}@{}>",
            crate::auth::new_secret("notice"),
            links.host()
        )),
        kind: Set(row.kind.to_string()),
        recipient_email: Set(row.email),
        recipient_name: Set(row.name),
        locale: Set(row.locale.to_string()),
        subject: Set(row.composed.subject),
        body_text: Set(row.composed.text),
        body_html: Set(row.composed.html),
        ics: Set(ics),
        ics_method: Set(method.map(str::to_string)),
        assignment_id: Set(row.assignment_id),
        request_id: Set(row.request_id),
        dedupe_key: Set(row.dedupe_key.clone()),
        state: Set(outbox::PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(row.now),
        created_at: Set(row.now),
        ..Default::default()
    };
    let mut insert = notice::Entity::insert(model);
    if row.dedupe_key.is_some() {
        insert = insert.on_conflict(
            OnConflict::column(notice::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        );
    }
    let written = insert.exec_without_returning(db).await?;
    if written > 0 {
        QUEUED.notify_one();
    }
    Ok(written)
}

/// Queues a notice to the coordinators that request `request_id` (occurrence `occurrence`)
/// could not be dispatched: the reason, and the nearest alternatives found (each a line such
/// as "by phone: Li Wei at 10:30").
pub async fn unfilled<C: ConnectionTrait>(
    db: &C,
    links: &Links,
    request_id: i64,
    occurrence: i32,
    reason: &Localized,
    alternatives: &[Localized],
) -> Result<(), DbErr> {
    let coordinators = user::Entity::find()
        .filter(user::Column::Role.eq("coordinator"))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?;
    let now = Utc::now();
    for c in coordinators {
        let lang = compose::language(&c.locale);
        let context = Context {
            lang: lang.into(),
            audience: Some(Audience::Coordinator),
            recipient: c.name.clone(),
            request_id,
            occurrence,
            reason: reason.get(lang).to_string(),
            alternatives: alternatives
                .iter()
                .map(|a| a.get(lang).to_string())
                .collect(),
            ..Context::default()
        };
        let composed =
            compose::compose("unfilled", &context).map_err(|e| DbErr::Custom(e.to_string()))?;
        insert(
            db,
            links,
            Row {
                kind: "unfilled",
                email: c.email.clone(),
                name: Some(c.name.clone()),
                locale: lang,
                composed,
                ics: None,
                assignment_id: None,
                request_id: Some(request_id),
                dedupe_key: None,
                now,
            },
        )
        .await?;
    }
    Ok(())
}
