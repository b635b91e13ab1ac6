//! Rendered feeds kept in memory by their tag: a calendar that polls a changed feed from
//! several devices, or an office's shared calendar, gets the bytes of the first render.
//! The tag is the stamp of the data (`calendar::stamp`), so an entry is never stale: new
//! data is a new tag, and the old entry ages out.
use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

/// The bytes kept at most (a year-long feed is about 0.5 MB).
const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct FeedCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Tag → (when last used, bytes).
    entries: HashMap<String, (u64, Bytes)>,
    bytes: usize,
    tick: u64,
}

impl FeedCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, etag: &str) -> Option<Bytes> {
        let mut inner = self.inner();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(etag)?;
        entry.0 = tick;
        Some(entry.1.clone())
    }

    /// Keeps `body` under `etag`, forgetting the least recently used feeds beyond the
    /// budget. A body larger than the whole budget is not kept.
    pub fn put(&self, etag: String, body: Bytes) {
        if body.len() > MAX_BYTES {
            return;
        }
        let mut inner = self.inner();
        inner.tick += 1;
        let tick = inner.tick;
        inner.bytes += body.len();
        if let Some((_, old)) = inner.entries.insert(etag, (tick, body)) {
            inner.bytes -= old.len();
        }
        while inner.bytes > MAX_BYTES {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, gone)) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.len();
            }
        }
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.inner().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_feed_goes_first() {
        let cache = FeedCache::default();
        let mb = |c: u8| Bytes::from(vec![c; 1024 * 1024]);
        for k in 0..64u8 {
            cache.put(format!("\"{k}\""), mb(k));
        }
        assert_eq!(cache.bytes(), MAX_BYTES);
        assert!(cache.get("\"0\"").is_some(), "touched: now the newest");
        cache.put("\"new\"".into(), mb(9));
        assert!(cache.get("\"1\"").is_none(), "the least recently used went");
        assert!(cache.get("\"0\"").is_some());
        assert!(cache.bytes() <= MAX_BYTES);
        cache.put("\"0\"".into(), Bytes::from_static(b"x"));
        assert_eq!(cache.get("\"0\"").unwrap(), Bytes::from_static(b"x"));
    }
}
