//! The rows behind the ids of a board or a draft: what a block or a list item says about
//! its request (the request, its organisation and site, the mediators' names).
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{mediator, organisation, request, site};
use crate::error::Error;

/// What a block or a list item says about its request: the rows behind the ids.
#[derive(Default)]
pub struct Lookup {
    pub requests: HashMap<i64, request::Model>,
    pub organisations: HashMap<i64, String>,
    pub sites: HashMap<i64, String>,
    pub mediators: HashMap<i64, mediator::Model>,
}

impl Lookup {
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        request_ids: impl IntoIterator<Item = i64>,
    ) -> Result<Lookup, Error> {
        let mut ids: Vec<i64> = request_ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut requests = HashMap::new();
        for chunk in ids.chunks(500) {
            for r in request::Entity::find()
                .filter(request::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                requests.insert(r.id, r);
            }
        }
        let organisations = organisation::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let sites = site::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let mediators = mediator::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        Ok(Lookup {
            requests,
            organisations,
            sites,
            mediators,
        })
    }

    pub fn mediator_name(&self, id: i64) -> String {
        self.mediators
            .get(&id)
            .map_or_else(|| format!("#{id}"), |m| m.name.clone())
    }

    /// "IC Convenevole, Prato · Plesso Mazzoni".
    pub fn place(&self, r: &request::Model) -> String {
        let org = self
            .organisations
            .get(&r.organisation_id)
            .cloned()
            .unwrap_or_default();
        match r.site_id.and_then(|s| self.sites.get(&s)) {
            Some(site) => format!("{org} · {site}"),
            None => org,
        }
    }
}
