//! `ntm-api storage check`: the object store against the documents table. It lists the
//! documents whose bytes are missing (data loss, to restore from a backup) and the objects
//! no document holds (an upload cut off, a crash between the byte write and the row
//! commit, a removal whose clean-up failed); `--fix` deletes those orphans.
use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::path::Path;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use entity::document::{Column as D, Entity as Documents};

use super::Storage;

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Documents (not removed) whose bytes are missing: id and hash.
    pub missing: Vec<(i32, String)>,
    /// Objects no document holds, with their size.
    pub orphans: Vec<(Path, u64)>,
    /// Orphans left alone because they are younger than the minimum age (an upload may be
    /// finishing).
    pub young: Vec<Path>,
    /// Orphans deleted (`--fix`).
    pub deleted: usize,
    /// Blobs that documents hold.
    pub blobs: usize,
}

/// Compares the store with the table; with `fix`, deletes orphans older than `min_age`.
pub async fn run(
    db: &DatabaseConnection,
    storage: &Storage,
    min_age: Duration,
    fix: bool,
) -> anyhow::Result<Report> {
    let held: Vec<(i32, String)> = Documents::find()
        .select_only()
        .column(D::Id)
        .column(D::Sha256)
        .filter(D::RemovedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let held_shas: HashSet<&str> = held.iter().map(|(_, s)| s.as_str()).collect();
    let mut report = Report::default();
    let mut present = HashSet::new();
    let cutoff = chrono::Utc::now() - chrono::Duration::from_std(min_age)?;
    for prefix in [Storage::blobs_prefix(), Storage::incoming_prefix()] {
        let mut listing = storage.store().list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let sha = Storage::sha_of(&meta.location);
            if let Some(sha) = &sha {
                if held_shas.contains(sha.as_str()) {
                    present.insert(sha.clone());
                    continue;
                }
            }
            if meta.last_modified > cutoff {
                report.young.push(meta.location.clone());
            }
            report.orphans.push((meta.location, meta.size));
        }
    }
    report.blobs = present.len();
    report.missing = held
        .iter()
        .filter(|(_, sha)| !present.contains(sha))
        .cloned()
        .collect();
    if fix {
        for (path, _) in &report.orphans {
            if report.young.contains(path) {
                continue;
            }
            match Storage::sha_of(path) {
                // Under the write lock, once more: an upload of these bytes may have
                // committed since the listing.
                Some(sha) => super::release_blob(db, storage, &sha)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?,
                None => storage.forget(path).await?,
            }
            report.deleted += 1;
        }
    }
    Ok(report)
}
