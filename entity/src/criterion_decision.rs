//! An officer's decision on a criterion (met / basically met / not met), with who and why.
use sea_orm::entity::prelude::*;

use crate::enums::CriterionResult;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "criterion_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub assessment_id: i32,
    pub criterion_code: String,
    pub result: CriterionResult,
    pub note: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
