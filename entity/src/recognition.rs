//! Quyết định công nhận — a recognition decision, and its revocation (thu hồi).
use sea_orm::entity::prelude::*;

use crate::enums::{CriteriaLevel, Level};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recognitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_level: Level,
    pub unit_code: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub level: CriteriaLevel,
    pub assessment_id: i32,
    pub decision_number: String,
    pub decided_on: Date,
    pub signer: String,
    pub recognition_year: i32,
    pub revoked: bool,
    pub revocation_decision_number: Option<String>,
    pub revoked_on: Option<Date>,
    pub revocation_reason: Option<String>,
    pub created_by: String,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
