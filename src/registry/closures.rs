//! Closures: the days without meetings that coordinators and organisations enter, beside
//! the national holidays and patron days `domain::closure` computes. `calendar` is what the
//! planner, dispatch and the request pages ask; `list`, `create` and `delete` are the API's.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::input::{self, required, MAX_NAME_CHARS};
use crate::audit;
use crate::auth::{Caller, Role};
use crate::domain::closure::{self, Calendar, Entered, Kind};
use crate::domain::local_time::parse_date;
use crate::entity::{closure as row, organisation, site};
use crate::error::{Error, Validator};
use crate::storage::Write;

/// Body of `POST /closures`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    /// The organisation closed; none (staff only) for everyone.
    pub organisation_id: Option<i64>,
    /// First closed day, `YYYY-MM-DD`.
    #[schema(required = true, example = "2027-12-23")]
    pub first_day: Option<String>,
    /// Last closed day (default: the first), at most 120 days after it.
    #[schema(example = "2028-01-06")]
    pub last_day: Option<String>,
    /// What people call it: "Vacanze di Natale".
    #[schema(required = true)]
    pub name: Option<String>,
}

/// A closed period: entered (with an id) or computed (a national holiday or a town's
/// patron day, without one).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClosureView {
    pub id: Option<i64>,
    pub kind: Kind,
    pub organisation_id: Option<i64>,
    /// For a patron day: its town.
    pub town: Option<String>,
    #[schema(value_type = String, example = "2027-12-25")]
    pub first_day: NaiveDate,
    #[schema(value_type = String, example = "2027-12-25")]
    pub last_day: NaiveDate,
    pub name: String,
}

/// Query of `GET /closures`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClosureQuery {
    /// First day shown (default: today).
    pub from: Option<String>,
    /// Last day shown (default: a year after `from`), at most two years after it.
    pub to: Option<String>,
    /// Only what closes this organisation (its own closures, everyone's, the holidays and
    /// its towns' patron days).
    pub organisation_id: Option<String>,
}

/// Longest window `GET /closures` lists.
const MAX_LIST_DAYS: i64 = 731;

