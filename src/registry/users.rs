//! User accounts, managed by admins. Accounts are made by [`account::create_user`], as on
//! the command line; this adds the checks that report every bad field at once, the audit
//! event and the mapping of its errors to fields.
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, SqlErr};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::input::{self, required, MAX_NAME_CHARS};
use super::page::{self, Page, PageParams};
use crate::account::{self, AccountError, NewUser};
use crate::audit;
use crate::auth::{AuthError, Caller, Role};
use crate::domain::local_time::{Instant, DEFAULT_ZONE};
use crate::entity::user;
use crate::http::error::Validator;
use crate::http::ApiError;
use crate::storage::Write;

// Checked here too (hash_password checks it as well) so that a short password is reported
// with the other fields.
use crate::auth::MIN_PASSWORD_CHARS;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true, value_type = Role)]
    pub role: Option<String>,
    /// Required for a requester: the organisation whose requests they make.
    pub organisation_id: Option<i64>,
    /// Required for a mediator: their profile.
    pub mediator_id: Option<i64>,
    /// At least 10 characters; without one the account uses API tokens only.
    pub password: Option<String>,
    /// `it` (default) or `en`.
    pub locale: Option<String>,
}

/// An account, without its password hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub organisation_id: Option<i64>,
    pub mediator_id: Option<i64>,
    pub locale: String,
    pub active: bool,
    #[schema(value_type = super::InstantSchema)]
    pub created_at: Instant,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        User {
            id: m.id,
            email: m.email,
            name: m.name,
            role: m.role,
            organisation_id: m.organisation_id,
            mediator_id: m.mediator_id,
            locale: m.locale,
            active: m.active,
            created_at: Instant::new(m.created_at, DEFAULT_ZONE),
        }
    }
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: NewUserBody,
) -> Result<User, ApiError> {
    caller.require_admin()?;
    let mut v = Validator::new();
    let email = required(&mut v, "email", body.email).map(|e| input::email(&mut v, "email", &e));
    let name = required(&mut v, "name", body.name)
        .map(|n| input::text(&mut v, "name", &n, MAX_NAME_CHARS));
    let role = required(&mut v, "role", body.role).and_then(|r| {
        let role = Role::parse(&r);
        if role.is_none() {
            v.add(
                "role",
                format!("“{r}” is not a role; use requester, mediator, coordinator or admin."),
            );
        }
        role
    });
    match role {
        Some(Role::Requester) if body.organisation_id.is_none() => {
            v.add("organisation_id", "A requester belongs to an organisation.")
        }
        Some(Role::Mediator) if body.mediator_id.is_none() => v.add(
            "mediator_id",
            "A mediator account is linked to a mediator profile.",
        ),
        _ => {}
    }
    if body
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        v.add(
            "password",
            format!("The password must have at least {MIN_PASSWORD_CHARS} characters."),
        );
    }
    let locale = body.locale.unwrap_or_else(|| "it".into());
    if !matches!(locale.as_str(), "it" | "en") {
        v.add("locale", "The locale is `it` or `en`.");
    }
    v.finish()?;

    let new = NewUser {
        email: email.unwrap_or_default(),
        name: name.unwrap_or_default(),
        role: role.unwrap_or(Role::Requester),
        organisation_id: body.organisation_id,
        mediator_id: body.mediator_id,
        password: body.password,
        locale,
    };
    let write = Write::begin(db).await?;
    let created = User::from(
        account::create_user(&write.txn, new)
            .await
            .map_err(account_error)?,
    );
    audit::record(
        &write.txn,
        Some(caller.user_id),
        "created",
        "user",
        created.id,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

/// What [`account::create_user`] found wrong, as the field it concerns.
fn account_error(e: AccountError) -> ApiError {
    let message = e.to_string();
    match e {
        AccountError::BadEmail(_) | AccountError::NoSuchUser(_) => {
            ApiError::field("email", message)
        }
        AccountError::Exists(_) => ApiError::Conflict(message),
        AccountError::OrganisationRequired | AccountError::NoSuchOrganisation(_) => {
            ApiError::field("organisation_id", message)
        }
        AccountError::MediatorRequired | AccountError::NoSuchMediator(_) => {
            ApiError::field("mediator_id", message)
        }
        AccountError::BadLocale => ApiError::field("locale", message),
        AccountError::Auth(AuthError::WeakPassword) => ApiError::field("password", message),
        AccountError::Auth(AuthError::Hash(e)) => ApiError::Internal(e),
        AccountError::Db(e) => unique_conflict(e),
    }
}

/// Two admins adding the same email at once both pass the existence check; the unique
/// index stops the second.
fn unique_conflict(e: DbErr) -> ApiError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::Conflict("a user with this email already exists".into())
        }
        _ => e.into(),
    }
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    params: &PageParams,
) -> Result<Page<User>, ApiError> {
    caller.require_admin()?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    v.finish()?;
    let rows = page::fetch(db, user::Entity::find(), user::Column::Id, request).await?;
    Ok(Page::from_rows(rows, request, |m| m.id, User::from))
}
