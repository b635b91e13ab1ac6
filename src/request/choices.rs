//! What the request form offers its user: the sites they may pick, the mediators who speak
//! the language asked for (never every mediator's name), the tags, the organisation's zone;
//! for staff, every organisation and every site.
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::store::{self, zone_in};
use crate::auth::Caller;
use crate::entity::{site, tag};
use crate::error::Error;
use crate::registry::browse;

pub struct Choices {
    /// The requester's organisation's sites by name; for staff every site, by organisation
    /// then name.
    pub sites: Vec<site::Model>,
    /// (id, name) of the active mediators who speak the form's language, by name; none
    /// until a language is chosen.
    pub speakers: Vec<(i64, String)>,
    /// The tag catalogue: (name, description).
    pub tags: Vec<(String, Option<String>)>,
    /// The zone of the caller's organisation, or (staff) of the one `chosen`.
    pub zone: Tz,
    /// Staff only: (id, name) of every organisation, by name.
    pub organisations: Vec<(i64, String)>,
}

/// The choices of the form for `caller`; `chosen` is the organisation staff picked.
pub async fn for_form(
    db: &DatabaseConnection,
    caller: &Caller,
    chosen: Option<i64>,
    language: Option<&str>,
) -> Result<Choices, Error> {
    let staff = caller.role.is_staff();
    let org = if staff {
        chosen.unwrap_or(-1)
    } else {
        caller.organisation_id.unwrap_or(-1)
    };
    let mut sites = site::Entity::find();
    if !staff {
        sites = sites.filter(site::Column::OrganisationId.eq(org));
    }
    let sites = sites
        .order_by_asc(site::Column::OrganisationId)
        .order_by_asc(site::Column::Name)
        .all(db)
        .await?;
    let organisations = if staff {
        browse::organisation_names(db).await?
    } else {
        Vec::new()
    };
    let speakers = match language.map(crate::domain::language::parse_tag) {
        Some(Ok(tag)) => browse::speakers_of(db, &tag).await?,
        _ => Vec::new(),
    };
    let tags = tag::Entity::find()
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name, t.description))
        .collect();
    let zone = zone_in(&store::zones(db, [org]).await?, org);
    Ok(Choices {
        sites,
        speakers,
        tags,
        zone,
        organisations,
    })
}
