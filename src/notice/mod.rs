//! Email notices. Every notice is written to the outbox (table `notices`) in the same
//! transaction as the change that causes it; a worker sends the outbox over SMTP.
//!
//! Callers say what happened (`for_assignment(txn, links, Event::Published, id, token)`);
//! this module decides who is told, in which language, with which text and ICS.
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entity::{assignment, mediator, notice, organisation, request};

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
    /// Another candidate accepted the offer first.
    OfferTaken,
    /// The day before.
    Reminder,
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
            Event::Reminder => "reminder",
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
    let Some(a) = assignment::Entity::find_by_id(assignment_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let m = mediator::Entity::find_by_id(a.mediator_id).one(db).await?;
    let r = request::Entity::find_by_id(a.request_id).one(db).await?;
    let o = match &r {
        Some(r) => {
            organisation::Entity::find_by_id(r.organisation_id)
                .one(db)
                .await?
        }
        None => None,
    };
    let subject = format!(
        "Ponte: {} {}",
        event.as_str(),
        a.start.format("%Y-%m-%d %H:%M UTC")
    );
    let mut body = format!("Assignment {} ({}) {}.\n", a.id, a.start, event.as_str());
    if let Some(token) = response_token {
        body.push_str(&format!(
            "Accept: {0}/respond/{token}?action=accept\nDecline: {0}/respond/{token}?action=decline\n",
            links.base_url
        ));
    }
    if let Some(m) = m.filter(|m| m.email.is_some()) {
        let email = m.email.clone().unwrap_or_default();
        queue(
            db,
            links,
            event,
            &a,
            &email,
            Some(m.name.clone()),
            &m.locale,
            &subject,
            &body,
        )
        .await?;
    }
    if let Some(o) = o.filter(|o| o.contact_email.is_some()) {
        if !matches!(event, Event::Offer | Event::OfferTaken | Event::Reminder) {
            let email = o.contact_email.clone().unwrap_or_default();
            queue(
                db,
                links,
                event,
                &a,
                &email,
                Some(o.name.clone()),
                &o.locale,
                &subject,
                &body,
            )
            .await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn queue<C: ConnectionTrait>(
    db: &C,
    links: &Links,
    event: Event,
    a: &assignment::Model,
    email: &str,
    name: Option<String>,
    locale: &str,
    subject: &str,
    body: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = notice::ActiveModel {
        message_id: Set(format!(
            "<{}@{}>",
            crate::auth::new_secret("n"),
            links.host()
        )),
        kind: Set(event.as_str().to_string()),
        recipient_email: Set(email.to_string()),
        recipient_name: Set(name),
        locale: Set(locale.to_string()),
        subject: Set(subject.to_string()),
        body_text: Set(body.to_string()),
        body_html: Set(String::new()),
        ics: Set(None),
        ics_method: Set(None),
        assignment_id: Set(Some(a.id)),
        request_id: Set(Some(a.request_id)),
        dedupe_key: Set(None),
        state: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    };
    notice::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Queues a notice to the coordinators that request `request_id` (occurrence `occurrence`)
/// could not be dispatched: the reason, and the nearest alternatives found (each a line such
/// as "by phone: Li Wei at 10:30").
pub async fn unfilled<C: ConnectionTrait>(
    db: &C,
    links: &Links,
    request_id: i64,
    occurrence: i32,
    reason: &str,
    alternatives: &[String],
) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let coordinators = crate::entity::user::Entity::find()
        .filter(crate::entity::user::Column::Role.eq("coordinator"))
        .filter(crate::entity::user::Column::Active.eq(true))
        .all(db)
        .await?;
    let now = Utc::now();
    for c in coordinators {
        let body = format!(
            "Request {request_id} (occurrence {occurrence}) could not be dispatched: {reason}.\n{}",
            alternatives.join("\n")
        );
        let row = notice::ActiveModel {
            message_id: Set(format!(
                "<{}@{}>",
                crate::auth::new_secret("n"),
                links.host()
            )),
            kind: Set("unfilled".into()),
            recipient_email: Set(c.email.clone()),
            recipient_name: Set(Some(c.name.clone())),
            locale: Set(c.locale.clone()),
            subject: Set(format!("Ponte: request {request_id} unfilled")),
            body_text: Set(body),
            body_html: Set(String::new()),
            request_id: Set(Some(request_id)),
            state: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        };
        notice::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
