//! Đỡ đầu — an agency sponsoring a commune for a period.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sponsorships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    pub commune_code: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub signed_on: Option<Date>,
    pub decision_number: Option<String>,
    pub commitments: Json,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
