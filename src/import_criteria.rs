//! `ntm-api export criteria` and `ntm-api import criteria`: a clerk finishes a criteria set
//! in a spreadsheet (or in the JSON format of `data/criteria/`) and loads it back as a
//! draft, which an officer then reviews and publishes as usual.
//!
//! - A CSV file holds a tree only (the columns of [`csv::HEADER`]): it replaces the tree of
//!   a draft (`--into`), or becomes the tree of a new draft revising a version
//!   (`--revise --label --effective-from`).
//! - A JSON file holds whole versions with their sets (the shipped files' format): each
//!   version becomes a draft of its set (created when missing), or replaces the draft that
//!   already has its label. A published version with the same label is refused: published
//!   versions never change.
//!
//! Everything is checked first and written in one transaction: a file with a bad row writes
//! nothing, and every bad row is reported with its line.
use std::path::Path;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::error::ApiError;
use crate::reference_criteria::CriteriaFile;
use crate::services::criteria::csv::{self, LineError};
use crate::services::criteria::{self as service, NewCriteriaSet, RevisionInput, VersionInput};

/// Where the tree of a CSV file goes.
#[derive(Debug, Clone)]
pub enum CsvTarget {
    /// Replace the tree of this draft.
    Into(i32),
    /// A new draft revising this version, with this label, in force from this day.
    Revise {
        version: i32,
        label: String,
        effective_from: NaiveDate,
    },
}

/// Writes the tree of version `id` (any status) to `path` as CSV; returns its rows.
pub async fn export_criteria(
    db: &DatabaseConnection,
    id: i32,
    path: &Path,
) -> anyhow::Result<usize> {
    let version = entity::criteria_version::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no criteria version has the id {id}"))?;
    let body = csv::to_csv(&service::tree_of(&version).map_err(as_anyhow)?);
    std::fs::write(path, &body).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(body
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1))
}

/// Imports `path` (CSV when it ends in `.csv`, otherwise JSON). `Ok(Err(lines))` when the
/// file has bad rows (nothing is written then); `Ok(Ok(drafts))` names the drafts written
/// as `SET LABEL (id N)`.
pub async fn import_criteria(
    db: &DatabaseConnection,
    path: &Path,
    target: Option<CsvTarget>,
) -> anyhow::Result<Result<Vec<String>, Vec<LineError>>> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let txn = crate::services::begin_write(db).await?;
    let written = if is_csv {
        let Some(target) = target else {
            anyhow::bail!(
                "a CSV file holds a tree only: say where it goes with --into DRAFT_ID, or \
                 --revise VERSION_ID --label LABEL --effective-from YYYY-MM-DD"
            );
        };
        let tree = match csv::from_csv(&bytes) {
            Ok(tree) => tree,
            Err(lines) => return Ok(Err(lines)),
        };
        vec![csv_draft(&txn, tree, target).await?]
    } else {
        match json_drafts(&txn, &bytes).await? {
            Ok(names) => names,
            Err(lines) => return Ok(Err(lines)),
        }
    };
    txn.commit().await?;
    Ok(Ok(written))
}

async fn csv_draft(
    txn: &DatabaseTransaction,
    tree: Vec<crate::domain::criteria::Criterion>,
    target: CsvTarget,
) -> anyhow::Result<String> {
    let (id, revision) = match target {
        CsvTarget::Into(id) => (id, None),
        CsvTarget::Revise {
            version,
            label,
            effective_from,
        } => (version, Some((label, effective_from))),
    };
    let found = entity::criteria_version::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no criteria version has the id {id}"))?;
    let set = service::get_set(txn, found.set_id)
        .await
        .map_err(as_anyhow)?;
    let draft = match revision {
        None => found,
        Some((label, effective_from)) => {
            let input = RevisionInput {
                label,
                legal_document: service::LegalDocument::of(&found),
                effective_from,
                effective_to: None,
            };
            service::revise(txn, &set, &found, &input)
                .await
                .map_err(as_anyhow)?
        }
    };
    let model = service::replace_tree(txn, &set, &draft, tree)
        .await
        .map_err(as_anyhow)?;
    Ok(format!("{} {} (id {})", set.code, model.label, model.id))
}

