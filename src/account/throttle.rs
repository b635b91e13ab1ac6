//! Throttling of guesses: wrong passwords per account and per client address, unknown
//! response-link and feed tokens per client address. The rule is `domain::throttle`; this
//! keeps each key's state in memory, bounded in size.
//!
//! In memory, per process: several processes behind one load balancer each allow their own
//! burst, which multiplies a guesser's rate by their number but still bounds it; a restart
//! forgets every lock. What a lock needs to survive, its audit event, is in the database.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;

use crate::audit::{self, Action};
use crate::auth::{Caller, Role};
use crate::domain::throttle::{self, Rate, Verdict};
use crate::entity::user;
use crate::error::Error;

/// Where the guesses are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Login,
    Respond,
    Feed,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Login => "login",
            Scope::Respond => "respond",
            Scope::Feed => "feed",
        }
    }
}

/// What is throttled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// An account, by its normalised email, whether or not it exists (so that the answer
    /// does not tell which emails have accounts).
    Account(String),
    /// A client address, in one scope.
    Address(Scope, IpAddr),
}

impl Key {
    /// The allowance of this kind of key.
    ///
    /// An account: 5 quick tries (a person who forgot which password), then one a minute,
    /// at most 60 guesses an hour from the whole internet. An address at login: 20, then one
    /// every 30 s (an office behind one address has several people). An address with unknown
    /// tokens: 20, then one every 10 s; a calendar polling a revoked feed every few minutes
    /// never comes near it, and 2^128 tokens stay out of reach.
    pub fn rate(&self) -> Rate {
        match self {
            Key::Account(_) => Rate {
                burst: 5,
                interval: TimeDelta::minutes(1),
            },
            Key::Address(Scope::Login, _) => Rate {
                burst: 20,
                interval: TimeDelta::seconds(30),
            },
            Key::Address(_, _) => Rate {
                burst: 20,
                interval: TimeDelta::seconds(10),
            },
        }
    }

    /// The key as one text, for a form that names it (`account:…`, `login:…`, …).
    pub fn encode(&self) -> String {
        match self {
            Key::Account(email) => format!("account:{email}"),
            Key::Address(scope, ip) => format!("{}:{ip}", scope.as_str()),
        }
    }

    pub fn decode(text: &str) -> Option<Key> {
        let (kind, rest) = text.split_once(':')?;
        let scope = match kind {
            "account" => return Some(Key::Account(rest.to_string())),
            "login" => Scope::Login,
            "respond" => Scope::Respond,
            "feed" => Scope::Feed,
            _ => return None,
        };
        rest.parse().ok().map(|ip| Key::Address(scope, ip))
    }

    pub fn describe(&self) -> String {
        match self {
            Key::Account(email) => email.clone(),
            Key::Address(scope, ip) => format!("{ip} ({})", scope.as_str()),
        }
    }
}

/// A refusal: locked until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub key: Key,
    pub until: DateTime<Utc>,
}

impl Locked {
    pub fn retry_after_secs(&self, now: DateTime<Utc>) -> u64 {
        throttle::retry_after_secs(self.until, now)
    }
}

/// The keys remembered at most; beyond, the one nearest recovery is forgotten first, so a
/// flood of addresses costs bounded memory and leaves the busiest guessers locked.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<Key, DateTime<Utc>>>,
}

