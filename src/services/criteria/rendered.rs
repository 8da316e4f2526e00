//! Published criteria versions as rendered JSON, kept in memory for a few seconds.
//!
//! `GET /criteria-versions/{id}` of a national set is the heaviest public read: two queries
//! and the whole tree (hundreds of thresholds) parsed from the stored JSON and written out
//! again on every request (measured at 3,500 req/s, p99 28 ms, against 45,000 for
//! `/health`). A published version's tree never changes; only its status does (superseded
//! when a revision is published, which the publish handler of this instance tells
//! [`RenderedVersions::forget_all`]). Another instance's publish reaches this one within
//! [`TTL`]. Drafts are never kept: who may read them depends on the caller.
//!
//! Each rendering is also kept gzip-compressed, made once when it is stored: compressing
//! ~100 KB of JSON on every request was most of what such a read still cost (issue 17).
use std::collections::HashMap;
use std::io::Write;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How long a rendered version is served without reading the database.
pub const TTL: Duration = Duration::from_secs(5);

/// Versions kept at most (national and provincial sets have a few dozen).
const MAX_ENTRIES: usize = 1_000;

/// A version's JSON as `GET` answers it, with what its `ETag` is made of. The bodies are
/// shared, not copied, by every answer.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub id: i32,
    pub row_version: i32,
    pub json: Bytes,
    /// The same JSON, gzip-compressed (for `Accept-Encoding: gzip`).
    pub gzip: Bytes,
    at: Instant,
}

#[derive(Default)]
pub struct RenderedVersions {
    entries: RwLock<HashMap<i32, Rendered>>,
}

impl RenderedVersions {
    /// The version `id` as rendered less than [`TTL`] ago.
    pub fn get(&self, id: i32) -> Option<Rendered> {
        let entries = self.entries.read().ok()?;
        entries.get(&id).filter(|r| r.at.elapsed() < TTL).cloned()
    }

    /// Keeps the rendering of a published (or superseded) version.
    pub fn put(&self, id: i32, row_version: i32, json: String) -> Rendered {
        let rendered = Rendered {
            id,
            row_version,
            gzip: gzip(json.as_bytes()),
            json: Bytes::from(json),
            at: Instant::now(),
        };
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id, rendered.clone());
        }
        rendered
    }

    /// Forgets every rendering (a version was published: another may now be superseded).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

/// `bytes` gzip-compressed at the default level (as the response middleware would).
fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_is_kept_until_forgotten() {
        let cache = RenderedVersions::default();
        assert!(cache.get(1).is_none());
        cache.put(1, 3, "{}".into());
        let hit = cache.get(1).expect("kept");
        assert_eq!((hit.id, hit.row_version, &hit.json[..]), (1, 3, &b"{}"[..]));
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&hit.gzip[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, "{}");
        cache.forget_all();
        assert!(cache.get(1).is_none());
    }
}
