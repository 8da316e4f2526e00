//! Parsed criteria trees of published (and superseded) versions, kept for the life of the
//! process.
//!
//! Every read and every write of an assessment evaluates it against its version's tree.
//! Loading that tree meant reading the whole version row (~100 KB of JSON, decoded by the
//! driver into a `serde_json::Value`), cloning it and deserialising it again: in the profile
//! of `GET /assessments/{id}` (issue 17) this JSON work was the largest part of the CPU the
//! service itself spent. A version's tree is frozen when it is published (only its status
//! moves on, and the status is not part of the tree), so a parsed tree never goes stale and
//! is kept without a time limit. Drafts are parsed on every call: their trees still change.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sea_orm::{ConnectionTrait, EntityTrait};

use super::{tree_of, VersionStatus};
use crate::domain::criteria::Criterion;
use crate::error::{ApiError, Result};

/// Trees kept at most (national and provincial sets have a few dozen versions); past it the
/// map is emptied and filled again by the next reads.
const MAX_TREES: usize = 1_000;

/// A parsed criteria tree, shared by every request that evaluates against it.
pub type Tree = Arc<Vec<Criterion>>;

#[derive(Default)]
pub struct Trees {
    published: RwLock<HashMap<i32, Tree>>,
}

impl Trees {
    /// The tree of criteria version `id` (404 when there is no such version).
    pub async fn of<C: ConnectionTrait>(&self, db: &C, id: i32) -> Result<Tree> {
        if let Some(tree) = self.published.read().ok().and_then(|t| t.get(&id).cloned()) {
            return Ok(tree);
        }
        let version = entity::criteria_version::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("criteria version {id}")))?;
        let tree = Arc::new(tree_of(&version)?);
        if version.status != VersionStatus::Draft {
            if let Ok(mut kept) = self.published.write() {
                if kept.len() >= MAX_TREES {
                    kept.clear();
                }
                kept.insert(id, tree.clone());
            }
        }
        Ok(tree)
    }
}
