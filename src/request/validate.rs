//! The rules a new request must follow. Every broken rule is reported at once, each under
//! the field the client has to change, and nothing is written until all of them hold.
use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::model::{Modality, RequestBody, Urgency};
use crate::auth::{Caller, Role};
use crate::domain::language::{self, LanguageTag};
use crate::domain::local_time::{self, DEFAULT_ZONE};
use crate::domain::text::{multi_line_problem, single_line_problem};
use crate::domain::{quoted, recurrence};
use crate::entity::{mediator, organisation, site, tag};
use crate::error::{Error, Validator};

/// The most tags one request requires; the catalogue itself has a few dozen.
pub const MAX_REQUIRED_TAGS: usize = 50;
/// The most mediators one request prefers or excludes, each list.
pub const MAX_LISTED_MEDIATORS: usize = 200;
pub const MIN_DURATION_MINUTES: i64 = 15;
pub const MAX_DURATION_MINUTES: i64 = 480;
pub const MAX_CASE_REFERENCE_CHARS: usize = 64;
pub const MAX_NOTES_CHARS: usize = 2000;

/// How far in the past `earliest_start` may be. An emergency request is often sent for
/// "now"; a client whose clock runs a little behind ours, or a submission retried after a
/// dropped connection, must not be refused for a start a few minutes old.
pub const PAST_GRACE: TimeDelta = TimeDelta::minutes(5);

/// A request that follows every rule, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub organisation_id: i64,
    pub zone: Tz,
    pub site_id: Option<i64>,
    pub language: LanguageTag,
    pub required_tags: Vec<String>,
    pub modality: Modality,
    pub fallback_modalities: Vec<Modality>,
    pub earliest_start: DateTime<Utc>,
    pub latest_start: DateTime<Utc>,
    pub duration_minutes: i32,
    pub urgency: Urgency,
    pub preferred_mediators: Vec<i64>,
    pub excluded_mediators: Vec<i64>,
    pub case_reference: Option<String>,
    pub notes: Option<String>,
    pub rrule: Option<String>,
    pub occurrences: i32,
}

/// Checks `body` as submitted by `caller` at `now`. Mediators may not submit requests (403).
pub async fn validate<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    body: &RequestBody,
    now: DateTime<Utc>,
) -> Result<NewRequest, Error> {
    let mut v = Validator::new();
    let organisation = organisation(db, caller, body.organisation_id, &mut v).await?;
    let zone = organisation
        .as_ref()
        .and_then(|o| local_time::parse_zone(&o.timezone).ok())
        .unwrap_or(DEFAULT_ZONE);
    let fields = fields(body, zone, now, &mut v);
    if let Some(org) = &organisation {
        // A site is needed as soon as the meeting may be in person.
        let in_person = fields
            .fallback_modalities
            .contains(&Modality::InPerson)
            .then_some(Modality::InPerson);
        check_site(
            db,
            org.id,
            body.site_id,
            in_person.or(fields.modality),
            &mut v,
        )
        .await?;
    }
    let required_tags = known_tags(db, &body.required_tags, &mut v).await?;
    let (preferred_mediators, excluded_mediators) = mediators(
        db,
        &body.preferred_mediators,
        &body.excluded_mediators,
        &mut v,
    )
    .await?;
    v.finish()?;

    let (
        Some(org),
        Some(language),
        Some(modality),
        Some(urgency),
        Some(earliest),
        Some(latest),
        Some(duration),
    ) = (
        organisation,
        fields.language,
        fields.modality,
        fields.urgency,
        fields.earliest_start,
        fields.latest_start,
        fields.duration_minutes,
    )
    else {
        return Err(Error::Internal("a validated request lacks a field".into()));
    };
    Ok(NewRequest {
        organisation_id: org.id,
        zone,
        site_id: body.site_id,
        language,
        required_tags,
        modality,
        fallback_modalities: fields.fallback_modalities,
        earliest_start: earliest,
        latest_start: latest,
        duration_minutes: duration,
        urgency,
        preferred_mediators,
        excluded_mediators,
        case_reference: text(&body.case_reference),
        notes: text(&body.notes),
        rrule: fields.rrule,
        occurrences: fields.occurrences,
    })
}

