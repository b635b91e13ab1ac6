//! Who is calling and what they may do: roles, argon2id password hashes, random bearer
//! tokens stored as SHA-256 digests, and the `Caller` every protected handler receives.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entity::{api_token, user};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff of a school, social service, health centre or desk: their organisation's requests.
    Requester,
    /// A mediator: their own profile, availability and assignments.
    Mediator,
    /// Plans and dispatches; sees everything.
    Coordinator,
    /// Everything a coordinator does, plus user management.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Mediator => "mediator",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "requester" => Some(Role::Requester),
            "mediator" => Some(Role::Mediator),
            "coordinator" => Some(Role::Coordinator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Coordinators and admins see and change the whole registry.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Coordinator | Role::Admin)
    }
}

/// The authenticated user of a call.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub mediator_id: Option<i64>,
    pub locale: String,
}

impl Caller {
    pub fn from_user(user: &user::Model) -> Option<Caller> {
        Some(Caller {
            user_id: user.id,
            role: Role::parse(&user.role)?,
            organisation_id: user.organisation_id,
            mediator_id: user.mediator_id,
            locale: user.locale.clone(),
        })
    }

    /// Coordinators and admins only.
    pub fn require_staff(&self) -> Result<(), crate::error::Error> {
        if self.role.is_staff() {
            Ok(())
        } else {
            Err(crate::error::Error::Forbidden(
                "only coordinators and admins may do this",
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), crate::error::Error> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(crate::error::Error::Forbidden("only admins may do this"))
        }
    }

    /// Whether the caller may see an organisation's data (its requests, its sites).
    pub fn sees_organisation(&self, organisation_id: i64) -> bool {
        self.role.is_staff() || self.organisation_id == Some(organisation_id)
    }
}

/// Length is what makes a password strong; no composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the password must have at least 10 characters")]
    WeakPassword,
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Constant-time verification, as argon2 does it; an unparsable stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh secret: 32 random bytes, URL-safe base64 (43 characters), with a prefix saying
/// what it is so that a leaked one is recognisable by secret scanners.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Whether two secrets are equal, in a time that does not depend on where the first
/// difference is (tokens compared with what a client sent).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What the database keeps of a secret: its SHA-256, hex. Tokens are long and random, so a
/// plain digest (not a slow password hash) is safe and keeps every API call cheap.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The user of a bearer token, if the token is live and the user active.
pub async fn caller_for_token(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<Caller>, sea_orm::DbErr> {
    // One round trip: the token's user through a subquery, not two lookups.
    let live_token = Query::select()
        .column(api_token::Column::UserId)
        .from(api_token::Entity)
        .and_where(api_token::Column::TokenHash.eq(digest(token)))
        .and_where(api_token::Column::RevokedAt.is_null())
        .to_owned();
    let user = user::Entity::find()
        .filter(user::Column::Id.in_subquery(live_token))
        .one(db)
        .await?;
    Ok(user
        .filter(|u| u.active)
        .and_then(|u| Caller::from_user(&u)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::WeakPassword)
        ));
    }

    #[test]
    fn secrets_are_unique_and_digests_stable() {
        let a = new_secret("pt");
        let b = new_secret("pt");
        assert_ne!(a, b);
        assert!(a.starts_with("pt_") && a.len() == 46, "{a}");
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
