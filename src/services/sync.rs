//! Batch upserts by natural key: `POST /sync/{units,assessments,sponsorships}` and
//! `ntm-api import assessments` run the same [`run`] with the same [`Upserter`]s.
//!
//! * Each item is matched by its natural key (units: level + code + `valid_from`;
//!   assessments: unit + criteria version + date + kind; sponsorships: agency + commune +
//!   start date) and answered `created`, `updated`, `unchanged` or `error`.
//! * Each item is all or nothing: it runs in its own savepoint, rolled back when the item
//!   fails. A bad item never blocks the good ones. Items are committed in chunks of
//!   [`CHUNK`], so a process killed mid-batch leaves whole items or none of an item.
//! * An item equal to what is stored writes nothing, so the same batch sent twice answers
//!   `unchanged` and adds nothing to the change feed.
//! * `dry_run` runs every item and rolls it back: the results say what would happen, judged
//!   against the stored data (an item does not see the items before it in a dry run).
//! * Scope is checked per item with the caller's role, as the single-item endpoints do.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::ToSchema;

use entity::{assessment, sponsorship};

use crate::auth::{Caller, Permission, Scope};
use crate::domain::assessment::Kind;
use crate::domain::units::{Level, Region};
use crate::error::{ApiError, FieldError, Problem, Result};
use crate::services::assessments::{self, Catalog, DecisionItem, NewAssessment, ValueItem};
use crate::services::sponsorships::{self, NewSponsorship, SponsorshipPatch};
use crate::services::units::{self, UnitInput, UpsertOutcome};

/// Items committed per transaction (each in its own savepoint).
pub const CHUNK: usize = 100;
/// Items accepted in one request.
pub const MAX_ITEMS: usize = 1000;

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Created,
    Updated,
    Unchanged,
    Error,
}

/// The result of one item, in the order of the request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemResult {
    /// Position of the item in `items`, from 0.
    pub index: usize,
    pub status: ItemStatus,
    /// Id of the assessment or sponsorship (units are keyed by code: see `key`).
    pub id: Option<i64>,
    /// The natural key matched, e.g. `commune:18850:-` or `18850/5/2021-09-25/self`.
    pub key: Option<String>,
    /// Why the item was refused, by field (paths inside the item).
    pub errors: Vec<FieldError>,
    /// For `error`: the problem as the single-item endpoint would answer it
    /// (`status` 403, 409, 422…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<ItemProblem>,
}

/// The problem behind a refused item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemProblem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub status: u16,
    pub detail: String,
}

/// Answer of every `POST /sync/*`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SyncResponse {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub results: Vec<ItemResult>,
}

impl SyncResponse {
    pub fn new(dry_run: bool, results: Vec<ItemResult>) -> Self {
        let count = |s: ItemStatus| results.iter().filter(|r| r.status == s).count();
        SyncResponse {
            dry_run,
            created: count(ItemStatus::Created),
            updated: count(ItemStatus::Updated),
            unchanged: count(ItemStatus::Unchanged),
            errors: count(ItemStatus::Error),
            results,
        }
    }
}

/// What [`Upserter::apply`] did with an item.
pub struct Applied {
    pub status: ItemStatus,
    pub id: Option<i64>,
    pub key: String,
}

/// Writes one kind of item.
pub trait Upserter {
    type Item: serde::de::DeserializeOwned;
    /// The field a refusal that names no field (403, 409) is reported on.
    const KEY_FIELD: &'static str;
    /// The natural key of an item, for results and logs.
    fn key(item: &Self::Item) -> String;
    /// Creates, updates or leaves the item, inside `txn` (a savepoint of its own).
    fn apply(
        &mut self,
        txn: &DatabaseTransaction,
        item: Self::Item,
    ) -> impl std::future::Future<Output = Result<Applied>>;
}

/// An item read from a request or a file: the item, or why it could not be read.
pub type Parsed<T> = std::result::Result<T, Vec<FieldError>>;

