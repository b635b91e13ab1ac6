//! Feed tokens: the secret in a feed's URL (`{base}/feeds/{token}.ics`).
//!
//! A calendar client cannot log in, so the URL is the credential. The database keeps only
//! the token's SHA-256 (like API tokens), so the clear URL is shown once, when it is made;
//! afterwards it can be replaced (rotation) or switched off (revocation), never read back.
//! Each mediator and each organisation has at most one live token: rotating revokes the old
//! one in the same transaction, under a lock on the owner's row, so that two concurrent
//! rotations leave one live URL (the later one) rather than two.
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::{self, Caller};
use crate::entity::{feed_token, mediator, organisation};
use crate::error::Error;
use crate::notice::Links;
use crate::registry::access;
use crate::storage::Write;

/// Whose assignments a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Mediator(i64),
    Organisation(i64),
}

impl Owner {
    /// `feed_tokens.owner_kind`, and the audit trail's entity.
    pub fn kind(self) -> &'static str {
        match self {
            Owner::Mediator(_) => "mediator",
            Owner::Organisation(_) => "organisation",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Owner::Mediator(id) | Owner::Organisation(id) => id,
        }
    }

    fn parse(kind: &str, id: i64) -> Option<Owner> {
        match kind {
            "mediator" => Some(Owner::Mediator(id)),
            "organisation" => Some(Owner::Organisation(id)),
            _ => None,
        }
    }

    /// The mediator themself, the organisation's requesters, and staff; anyone else gets the
    /// registry's answer (404 for another's, 403 for a role that never sees such profiles).
    pub fn authorise(self, caller: &Caller) -> Result<(), Error> {
        match self {
            Owner::Mediator(id) => access::mediator(caller, id),
            Owner::Organisation(id) => access::organisation(caller, id),
        }
    }
}

/// A freshly made feed URL: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewFeed {
    /// `https://…/feeds/pf_….ics`, for "subscribe by URL".
    pub url: String,
    /// The same with the `webcal://` scheme, which opens the calendar application.
    pub webcal_url: String,
    pub created_at: DateTime<Utc>,
}

/// Whether an owner has a live feed, without its secret (which is not kept).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedStatus {
    pub live: bool,
    /// When the live URL was made.
    pub created_at: Option<DateTime<Utc>>,
}

/// The URL of a clear token.
pub fn url(links: &Links, token: &str) -> String {
    format!("{}/feeds/{token}.ics", links.base_url)
}

fn webcal(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.to_string(),
    }
}

/// Makes a new feed URL for `owner`, revoking the live one; audited.
pub async fn rotate(
    db: &DatabaseConnection,
    links: &Links,
    caller: &Caller,
    owner: Owner,
) -> Result<NewFeed, Error> {
    owner.authorise(caller)?;
    let token = auth::new_secret("pf");
    let now = Utc::now();
    let w = Write::begin(db).await?;
    find_owner(&w.txn, owner, true).await?;
    let revoked = revoke_live(&w.txn, owner, now).await?;
    let created = feed_token::Entity::insert(feed_token::ActiveModel {
        token_hash: Set(auth::digest(&token)),
        owner_kind: Set(owner.kind().to_string()),
        owner_id: Set(owner.id()),
        created_by: Set(Some(caller.user_id)),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::FeedRotated,
        owner.kind(),
        owner.id(),
        json!({ "feed_token_id": created.last_insert_id, "revoked": revoked }),
    )
    .await?;
    w.commit().await?;
    let url = url(links, &token);
    Ok(NewFeed {
        webcal_url: webcal(&url),
        url,
        created_at: now,
    })
}

/// Switches `owner`'s feed off (its URL answers 404 from now on); audited when there was
/// one. Revoking twice is not an error: the outcome the caller asked for holds.
pub async fn revoke(db: &DatabaseConnection, caller: &Caller, owner: Owner) -> Result<(), Error> {
    owner.authorise(caller)?;
    let w = Write::begin(db).await?;
    find_owner(&w.txn, owner, true).await?;
    let revoked = revoke_live(&w.txn, owner, Utc::now()).await?;
    if !revoked.is_empty() {
        audit::record(
            &w.txn,
            Some(caller.user_id),
            audit::Action::FeedRevoked,
            owner.kind(),
            owner.id(),
            json!({ "revoked": revoked }),
        )
        .await?;
    }
    w.commit().await?;
    Ok(())
}

/// Whether `owner` has a live feed (for pages and the API).
pub async fn status(
    db: &DatabaseConnection,
    caller: &Caller,
    owner: Owner,
) -> Result<FeedStatus, Error> {
    owner.authorise(caller)?;
    find_owner(db, owner, false).await?;
    let live = feed_token::Entity::find()
        .filter(feed_token::Column::OwnerKind.eq(owner.kind()))
        .filter(feed_token::Column::OwnerId.eq(owner.id()))
        .filter(feed_token::Column::RevokedAt.is_null())
        .order_by_desc(feed_token::Column::Id)
        .one(db)
        .await?;
    Ok(FeedStatus {
        live: live.is_some(),
        created_at: live.map(|t| t.created_at),
    })
}

/// A live token, as the feed route finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveToken {
    pub id: i64,
    pub owner: Owner,
    pub created_at: DateTime<Utc>,
}

/// The live token of a clear secret, if any. The lookup is by the digest's unique index: a
/// wrong token costs one indexed read, and comparing digests reveals nothing by its timing.
pub async fn resolve<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<LiveToken>, DbErr> {
    let found = feed_token::Entity::find()
        .filter(feed_token::Column::TokenHash.eq(auth::digest(token)))
        .filter(feed_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(found.and_then(|t| {
        Some(LiveToken {
            id: t.id,
            owner: Owner::parse(&t.owner_kind, t.owner_id)?,
            created_at: t.created_at,
        })
    }))
}

/// Checks that the owner exists; with `lock`, also locks its row on PostgreSQL until the
/// transaction ends (SQLite's writers are serialised already, and it has no row locks).
async fn find_owner<C: ConnectionTrait>(db: &C, owner: Owner, lock: bool) -> Result<(), Error> {
    let found = match owner {
        Owner::Mediator(id) => {
            let mut query = mediator::Entity::find_by_id(id)
                .select_only()
                .column(mediator::Column::Id);
            if lock {
                query = query.lock_exclusive();
            }
            query.into_tuple::<i64>().one(db).await?
        }
        Owner::Organisation(id) => {
            let mut query = organisation::Entity::find_by_id(id)
                .select_only()
                .column(organisation::Column::Id);
            if lock {
                query = query.lock_exclusive();
            }
            query.into_tuple::<i64>().one(db).await?
        }
    };
    found.map(|_| ()).ok_or(Error::NotFound(owner.kind()))
}

/// Revokes every live token of `owner`; their ids.
async fn revoke_live<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let live: Vec<i64> = feed_token::Entity::find()
        .select_only()
        .column(feed_token::Column::Id)
        .filter(feed_token::Column::OwnerKind.eq(owner.kind()))
        .filter(feed_token::Column::OwnerId.eq(owner.id()))
        .filter(feed_token::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    if !live.is_empty() {
        feed_token::Entity::update_many()
            .col_expr(
                feed_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(feed_token::Column::Id.is_in(live.clone()))
            .exec(db)
            .await?;
    }
    Ok(live)
}
