//! Đánh giá — an assessment of a unit against a criteria version on a date.
use sea_orm::entity::prelude::*;

use crate::enums::{Kind, Level, Region, Status};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_level: Level,
    pub unit_code: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub commune_code: Option<String>,
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    pub criteria_version_id: i32,
    pub assessed_on: Date,
    pub year: i32,
    pub kind: Kind,
    pub status: Status,
    pub met_count: i32,
    pub total_count: i32,
    pub met_mask: i64,
    /// Criteria undetermined for want of a threshold or a value; NULL until evaluated
    /// under that rule (rows older than it are evaluated again at start-up).
    pub unknown_count: Option<i32>,
    /// Bit `n - 1` set when criterion number `n` is undetermined.
    pub unknown_mask: i64,
    /// The unit designation (special regional rule) the evaluation used.
    pub designation_id: Option<i32>,
    pub created_by: String,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