/// Reads one item from JSON; a wrong type or an unknown field names its path in the item.
pub fn parse_item<T: serde::de::DeserializeOwned>(value: Json) -> Parsed<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = crate::extract::strip_position(&err.into_inner().to_string());
        let field = match crate::extract::field_of(&path, &message) {
            body if body == "body" => "item".to_string(),
            field => field,
        };
        vec![FieldError::new(field, message)]
    })
}

fn error_result(index: usize, key: Option<String>, err: &ApiError, key_field: &str) -> ItemResult {
    let problem: Problem = err.problem();
    let errors = if problem.errors.is_empty() {
        vec![FieldError::new(key_field, problem.detail.clone())]
    } else {
        problem.errors.clone()
    };
    ItemResult {
        index,
        status: ItemStatus::Error,
        id: None,
        key,
        errors,
        problem: Some(ItemProblem {
            problem_type: problem.problem_type,
            status: problem.status,
            detail: problem.detail,
        }),
    }
}

/// Runs a batch: each item whole or not at all, committed in chunks (see the module
/// documentation). `on_item` sees every result as it is decided (progress bars). A
/// database failure stops the batch with an error; items of earlier chunks stay written,
/// and sending the batch again finishes it (they answer `unchanged`).
pub async fn run<U: Upserter>(
    db: &DatabaseConnection,
    upserter: &mut U,
    items: Vec<Parsed<U::Item>>,
    dry_run: bool,
    mut on_item: impl FnMut(&ItemResult),
) -> Result<Vec<ItemResult>> {
    let mut results = Vec::with_capacity(items.len());
    let mut items = items.into_iter().enumerate().peekable();
    while items.peek().is_some() {
        let txn = crate::services::begin_write(db).await?;
        for (index, parsed) in items.by_ref().take(CHUNK) {
            let result = match parsed {
                Err(errors) => {
                    error_result(index, None, &ApiError::Validation(errors), U::KEY_FIELD)
                }
                Ok(item) => {
                    let key = U::key(&item);
                    let savepoint = txn.begin().await?;
                    match upserter.apply(&savepoint, item).await {
                        Ok(applied) => {
                            if dry_run {
                                savepoint.rollback().await?;
                            } else {
                                savepoint.commit().await?;
                            }
                            ItemResult {
                                index,
                                status: applied.status,
                                id: applied.id,
                                key: Some(applied.key),
                                errors: Vec::new(),
                                problem: None,
                            }
                        }
                        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => {
                            return Err(e);
                        }
                        Err(e) => {
                            savepoint.rollback().await?;
                            error_result(index, Some(key), &e, U::KEY_FIELD)
                        }
                    }
                }
            };
            on_item(&result);
            results.push(result);
        }
        if dry_run {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
        }
    }
    Ok(results)
}

fn status_of(outcome: UpsertOutcome) -> ItemStatus {
    match outcome {
        UpsertOutcome::Created => ItemStatus::Created,
        UpsertOutcome::Updated => ItemStatus::Updated,
        UpsertOutcome::Unchanged => ItemStatus::Unchanged,
    }
}

// ---------------------------------------------------------------------------------------
// Units

/// A unit version, matched by `level`, `code` and `valid_from`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"level": "commune", "code": "18850", "name": "Kỳ Lạc", "type": "xã",
    "province_code": "42", "district_code": "447", "valid_to": "2025-06-30", "successor_code": "18847"}))]
pub struct SyncUnit {
    pub level: Level,
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: String,
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub district_code: Option<String>,
    /// The commune of a village.
    #[serde(default)]
    pub commune_code: Option<String>,
    /// Provinces only.
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    pub commune_group: Option<i16>,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    pub successor_code: Option<String>,
}

pub struct UnitUpserter<'a> {
    pub caller: &'a Caller,
    /// Whether a unit was created or updated (the read model must be refreshed).
    pub changed: bool,
}

