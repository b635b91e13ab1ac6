//! A mediator's own assignments over a window, as their week and day pages show them, with
//! the requests, organisations and sites they need to say where and what.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::assignment::State;
use crate::entity::{assignment, organisation, request, site};
use crate::error::Error;

/// What a mediator sees of their assignments: offered ones (to answer) and the confirmed.
pub const SHOWN_STATES: [State; 3] = [State::Offered, State::Published, State::Accepted];

/// A mediator's assignments in a window, with what each of them needs to show.
pub struct Agenda {
    /// Earliest first.
    pub rows: Vec<assignment::Model>,
    pub requests: HashMap<i64, request::Model>,
    /// Organisation names by id.
    pub orgs: HashMap<i64, String>,
    pub sites: HashMap<i64, site::Model>,
    /// When it was read: offers due by then are left out (they lapsed, swept or not), and
    /// the others say how long is left.
    pub now: DateTime<Utc>,
}

/// The assignments of `mediator_id` in a shown state starting in `[from, to)`, without
/// those that lapsed unanswered by `now`.
pub async fn of_mediator_between<C: ConnectionTrait>(
    db: &C,
    mediator_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Agenda, Error> {
    let rows: Vec<assignment::Model> = assignment::Entity::find()
        .filter(assignment::Column::MediatorId.eq(mediator_id))
        .filter(assignment::Column::State.is_in(SHOWN_STATES))
        .filter(assignment::Column::Start.gte(from))
        .filter(assignment::Column::Start.lt(to))
        .order_by_asc(assignment::Column::Start)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| !crate::domain::offer::has_lapsed(a.state, a.expires_at, now))
        .collect();
    let requests: HashMap<i64, request::Model> = request::Entity::find()
        .filter(request::Column::Id.is_in(rows.iter().map(|a| a.request_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let orgs: HashMap<i64, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(requests.values().map(|r| r.organisation_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let sites: HashMap<i64, site::Model> = site::Entity::find()
        .filter(site::Column::Id.is_in(requests.values().filter_map(|r| r.site_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(Agenda {
        rows,
        requests,
        orgs,
        sites,
        now,
    })
}

impl Agenda {
    /// The assignments by their local date in `zone`.
    pub fn by_day(&self, zone: Tz) -> BTreeMap<NaiveDate, Vec<&assignment::Model>> {
        let mut by_day: BTreeMap<NaiveDate, Vec<&assignment::Model>> = BTreeMap::new();
        for a in &self.rows {
            by_day
                .entry(a.start.with_timezone(&zone).date_naive())
                .or_default()
                .push(a);
        }
        by_day
    }
}
