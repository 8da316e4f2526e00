//! Writes the change feed in the same transaction as the change it records.
//!
//! A reader following `next_since` must see every change once and in order, so a change's
//! `seq` must not become visible before a smaller one. SQLite has one writer at a time
//! (`BEGIN IMMEDIATE`). On PostgreSQL a transaction that records a change first takes a
//! transaction-scoped advisory lock, so change-writing transactions commit in `seq` order.
//!
//! Every change is also an entry of the audit trail ([`crate::services::audit`]), in the
//! same transaction: the feed's previous entry for the same key is the "before" of the
//! audit's diff.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, DeleteMany, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use entity::change;

use crate::access::FeedReach;
use crate::error::Result;
use crate::services::audit;
use serde::Serialize;

/// What a change did. The feed says `upsert` for both creations and updates (a reader
/// replaces what it holds); the audit trail tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    fn audit_name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
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
    insert(
        conn,
        entity,
        key,
        province,
        op,
        data,
        false,
        Before::FromFeed,
        None,
    )
    .await
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, DbErr> {
    serde_json::to_value(value).map_err(|e| DbErr::Json(e.to_string()))
}

/// Where the audit entry's "before" comes from.
enum Before {
    /// The feed's previous entry for the key.
    FromFeed,
    /// The caller's.
    Known(serde_json::Value),
}

/// [`record`] of an update whose previous state the caller holds, which saves the audit
/// trail a read of the feed and is right where the feed has no previous state (the shipped
/// reference units are not in the feed; a unit's key changes with its `valid_from`).
/// `extra` adds `{"path": {"before", "after"}}` pairs the entity's view does not show (an
/// assessment's indicator values).
pub async fn record_update<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    key: &str,
    province: Option<&str>,
    before: &T,
    after: &T,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<(), DbErr> {
    let before = Before::Known(to_json(before)?);
    let extra = Some(extra).filter(|e| !e.is_empty());
    insert(
        conn,
        entity,
        key,
        province,
        Op::Update,
        Some(after),
        false,
        before,
        extra,
    )
    .await
}

