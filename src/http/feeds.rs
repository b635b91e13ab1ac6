//! iCal feeds: `GET /feeds/{token}.ics` for calendar clients (no login: the token is the
//! credential), and the API that makes, shows and revokes a mediator's or an
//! organisation's feed URL.
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::client::ClientAddress;
use super::error::{ApiError, Problem};
use crate::account::throttle::{resolve_token, Guarded, Scope};
use crate::auth::Caller;
use crate::feed::calendar::{self, Stamp};
use crate::feed::tokens::{self, FeedStatus, NewFeed, Owner};
use crate::registry::parse_id;
use crate::startup::AppState;
use bytes::Bytes;

/// The API routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            mediator_feed,
            rotate_mediator_feed,
            revoke_mediator_feed
        ))
        .routes(routes!(
            organisation_feed,
            rotate_organisation_feed,
            revoke_organisation_feed
        ))
}

/// The feeds themselves, outside the API (no bearer token, not JSON).
pub fn public_router() -> Router<AppState> {
    Router::new().route("/feeds/{file}", get(serve))
}

/// Whether the mediator has a live feed URL (the URL itself is shown only when made).
#[utoipa::path(get, path = "/mediators/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 200, body = FeedStatus),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn mediator_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FeedStatus>, ApiError> {
    let owner = Owner::Mediator(parse_id(&id, "mediator")?);
    tokens::status(&state.db, &caller, owner)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Makes a new feed URL for the mediator and revokes the old one: the mediator themself or
/// staff. The URL is in this answer only.
#[utoipa::path(post, path = "/mediators/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 201, body = NewFeed),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn rotate_mediator_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let owner = Owner::Mediator(parse_id(&id, "mediator")?);
    rotate(&state, &caller, owner).await
}

/// Revokes the mediator's feed URL: it answers 404 from now on.
#[utoipa::path(delete, path = "/mediators/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 204, description = "No live feed URL any more"),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn revoke_mediator_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let owner = Owner::Mediator(parse_id(&id, "mediator")?);
    tokens::revoke(&state.db, &caller, owner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the organisation has a live feed URL.
#[utoipa::path(get, path = "/organisations/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 200, body = FeedStatus),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn organisation_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FeedStatus>, ApiError> {
    let owner = Owner::Organisation(parse_id(&id, "organisation")?);
    tokens::status(&state.db, &caller, owner)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// Makes a new feed URL for the organisation and revokes the old one: its requesters or
/// staff. The URL is in this answer only.
#[utoipa::path(post, path = "/organisations/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 201, body = NewFeed),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn rotate_organisation_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let owner = Owner::Organisation(parse_id(&id, "organisation")?);
    rotate(&state, &caller, owner).await
}

/// Revokes the organisation's feed URL: it answers 404 from now on.
#[utoipa::path(delete, path = "/organisations/{id}/feed", tag = "feeds", params(("id" = i64, Path)), responses(
    (status = 204, description = "No live feed URL any more"),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
async fn revoke_organisation_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let owner = Owner::Organisation(parse_id(&id, "organisation")?);
    tokens::revoke(&state.db, &caller, owner).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(state: &AppState, caller: &Caller, owner: Owner) -> Result<Response, ApiError> {
    let created = tokens::rotate(&state.db, &state.links(), caller, owner).await?;
    // The body holds a secret: no cache may keep it.
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(created),
    )
        .into_response())
}

/// A feed, or 304 when the client's copy is current. Unknown, revoked and malformed tokens
/// are all the same 404.
async fn serve(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = ApiError::NotFound("feed");
    let token = file.strip_suffix(".ics").unwrap_or_default();
    let now = state.clock.now();
    let found = resolve_token(
        &state.db,
        &state.throttle,
        Scope::Feed,
        address,
        now,
        async {
            if token.is_empty() {
                return Ok(None);
            }
            tokens::resolve(&state.db, token).await
        },
    )
    .await?;
    let live = match found {
        Guarded::Found(live) => live,
        Guarded::Unknown => return Err(not_found),
        Guarded::Locked(locked) => {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: locked.retry_after_secs(now),
            })
        }
    };
    // A revalidation costs the stamp's two reads; a full answer is rendered once per change
    // and then served from memory.
    let Some(stamped) = calendar::stamp(&state.db, &live, now).await? else {
        return Err(not_found);
    };
    if not_modified(&headers, &stamped.stamp) {
        return Ok(respond(&stamped.stamp, None));
    }
    if let Some(body) = state.feeds.get(&stamped.stamp.etag) {
        return Ok(respond(&stamped.stamp, Some(body)));
    }
    let feed = calendar::render_stamped(&state.db, live, stamped, now).await?;
    let stamp = Stamp {
        etag: feed.etag,
        last_modified: feed.last_modified,
    };
    let body = Bytes::from(feed.body);
    state.feeds.put(stamp.etag.clone(), body.clone());
    Ok(respond(&stamp, Some(body)))
}

/// 200 with `body`, or 304 without.
fn respond(feed: &Stamp, body: Option<Bytes>) -> Response {
    let last_modified = http_date(feed.last_modified);
    let mut headers = HeaderMap::new();
    let mut set = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, &feed.etag);
    set(header::LAST_MODIFIED, &last_modified);
    // Clients may keep a copy but must ask again before using it: the 304 is cheap, and a
    // change or a revocation shows at the next poll. `private`: the URL is a secret, so
    // shared caches should not hold its answer.
    set(header::CACHE_CONTROL, "private, no-cache");
    let Some(body) = body else {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    };
    set(header::CONTENT_TYPE, "text/calendar; charset=utf-8");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    (StatusCode::OK, headers, body).into_response()
}

/// RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison, `*` matches any);
/// only without it does If-Modified-Since count, at the second precision of HTTP dates.
fn not_modified(request: &HeaderMap, feed: &Stamp) -> bool {
    let values: Vec<&str> = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !values.is_empty() {
        let ours = opaque(&feed.etag);
        return values
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || opaque(tag) == ours);
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
    since.is_some_and(|since| feed.last_modified.timestamp() <= since.timestamp())
}

/// An entity tag without its weakness indicator, for weak comparison.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// IMF-fixdate (RFC 9110 §5.6.7).
fn http_date(instant: DateTime<Utc>) -> String {
    instant.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn feed() -> Stamp {
        Stamp {
            etag: "\"abc\"".into(),
            last_modified: Utc.with_ymd_and_hms(2027, 3, 28, 7, 0, 30).unwrap(),
        }
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn if_none_match_decides_before_the_date() {
        let f = feed();
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"abc\"")]),
            &f
        ));
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")]),
            &f
        ));
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "*")]), &f));
        // A stale tag wins over a current date: the content changed.
        assert!(!not_modified(
            &headers(&[
                (header::IF_NONE_MATCH, "\"old\""),
                (header::IF_MODIFIED_SINCE, "Sun, 28 Mar 2027 08:00:00 GMT"),
            ]),
            &f
        ));
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let f = feed();
        assert_eq!(http_date(f.last_modified), "Sun, 28 Mar 2027 07:00:30 GMT");
        let since = |v: &str| not_modified(&headers(&[(header::IF_MODIFIED_SINCE, v)]), &f);
        assert!(since("Sun, 28 Mar 2027 07:00:30 GMT"));
        assert!(since("Sun, 28 Mar 2027 09:00:30 +0200"));
        assert!(!since("Sun, 28 Mar 2027 07:00:29 GMT"));
        assert!(!since("yesterday"));
        assert!(!not_modified(&HeaderMap::new(), &f));
    }
}
