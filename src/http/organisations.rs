//! Routes of `/api/v1/organisations` and their sites.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract;
use crate::auth::Caller;
use crate::registry::organisations::{self, NewOrganisation, Organisation};
use crate::registry::parse_id;
use crate::registry::sites::{self, NewSite, Site};
use crate::startup::AppState;
use crate::storage::page::{Page, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(list_sites, create_site))
}

/// Organisations the caller sees: all for staff, their own for a requester.
#[utoipa::path(get, path = "/organisations", tag = "registry", params(PageParams), responses(
    (status = 200, body = Page<Organisation>),
    (status = 403, description = "Mediators do not list organisations", body = Problem),
    (status = 422, body = Problem),
))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Page<Organisation>>, ApiError> {
    let params = extract::query(params)?;
    organisations::list(&state.db, &caller, &params)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Adds an organisation (staff).
#[utoipa::path(post, path = "/organisations", tag = "registry", request_body = NewOrganisation, responses(
    (status = 201, body = Organisation),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    extract::Json(body): extract::Json<NewOrganisation>,
) -> Result<(StatusCode, Json<Organisation>), ApiError> {
    let created = organisations::create(&state.db, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One organisation; another organisation than a requester's own is a 404.
#[utoipa::path(get, path = "/organisations/{id}", tag = "registry", params(("id" = i64, Path)), responses(
    (status = 200, body = Organisation),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Organisation>, ApiError> {
    let id = parse_id(&id, "organisation")?;
    organisations::get(&state.db, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// The organisation's sites (staff, or the organisation's requesters).
#[utoipa::path(get, path = "/organisations/{id}/sites", tag = "registry", params(("id" = i64, Path), PageParams), responses(
    (status = 200, body = Page<Site>),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
async fn list_sites(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Page<Site>>, ApiError> {
    let id = parse_id(&id, "organisation")?;
    let params = extract::query(params)?;
    sites::list(&state.db, &caller, id, &params)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Adds a site to the organisation (staff).
#[utoipa::path(post, path = "/organisations/{id}/sites", tag = "registry", params(("id" = i64, Path)), request_body = NewSite, responses(
    (status = 201, body = Site),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
async fn create_site(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<NewSite>,
) -> Result<(StatusCode, Json<Site>), ApiError> {
    let id = parse_id(&id, "organisation")?;
    let created = sites::create(&state.db, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
