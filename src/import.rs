//! `ntm-api import units FILE.csv` and `ntm-api import assessments FILE`: the items of a
//! file through [`crate::services::sync`], the code path of `POST /sync/units` and
//! `POST /sync/assessments`. Each item is written whole or not at all; bad items are
//! reported by line and skipped; a progress bar and a summary are printed.
use crate::error::ErrorCode;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;

use crate::access::Caller;
use crate::error::{ApiError, FieldError};
use crate::reference::parse_units;
use crate::services::sync::{
    self, AssessmentUpserter, ItemStatus, Parsed, SyncAssessment, UnitUpserter,
};

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

fn progress_bar(len: u64, progress: bool, what: &str) -> ProgressBar {
    let bar = if progress {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left) {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Runs read items through [`sync::run`] with a progress bar; `lines[i]` is the line of
/// `items[i]`, for the summary's errors.
async fn run_import<U: sync::Upserter>(
    db: &DatabaseConnection,
    upserter: &mut U,
    lines: Vec<u64>,
    items: Vec<Parsed<U::Item>>,
    progress: bool,
    what: &str,
) -> anyhow::Result<ImportSummary> {
    let bar = progress_bar(items.len() as u64, progress, what);
    // Audit entries name the file's line of each item.
    crate::services::audit::set_lines(lines.iter().map(|&l| l as usize).collect());
    let mut rejected = 0usize;
    let results = sync::run(db, upserter, items, false, |r| {
        bar.inc(1);
        if r.status == ItemStatus::Error {
            rejected += 1;
            bar.set_message(format!("{rejected} rejected"));
        }
    })
    .await
    .map_err(|e| match e {
        ApiError::Internal(e) => e,
        other => anyhow::anyhow!("{other}"),
    })?;
    bar.finish_and_clear();
    let mut summary = ImportSummary::default();
    for r in results {
        match r.status {
            ItemStatus::Created => summary.created += 1,
            ItemStatus::Updated => summary.updated += 1,
            ItemStatus::Unchanged => summary.unchanged += 1,
            ItemStatus::Error => summary
                .errors
                .push((lines[r.index], describe_fields(&r.errors))),
        }
    }
    Ok(summary)
}

/// Imports a units CSV (the columns of `data/units-*.csv`) through the code path of
/// `POST /sync/units`, as an administrator.
pub async fn import_units(
    db: &DatabaseConnection,
    file: &Path,
    progress: bool,
) -> anyhow::Result<ImportSummary> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let (rows, parse_errors) = parse_units(&text);
    let (lines, items): (Vec<u64>, Vec<_>) = rows
        .into_iter()
        .map(|(line, row)| (line, row.into_sync()))
        .unzip();
    let caller = Caller::command_line("import");
    let mut upserter = UnitUpserter {
        caller: &caller,
        changed: false,
    };
    let mut summary = run_import(db, &mut upserter, lines, items, progress, "rows").await?;
    summary.errors.extend(parse_errors);
    summary.errors.sort_by_key(|(line, _)| *line);
    Ok(summary)
}

/// The field errors of a refused item as one line.
fn describe_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            if e.field.is_empty() {
                e.message.clone()
            } else {
                format!("{}: {}", e.field, e.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads JSON lines: one [`SyncAssessment`] per non-blank line. Returns (line, item).
pub fn parse_assessment_lines(text: &str) -> Vec<(u64, Parsed<SyncAssessment>)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let item = serde_json::from_str::<serde_json::Value>(line)
                .map_err(|e| {
                    vec![FieldError::new(
                        ErrorCode::InvalidFormat,
                        "",
                        format!("not valid JSON: {e}"),
                    )]
                })
                .and_then(sync::parse_item);
            (i as u64 + 1, item)
        })
        .collect()
}

/// Reads the CSV form: one value per row, the rows of one assessment next to each other.
/// An empty `value` removes a stored value. Returns (first line, item).
pub fn parse_assessment_csv(text: &str) -> Vec<(u64, Parsed<SyncAssessment>)> {
    const COLUMNS: [&str; 6] = [
        "unit_code",
        "criteria_version_id",
        "assessed_on",
        "kind",
        "indicator_code",
        "value",
    ];
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    let position: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| h == *c))
        .collect();
    if let Some(missing) = COLUMNS.iter().zip(&position).find(|(_, p)| p.is_none()) {
        let message = format!(
            "the header must name the columns {}; {} is missing",
            COLUMNS.join(", "),
            missing.0
        );
        return vec![(
            1,
            Err(vec![FieldError::new(ErrorCode::Required, "", message)]),
        )];
    }
    let column = |record: &csv::StringRecord, i: usize| -> String {
        position[i]
            .and_then(|p| record.get(p))
            .unwrap_or_default()
            .to_string()
    };
    // (line, key, item as JSON, errors of its rows)
    let mut groups: Vec<(u64, [String; 4], serde_json::Value, Vec<FieldError>)> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let error = FieldError::new(
                    ErrorCode::InvalidFormat,
                    "",
                    format!("line {line}: unreadable CSV: {e}"),
                );
                groups.push((
                    line,
                    Default::default(),
                    serde_json::Value::Null,
                    vec![error],
                ));
                continue;
            }
        };
        let key = [0, 1, 2, 3].map(|i| column(&record, i));
        let indicator = column(&record, 4);
        let raw = column(&record, 5);
        let value = match raw.as_str() {
            "" => Ok(serde_json::Value::Null),
            "true" => Ok(serde_json::Value::Bool(true)),
            "false" => Ok(serde_json::Value::Bool(false)),
            other => other
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(serde_json::Value::from)
                .ok_or_else(|| {
                    FieldError::new(
                        ErrorCode::InvalidType,
                        format!("line {line}: value"),
                        format!("{other:?} is neither a number nor true/false"),
                    )
                }),
        };
        let same = groups.last().is_some_and(|(_, k, _, _)| *k == key);
        if !same {
            let version = key[1].parse::<i64>().map(serde_json::Value::from);
            let item = serde_json::json!({
                "unit_code": key[0],
                "criteria_version_id": version.unwrap_or(serde_json::Value::String(key[1].clone())),
                "assessed_on": key[2],
                "kind": key[3],
                "values": [],
            });
            groups.push((line, key, item, Vec::new()));
        }
        let (_, _, item, errors) = groups.last_mut().expect("a group was pushed");
        match value {
            Ok(value) => {
                if let Some(values) = item["values"].as_array_mut() {
                    values.push(serde_json::json!({"indicator_code": indicator, "value": value}));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    groups
        .into_iter()
        .map(|(line, _, item, errors)| {
            let parsed = if errors.is_empty() {
                sync::parse_item(item)
            } else {
                Err(errors)
            };
            (line, parsed)
        })
        .collect()
}

/// Imports assessments (JSON lines, or CSV when the name ends in `.csv`) as `by`, with
/// an administrator's authority.
pub async fn import_assessments(
    db: &DatabaseConnection,
    file: &Path,
    by: &str,
    progress: bool,
) -> anyhow::Result<ImportSummary> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let parsed = if csv {
        parse_assessment_csv(&text)
    } else {
        parse_assessment_lines(&text)
    };
    drop(text);
    let (lines, items): (Vec<u64>, Vec<_>) = parsed.into_iter().unzip();
    let caller = Caller::command_line(by);
    let mut upserter = AssessmentUpserter::new(&caller);
    run_import(db, &mut upserter, lines, items, progress, "assessments").await
}
