//! User accounts, managed by admins. Accounts are made by [`account::create_user`], as on
//! the command line; this adds the checks that report every bad field at once, the audit
//! event and the mapping of its errors to fields.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::input::{self, required, Change, MAX_NAME_CHARS};
use crate::account::{self, AccountError, NewUser};
use crate::audit;
use crate::auth::{self, AuthError, Caller, Role};
use crate::domain::local_time::{Instant, DEFAULT_ZONE};
use crate::entity::{api_token, mediator, organisation, session, user};
use crate::error::Error;
use crate::error::Validator;
use crate::storage::page::{self, Page, PageParams};
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
) -> Result<User, Error> {
    caller.require_staff()?;
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
    if role.is_some_and(|role| !may_create(caller.role, role)) {
        return Err(Error::Forbidden(
            "only an admin creates coordinator and admin accounts",
        ));
    }
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
        audit::Action::Created,
        "user",
        created.id,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

/// An admin creates any account; a coordinator those of requesters and mediators, since a
/// new staff account widens who sees everything, which is an admin's decision.
pub fn may_create(caller: Role, role: Role) -> bool {
    caller == Role::Admin || (caller.is_staff() && !role.is_staff())
}

/// Staff change and reset accounts, but only an admin an admin's: otherwise a coordinator
/// could become one.
pub fn may_manage(caller: Role, target: &str) -> bool {
    caller == Role::Admin || (caller.is_staff() && target != Role::Admin.as_str())
}

/// Who may give an account a new password: an admin anyone's, a coordinator only a
/// requester's or a mediator's. Resetting a peer coordinator's would let a coordinator sign
/// in as that peer, and every act would be recorded under the peer's name.
pub fn may_reset(caller: Role, target: &str) -> bool {
    caller == Role::Admin || (caller.is_staff() && !Role::parse(target).is_some_and(Role::is_staff))
}

/// What a reset or a deactivation closed: old credentials stop working at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Revoked {
    pub sessions: u64,
    pub api_tokens: u64,
}

/// Closes every session of `user_id` and revokes every API token it still has.
async fn revoke_credentials<C: ConnectionTrait>(txn: &C, user_id: i64) -> Result<Revoked, DbErr> {
    let sessions = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(txn)
        .await?
        .rows_affected;
    let api_tokens = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    Ok(Revoked {
        sessions,
        api_tokens,
    })
}

/// What [`account::create_user`] found wrong, as the field it concerns.
fn account_error(e: AccountError) -> Error {
    let message = e.to_string();
    match e {
        AccountError::BadEmail(_) | AccountError::NoSuchUser(_) => Error::field("email", message),
        AccountError::Exists(_) => Error::Conflict(message),
        AccountError::OrganisationRequired | AccountError::NoSuchOrganisation(_) => {
            Error::field("organisation_id", message)
        }
        AccountError::MediatorRequired | AccountError::NoSuchMediator(_) => {
            Error::field("mediator_id", message)
        }
        AccountError::BadLocale => Error::field("locale", message),
        AccountError::Auth(AuthError::WeakPassword) => Error::field("password", message),
        AccountError::Auth(AuthError::Hash(e)) => Error::Internal(e),
        AccountError::Db(e) => unique_conflict(e),
    }
}

/// Two admins adding the same email at once both pass the existence check; the unique
/// index stops the second.
fn unique_conflict(e: DbErr) -> Error {
    if crate::storage::is_unique_violation(&e) {
        Error::Conflict("a user with this email already exists".into())
    } else {
        e.into()
    }
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    params: &PageParams,
) -> Result<Page<User>, Error> {
    caller.require_admin()?;
    let mut v = Validator::new();
    let request = params.check(&mut v);
    v.finish()?;
    let rows = page::fetch(db, user::Entity::find(), user::Column::Id, request).await?;
    Ok(Page::from_rows(rows, request, |m| m.id, User::from))
}

/// Any subset of an account's changeable fields. The role is not among them: a person who
/// changes job gets a new account, so that the trail of the old one stays theirs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub locale: Change<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub active: Change<bool>,
    /// A requester's organisation.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Change<i64>,
    /// A mediator account's profile.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub mediator_id: Change<i64>,
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<User, Error> {
    caller.require_staff()?;
    find(db, id).await.map(User::from)
}

