//! A document of a dossier (hồ sơ): a file attached to an assessment (or one of its
//! criteria), a recognition, a registration or a sponsorship activity. The bytes live in the
//! object store under their SHA-256 (`blobs/<sha256>`); the row is their metadata. A removed
//! document keeps its row, marked with who removed it and when.
use sea_orm::entity::prelude::*;

use crate::enums::{DocumentKind, DocumentParent};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub parent_kind: DocumentParent,
    pub parent_id: i32,
    /// The criterion of an assessment the document supports (its code); none: the whole.
    pub criterion_code: Option<String>,
    /// The parent's province, for scopes and the change feed.
    pub province_code: Option<String>,
    pub title: String,
    pub kind: DocumentKind,
    /// Detected from the bytes.
    pub media_type: String,
    /// As the client named it (never used as a storage path).
    pub file_name: String,
    pub size_bytes: i64,
    /// Lowercase hex.
    pub sha256: String,
    pub uploaded_by: String,
    pub removed_at: Option<DateTimeUtc>,
    pub removed_by: Option<String>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
