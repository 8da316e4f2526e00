//! Writes the change feed in the same transaction as the change it records.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub enum Op {
    Upsert,
    Delete,
}

/// Records one change. Call it with the transaction that makes the change.
pub async fn record<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    entity: &str,
    key: &str,
    op: Op,
    data: Option<&T>,
) -> Result<(), DbErr> {
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
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
