//! Người dùng — a user of the API (an officer or a provincial system).
use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Option<String>,
    /// The province the scope was granted in: a district or commune code covers units of
    /// that province only (codes are reused over time). `None`: not bound (national roles,
    /// sponsors, users whose code no longer resolves).
    pub scope_province: Option<String>,
    pub row_version: i32,
    /// Access tokens issued (`iat`, whole seconds) before this instant are refused: set
    /// when the password changes and at logout.
    pub tokens_valid_after: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