/// The calendar of the local dates `from..=to`: what was entered overlapping them (the
/// computed days need no reading).
pub async fn calendar<C: ConnectionTrait>(
    db: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Calendar, DbErr> {
    let rows = row::Entity::find()
        .filter(row::Column::FirstDay.lte(to))
        .filter(row::Column::LastDay.gte(from))
        .all(db)
        .await?;
    Ok(Calendar::new(rows.into_iter().map(entered).collect()))
}

fn entered(r: row::Model) -> Entered {
    Entered {
        organisation_id: r.organisation_id,
        first: r.first_day,
        last: r.last_day,
        name: r.name,
    }
}

/// The town whose patron closes a meeting at `site` (from its address, else the map).
pub fn town_of(site: &site::Model) -> Option<String> {
    crate::report::town::of_site(site)
}

/// The closures over some dates with the towns of the sites, ready to ask of any
/// occurrence: [`Closures::skips`] is the one rule every caller applies.
#[derive(Debug, Clone, Default)]
pub struct Closures {
    calendar: Calendar,
    site_town: HashMap<i64, String>,
    /// The town of each organisation's first site, for meetings without a site (by phone
    /// or video).
    organisation_town: HashMap<i64, String>,
}

impl Closures {
    /// From a calendar and every site (in id order, as the planner reads them).
    pub fn new(calendar: Calendar, sites: &[site::Model]) -> Closures {
        let mut c = Closures {
            calendar,
            ..Closures::default()
        };
        for s in sites {
            if let Some(town) = town_of(s) {
                c.organisation_town
                    .entry(s.organisation_id)
                    .or_insert_with(|| town.clone());
                c.site_town.insert(s.id, town);
            }
        }
        c
    }

    /// The closures of the local dates `from..=to`.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Closures, DbErr> {
        let sites = site::Entity::find()
            .order_by_asc(site::Column::Id)
            .all(db)
            .await?;
        Ok(Closures::new(calendar(db, from, to).await?, &sites))
    }

    /// Why the occurrence of `r` starting at `start` does not take place, if it does not: an
    /// occurrence of a series on a day its organisation is closed (its zone's local date;
    /// the town of its site, else of its organisation). A single meeting was asked for on
    /// its date on purpose, and is kept.
    pub fn skips(
        &self,
        r: &crate::entity::request::Model,
        start: chrono::DateTime<Utc>,
        zone: chrono_tz::Tz,
    ) -> Option<closure::Closed> {
        r.rrule.as_ref()?;
        let town = r
            .site_id
            .and_then(|id| self.site_town.get(&id))
            .or_else(|| self.organisation_town.get(&r.organisation_id));
        let date = crate::domain::local_time::to_local(start, zone).date_naive();
        self.calendar
            .closed(r.organisation_id, town.map(String::as_str), date)
    }
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: &ClosureQuery,
    today: NaiveDate,
) -> Result<Vec<ClosureView>, Error> {
    let mut v = Validator::new();
    let from = day(&mut v, "from", q.from.as_deref());
    let to = day(&mut v, "to", q.to.as_deref());
    let organisation_id = match q.organisation_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match s.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                v.add(
                    "organisation_id",
                    "An organisation id is a whole number from 1.",
                );
                None
            }
        },
    };
    v.finish()?;
    let from = from.unwrap_or(today);
    let to = to.unwrap_or_else(|| from + chrono::TimeDelta::days(365));
    if to < from {
        return Err(Error::field(
            "to",
            "The last day comes on or after the first.",
        ));
    }
    if (to - from).num_days() > MAX_LIST_DAYS {
        return Err(Error::field("to", "At most two years at a time."));
    }
    // A requester sees its own organisation's closures and everyone's.
    let organisation_id = match (caller.role, caller.organisation_id) {
        (Role::Requester, Some(own)) => {
            if organisation_id.is_some_and(|id| id != own) {
                return Err(Error::NotFound("organisation"));
            }
            Some(own)
        }
        _ => organisation_id,
    };
    let mut query = row::Entity::find()
        .filter(row::Column::FirstDay.lte(to))
        .filter(row::Column::LastDay.gte(from));
    if let Some(id) = organisation_id {
        query = query.filter(
            sea_orm::Condition::any()
                .add(row::Column::OrganisationId.is_null())
                .add(row::Column::OrganisationId.eq(id)),
        );
    }
    let mut shown: Vec<ClosureView> = query
        .all(db)
        .await?
        .into_iter()
        .map(|r| ClosureView {
            id: Some(r.id),
            kind: if r.organisation_id.is_some() {
                Kind::Organisation
            } else {
                Kind::Everyone
            },
            organisation_id: r.organisation_id,
            town: None,
            first_day: r.first_day,
            last_day: r.last_day,
            name: r.name,
        })
        .collect();
    let towns: Vec<String> = match organisation_id {
        Some(id) => {
            let mut towns: Vec<String> = site::Entity::find()
                .filter(site::Column::OrganisationId.eq(id))
                .all(db)
                .await?
                .iter()
                .filter_map(town_of)
                .collect();
            towns.sort();
            towns.dedup();
            towns
        }
        None => closure::patron_towns().map(|t| t.0.to_string()).collect(),
    };
    for year in from.year()..=to.year() {
        for (date, it, _) in closure::national_holidays(year) {
            if (from..=to).contains(&date) {
                shown.push(computed(Kind::National, None, date, it));
            }
        }
        for (town, month, d, name) in closure::patron_towns() {
            let Some(date) = NaiveDate::from_ymd_opt(year, month, d) else {
                continue;
            };
            if (from..=to).contains(&date) && towns.iter().any(|t| t.eq_ignore_ascii_case(town)) {
                shown.push(computed(Kind::Patron, Some(town), date, name));
            }
        }
    }
    shown.sort_by_key(|c| (c.first_day, c.id));
    Ok(shown)
}

