//! Routes of `/api/v1/assignments`: the live assignments, and the assigned mediator's answer.
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::{self, parse_json};
use crate::assignment::closeout::CloseoutBody;
use crate::assignment::list::{self, ListParams};
use crate::assignment::respond::{self, RespondError, Responder};
use crate::assignment::view::{AssignmentPage, AssignmentView};
use crate::auth::{Caller, Role};
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_all))
        .routes(routes!(get_one))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(closeout))
}

/// Why a mediator declines; optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DeclineBody {
    /// At most 500 characters; seen by coordinators.
    pub reason: Option<String>,
}

/// List assignments: a mediator's own, a requester's organisation's (without the personal
/// data of mediators), or all for coordinators and admins.
#[utoipa::path(
    get,
    path = "/assignments",
    tag = "assignments",
    params(ListParams),
    responses(
        (status = 200, body = AssignmentPage),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_all(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<axum::Json<AssignmentPage>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::Malformed(e.body_text()))?;
    Ok(axum::Json(list::list(&state.db, &caller, &params).await?))
}

/// One assignment; one the caller may not see is 404.
#[utoipa::path(
    get,
    path = "/assignments/{id}",
    tag = "assignments",
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 200, body = AssignmentView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<axum::Json<AssignmentView>, ApiError> {
    let id = assignment_id(id)?;
    Ok(axum::Json(list::one(&state.db, &caller, id).await?))
}

/// Accept an assignment (its mediator only). Of several offers of one emergency, the first
/// acceptance wins; the others get 409 and their offers are withdrawn.
#[utoipa::path(
    post,
    path = "/assignments/{id}/accept",
    tag = "assignments",
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 200, description = "Accepted", body = AssignmentView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's assignment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already taken by another mediator, or already answered", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<axum::Json<AssignmentView>, ApiError> {
    let id = assignment_id(id)?;
    let who = responder(&caller)?;
    respond::accept(&state, who, id).await.map_err(api_error)?;
    Ok(axum::Json(list::one(&state.db, &caller, id).await?))
}

/// Decline an assignment (its mediator only), with an optional reason. Dispatch then tries
/// the request again, never with the mediator who declined.
#[utoipa::path(
    post,
    path = "/assignments/{id}/decline",
    tag = "assignments",
    params(("id" = i64, Path, description = "Assignment id")),
    request_body(content = Option<DeclineBody>, description = "Optional reason"),
    responses(
        (status = 200, description = "Declined", body = AssignmentView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's assignment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason too long", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<axum::Json<AssignmentView>, ApiError> {
    let id = assignment_id(id)?;
    let body: DeclineBody = if body.iter().all(u8::is_ascii_whitespace) {
        DeclineBody::default()
    } else {
        parse_json(&body)?
    };
    let who = responder(&caller)?;
    respond::decline_and_redispatch(&state, who, id, body.reason.as_deref())
        .await
        .map_err(api_error)?;
    Ok(axum::Json(list::one(&state.db, &caller, id).await?))
}

/// Record what actually happened, after the meeting began: its mediator or the requesting
/// organisation once, coordinators at any time (to correct it). Delivered hours in the
/// reports come from here.
#[utoipa::path(
    post,
    path = "/assignments/{id}/closeout",
    tag = "assignments",
    params(("id" = i64, Path, description = "Assignment id")),
    request_body = CloseoutBody,
    responses(
        (status = 200, description = "Recorded", body = AssignmentView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an assignment the caller may close out", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not started yet, not live, or already closed out (coordinators may correct it)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong: each named", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn closeout(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    extract::Json(body): extract::Json<CloseoutBody>,
) -> Result<axum::Json<AssignmentView>, ApiError> {
    let id = assignment_id(id)?;
    Ok(axum::Json(
        crate::assignment::closeout::record(&state, &caller, id, body).await?,
    ))
}

/// Only mediators answer assignments; anyone else has none (404, as for another's).
fn responder(caller: &Caller) -> Result<Responder, ApiError> {
    match (caller.role, caller.mediator_id) {
        (Role::Mediator, Some(mediator_id)) => Ok(Responder {
            mediator_id,
            user_id: Some(caller.user_id),
            via: "api",
        }),
        _ => Err(ApiError::NotFound("assignment")),
    }
}

fn api_error(e: RespondError) -> ApiError {
    crate::error::Error::from(e).into()
}

fn assignment_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::NotFound("assignment"))
}
