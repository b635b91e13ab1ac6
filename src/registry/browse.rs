//! The registry's lists as people browse them: alphabetical, narrowed by a search text, in
//! numbered pages. Registries are small (tens of organisations, hundreds of mediators and
//! users) and people want "page 2 of 5" more than a cursor that survives inserts; the API's
//! cursor listings stay as they are for programs.
use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::input;
use super::mediators::{strings, Mediator};
use super::organisations::Organisation;
use super::sites::Site;
use super::users::User;
use crate::auth::Caller;
use crate::domain::language;
use crate::entity::{mediator, organisation, site, user};
use crate::error::Error;

/// Rows per page of the browser's lists.
pub const PER_PAGE: usize = 25;

/// One numbered page (from 0) of a list.
#[derive(Debug)]
pub struct Numbered<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl<T> Numbered<T> {
    /// Page `page` of `all`; a page past the end is the last one.
    pub fn of(all: Vec<T>, page: usize, per_page: usize) -> Self {
        let total = all.len();
        let pages = total.div_ceil(per_page).max(1);
        let page = page.min(pages - 1);
        let items = all
            .into_iter()
            .skip(page * per_page)
            .take(per_page)
            .collect();
        Numbered {
            items,
            page,
            pages,
            total,
        }
    }
}

/// The words of a search, lowercased; a row matches when each word is in one of its texts.
fn matches<'a>(wanted: &str, texts: impl Iterator<Item = &'a str> + Clone) -> bool {
    wanted.split_whitespace().all(|word| {
        let word = word.to_lowercase();
        texts.clone().any(|t| t.to_lowercase().contains(&word))
    })
}

/// An organisation with its sites.
#[derive(Debug)]
pub struct OrganisationEntry {
    pub organisation: Organisation,
    pub sites: Vec<Site>,
}

/// Organisations by name whose name, contact or sites match `text`.
pub async fn organisations(
    db: &DatabaseConnection,
    caller: &Caller,
    text: &str,
) -> Result<Vec<OrganisationEntry>, Error> {
    caller.require_staff()?;
    let orgs = organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?;
    let mut sites: HashMap<i64, Vec<site::Model>> = HashMap::new();
    for s in site::Entity::find()
        .order_by_asc(site::Column::Name)
        .all(db)
        .await?
    {
        sites.entry(s.organisation_id).or_default().push(s);
    }
    let mut out = Vec::new();
    for o in orgs {
        let own = sites.remove(&o.id).unwrap_or_default();
        let texts = [o.name.as_str(), o.contact_email.as_deref().unwrap_or("")]
            .into_iter()
            .chain(
                own.iter()
                    .flat_map(|s| [s.name.as_str(), s.address.as_str()]),
            );
        if !matches(text, texts) {
            continue;
        }
        let zone = input::stored_zone(&o.timezone);
        out.push(OrganisationEntry {
            sites: own.into_iter().map(|s| Site::from_model(s, zone)).collect(),
            organisation: Organisation::from(o),
        });
    }
    Ok(out)
}

