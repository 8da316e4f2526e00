//! A dated mark on a commune that changes how it is judged (the special regional rule of
//! QĐ 318/QĐ-TTg): see [`crate::enums::DesignationKind`].
use sea_orm::entity::prelude::*;

use crate::enums::DesignationKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_designations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_code: String,
    /// The commune's province when it was marked.
    pub province_code: String,
    pub kind: DesignationKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// The decision that classes the commune, e.g. "QĐ 861/QĐ-TTg".
    pub basis: String,
    pub note: Option<String>,
    pub created_by: String,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
