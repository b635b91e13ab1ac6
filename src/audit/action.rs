//! The verbs of the audit trail. One list, so that the audit log's filter offers every verb
//! the services record (a hand-kept list of strings had already missed two).
use crate::domain::assignment::State;

/// What happened to the entity. The stored text is `as_str`, unchanged from the strings the
/// trail held before, so old events and new ones filter alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Created,
    Updated,
    Cancelled,
    Published,
    Accepted,
    Declined,
    Offered,
    /// An offer another mediator accepted first.
    Withdrawn,
    Changed,
    /// Urgent dispatch found nobody.
    Unfilled,
    PasswordReset,
    AvailabilityReplaced,
    PreferencesChanged,
    LocaleChanged,
    /// A plan computed again.
    Rerun,
    FeedRotated,
    FeedRevoked,
    /// Some meetings of a series cancelled, not the whole request.
    OccurrencesCancelled,
    DraftUnassigned,
    DraftMoved,
    DraftChanged,
    /// A failed notice queued again by a coordinator.
    NoticeRetried,
    /// Too many wrong passwords or unknown tokens: a throttle lock began.
    Locked,
    /// An admin lifted a throttle lock.
    Unlocked,
    /// An offer or a published assignment not answered in time.
    Lapsed,
    /// What actually happened at a meeting, recorded or corrected.
    ClosedOut,
    /// One meeting of a series changed, or it and the following ones.
    OccurrencesChanged,
}

impl Action {
    /// Every verb, in the order the audit log's filter offers them.
    pub const ALL: [Action; 27] = [
        Action::Created,
        Action::Updated,
        Action::Cancelled,
        Action::Published,
        Action::Accepted,
        Action::Declined,
        Action::Offered,
        Action::Withdrawn,
        Action::Changed,
        Action::Unfilled,
        Action::PasswordReset,
        Action::AvailabilityReplaced,
        Action::PreferencesChanged,
        Action::LocaleChanged,
        Action::Rerun,
        Action::FeedRotated,
        Action::FeedRevoked,
        Action::OccurrencesCancelled,
        Action::DraftUnassigned,
        Action::DraftMoved,
        Action::DraftChanged,
        Action::NoticeRetried,
        Action::Locked,
        Action::Unlocked,
        Action::Lapsed,
        Action::ClosedOut,
        Action::OccurrencesChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Cancelled => "cancelled",
            Action::Published => "published",
            Action::Accepted => "accepted",
            Action::Declined => "declined",
            Action::Offered => "offered",
            Action::Withdrawn => "withdrawn",
            Action::Changed => "changed",
            Action::Unfilled => "unfilled",
            Action::PasswordReset => "password_reset",
            Action::AvailabilityReplaced => "availability_replaced",
            Action::PreferencesChanged => "preferences_changed",
            Action::LocaleChanged => "locale_changed",
            Action::Rerun => "rerun",
            Action::FeedRotated => "feed_rotated",
            Action::FeedRevoked => "feed_revoked",
            Action::OccurrencesCancelled => "occurrences_cancelled",
            Action::DraftUnassigned => "draft_unassigned",
            Action::DraftMoved => "draft_moved",
            Action::DraftChanged => "draft_changed",
            Action::NoticeRetried => "notice.retry",
            Action::Locked => "locked",
            Action::Unlocked => "unlocked",
            Action::Lapsed => "lapsed",
            Action::ClosedOut => "closed_out",
            Action::OccurrencesChanged => "occurrences_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An assignment's change of state is recorded under the state's own word.
impl From<State> for Action {
    fn from(state: State) -> Self {
        match state {
            State::Offered => Action::Offered,
            State::Published => Action::Published,
            State::Accepted => Action::Accepted,
            State::Declined => Action::Declined,
            State::Withdrawn => Action::Withdrawn,
            State::Cancelled => Action::Cancelled,
            State::Lapsed => Action::Lapsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{Action, State};

    #[test]
    fn every_action_has_its_own_text() {
        let texts: HashSet<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(texts.len(), Action::ALL.len());
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for s in State::ALL {
            assert_eq!(Action::from(s).as_str(), s.as_str());
        }
    }
}
