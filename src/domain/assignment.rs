//! The states of a live assignment, as `assignments.state` stores them (the same text
//! as `as_str`, mapped by `DeriveActiveEnum`: the column stays a plain string).
use std::fmt;

use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

/// The states of `assignments.state`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum State {
    /// Offered to one of several candidates (emergencies); not yet anyone's.
    #[sea_orm(string_value = "offered")]
    Offered,
    /// In the published plan, awaiting the mediator's answer.
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "declined")]
    Declined,
    /// An offer another mediator accepted first.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
    #[sea_orm(string_value = "cancelled")]
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

/// The states that hold a request occurrence.
pub const LIVE_STATES: [State; 2] = [State::Published, State::Accepted];

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for State {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("“{s}” is not an assignment state"))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::State;

    #[test]
    fn stored_text_is_as_str() {
        assert_eq!(State::iter().count(), State::ALL.len());
        for s in State::iter() {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(State::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