async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<user::Model, Error> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// Changes an account. Deactivating one closes its sessions at once (its API tokens stop
/// working because they check `active`); nobody deactivates themself, so that the last
/// coordinator cannot lock everyone out by a slip.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
    patch: UserPatch,
) -> Result<User, Error> {
    caller.require_staff()?;
    let current = find(db, id).await?;
    if !may_manage(caller.role, &current.role) {
        return Err(Error::Forbidden("only an admin changes an admin account"));
    }
    let role = Role::parse(&current.role);
    let before = User::from(current.clone());
    let mut row: user::ActiveModel = current.into();
    let mut v = Validator::new();
    if let Some(name) = patch.name.required(&mut v, "name") {
        row.name = Set(input::text(&mut v, "name", &name, MAX_NAME_CHARS));
    }
    if let Some(locale) = patch.locale.required(&mut v, "locale") {
        row.locale = Set(input::locale(&mut v, "locale", &locale));
    }
    if let Some(active) = patch.active.required(&mut v, "active") {
        if !active && id == caller.user_id {
            v.add("active", "You cannot deactivate your own account.");
        }
        row.active = Set(active);
    }
    if let Some(link) = patch.organisation_id.nullable() {
        let found = organisation_link(db, &mut v, role, link).await?;
        row.organisation_id = Set(found);
    }
    if let Some(link) = patch.mediator_id.nullable() {
        let found = mediator_link(db, &mut v, role, link).await?;
        row.mediator_id = Set(found);
    }
    v.finish()?;

    let write = Write::begin(db).await?;
    let after = User::from(row.update(&write.txn).await?);
    // A deactivated account's tokens are revoked, not only refused while it is inactive:
    // reactivating it must not bring old, perhaps leaked, credentials back to life.
    let revoked = if before.active && !after.active {
        Some(revoke_credentials(&write.txn, id).await?)
    } else {
        None
    };
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Updated,
        "user",
        id,
        json!({"before": before, "after": after, "revoked": revoked}),
    )
    .await?;
    write.commit().await?;
    Ok(after)
}

/// A requester's organisation: required for them, meaningless for anyone else.
async fn organisation_link(
    db: &DatabaseConnection,
    v: &mut Validator,
    role: Option<Role>,
    link: Option<i64>,
) -> Result<Option<i64>, DbErr> {
    const FIELD: &str = "organisation_id";
    match (role, link) {
        (Some(Role::Requester), None) => v.add(FIELD, "A requester belongs to an organisation."),
        (Some(Role::Requester), Some(id)) => {
            if organisation::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none()
            {
                v.add(FIELD, format!("There is no organisation {id}."));
            }
        }
        (_, Some(_)) => v.add(FIELD, "Only a requester belongs to an organisation."),
        (_, None) => {}
    }
    Ok(link)
}

/// A mediator account's profile: required for them, meaningless for anyone else.
async fn mediator_link(
    db: &DatabaseConnection,
    v: &mut Validator,
    role: Option<Role>,
    link: Option<i64>,
) -> Result<Option<i64>, DbErr> {
    const FIELD: &str = "mediator_id";
    match (role, link) {
        (Some(Role::Mediator), None) => {
            v.add(FIELD, "A mediator account is linked to a mediator profile.")
        }
        (Some(Role::Mediator), Some(id)) => {
            if mediator::Entity::find_by_id(id).one(db).await?.is_none() {
                v.add(FIELD, format!("There is no mediator {id}."));
            }
        }
        (_, Some(_)) => v.add(FIELD, "Only a mediator account has a mediator profile."),
        (_, None) => {}
    }
    Ok(link)
}

/// Characters of a generated password: 16 base64url characters, 96 bits.
pub const GENERATED_PASSWORD_CHARS: usize = 16;

/// A fresh random password, shown once to the staff member who asked for it.
pub fn generate_password() -> String {
    auth::new_secret("x")[2..2 + GENERATED_PASSWORD_CHARS].to_string()
}

/// Gives an account a new random password, closes its sessions and revokes its API tokens;
/// returns the account, the password (stored only as a hash, so shown this once) and what
/// was revoked.
pub async fn reset_password(
    db: &DatabaseConnection,
    caller: &Caller,
    id: i64,
) -> Result<(User, String, Revoked), Error> {
    caller.require_staff()?;
    let target = find(db, id).await?;
    if !may_reset(caller.role, &target.role) {
        return Err(Error::Forbidden(
            "only an admin resets a coordinator's or an admin's password",
        ));
    }
    let password = generate_password();
    let hash = auth::hash_password(&password).map_err(|e| Error::Internal(e.to_string()))?;
    let mut row: user::ActiveModel = target.into();
    row.password_hash = Set(Some(hash));
    let write = Write::begin(db).await?;
    let user = User::from(row.update(&write.txn).await?);
    let revoked = revoke_credentials(&write.txn, id).await?;
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::PasswordReset,
        "user",
        id,
        json!({ "email": user.email, "revoked": revoked }),
    )
    .await?;
    write.commit().await?;
    Ok((user, password, revoked))
}