/// Records a change to a draft (a criteria version being written): province officers read
/// it only for their own province, never for a national draft, which only admins and
/// viewers may read.
/// `extra` adds to the audit entry what `data` does not show (a draft's tree changes).
pub async fn record_draft<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    key: &str,
    province: Option<&str>,
    op: Op,
    data: Option<&T>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<(), DbErr> {
    let extra = Some(extra).filter(|e| !e.is_empty());
    insert(
        conn,
        entity,
        key,
        province,
        op,
        data,
        true,
        Before::FromFeed,
        extra,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    key: &str,
    province: Option<&str>,
    op: Op,
    data: Option<&T>,
    draft: bool,
    before: Before,
    extra: Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let data = data
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| DbErr::Json(e.to_string()))?;
    // The entity as the feed last showed it (none: created, or loaded as reference data
    // before the feed existed).
    let before: Option<serde_json::Value> = if op == Op::Create {
        None
    } else if let Before::Known(before) = before {
        Some(before)
    } else {
        change::Entity::find()
            .select_only()
            .column(change::Column::Data)
            .filter(change::Column::Entity.eq(entity))
            .filter(change::Column::EntityKey.eq(key))
            .order_by_desc(change::Column::Seq)
            .limit(1)
            .into_tuple::<Option<serde_json::Value>>()
            .one(conn)
            .await?
            .flatten()
    };
    let mut changes = audit::diff(before.as_ref(), data.as_ref());
    if let (Some(extra), Some(map)) = (extra, changes.as_object_mut()) {
        map.extend(extra);
    }
    // Everything above reads or computes without the lock (the entity's own row is locked
    // by the write); from here the feed and the audit trail are written in commit order.
    audit::take_write_lock(conn).await?;
    audit::append_holding_lock(
        conn,
        audit::Event::new(entity, key, op.audit_name())
            .province(province)
            .changes(Some(changes)),
    )
    .await?;
    entity::change::ActiveModel {
        entity: Set(entity.to_string()),
        entity_key: Set(key.to_string()),
        op: Set(match op {
            Op::Create | Op::Update => "upsert",
            Op::Delete => "delete",
        }
        .to_string()),
        at: Set(now),
        data: Set(data),
        province_code: Set(province.map(str::to_string)),
        draft: Set(draft),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A creation of a batch, for [`record_created`].
pub struct Created<T> {
    /// The batch item that made it (its audit entry names the item or the file's line).
    pub item: usize,
    pub key: String,
    pub province: Option<String>,
    pub data: T,
}

/// Records the creations of a batch's items in the feed and the audit trail, in order:
/// what [`record`] with [`Op::Create`] writes for each, in one statement per table.
pub async fn record_created<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    created: Vec<Created<T>>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut events = Vec::with_capacity(created.len());
    let mut rows = Vec::with_capacity(created.len());
    for c in created {
        let data = to_json(&c.data)?;
        let event = audit::Event::new(entity, c.key.as_str(), Op::Create.audit_name())
            .province(c.province.as_deref())
            .changes(Some(audit::diff(None, Some(&data))));
        events.push((c.item, event));
        rows.push(entity::change::ActiveModel {
            entity: Set(entity.to_string()),
            entity_key: Set(c.key),
            op: Set("upsert".to_string()),
            at: Set(now),
            data: Set(Some(data)),
            province_code: Set(c.province),
            draft: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    audit::take_write_lock(conn).await?;
    audit::append_items_holding_lock(conn, events).await?;
    crate::services::insert_rows(conn, rows).await
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
    delete_and_record(conn, delete, entity, key, province, false, Before::FromFeed).await
}

/// [`delete_recorded`] of a row whose last state the caller holds (see [`record_update`]).
pub async fn delete_recorded_known<C: ConnectionTrait, E: EntityTrait, T: Serialize>(
    conn: &C,
    delete: DeleteMany<E>,
    entity: &str,
    key: &str,
    province: Option<&str>,
    before: &T,
) -> Result<()> {
    let before = Before::Known(to_json(before)?);
    delete_and_record(conn, delete, entity, key, province, false, before).await
}

/// [`delete_recorded`] for a draft: its tombstone reaches only those who could read the
/// draft (see [`record_draft`]).
pub async fn delete_recorded_draft<C: ConnectionTrait, E: EntityTrait>(
    conn: &C,
    delete: DeleteMany<E>,
    entity: &str,
    key: &str,
    province: Option<&str>,
) -> Result<()> {
    delete_and_record(conn, delete, entity, key, province, true, Before::FromFeed).await
}

async fn delete_and_record<C: ConnectionTrait, E: EntityTrait>(
    conn: &C,
    delete: DeleteMany<E>,
    entity: &str,
    key: &str,
    province: Option<&str>,
    draft: bool,
    before: Before,
) -> Result<()> {
    let deleted = delete.exec(conn).await?.rows_affected;
    crate::services::ensure_matched(deleted, &entity.replace('_', " "))?;
    insert::<_, ()>(
        conn,
        entity,
        key,
        province,
        Op::Delete,
        None,
        draft,
        before,
        None,
    )
    .await?;
    Ok(())
}

/// One change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub seq: i64,
    /// `unit`, `designation`, `criteria_set`, `criteria_version`, `assessment`,
    /// `recognition`, `registration`, `agency` or `sponsorship`.
    pub entity: String,
    /// The entity's key: its id, or `level:code:valid_from` for units.
    pub key: String,
    /// The province the change concerns; `null` for national data.
    pub province_code: Option<String>,
    /// `upsert` or `delete` (a tombstone, without data).
    pub op: String,
    pub at: DateTime<Utc>,
    /// The entity as it was after the change.
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeView>,
    /// Pass as `since` to read on; equal to `since` when there is nothing new.
    pub next_since: i64,
}

/// The changes after `since` that a reader reaches, in `seq` order, at most `limit`.
pub async fn read<C: ConnectionTrait>(
    db: &C,
    reach: &FeedReach,
    since: i64,
    limit: u64,
) -> Result<ChangePage> {
    let mut select = change::Entity::find().filter(change::Column::Seq.gt(since));
    if let FeedReach::Province(province) = reach {
        select = select.filter(
            Condition::any()
                .add(change::Column::ProvinceCode.eq(province.as_str()))
                .add(
                    Condition::all()
                        .add(change::Column::ProvinceCode.is_null())
                        .add(change::Column::Draft.eq(false)),
                ),
        );
    }
    let rows = select
        .order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let next_since = rows.last().map(|r| r.seq).unwrap_or(since);
    let items = rows
        .into_iter()
        .map(|r| ChangeView {
            seq: r.seq,
            entity: r.entity,
            key: r.entity_key,
            province_code: r.province_code,
            op: r.op,
            at: r.at,
            data: r.data,
        })
        .collect();
    Ok(ChangePage { items, next_since })
}
