//! `ntm-api import units FILE.csv`: upsert units through the same validation as the API.
//! Each row is written whole in its own transaction or not at all; bad rows are reported
//! by line and skipped; a progress bar and a summary are printed.
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;

use crate::error::ApiError;
use crate::reference::parse_units;
use crate::services::units::{self, UpsertOutcome};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// (line, message) of every row not written.
    pub errors: Vec<(u64, String)>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} rejected",
            self.created,
            self.updated,
            self.unchanged,
            self.errors.len()
        )
    }
}

fn describe(err: &ApiError) -> String {
    match err {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Conflict { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

pub async fn import_units(
    db: &DatabaseConnection,
    file: &Path,
    progress: bool,
) -> anyhow::Result<ImportSummary> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let (rows, parse_errors) = parse_units(&text);
    let mut summary = ImportSummary {
        errors: parse_errors,
        ..Default::default()
    };
    let bar = if progress {
        ProgressBar::new(rows.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} rows ({per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for (line, row) in rows {
        let (level, input) = match row.into_input() {
            Ok(v) => v,
            Err((field, message)) => {
                summary.errors.push((line, format!("{field}: {message}")));
                bar.inc(1);
                continue;
            }
        };
        let txn = crate::services::begin_write(db).await?;
        let outcome = match units::validate_new(&txn, level, input, None).await {
            Ok(unit) => units::upsert(&txn, &unit).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok((result, _)) => {
                txn.commit().await?;
                match result {
                    UpsertOutcome::Created => summary.created += 1,
                    UpsertOutcome::Updated => summary.updated += 1,
                    UpsertOutcome::Unchanged => summary.unchanged += 1,
                }
            }
            Err(ApiError::Internal(e)) => return Err(e),
            Err(ApiError::Unavailable(d)) => anyhow::bail!("database unavailable: {d}"),
            Err(e) => {
                txn.rollback().await?;
                summary.errors.push((line, describe(&e)));
            }
        }
        bar.inc(1);
        if !summary.errors.is_empty() {
            bar.set_message(format!("{} rejected", summary.errors.len()));
        }
    }
    bar.finish_and_clear();
    summary.errors.sort_by_key(|(line, _)| *line);
    Ok(summary)
}
