//! Routes of `/api/v1/mediators` (profiles, availability, shifts) and of the tag catalogue
//! `/api/v1/tags` their profiles draw on.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract;
use crate::auth::Caller;
use crate::registry::availability::{self, Availability};
use crate::registry::mediators::{self, Mediator, MediatorFilters, MediatorPatch, NewMediator};
use crate::registry::parse_id;
use crate::registry::shifts::{self, ShiftParams, Shifts};
use crate::registry::tags::{self, NewTag, Tag};
use crate::startup::AppState;
use crate::storage::page::{Page, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch))
        .routes(routes!(get_availability, put_availability))
        .routes(routes!(get_shifts))
        .routes(routes!(list_tags, create_tag))
}

/// Mediators, filtered; staff see all, a mediator only themself.
#[utoipa::path(get, path = "/mediators", tag = "registry", params(MediatorFilters, PageParams), responses(
    (status = 200, body = Page<Mediator>),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    filters: Result<Query<MediatorFilters>, QueryRejection>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Page<Mediator>>, ApiError> {
    let (filters, params) = (extract::query(filters)?, extract::query(params)?);
    mediators::list(&state.db, &caller, &filters, &params)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Adds a mediator profile (staff).
#[utoipa::path(post, path = "/mediators", tag = "registry", request_body = NewMediator, responses(
    (status = 201, body = Mediator),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    extract::Json(body): extract::Json<NewMediator>,
) -> Result<(StatusCode, Json<Mediator>), ApiError> {
    let created = mediators::create(&state.db, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One profile: staff, or the mediator themself.
#[utoipa::path(get, path = "/mediators/{id}", tag = "registry", params(("id" = i64, Path)), responses(
    (status = 200, body = Mediator),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Mediator>, ApiError> {
    let id = parse_id(&id, "mediator")?;
    mediators::get(&state.db, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Changes any subset of a profile's fields (staff).
#[utoipa::path(patch, path = "/mediators/{id}", tag = "registry", params(("id" = i64, Path)), request_body = MediatorPatch, responses(
    (status = 200, body = Mediator),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<MediatorPatch>,
) -> Result<Json<Mediator>, ApiError> {
    let id = parse_id(&id, "mediator")?;
    mediators::update(&state.db, &caller, id, body)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Weekly rules and dated exceptions: staff, or the mediator themself.
#[utoipa::path(get, path = "/mediators/{id}/availability", tag = "registry", params(("id" = i64, Path)), responses(
    (status = 200, body = Availability),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn get_availability(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Availability>, ApiError> {
    let id = parse_id(&id, "mediator")?;
    availability::get(&state.db, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Replaces both lists at once: staff, or the mediator themself.
#[utoipa::path(put, path = "/mediators/{id}/availability", tag = "registry", params(("id" = i64, Path)), request_body = Availability, responses(
    (status = 200, body = Availability),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, description = "An absence covers live assignments (listed in `assignments`); send `confirm_releases: true` to release them", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem),
))]
async fn put_availability(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<Availability>,
) -> Result<Json<Availability>, ApiError> {
    let id = parse_id(&id, "mediator")?;
    availability::replace_and_redispatch(&state, &caller, id, body)
        .await
        .map(|done| Json(done.availability))
        .map_err(ApiError::from)
}

/// The shifts the availability gives between two local dates, in UTC and local time.
#[utoipa::path(get, path = "/mediators/{id}/shifts", tag = "registry", params(("id" = i64, Path), ShiftParams), responses(
    (status = 200, body = Shifts),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
async fn get_shifts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Result<Query<ShiftParams>, QueryRejection>,
) -> Result<Json<Shifts>, ApiError> {
    let id = parse_id(&id, "mediator")?;
    shifts::shifts(&state.db, &caller, id, &extract::query(params)?)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// The tag catalogue, for every signed-in user.
#[utoipa::path(get, path = "/tags", tag = "registry", responses(
    (status = 200, body = Vec<Tag>),
    (status = 401, body = Problem),
))]
async fn list_tags(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<Tag>>, ApiError> {
    tags::list(&state.db)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Adds a tag to the catalogue (staff).
#[utoipa::path(post, path = "/tags", tag = "registry", request_body = NewTag, responses(
    (status = 201, body = Tag),
    (status = 403, body = Problem),
    (status = 409, description = "The tag exists", body = Problem),
    (status = 422, body = Problem),
))]
async fn create_tag(
    State(state): State<AppState>,
    caller: Caller,
    extract::Json(body): extract::Json<NewTag>,
) -> Result<(StatusCode, Json<Tag>), ApiError> {
    let created = tags::create(&state.db, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
