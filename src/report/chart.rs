//! Horizontal bar charts as inline SVG, made on the server (no script, no CDN).
//!
//! The SVG has no `viewBox`: lengths across are percentages of its width and text has a
//! fixed size, so the labels stay legible from a 360-px phone to a desktop instead of
//! shrinking with the drawing. Each bar sits under its label line (name on the left, value
//! on the right), so long names never collide with the bars. The chart is an image with a
//! title and a description for screen readers; every bar has a `<title>` (a tooltip) with
//! its figures, and the page shows the same numbers in a table.
use maud::{html, Markup};

/// One part of a stacked bar; `class` gives its colour (see `static/reports.css`).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub value: f64,
    pub class: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// Shown at the right end of the label line ("12 / 15 · 80 %").
    pub value_text: String,
    /// The bar's tooltip and accessible text.
    pub title: String,
    pub segments: Vec<Segment>,
}

/// Height of one bar with its label line, and the bar's own thickness.
const ROW: u32 = 40;
const BAR: u32 = 12;
/// Longest label drawn in full; longer ones are cut with an ellipsis (the title has it all).
const LABEL_CHARS: usize = 34;

/// A chart of `bars`, scaled so that the largest total fills the width.
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar]) -> Markup {
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.value.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    let height = ROW * bars.len().max(1) as u32;
    html! {
        svg.chart id=(id) width="100%" height=(height) role="img"
            aria-labelledby=(format!("{id}-t {id}-d")) xmlns="http://www.w3.org/2000/svg" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (description) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i as u32 * ROW;
                g.bar {
                    title { (bar.title) }
                    text.label x="0" y=(y + 15) { (cut(&bar.label)) }
                    text.value x="100%" y=(y + 15) text-anchor="end" { (bar.value_text) }
                    rect.track x="0" y=(y + 21) width="100%" height=(BAR) rx="3" {}
                    @for (x, w, class) in spans(&bar.segments, max) {
                        rect class=(class) x=(pct(x)) y=(y + 21) width=(pct(w)) height=(BAR) {}
                    }
                }
            }
        }
    }
}

/// (start, width, class) of each visible segment, in percent of the width.
fn spans(segments: &[Segment], max: f64) -> Vec<(f64, f64, &'static str)> {
    if max <= 0.0 {
        return Vec::new();
    }
    let mut x = 0.0;
    segments
        .iter()
        .filter(|s| s.value > 0.0)
        .map(|s| {
            let w = s.value / max * 100.0;
            let span = (x, w, s.class);
            x += w;
            span
        })
        .collect()
}

fn pct(v: f64) -> String {
    format!("{:.2}%", v.clamp(0.0, 100.0))
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_stack() {
        let seg = |value, class| Segment { value, class };
        let chart = bars(
            "c",
            "Richieste",
            "Coperte e non coperte",
            &[
                Bar {
                    label: "Urdu".into(),
                    value_text: "3 / 4".into(),
                    title: "Urdu: 3 di 4".into(),
                    segments: vec![seg(3.0, "s-filled"), seg(1.0, "s-unfilled")],
                },
                Bar {
                    label: "Un nome molto lungo di un ente che non entra nella riga".into(),
                    value_text: "2 / 2".into(),
                    title: "x".into(),
                    segments: vec![seg(2.0, "s-filled"), seg(0.0, "s-unfilled")],
                },
            ],
        )
        .into_string();
        assert!(chart.contains(r#"aria-labelledby="c-t c-d""#));
        assert!(chart.contains(r#"class="s-filled" x="0.00%" y="21" width="75.00%""#));
        assert!(chart.contains(r#"class="s-unfilled" x="75.00%" y="21" width="25.00%""#));
        assert!(chart.contains(r#"class="s-filled" x="0.00%" y="61" width="50.00%""#));
        // A zero segment draws nothing; a long label is cut.
        assert_eq!(chart.matches("s-unfilled").count(), 1);
        assert!(chart.contains("Un nome molto lungo di un ente ch…"));
    }
}
