//! The coordinators' home: the requests of one week and which of them have a live
//! assignment.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::assignment::LIVE_STATES;
use crate::entity::{assignment, request};
use crate::error::Error;

pub struct Week {
    /// The requests whose earliest start falls in the week, earliest first.
    pub requests: Vec<request::Model>,
    /// The ids of those that have a live (published or accepted) assignment, one per such
    /// assignment.
    pub filled: Vec<i64>,
}

/// The requests starting in `[from, to)` and which of them are filled.
pub async fn week(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Week, Error> {
    let requests = request::Entity::find()
        .filter(request::Column::EarliestStart.gte(from))
        .filter(request::Column::EarliestStart.lt(to))
        .order_by_asc(request::Column::EarliestStart)
        .all(db)
        .await?;
    let filled: Vec<i64> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::RequestId)
        .filter(assignment::Column::RequestId.is_in(requests.iter().map(|r| r.id)))
        .filter(assignment::Column::State.is_in(LIVE_STATES))
        .into_tuple()
        .all(db)
        .await?;
    Ok(Week { requests, filled })
}
