//! A version of a criteria set, with its legal basis and its tree (JSON).
use sea_orm::entity::prelude::*;

use crate::enums::VersionStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "criteria_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub set_id: i32,
    pub label: String,
    pub legal_number: String,
    pub legal_title: String,
    pub legal_issuer: String,
    pub legal_signed_on: Option<Date>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub status: VersionStatus,
    pub revises_id: Option<i32>,
    pub published_at: Option<DateTimeUtc>,
    pub source_note: Option<String>,
    pub criteria_count: i32,
    pub indicator_count: i32,
    pub tree: Json,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
