//! One entry of the audit trail: a write or a security event, with who, from where, through
//! which path, what, and the change. Never updated or deleted (triggers refuse it).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub actor_username: Option<String>,
    pub actor_role: Option<String>,
    pub actor_scope: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub via: String,
    pub entity: String,
    pub entity_key: String,
    pub operation: String,
    pub province_code: Option<String>,
    /// JSON text: `{"path": {"before": …, "after": …}, …}`.
    pub changes: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