/// The organisation the request is for. A requester names only their own: another
/// organisation's id is a 422 on `organisation_id` with the same message whether or not
/// it exists, so that the answer reveals nothing about other organisations.
async fn organisation<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    requested: Option<i64>,
    v: &mut Validator,
) -> Result<Option<organisation::Model>, Error> {
    let id = match caller.role {
        Role::Mediator => return Err(Error::Forbidden("mediators cannot submit requests")),
        Role::Requester => {
            let own = caller.organisation_id.ok_or(Error::Forbidden(
                "this requester account has no organisation",
            ))?;
            if requested.is_some_and(|id| id != own) {
                v.add(
                    "organisation_id",
                    "A requester can only submit requests for their own organisation.",
                );
            }
            own
        }
        Role::Coordinator | Role::Admin => match requested {
            Some(id) => id,
            None => {
                v.add(
                    "organisation_id",
                    "Coordinators and admins must say which organisation the request is for.",
                );
                return Ok(None);
            }
        },
    };
    let found = organisation::Entity::find_by_id(id).one(db).await?;
    if found.is_none() {
        v.add(
            "organisation_id",
            format!("Organisation {id} does not exist."),
        );
    }
    Ok(found)
}

/// Fields checked on their own, without the database.
#[derive(Default)]
struct Fields {
    language: Option<LanguageTag>,
    modality: Option<Modality>,
    fallback_modalities: Vec<Modality>,
    urgency: Option<Urgency>,
    earliest_start: Option<DateTime<Utc>>,
    latest_start: Option<DateTime<Utc>>,
    duration_minutes: Option<i32>,
    rrule: Option<String>,
    occurrences: i32,
}

fn fields(body: &RequestBody, zone: Tz, now: DateTime<Utc>, v: &mut Validator) -> Fields {
    let mut f = Fields {
        occurrences: 1,
        ..Fields::default()
    };
    f.language = v.check("language", language::parse_tag(&body.language));
    f.modality = Modality::parse(&body.modality);
    if f.modality.is_none() {
        v.add(
            "modality",
            format!(
                "{} is not a modality: use in_person, phone or video.",
                quoted(&body.modality)
            ),
        );
    }
    f.fallback_modalities = fallback_modalities(&body.fallback_modalities, f.modality, v);
    f.urgency = Urgency::parse(&body.urgency);
    if f.urgency.is_none() {
        v.add(
            "urgency",
            format!(
                "{} is not an urgency: use emergency, urgent or routine.",
                quoted(&body.urgency)
            ),
        );
    }
    if (MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&body.duration_minutes) {
        f.duration_minutes = i32::try_from(body.duration_minutes).ok();
    } else {
        v.add(
            "duration_minutes",
            format!("The duration must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes."),
        );
    }
    check_times(body, zone, now, v, &mut f);
    if let Some(reference) = body.case_reference.as_deref().map(str::trim) {
        if reference.chars().count() > MAX_CASE_REFERENCE_CHARS {
            v.add(
                "case_reference",
                format!("At most {MAX_CASE_REFERENCE_CHARS} characters."),
            );
        } else if let Some(problem) = single_line_problem(reference) {
            v.add("case_reference", problem);
        }
    }
    if let Some(notes) = body.notes.as_deref() {
        check_notes(notes, v);
    }
    f
}

/// The notes of a request: at most [`MAX_NOTES_CHARS`], line breaks allowed, no other
/// control characters.
pub(crate) fn check_notes(notes: &str, v: &mut Validator) {
    let notes = notes.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        v.add("notes", format!("At most {MAX_NOTES_CHARS} characters."));
    } else if let Some(problem) = multi_line_problem(notes) {
        v.add("notes", problem);
    }
}

fn check_times(
    body: &RequestBody,
    zone: Tz,
    now: DateTime<Utc>,
    v: &mut Validator,
    f: &mut Fields,
) {
    // Nothing is scheduled finer than a second; whole seconds also store identically on
    // both backends, so a stored request reads back exactly as it was answered.
    let parse = |s: &str| local_time::parse_instant(s, zone).map(|t| t.trunc_subsecs(0));
    let earliest = v.check("earliest_start", parse(&body.earliest_start));
    if let Some(start) = earliest {
        if start < now - PAST_GRACE {
            v.add(
                "earliest_start",
                format!(
                    "The start {} is in the past.",
                    local_time::format_local(start, zone)
                ),
            );
        }
    }
    let latest = match &body.latest_start {
        Some(s) => v.check("latest_start", parse(s)),
        None => earliest,
    };
    if let (Some(earliest), Some(latest)) = (earliest, latest) {
        if latest < earliest {
            v.add(
                "latest_start",
                "The latest start is before the earliest start.",
            );
        }
    }
    f.earliest_start = earliest;
    f.latest_start = latest;

    let rule = body
        .rrule
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let (Some(rule), Some(start)) = (rule, earliest) {
        if let Some(count) = v.check("rrule", recurrence::validate(rule, start, zone)) {
            f.rrule = Some(rule.to_string());
            f.occurrences = i32::try_from(count).unwrap_or(i32::MAX);
        }
    }
}

