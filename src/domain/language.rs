//! BCP 47 language tags (RFC 5646) for mediators' languages and requests.
//!
//! Tags are checked for full BCP 47 syntax and stored in canonical case, so that equal
//! languages compare equal as strings in the database and in the solver's input.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::quoted;

/// Why a language tag was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LanguageError {
    #[error("The language tag is empty; use a BCP 47 tag such as “ar” or “zh-Hant-TW”.")]
    Empty,
    #[error(
        "{} is not a valid BCP 47 language tag; use subtags separated by hyphens, such as \
         “ar”, “ar-MA” or “zh-Hant-TW”.",
        quoted(.0)
    )]
    Invalid(String),
}

/// A syntactically valid BCP 47 language tag in canonical case (`ar-MA`, `zh-Hant-TW`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag: `ar` for `ar-MA`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }

    /// A tag that is nothing but a primary subtag (`ar`) asks for any variety of the language.
    fn is_bare_primary(&self) -> bool {
        !self.0.contains('-')
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LanguageTag {
    type Err = LanguageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_tag(s)
    }
}

impl Serialize for LanguageTag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LanguageTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        parse_tag(&raw).map_err(serde::de::Error::custom)
    }
}

/// Parses and canonicalises a BCP 47 tag: `AR-ma` becomes `ar-MA`, `zh-hant-tw` becomes
/// `zh-Hant-TW`. Surrounding spaces are ignored.
///
/// Beyond well-formedness, the tag must start with a language subtag of 2–8 letters: a pure
/// private-use tag (`x-foo`) or an `i-…` grandfathered tag names no language a mediator could
/// be matched on, and the solver rejects such tags.
pub fn parse_tag(s: &str) -> Result<LanguageTag, LanguageError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(LanguageError::Empty);
    }
    let invalid = || LanguageError::Invalid(trimmed.to_owned());
    let tag = oxilangtag::LanguageTag::parse_and_normalize(trimmed).map_err(|_| invalid())?;
    let canonical = tag.into_inner();
    let primary = canonical.split('-').next().unwrap_or_default();
    if !(2..=8).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid());
    }
    Ok(LanguageTag(canonical))
}

/// Does a mediator who lists `mediator` serve a request for `request`? Yes if the tags are
/// equal, or if the request is a bare primary subtag (`ar`) and the mediator's tag has that
/// primary subtag (`ar-MA`). A request for `ar-MA` is not served by `ar`: whoever asked for
/// Moroccan Arabic needs the dialect. This is rule 2 of the dispatch spec.
pub fn serves(mediator: &LanguageTag, request: &LanguageTag) -> bool {
    // Tags are canonical, but comparing case-insensitively keeps this right for tags built
    // from the database by a future path that skips `parse_tag`.
    mediator.as_str().eq_ignore_ascii_case(request.as_str())
        || (request.is_bare_primary() && mediator.primary().eq_ignore_ascii_case(request.primary()))
}

/// A language's name in Italian (for coordinators), English, and the language itself (for
/// residents choosing their language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LanguageNames {
    pub italian: &'static str,
    pub english: &'static str,
    pub native: &'static str,
}

/// Names of `tag`, or of the nearest listed tag it specialises: `zh-Hant-TW` falls back to
/// `zh-Hant`, then to `zh`. `None` when not even the primary language is listed.
pub fn names(tag: &LanguageTag) -> Option<LanguageNames> {
    let mut candidate = tag.as_str();
    loop {
        if let Some((_, names)) = LANGUAGES.iter().find(|(known, _)| *known == candidate) {
            return Some(*names);
        }
        candidate = &candidate[..candidate.rfind('-')?];
    }
}

/// The tags that [`names`] knows, in canonical case, most requested in Tuscany first.
pub fn known_tags() -> &'static [&'static str] {
    &KNOWN_TAGS
}

const fn n(italian: &'static str, english: &'static str, native: &'static str) -> LanguageNames {
    LanguageNames {
        italian,
        english,
        native,
    }
}

