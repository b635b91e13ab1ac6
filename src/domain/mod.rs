//! Domain types and rules of the service, free of HTTP and storage.

/// The text of a domain word: `ALL`, `as_str`, `parse`, `Display` and `FromStr` from one
/// list of variant ↔ text, so the words of the API, the pages and the columns cannot drift
/// apart (the `DeriveActiveEnum` string values repeat the same text; a test per type checks).
macro_rules! words {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: [$ty; [$($text),+].len()] = [$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|w| w.as_str() == s)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| format!("“{s}” is not {}", $what))
            }
        }
    };
}
pub mod assignment;
pub mod availability;
pub mod closeout;
pub mod closure;
pub mod fairness;
pub mod language;
pub mod local_time;
pub mod locale;
pub mod offer;
pub mod policy;
pub mod recurrence;
pub mod request;
pub mod text;
pub mod throttle;
pub mod towns;
pub mod workload;

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
