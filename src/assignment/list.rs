//! `GET /assignments` and `GET /assignments/{id}`: scoped by role (a mediator their own, a
//! requester their organisation's, staff all), filtered, paginated by cursor in id order.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::view::{AssignmentPage, AssignmentView, Context};
use super::{State, LIVE_STATES};
use crate::auth::{Caller, Role};
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::quoted;
use crate::entity::{assignment, request};
use crate::error::{Error, Validator};
use crate::registry::browse;
use crate::storage::page::{self, Page, PageParams};

/// The assignments `ids`, by id (in chunks: a plan can hold thousands).
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<HashMap<i64, assignment::Model>, sea_orm::DbErr> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for a in assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(a.id, a);
        }
    }
    Ok(out)
}

/// Query parameters, as text so that each is checked and reported under its own name.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Start at or after: RFC 3339, a local date-time or a date (its local midnight), read in
    /// Europe/Rome.
    pub from: Option<String>,
    /// Start strictly before; same forms as `from`.
    pub to: Option<String>,
    /// `offered`, `published`, `accepted`, `declined`, `withdrawn` or `cancelled`.
    pub state: Option<String>,
    /// Only the assignments of this request.
    #[param(value_type = Option<i64>)]
    pub request_id: Option<String>,
    /// Staff: only this mediator's assignments.
    #[param(value_type = Option<i64>)]
    pub mediator_id: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    params: &ListParams,
) -> Result<AssignmentPage, Error> {
    let mut v = Validator::new();
    let paging = PageParams {
        limit: params.limit.clone(),
        cursor: params.cursor.clone(),
    }
    .check(&mut v);
    let from = params
        .from
        .as_deref()
        .and_then(|s| v.check("from", bound(s)));
    let to = params.to.as_deref().and_then(|s| v.check("to", bound(s)));
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            v.add("to", "`to` is before `from`.");
        }
    }
    let state = params.state.as_deref().and_then(|s| {
        let state = State::parse(s.trim());
        if state.is_none() {
            v.add(
                "state",
                format!(
                    "{} is not a state: use offered, published, accepted, declined, withdrawn or cancelled.",
                    quoted(s)
                ),
            );
        }
        state
    });
    let request_id = id_param(&mut v, "request_id", params.request_id.as_deref());
    let mediator_id = id_param(&mut v, "mediator_id", params.mediator_id.as_deref());
    v.finish()?;

    let mut query = scoped(caller);
    if let Some(from) = from {
        query = query.filter(assignment::Column::Start.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(assignment::Column::Start.lt(to));
    }
    if let Some(state) = state {
        query = query.filter(assignment::Column::State.eq(state));
    }
    if let Some(id) = request_id {
        query = query.filter(assignment::Column::RequestId.eq(id));
    }
    if let Some(id) = mediator_id {
        query = query.filter(assignment::Column::MediatorId.eq(id));
    }
    let rows = page::fetch(db, query, assignment::Column::Id, paging).await?;
    let context = Context::load(db, &rows).await?;
    let page = Page::from_rows(rows, paging, |a| a.id, |a| context.view(caller, &a));
    Ok(AssignmentPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// One assignment the caller may see; anything else is 404, as if it did not exist.
pub async fn one<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: i64,
) -> Result<AssignmentView, Error> {
    let row = scoped(caller)
        .filter(assignment::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("assignment"))?;
    let context = Context::load(db, std::slice::from_ref(&row)).await?;
    Ok(context.view(caller, &row))
}

/// The live assignments of one request, by occurrence.
pub async fn live_of_request<C: ConnectionTrait>(
    db: &C,
    request_id: i64,
) -> Result<Vec<assignment::Model>, Error> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::RequestId.eq(request_id))
        .filter(assignment::Column::State.is_in(LIVE_STATES.to_vec()))
        .order_by_asc(assignment::Column::Occurrence)
        .all(db)
        .await?)
}

/// Names of the mediators with a live assignment per request, each name once.
pub async fn assignee_names<C: ConnectionTrait>(
    db: &C,
    request_ids: Vec<i64>,
) -> Result<HashMap<i64, Vec<String>>, Error> {
    if request_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::RequestId)
        .column(assignment::Column::MediatorId)
        .filter(assignment::Column::RequestId.is_in(request_ids))
        .filter(assignment::Column::State.is_in(LIVE_STATES.to_vec()))
        .into_tuple()
        .all(db)
        .await?;
    let names = browse::mediator_names_of(db, rows.iter().map(|(_, m)| *m).collect()).await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (request_id, mediator_id) in rows {
        let name = names.get(&mediator_id).cloned().unwrap_or_default();
        let entry = out.entry(request_id).or_default();
        if !entry.contains(&name) {
            entry.push(name);
        }
    }
    Ok(out)
}

/// The assignments the caller may see at all.
fn scoped(caller: &Caller) -> Select<assignment::Entity> {
    let query = assignment::Entity::find();
    match caller.role {
        Role::Coordinator | Role::Admin => query,
        Role::Mediator => {
            query.filter(assignment::Column::MediatorId.eq(caller.mediator_id.unwrap_or(-1)))
        }
        Role::Requester => {
            let own = Query::select()
                .column(request::Column::Id)
                .from(request::Entity)
                .and_where(request::Column::OrganisationId.eq(caller.organisation_id.unwrap_or(-1)))
                .to_owned();
            query.filter(assignment::Column::RequestId.in_subquery(own))
        }
    }
}

fn id_param(v: &mut Validator, field: &str, raw: Option<&str>) -> Option<i64> {
    let raw = raw?;
    let id = raw.trim().parse::<i64>().ok();
    if id.is_none() {
        v.add(field, format!("{} is not an id.", quoted(raw)));
    }
    id
}

/// A date is its local midnight in Rome; anything else goes through the usual instant parser.
fn bound(s: &str) -> Result<DateTime<Utc>, local_time::TimeError> {
    local_time::parse_date_or_instant(s, DEFAULT_ZONE)
}
