//! Writes the change feed in the same transaction as the change it records.
//!
//! A reader following `next_since` must see every change once and in order, so a change's
//! `seq` must not become visible before a smaller one. SQLite has one writer at a time
//! (`BEGIN IMMEDIATE`). On PostgreSQL a transaction that records a change first takes a
//! transaction-scoped advisory lock, so change-writing transactions commit in `seq` order.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, DeleteMany, EntityTrait, Set};

use crate::error::Result;

/// The advisory lock key of the change feed ("ntm-chg").
const FEED_LOCK: i64 = 0x006e_746d_2d63_6867;
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub enum Op {
    Upsert,
    Delete,
}

/// Records one change. Call it with the transaction that makes the change. `province`
/// is the province it concerns (none for national data): a province's officers read the
/// feed of their province and the national entries.
pub async fn record<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    key: &str,
    province: Option<&str>,
    op: Op,
    data: Option<&T>,
) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"))
            .await?;
    }
    let now = Utc::now();
    let data = data
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| DbErr::Json(e.to_string()))?;
    entity::change::ActiveModel {
        entity: Set(entity.to_string()),
        entity_key: Set(key.to_string()),
        op: Set(match op {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
        .to_string()),
        at: Set(now),
        data: Set(data),
        province_code: Set(province.map(str::to_string)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Runs `delete` (filtered on the row's id and the `row_version` the caller read) and
/// records the deletion of `entity` `key` in the feed, in the caller's transaction. When no
/// row was deleted the row changed since it was read: 412, and nothing is recorded.
pub async fn delete_recorded<C: ConnectionTrait, E: EntityTrait>(
    conn: &C,
    delete: DeleteMany<E>,
    entity: &str,
    key: &str,
    province: Option<&str>,
) -> Result<()> {
    let deleted = delete.exec(conn).await?.rows_affected;
    crate::services::ensure_matched(deleted, &entity.replace('_', " "))?;
    record::<_, ()>(conn, entity, key, province, Op::Delete, None).await?;
    Ok(())
}
