//! Checks of input values shared by the registry's operations. Each records its problem in
//! the operation's `Validator` and still returns a value, so that one request reports every
//! bad field at once instead of the first one only.
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use crate::account::normalise_email;
use crate::domain::local_time::{parse_zone, DEFAULT_ZONE};
use crate::domain::text::{multi_line_problem, single_line_problem};
use crate::error::Validator;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 500;

/// A field of a PATCH body: absent (keep the stored value), `null` (clear it) or a value.
/// `Option<T>` cannot tell the first two apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Change<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Change::Clear, Change::Set))
    }
}

impl<T> Change<T> {
    /// The new value of a field that every record has: `null` is an error.
    pub fn required(self, v: &mut Validator, field: &str) -> Option<T> {
        match self {
            Change::Keep => None,
            Change::Clear => {
                v.add(
                    field,
                    "This field cannot be removed; give a value or leave it out.",
                );
                None
            }
            Change::Set(value) => Some(value),
        }
    }

    /// The new value of a field that may be removed: `Some(None)` removes it.
    pub fn nullable(self) -> Option<Option<T>> {
        match self {
            Change::Keep => None,
            Change::Clear => Some(None),
            Change::Set(value) => Some(Some(value)),
        }
    }

    pub fn is_set(&self) -> bool {
        matches!(self, Change::Set(_))
    }
}

/// A field that must be present in a creation body. Bodies take every field as optional so
/// that all missing fields are reported together, with the other problems.
pub fn required<T>(v: &mut Validator, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        v.add(field, "This field is required.");
    }
    value
}

/// Trimmed, not blank, at most `max` characters, on one line: names and addresses end up in
/// email headers and calendar lines.
pub fn text(v: &mut Validator, field: &str, value: &str, max: usize) -> String {
    checked_text(v, field, value, max, single_line_problem)
}

/// Like [`text`], for notes and descriptions: line breaks are kept.
pub fn multi_line_text(v: &mut Validator, field: &str, value: &str, max: usize) -> String {
    checked_text(v, field, value, max, multi_line_problem)
}

fn checked_text(
    v: &mut Validator,
    field: &str,
    value: &str,
    max: usize,
    characters: fn(&str) -> Option<&'static str>,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        v.add(field, "Must not be empty.");
    } else if value.chars().count() > max {
        v.add(field, format!("Must be at most {max} characters long."));
    } else if let Some(problem) = characters(value) {
        v.add(field, problem);
    }
    value.to_string()
}

/// Like [`multi_line_text`], but blank means absent.
pub fn optional_note(
    v: &mut Validator,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    value
        .filter(|s| !s.trim().is_empty())
        .map(|s| multi_line_text(v, field, &s, max))
}

/// Like [`text`], but blank means absent.
pub fn optional_text(
    v: &mut Validator,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    value
        .filter(|s| !s.trim().is_empty())
        .map(|s| text(v, field, &s, max))
}

pub fn email(v: &mut Validator, field: &str, value: &str) -> String {
    v.check(field, normalise_email(value)).unwrap_or_default()
}

pub fn latitude(v: &mut Validator, field: &str, value: f64) -> f64 {
    if !(-90.0..=90.0).contains(&value) {
        v.add(field, "A latitude is between -90 and 90 degrees.");
    }
    value
}

pub fn longitude(v: &mut Validator, field: &str, value: f64) -> f64 {
    if !(-180.0..=180.0).contains(&value) {
        v.add(field, "A longitude is between -180 and 180 degrees.");
    }
    value
}

/// The language of a person's pages or of an organisation's emails.
pub fn locale(v: &mut Validator, field: &str, value: &str) -> String {
    let value = value.trim();
    if !matches!(value, "it" | "en") {
        v.add(field, "The language is `it` or `en`.");
    }
    value.to_string()
}

/// An IANA zone, Europe/Rome when absent; stored by its canonical name.
pub fn zone(v: &mut Validator, field: &str, value: Option<&str>) -> Tz {
    match value {
        None => DEFAULT_ZONE,
        Some(name) => v.check(field, parse_zone(name)).unwrap_or(DEFAULT_ZONE),
    }
}

/// The zone of a stored row; rows are validated on the way in, so the fallback is only for
/// rows written by hand.
pub fn stored_zone(name: &str) -> Tz {
    parse_zone(name).unwrap_or(DEFAULT_ZONE)
}

/// A `true`/`false` query parameter.
pub fn flag(v: &mut Validator, field: &str, value: Option<&str>) -> Option<bool> {
    match value? {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            v.add(
                field,
                format!("“{other}” is not a boolean; use true or false."),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_tell_absent_from_null() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            a: Change<i64>,
            #[serde(default)]
            b: Change<i64>,
            #[serde(default)]
            c: Change<i64>,
        }
        let body: Body = serde_json::from_str(r#"{"b": null, "c": 3}"#).unwrap();
        assert_eq!(
            (body.a, body.b, body.c),
            (Change::Keep, Change::Clear, Change::Set(3))
        );
    }

    #[test]
    fn every_problem_is_recorded() {
        let mut v = Validator::new();
        assert_eq!(text(&mut v, "name", "  Anna  ", 10), "Anna");
        text(&mut v, "blank", "  ", 10);
        text(&mut v, "long", "abcdefghijk", 10);
        latitude(&mut v, "lat", 90.5);
        longitude(&mut v, "lon", -180.0);
        assert_eq!(flag(&mut v, "active", Some("yes")), None);
        assert_eq!(optional_text(&mut v, "note", Some(" ".into()), 10), None);
        text(&mut v, "line", "Turno\nserale", 20);
        assert_eq!(
            optional_note(&mut v, "note", Some("riga 1\nriga 2".into()), 20).as_deref(),
            Some("riga 1\nriga 2")
        );
        let Err(crate::error::Error::Invalid(errors)) = v.finish() else {
            panic!()
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["active", "blank", "lat", "line", "long"]
        );
    }
}
