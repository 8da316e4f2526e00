//! The signed-in users as token checks need them, kept in memory for a few seconds.
//!
//! Every signed-in request must know its user as stored now: its role and scope (a
//! demotion must take effect), whether it still exists, and the instant before which its
//! access tokens stopped (logout, password change). Reading the row on every request cost a
//! database round trip each time (a signed-in provinces list ran at 15 % of `/health`
//! against 70 % anonymous). Here the row is read once and kept for [`SignedInUsers::ttl`]:
//!
//! - on this instance, every change the service makes to a user (role, scope, password,
//!   deletion, logout) forgets the entry at once (`forget`, called after the write commits),
//!   so the next request reads the row again;
//! - a change made through another instance (or directly in the database) reaches this one
//!   within the TTL at most: that is the documented bound on how long a revoked or demoted
//!   user's access token keeps its old rights (`NTM_USER_CACHE_SECONDS`, default 5; 0 reads
//!   the row on every request).
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use entity::enums::Role;

/// What authentication needs of a user row.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub scope: Option<String>,
    pub scope_province: Option<String>,
    pub tokens_valid_after: Option<DateTime<Utc>>,
}

/// Entries beyond this are dropped all at once (a cheap bound; ten thousand officers fit).
const MAX_ENTRIES: usize = 100_000;

pub struct SignedInUsers {
    ttl: Duration,
    entries: RwLock<HashMap<i32, (Arc<SignedInUser>, Instant)>>,
}

impl SignedInUsers {
    pub fn new(ttl: Duration) -> Self {
        SignedInUsers {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// How long a read row is trusted.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The user `id` as read at most [`Self::ttl`] ago; `None` when it does not exist.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i32,
    ) -> Result<Option<Arc<SignedInUser>>, DbErr> {
        if !self.ttl.is_zero() {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some((user, read_at)) = entries.get(&id) {
                if read_at.elapsed() < self.ttl {
                    return Ok(Some(user.clone()));
                }
            }
        }
        let Some(row) = entity::user::Entity::find_by_id(id).one(db).await? else {
            self.forget(id);
            return Ok(None);
        };
        let user = Arc::new(SignedInUser {
            id: row.id,
            username: row.username,
            role: row.role,
            scope: row.scope,
            scope_province: row.scope_province,
            tokens_valid_after: row.tokens_valid_after,
        });
        if !self.ttl.is_zero() {
            let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id, (user.clone(), Instant::now()));
        }
        Ok(Some(user))
    }

    /// Drops what is kept of user `id`: call it after a write to that user commits.
    pub fn forget(&self, id: i32) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}