const LANGUAGES: [(&str, LanguageNames); 41] = [
    ("zh", n("Cinese", "Chinese", "中文")),
    (
        "zh-Hans",
        n("Cinese semplificato", "Simplified Chinese", "简体中文"),
    ),
    (
        "zh-Hant",
        n("Cinese tradizionale", "Traditional Chinese", "繁體中文"),
    ),
    ("ur", n("Urdu", "Urdu", "اردو")),
    ("sq", n("Albanese", "Albanian", "Shqip")),
    ("ar", n("Arabo", "Arabic", "العربية")),
    ("ar-MA", n("Arabo marocchino", "Moroccan Arabic", "الدارجة")),
    ("ro", n("Romeno", "Romanian", "Română")),
    ("si", n("Singalese", "Sinhala", "සිංහල")),
    ("pa", n("Punjabi", "Punjabi", "ਪੰਜਾਬੀ")),
    ("bn", n("Bengalese", "Bengali", "বাংলা")),
    ("ta", n("Tamil", "Tamil", "தமிழ்")),
    ("hi", n("Hindi", "Hindi", "हिन्दी")),
    ("ml", n("Malayalam", "Malayalam", "മലയാളം")),
    ("ti", n("Tigrino", "Tigrinya", "ትግርኛ")),
    ("am", n("Amarico", "Amharic", "አማርኛ")),
    ("so", n("Somalo", "Somali", "Soomaali")),
    ("wo", n("Wolof", "Wolof", "Wolof")),
    ("ff", n("Fula", "Fula", "Fulfulde")),
    ("bm", n("Bambara", "Bambara", "Bamanankan")),
    ("ha", n("Hausa", "Hausa", "Hausa")),
    ("ig", n("Igbo", "Igbo", "Igbo")),
    ("yo", n("Yoruba", "Yoruba", "Èdè Yorùbá")),
    ("tl", n("Tagalog", "Tagalog", "Tagalog")),
    ("uk", n("Ucraino", "Ukrainian", "Українська")),
    ("ru", n("Russo", "Russian", "Русский")),
    ("pl", n("Polacco", "Polish", "Polski")),
    ("ka", n("Georgiano", "Georgian", "ქართული")),
    ("ps", n("Pashto", "Pashto", "پښتو")),
    ("fa", n("Persiano", "Persian", "فارسی")),
    ("ku", n("Curdo", "Kurdish", "Kurdî")),
    ("tr", n("Turco", "Turkish", "Türkçe")),
    ("es", n("Spagnolo", "Spanish", "Español")),
    ("pt", n("Portoghese", "Portuguese", "Português")),
    (
        "pt-BR",
        n(
            "Portoghese brasiliano",
            "Brazilian Portuguese",
            "Português do Brasil",
        ),
    ),
    ("fr", n("Francese", "French", "Français")),
    ("en", n("Inglese", "English", "English")),
    ("de", n("Tedesco", "German", "Deutsch")),
    ("it", n("Italiano", "Italian", "Italiano")),
    ("bg", n("Bulgaro", "Bulgarian", "Български")),
    ("mk", n("Macedone", "Macedonian", "Македонски")),
];

