//! The services' one error type, below any adapter. A use case says *what* went wrong in
//! domain words (a field and its problem, a rule a change breaks, a conflict); `http` maps it
//! to problem+json once (`http::error`), `web` to a page or to messages beside the inputs once
//! (`web::error`). Nothing here knows about status codes.
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

/// Field → message, in a stable order so that clients and tests see the same body. A field
/// is named as the API names it (`earliest_start`, `rules[3].end`): that is the domain's
/// vocabulary, which the pages map to their own inputs.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not the right shape at all (not JSON, a stored row that no longer
    /// parses as the type it was written as).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// Well-formed but breaks a rule; each field with what is wrong with it.
    #[error("invalid fields")]
    Invalid(FieldErrors),
    /// Authenticated but not allowed. Resources of another organisation are `NotFound`
    /// instead, so that their existence does not leak.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change collides with the current state (already answered, already published…).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The change would break one of the dispatch rules, numbered as in the exchange
    /// format's referee (`ponte_solver::check`), with the referee's account of it.
    #[error("the move breaks {detail}")]
    RuleBroken { rule: u8, detail: String },
    /// The change would move or cancel a live (published or accepted) assignment, which
    /// needs the coordinator's explicit consent (`confirm_published_change`).
    #[error("the draft keeps live assignment {assignment_id}: changing it needs \"confirm_published_change\": true")]
    NeedsConsent { assignment_id: i64 },
    /// An absence entered over live assignments without `confirm_releases`: each of them,
    /// so that the mediator or the coordinator sees what confirming would release.
    #[error("the absence covers {} live assignment(s): send \"confirm_releases\": true to release them", .0.len())]
    WouldRelease(Vec<HeldAssignment>),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A live assignment that a change would take from its mediator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct HeldAssignment {
    pub assignment_id: i64,
    pub request_id: i64,
    pub occurrence: i32,
    #[schema(value_type = String, example = "2027-03-30T08:00:00Z")]
    pub start: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = String, example = "2027-03-30T09:00:00Z")]
    pub end: chrono::DateTime<chrono::Utc>,
    /// `published` or `accepted`.
    pub state: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// One invalid field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(name.to_string(), message.into());
        Error::Invalid(errors)
    }
}

/// Accumulates field errors so that a client learns of every bad field at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem of a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    /// The value of a parse, or records its error under `field`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: std::result::Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// Whether a list has at most `max` items; records the problem otherwise. Callers check
    /// the items only of a bounded list, so that a body of 80,000 items costs no more than
    /// reading it.
    pub fn bounded(&mut self, field: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.add(field, format!("At most {max} items (this list has {len})."));
        }
        len <= max
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// The fields with a problem so far (for checks that are reused by several inputs).
    pub fn into_fields(self) -> FieldErrors {
        self.errors
    }

    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }
}

/// Parses JSON. Bad syntax is `Malformed`; a missing field or a value of the wrong type is
/// `Invalid` naming the field by its path (`preferred_mediators[2]`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    // PostgreSQL refuses NUL in text ("invalid byte sequence"), and no field of Ponte has a
    // use for it: refused here, naming the field, for every body of every service. JSON can
    // carry NUL only as the escape `\u0000`, so bodies without it skip the walk.
    if contains_nul_escape(bytes) {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some(path) = nul_path(&value, String::new()) {
                let field = if path.is_empty() {
                    "body".to_string()
                } else {
                    path
                };
                return Err(Error::field(&field, "must not contain the NUL character"));
            }
        }
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return Error::Malformed(format!("the body is not valid JSON: {inner}"));
        }
        let message = strip_position(&inner.to_string());
        let field = match missing_field(&message) {
            Some(name) if path == "." => name.to_string(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        Error::field(&field, message)
    })
}

fn contains_nul_escape(bytes: &[u8]) -> bool {
    bytes
        .windows(6)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|&b| b == b'0'))
}

/// Where in `value` a text (a key or a string) holds NUL, as serde_path_to_error writes
/// paths (`tags[0]`, `home.address`).
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        Value::String(s) => s.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(k, v)| nul_path(v, format!("{at}[{k}]"))),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "\\u0000")))
            } else {
                nul_path(v, join(key))
            }
        }),
        _ => None,
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends "at line 1 column 80", which means nothing to a client that sent a
/// one-line body; the field path says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<u32>,
    }

    fn errors(result: Result<Body>) -> Vec<(String, String)> {
        match result {
            Err(Error::Invalid(errors)) => errors.into_iter().collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\": "),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        let e = errors(parse_json::<Body>(br#"{"items": []}"#));
        assert_eq!(e[0].0, "name");
        let e = errors(parse_json::<Body>(br#"{"name": "x", "items": [1, "two"]}"#));
        assert_eq!(e[0].0, "items[1]");
        assert!(!e[0].1.contains("line"), "{}", e[0].1);
    }

    #[test]
    fn nul_is_refused_where_it_is() {
        let e = errors(parse_json::<Body>(br#"{"name": "a\u0000b", "items": []}"#));
        assert_eq!(e[0].0, "name");
        let raw = br#"{"name": "x", "items": [], "extra": {"list": ["ok", "\u0000"]}}"#;
        let e = errors(parse_json::<Body>(raw));
        assert_eq!(e[0].0, "extra.list[1]");
        // A backslash followed by the text u0000 is no NUL.
        let text = br#"{"name": "\\u0000", "items": []}"#;
        let body = parse_json::<Body>(text).unwrap();
        assert_eq!(body.name, "\\u0000");
    }
}
