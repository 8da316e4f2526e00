//! Published criteria versions as rendered JSON, kept in memory for a few seconds.
//!
//! `GET /criteria-versions/{id}` of a national set is the heaviest public read: two queries
//! and the whole tree (hundreds of thresholds) parsed from the stored JSON and written out
//! again on every request (measured at 3,500 req/s, p99 28 ms, against 45,000 for
//! `/health`). A published version's tree never changes; only its status does (superseded
//! when a revision is published, which the publish handler of this instance tells
//! [`RenderedVersions::forget_all`]). Another instance's publish reaches this one within
//! [`TTL`]. Drafts are never kept: who may read them depends on the caller.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a rendered version is served without reading the database.
pub const TTL: Duration = Duration::from_secs(5);

/// Versions kept at most (national and provincial sets have a few dozen).
const MAX_ENTRIES: usize = 1_000;

/// A version's JSON as `GET` answers it, with what its `ETag` is made of.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub id: i32,
    pub row_version: i32,
    pub json: Arc<String>,
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
            json: Arc::new(json),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_is_kept_until_forgotten() {
        let cache = RenderedVersions::default();
        assert!(cache.get(1).is_none());
        cache.put(1, 3, "{}".into());
        let hit = cache.get(1).expect("kept");
        assert_eq!((hit.id, hit.row_version, hit.json.as_str()), (1, 3, "{}"));
        cache.forget_all();
        assert!(cache.get(1).is_none());
    }
}
