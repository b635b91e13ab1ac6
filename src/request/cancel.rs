//! Cancelling a request: by its organisation's requesters or by staff, once.
use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::model::{CancelBody, Status};
use super::store::{self, Write};
use super::view::RequestView;
use crate::audit;
use crate::auth::Caller;
use crate::entity::request;
use crate::error::Error;

pub const MAX_REASON_CHARS: usize = 500;

pub async fn cancel(
    db: &DatabaseConnection,
    links: &crate::notice::Links,
    caller: &Caller,
    id: i64,
    body: &CancelBody,
) -> Result<RequestView, Error> {
    let mut model = store::visible(db, caller, id).await?;
    let reason = crate::domain::text::reason(body.reason.as_deref(), MAX_REASON_CHARS)
        .map_err(|message| Error::field("reason", message))?;
    let now = Utc::now().trunc_subsecs(6);
    let cancelled = Status::Cancelled;
    let write = Write::begin(db).await?;
    // Conditional on the status, so that of two concurrent cancellations one wins and the
    // other is told (409) instead of recording a second cancellation.
    let updated = request::Entity::update_many()
        .col_expr(request::Column::Status, Expr::value(cancelled))
        .col_expr(request::Column::CancelReason, Expr::value(reason.clone()))
        .col_expr(request::Column::UpdatedAt, Expr::value(now))
        .filter(request::Column::Id.eq(id))
        .filter(request::Column::Status.ne(cancelled))
        .exec(&write.txn)
        .await?;
    if updated.rows_affected == 0 {
        write.rollback().await?;
        return Err(Error::Conflict(format!(
            "request {id} is already cancelled"
        )));
    }
    let detail = json!({ "reason": reason, "previous_status": model.status });
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Cancelled,
        "request",
        id,
        detail,
    )
    .await?;
    crate::assignment::cancel::for_request(&write.txn, links, Some(caller.user_id), id).await?;
    write.commit().await?;

    model.status = cancelled;
    model.cancel_reason = reason;
    model.updated_at = now;
    store::view_of(db, &model).await
}
