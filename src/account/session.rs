//! Browser sessions' rows: the `sessions` table keeps the SHA-256 of each cookie's secret
//! (a stolen database reveals no live cookie) and its CSRF token. The cookies themselves are
//! the pages' business (`web::session`).
use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::throttle::{record_lock, Key, Locked, Scope, Throttle};
use crate::auth;
use crate::entity::{session, user};
use crate::error::Error;
use crate::storage::Write;

/// A working day and then some: a desk clerk logs in once in the morning.
pub const SESSION_HOURS: i64 = 12;

/// The session whose secret digests to `hash`, with its user, while it has not expired and
/// the user is active.
pub async fn live(
    db: &DatabaseConnection,
    hash: &str,
) -> Result<Option<(session::Model, user::Model)>, Error> {
    let Some(session) = session::Entity::find_by_id(hash.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(session.user_id).one(db).await? else {
        return Ok(None);
    };
    if session.expires_at <= Utc::now() || !user.active {
        return Ok(None);
    }
    Ok(Some((session, user)))
}

/// The user with this email and password, if active.
pub async fn authenticate(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<Option<user::Model>, Error> {
    let email = email.trim().to_lowercase();
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?;
    // Unknown emails are checked against a real hash too, so that the answer takes as long
    // either way and does not tell which emails have accounts.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = found
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| auth::hash_password("not-a-password-of-anyone").unwrap_or_default())
                .clone()
        });
    let ok = auth::verify_password(password, &stored);
    Ok(found.filter(|u| ok && u.active && u.password_hash.is_some()))
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    Signed(user::Model),
    /// Wrong email or password (which one is not told).
    Refused,
    /// Too many wrong attempts for this account or from this address: not even checked.
    Locked(Locked),
}

/// A sign-in attempt from `address` at `now`, throttled by account and by address. A lock
/// that this attempt starts is audited and logged.
pub async fn sign_in(
    db: &DatabaseConnection,
    throttle: &Throttle,
    email: &str,
    password: &str,
    address: IpAddr,
    now: DateTime<Utc>,
) -> Result<SignIn, Error> {
    let email = email.trim().to_lowercase();
    let keys = [
        Key::Account(email.clone()),
        Key::Address(Scope::Login, address),
    ];
    let started = match throttle.attempt(&keys, now) {
        Ok(started) => started,
        Err(locked) => return Ok(SignIn::Locked(locked)),
    };
    if let Some(user) = authenticate(db, &email, password).await? {
        throttle.succeeded(&keys, now);
        return Ok(SignIn::Signed(user));
    }
    for locked in &started {
        record_lock(db, locked, address).await?;
    }
    Ok(SignIn::Refused)
}

/// A new session for `user_id`; returns the cookie's secret. Expired sessions of anyone are
/// purged on the way, so the table does not grow without bound.
pub async fn open(db: &DatabaseConnection, user_id: i64) -> Result<String, Error> {
    let secret = auth::new_secret("ps");
    let now = Utc::now();
    let write = Write::begin(db).await?;
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(now))
        .exec(&write.txn)
        .await?;
    session::Entity::insert(session::ActiveModel {
        id_hash: Set(auth::digest(&secret)),
        user_id: Set(user_id),
        csrf_token: Set(auth::new_secret("pc")),
        created_at: Set(now),
        expires_at: Set(now + TimeDelta::hours(SESSION_HOURS)),
    })
    .exec_without_returning(&write.txn)
    .await?;
    write.commit().await?;
    Ok(secret)
}

/// Ends the session whose secret digests to `hash` (logging out).
pub async fn close(db: &DatabaseConnection, hash: &str) -> Result<(), Error> {
    let write = Write::begin(db).await?;
    session::Entity::delete_many()
        .filter(session::Column::IdHash.eq(hash))
        .exec(&write.txn)
        .await?;
    Ok(write.commit().await?)
}
