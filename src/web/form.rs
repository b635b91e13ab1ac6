//! What every page form must be, checked once for all before any handler reads it: no
//! field (name or value) holds NUL. PostgreSQL's text refuses NUL ("invalid byte sequence"),
//! so a NUL that reached a query or an insert was a 500 on PostgreSQL and a stored NUL on
//! SQLite; no field of Ponte has a use for it. The API refuses it in its JSON bodies and
//! URLs (`crate::error::parse_json`, `crate::http::media`); this is the pages' side.

/// The first field of a form-encoded text (a body or a query) whose name or value holds
/// NUL, by its name (a NUL in the name itself shown as `\0`). Forms are decoded as every
/// page handler decodes them (`application/x-www-form-urlencoded`), so `%00` and a raw NUL
/// octet both count, and `%2500` (the text "%00") does not.
pub fn nul_field(encoded: &[u8]) -> Option<String> {
    // Most forms have neither: skip the decoding.
    if !encoded.contains(&0) && !encoded.windows(3).any(|w| w == b"%00") {
        return None;
    }
    fields(encoded)
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', "\\0"))
}

/// The value of the first field called `name`, empty when there is none.
pub fn value(encoded: &[u8], name: &str) -> String {
    fields(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The (name, value) pairs of a form-encoded text, in order, decoded as
/// `application/x-www-form-urlencoded` (`+` is a space, bad UTF-8 is replaced).
fn fields(encoded: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    encoded
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &[][..]),
            };
            (decode(name), decode(value))
        })
}

fn decode(part: &[u8]) -> String {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_values_and_names_however_it_is_sent() {
        assert_eq!(nul_field(b"csrf=x&notes=ciao"), None);
        assert_eq!(nul_field(b"csrf=x&notes=ci%00ao"), Some("notes".into()));
        assert_eq!(nul_field(b"csrf=x&notes=ci\0ao"), Some("notes".into()));
        assert_eq!(nul_field(b"tags=a&tags=b%00"), Some("tags".into()));
        assert_eq!(nul_field(b"na%00me=x"), Some("na\\0me".into()));
        assert_eq!(nul_field(b"a=1&b%00"), Some("b\\0".into()));
        // The text "%00", sent as %2500, is no NUL; nor is a truncated escape.
        assert_eq!(nul_field(b"notes=%2500&x=%0"), None);
        assert_eq!(nul_field(b"x=%"), None);
    }

    #[test]
    fn values_are_decoded_as_forms_are() {
        let body = b"csrf=ab%2Bc%3D&name=Anna+Frank&csrf=second&empty";
        assert_eq!(value(body, "csrf"), "ab+c=");
        assert_eq!(value(body, "name"), "Anna Frank");
        assert_eq!(value(body, "empty"), "");
        assert_eq!(value(body, "missing"), "");
        assert_eq!(value("città=Prato".as_bytes(), "città"), "Prato");
        assert_eq!(value(b"x=%C3%A0", "x"), "à");
    }
}
