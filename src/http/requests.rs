//! Routes of `/api/v1/requests`: parse the call, hand it to `crate::request`, map the result.
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::parse_json;
use crate::auth::Caller;
use crate::request::change::{self, OccurrencePatch, OccurrencesChanged};
use crate::request::edit::RequestPatch;
use crate::request::idempotency::{self, Replay};
use crate::request::list::{self, ListParams};
use crate::request::occurrence::{self, OccurrenceCancelBody, OccurrencesCancelled};
use crate::request::store::{self, Submitted};
use crate::request::{
    cancel as cancelling, intake, CancelBody, RequestBody, RequestPage, RequestView,
};
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch))
        .routes(routes!(cancel))
        .routes(routes!(cancel_occurrence))
        .routes(routes!(change_occurrence))
}

/// Submit a request for a mediator.
///
/// Requesters submit for their own organisation, coordinators and admins for any; times are
/// RFC 3339 or local date-times in the organisation's zone. With an `Idempotency-Key`, a
/// repeat with the same body answers as the first time; the same key with another body is 409.
#[utoipa::path(
    post,
    path = "/requests",
    tag = "requests",
    request_body = RequestBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters, unique per submission")),
    responses(
        (status = 201, description = "Submitted, or the replay of an identical earlier submission", body = RequestView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators cannot submit requests", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency::parse_key(headers.get(idempotency::HEADER).map(HeaderValue::as_bytes))?;
    Ok(
        match intake::submit_and_dispatch(&state, &caller, key, &body).await? {
            Submitted::Created(created) => json(StatusCode::CREATED, created.body, false),
            Submitted::Replayed(Replay { status, body }) => json(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                body,
                true,
            ),
        },
    )
}

/// List requests: a requester's organisation's, or all for coordinators and admins.
///
/// In submission (id) order; follow `next_cursor` until it is null.
#[utoipa::path(
    get,
    path = "/requests",
    tag = "requests",
    params(ListParams),
    responses(
        (status = 200, body = RequestPage),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators have no access to requests", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<axum::Json<RequestPage>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::Malformed(e.body_text()))?;
    Ok(axum::Json(list::list(&state.db, &caller, &params).await?))
}

/// One request. Another organisation's request is 404 for a requester.
#[utoipa::path(
    get,
    path = "/requests/{id}",
    tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, body = RequestView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators have no access to requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<axum::Json<RequestView>, ApiError> {
    let id = request_id(id)?;
    let model = store::visible(&state.db, &caller, id).await?;
    Ok(axum::Json(store::view_of(&state.db, &model).await?))
}

/// Change a request's notes, preferred or excluded mediators (its organisation's
/// requesters, staff). A mediator newly excluded is released from the meetings they hold,
/// with notices; an emergency or urgent request then goes to someone else at once.
#[utoipa::path(
    patch,
    path = "/requests/{id}",
    tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    request_body = RequestPatch,
    responses(
        (status = 200, description = "Changed", body = RequestView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators cannot change requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong: each named", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    super::extract::Json(body): super::extract::Json<RequestPatch>,
) -> Result<axum::Json<RequestView>, ApiError> {
    let id = request_id(id)?;
    Ok(axum::Json(
        crate::request::edit::patch(&state, &caller, id, body).await?,
    ))
}

/// Cancel a request (its organisation's requesters, coordinators, admins). The body is
/// optional.
#[utoipa::path(
    post,
    path = "/requests/{id}/cancel",
    tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    request_body(content = Option<CancelBody>, description = "Optional reason"),
    responses(
        (status = 200, description = "Cancelled", body = RequestView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators cannot cancel requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<axum::Json<RequestView>, ApiError> {
    let id = request_id(id)?;
    let body: CancelBody = if body.iter().all(u8::is_ascii_whitespace) {
        CancelBody::default()
    } else {
        parse_json(&body)?
    };
    Ok(axum::Json(
        cancelling::cancel(&state.db, &state.links(), &caller, id, &body).await?,
    ))
}

/// Cancel one occurrence of a request, or (with `"following": true`) it and every later one:
/// "the series from this date on". Occurrences are counted from 1. Their live assignments
/// and open offers are cancelled, and their mediators told; once no occurrence is left, the
/// request is cancelled. The body is optional.
#[utoipa::path(
    post,
    path = "/requests/{id}/occurrences/{k}/cancel",
    tag = "requests",
    params(
        ("id" = i64, Path, description = "Request id"),
        ("k" = i32, Path, description = "Occurrence, from 1"),
    ),
    request_body(content = Option<OccurrenceCancelBody>, description = "Optional reason, and whether later occurrences go too"),
    responses(
        (status = 200, description = "Cancelled", body = OccurrencesCancelled),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators cannot cancel requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such occurrence, one already begun, or an invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn cancel_occurrence(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, k)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<OccurrencesCancelled>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("request"))?;
    let k: i64 = k
        .parse()
        .map_err(|_| ApiError::field("occurrence", "An occurrence is a number from 1."))?;
    let body: OccurrenceCancelBody = if body.iter().all(u8::is_ascii_whitespace) {
        OccurrenceCancelBody::default()
    } else {
        parse_json(&body)?
    };
    Ok(axum::Json(
        occurrence::cancel(&state.db, &state.links(), &caller, id, k, &body).await?,
    ))
}

/// Change one meeting of a request (`scope: "this"`), or it and every later one of its
/// series (`"following"`): its start, duration, modality, site or preferred mediator.
///
/// The changed meetings become a request of their own (`changed_from` names this one); here
/// they are called off as moved. An assignment whose mediator can still take the new time
/// keeps its mediator, with the same calendar UID and a higher SEQUENCE and a "changed"
/// notice; one who cannot is released with notices, and an urgent meeting is sought again
/// at once.
#[utoipa::path(
    patch,
    path = "/requests/{id}/occurrences/{k}",
    tag = "requests",
    params(
        ("id" = i64, Path, description = "Request id"),
        ("k" = i32, Path, description = "Occurrence, from 1"),
    ),
    request_body = OccurrencePatch,
    responses(
        (status = 200, description = "Changed", body = OccurrencesChanged),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Mediators cannot change requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request or the meeting is cancelled, or was changed before", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such occurrence, one already begun, or invalid fields, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn change_occurrence(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, k)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<OccurrencesChanged>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("request"))?;
    let k: i64 = k
        .parse()
        .map_err(|_| ApiError::field("occurrence", "An occurrence is a number from 1."))?;
    let body: OccurrencePatch = parse_json(&body)?;
    Ok(axum::Json(
        change::change(&state, &caller, id, k, body).await?,
    ))
}

/// An id that is not a number names no request.
fn request_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::NotFound("request"))
}

/// A JSON body already serialised (as stored for idempotent replays).
fn json(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}
