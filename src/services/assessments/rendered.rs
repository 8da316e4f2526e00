//! Assessment views as rendered JSON, kept in memory beside the row they were made from.
//!
//! `GET /assessments/{id}` is what a commune officer's phone asks all day. Building its
//! answer reads the values, the decisions and the history (one query each, 57 rows and more
//! streamed through the driver) and evaluates every criterion again; the profile of that
//! read (issue 17) was dominated by those round trips. The answer is a function of the
//! assessment row and of what hangs under it, and every write of what hangs under it
//! (values, decisions, transitions, a new date, the reform's new thresholds) claims the
//! row's next `row_version` in the same transaction. So a kept rendering is served when
//! the row read for this request is equal, field by field, to the row it was rendered from:
//! the row is still read on every request (visibility and the ETag depend on it, and
//! another instance may have written), but nothing else is. An equal row with other
//! children cannot happen; a deleted and re-created id has another row (its creation time).
use std::collections::HashMap;
use std::sync::RwLock;

use bytes::Bytes;
use entity::assessment;

/// Bytes of JSON kept at most (about a thousand views of 57 indicators); past it about a
/// quarter of the kept views, taken in no particular order, are dropped.
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Default)]
pub struct Views {
    kept: RwLock<Kept>,
}

#[derive(Default)]
struct Kept {
    views: HashMap<i32, (assessment::Model, Bytes)>,
    bytes: usize,
}

impl Views {
    /// The view rendered from a row equal to `m`, if one is kept.
    pub fn get(&self, m: &assessment::Model) -> Option<Bytes> {
        let kept = self.kept.read().ok()?;
        let (row, json) = kept.views.get(&m.id)?;
        (row == m).then(|| json.clone())
    }

    /// Keeps `json`, the view rendered from `m`.
    pub fn put(&self, m: &assessment::Model, json: Bytes) {
        if json.len() > MAX_BYTES / 4 {
            return;
        }
        let Ok(mut kept) = self.kept.write() else {
            return;
        };
        if kept.bytes + json.len() > MAX_BYTES {
            let keep_under = MAX_BYTES * 3 / 4;
            let ids: Vec<i32> = kept.views.keys().copied().collect();
            for id in ids {
                if kept.bytes <= keep_under {
                    break;
                }
                if let Some((_, old)) = kept.views.remove(&id) {
                    kept.bytes -= old.len();
                }
            }
        }
        kept.bytes += json.len();
        if let Some((_, old)) = kept.views.insert(m.id, (m.clone(), json)) {
            kept.bytes -= old.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, row_version: i32) -> assessment::Model {
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        assessment::Model {
            id,
            unit_code: "00001".into(),
            unit_level: entity::enums::Level::Commune,
            province_code: Some("01".into()),
            district_code: Some("001".into()),
            commune_code: Some("00001".into()),
            criteria_version_id: 2,
            assessed_on: at.date_naive(),
            year: 2024,
            kind: entity::enums::Kind::SelfAssessment,
            status: entity::enums::Status::Draft,
            region: None,
            commune_group: None,
            designation_id: None,
            met_count: 0,
            total_count: 19,
            unknown_count: Some(0),
            met_mask: 0,
            unknown_mask: 0,
            created_by: "admin".into(),
            row_version,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_view_is_served_only_for_the_row_it_was_rendered_from() {
        let views = Views::default();
        views.put(&row(1, 1), Bytes::from_static(b"{\"v\":1}"));
        assert_eq!(views.get(&row(1, 1)).as_deref(), Some(&b"{\"v\":1}"[..]));
        assert!(views.get(&row(1, 2)).is_none(), "a newer row version");
        assert!(views.get(&row(2, 1)).is_none(), "another assessment");
        views.put(&row(1, 2), Bytes::from_static(b"{\"v\":2}"));
        assert!(views.get(&row(1, 1)).is_none(), "replaced");
        assert_eq!(views.kept.read().unwrap().bytes, 7);
    }

    #[test]
    fn the_kept_bytes_stay_under_the_limit() {
        let views = Views::default();
        let big = Bytes::from(vec![b' '; MAX_BYTES / 8]);
        for id in 0..40 {
            views.put(&row(id, 1), big.clone());
            assert!(views.kept.read().unwrap().bytes <= MAX_BYTES);
        }
        assert!(views.get(&row(39, 1)).is_some(), "the newest is kept");
    }
}