impl Throttle {
    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<Key, DateTime<Utc>>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An attempt by `keys` at `now`: refused if any of them is locked; otherwise counted
    /// against each of them now, before the password or token is checked, so that parallel
    /// requests cannot all slip through before the first failure is counted. A success gives
    /// the count back (`succeeded`). Returns the keys this attempt locked, for the audit.
    pub fn attempt(&self, keys: &[Key], now: DateTime<Utc>) -> Result<Vec<Locked>, Locked> {
        let mut map = self.keys();
        for key in keys {
            if let Verdict::Locked { until } =
                throttle::verdict(map.get(key).copied(), key.rate(), now)
            {
                return Err(Locked {
                    key: key.clone(),
                    until,
                });
            }
        }
        if map.len() + keys.len() > MAX_KEYS {
            // Amortised: a tenth of the room is made at once, not one key per attempt.
            map.retain(|_, tat| !throttle::forgotten(*tat, now));
            if map.len() + keys.len() > MAX_KEYS - MAX_KEYS / 10 {
                let mut tats: Vec<DateTime<Utc>> = map.values().copied().collect();
                let (_, cutoff, _) = tats.select_nth_unstable(MAX_KEYS / 10);
                let cutoff = *cutoff;
                map.retain(|_, tat| *tat > cutoff);
            }
        }
        let mut locked = Vec::new();
        for key in keys {
            let rate = key.rate();
            let tat = throttle::after_failure(map.get(key).copied(), rate, now);
            map.insert(key.clone(), tat);
            if let Verdict::Locked { until } = throttle::verdict(Some(tat), rate, now) {
                locked.push(Locked {
                    key: key.clone(),
                    until,
                });
            }
        }
        Ok(locked)
    }

    /// The attempt was right: an account's count is cleared, an address's given back (an
    /// office of fifty behind one address signs in at nine). Clearing the address would let
    /// a guesser with an account of their own wipe their count between guesses.
    pub fn succeeded(&self, keys: &[Key], now: DateTime<Utc>) {
        let mut map = self.keys();
        for key in keys {
            match key {
                Key::Account(_) => {
                    map.remove(key);
                }
                Key::Address(..) => {
                    if let Some(tat) = map.get(key).copied() {
                        let back = tat - key.rate().interval;
                        if throttle::forgotten(back, now) {
                            map.remove(key);
                        } else {
                            map.insert(key.clone(), back);
                        }
                    }
                }
            }
        }
    }

    /// An admin lifts a lock.
    pub fn lift(&self, key: &Key) -> bool {
        self.keys().remove(key).is_some()
    }

    /// Every key locked at `now`, soonest to end first: what admins see.
    pub fn locks(&self, now: DateTime<Utc>) -> Vec<Locked> {
        let mut locks: Vec<Locked> = self
            .keys()
            .iter()
            .filter_map(
                |(key, tat)| match throttle::verdict(Some(*tat), key.rate(), now) {
                    Verdict::Locked { until } => Some(Locked {
                        key: key.clone(),
                        until,
                    }),
                    Verdict::Allowed => None,
                },
            )
            .collect();
        locks.sort_by(|a, b| a.until.cmp(&b.until).then_with(|| a.key.cmp(&b.key)));
        locks
    }
}

/// The audit event and the log line of a lock that just began. An account is named by its
/// user when it exists; an email with no account is kept only as far as the log goes.
pub async fn record_lock<C: ConnectionTrait>(
    db: &C,
    locked: &Locked,
    address: IpAddr,
) -> Result<(), DbErr> {
    tracing::warn!(key = %locked.key.describe(), %address, until = %locked.until, "throttle lock began");
    let detail = json!({ "until": locked.until, "address": address.to_string() });
    match &locked.key {
        Key::Account(email) => {
            let user = user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(db)
                .await?;
            if let Some(user) = user {
                audit::record(db, None, Action::Locked, "user", user.id, detail).await?;
            }
        }
        Key::Address(scope, ip) => {
            let detail = json!({ "until": locked.until, "scope": scope.as_str() });
            audit::record(db, None, Action::Locked, "address", ip, detail).await?;
        }
    }
    Ok(())
}

/// An admin lifts a lock before it ends (a colleague locked out by someone else's guesses).
/// Audited; `false` when there was nothing to lift.
pub async fn lift<C: ConnectionTrait>(
    db: &C,
    throttle: &Throttle,
    caller: &Caller,
    key: &Key,
) -> Result<bool, Error> {
    if caller.role != Role::Admin {
        return Err(Error::Forbidden("only an admin lifts a lock"));
    }
    if !throttle.lift(key) {
        return Ok(false);
    }
    tracing::info!(key = %key.describe(), by = caller.user_id, "throttle lock lifted");
    let (entity, id) = match key {
        Key::Account(email) => ("login", email.clone()),
        Key::Address(_, ip) => ("address", ip.to_string()),
    };
    audit::record(
        db,
        Some(caller.user_id),
        Action::Unlocked,
        entity,
        id,
        json!({ "key": key.encode() }),
    )
    .await?;
    Ok(true)
}

