//! Live assignments: what mediators and requesters see (feeds, emails, pages), as opposed to
//! the drafts of a plan. One live (published or accepted) assignment per request occurrence,
//! kept by a partial unique index, so that concurrent accepts cannot both win.
use crate::auth::{digest, new_secret};

pub mod cancel;
pub mod list;
pub mod respond;
pub mod view;

/// The states of `assignments.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Offered to one of several candidates (emergencies); not yet anyone's.
    Offered,
    /// In the published plan, awaiting the mediator's answer.
    Published,
    Accepted,
    Declined,
    /// An offer another mediator accepted first.
    Withdrawn,
    Cancelled,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Offered,
        State::Published,
        State::Accepted,
        State::Declined,
        State::Withdrawn,
        State::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Offered => "offered",
            State::Published => "published",
            State::Accepted => "accepted",
            State::Declined => "declined",
            State::Withdrawn => "withdrawn",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Holds the mediator's time and the request: pinned in plans, shown in feeds.
    pub fn is_live(self) -> bool {
        matches!(self, State::Published | State::Accepted)
    }
}

/// The states that hold a request occurrence, as stored.
pub const LIVE_STATES: [&str; 2] = ["published", "accepted"];

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
