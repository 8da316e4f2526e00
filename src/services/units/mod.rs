//! Administrative units: reads resolved by date, validated writes, the delete guard.
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::unit::{self, Column, Entity as Units};

use crate::access::{Caller, Permission, Scope};
use crate::domain::text::fold;
use crate::domain::units::{full_name, resolve_version, Level, Period, Region};
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::services::changes;

mod lookup;
mod types;
mod validate;
mod writes;

pub use lookup::*;
pub use types::*;
pub use validate::*;
pub use writes::*;
