//! Criteria sets and versions: drafts, publication, revisions, visibility.
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::criteria_set::{self, Entity as Sets};
use entity::criteria_version::{self, Column as V, Entity as Versions};

use crate::access::{Caller, Scope};
use crate::domain::criteria::{
    completeness, counts, validate_tree, Completeness, CriteriaLevel, Criterion,
};
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{changes, units};

pub mod csv;
pub mod rendered;
mod sets;
pub mod trees;
mod types;
mod versions;

pub use sets::*;
pub use types::*;
pub use versions::*;

pub const NATIONAL: &str = "national";

/// Status of a criteria version: defined with the `criteria_versions.status` column.
pub use entity::enums::VersionStatus;
