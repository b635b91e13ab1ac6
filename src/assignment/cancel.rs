//! Cancelling the assignments of a cancelled request, inside the request's own transaction,
//! so that a request is never cancelled while a mediator still holds it (or could still
//! accept an offer of it).
use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::audit;
use crate::entity::assignment;
use crate::notice::{self, Event, Links};

/// The states a cancellation ends: live assignments and open offers.
const OPEN: [&str; 3] = ["offered", "published", "accepted"];

/// Cancels every open assignment of `request_id`, each with its audit event and its
/// `Cancelled` notice; returns how many.
pub async fn for_request<C: ConnectionTrait>(
    txn: &C,
    links: &Links,
    actor_user_id: Option<i64>,
    request_id: i64,
) -> Result<usize, DbErr> {
    let open = assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(request_id))
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
            "cancelled",
            "assignment",
            a.id,
            json!({
                "before": a.state,
                "after": "cancelled",
                "request_id": request_id,
                "occurrence": a.occurrence,
                "mediator_id": a.mediator_id,
                "cause": "request_cancelled",
            }),
        )
        .await?;
        notice::for_assignment(txn, links, Event::Cancelled, a.id, None).await?;
    }
    Ok(open.len())
}
