//! Assessments in a sync batch (`POST /sync/assessments`, `ntm-api import assessments`).
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::ToSchema;

use entity::assessment;

use super::{Applied, ItemStatus, Sorted, Upserter};
use crate::access::{Caller, Permission, Scope};
use crate::domain::assessment::Kind;
use crate::domain::units::Level;
use crate::error::{ApiError, Result};
use crate::services::assessments::{
    self, AssessmentKey, Catalog, DecisionItem, NewAssessment, PreparedAssessment, ValueItem,
};
use crate::services::{designations, units};

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

    /// Criteria version `id` with its set and tree, read once per batch.
    async fn catalog(
        &mut self,
        txn: &DatabaseTransaction,
        id: i32,
    ) -> Result<Option<Arc<assessments::Catalog>>> {
        if let Some(found) = self.catalogs.get(&id) {
            return Ok(found.clone());
        }
        let found = assessments::catalog(txn, id).await?;
        self.catalogs.insert(id, found.clone());
        Ok(found)
    }

    /// The author of the kind, or a provincial sync account (province officers and admins
    /// may carry every kind of assessment of their province).
    fn ensure(&self, kind: Kind, scope: &Scope) -> Result<()> {
        self.caller
            .ensure(assessments::author_permission(kind), scope)
            .or_else(|_| self.caller.ensure(Permission::SyncAssessments, scope))
    }
}

/// A new assessment sorted out to be created with others: validated, in scope.
pub struct ReadyAssessment {
    prepared: PreparedAssessment,
    inputs: assessments::ValuesInput,
}

fn key_of(item: &SyncAssessment) -> AssessmentKey {
    (
        item.unit_code.clone(),
        item.criteria_version_id,
        item.assessed_on,
        item.kind,
    )
}

/// The assessment `item` creates when its key is new.
fn new_of(item: &SyncAssessment) -> NewAssessment {
    NewAssessment {
        unit_code: item.unit_code.clone(),
        criteria_version_id: item.criteria_version_id,
        assessed_on: item.assessed_on,
        kind: item.kind,
    }
}

/// How results name an assessment's key: `unit/version/date/kind`.
fn key_text((unit, version, on, kind): &AssessmentKey) -> String {
    format!("{unit}/{version}/{on}/{}", kind.as_str())
}

fn inputs_of(item: &SyncAssessment) -> assessments::ValuesInput {
    assessments::ValuesInput {
        values: item.values.clone(),
        criteria_decisions: item.criteria_decisions.clone(),
    }
}

