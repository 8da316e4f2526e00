//! An activity under a sponsorship: training, technology transfer, funding (integer VND), in-kind support.
use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sponsorship_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub sponsorship_id: i32,
    pub happened_on: Date,
    pub kind: ActivityKind,
    pub amount_vnd: Option<i64>,
    pub in_kind: Option<String>,
    pub description: String,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
