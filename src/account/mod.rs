//! Accounts: creating users with a role, issuing and revoking API tokens.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use crate::audit;
use crate::auth::{self, Role};
use crate::entity::{api_token, mediator, organisation, user};
use crate::storage::Write;

pub mod pre_login;
pub mod session;
pub mod throttle;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("`{0}` is not an email address")]
    BadEmail(String),
    #[error("a user with email {0} already exists")]
    Exists(String),
    #[error("no user with email {0}")]
    NoSuchUser(String),
    #[error("a requester belongs to an organisation: give --organisation ID")]
    OrganisationRequired,
    #[error("organisation {0} does not exist")]
    NoSuchOrganisation(i64),
    #[error("mediator {0} does not exist")]
    NoSuchMediator(i64),
    #[error("a mediator account is linked to a mediator profile: give --mediator ID")]
    MediatorRequired,
    #[error("the locale must be `it` or `en`")]
    BadLocale,
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub mediator_id: Option<i64>,
    pub password: Option<String>,
    pub locale: String,
}

pub fn normalise_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !email.contains(|c: char| c.is_whitespace() || c.is_control())
    });
    if valid {
        Ok(email)
    } else {
        Err(AccountError::BadEmail(email))
    }
}

pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    new: NewUser,
) -> Result<user::Model, AccountError> {
    let email = normalise_email(&new.email)?;
    if !matches!(new.locale.as_str(), "it" | "en") {
        return Err(AccountError::BadLocale);
    }
    match new.role {
        Role::Requester => {
            let id = new
                .organisation_id
                .ok_or(AccountError::OrganisationRequired)?;
            if organisation::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none()
            {
                return Err(AccountError::NoSuchOrganisation(id));
            }
        }
        Role::Mediator => {
            let id = new.mediator_id.ok_or(AccountError::MediatorRequired)?;
            if mediator::Entity::find_by_id(id).one(db).await?.is_none() {
                return Err(AccountError::NoSuchMediator(id));
            }
        }
        Role::Coordinator | Role::Admin => {}
    }
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AccountError::Exists(email));
    }
    let password_hash = match &new.password {
        Some(p) => Some(auth::hash_password(p)?),
        None => None,
    };
    let model = user::ActiveModel {
        email: Set(email.clone()),
        name: Set(if new.name.trim().is_empty() {
            email
        } else {
            new.name.trim().to_string()
        }),
        password_hash: Set(password_hash),
        role: Set(new.role.as_str().to_string()),
        organisation_id: Set(if new.role == Role::Requester {
            new.organisation_id
        } else {
            None
        }),
        mediator_id: Set(if new.role == Role::Mediator {
            new.mediator_id
        } else {
            None
        }),
        locale: Set(new.locale),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok(model.insert(db).await?)
}

/// Issues a new bearer token for a user; only its digest is stored, so this is the one time
/// the token can be read.
pub async fn issue_token<C: ConnectionTrait>(
    db: &C,
    email: &str,
    label: Option<String>,
) -> Result<String, AccountError> {
    let email = normalise_email(email)?;
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .ok_or(AccountError::NoSuchUser(email))?;
    issue_token_for(db, user.id, label).await
}

pub async fn issue_token_for<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    label: Option<String>,
) -> Result<String, AccountError> {
    let token = auth::new_secret("pt");
    api_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(auth::digest(&token)),
        label: Set(label),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The language of a user's pages and emails (a locale code: `it`, `en`), with its audit
/// event.
pub async fn set_locale(
    db: &DatabaseConnection,
    user_id: i64,
    locale: &str,
) -> Result<(), crate::error::Error> {
    let write = Write::begin(db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Locale, Expr::value(locale))
        .filter(user::Column::Id.eq(user_id))
        .exec(&write.txn)
        .await?;
    audit::record(
        &write.txn,
        Some(user_id),
        audit::Action::LocaleChanged,
        "user",
        user_id,
        json!({ "locale": locale, "at": Utc::now() }),
    )
    .await?;
    Ok(write.commit().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalise_email(" Anna@Scuola.IT ").unwrap(),
            "anna@scuola.it"
        );
        for bad in ["", "anna", "anna@", "@x.it", "anna@localhost", "an na@x.it"] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