/// "In person, or video if needed": the other modalities accepted, each a modality word,
/// other than `modality` and listed once, in order of preference.
pub(crate) fn fallback_modalities(
    given: &[String],
    modality: Option<Modality>,
    v: &mut Validator,
) -> Vec<Modality> {
    use crate::domain::request::MAX_FALLBACKS;
    if given.len() > MAX_FALLBACKS {
        v.add(
            "fallback_modalities",
            format!("At most {MAX_FALLBACKS} modalities: the others than `modality`."),
        );
        return Vec::new();
    }
    let mut out: Vec<Modality> = Vec::new();
    for (i, word) in given.iter().enumerate() {
        let field = format!("fallback_modalities[{i}]");
        match Modality::parse(word) {
            None => v.add(
                &field,
                format!(
                    "{} is not a modality: use in_person, phone or video.",
                    quoted(word)
                ),
            ),
            Some(m) if Some(m) == modality || out.contains(&m) => v.add(
                &field,
                format!("{m} is already the request's modality or listed before."),
            ),
            Some(m) => out.push(m),
        }
    }
    out
}

/// An in-person appointment happens at one of the organisation's own sites. An unknown site
/// and another organisation's site get the same message, which reveals nothing.
pub(crate) async fn check_site<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    site_id: Option<i64>,
    modality: Option<Modality>,
    v: &mut Validator,
) -> Result<(), Error> {
    let Some(id) = site_id else {
        if modality == Some(Modality::InPerson) {
            v.add(
                "site_id",
                "An in-person request needs a site of the organisation.",
            );
        }
        return Ok(());
    };
    let owner: Option<i64> = site::Entity::find_by_id(id)
        .select_only()
        .column(site::Column::OrganisationId)
        .into_tuple()
        .one(db)
        .await?;
    if owner != Some(organisation_id) {
        v.add(
            "site_id",
            format!("Site {id} is not a site of organisation {organisation_id}."),
        );
    }
    Ok(())
}

/// The required tags, trimmed and without repeats, if all are in the catalogue.
async fn known_tags<C: ConnectionTrait>(
    db: &C,
    tags: &[String],
    v: &mut Validator,
) -> Result<Vec<String>, Error> {
    if !v.bounded("required_tags", tags.len(), MAX_REQUIRED_TAGS) {
        return Ok(Vec::new());
    }
    let mut seen = HashSet::with_capacity(tags.len());
    let wanted: Vec<String> = tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| seen.insert(*t))
        .map(str::to_string)
        .collect();
    if wanted.is_empty() {
        return Ok(wanted);
    }
    let known: BTreeSet<String> = tag::Entity::find()
        .select_only()
        .column(tag::Column::Name)
        .filter(tag::Column::Name.is_in(wanted.clone()))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let unknown: Vec<String> = wanted
        .iter()
        .filter(|t| !known.contains(*t))
        .map(|t| quoted(t))
        .collect();
    if !unknown.is_empty() {
        v.add(
            "required_tags",
            format!("Unknown tags: {}.", unknown.join(", ")),
        );
    }
    Ok(wanted)
}

/// Preferred and excluded mediators, without repeats: each must exist, and none may be both.
pub(crate) async fn mediators<C: ConnectionTrait>(
    db: &C,
    preferred: &[i64],
    excluded: &[i64],
    v: &mut Validator,
) -> Result<(Vec<i64>, Vec<i64>), Error> {
    let preferred_ok = v.bounded("preferred_mediators", preferred.len(), MAX_LISTED_MEDIATORS);
    let excluded_ok = v.bounded("excluded_mediators", excluded.len(), MAX_LISTED_MEDIATORS);
    if !(preferred_ok && excluded_ok) {
        return Ok((Vec::new(), Vec::new()));
    }
    let preferred = distinct(preferred);
    let excluded = distinct(excluded);
    let all: BTreeSet<i64> = preferred.iter().chain(&excluded).copied().collect();
    if all.is_empty() {
        return Ok((preferred, excluded));
    }
    let existing: BTreeSet<i64> = mediator::Entity::find()
        .select_only()
        .column(mediator::Column::Id)
        .filter(mediator::Column::Id.is_in(all.iter().copied()))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for (field, ids) in [
        ("preferred_mediators", &preferred),
        ("excluded_mediators", &excluded),
    ] {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !existing.contains(id))
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            v.add(
                field,
                format!("No mediator with id {}.", missing.join(", ")),
            );
        }
    }
    let excluded_set: BTreeSet<i64> = excluded.iter().copied().collect();
    let both: Vec<String> = preferred
        .iter()
        .filter(|id| excluded_set.contains(id))
        .map(i64::to_string)
        .collect();
    if !both.is_empty() {
        v.add(
            "excluded_mediators",
            format!(
                "Mediator {} cannot be both preferred and excluded.",
                both.join(", ")
            ),
        );
    }
    Ok((preferred, excluded))
}

fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// Free text, trimmed; blank is absent.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
