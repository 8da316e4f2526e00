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

    /// An item checked by [`Upserter::sort_out`] and ready for [`Upserter::write_together`].
    type Ready;

    /// Sorts out the items of a chunk, reading but writing nothing: those that can be
    /// written together (each one an item [`Upserter::apply`] would accept and create with
    /// no effect on the chunk's other items; the item is kept for the fallback), those
    /// answered by reading alone (what `apply` would answer without writing), and the
    /// others, for `apply` one by one. The default leaves every item to `apply`.
    fn sort_out(
        &mut self,
        txn: &DatabaseTransaction,
        items: Vec<(usize, Self::Item)>,
    ) -> impl std::future::Future<Output = Result<Sorted<Self::Item, Self::Ready>>> {
        let _ = txn;
        async move {
            Ok(Sorted {
                ready: Vec::new(),
                answered: Vec::new(),
                rest: items,
            })
        }
    }

    /// Writes items sorted out as ready, all or nothing, in their order: what `apply` of
    /// each would write. Returns what happened to each, in the same order.
    fn write_together(
        &mut self,
        txn: &DatabaseTransaction,
        ready: Vec<(usize, Self::Ready)>,
    ) -> impl std::future::Future<Output = Result<Vec<Applied>>> {
        let _ = (txn, ready);
        async { Ok(Vec::new()) }
    }
}

/// What [`Upserter::sort_out`] made of a chunk's items, each with its index in the batch.
pub struct Sorted<I, R> {
    /// To write together: the item (kept for the fallback) and what is ready of it.
    pub ready: Vec<(usize, I, R)>,
    /// Answered by reading alone (a stored item sent again unchanged).
    pub answered: Vec<(usize, Applied)>,
    /// For [`Upserter::apply`], one by one.
    pub rest: Vec<(usize, I)>,
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
///
/// In each chunk the items the upserter can answer by reading alone (stored assessments
/// sent again unchanged) are answered without a savepoint each, and those it sorts out as
/// ready (new assessments) are written together in one savepoint, with a few statements for all of them; only when that fails
/// (another writer created one of them meanwhile) are they written one by one like the
/// others, so every item still gets its own answer. A dry run writes every item alone.
/// In the change feed and the audit trail a chunk's new items then come before its other
/// items; the entries of one key keep the batch's order (a later item with the key of a new
/// one is written after it), and entries of different keys never depended on each other.
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
        let chunk: Vec<(usize, Parsed<U::Item>)> = items.by_ref().take(CHUNK).collect();
        let mut decided = std::collections::BTreeMap::new();
        let mut one_by_one = Vec::with_capacity(chunk.len());
        if dry_run {
            one_by_one = chunk;
        } else {
            let mut good = Vec::with_capacity(chunk.len());
            for (index, parsed) in chunk {
                match parsed {
                    Ok(item) => good.push((index, item)),
                    Err(errors) => one_by_one.push((index, Err(errors))),
                }
            }
            let Sorted {
                ready,
                answered,
                rest,
            } = upserter.sort_out(&txn, good).await?;
            for (index, applied) in answered {
                decided.insert(index, applied_result(index, applied));
            }
            one_by_one.extend(rest.into_iter().map(|(i, item)| (i, Ok(item))));
            if !ready.is_empty() {
                let count = ready.len();
                let (kept, ready): (Vec<_>, Vec<_>) = ready
                    .into_iter()
                    .map(|(i, item, ready)| ((i, item), (i, ready)))
                    .unzip();
                let savepoint = txn.begin().await?;
                match upserter.write_together(&savepoint, ready).await {
                    Ok(applied) => {
                        savepoint.commit().await?;
                        for ((index, _), applied) in kept.into_iter().zip(applied) {
                            decided.insert(index, applied_result(index, applied));
                        }
                    }
                    Err(e) => {
                        savepoint.rollback().await?;
                        tracing::info!(error = %e, count, "items written together failed; writing them one by one");
                        one_by_one.extend(kept.into_iter().map(|(i, item)| (i, Ok(item))));
                    }
                }
            }
            one_by_one.sort_by_key(|(i, _)| *i);
        }
        for (index, parsed) in one_by_one {
            let result = apply_one(&txn, upserter, index, parsed, dry_run).await?;
            decided.insert(index, result);
        }
        for (_, result) in decided {
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

fn applied_result(index: usize, applied: Applied) -> ItemResult {
    ItemResult {
        index,
        status: applied.status,
        id: applied.id,
        key: Some(applied.key),
        errors: Vec::new(),
        problem: None,
    }
}

/// Writes one item in a savepoint of its own (rolled back when it fails or in a dry run).
async fn apply_one<U: Upserter>(
    txn: &DatabaseTransaction,
    upserter: &mut U,
    index: usize,
    parsed: Parsed<U::Item>,
    dry_run: bool,
) -> Result<ItemResult> {
    let item = match parsed {
        Err(errors) => {
            let err = ApiError::Validation(errors);
            return Ok(error_result(index, None, &err, U::KEY_FIELD));
        }
        Ok(item) => item,
    };
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
            Ok(applied_result(index, applied))
        }
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => Err(e),
        Err(e) => {
            savepoint.rollback().await?;
            Ok(error_result(index, Some(key), &e, U::KEY_FIELD))
        }
    }
}

pub(super) fn status_of(outcome: UpsertOutcome) -> ItemStatus {
    match outcome {
        UpsertOutcome::Created => ItemStatus::Created,
        UpsertOutcome::Updated => ItemStatus::Updated,
        UpsertOutcome::Unchanged => ItemStatus::Unchanged,
    }
}
