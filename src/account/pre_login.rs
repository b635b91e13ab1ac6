//! The CSRF token of the forms shown before login (the login form, the language switch).
//! It lives in a cookie and in the form (double submit), and it is signed: an attacker who
//! can plant a cookie (a sibling subdomain, a network on plain http) cannot pick a pair of
//! their own, only replay one the server issued, and that one ends after `LIFETIME`. The
//! pages' origin check (`web::error::may_post`) is the other half of the defence.
//!
//! Format: `pre.{issued, unix seconds}.{nonce}.{HMAC-SHA256(key, "ponte-pre-login|issued|nonce"), 32 hex}`.
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use sha2::Sha256;

use crate::auth::same_secret;
use crate::entity::server_secret;

/// How long an issued token is accepted: a morning with the login page left open.
pub const LIFETIME: TimeDelta = TimeDelta::hours(12);
/// Clocks of several processes may differ a little.
const SKEW: TimeDelta = TimeDelta::minutes(5);
const KEY_NAME: &str = "pre_login_csrf";

/// The signing key.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    fn mac(&self, issued: i64, nonce: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(format!("ponte-pre-login|{issued}|{nonce}").as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A new token, issued at `now`.
    pub fn issue(&self, now: DateTime<Utc>) -> String {
        let mut bytes = [0u8; 18];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let issued = now.timestamp();
        format!("pre.{issued}.{nonce}.{}", self.mac(issued, &nonce))
    }

    /// Whether `token` is one this key issued, within its lifetime at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> bool {
        let mut parts = token.split('.');
        let (Some("pre"), Some(issued), Some(nonce), Some(mac), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return false;
        };
        let Ok(issued) = issued.parse::<i64>() else {
            return false;
        };
        let Some(at) = DateTime::from_timestamp(issued, 0) else {
            return false;
        };
        let fresh = at <= now + SKEW && now - at <= LIFETIME;
        fresh && same_secret(&self.mac(issued, nonce), mac)
    }
}

/// The installation's key, made at first use. Two processes racing to make it agree: the
/// insert that loses does nothing, and both read the one row.
pub async fn key<C: ConnectionTrait>(db: &C) -> Result<Key, DbErr> {
    if let Some(key) = stored(db).await? {
        return Ok(key);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let row = server_secret::ActiveModel {
        name: Set(KEY_NAME.into()),
        value: Set(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        created_at: Set(Utc::now()),
    };
    server_secret::Entity::insert(row)
        .on_conflict(
            OnConflict::column(server_secret::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    stored(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("server secret {KEY_NAME}")))
}

async fn stored<C: ConnectionTrait>(db: &C) -> Result<Option<Key>, DbErr> {
    let Some(row) = server_secret::Entity::find_by_id(KEY_NAME.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let hex = row.value.as_bytes();
    if hex.len() != 64 {
        return Err(DbErr::Custom(format!(
            "server secret {KEY_NAME} is malformed"
        )));
    }
    let mut bytes = [0u8; 32];
    for (k, pair) in hex.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).unwrap_or("zz");
        bytes[k] = u8::from_str_radix(text, 16)
            .map_err(|_| DbErr::Custom(format!("server secret {KEY_NAME} is malformed")))?;
    }
    Ok(Some(Key(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap()
    }

    #[test]
    fn only_issued_fresh_tokens_verify() {
        let key = Key([1; 32]);
        let token = key.issue(now());
        assert!(key.verify(&token, now()));
        assert!(key.verify(&token, now() + LIFETIME));
        assert!(!key.verify(&token, now() + LIFETIME + TimeDelta::seconds(1)));
        assert!(
            !key.verify(&token, now() - TimeDelta::hours(1)),
            "from the future"
        );
        assert!(
            !Key([2; 32]).verify(&token, now()),
            "another installation's"
        );
        // A value an attacker picks, in the old format or with a forged signature.
        assert!(!key.verify("pre_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now()));
        let (head, _) = token.rsplit_once('.').unwrap();
        assert!(!key.verify(&format!("{head}.{}", "0".repeat(32)), now()));
        let later = token.replacen(
            &now().timestamp().to_string(),
            &(now().timestamp() + 60).to_string(),
            1,
        );
        assert!(!key.verify(&later, now()), "the time is signed");
        assert!(!key.verify("", now()));
        assert!(!key.verify(&format!("{token}.x"), now()));
    }
}