impl Upserter for AssessmentUpserter<'_> {
    type Item = SyncAssessment;
    type Ready = ReadyAssessment;
    const KEY_FIELD: &'static str = "unit_code";
    const ENTITY: &'static str = "assessment";

    fn key(item: &SyncAssessment) -> String {
        key_text(&key_of(item))
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: SyncAssessment) -> Result<Applied> {
        let key = Self::key(&item);
        let new = new_of(&item);
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
        let found = self.catalog(txn, version_id).await?;
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
        let prepared = assessments::prepare_with(txn, new, found).await?;
        self.ensure(item.kind, &prepared.scope())?;
        let model = assessments::insert(txn, &prepared, &inputs, &self.caller.username).await?;
        Ok(Applied {
            status: ItemStatus::Created,
            id: Some(model.id.into()),
            key,
        })
    }

    /// New assessments are written together: an item is ready when no stored assessment
    /// and no earlier ready item has its key, its unit and version check out, its values
    /// and decisions are valid and the caller may create it. A stored assessment sent again
    /// as it is, by a caller who may carry it, is answered `unchanged` from what the chunk
    /// read, when no other item of the chunk has its key. Every other item (an update, an
    /// error) is left to `apply`, which answers it as before.
    async fn sort_out(
        &mut self,
        txn: &DatabaseTransaction,
        items: Vec<(usize, SyncAssessment)>,
    ) -> Result<Sorted<SyncAssessment, ReadyAssessment>> {
        let stored = self.stored_rows(txn, &items).await?;
        let mut sent: HashMap<AssessmentKey, usize> = HashMap::new();
        for (_, item) in &items {
            *sent.entry(key_of(item)).or_default() += 1;
        }
        let once: Vec<i32> = stored
            .iter()
            .filter(|(key, _)| sent.get(*key) == Some(&1))
            .map(|(_, m)| m.id)
            .collect();
        let stored_inputs = assessments::load_inputs_of(txn, &once).await?;
        // The units and designations the new items need, read with one query per level.
        let mut codes: HashMap<Level, HashSet<&str>> = HashMap::new();
        for (_, item) in &items {
            let key = key_of(item);
            if stored.contains_key(&key) {
                continue;
            }
            if let Some(found) = self.catalog(txn, item.criteria_version_id).await? {
                let level = assessments::unit_level_for(found.set.level);
                codes
                    .entry(level)
                    .or_default()
                    .insert(item.unit_code.as_str());
            }
        }
        let mut versions = HashMap::new();
        let mut designated = HashMap::new();
        for (level, codes) in &codes {
            let codes: Vec<&str> = codes.iter().copied().collect();
            versions.insert(*level, units::find_versions_of(txn, *level, &codes).await?);
            if *level == Level::Commune {
                designated = designations::of_communes(txn, &codes).await?;
            }
        }
        let mut taken = HashSet::new();
        let (mut ready, mut answered, mut rest) = (Vec::new(), Vec::new(), Vec::new());
        for (index, item) in items {
            let key = key_of(&item);
            if let Some(m) = stored.get(&key) {
                let alone = sent.get(&key) == Some(&1);
                if alone
                    && self
                        .unchanged(txn, m, &item, stored_inputs.get(&m.id))
                        .await?
                {
                    let applied = Applied {
                        status: ItemStatus::Unchanged,
                        id: Some(m.id.into()),
                        key: Self::key(&item),
                    };
                    answered.push((index, applied));
                } else {
                    rest.push((index, item));
                }
                continue;
            }
            if taken.contains(&key) {
                rest.push((index, item));
                continue;
            }
            let found = self.catalog(txn, item.criteria_version_id).await?;
            let level = found
                .as_ref()
                .map(|c| assessments::unit_level_for(c.set.level));
            let unit_versions = level
                .and_then(|level| versions.get(&level))
                .and_then(|by_code| by_code.get(&item.unit_code))
                .cloned()
                .unwrap_or_default();
            let unit_designations = match level {
                Some(Level::Commune) => designated.get(&item.unit_code).cloned(),
                _ => None,
            };
            let prepared = match assessments::prepare_from(
                new_of(&item),
                found,
                unit_versions,
                unit_designations.unwrap_or_default(),
            ) {
                Ok(prepared) => prepared,
                Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => return Err(e),
                Err(_) => {
                    rest.push((index, item));
                    continue;
                }
            };
            let inputs = inputs_of(&item);
            let fits = assessments::check_inputs(&prepared.catalog.tree, &inputs).is_empty();
            if !fits || self.ensure(item.kind, &prepared.scope()).is_err() {
                rest.push((index, item));
                continue;
            }
            taken.insert(key);
            ready.push((index, item, ReadyAssessment { prepared, inputs }));
        }
        Ok(Sorted {
            ready,
            answered,
            rest,
        })
    }

    async fn write_together(
        &mut self,
        txn: &DatabaseTransaction,
        ready: Vec<(usize, ReadyAssessment)>,
    ) -> Result<Vec<Applied>> {
        let by = &self.caller.username;
        let drafts = ready
            .iter()
            .map(|(index, r)| Ok((*index, assessments::draft_of(&r.prepared, &r.inputs, by)?)))
            .collect::<Result<Vec<_>>>()?;
        let models = assessments::insert_drafts(txn, drafts, by).await?;
        Ok(models
            .iter()
            .map(|m| Applied {
                status: ItemStatus::Created,
                id: Some(m.id.into()),
                key: key_text(&assessments::natural_key(m)),
            })
            .collect())
    }
}

impl AssessmentUpserter<'_> {
    /// The stored assessments that have the key of one of `items`, by key, read with one
    /// query.
    async fn stored_rows(
        &self,
        txn: &DatabaseTransaction,
        items: &[(usize, SyncAssessment)],
    ) -> Result<HashMap<AssessmentKey, assessment::Model>> {
        if items.is_empty() {
            return Ok(HashMap::new());
        }
        let units: HashSet<&str> = items.iter().map(|(_, i)| i.unit_code.as_str()).collect();
        let versions: HashSet<i32> = items.iter().map(|(_, i)| i.criteria_version_id).collect();
        let dates: HashSet<NaiveDate> = items.iter().map(|(_, i)| i.assessed_on).collect();
        let rows = assessment::Entity::find()
            .filter(assessment::Column::UnitCode.is_in(units))
            .filter(assessment::Column::CriteriaVersionId.is_in(versions))
            .filter(assessment::Column::AssessedOn.is_in(dates))
            .all(txn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| (assessments::natural_key(&m), m))
            .collect())
    }

    /// Whether `item` would leave its stored assessment `m` as it is, with nothing that
    /// `apply` would refuse first: the caller may carry it, its inputs are valid, and they
    /// are the stored ones.
    async fn unchanged(
        &mut self,
        txn: &DatabaseTransaction,
        m: &assessment::Model,
        item: &SyncAssessment,
        stored: Option<&assessments::StoredInputs>,
    ) -> Result<bool> {
        if self.ensure(item.kind, &assessments::scope_of(m)).is_err() {
            return Ok(false);
        }
        let Some(catalog) = self.catalog(txn, item.criteria_version_id).await? else {
            return Ok(false);
        };
        let inputs = inputs_of(item);
        if !assessments::check_inputs(&catalog.tree, &inputs).is_empty() {
            return Ok(false);
        }
        let empty = assessments::StoredInputs::default();
        let (values, decisions) = stored.unwrap_or(&empty);
        Ok(assessments::same_inputs(values, decisions, &inputs))
    }
}
