//! Assessments in a sync batch (`POST /sync/assessments`, `ntm-api import assessments`).
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::ToSchema;

use entity::assessment;

use super::{Applied, ItemStatus, Upserter};
use crate::access::{Caller, Permission, Scope};
use crate::domain::assessment::Kind;
use crate::error::{ApiError, Result};
use crate::services::assessments::{self, Catalog, DecisionItem, NewAssessment, ValueItem};

/// An assessment with its values, matched by `unit_code`, `criteria_version_id`,
/// `assessed_on` and `kind`. A new one is created as a draft with these values; a stored
/// draft takes the values and decisions sent (the others stay); a submitted one can only
/// answer `unchanged` (its workflow is moved by the workflow endpoints).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18850", "criteria_version_id": 5, "assessed_on": "2021-09-25", "kind": "self",
    "values": [{"indicator_code": "10", "value": 45.5}, {"indicator_code": "1.1", "value": true}]}))]
pub struct SyncAssessment {
    pub unit_code: String,
    pub criteria_version_id: i32,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub assessed_on: NaiveDate,
    pub kind: Kind,
    #[serde(default)]
    pub values: Vec<ValueItem>,
    #[serde(default)]
    pub criteria_decisions: Vec<DecisionItem>,
}

pub struct AssessmentUpserter<'a> {
    pub caller: &'a Caller,
    /// Criteria versions looked up once per batch.
    catalogs: HashMap<i32, Option<Arc<Catalog>>>,
}

impl<'a> AssessmentUpserter<'a> {
    pub fn new(caller: &'a Caller) -> Self {
        AssessmentUpserter {
            caller,
            catalogs: HashMap::new(),
        }
    }

    /// The author of the kind, or a provincial sync account (province officers and admins
    /// may carry every kind of assessment of their province).
    fn ensure(&self, kind: Kind, scope: &Scope) -> Result<()> {
        self.caller
            .ensure(assessments::author_permission(kind), scope)
            .or_else(|_| self.caller.ensure(Permission::SyncAssessments, scope))
    }
}

impl Upserter for AssessmentUpserter<'_> {
    type Item = SyncAssessment;
    const KEY_FIELD: &'static str = "unit_code";
    const ENTITY: &'static str = "assessment";

    fn key(item: &SyncAssessment) -> String {
        format!(
            "{}/{}/{}/{}",
            item.unit_code,
            item.criteria_version_id,
            item.assessed_on,
            item.kind.as_str()
        )
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: SyncAssessment) -> Result<Applied> {
        let key = Self::key(&item);
        let inputs = assessments::ValuesInput {
            values: item.values,
            criteria_decisions: item.criteria_decisions,
        };
        let stored = assessment::Entity::find()
            .filter(assessment::Column::UnitCode.eq(&item.unit_code))
            .filter(assessment::Column::CriteriaVersionId.eq(item.criteria_version_id))
            .filter(assessment::Column::AssessedOn.eq(item.assessed_on))
            .filter(assessment::Column::Kind.eq(item.kind))
            .one(txn)
            .await?;
        let version_id = item.criteria_version_id;
        let found = match self.catalogs.get(&version_id) {
            Some(found) => found.clone(),
            None => {
                let found = assessments::catalog(txn, version_id).await?;
                self.catalogs.insert(version_id, found.clone());
                found
            }
        };
        if let Some(m) = stored {
            self.ensure(item.kind, &assessments::scope_of(&m))?;
            // The stored row was matched on this version id, and the key to criteria_versions
            // keeps it: the batch's catalog holds its tree.
            let catalog =
                found.ok_or_else(|| ApiError::not_found("the assessment's criteria version"))?;
            // Judge the item as a new one would be, before comparing it with what is stored.
            let errors = assessments::check_inputs(&catalog.tree, &inputs);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let status = if assessments::inputs_unchanged(txn, m.id, &inputs).await? {
                ItemStatus::Unchanged
            } else {
                let by = &self.caller.username;
                assessments::write_checked_values(
                    txn,
                    &m,
                    &catalog.tree,
                    &inputs,
                    m.row_version,
                    by,
                )
                .await?;
                ItemStatus::Updated
            };
            return Ok(Applied {
                status,
                id: Some(m.id.into()),
                key,
            });
        }
        let input = NewAssessment {
            unit_code: item.unit_code,
            criteria_version_id: version_id,
            assessed_on: item.assessed_on,
            kind: item.kind,
        };
        let prepared = assessments::prepare_with(txn, input, found).await?;
        self.ensure(item.kind, &prepared.scope())?;
        let model = assessments::insert(txn, &prepared, &inputs, &self.caller.username).await?;
        Ok(Applied {
            status: ItemStatus::Created,
            id: Some(model.id.into()),
            key,
        })
    }
}
