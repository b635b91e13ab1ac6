//! Routes of `/api/v1/plans`: parse the call, hand it to `crate::plan`, map the result.
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::{parse_json, query};
use crate::auth::Caller;
use crate::plan::edit::{self, DraftChange, RerunBody};
use crate::plan::plans::{self, NewPlan, PlanView};
use crate::plan::publish::{self, PublishBody};
use crate::startup::AppState;
use crate::storage::page::{Page, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(instance))
        .routes(routes!(change_draft))
        .routes(routes!(rerun))
        .routes(routes!(publish))
}

/// Plan a horizon: stores a queued plan that a worker solves in the background.
///
/// Coordinators and admins. `from` and `to` are local dates (Europe/Rome), at most 31 days;
/// follow `Location` (or poll `GET /plans/{id}`) until `status` is `finished`.
#[utoipa::path(
    post,
    path = "/plans",
    tag = "plans",
    request_body = NewPlan,
    responses(
        (status = 202, description = "Queued", body = PlanView, headers(("Location" = String, description = "The plan's URL"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins plan", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewPlan = parse_json(&body)?;
    let view = plans::create(&state.db, &caller, new, state.config.plan_time_limit).await?;
    let location = format!("/api/v1/plans/{}", view.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(view),
    )
        .into_response())
}

/// List plans, newest first (without their drafts).
#[utoipa::path(
    get,
    path = "/plans",
    tag = "plans",
    params(PageParams),
    responses(
        (status = 200, body = Page<PlanView>),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins see plans", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<axum::Json<Page<PlanView>>, ApiError> {
    let params = query(params)?;
    Ok(axum::Json(plans::list(&state.db, &caller, &params).await?))
}

/// One plan: its progress while it runs; then its drafts (local and UTC times), the
/// unassigned occurrences with reasons, KPIs, bound, gap and conflicts.
#[utoipa::path(
    get,
    path = "/plans/{id}",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, body = PlanView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins see plans", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<axum::Json<PlanView>, ApiError> {
    let id = plan_id(id)?;
    Ok(axum::Json(plans::get(&state.db, &caller, id).await?))
}

/// The solver instance (`mediation-dispatch/1`) the plan was solved on: `ponte solve` takes
/// it as it is.
#[utoipa::path(
    get,
    path = "/plans/{id}/instance.json",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The instance", content_type = "application/json", body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins see plans", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not solved yet", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn instance(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = plan_id(id)?;
    let text = plans::instance(&state.db, &caller, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"plan-{id}-instance.json\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// Change a draft of a finished, unpublished plan: lock or unlock it, move it to another
/// mediator and/or start (checked against every rule: 409 naming the rule when it breaks
/// one), or unassign it. Changing a draft that keeps a live assignment needs
/// `confirm_published_change: true`.
#[utoipa::path(
    patch,
    path = "/plans/{id}/assignments/{draft_id}",
    tag = "plans",
    params(
        ("id" = i64, Path, description = "Plan id"),
        ("draft_id" = i64, Path, description = "Draft id (an `assignments[].id` of the plan)"),
    ),
    request_body = DraftChange,
    responses(
        (status = 200, description = "The plan after the change", body = PlanView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins edit plans", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan or draft", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not editable now, breaks a rule, or changes a published assignment without consent", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn change_draft(
    State(state): State<AppState>,
    caller: Caller,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    body: Bytes,
) -> Result<axum::Json<PlanView>, ApiError> {
    let Path((id, draft_id)) = ids.map_err(|_| ApiError::NotFound("plan"))?;
    let change: DraftChange = parse_json(&body)?;
    Ok(axum::Json(
        edit::change(&state.db, &caller, id, draft_id, change).await?,
    ))
}

/// Solve the plan again, keeping locked drafts as they are. Drafts that keep live
/// assignments stay pinned unless the body confirms changing them.
#[utoipa::path(
    post,
    path = "/plans/{id}/rerun",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body(content = Option<RerunBody>, description = "Optional"),
    responses(
        (status = 202, description = "Queued again", body = PlanView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins plan", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Running, or already published", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn rerun(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = plan_id(id)?;
    let body: RerunBody = if body.iter().all(u8::is_ascii_whitespace) {
        RerunBody::default()
    } else {
        parse_json(&body)?
    };
    let view = edit::rerun(&state.db, &caller, id, body).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/plans/{id}"))],
        axum::Json(view),
    )
        .into_response())
}

/// Publish a finished plan: in one transaction its drafts become live assignments, live
/// ones moved or dropped are changed or cancelled, and every notice is queued.
#[utoipa::path(
    post,
    path = "/plans/{id}/publish",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body(content = Option<PublishBody>, description = "Optional"),
    responses(
        (status = 200, description = "Published", body = PlanView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins publish", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not finished, already published, or the live assignments changed since", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<axum::Json<PlanView>, ApiError> {
    let id = plan_id(id)?;
    let body: PublishBody = if body.iter().all(u8::is_ascii_whitespace) {
        PublishBody::default()
    } else {
        parse_json(&body)?
    };
    Ok(axum::Json(
        publish::publish(&state, &caller, id, body).await?,
    ))
}

/// An id that is not a number names no plan.
fn plan_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::NotFound("plan"))
}
