//! Routes of `/api/v1/users`: account management, for admins only.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract;
use crate::auth::Caller;
use crate::registry::users::{self, NewUserBody, User};
use crate::startup::AppState;
use crate::storage::page::{Page, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create))
}

/// Every account, without password hashes (admins).
#[utoipa::path(get, path = "/users", tag = "accounts", params(PageParams), responses(
    (status = 200, body = Page<User>),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Page<User>>, ApiError> {
    // The query fields are all strings, so only a malformed query string is rejected.
    let params = super::extract::query(params)?;
    users::list(&state.db, &caller, &params)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Adds an account (admins).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = NewUserBody, responses(
    (status = 201, body = User),
    (status = 403, body = Problem),
    (status = 409, description = "The email is taken", body = Problem),
    (status = 422, body = Problem),
))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    extract::Json(body): extract::Json<NewUserBody>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let created = users::create(&state.db, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
