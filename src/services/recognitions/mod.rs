//! Recognitions (quyết định công nhận) and their revocation; registrations (đăng ký đạt
//! chuẩn); a commune's current level.
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::{recognition, registration};

use crate::access::Scope;
use crate::domain::assessment::{Action, Status};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{assessments, changes, criteria, units};

mod decisions;
mod registrations;
mod standing;

pub use decisions::*;
pub use registrations::*;
pub use standing::*;
