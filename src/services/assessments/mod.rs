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
    check_value_in, evaluate, Action, Context, CriterionOutcome, CriterionResult, DecisionResult,
    Kind, Status, Summary, Value,
};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::{Level, Region};
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::criteria::trees::Trees;
use crate::services::criteria::{self as criteria_service, VersionStatus};
use crate::services::{changes, units};

mod create;
mod queries;
pub mod rendered;
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

/// Records a change of an assessment in the feed (and the audit trail): `before` is the
/// row as it was (`None`: created); `extra` adds to the audit entry what the summary does
/// not show (each indicator value's old and new).
async fn record_change<C: ConnectionTrait>(
    db: &C,
    before: Option<&assessment::Model>,
    after: &assessment::Model,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let (key, province) = (after.id.to_string(), after.province_code.as_deref());
    match before {
        None => {
            let op = changes::Op::Create;
            changes::record(
                db,
                "assessment",
                &key,
                province,
                op,
                Some(&summary_of(after)),
            )
            .await?
        }
        Some(before) => {
            changes::record_update(
                db,
                "assessment",
                &key,
                province,
                &summary_of(before),
                &summary_of(after),
                extra,
            )
            .await?
        }
    }
    Ok(())
}
