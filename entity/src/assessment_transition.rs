//! One step of an assessment's workflow: from, to, who, when, why.
use sea_orm::entity::prelude::*;

use crate::enums::Status;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_transitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub assessment_id: i32,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub by_username: String,
    pub at: DateTimeUtc,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
