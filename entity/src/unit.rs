//! Đơn vị hành chính — one version of an administrative unit (province, district, commune
//! or village), valid from `valid_from` (open start when null) to `valid_to` (open end when
//! null).
use sea_orm::entity::prelude::*;

use crate::enums::{Level, Region};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub level: Level,
    pub code: String,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub name: String,
    pub unit_type: String,
    pub name_ascii: String,
    pub search_ascii: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub commune_code: Option<String>,
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    pub successor_code: Option<String>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