impl Upserter for UnitUpserter<'_> {
    type Item = SyncUnit;
    const KEY_FIELD: &'static str = "code";

    fn key(item: &SyncUnit) -> String {
        format!(
            "{}:{}:{}",
            item.level.as_str(),
            item.code,
            item.valid_from
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into())
        )
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: SyncUnit) -> Result<Applied> {
        let key = Self::key(&item);
        let (level, caller) = (item.level, self.caller);
        let permission = units::write_permission(level);
        // Refuse what is outside the caller's scope before judging the fields.
        let claimed = units::claimed_scope(
            txn,
            level,
            item.province_code.as_deref(),
            item.commune_code.as_deref(),
            item.valid_from,
        )
        .await
        .map_err(|e| match e {
            ApiError::NotFound(detail) => ApiError::invalid("commune_code", detail),
            other => other,
        })?;
        caller.ensure(permission, &claimed)?;
        if level != Level::Village && item.commune_code.is_some() {
            return Err(ApiError::invalid(
                "commune_code",
                "only villages name their commune",
            ));
        }
        let input = UnitInput {
            code: item.code,
            name: item.name,
            unit_type: item.unit_type,
            province_code: item.province_code,
            district_code: item.district_code,
            region: item.region,
            commune_group: item.commune_group,
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            successor_code: item.successor_code,
        };
        let unit = units::validate_new(txn, level, input, item.commune_code.as_deref()).await?;
        caller.ensure(permission, &unit.scope())?;
        if let Some(stored) = units::find_versions(txn, level, &unit.code)
            .await?
            .into_iter()
            .find(|v| v.valid_from == unit.valid_from)
        {
            // Moving a unit needs the scope of where it is as well as where it goes.
            caller.ensure(permission, &units::scope_of(&stored))?;
        }
        let (outcome, _) = units::upsert(txn, &unit).await?;
        self.changed |= outcome != UpsertOutcome::Unchanged;
        Ok(Applied {
            status: status_of(outcome),
            id: None,
            key,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Assessments

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

// ---------------------------------------------------------------------------------------
// Sponsorships

pub struct SponsorshipUpserter<'a> {
    pub caller: &'a Caller,
}

impl Upserter for SponsorshipUpserter<'_> {
    /// Matched by `agency_id`, `commune_code` and `starts_on`.
    type Item = NewSponsorship;
    const KEY_FIELD: &'static str = "commune_code";

    fn key(item: &NewSponsorship) -> String {
        format!(
            "{}/{}/{}",
            item.agency_id, item.commune_code, item.starts_on
        )
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: NewSponsorship) -> Result<Applied> {
        let key = Self::key(&item);
        let (_, commune) = sponsorships::validate_sponsorship(txn, &item).await?;
        self.caller
            .ensure(Permission::ManageSponsorships, &units::scope_of(&commune))?;
        let stored = sponsorship::Entity::find()
            .filter(sponsorship::Column::AgencyId.eq(item.agency_id))
            .filter(sponsorship::Column::CommuneCode.eq(&item.commune_code))
            .filter(sponsorship::Column::StartsOn.eq(item.starts_on))
            .one(txn)
            .await?;
        let Some(m) = stored else {
            let model = sponsorships::create_sponsorship(txn, &item, &commune).await?;
            return Ok(Applied {
                status: ItemStatus::Created,
                id: Some(model.id.into()),
                key,
            });
        };
        let commitments: Vec<String> =
            serde_json::from_value(m.commitments.clone()).unwrap_or_default();
        let status = if m.ends_on == item.ends_on
            && m.signed_on == item.signed_on
            && m.decision_number == item.decision_number
            && commitments == item.commitments
        {
            ItemStatus::Unchanged
        } else {
            let patch = SponsorshipPatch {
                ends_on: Some(item.ends_on),
                signed_on: Some(item.signed_on),
                decision_number: Some(item.decision_number),
                commitments: Some(item.commitments),
            };
            sponsorships::update_sponsorship(txn, &m, &patch, m.row_version).await?;
            ItemStatus::Updated
        };
        Ok(Applied {
            status,
            id: Some(m.id.into()),
            key,
        })
    }
}
