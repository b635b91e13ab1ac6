//! Routes of `/api/v1/reports`: the report tables and the shortage analysis as JSON, for
//! funders' dashboards. Parse the query, hand it to `crate::report`, map the result.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, FieldErrors, Problem};
use super::extract::query;
use crate::auth::Caller;
use crate::domain::local_time;
use crate::report::figures::{self, Group, Report};
use crate::report::occurrences;
use crate::report::range::{self, Range, RangeErrors};
use crate::report::shortage::{self, Cell, WhatIf, WhatIfOptions};
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(shortage_report))
}

/// Query parameters, all as text so that each bad one is a 422 naming it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First local date (Europe/Rome), `YYYY-MM-DD`; default: the first of this month.
    pub from: Option<String>,
    /// Last local date, included; default: the last of this month. At most 366 days.
    pub to: Option<String>,
    /// `language` (default), `organisation` or `mediator`.
    pub group: Option<String>,
}

/// Report figures per language, organisation or mediator over a range of local dates.
///
/// Coordinators and admins. Occurrences of series count once per date; `filled_pct` is of
/// the occurrences not cancelled; medians are in minutes.
#[utoipa::path(
    get,
    path = "/reports",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, body = Report),
        (status = 400, description = "The query string is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins see reports", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn report(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    caller.require_staff()?;
    let params = query(params)?;
    let group = match params.group.as_deref().map(str::trim) {
        None | Some("") => Group::Language,
        Some(g) => Group::parse(g).ok_or_else(|| {
            ApiError::field("group", "Use `language`, `organisation` or `mediator`.")
        })?,
    };
    let range = parse_range(&params.from, &params.to)?;
    let data = occurrences::load(&state.db, range).await?;
    Ok(Json(figures::report(&data, range, group)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShortageParams {
    /// First local date, `YYYY-MM-DD`; default: the first of this month.
    pub from: Option<String>,
    /// Last local date, included; default: the last of this month.
    pub to: Option<String>,
    /// `true` to re-solve the range with one more mediator in each top cell (seconds).
    pub what_if: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShortageView {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// Unmet demand, most unmet minutes first.
    pub cells: Vec<Cell>,
    /// Present when `what_if=true`.
    pub what_if: Option<WhatIf>,
}

/// Unmet demand by language × weekday × slot × town and, on request, what one more
/// mediator in the top cells would fill.
///
/// Coordinators and admins. The what-if re-solves the range's instance several times with
/// a short time limit each, two at a time (about five seconds in all).
#[utoipa::path(
    get,
    path = "/reports/shortage",
    tag = "reports",
    params(ShortageParams),
    responses(
        (status = 200, body = ShortageView),
        (status = 400, description = "The query string is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only coordinators and admins see reports", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters, each named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn shortage_report(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ShortageParams>, QueryRejection>,
) -> Result<Json<ShortageView>, ApiError> {
    caller.require_staff()?;
    let params = query(params)?;
    let range = parse_range(&params.from, &params.to)?;
    let data = occurrences::load(&state.db, range).await?;
    let what_if = if params.what_if.unwrap_or(false) {
        Some(
            shortage::what_if(&state.db, range, &data, WhatIfOptions::default())
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        )
    } else {
        None
    };
    Ok(Json(ShortageView {
        from: range.from,
        to: range.to,
        cells: shortage::cells(&data),
        what_if,
    }))
}

fn parse_range(from: &Option<String>, to: &Option<String>) -> Result<Range, ApiError> {
    Range::parse(from.as_deref(), to.as_deref(), Utc::now()).map_err(|e| field_errors(&e))
}

fn field_errors(e: &RangeErrors) -> ApiError {
    let message = |code: &str| match code {
        range::BEFORE_FROM => "`to` is before `from`.".to_string(),
        range::TOO_LONG => format!("A range lasts at most {} days.", range::MAX_DAYS),
        range::OUT_OF_RANGE => format!(
            "Dates are from {} to {}.",
            local_time::FIRST_DATE,
            local_time::LAST_DATE
        ),
        _ => "Use a date as YYYY-MM-DD.".to_string(),
    };
    let mut errors = FieldErrors::new();
    if let Some(code) = e.from {
        errors.insert("from".into(), message(code));
    }
    if let Some(code) = e.to {
        errors.insert("to".into(), message(code));
    }
    ApiError::Invalid(errors)
}
