//! Routes of `/api/v1/closures`: national holidays, patron days and entered closures.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract;
use crate::auth::Caller;
use crate::domain::local_time::{to_local, DEFAULT_ZONE};
use crate::registry::closures::{self, ClosureQuery, ClosureView, NewClosure};
use crate::registry::parse_id;
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
}

/// Days without meetings from `from` to `to`: national holidays and patron days (computed,
/// without an id) and the closures entered, for everyone or for one organisation. A
/// requester sees its own organisation's and everyone's.
#[utoipa::path(get, path = "/closures", tag = "registry", params(ClosureQuery), responses(
    (status = 200, body = Vec<ClosureView>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Another organisation than a requester's own", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ClosureQuery>, QueryRejection>,
) -> Result<Json<Vec<ClosureView>>, ApiError> {
    let q = extract::query(q)?;
    let today = to_local(state.clock.now(), DEFAULT_ZONE).date_naive();
    Ok(Json(closures::list(&state.db, &caller, &q, today).await?))
}

/// Enters a closure: for one organisation (staff, or its requesters), or for everyone
/// (staff). Series skip their meetings on it; plans never place one there.
#[utoipa::path(post, path = "/closures", tag = "registry", request_body = NewClosure, responses(
    (status = 201, body = ClosureView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    extract::Json(body): extract::Json<NewClosure>,
) -> Result<(StatusCode, Json<ClosureView>), ApiError> {
    let created = closures::create(&state.db, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Removes an entered closure; its days are open again.
#[utoipa::path(delete, path = "/closures/{id}", tag = "registry", params(("id" = i64, Path)), responses(
    (status = 204, description = "Removed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "closure")?;
    closures::delete(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
