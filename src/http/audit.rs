//! Route of `/api/v1/audit`: parse the query, hand it to `crate::audit::list`, map the result.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use crate::audit::list::{self, AuditItem, AuditParams};
use crate::auth::Caller;
use crate::startup::AppState;
use crate::storage::page::Page;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// The audit trail (coordinators and admins): every coordinator action and every state
/// change of requests and assignments, newest first.
///
/// Follow `next_cursor` until it is null. `from` and `to` are RFC 3339 instants (`to`
/// exclusive).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, body = Page<AuditItem>),
        (status = 400, description = "The query string is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Requesters and mediators have no access to the trail", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Page<AuditItem>>, ApiError> {
    let params = super::extract::query(params)?;
    list::list(&state.db, &caller, &params)
        .await
        .map(Json)
        .map_err(ApiError::from)
}
