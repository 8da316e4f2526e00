//! One entry of the change feed (`GET /changes`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub entity: String,
    pub entity_key: String,
    pub op: String,
    pub at: DateTimeUtc,
    pub data: Option<Json>,
    /// The province the change concerns (none for national data).
    pub province_code: Option<String>,
    /// About a draft: read only by those who may read the draft (the province's officers
    /// for a provincial draft; admins and viewers for a national one).
    pub draft: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
