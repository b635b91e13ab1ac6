//! Live assignments: what mediators and requesters see (feeds, emails, pages), as opposed to
//! the drafts of a plan. One live (published or accepted) assignment per request occurrence,
//! kept by a partial unique index, so that concurrent accepts cannot both win.
use chrono::{DateTime, Utc};
use sea_orm::Set;

use crate::auth::{digest, new_secret};
use crate::entity::assignment;

pub mod agenda;
pub mod busy;
pub mod cancel;
pub mod closeout;
pub mod list;
pub mod respond;
pub mod view;

pub use crate::domain::assignment::{State, LIVE_STATES};

/// A fresh iCalendar UID: random, so that it reveals nothing, and stable for the
/// assignment's life (changes raise SEQUENCE, never the UID).
pub fn new_uid(host: &str) -> String {
    format!("{}@{host}", new_secret("asg"))
}

/// The secret of the accept/decline links in emails, and the digest the row keeps.
pub fn new_response_token() -> (String, String) {
    let token = new_secret("pr");
    let hash = digest(&token);
    (token, hash)
}

/// Where and when a new live assignment (or offer) goes.
#[derive(Debug, Clone, Copy)]
pub struct NewAssignment {
    pub request_id: i64,
    pub occurrence: i32,
    pub mediator_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub state: State,
    /// The plan it was published from; none for urgent dispatch.
    pub plan_id: Option<i64>,
    /// When it lapses unanswered (`domain::offer::Lifetimes::expires_at`).
    pub expires_at: Option<DateTime<Utc>>,
    /// Served in one of the request's fallback modalities; `None`: in its own.
    pub modality: Option<crate::domain::request::Modality>,
}

impl NewAssignment {
    /// The row to insert, with a fresh UID and response token, and the token's clear secret
    /// for the accept/decline links of its notice. Publication and dispatch both make
    /// assignments this way, so that every one starts at SEQUENCE 0 with a token.
    pub fn row(self, host: &str, now: DateTime<Utc>) -> (assignment::ActiveModel, String) {
        let (token, hash) = new_response_token();
        let row = assignment::ActiveModel {
            request_id: Set(self.request_id),
            occurrence: Set(self.occurrence),
            mediator_id: Set(self.mediator_id),
            start: Set(self.start),
            end: Set(self.end),
            state: Set(self.state),
            plan_id: Set(self.plan_id),
            uid: Set(new_uid(host)),
            sequence: Set(0),
            response_token_hash: Set(Some(hash)),
            decline_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            responded_at: Set(None),
            expires_at: Set(self.expires_at),
            modality: Set(self.modality),
            ..Default::default()
        };
        (row, token)
    }
}
