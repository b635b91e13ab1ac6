//! Content lines (RFC 5545 §3.1, §3.3.11): TEXT escaping, folding at 75 octets, CRLF.

/// RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
pub(crate) const MAX_LINE_OCTETS: usize = 75;

/// Accumulates content lines, each folded and ended by CRLF.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    out: String,
    /// The line being written, reused from line to line (a feed has tens of thousands).
    line: String,
}

impl Lines {
    /// Room for about `bytes` of output, so that a large feed grows its buffer once.
    pub fn with_capacity(bytes: usize) -> Lines {
        Lines {
            out: String::with_capacity(bytes),
            line: String::new(),
        }
    }

    /// Writes `name:value`. `name` may carry parameters (`DTSTART;TZID=Europe/Rome`) and
    /// `value` must already be in its type's syntax; use [`Lines::text`] for TEXT values.
    pub fn raw(&mut self, name: &str, value: &str) {
        self.parts(&[name, ":", value]);
    }

    /// Writes the line made of `parts`, folded.
    pub fn parts(&mut self, parts: &[&str]) {
        let Lines { out, line } = self;
        line.clear();
        for part in parts {
            line.push_str(part);
        }
        fold_into(out, line);
    }

    /// Writes a TEXT property, escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        if value.chars().any(needs_escape) {
            self.raw(name, &escape_text(value));
        } else {
            self.raw(name, value);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes a TEXT value (§3.3.11): backslash, `;` and `,` get a backslash, any line break
/// becomes `\n`. Other control characters are not allowed in TEXT and are dropped: a stray
/// CR would otherwise end the line and let user text inject properties.
pub(crate) fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                // CRLF and a lone CR are one line break each.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            c if is_forbidden_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Drops control characters from a non-TEXT value (a URI, an identifier), which has no
/// escapes: a line break in it could otherwise start a new property.
pub(crate) fn strip_controls(value: &str) -> String {
    value
        .chars()
        .filter(|&c| !is_forbidden_control(c))
        .collect()
}

/// Whether TEXT escaping changes `c` (see [`escape_text`]).
fn needs_escape(c: char) -> bool {
    matches!(c, '\\' | ';' | ',' | '\n' | '\r') || is_forbidden_control(c)
}

fn is_forbidden_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{7f}'
}

/// Appends `line` folded so that no physical line exceeds 75 octets, with CRLF endings.
///
/// A fold is CRLF plus one space, and that space counts towards the next line's 75 octets.
/// Folds fall only on character boundaries, so multi-byte UTF-8 stays intact. A physical
/// line is never left ending in whitespace when avoidable: some parsers (the `ical` crate
/// among them) trim each physical line before unfolding, which would eat a space.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut budget = MAX_LINE_OCTETS;
    while rest.len() > budget {
        let mut cut = floor_char_boundary(rest, budget);
        let trimmed = rest[..cut].trim_end_matches([' ', '\t']).len();
        if trimmed > 0 {
            cut = trimmed;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        budget = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// The largest character boundary ≤ `index` (`index` < `s.len()`); never 0 here, since a
/// UTF-8 character is at most 4 octets and the budget is at least 74.
fn floor_char_boundary(s: &str, index: usize) -> usize {
    let mut i = index;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut out = String::new();
        fold_into(&mut out, line);
        out
    }

    #[test]
    fn escapes_the_four_specials_and_line_breaks() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg: \"h\"\tok"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng: \"h\"\tok"
        );
    }

    #[test]
    fn drops_control_characters_that_could_inject_lines() {
        assert_eq!(escape_text("a\u{0}b\u{7}c\u{7f}"), "abc");
        assert_eq!(
            strip_controls("mailto:a@b.it\r\nATTENDEE:x"),
            "mailto:a@b.itATTENDEE:x"
        );
    }

    #[test]
    fn short_lines_are_not_folded() {
        let line = "X".repeat(75);
        assert_eq!(folded(&line), format!("{line}\r\n"));
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        // 2-, 3- and 2-octet characters, offset by one so boundaries land mid-character.
        let line = format!("S{}{}{}", "à".repeat(60), "中".repeat(40), "ع".repeat(50));
        let out = folded(&line);
        for physical in out.split_terminator("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        // Every physical line after the first is full but for at most one character.
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(lines[0].len() >= 72);
    }

    #[test]
    fn does_not_leave_a_physical_line_ending_in_a_space() {
        let line = format!("{} {}", "a".repeat(74), "b".repeat(10));
        let out = folded(&line);
        for physical in out.split_terminator("\r\n") {
            assert!(!physical.ends_with(' '), "{physical:?}");
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}
