//! `Idempotency-Key`: a client that retries a submission with the same key and body gets the
//! first answer again instead of a second request; the same key with another body is 409.
//!
//! Keys belong to a user (primary key `(user_id, key)`). Only successful submissions are
//! remembered: a rejected one wrote nothing, so a corrected retry under the same key works.
//! Under concurrency the primary key decides: the row is inserted in the same transaction
//! as the request, so of two racing submissions exactly one commits and the other, failing
//! on that insert, answers from the winner's row (see `store::insert`).
use sea_orm::{ConnectionTrait, EntityTrait};
use sha2::{Digest, Sha256};

use crate::entity::idempotency_key;
use crate::error::Error;

pub const HEADER: &str = "Idempotency-Key";
pub const MAX_KEY_CHARS: usize = 255;

/// A key and the digest of the body it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub body_hash: String,
}

impl Idempotency {
    pub fn new(key: String, body: &[u8]) -> Self {
        Self {
            key,
            body_hash: body_hash(body),
        }
    }
}

/// A stored answer to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub status: u16,
    pub body: String,
}

/// Checks the header's value: 1–255 visible ASCII characters (RFC 9110 field values allow
/// more, but a key is an identifier, and this keeps it printable in logs and the database).
pub fn parse_key(raw: Option<&[u8]>) -> Result<Option<String>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    let valid = !raw.is_empty()
        && raw.len() <= MAX_KEY_CHARS
        && raw.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    match std::str::from_utf8(raw) {
        Ok(key) if valid && !key.trim().is_empty() => Ok(Some(key.to_string())),
        _ => Err(Error::field(
            HEADER,
            format!(
                "The key must be 1 to {MAX_KEY_CHARS} visible ASCII characters, such as a UUID."
            ),
        )),
    }
}

/// SHA-256 of the raw body, hex: a retry must send the very same bytes.
pub fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The answer already given under this key, or 409 when the key came with another body.
pub async fn prior<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    idem: &Idempotency,
) -> Result<Option<Replay>, Error> {
    let Some(row) = idempotency_key::Entity::find_by_id((user_id, idem.key.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.body_hash != idem.body_hash {
        return Err(Error::Conflict(format!(
            "the {HEADER} was already used with another body; use a new key for a new request"
        )));
    }
    Ok(Some(Replay {
        status: u16::try_from(row.response_status).unwrap_or(200),
        body: row.response_body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_ascii() {
        assert_eq!(parse_key(None).unwrap(), None);
        assert_eq!(parse_key(Some(b"a1-b2")).unwrap().as_deref(), Some("a1-b2"));
        assert!(parse_key(Some(&[b'k'; 255])).unwrap().is_some());
        for bad in [&b""[..], b"   ", &[b'k'; 256], b"caf\xc3\xa9", b"tab\there"] {
            assert!(parse_key(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn body_hash_is_sha256_hex() {
        assert_eq!(
            body_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
