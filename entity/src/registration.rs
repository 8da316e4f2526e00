//! Đăng ký đạt chuẩn — a unit's registration to reach a level in a target year.
use sea_orm::entity::prelude::*;

use crate::enums::{CriteriaLevel, Level};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_level: Level,
    pub unit_code: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub level: CriteriaLevel,
    pub target_year: i32,
    pub note: Option<String>,
    pub created_by: String,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
