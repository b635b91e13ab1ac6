//! Composing a notice: subject, text and HTML bodies from the templates in
//! `templates/notices/`, in the recipient's language, and the ICS attachment.
//!
//! Templates are minijinja files compiled into the binary with `include_str!`: no template
//! directory to deploy, a syntax error fails the unit tests rather than a send, and HTML is
//! escaped automatically (`.html` names) while text is not. A `.txt` template's first line is
//! the subject, then one empty line, then the body.
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use minijinja::Environment;
use serde::Serialize;

use super::Event;
use crate::domain::locale::Locale;
use crate::domain::request::Modality;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/notices/", $name)))),*]
    };
}

/// Every template, by name. Each kind has `<kind>.<it|en>.txt` and `.html`; the appointment's
/// details (and the mediator's accept/decline links) are one include per language and format.
const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "details.it.txt",
    "details.en.txt",
    "details.it.html",
    "details.en.html",
    "published.it.txt",
    "published.en.txt",
    "published.it.html",
    "published.en.html",
    "changed.it.txt",
    "changed.en.txt",
    "changed.it.html",
    "changed.en.html",
    "cancelled.it.txt",
    "cancelled.en.txt",
    "cancelled.it.html",
    "cancelled.en.html",
    "declined.it.txt",
    "declined.en.txt",
    "declined.it.html",
    "declined.en.html",
    "offer.it.txt",
    "offer.en.txt",
    "offer.it.html",
    "offer.en.html",
    "offer_taken.it.txt",
    "offer_taken.en.txt",
    "offer_taken.it.html",
    "offer_taken.en.html",
    "lapsed.it.txt",
    "lapsed.en.txt",
    "lapsed.it.html",
    "lapsed.en.html",
    "released.it.txt",
    "released.en.txt",
    "released.it.html",
    "released.en.html",
    "closeout_reminder.it.txt",
    "closeout_reminder.en.txt",
    "closeout_reminder.it.html",
    "closeout_reminder.en.html",
    "reminder.it.txt",
    "reminder.en.txt",
    "reminder.it.html",
    "reminder.en.html",
    "unfilled.it.txt",
    "unfilled.en.txt",
    "unfilled.it.html",
    "unfilled.en.html",
);

/// The kinds of notice, as in `notices.kind` and the template names.
pub const KINDS: [&str; 11] = [
    "published",
    "changed",
    "cancelled",
    "declined",
    "offer",
    "offer_taken",
    "lapsed",
    "released",
    "closeout_reminder",
    "reminder",
    "unfilled",
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env
    })
}

/// The languages notices are written in; anything else falls back to Italian.
pub fn language(locale: &str) -> &'static str {
    if locale.trim().to_ascii_lowercase().starts_with("en") {
        "en"
    } else {
        "it"
    }
}

/// Who a notice is for: the texts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Mediator,
    Organisation,
    Coordinator,
}

/// What the templates can show. Never the family's data: the case reference is filled only
/// for the requesting organisation, which wrote it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Context {
    pub lang: String,
    pub audience: Option<Audience>,
    pub recipient: String,
    pub mediator: String,
    pub organisation: String,
    pub site: String,
    pub address: String,
    /// "Plesso Mazzoni, Via Roma 1" for a meeting in person; empty by phone or video,
    /// which says so in `modality` (no empty "Where: , " line).
    pub place: String,
    pub language: String,
    pub modality: String,
    /// The appointment, local to the organisation: "lunedì 7 dicembre 2026, 09:00–10:00".
    pub when: String,
    /// The appointment's day seen from the moment of writing: "oggi", "domani" (or
    /// "today", "tomorrow"), else "il 7 dicembre" / "on 7 December".
    pub day: String,
    pub zone: String,
    pub case_reference: Option<String>,
    pub accept_url: Option<String>,
    pub decline_url: Option<String>,
    /// The recipient's page for this meeting: the mediator's Today, the request's page.
    pub page_url: String,
    pub request_id: i64,
    pub occurrence: i32,
    pub reason: String,
    pub alternatives: Vec<String>,
}

/// A composed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("notice template {name}: {source}")]
pub struct TemplateError {
    name: String,
    source: minijinja::Error,
}

/// Renders `kind` for the context's language.
pub fn compose(kind: &str, context: &Context) -> Result<Composed, TemplateError> {
    let lang = language(&context.lang);
    let render = |ext: &str| {
        let name = format!("{kind}.{lang}.{ext}");
        environment()
            .get_template(&name)
            .and_then(|t| t.render(context))
            .map_err(|source| TemplateError { name, source })
    };
    let text = render("txt")?;
    let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Ok(Composed {
        subject: subject.trim().to_string(),
        text: body.trim_start_matches(['\r', '\n']).to_string(),
        html: render("html")?,
    })
}

