//! The failed-login limits of `POST /auth/token`: at most `per_user` failures per username
//! and `per_address` per client address within `window`; past either, 429 with
//! `Retry-After` (the seconds until the oldest failure leaves the window), even for the
//! right password, so a guesser learns nothing while throttled.
//!
//! An attempt takes its slot *before* the password is checked ([`check_password`]), in one
//! transaction that first locks the keys it counts (SQLite: the write lock of
//! `BEGIN IMMEDIATE`; PostgreSQL: transaction-scoped advisory locks), so parallel guesses
//! cannot all pass the check before any failure is counted. A successful login gives the
//! slot back and clears the username's failures; a failed one keeps it.
//! The slots live in the database, so the limits hold across every instance behind a
//! balancer. The address is the TCP peer: behind a reverse proxy every client shares the
//! proxy's address, and the per-address limit should be set with that in mind.
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use entity::login_attempt::{self, Column, Entity as Attempts};

use crate::error::{ApiError, Result};

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window: Duration,
    pub per_user: u32,
    pub per_address: u32,
}

/// A slot taken by a login attempt in progress.
#[derive(Debug)]
struct Slot {
    user_key: String,
    address_slot: Option<i32>,
}

/// Usernames are counted without case or surrounding spaces; keys are hashed so a
/// mistyped secret is never stored.
fn key(kind: char, subject: &str) -> String {
    format!("{kind}:{}", hex::encode(Sha256::digest(subject.as_bytes())))
}

pub fn user_key(username: &str) -> String {
    key('u', &username.trim().to_lowercase())
}

fn address_key(address: IpAddr) -> String {
    key('a', &address.to_string())
}

/// The advisory lock of a key on PostgreSQL: the first 8 bytes of its hash.
fn lock_id(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

/// Takes a slot for one attempt of `username` from `address`, or answers 429 when the
/// username or the address has used up its failures within the window.
async fn take_slot(
    db: &DatabaseConnection,
    limits: &LoginLimits,
    username: &str,
    address: Option<IpAddr>,
) -> Result<Slot> {
    let user_key = user_key(username);
    let mut keys = vec![(user_key.clone(), limits.per_user, "this username")];
    if let Some(a) = address {
        keys.push((address_key(a), limits.per_address, "your address"));
    }
    let now = Utc::now();
    let since = now - limits.window;
    let txn = crate::services::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let mut ids: Vec<i64> = keys.iter().map(|(k, _, _)| lock_id(k)).collect();
        ids.sort_unstable();
        for id in ids {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({id})"))
                .await?;
        }
    }
    // Attempts older than the window count no more.
    Attempts::delete_many()
        .filter(Column::At.lte(since))
        .exec(&txn)
        .await?;
    for (key, limit, who) in &keys {
        let oldest: Vec<DateTime<Utc>> = Attempts::find()
            .select_only()
            .column(Column::At)
            .filter(Column::AttemptKey.eq(key.as_str()))
            .filter(Column::At.gt(since))
            .order_by_asc(Column::At)
            .limit(u64::from(*limit))
            .into_tuple()
            .all(&txn)
            .await?;
        if oldest.len() >= *limit as usize {
            metrics::counter!("ntm_login_throttled_total").increment(1);
            let wait = (oldest[0] + limits.window - now).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests {
                detail: format!("too many failed logins for {who}; try again in {wait} s"),
                retry_after: wait,
            });
        }
    }
    let mut address_slot = None;
    for (key, _, _) in &keys {
        let row = login_attempt::ActiveModel {
            attempt_key: Set(key.clone()),
            at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if key.starts_with("a:") {
            address_slot = Some(row.id);
        }
    }
    txn.commit().await?;
    Ok(Slot {
        user_key,
        address_slot,
    })
}

/// Checks `given` against `stored_hash` as an attempt of `username` from `address`: the
/// attempt takes its slot first (429 past the limits), a success gives it back and clears
/// the username's failures, a failure keeps it. Logins and self-service password changes
/// both go through here.
pub async fn check_password(
    db: &DatabaseConnection,
    limits: &LoginLimits,
    username: &str,
    address: Option<IpAddr>,
    given: &str,
    stored_hash: &str,
) -> Result<bool> {
    let slot = take_slot(db, limits, username, address).await?;
    let valid = crate::services::users::verify_password(given, stored_hash).await;
    if valid {
        succeeded(db, slot).await?;
    }
    Ok(valid)
}

/// A successful login: its address slot is given back and the username's failures are
/// cleared.
async fn succeeded(db: &DatabaseConnection, slot: Slot) -> Result<()> {
    let mut filter = sea_orm::Condition::any().add(Column::AttemptKey.eq(slot.user_key));
    if let Some(id) = slot.address_slot {
        filter = filter.add(Column::Id.eq(id));
    }
    Attempts::delete_many().filter(filter).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_usernames_and_hide_them() {
        assert_eq!(user_key(" Admin "), user_key("admin"));
        assert_ne!(user_key("admin"), address_key("127.0.0.1".parse().unwrap()));
        assert!(!user_key("admin").contains("admin"));
        assert_eq!(user_key("x").len(), 66);
        assert_ne!(lock_id(&user_key("a")), lock_id(&user_key("b")));
    }
}
