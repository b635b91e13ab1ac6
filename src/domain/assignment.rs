//! The states of a live assignment, as `assignments.state` stores them (the same text
//! as `as_str`, mapped by `DeriveActiveEnum`: the column stays a plain string).
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
    /// Offered or published and not answered by its `expires_at`: the occurrence went to
    /// the next candidates (or to the coordinators, when no one was left).
    #[sea_orm(string_value = "lapsed")]
    Lapsed,
}

words!(State, "an assignment state", {
    Offered => "offered",
    Published => "published",
    Accepted => "accepted",
    Declined => "declined",
    Withdrawn => "withdrawn",
    Cancelled => "cancelled",
    Lapsed => "lapsed",
});

impl State {
    /// Holds the mediator's time and the request: pinned in plans, shown in feeds.
    pub fn is_live(self) -> bool {
        matches!(self, State::Published | State::Accepted)
    }
}

/// The states that hold a request occurrence.
pub const LIVE_STATES: [State; 2] = [State::Published, State::Accepted];

/// The states that wait for the mediator's answer, until `expires_at`.
pub const AWAITING: [State; 2] = [State::Offered, State::Published];

/// The states of a mediator who was asked for an occurrence and is not asked for it again:
/// they said no, another took it first, or they let it lapse.
pub const ASKED_BEFORE: [State; 3] = [State::Declined, State::Withdrawn, State::Lapsed];

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
