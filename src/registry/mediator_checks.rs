//! The rules of a mediator profile's fields, shared by creation and PATCH. Each records its
//! problems under the field's path (`languages[2]`, `home.lat`) and returns the canonical
//! value to store.
use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};

use super::input::{self, required, MAX_TEXT_CHARS};
use super::tags;
use crate::domain::language::parse_tag;
use crate::domain::request::Modality;
use crate::entity::site;
use crate::error::Validator;

/// A working week of seven 8-hour days: more is certainly a typo.
pub const MAX_WEEKLY_MINUTES: i64 = 3360;

/// A home that is not one of the sites: where the mediator starts travelling from.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewHome {
    #[schema(required = true)]
    pub address: Option<String>,
    #[schema(required = true)]
    pub lat: Option<f64>,
    #[schema(required = true)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Home {
    pub address: String,
    pub lat: f64,
    pub lon: f64,
}

/// The most languages one mediator lists; a person speaks a handful.
pub const MAX_LANGUAGES: usize = 30;
/// The most catalogue tags on one mediator.
pub const MAX_TAGS: usize = 100;

/// At least one BCP 47 tag, each stored canonical (`AR-ma` becomes `ar-MA`) and listed once.
pub fn languages(v: &mut Validator, tags: &[String]) -> Vec<String> {
    if !v.bounded("languages", tags.len(), MAX_LANGUAGES) {
        return Vec::new();
    }
    if tags.is_empty() {
        v.add("languages", "A mediator speaks at least one language.");
    }
    let mut seen = HashSet::new();
    let mut canonical = Vec::with_capacity(tags.len());
    for (i, raw) in tags.iter().enumerate() {
        let field = format!("languages[{i}]");
        if let Some(tag) = v.check(&field, parse_tag(raw)) {
            if !seen.insert(tag.as_str().to_string()) {
                v.add(&field, format!("{tag} is listed twice."));
            }
            canonical.push(tag.as_str().to_string());
        }
    }
    canonical
}

/// Tags of the catalogue, each listed once.
pub async fn tags<C: ConnectionTrait>(
    db: &C,
    v: &mut Validator,
    names: &[String],
) -> Result<Vec<String>, DbErr> {
    if !v.bounded("tags", names.len(), MAX_TAGS) {
        return Ok(Vec::new());
    }
    for i in tags::unknown(db, names).await? {
        v.add(
            &format!("tags[{i}]"),
            format!("“{}” is not a known tag; GET /tags lists them.", names[i]),
        );
    }
    twice(v, "tags", names);
    Ok(names.to_vec())
}

/// At least one of in_person, phone and video, each listed once.
pub fn modalities(v: &mut Validator, names: &[String]) -> Vec<String> {
    if !v.bounded("modalities", names.len(), Modality::ALL.len()) {
        return Vec::new();
    }
    if names.is_empty() {
        v.add("modalities", "A mediator works in at least one modality.");
    }
    for (i, name) in names.iter().enumerate() {
        if Modality::parse(name).is_none() {
            v.add(
                &format!("modalities[{i}]"),
                format!("“{name}” is not a modality; use in_person, phone or video."),
            );
        }
    }
    twice(v, "modalities", names);
    names.to_vec()
}

fn twice(v: &mut Validator, list: &str, names: &[String]) {
    let mut seen = HashSet::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if !seen.insert(name) {
            v.add(
                &format!("{list}[{i}]"),
                format!("“{name}” is listed twice."),
            );
        }
    }
}

/// Digits with the usual separators and an optional leading `+`; 6 to 15 digits (E.164).
pub fn phone(v: &mut Validator, value: &str) -> String {
    let value = value.trim();
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let shaped = value
        .strip_prefix('+')
        .unwrap_or(value)
        .bytes()
        .all(|b| b.is_ascii_digit() || b" -./()".contains(&b));
    if !shaped || !(6..=15).contains(&digits) {
        v.add("phone", "Not a phone number; use digits, spaces and an optional leading +, such as +39 0574 123456.");
    }
    value.to_string()
}

pub fn max_weekly_minutes(v: &mut Validator, minutes: i64) -> i32 {
    if !(1..=MAX_WEEKLY_MINUTES).contains(&minutes) {
        v.add(
            "max_weekly_minutes",
            format!("The weekly limit is from 1 to {MAX_WEEKLY_MINUTES} minutes."),
        );
    }
    minutes.clamp(0, MAX_WEEKLY_MINUTES) as i32
}

pub async fn home_site<C: ConnectionTrait>(
    db: &C,
    v: &mut Validator,
    id: i64,
) -> Result<i64, DbErr> {
    if site::Entity::find_by_id(id).one(db).await?.is_none() {
        v.add("home_site_id", format!("There is no site {id}."));
    }
    Ok(id)
}

pub fn home(v: &mut Validator, home: NewHome) -> Home {
    let address = required(v, "home.address", home.address)
        .map(|a| input::text(v, "home.address", &a, MAX_TEXT_CHARS));
    let lat = required(v, "home.lat", home.lat).map(|x| input::latitude(v, "home.lat", x));
    let lon = required(v, "home.lon", home.lon).map(|x| input::longitude(v, "home.lon", x));
    Home {
        address: address.unwrap_or_default(),
        lat: lat.unwrap_or_default(),
        lon: lon.unwrap_or_default(),
    }
}

/// A home is a site or a place, not both.
pub fn one_home(v: &mut Validator, site_given: bool, place_given: bool) {
    if site_given && place_given {
        v.add("home", "Give either home_site_id or home, not both.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields a check complains about.
    fn fields<T>(check: impl FnOnce(&mut Validator) -> T) -> Vec<String> {
        let mut v = Validator::new();
        check(&mut v);
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(crate::error::Error::Invalid(errors)) => errors.into_keys().collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn languages_are_canonical_and_listed_once() {
        let mut v = Validator::new();
        assert_eq!(
            languages(&mut v, &strings(&["AR-ma", "zh-hant-tw"])),
            ["ar-MA", "zh-Hant-TW"]
        );
        assert!(v.finish().is_ok());
        assert_eq!(fields(|v| languages(v, &[])), ["languages"]);
        let bad = strings(&["ar", "zh_TW", "AR"]);
        assert_eq!(
            fields(|v| languages(v, &bad)),
            ["languages[1]", "languages[2]"]
        );
    }

    #[test]
    fn modalities_are_known_and_listed_once() {
        assert!(fields(|v| modalities(v, &strings(&["phone", "video"]))).is_empty());
        assert_eq!(fields(|v| modalities(v, &[])), ["modalities"]);
        let bad = strings(&["phone", "fax", "phone"]);
        assert_eq!(
            fields(|v| modalities(v, &bad)),
            ["modalities[1]", "modalities[2]"]
        );
    }

    #[test]
    fn phones_and_weekly_limits() {
        for good in ["+39 0574 123456", "0574-123456", "(0574) 12.34.56"] {
            assert!(fields(|v| phone(v, good)).is_empty(), "{good}");
        }
        for bad in ["12345", "call me", "+39 0574 123456 1234567", "++39123456"] {
            assert_eq!(fields(|v| phone(v, bad)), ["phone"], "{bad}");
        }
        assert!(fields(|v| max_weekly_minutes(v, 3360)).is_empty());
        assert_eq!(fields(|v| max_weekly_minutes(v, 0)), ["max_weekly_minutes"]);
        assert_eq!(
            fields(|v| max_weekly_minutes(v, 3361)),
            ["max_weekly_minutes"]
        );
    }
}
