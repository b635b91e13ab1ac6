//! Routes of `/api/v1/notices`: coordinators watch the email outbox (failures counted first,
//! `?state=failed` to list them) and put a failed notice back in the queue.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem, Validator};
use super::extract;
use crate::auth::Caller;
use crate::entity::notice;
use crate::notice::outbox;
use crate::registry::parse_id;
use crate::startup::AppState;
use crate::storage::page::{Page, PageParams};
use crate::storage::Write;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(retry))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeParams {
    /// `pending`, `sent` or `failed`; all when absent.
    pub state: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A notice as coordinators see it: who, what, and how sending went (not the bodies).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub recipient_email: String,
    pub locale: String,
    pub subject: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub assignment_id: Option<i64>,
    pub request_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<notice::Model> for Notice {
    fn from(n: notice::Model) -> Self {
        Notice {
            id: n.id,
            message_id: n.message_id,
            kind: n.kind,
            recipient_email: n.recipient_email,
            locale: n.locale,
            subject: n.subject,
            state: n.state,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            last_error: n.last_error,
            assignment_id: n.assignment_id,
            request_id: n.request_id,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

/// Count of notices in one state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    pub state: String,
    pub count: u64,
}

/// A page of the outbox, with the counts per state (failed first).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub counts: Vec<StateCount>,
    pub items: Vec<Notice>,
    pub next_cursor: Option<String>,
}

/// The email outbox (staff).
#[utoipa::path(get, path = "/notices", tag = "notices", params(NoticeParams), responses(
    (status = 200, body = NoticeList),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<NoticeParams>, QueryRejection>,
) -> Result<Json<NoticeList>, ApiError> {
    caller.require_staff()?;
    let params = extract::query(params)?;
    let mut v = Validator::new();
    let page = PageParams {
        limit: params.limit.clone(),
        cursor: params.cursor.clone(),
    }
    .check(&mut v);
    let wanted = params.state.as_deref().filter(|s| !s.trim().is_empty());
    if let Some(s) = wanted {
        if !outbox::STATES.contains(&s) {
            v.add("state", "The state is pending, sent or failed.");
        }
    }
    v.finish()?;
    let rows = outbox::list(&state.db, wanted, page).await?;
    let page = Page::from_rows(rows, page, |r| r.id, Notice::from);
    let counts = outbox::counts(&state.db)
        .await?
        .into_iter()
        .map(|(state, count)| StateCount { state, count })
        .collect();
    Ok(Json(NoticeList {
        counts,
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Puts a failed notice back in the queue, due now (staff).
#[utoipa::path(post, path = "/notices/{id}/retry", tag = "notices", params(("id" = i64, Path)), responses(
    (status = 200, body = Notice),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, description = "The notice has not failed", body = Problem),
))]
async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Notice>, ApiError> {
    caller.require_staff()?;
    let id = parse_id(&id, "notice")?;
    let w = Write::begin(&state.db).await?;
    let outcome = outbox::retry(&w.txn, id).await?;
    let notice = match outcome {
        None => return Err(ApiError::NotFound("notice")),
        Some(Err(current)) => {
            return Err(ApiError::Conflict(format!(
                "notice {id} is {current}; only failed notices are retried"
            )))
        }
        Some(Ok(n)) => n,
    };
    crate::audit::record(
        &w.txn,
        Some(caller.user_id),
        crate::audit::Action::NoticeRetried,
        "notice",
        id,
        serde_json::json!({"before": {"state": "failed"}, "after": {"state": "pending"}}),
    )
    .await?;
    w.commit().await?;
    Ok(Json(notice.into()))
}