async fn json_drafts(
    txn: &DatabaseTransaction,
    bytes: &[u8],
) -> anyhow::Result<Result<Vec<String>, Vec<LineError>>> {
    let file: CriteriaFile = match serde_json::from_slice(bytes) {
        Ok(file) => file,
        Err(e) => {
            return Ok(Err(vec![LineError {
                line: e.line() as u64,
                column: None,
                message: e.to_string(),
            }]))
        }
    };
    let text = String::from_utf8_lossy(bytes);
    // A version's problems are named at the line of its label.
    let line_of = |label: &str| -> u64 {
        let needle = format!("\"label\": \"{label}\"");
        text.find(&needle)
            .map(|at| text[..at].matches('\n').count() as u64 + 1)
            .unwrap_or(1)
    };
    let mut problems = Vec::new();
    let mut written = Vec::new();
    for v in file.versions {
        let line = line_of(&v.label);
        let set = match entity::criteria_set::Entity::find()
            .filter(entity::criteria_set::Column::Code.eq(v.set.code.as_str()))
            .one(txn)
            .await?
        {
            Some(set) => set,
            None => {
                let input = NewCriteriaSet {
                    code: v.set.code.clone(),
                    name: v.set.name.clone(),
                    level: v.set.level,
                    scope: v.set.scope.clone(),
                };
                match service::create_set(txn, &input).await {
                    Ok(set) => set,
                    Err(e) => {
                        problems.push(LineError {
                            line,
                            column: None,
                            message: api_text(&e),
                        });
                        continue;
                    }
                }
            }
        };
        let revised = match &v.revises {
            None => None,
            Some(r) => match version_labelled(txn, &r.set, &r.label).await? {
                Some(found) => Some(found),
                None => {
                    problems.push(LineError {
                        line,
                        column: None,
                        message: format!("revises {} {}, which does not exist", r.set, r.label),
                    });
                    continue;
                }
            },
        };
        let criteria = match (&revised, v.inherits_tree) {
            (Some(r), true) => service::tree_of(r).map_err(as_anyhow)?,
            _ => v.criteria,
        };
        let input = VersionInput {
            set_id: set.id,
            label: v.label.clone(),
            legal_document: file.legal_document.clone(),
            effective_from: v.effective_from,
            effective_to: v.effective_to,
            revises: revised.filter(|r| r.set_id == set.id).map(|r| r.id),
            source_note: v.source_note,
            criteria,
        };
        let existing = version_labelled(txn, &set.code, &v.label).await?;
        let result = match &existing {
            Some(e) if e.status != service::VersionStatus::Draft => Err(ApiError::conflict(format!(
                "{} {} is published (id {}): published versions never change; give the draft another label",
                set.code, v.label, e.id
            ))),
            _ => match service::validate_version(txn, &input, existing.as_ref().map(|e| e.id)).await {
                Err(e) => Err(e),
                Ok(_) => match &existing {
                    Some(e) => service::replace_version(txn, &set, e, &input).await,
                    None => {
                        service::insert_version(txn, &set, &input, service::VersionStatus::Draft)
                            .await
                    }
                },
            },
        };
        match result {
            Ok(model) => written.push(format!("{} {} (id {})", set.code, model.label, model.id)),
            Err(e) => problems.push(LineError {
                line,
                column: None,
                message: format!("{} {}: {}", set.code, v.label, api_text(&e)),
            }),
        }
    }
    Ok(if problems.is_empty() {
        Ok(written)
    } else {
        Err(problems)
    })
}

async fn version_labelled(
    txn: &DatabaseTransaction,
    set_code: &str,
    label: &str,
) -> anyhow::Result<Option<entity::criteria_version::Model>> {
    let Some(set) = entity::criteria_set::Entity::find()
        .filter(entity::criteria_set::Column::Code.eq(set_code))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    Ok(entity::criteria_version::Entity::find()
        .filter(entity::criteria_version::Column::SetId.eq(set.id))
        .filter(entity::criteria_version::Column::Label.eq(label))
        .one(txn)
        .await?)
}

/// A service error as one line of text: its detail and each field's problem.
fn api_text(e: &ApiError) -> String {
    let problem = e.problem();
    let mut text = problem.detail;
    for f in problem.errors {
        text.push_str(&format!("; {}: {}", f.field, f.message));
    }
    text
}

fn as_anyhow(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", api_text(&e))
}
