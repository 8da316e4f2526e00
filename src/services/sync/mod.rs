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

use crate::error::ErrorCode;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError, Problem, Result};
use crate::services::units::UpsertOutcome;

mod assessment_items;
mod sponsorship_items;
mod unit_items;

pub use assessment_items::{AssessmentUpserter, SyncAssessment};
pub use sponsorship_items::SponsorshipUpserter;
pub use unit_items::{SyncUnit, UnitUpserter};

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
    /// What the items are, for metrics (`unit`, `assessment`, `sponsorship`).
    const ENTITY: &'static str;
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
        let message = crate::decode::strip_position(&err.into_inner().to_string());
        let field = match crate::decode::field_of(&path, &message) {
            body if body == "body" => "item".to_string(),
            field => field,
        };
        vec![FieldError::new(
            ErrorCode::of_serde(&message),
            field,
            message,
        )]
    })
}

fn error_result(index: usize, key: Option<String>, err: &ApiError, key_field: &str) -> ItemResult {
    let problem: Problem = err.problem();
    let errors = if problem.errors.is_empty() {
        let code = match problem.status {
            403 => ErrorCode::NotAllowed,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Duplicate,
            _ => ErrorCode::Invalid,
        };
        vec![FieldError::new(code, key_field, problem.detail.clone())]
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
                    crate::services::audit::set_item(Some(index));
                    let applied = upserter.apply(&savepoint, item).await;
                    crate::services::audit::set_item(None);
                    match applied {
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
            let outcome = match result.status {
                ItemStatus::Created => "created",
                ItemStatus::Updated => "updated",
                ItemStatus::Unchanged => "unchanged",
                ItemStatus::Error => "error",
            };
            metrics::counter!("ntm_sync_items_total", "entity" => U::ENTITY, "outcome" => outcome)
                .increment(1);
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

pub(super) fn status_of(outcome: UpsertOutcome) -> ItemStatus {
    match outcome {
        UpsertOutcome::Created => ItemStatus::Created,
        UpsertOutcome::Updated => ItemStatus::Updated,
        UpsertOutcome::Unchanged => ItemStatus::Unchanged,
    }
}