impl Event {
    /// The iTIP method of the attachment: the event stands, or it is off for this recipient.
    pub fn ics_method(self) -> crate::feed::Method {
        match self {
            Event::Published
            | Event::Changed
            | Event::Offer
            | Event::Reminder
            | Event::CloseoutReminder => crate::feed::Method::Request,
            Event::Cancelled
            | Event::Declined
            | Event::OfferTaken
            | Event::Lapsed
            | Event::Released => crate::feed::Method::Cancel,
        }
    }
}

/// "in presenza", "by phone"…
pub fn modality(lang: &str, modality: Modality) -> String {
    let it = language(lang) == "it";
    match (modality, it) {
        (Modality::InPerson, true) => "in presenza",
        (Modality::InPerson, false) => "in person",
        (Modality::Phone, true) => "al telefono",
        (Modality::Phone, false) => "by phone",
        (Modality::Video, true) => "in videochiamata",
        (Modality::Video, false) => "by video call",
    }
    .to_string()
}

/// The language's name in the recipient's language, or its tag.
pub fn language_name(lang: &str, tag: &str) -> String {
    crate::domain::language::parse_tag(tag)
        .ok()
        .and_then(|t| crate::domain::language::names(&t))
        .map(|n| {
            if language(lang) == "it" {
                n.italian
            } else {
                n.english
            }
        })
        .unwrap_or(tag)
        .to_string()
}

/// The appointment in local time: "lunedì 7 dicembre 2026, 09:00–10:00".
pub fn day(lang: &str, zone: Tz, start: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let (day, today) = (
        start.with_timezone(&zone).date_naive(),
        now.with_timezone(&zone).date_naive(),
    );
    let english = lang == "en";
    match (day - today).num_days() {
        0 => if english { "today" } else { "oggi" }.to_string(),
        1 => if english { "tomorrow" } else { "domani" }.to_string(),
        _ => {
            let locale = crate::domain::locale::Locale::or_default(lang);
            let date = format!(
                "{} {}",
                chrono::Datelike::day(&day),
                locale.month_long(chrono::Datelike::month0(&day))
            );
            if english {
                format!("on {date}")
            } else {
                format!("il {date}")
            }
        }
    }
}

