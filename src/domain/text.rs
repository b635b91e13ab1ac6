//! Rules of free text typed by people. Names, addresses and references travel into email
//! headers, calendar lines and page titles, where a line break or another control character
//! either breaks the format or is refused by the mail library; notes keep their line breaks.

/// What is wrong with a text that must stay on one line, if anything.
pub fn single_line_problem(value: &str) -> Option<&'static str> {
    value
        .chars()
        .any(char::is_control)
        .then_some("Must be on one line, without tabs or other control characters.")
}

/// What is wrong with a text of several lines (notes, reasons, descriptions): line breaks
/// and tabs are fine, other control characters are not.
pub fn multi_line_problem(value: &str) -> Option<&'static str> {
    value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .then_some("Must not contain control characters.")
}

/// The text as one line, for a header or a subject built from stored values: every run of
/// control characters becomes one space. Input is checked by [`single_line_problem`]; this
/// protects against rows written before that check, or by hand.
pub fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.chars().any(char::is_control) {
        return value.into();
    }
    let mut out = String::with_capacity(value.len());
    let mut in_run = false;
    for c in value.chars() {
        if c.is_control() {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out.into()
}

/// A reason typed by a person (a cancellation, a decline, a change): trimmed, blank means
/// none, at most `max` characters, line breaks allowed. The error is the message for the
/// `reason` field.
pub fn reason(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(reason) = value.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if reason.chars().count() > max {
        return Err(format!("At most {max} characters."));
    }
    if let Some(problem) = multi_line_problem(reason) {
        return Err(problem.to_string());
    }
    Ok(Some(reason.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_texts_refuse_every_control_character() {
        assert_eq!(single_line_problem("Liceo Cicognini – Prato"), None);
        for bad in [
            "Turno\nserale",
            "a\rb",
            "a\tb",
            "nul\0",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert!(single_line_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn notes_keep_line_breaks_but_not_other_controls() {
        assert_eq!(multi_line_problem("riga 1\r\nriga 2\tfine"), None);
        assert!(multi_line_problem("bell\u{7}").is_some());
    }

    #[test]
    fn reasons_are_trimmed_bounded_and_free_of_controls() {
        assert_eq!(reason(Some("  "), 5), Ok(None));
        assert_eq!(reason(Some(" malata\n"), 10), Ok(Some("malata".into())));
        assert!(reason(Some("troppo lungo"), 5).is_err());
        assert!(reason(Some("a\u{1b}[31m"), 50).is_err());
    }

    #[test]
    fn stored_values_are_flattened_for_headers() {
        assert_eq!(one_line("Turno\r\nserale"), "Turno serale");
        assert_eq!(one_line("ok"), "ok");
        assert!(matches!(one_line("ok"), std::borrow::Cow::Borrowed(_)));
    }
}
