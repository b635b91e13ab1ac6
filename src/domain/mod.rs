//! Domain types and rules of the service, free of HTTP and storage.
pub mod assignment;
pub mod availability;
pub mod language;
pub mod local_time;
pub mod locale;
pub mod policy;
pub mod recurrence;
pub mod request;
pub mod towns;

/// Quotes user input for an error message, shortened so that a huge or hostile value cannot
/// bloat the response that echoes it back.
pub(crate) fn quoted(input: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(MAX_CHARS).collect();
    if chars.next().is_some() {
        format!("“{head}…”")
    } else {
        format!("“{head}”")
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoted_keeps_short_input_whole() {
        assert_eq!(quoted("zh_TW"), "“zh_TW”");
        assert_eq!(quoted(""), "“”");
    }

    #[test]
    fn quoted_shortens_long_input_on_a_char_boundary() {
        let long = "é".repeat(100);
        let q = quoted(&long);
        assert_eq!(q.chars().count(), 60 + 3);
        assert!(q.ends_with("…”"));
    }
}