pub fn when(lang: &str, zone: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let s = start.with_timezone(&zone);
    let e = end.with_timezone(&zone);
    let locale = Locale::or_default(language(lang));
    let (day, month) = (
        locale.weekday_long(s.weekday()),
        locale.month_long(s.month0()),
    );
    let (from, to) = (s.format("%H:%M"), e.format("%H:%M"));
    match locale {
        Locale::It => format!("{day} {} {month} {}, {from}–{to}", s.day(), s.year()),
        Locale::En => format!("{day}, {} {month} {}, {from}–{to}", s.day(), s.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn context(lang: &str, audience: Audience) -> Context {
        Context {
            lang: lang.into(),
            audience: Some(audience),
            recipient: "Li <Wei>".into(),
            mediator: "Li Wei".into(),
            organisation: "IC Convenevole".into(),
            site: "Plesso Mazzoni".into(),
            address: "Via Roma 1, Prato".into(),
            place: "Plesso Mazzoni, Via Roma 1, Prato".into(),
            language: "cinese".into(),
            modality: "in presenza".into(),
            when: "lunedì 7 dicembre 2026, 09:00–10:00".into(),
            day: "domani".into(),
            zone: "Europe/Rome".into(),
            case_reference: Some("PR-2026-17".into()),
            accept_url: Some("http://x/respond/t?action=accept".into()),
            decline_url: Some("http://x/respond/t?action=decline".into()),
            page_url: "http://x/today".into(),
            request_id: 7,
            occurrence: 0,
            reason: "nessun mediatore disponibile".into(),
            alternatives: vec!["by phone: Li Wei at 10:30".into()],
        }
    }

    #[test]
    fn a_meeting_by_phone_has_no_place_line() {
        for (lang, word) in [("it", "Dove:"), ("en", "Where:")] {
            let in_person = compose("published", &context(lang, Audience::Mediator)).unwrap();
            assert!(
                in_person
                    .text
                    .contains(&format!("{word} Plesso Mazzoni, Via Roma 1, Prato\n")),
                "{}",
                in_person.text
            );
            let by_phone = Context {
                site: String::new(),
                address: String::new(),
                place: String::new(),
                ..context(lang, Audience::Mediator)
            };
            let c = compose("published", &by_phone).unwrap();
            assert!(!c.text.contains(word), "{}", c.text);
            assert!(!c.html.contains(word), "{}", c.html);
            // The lines around it follow one another, with no blank line between.
            let after = c.text.split("(Europe/Rome)\n").nth(1).unwrap_or_default();
            assert!(!after.is_empty() && !after.starts_with('\n'), "{}", c.text);
        }
    }

    #[test]
    fn every_kind_renders_in_both_languages_for_every_audience() {
        for kind in KINDS {
            for lang in ["it", "en"] {
                for audience in [
                    Audience::Mediator,
                    Audience::Organisation,
                    Audience::Coordinator,
                ] {
                    let c = compose(kind, &context(lang, audience)).unwrap();
                    assert!(!c.subject.is_empty(), "{kind}.{lang}");
                    assert!(!c.subject.contains('\n'));
                    assert!(c.text.len() > 20, "{kind}.{lang}: {}", c.text);
                    assert!(c.html.contains("<html"), "{kind}.{lang}");
                    // Escaped in HTML, verbatim in text.
                    assert!(!c.html.contains("Li <Wei>"), "{kind}.{lang}");
                }
            }
        }
    }

    #[test]
    fn italian_and_english_differ_and_links_appear_for_mediators() {
        let it = compose("published", &context("it", Audience::Mediator)).unwrap();
        let en = compose("published", &context("en", Audience::Mediator)).unwrap();
        assert_ne!(it.subject, en.subject);
        assert!(it.text.contains("action=accept") && it.text.contains("action=decline"));
        assert!(it.html.contains("action=accept"));
        // The case reference is the organisation's; mediators' texts leave it out.
        assert!(!it.text.contains("PR-2026-17"));
        let org = compose("published", &context("it", Audience::Organisation)).unwrap();
        assert!(org.text.contains("PR-2026-17"));
        assert!(!org.text.contains("action=accept"));
    }

    #[test]
    fn local_times_follow_the_zone_across_dst() {
        let rome = chrono_tz::Europe::Rome;
        // 29 March 2026: clocks go forward at 02:00 in Rome.
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0).unwrap();
        let hour = chrono::Duration::hours(1);
        assert_eq!(
            when("it", rome, before, before + hour),
            "sabato 28 marzo 2026, 09:00–10:00"
        );
        assert_eq!(
            when("en", rome, after, after + hour),
            "Monday, 30 March 2026, 10:00–11:00"
        );
    }

    /// Seen: every reminder of the demo said "domani" about a meeting of the same day.
    #[test]
    fn a_reminder_names_the_meetings_day_from_when_it_is_written() {
        let rome = chrono_tz::Europe::Rome;
        // 23:30 in Rome on 6 December 2026 (22:30 UTC).
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 22, 30, 0).unwrap();
        let later_tonight = Utc.with_ymd_and_hms(2026, 12, 6, 22, 50, 0).unwrap();
        let tomorrow_morning = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
        assert_eq!(day("it", rome, later_tonight, now), "oggi");
        assert_eq!(day("en", rome, later_tonight, now), "today");
        assert_eq!(day("it", rome, tomorrow_morning, now), "domani");
        assert_eq!(day("en", rome, tomorrow_morning, now), "tomorrow");
        let far = Utc.with_ymd_and_hms(2026, 12, 9, 8, 0, 0).unwrap();
        assert_eq!(day("it", rome, far, now), "il 9 dicembre");
        assert_eq!(day("en", rome, far, now), "on 9 December");
        let mut c = Context {
            lang: "it".into(),
            audience: Some(Audience::Mediator),
            recipient: "Li Wei".into(),
            when: "lunedì 7 dicembre 2026, 09:00–10:00".into(),
            day: "oggi".into(),
            ..Context::default()
        };
        let it = compose("reminder", &c).unwrap();
        assert!(
            it.subject.starts_with("Promemoria: mediazione oggi"),
            "{}",
            it.subject
        );
        assert!(!it.text.contains("domani"), "{}", it.text);
        c.lang = "en".into();
        c.day = "tomorrow".into();
        let en = compose("reminder", &c).unwrap();
        assert!(
            en.subject.starts_with("Reminder: mediation tomorrow"),
            "{}",
            en.subject
        );
    }
}