const KNOWN_TAGS: [&str; LANGUAGES.len()] = {
    let mut tags = [""; LANGUAGES.len()];
    let mut i = 0;
    while i < tags.len() {
        tags[i] = LANGUAGES[i].0;
        i += 1;
    }
    tags
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn tag(s: &str) -> LanguageTag {
        parse_tag(s).unwrap()
    }

    #[test]
    fn tags_are_canonicalised() {
        for (input, canonical) in [
            ("ar", "ar"),
            ("AR", "ar"),
            ("AR-ma", "ar-MA"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("ZH-HANT", "zh-Hant"),
            ("  sr-latn-rs ", "sr-Latn-RS"),
            ("es-419", "es-419"),
            ("fil", "fil"),
            ("de-CH-1996", "de-CH-1996"),
            ("en-US-x-Twain", "en-US-x-twain"),
        ] {
            assert_eq!(tag(input).as_str(), canonical, "{input}");
        }
    }

    #[test]
    fn malformed_tags_are_rejected() {
        assert_eq!(parse_tag(""), Err(LanguageError::Empty));
        assert_eq!(parse_tag("   "), Err(LanguageError::Empty));
        for bad in [
            "zh_TW",
            "12",
            "a",
            "arabic language",
            "ar-",
            "-ar",
            "ar--MA",
            "ar-MA-",
            "toolonglanguage",
            "ar-abcdefghi",
            "en-a",
            "en-x",
            "x-klingon",
            "i-klingon",
            "ä",
            "ar\u{0}",
        ] {
            assert!(
                matches!(parse_tag(bad), Err(LanguageError::Invalid(_))),
                "{bad:?} -> {:?}",
                parse_tag(bad)
            );
        }
    }

    #[test]
    fn error_messages_quote_the_input() {
        assert_eq!(
            parse_tag("zh_TW").unwrap_err().to_string(),
            "“zh_TW” is not a valid BCP 47 language tag; use subtags separated by hyphens, \
             such as “ar”, “ar-MA” or “zh-Hant-TW”."
        );
        assert!(parse_tag("")
            .unwrap_err()
            .to_string()
            .starts_with("The language tag is empty"));
    }

    #[test]
    fn primary_subtag() {
        assert_eq!(tag("ar-MA").primary(), "ar");
        assert_eq!(tag("zh-Hant-TW").primary(), "zh");
        assert_eq!(tag("so").primary(), "so");
        assert_eq!(tag("zh-yue").primary(), "zh");
    }

    #[test]
    fn serves_follows_the_primary_subtag_rule() {
        // Equal tags, in any case.
        assert!(serves(&tag("ar-MA"), &tag("ar-ma")));
        assert!(serves(&tag("ur"), &tag("ur")));
        // A bare request is served by any variety of the language.
        assert!(serves(&tag("ar-MA"), &tag("ar")));
        assert!(serves(&tag("zh-Hant-TW"), &tag("zh")));
        // A specific request is not served by the general language or another variety.
        assert!(!serves(&tag("ar"), &tag("ar-MA")));
        assert!(!serves(&tag("ar-TN"), &tag("ar-MA")));
        assert!(!serves(&tag("zh-Hant"), &tag("zh-Hant-TW")));
        // The primary subtag is a whole subtag, not a prefix of the string.
        assert!(!serves(&tag("ara"), &tag("ar")));
        assert!(!serves(&tag("ur"), &tag("ar")));
    }

    #[test]
    fn serves_agrees_with_the_solver() {
        let tags = [
            "ar",
            "ar-MA",
            "ar-TN",
            "zh",
            "zh-Hant",
            "zh-Hant-TW",
            "ara",
            "ur",
        ];
        for m in tags {
            for r in tags {
                assert_eq!(
                    serves(&tag(m), &tag(r)),
                    ponte_solver::problem::speaks(&[m.to_owned()], r),
                    "mediator {m}, request {r}"
                );
            }
        }
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let t: LanguageTag = serde_json::from_str("\"AR-ma\"").unwrap();
        assert_eq!(t.as_str(), "ar-MA");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"ar-MA\"");
        let err = serde_json::from_str::<LanguageTag>("\"zh_TW\"").unwrap_err();
        assert!(
            err.to_string().contains("not a valid BCP 47 language tag"),
            "{err}"
        );
        assert!(serde_json::from_str::<LanguageTag>("42").is_err());
    }

    #[test]
    fn display_and_from_str() {
        assert_eq!(tag("zh-hant-tw").to_string(), "zh-Hant-TW");
        assert_eq!("AR-ma".parse::<LanguageTag>(), Ok(tag("ar-MA")));
        let set: HashSet<LanguageTag> = [tag("ar-MA"), tag("AR-ma")].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn names_of_the_languages_of_tuscan_desks() {
        let cases = [
            ("zh", "Cinese", "Chinese", "中文"),
            ("ur", "Urdu", "Urdu", "اردو"),
            ("sq", "Albanese", "Albanian", "Shqip"),
            ("ar", "Arabo", "Arabic", "العربية"),
            ("ar-MA", "Arabo marocchino", "Moroccan Arabic", "الدارجة"),
            ("ro", "Romeno", "Romanian", "Română"),
            ("si", "Singalese", "Sinhala", "සිංහල"),
            ("pa", "Punjabi", "Punjabi", "ਪੰਜਾਬੀ"),
            ("bn", "Bengalese", "Bengali", "বাংলা"),
            ("ti", "Tigrino", "Tigrinya", "ትግርኛ"),
            ("ps", "Pashto", "Pashto", "پښتو"),
            ("fa", "Persiano", "Persian", "فارسی"),
            ("so", "Somalo", "Somali", "Soomaali"),
        ];
        for (t, italian, english, native) in cases {
            assert_eq!(
                names(&tag(t)),
                Some(LanguageNames {
                    italian,
                    english,
                    native
                }),
                "{t}"
            );
        }
    }

    #[test]
    fn every_required_language_has_names() {
        for t in [
            "zh", "ur", "sq", "ar", "ar-MA", "ro", "si", "pa", "bn", "ta", "hi", "ti", "wo", "ff",
            "uk", "ru", "es", "fr", "en", "it", "tl", "pl", "ps", "fa", "ku", "so", "am", "ka",
            "tr", "pt", "ha", "ig", "yo", "bm", "zh-Hant",
        ] {
            let names = names(&tag(t)).unwrap_or_else(|| panic!("no names for {t}"));
            assert!(
                !names.italian.is_empty() && !names.english.is_empty(),
                "{t}"
            );
            assert!(!names.native.is_empty(), "{t}");
            assert!(known_tags().contains(&t), "{t} not in known_tags");
        }
    }

    #[test]
    fn unlisted_varieties_fall_back_to_the_nearest_listed_tag() {
        assert_eq!(names(&tag("ar-TN")).map(|n| n.italian), Some("Arabo"));
        assert_eq!(
            names(&tag("ar-MA-x-casa")).map(|n| n.italian),
            Some("Arabo marocchino")
        );
        assert_eq!(
            names(&tag("zh-Hant-TW")).map(|n| n.italian),
            Some("Cinese tradizionale")
        );
        assert_eq!(names(&tag("zh-CN")).map(|n| n.italian), Some("Cinese"));
        assert_eq!(names(&tag("xh")), None);
        assert_eq!(names(&tag("xh-ZA")), None);
    }

    #[test]
    fn known_tags_are_canonical_unique_and_match_the_table() {
        let tags = known_tags();
        assert_eq!(tags.len(), LANGUAGES.len());
        let unique: HashSet<&str> = tags.iter().copied().collect();
        assert_eq!(unique.len(), tags.len(), "duplicate tag in the table");
        for t in tags {
            assert_eq!(tag(t).as_str(), *t, "{t} is not canonical");
            let own = names(&tag(t)).unwrap();
            assert_eq!(
                Some(own),
                LANGUAGES.iter().find(|(k, _)| k == t).map(|(_, n)| *n)
            );
        }
    }
}
