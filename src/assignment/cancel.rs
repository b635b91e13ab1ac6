//! Cancelling the assignments of a cancelled request, or of some cancelled occurrences of a
//! series, inside the cancellation's own transaction, so that nothing is cancelled while a
//! mediator still holds it (or could still accept an offer of it).
use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select};
use serde_json::json;

use super::State;
use crate::audit;
use crate::entity::assignment;
use crate::notice::{self, Event, Links};

/// The states a cancellation ends: live assignments and open offers.
const OPEN: [State; 3] = [State::Offered, State::Published, State::Accepted];

/// Cancels every open assignment of `request_id`, each with its audit event and its
/// `Cancelled` notice; returns how many.
pub async fn for_request<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor_user_id: Option<i64>,
    request_id: i64,
) -> Result<usize, DbErr> {
    let open = assignment::Entity::find().filter(assignment::Column::RequestId.eq(request_id));
    cancel_all(
        txn,
        links,
        actor_user_id,
        open,
        "request_cancelled",
        Event::Cancelled,
    )
    .await
}

/// Cancels the open assignments of the given occurrences of `request_id`, as `for_request`.
pub async fn for_occurrences<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor_user_id: Option<i64>,
    request_id: i64,
    occurrences: &[i32],
) -> Result<usize, DbErr> {
    let mut done = 0;
    // Chunked: a series from a date on can be a year of weekdays.
    for chunk in occurrences.chunks(500) {
        let open = assignment::Entity::find()
            .filter(assignment::Column::RequestId.eq(request_id))
            .filter(assignment::Column::Occurrence.is_in(chunk.to_vec()));
        done += cancel_all(
            txn,
            links,
            actor_user_id,
            open,
            "occurrence_cancelled",
            Event::Cancelled,
        )
        .await?;
    }
    Ok(done)
}

/// Releases the live assignments (and open offers) `ids` that their mediator can no longer
/// keep (an absence entered over them, the mediator excluded from the request): each ends
/// for that mediator, with a `Released` notice to the mediator and the organisation, which
/// is told another is being sought. `cause` goes to the audit trail.
pub async fn release<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor_user_id: Option<i64>,
    ids: &[i64],
    cause: &str,
) -> Result<usize, DbErr> {
    let rows = assignment::Entity::find().filter(assignment::Column::Id.is_in(ids.to_vec()));
    cancel_all(txn, links, actor_user_id, rows, cause, Event::Released).await
}

async fn cancel_all<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor_user_id: Option<i64>,
    rows: Select<assignment::Entity>,
    cause: &str,
    event: Event,
) -> Result<usize, DbErr> {
    let open = rows
        .filter(assignment::Column::State.is_in(OPEN))
        .order_by_asc(assignment::Column::Id)
        .all(txn)
        .await?;
    let now = Utc::now().trunc_subsecs(6);
    for a in &open {
        assignment::Entity::update_many()
            .col_expr(assignment::Column::State, Expr::value("cancelled"))
            .col_expr(
                assignment::Column::Sequence,
                ExprTrait::add(Expr::col(assignment::Column::Sequence), 1),
            )
            .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
            .filter(assignment::Column::Id.eq(a.id))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            actor_user_id,
            audit::Action::Cancelled,
            "assignment",
            a.id,
            json!({
                "before": a.state,
                "after": "cancelled",
                "request_id": a.request_id,
                "occurrence": a.occurrence,
                "mediator_id": a.mediator_id,
                "cause": cause,
            }),
        )
        .await?;
        notice::for_assignment(txn, links, event, a.id, None).await?;
    }
    Ok(open.len())
}
