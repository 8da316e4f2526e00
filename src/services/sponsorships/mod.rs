//! Sponsoring agencies (đơn vị đỡ đầu), sponsorships (đỡ đầu) and their activities, with
//! totals from aggregate queries.
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

use entity::{agency, sponsorship, sponsorship_activity as activity};

use crate::access::Scope;
use crate::domain::text::{contains_pattern, fold};
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{changes, units};

mod queries;
mod types;
mod views;
mod writes;

pub use queries::*;
pub use types::*;
pub use views::*;
pub use writes::*;

/// The largest amount of one activity (VND).
pub const MAX_AMOUNT_VND: i64 = 100_000_000_000_000;

/// Kinds of sponsoring agency and of sponsorship activity: defined with the
/// `agencies.kind` and `sponsorship_activities.kind` columns.
pub use entity::enums::{ActivityKind, AgencyKind};
