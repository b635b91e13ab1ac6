//! Pieces shared by the registry's forms: the posted fields, errors from the domain mapped
//! to the form's inputs (the API's precise message in English, a natural Italian one per
//! field), the error summary that links to each field, search boxes and numbered pagers.
use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::error::Error;
use crate::registry::browse::Numbered;
use crate::web::error::WebError;
use crate::web::i18n::Locale;
use crate::web::layout::{described_by, field};
use crate::web::session::Ctx;

/// Input id → message.
pub type Errors = BTreeMap<String, String>;

/// A posted form as name/value pairs: checkbox lists repeat a name, which a struct cannot
/// take from a urlencoded body.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-blank value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// A blank field as absent.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name).to_string()).filter(|s| !s.is_empty())
    }

    /// A number as typed, with a decimal comma accepted (Italian keyboards); a field error
    /// when it is not one.
    pub fn number(&self, name: &str, errors: &mut Errors, message: &str) -> Option<f64> {
        let raw = self.get(name).replace(',', ".");
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                errors.insert(name.to_string(), message.to_string());
                None
            }
        }
    }
}

/// The form input a domain field name belongs to: `languages[2]` → `languages`,
/// `home.lat` → `home_lat`.
pub fn input_of(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    base.replace('.', "_")
}

/// The domain's field errors added to `errors` under the form's inputs. English shows the
/// domain's own message; Italian the form's message for that input. Other errors pass on.
pub fn merge(
    ctx: &Ctx,
    errors: &mut Errors,
    result: Error,
    italian: fn(&str) -> &'static str,
) -> Result<(), WebError> {
    match result {
        Error::Invalid(fields) => {
            for (field, message) in fields {
                let input = input_of(&field);
                let text = match ctx.locale {
                    Locale::En => message,
                    Locale::It => italian(&input).to_string(),
                };
                errors.entry(input).or_insert(text);
            }
            Ok(())
        }
        other => Err(other.into()),
    }
}

/// The summary on top of a form: what to do, and a link to each wrong field.
pub fn summary(ctx: &Ctx, errors: &Errors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" {
                p.summary-title { (ctx.t("form.errors")) }
                ul {
                    @for (input, message) in errors {
                        li { a href=(format!("#{input}")) { (message) } }
                    }
                }
            }
        }
    }
}

/// A text-like input in its labelled field, wired to its hint and error.
pub struct Input<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub kind: &'a str,
    pub value: &'a str,
    pub required: bool,
    pub autocomplete: Option<&'a str>,
    /// The id of a datalist of suggestions.
    pub list: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn new(id: &'a str, label: &'a str, value: &'a str) -> Self {
        Input {
            id,
            label,
            hint: None,
            kind: "text",
            value,
            required: false,
            autocomplete: None,
            list: None,
        }
    }

    pub fn list(mut self, datalist: &'a str) -> Self {
        self.list = Some(datalist);
        self
    }

    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = Some(value);
        self
    }

    pub fn render(self, errors: &Errors) -> Markup {
        let error = errors.get(self.id).map(String::as_str);
        let described = described_by(self.id, self.hint.is_some(), error.is_some());
        let decimal = self.kind == "number";
        field(
            self.id,
            self.label,
            self.hint,
            error,
            html! {
                // Numbers are text with a decimal keyboard: a browser's number input drops
                // what it cannot parse, and the person would not see what they typed.
                input type=(if decimal { "text" } else { self.kind }) id=(self.id) name=(self.id)
                    value=(self.value)
                    inputmode=[decimal.then_some("decimal")]
                    autocomplete=[self.autocomplete]
                    list=[self.list]
                    required[self.required]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[described];
            },
        )
    }
}

/// A select of `options` (value, text) in its labelled field.
pub fn select(
    errors: &Errors,
    id: &str,
    label: &str,
    hint: Option<&str>,
    current: &str,
    options: &[(String, String)],
) -> Markup {
    let error = errors.get(id).map(String::as_str);
    field(
        id,
        label,
        hint,
        error,
        html! {
            select id=(id) name=(id)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described_by(id, hint.is_some(), error.is_some())] {
                @for (value, text) in options {
                    option value=(value) selected[value == current] { (text) }
                }
            }
        },
    )
}

/// The languages Ponte writes emails and pages in, in their own names.
pub fn locale_options() -> Vec<(String, String)> {
    vec![
        ("it".to_string(), "Italiano".to_string()),
        ("en".to_string(), "English".to_string()),
    ]
}

/// A search box over a list, kept in the URL so that a search can be bookmarked.
pub fn search_box(ctx: &Ctx, action: &str, query: &str, placeholder: &str) -> Markup {
    html! {
        form.filters.search method="get" action=(action) role="search" {
            label.sr-only for="q" { (ctx.t("reg.search")) }
            input type="search" id="q" name="q" value=(query) placeholder=(placeholder);
            button type="submit" { (ctx.t("reg.search")) }
            @if !query.is_empty() {
                a href=(action) { (ctx.t("reg.search_clear")) }
            }
        }
    }
}

/// "← Previous · page 2 of 5 · Next →" under a numbered list; pages are 1-based in URLs.
pub fn pager<T>(ctx: &Ctx, base: &str, query: &str, list: &Numbered<T>) -> Markup {
    let link = |page: usize| {
        let mut url = format!("{base}?page={}", page + 1);
        if !query.is_empty() {
            url.push_str("&q=");
            url.push_str(&encode(query));
        }
        url
    };
    html! {
        nav.pager aria-label=(ctx.t("reg.pages")) {
            span {
                @if list.page > 0 {
                    a href=(link(list.page - 1)) rel="prev" { (ctx.t("reg.prev")) }
                }
            }
            span.muted {
                (ctx.t("reg.page")) " " (list.page + 1) " / " (list.pages)
                " · " (list.total) " " (ctx.t("reg.results"))
            }
            span {
                @if list.page + 1 < list.pages {
                    a href=(link(list.page + 1)) rel="next" { (ctx.t("reg.next")) }
                }
            }
        }
    }
}

/// A 1-based page number from the URL, as a 0-based index.
pub fn page_index(raw: Option<&str>) -> usize {
    raw.and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .saturating_sub(1)
}

/// Percent-encoding of a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_fields_name_their_inputs() {
        assert_eq!(input_of("languages[2]"), "languages");
        assert_eq!(input_of("home.lat"), "home_lat");
        assert_eq!(input_of("name"), "name");
    }

    #[test]
    fn numbers_accept_a_decimal_comma_and_refuse_words() {
        let fields = Fields(vec![
            ("lat".into(), " 43,88 ".into()),
            ("lon".into(), "east".into()),
            ("inf".into(), "inf".into()),
        ]);
        let mut errors = Errors::new();
        assert_eq!(fields.number("lat", &mut errors, "bad"), Some(43.88));
        assert_eq!(fields.number("lon", &mut errors, "bad"), None);
        assert_eq!(fields.number("inf", &mut errors, "bad"), None);
        assert_eq!(fields.number("none", &mut errors, "bad"), None);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["inf", "lon"]);
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("Li Wei & co/中"), "Li%20Wei%20%26%20co%2F%E4%B8%AD");
        assert_eq!(page_index(Some("3")), 2);
        assert_eq!(page_index(Some("zero")), 0);
        assert_eq!(page_index(None), 0);
    }
}