/// What a token came to under the throttle.
#[derive(Debug)]
pub enum Guarded<T> {
    Found(T),
    Unknown,
    Locked(Locked),
}

/// Resolves a token (`resolve`) for `address` in `scope`: refused while the address is
/// locked, counted when the token names nothing, free when it does.
pub async fn resolve_token<C, T, E, F>(
    db: &C,
    throttle: &Throttle,
    scope: Scope,
    address: IpAddr,
    now: DateTime<Utc>,
    resolve: F,
) -> Result<Guarded<T>, E>
where
    C: ConnectionTrait,
    E: From<DbErr>,
    F: std::future::Future<Output = Result<Option<T>, E>>,
{
    let keys = [Key::Address(scope, address)];
    let started = match throttle.attempt(&keys, now) {
        Ok(started) => started,
        Err(locked) => return Ok(Guarded::Locked(locked)),
    };
    match resolve.await? {
        Some(found) => {
            throttle.succeeded(&keys, now);
            Ok(Guarded::Found(found))
        }
        None => {
            for locked in &started {
                record_lock(db, locked, address).await?;
            }
            Ok(Guarded::Unknown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap()
    }

    #[test]
    fn an_account_locks_after_five_failures_whatever_the_address() {
        let throttle = Throttle::default();
        let account = Key::Account("anna@example.org".into());
        for k in 0..5u8 {
            let address = Key::Address(Scope::Login, IpAddr::from([10, 0, 0, k]));
            let locked = throttle.attempt(&[account.clone(), address], t0()).unwrap();
            assert_eq!(locked.len(), usize::from(k == 4), "the fifth failure locks");
        }
        let other = Key::Address(Scope::Login, IpAddr::from([10, 0, 1, 1]));
        let locked = throttle
            .attempt(&[account.clone(), other.clone()], t0())
            .unwrap_err();
        assert_eq!(locked.until, t0() + TimeDelta::minutes(1));
        assert_eq!(throttle.locks(t0()), vec![locked]);
        let later = t0() + TimeDelta::minutes(1);
        assert!(throttle
            .attempt(&[account.clone(), other.clone()], later)
            .is_ok());
        assert!(throttle.lift(&account));
        assert!(throttle.locks(later).is_empty());
    }

    #[test]
    fn successes_from_one_address_never_lock_it() {
        let throttle = Throttle::default();
        let office = Key::Address(Scope::Login, IpAddr::from([10, 0, 0, 1]));
        for k in 0..200 {
            let keys = [Key::Account(format!("user{k}@example.org")), office.clone()];
            throttle.attempt(&keys, t0()).expect("never locked");
            throttle.succeeded(&keys, t0());
        }
        assert!(throttle.keys().is_empty());
    }

    #[test]
    fn keys_read_back_as_written() {
        for key in [
            Key::Account("anna@example.org".into()),
            Key::Address(Scope::Login, IpAddr::from([10, 0, 0, 1])),
            Key::Address(Scope::Feed, "2001:db8::1".parse().unwrap()),
            Key::Address(Scope::Respond, IpAddr::from([192, 0, 2, 1])),
        ] {
            assert_eq!(Key::decode(&key.encode()), Some(key));
        }
        assert_eq!(Key::decode("feed:not-an-address"), None);
        assert_eq!(Key::decode("nothing"), None);
    }

    #[test]
    fn memory_stays_bounded() {
        let throttle = Throttle::default();
        for k in 0..(MAX_KEYS as u32 + 10) {
            let key = Key::Address(Scope::Feed, IpAddr::from(k.to_be_bytes()));
            let _ = throttle.attempt(&[key], t0() + TimeDelta::milliseconds(i64::from(k)));
        }
        assert!(throttle.keys().len() <= MAX_KEYS);
    }
}