fn computed(kind: Kind, town: Option<&str>, date: NaiveDate, name: &str) -> ClosureView {
    ClosureView {
        id: None,
        kind,
        organisation_id: None,
        town: town.map(str::to_string),
        first_day: date,
        last_day: date,
        name: name.to_string(),
    }
}

/// A day of the body or the query; `None` when absent or wrong (then the error is on `v`).
fn day(v: &mut Validator, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let s = value.map(str::trim).filter(|s| !s.is_empty())?;
    parse_date(s).map_err(|e| v.add(field, e.to_string())).ok()
}

/// Enters a closure: staff for anyone or everyone, a requester for its own organisation.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: NewClosure,
) -> Result<ClosureView, Error> {
    match (caller.role, caller.organisation_id, body.organisation_id) {
        (role, _, _) if role.is_staff() => {}
        (Role::Requester, Some(own), Some(id)) if id == own => {}
        (Role::Requester, Some(_), None) => {
            return Err(Error::field(
                "organisation_id",
                "Say which organisation is closed: your own.",
            ))
        }
        (Role::Requester, Some(_), Some(_)) => return Err(Error::NotFound("organisation")),
        _ => return Err(Error::Forbidden("only staff and requesters enter closures")),
    }
    let mut v = Validator::new();
    let first = required(&mut v, "first_day", body.first_day.as_deref());
    let first = first.and_then(|s| day(&mut v, "first_day", Some(s)));
    let last = day(&mut v, "last_day", body.last_day.as_deref());
    let name = required(&mut v, "name", body.name.as_deref())
        .map(|n| input::text(&mut v, "name", n, MAX_NAME_CHARS));
    if let (Some(first), Some(last)) = (first, last) {
        if last < first {
            v.add("last_day", "The last day comes on or after the first.");
        } else if (last - first).num_days() >= closure::MAX_DAYS {
            v.add(
                "last_day",
                format!("One closure covers at most {} days.", closure::MAX_DAYS),
            );
        }
    }
    v.finish()?;
    let (Some(first), Some(name)) = (first, name) else {
        return Err(Error::field("first_day", "This field is required."));
    };
    let last = last.unwrap_or(first);
    let w = Write::begin(db).await?;
    if let Some(id) = body.organisation_id {
        if organisation::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .is_none()
        {
            return Err(Error::field("organisation_id", "No such organisation."));
        }
    }
    let inserted = row::ActiveModel {
        organisation_id: Set(body.organisation_id),
        first_day: Set(first),
        last_day: Set(last),
        name: Set(name),
        created_by: Set(Some(caller.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::Created,
        "closure",
        inserted.id,
        json!({"organisation_id": inserted.organisation_id, "first_day": first, "last_day": last, "name": inserted.name}),
    )
    .await?;
    w.commit().await?;
    Ok(ClosureView {
        id: Some(inserted.id),
        kind: if inserted.organisation_id.is_some() {
            Kind::Organisation
        } else {
            Kind::Everyone
        },
        organisation_id: inserted.organisation_id,
        town: None,
        first_day: first,
        last_day: last,
        name: inserted.name,
    })
}

/// Removes an entered closure (staff, or the organisation's requesters for its own).
pub async fn delete(db: &DatabaseConnection, caller: &Caller, id: i64) -> Result<(), Error> {
    let w = Write::begin(db).await?;
    let Some(found) = row::Entity::find_by_id(id).one(&w.txn).await? else {
        return Err(Error::NotFound("closure"));
    };
    let allowed = caller.role.is_staff()
        || (caller.role == Role::Requester
            && found.organisation_id.is_some()
            && found.organisation_id == caller.organisation_id);
    if !allowed {
        return Err(Error::NotFound("closure"));
    }
    row::Entity::delete_by_id(id).exec(&w.txn).await?;
    audit::record(
        &w.txn,
        Some(caller.user_id),
        audit::Action::Cancelled,
        "closure",
        id,
        json!({"organisation_id": found.organisation_id, "first_day": found.first_day, "last_day": found.last_day, "name": found.name}),
    )
    .await?;
    w.commit().await?;
    Ok(())
}
