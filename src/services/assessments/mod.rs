//! Assessments: creation against a published criteria version, values and officer
//! decisions, evaluation, the workflow with its history, visibility.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::assessment::{self, Column as A, Entity as Assessments};
use entity::{assessment_result, assessment_transition, assessment_value, criterion_decision};

use crate::access::{self, Caller, DraftReach, Permission, Scope};
use crate::domain::assessment::{
    check_value, evaluate, Action, Context, CriterionOutcome, CriterionResult, Kind, Status,
    Summary, Value,
};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::{Level, Region};
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::criteria::{self as criteria_service, VersionStatus};
use crate::services::{changes, units};

mod create;
mod queries;
mod types;
mod values;
mod visibility;
mod workflow;

pub use create::*;
pub use queries::*;
pub use types::*;
pub use values::*;
pub use visibility::*;
pub use workflow::*;

async fn record_change<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    op: changes::Op,
) -> Result<()> {
    record_change_with(db, m, op, serde_json::Map::new()).await
}

/// Records a change of `m` in the feed; `extra` adds to its audit entry what the summary
/// does not show (each indicator value's old and new).
async fn record_change_with<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    op: changes::Op,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    changes::record_with(
        db,
        "assessment",
        &m.id.to_string(),
        m.province_code.as_deref(),
        op,
        Some(&summary_of(m)),
        extra,
    )
    .await?;
    Ok(())
}
