//! Page cursors: opaque to clients (URL-safe base64), the id of the last request of a page
//! inside. Pages are in id order, which is submission order and never changes, so a cursor
//! stays valid however many requests arrive or change status between pages.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub fn encode(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(last_id.to_string())
}

pub fn decode(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        for id in [0, 1, 42, i64::MAX] {
            assert_eq!(decode(&encode(id)), Some(id));
        }
        for bad in ["", "!!", "bm90IGEgbnVtYmVy", "MTI=="] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
