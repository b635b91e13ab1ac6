//! A report as CSV for funders' spreadsheets (RFC 4180 quoting, CRLF line ends).
//!
//! The file starts with a UTF-8 byte order mark: without it Excel reads the file in the
//! system's legacy code page and "Città" or "اردو" come out garbled. Numbers follow the
//! reader's locale, because Excel parses CSV with the system's list separator and decimal
//! mark: in Italian the separator is `;` and decimals have a comma (`12,5`); in English the
//! separator is `,` and decimals have a point (`12.5`). Hours have two decimals, the
//! percentage one; medians are whole minutes; an empty cell means "no value" (no urgent
//! request, say). Text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`
//! first) get a leading apostrophe.
use std::borrow::Cow;

use super::figures::{Report, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decimal {
    /// `;` between cells, `12,5`: Italian (and most of continental Europe).
    Comma,
    /// `,` between cells, `12.5`: English.
    Point,
}

impl Decimal {
    pub fn separator(self) -> char {
        match self {
            Decimal::Comma => ';',
            Decimal::Point => ',',
        }
    }

    /// `value` with `places` decimals in this convention.
    pub fn number(self, value: f64, places: usize) -> String {
        let text = format!("{value:.places$}");
        match self {
            Decimal::Comma => text.replace('.', ","),
            Decimal::Point => text,
        }
    }
}

pub const BOM: &str = "\u{feff}";

/// Column headings, in the reader's language, in the order [`render`] writes the cells.
pub struct Headings<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub requests: &'a str,
    pub cancelled: &'a str,
    pub filled: &'a str,
    pub filled_pct: &'a str,
    pub hours: &'a str,
    pub travel_hours: &'a str,
    pub travel_known: &'a str,
    pub median_urgent: &'a str,
    pub median_emergency: &'a str,
    pub cancel_notice: &'a str,
    pub delivered_hours: &'a str,
    pub closed_out: &'a str,
    pub family_no_shows: &'a str,
    pub mediator_no_shows: &'a str,
    /// The name of the last row.
    pub total: &'a str,
}

/// The report as a CSV document. `name` gives a row's shown name (a language's name, say).
pub fn render(
    report: &Report,
    decimal: Decimal,
    headings: &Headings,
    name: impl Fn(&Row) -> String,
) -> String {
    let sep = decimal.separator();
    let mut out = String::from(BOM);
    let head = [
        headings.key,
        headings.name,
        headings.requests,
        headings.cancelled,
        headings.filled,
        headings.filled_pct,
        headings.hours,
        headings.travel_hours,
        headings.travel_known,
        headings.median_urgent,
        headings.median_emergency,
        headings.cancel_notice,
        // Last, so that the columns of earlier exports keep their places.
        headings.delivered_hours,
        headings.closed_out,
        headings.family_no_shows,
        headings.mediator_no_shows,
    ];
    line(&mut out, sep, head.iter().map(|h| text(h, sep)));
    for row in &report.rows {
        line(&mut out, sep, cells(row, &name(row), decimal));
    }
    line(&mut out, sep, cells(&report.total, headings.total, decimal));
    out
}

fn cells(row: &Row, name: &str, decimal: Decimal) -> Vec<Cow<'static, str>> {
    let sep = decimal.separator();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        Cow::Owned(text(&row.key, sep).into_owned()),
        Cow::Owned(text(name, sep).into_owned()),
        row.requests.to_string().into(),
        row.cancelled.to_string().into(),
        row.filled.to_string().into(),
        row.filled_pct
            .map(|p| decimal.number(p, 1))
            .unwrap_or_default()
            .into(),
        decimal.number(row.minutes as f64 / 60.0, 2).into(),
        decimal.number(row.travel_minutes as f64 / 60.0, 2).into(),
        row.travel_known.to_string().into(),
        opt(row.median_urgent_minutes).into(),
        opt(row.median_emergency_minutes).into(),
        opt(row.cancel_notice_median_minutes).into(),
        decimal
            .number(row.delivered_minutes as f64 / 60.0, 2)
            .into(),
        row.closed_out.to_string().into(),
        row.family_no_shows.to_string().into(),
        row.mediator_no_shows.to_string().into(),
    ]
}

fn line<S: AsRef<str>>(out: &mut String, sep: char, cells: impl IntoIterator<Item = S>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.push_str(cell.as_ref());
    }
    out.push_str("\r\n");
}

/// A text cell: defused if a spreadsheet would read it as a formula, then quoted when it
/// holds the separator, a quote, a line break or edge spaces.
pub fn text(value: &str, sep: char) -> Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value: Cow<str> = if formula {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    };
    let needs_quotes =
        value.contains([sep, '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        value
    }
}

/// The cells of one CSV line, undoing [`text`]'s quoting (for tests and for reading back).
pub fn parse_line(line: &str, sep: char) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cell.is_empty() => quoted = true,
            (false, c) if c == sep => cells.push(std::mem::take(&mut cell)),
            (_, c) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_defusing() {
        assert_eq!(text("Prato", ';'), "Prato");
        assert_eq!(
            text("Scuola; sede \"A\"", ';'),
            "\"Scuola; sede \"\"A\"\"\""
        );
        assert_eq!(text("a,b", ','), "\"a,b\"");
        assert_eq!(text("a,b", ';'), "a,b");
        assert_eq!(text("=HYPERLINK(1)", ';'), "'=HYPERLINK(1)");
        assert_eq!(
            parse_line("x;\"Scuola; sede \"\"A\"\"\";3", ';'),
            vec!["x", "Scuola; sede \"A\"", "3"]
        );
    }

    #[test]
    fn numbers_follow_the_convention() {
        assert_eq!(Decimal::Comma.number(12.5, 2), "12,50");
        assert_eq!(Decimal::Point.number(12.26, 1), "12.3");
        assert_eq!(Decimal::Comma.separator(), ';');
    }
}