/// Every site, for maps.
pub async fn all_sites(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<site::Model>, Error> {
    caller.require_staff()?;
    Ok(site::Entity::find().all(db).await?)
}

/// Every site by name, for choosing among them in a form.
pub async fn sites_by_name(db: &DatabaseConnection) -> Result<Vec<site::Model>, Error> {
    Ok(site::Entity::find()
        .order_by_asc(site::Column::Name)
        .all(db)
        .await?)
}

/// (id, name) of every organisation, by name: what an account is linked to.
pub async fn organisation_names(db: &DatabaseConnection) -> Result<Vec<(i64, String)>, Error> {
    Ok(organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Name)
        .order_by_asc(organisation::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?)
}

/// (id, name) of every mediator profile, by name: what an account is linked to.
pub async fn mediator_names(db: &DatabaseConnection) -> Result<Vec<(i64, String)>, Error> {
    Ok(mediator::Entity::find()
        .select_only()
        .column(mediator::Column::Id)
        .column(mediator::Column::Name)
        .order_by_asc(mediator::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?)
}

/// (id, name) of the active mediators who serve `language` (the dispatch spec's language
/// rule), by name: what a requester may choose from, and nothing more.
pub async fn speakers_of(
    db: &DatabaseConnection,
    language: &crate::domain::language::LanguageTag,
) -> Result<Vec<(i64, String)>, Error> {
    use crate::domain::language::{parse_tag, serves};
    let rows: Vec<(i64, String, serde_json::Value)> = mediator::Entity::find()
        .select_only()
        .column(mediator::Column::Id)
        .column(mediator::Column::Name)
        .column(mediator::Column::Languages)
        .filter(mediator::Column::Active.eq(true))
        .order_by_asc(mediator::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, languages)| {
            languages.as_array().is_some_and(|tags| {
                tags.iter()
                    .filter_map(|t| t.as_str())
                    .filter_map(|t| parse_tag(t).ok())
                    .any(|t| serves(&t, language))
            })
        })
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// The names of the mediators `ids`, by id.
pub async fn mediator_names_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i64>,
) -> Result<HashMap<i64, String>, Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(mediator::Entity::find()
        .select_only()
        .column(mediator::Column::Id)
        .column(mediator::Column::Name)
        .filter(mediator::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Mediators by name whose name, email, phone, tags or languages (by tag or by name in
/// Italian, English or their own script) match `text`.
pub async fn mediators(
    db: &DatabaseConnection,
    caller: &Caller,
    text: &str,
    page: usize,
) -> Result<Numbered<Mediator>, Error> {
    caller.require_staff()?;
    let all = mediator::Entity::find()
        .order_by_asc(mediator::Column::Name)
        .order_by_asc(mediator::Column::Id)
        .all(db)
        .await?;
    let found: Vec<Mediator> = all
        .into_iter()
        .filter(|m| {
            let languages = strings(&m.languages);
            let names: Vec<&str> = languages
                .iter()
                .filter_map(|l| language::parse_tag(l).ok())
                .filter_map(|t| language::names(&t))
                .flat_map(|n| [n.italian, n.english, n.native])
                .collect();
            let tags = strings(&m.tags);
            let texts = [
                m.name.as_str(),
                m.email.as_deref().unwrap_or(""),
                m.phone.as_deref().unwrap_or(""),
            ]
            .into_iter()
            .chain(languages.iter().map(String::as_str))
            .chain(names.iter().copied())
            .chain(tags.iter().map(String::as_str));
            matches(text, texts)
        })
        .map(Mediator::from)
        .collect();
    Ok(Numbered::of(found, page, PER_PAGE))
}

/// Accounts by email whose email or name match `text`.
pub async fn users(
    db: &DatabaseConnection,
    caller: &Caller,
    text: &str,
    page: usize,
) -> Result<Numbered<User>, Error> {
    caller.require_staff()?;
    let all = user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?;
    let found: Vec<User> = all
        .into_iter()
        .filter(|u| {
            matches(
                text,
                [u.email.as_str(), u.name.as_str(), u.role.as_str()].into_iter(),
            )
        })
        .map(User::from)
        .collect();
    Ok(Numbered::of(found, page, PER_PAGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_numbered_and_clamped() {
        let page = Numbered::of((0..60).collect(), 1, 25);
        assert_eq!(
            (page.items[0], page.items.len(), page.pages, page.total),
            (25, 25, 3, 60)
        );
        let last = Numbered::of((0..60).collect(), 9, 25);
        assert_eq!((last.page, last.items), (2, (50..60).collect::<Vec<_>>()));
        let empty = Numbered::of(Vec::<i32>::new(), 3, 25);
        assert_eq!((empty.page, empty.pages, empty.total), (0, 1, 0));
    }

    #[test]
    fn every_word_must_match_some_text() {
        let texts = ["Amina El Idrissi", "amina@example.org", "Arabo marocchino"];
        assert!(matches("", texts.into_iter()));
        assert!(matches("amina MAROCCHINO", texts.into_iter()));
        assert!(!matches("amina urdu", texts.into_iter()));
    }
}
