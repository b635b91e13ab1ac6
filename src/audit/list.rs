//! `GET /audit`: the trail for staff, newest first, narrowed by filters that are each checked
//! under their own name, with the cursor pagination of every other listing.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::domain::quoted;
use crate::entity::{audit_event, user};
use crate::error::{Error, Validator};
use crate::storage::page::{Page, PageParams, PageRequest};

/// Query parameters, all as text so that each bad one is a 422 naming it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Kind of the changed thing: `request`, `assignment`, `plan`, `mediator`…
    pub entity: Option<String>,
    /// Its id, as recorded (compare with `entity`).
    pub entity_id: Option<String>,
    /// The verb: `created`, `cancelled`, `published`…
    pub action: Option<String>,
    /// Only events caused by this user.
    #[param(value_type = Option<i64>)]
    pub actor_user_id: Option<String>,
    /// Events at or after this RFC 3339 instant.
    pub from: Option<String>,
    /// Events strictly before this RFC 3339 instant.
    pub to: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One event of the trail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Null for the system's own changes (dispatch workers, expiries).
    pub actor_user_id: Option<i64>,
    /// The actor's current email, when the actor is a user that still exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Default)]
struct Filter {
    entity: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    actor_user_id: Option<i64>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    params: &AuditParams,
) -> Result<Page<AuditItem>, Error> {
    caller.require_staff()?;
    let (filter, page) = parse(params)?;
    let mut query = audit_event::Entity::find();
    if let Some(entity) = filter.entity {
        query = query.filter(audit_event::Column::Entity.eq(entity));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_event::Column::EntityId.eq(entity_id));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_event::Column::ActorUserId.eq(actor));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_event::Column::At.lt(to));
    }
    // Newest first by id: ids grow in commit order of the inserts, and unlike `at` they are
    // unique, so the cursor (the last id seen) never skips or repeats an event.
    if let Some(after) = page.after {
        query = query.filter(audit_event::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(audit_event::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let emails = emails(db, rows.iter().filter_map(|r| r.actor_user_id)).await?;
    Ok(Page::from_rows(
        rows,
        page,
        |r| r.id,
        |r| AuditItem {
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_email: r.actor_user_id.and_then(|id| emails.get(&id).cloned()),
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            detail: r.detail,
        },
    ))
}

/// Emails of the actors of a page, in one query.
async fn emails<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, String>, Error> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(users.into_iter().map(|u| (u.id, u.email)).collect())
}

fn parse(params: &AuditParams) -> Result<(Filter, PageRequest), Error> {
    let mut v = Validator::new();
    let page = PageParams {
        limit: params.limit.clone(),
        cursor: params.cursor.clone(),
    }
    .check(&mut v);
    let filter = Filter {
        entity: text(&params.entity),
        entity_id: text(&params.entity_id),
        action: text(&params.action),
        actor_user_id: text(&params.actor_user_id).and_then(|s| {
            v.check(
                "actor_user_id",
                s.parse::<i64>()
                    .map_err(|_| format!("{} is not a user id.", quoted(&s))),
            )
        }),
        from: text(&params.from).and_then(|s| v.check("from", instant(&s))),
        to: text(&params.to).and_then(|s| v.check("to", instant(&s))),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if to < from {
            v.add("to", "`to` is before `from`.");
        }
    }
    v.finish()?;
    Ok((filter, page))
}

/// A blank parameter, as a form sends it, filters nothing.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The trail is in UTC instants, so a bound must say its offset: no local-time guessing.
fn instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "{} is not an RFC 3339 instant such as 2027-03-30T09:00:00Z.",
                quoted(s)
            )
        })
}

/// The user an audit filter names by email (as typed, in any case), to filter by actor.
pub async fn actor_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<user::Model>, Error> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(params: AuditParams) -> Vec<String> {
        match parse(&params) {
            Ok(_) => vec![],
            Err(Error::Invalid(errors)) => errors.into_keys().collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(
            fields(AuditParams {
                from: Some("yesterday".into()),
                to: Some("2027-03-30T09:00".into()),
                actor_user_id: Some("me".into()),
                ..Default::default()
            }),
            ["actor_user_id", "from", "to"]
        );
        assert_eq!(
            fields(AuditParams {
                from: Some("2027-03-30T10:00:00+02:00".into()),
                to: Some("2027-03-30T07:00:00Z".into()),
                ..Default::default()
            }),
            ["to"]
        );
        assert!(fields(AuditParams {
            from: Some("2027-03-30T08:00:00+02:00".into()),
            to: Some("2027-03-30T07:00:00Z".into()),
            entity: Some(" ".into()),
            ..Default::default()
        })
        .is_empty());
    }
}
