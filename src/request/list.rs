//! `GET /requests`: filters, checked one by one so that each error names its parameter, and
//! cursor pagination in id (submission) order.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{Status, Urgency};
use super::store::{self, zone_in};
use super::view::{self, RequestPage};
use crate::auth::{Caller, Role};
use crate::domain::language;
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::quoted;
use crate::entity::request;
use crate::error::{Error, Validator};
use crate::storage::page as cursor;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// Query parameters, all as text so that each is checked and reported under its own name.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Coordinators and admins: only this organisation's requests. A requester always sees
    /// their own organisation's only; another id gives an empty list.
    #[param(value_type = Option<i64>)]
    pub organisation_id: Option<String>,
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Exact BCP 47 tag (compared in canonical case): `ar` does not list `ar-MA`.
    pub language: Option<String>,
    #[param(value_type = Option<Urgency>)]
    pub urgency: Option<String>,
    /// Earliest start at or after: RFC 3339, a local date-time or a date (`2027-03-29`, its
    /// local midnight), read in Europe/Rome.
    pub from: Option<String>,
    /// Earliest start strictly before; same forms as `from`, so `from=2027-03-29&to=2027-03-30`
    /// is the whole of 29 March.
    pub to: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u64>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Default)]
struct Filter {
    organisation_id: Option<i64>,
    status: Option<Status>,
    language: Option<String>,
    urgency: Option<Urgency>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u64,
    after_id: Option<i64>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    params: &ListParams,
) -> Result<RequestPage, Error> {
    store::require_access(caller)?;
    let filter = parse(params)?;
    let mut query = request::Entity::find();
    if caller.role == Role::Requester {
        query =
            query.filter(request::Column::OrganisationId.eq(caller.organisation_id.unwrap_or(-1)));
    }
    if let Some(id) = filter.organisation_id {
        query = query.filter(request::Column::OrganisationId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(request::Column::Status.eq(status));
    }
    if let Some(language) = filter.language {
        query = query.filter(request::Column::Language.eq(language));
    }
    if let Some(urgency) = filter.urgency {
        query = query.filter(request::Column::Urgency.eq(urgency));
    }
    if let Some(from) = filter.from {
        query = query.filter(request::Column::EarliestStart.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(request::Column::EarliestStart.lt(to));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(request::Column::Id.gt(after));
    }
    // One more than a page tells whether another page follows without a count query.
    let mut rows = query
        .order_by_asc(request::Column::Id)
        .limit(filter.limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > filter.limit;
    rows.truncate(filter.limit as usize);
    let zones = store::zones(db, rows.iter().map(|r| r.organisation_id)).await?;
    Ok(RequestPage {
        next_cursor: if more {
            rows.last().map(|r| cursor::encode(r.id))
        } else {
            None
        },
        items: rows
            .iter()
            .map(|r| view::view(r, zone_in(&zones, r.organisation_id)))
            .collect(),
    })
}

fn parse(params: &ListParams) -> Result<Filter, Error> {
    let mut v = Validator::new();
    let mut f = Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    };
    if let Some(s) = &params.organisation_id {
        f.organisation_id = v.check(
            "organisation_id",
            s.trim().parse::<i64>().map_err(|_| not_an_id(s)),
        );
    }
    if let Some(s) = &params.status {
        f.status = Status::parse(s.trim());
        if f.status.is_none() {
            v.add(
                "status",
                format!("{} is not a status: use submitted or cancelled.", quoted(s)),
            );
        }
    }
    if let Some(s) = &params.language {
        f.language = v
            .check("language", language::parse_tag(s))
            .map(|t| t.to_string());
    }
    if let Some(s) = &params.urgency {
        f.urgency = Urgency::parse(s.trim());
        if f.urgency.is_none() {
            v.add(
                "urgency",
                format!(
                    "{} is not an urgency: use emergency, urgent or routine.",
                    quoted(s)
                ),
            );
        }
    }
    f.from = params
        .from
        .as_deref()
        .and_then(|s| v.check("from", bound(s)));
    f.to = params.to.as_deref().and_then(|s| v.check("to", bound(s)));
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if to < from {
            v.add("to", "`to` is before `from`.");
        }
    }
    if let Some(s) = &params.limit {
        match s.trim().parse::<u64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => f.limit = n,
            _ => v.add(
                "limit",
                format!("The limit must be a whole number from 1 to {MAX_LIMIT}."),
            ),
        }
    }
    if let Some(s) = &params.cursor {
        f.after_id = cursor::decode(s);
        if f.after_id.is_none() {
            v.add(
                "cursor",
                "Not a cursor of this list: pass `next_cursor` of the previous page unchanged.",
            );
        }
    }
    v.finish()?;
    Ok(f)
}

fn not_an_id(s: &str) -> String {
    format!("{} is not an organisation id.", quoted(s))
}

/// A date is its local midnight in Rome; anything else goes through the usual instant parser.
fn bound(s: &str) -> Result<DateTime<Utc>, local_time::TimeError> {
    local_time::parse_date_or_instant(s, DEFAULT_ZONE)
}
/// One page of the desk's list, newest first (what a desk looks for; the API lists in
/// submission order): a requester's organisation's requests, or every request for staff,
/// with an id below `before`, in `status` when it names one. The flag says whether more
/// follow.
pub async fn newest_first<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    before: Option<i64>,
    status: &str,
    page_size: u64,
) -> Result<(Vec<request::Model>, bool), Error> {
    let mut query = request::Entity::find();
    if caller.role == Role::Requester {
        query =
            query.filter(request::Column::OrganisationId.eq(caller.organisation_id.unwrap_or(-1)));
    }
    if let Some(before) = before {
        query = query.filter(request::Column::Id.lt(before));
    }
    if Status::parse(status).is_some() {
        query = query.filter(request::Column::Status.eq(status));
    }
    let mut rows = query
        .order_by_desc(request::Column::Id)
        .limit(page_size + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    Ok((rows, more))
}
