//! The tag catalogue (`female`, `health-certified`, `court-certified`…): qualities that
//! mediators have and requests require. A closed list, so that a typo in a request's
//! required tags is an error rather than a request nobody can ever serve.
use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::input::{self, required, MAX_TEXT_CHARS};
use crate::audit;
use crate::auth::Caller;
use crate::entity::tag;
use crate::error::Error;
use crate::error::Validator;
use crate::storage::Write;

const MAX_TAG_CHARS: usize = 50;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTag {
    /// Lowercase kebab-case: `health-certified`.
    #[schema(required = true, example = "health-certified")]
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Tag {
    pub name: String,
    pub description: Option<String>,
}

impl From<tag::Model> for Tag {
    fn from(m: tag::Model) -> Self {
        Tag {
            name: m.name,
            description: m.description,
        }
    }
}

/// Every tag, by name. Any signed-in user may read the catalogue: requesters pick required
/// tags from it.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<Tag>, Error> {
    let rows = tag::Entity::find()
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Tag::from).collect())
}

pub async fn create(db: &DatabaseConnection, caller: &Caller, new: NewTag) -> Result<Tag, Error> {
    caller.require_staff()?;
    let mut v = Validator::new();
    let name = required(&mut v, "name", new.name).unwrap_or_default();
    if !v.has("name") && !is_kebab_case(&name) {
        v.add("name", format!("“{name}” is not a tag name; use lowercase letters and digits in words joined by hyphens, such as health-certified (at most {MAX_TAG_CHARS} characters)."));
    }
    let description = input::optional_note(&mut v, "description", new.description, MAX_TEXT_CHARS);
    v.finish()?;

    if tag::Entity::find_by_id(name.clone())
        .one(db)
        .await?
        .is_some()
    {
        return Err(exists(&name));
    }
    let write = Write::begin(db).await?;
    let model = tag::ActiveModel {
        name: Set(name.clone()),
        description: Set(description),
    };
    // A concurrent creation of the same tag passes the check above and fails here instead.
    let model = model
        .insert(&write.txn)
        .await
        .map_err(|e| conflict_or(e, &name))?;
    let created = Tag::from(model);
    audit::record(
        &write.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "tag",
        &created.name,
        json!(created),
    )
    .await?;
    write.commit().await?;
    Ok(created)
}

/// The positions in `names` of tags that are not in the catalogue.
pub async fn unknown<C: ConnectionTrait>(db: &C, names: &[String]) -> Result<Vec<usize>, DbErr> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let known: HashSet<String> = tag::Entity::find()
        .filter(tag::Column::Name.is_in(names.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(names
        .iter()
        .enumerate()
        .filter(|(_, n)| !known.contains(*n))
        .map(|(i, _)| i)
        .collect())
}

fn is_kebab_case(name: &str) -> bool {
    name.len() <= MAX_TAG_CHARS
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn exists(name: &str) -> Error {
    Error::Conflict(format!("the tag {name} already exists"))
}

fn conflict_or(e: DbErr, name: &str) -> Error {
    if crate::storage::is_unique_violation(&e) {
        exists(name)
    } else {
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::is_kebab_case;

    #[test]
    fn tag_names_are_lowercase_kebab_case() {
        for good in ["female", "health-certified", "level-2", "a"] {
            assert!(is_kebab_case(good), "{good}");
        }
        for bad in [
            "",
            "Female",
            "health_certified",
            "-x",
            "x-",
            "a--b",
            "tag name",
            "è",
            &"a".repeat(51),
        ] {
            assert!(!is_kebab_case(bad), "{bad}");
        }
    }
}
