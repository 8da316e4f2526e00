//! A criteria tree as CSV for spreadsheets, and back: a clerk exports a criteria version,
//! finishes it in Excel or LibreOffice and sends the file back. A pure codec: no database,
//! no HTTP.
//!
//! The file has the columns of [`HEADER`] and one row per threshold. An indicator without
//! thresholds has one row with the threshold cells empty; a criterion without indicators has
//! one row with the indicator cells empty. The criterion columns are repeated on every row of
//! the criterion, the indicator columns on every row of the indicator.
//!
//! Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) are written after an apostrophe, the protection of
//! [`crate::services::reports`]; [`from_csv`] removes it again, so that
//! `from_csv(&to_csv(tree)) == Ok(tree)`.
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::criteria::{
    validate_tree, Criterion, CriterionGroup, Indicator, IndicatorKind, Threshold,
};
use crate::domain::units::Region;

/// The header row, in order.
pub const HEADER: [&str; 15] = [
    "criterion_number",
    "criterion_code",
    "criterion_name",
    "criterion_group",
    "criterion_note",
    "indicator_code",
    "indicator_name",
    "indicator_kind",
    "indicator_unit",
    "placeholder",
    "region",
    "commune_group",
    "year",
    "value",
    "indicator_note",
];

// Positions of the columns in `HEADER`.
const CRITERION_NUMBER: usize = 0;
const CRITERION_CODE: usize = 1;
const CRITERION_NAME: usize = 2;
const CRITERION_GROUP: usize = 3;
const CRITERION_NOTE: usize = 4;
const INDICATOR_CODE: usize = 5;
const INDICATOR_NAME: usize = 6;
const INDICATOR_KIND: usize = 7;
const INDICATOR_UNIT: usize = 8;
const PLACEHOLDER: usize = 9;
const REGION: usize = 10;
const COMMUNE_GROUP: usize = 11;
const YEAR: usize = 12;
const VALUE: usize = 13;
const INDICATOR_NOTE: usize = 14;

/// Columns a file must have; the others may be left out (their cells are then empty).
const REQUIRED: [usize; 7] = [
    CRITERION_NUMBER,
    CRITERION_CODE,
    CRITERION_NAME,
    CRITERION_GROUP,
    INDICATOR_CODE,
    INDICATOR_NAME,
    INDICATOR_KIND,
];

/// The indicator and threshold columns: all empty on the row of a criterion without
/// indicators.
const INDICATOR_CELLS: [usize; 9] = [
    INDICATOR_NAME,
    INDICATOR_KIND,
    INDICATOR_UNIT,
    PLACEHOLDER,
    REGION,
    COMMUNE_GROUP,
    YEAR,
    VALUE,
    INDICATOR_NOTE,
];

/// The threshold columns.
const THRESHOLD_CELLS: [usize; 4] = [REGION, COMMUNE_GROUP, YEAR, VALUE];

/// Every criterion group and indicator kind, to name them in error messages.
const GROUPS: [CriterionGroup; 5] = [
    CriterionGroup::Planning,
    CriterionGroup::Infrastructure,
    CriterionGroup::Economy,
    CriterionGroup::CultureSocietyEnvironment,
    CriterionGroup::PoliticalSystem,
];
const KINDS: [IndicatorKind; 3] = [
    IndicatorKind::Boolean,
    IndicatorKind::Min,
    IndicatorKind::Max,
];

/// The UTF-8 byte-order mark: Excel reads a CSV file as UTF-8 only when it starts with it.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// A problem of an uploaded CSV file, where a spreadsheet user finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineError {
    /// Physical line in the file, from 1 (the header); a row whose text spans several
    /// lines is named by its first one.
    pub line: u64,
    /// The column (a name of the header row) when the problem is one cell.
    pub column: Option<String>,
    pub message: String,
}

impl LineError {
    fn new(line: u64, column: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            column: column.map(|c| HEADER[c].to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// The tree as CSV: UTF-8 with a byte-order mark (so that Excel reads Vietnamese), CRLF line
/// ends, the [`HEADER`] row, then one row per threshold in tree order.
pub fn to_csv(tree: &[Criterion]) -> Vec<u8> {
    let mut rows = vec![HEADER.map(String::from)];
    for criterion in tree {
        if criterion.indicators.is_empty() {
            rows.push(record(criterion, None, None));
        }
        for indicator in &criterion.indicators {
            if indicator.thresholds.is_empty() {
                rows.push(record(criterion, Some(indicator), None));
            }
            for threshold in &indicator.thresholds {
                rows.push(record(criterion, Some(indicator), Some(threshold)));
            }
        }
    }
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    for row in &rows {
        // Writing to memory fails only when memory runs out, which aborts anyway.
        writer
            .write_record(row)
            .expect("writing CSV to memory cannot fail");
    }
    writer
        .into_inner()
        .expect("flushing CSV to memory cannot fail")
}

/// One row: the criterion's cells, then the indicator's and the threshold's when given.
fn record(
    criterion: &Criterion,
    indicator: Option<&Indicator>,
    threshold: Option<&Threshold>,
) -> [String; 15] {
    let mut row: [String; 15] = Default::default();
    let text = |value: &str| protect(value).to_string();
    let optional = |value: &Option<String>| value.as_deref().map(text).unwrap_or_default();
    row[CRITERION_NUMBER] = criterion.number.to_string();
    row[CRITERION_CODE] = text(&criterion.code);
    row[CRITERION_NAME] = text(&criterion.name);
    row[CRITERION_GROUP] = name_of(&criterion.group);
    row[CRITERION_NOTE] = optional(&criterion.source_note);
    if let Some(indicator) = indicator {
        row[INDICATOR_CODE] = text(&indicator.code);
        row[INDICATOR_NAME] = text(&indicator.name);
        row[INDICATOR_KIND] = name_of(&indicator.kind);
        row[INDICATOR_UNIT] = optional(&indicator.unit);
        row[PLACEHOLDER] = indicator.placeholder.to_string();
        row[INDICATOR_NOTE] = optional(&indicator.source_note);
    }
    // Numbers are written as they are: one we format is never a formula ("-5" is minus five).
    if let Some(t) = threshold {
        row[REGION] = t.region.as_ref().map(name_of).unwrap_or_default();
        row[COMMUNE_GROUP] = t.commune_group.map(|g| g.to_string()).unwrap_or_default();
        row[YEAR] = t.year.map(|y| y.to_string()).unwrap_or_default();
        // `f64`'s Display is the shortest text that reads back as the same number.
        row[VALUE] = t.value.to_string();
    }
    row
}

/// The snake_case name of an enum value, as in JSON.
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// Whether a spreadsheet would read `cell` as a formula, or `cell` could be mistaken for a
/// protected one: it starts with a formula character after any apostrophes.
fn needs_protection(cell: &str) -> bool {
    matches!(
        cell.trim_start_matches('\'').chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// `cell` with an apostrophe in front when a spreadsheet would run it as a formula, as
/// `reports::spreadsheet_safe` does; also in front of a text that already starts with
/// apostrophes and a formula character, so that [`unprotect`] gives back exactly `cell`.
fn protect(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_protection(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The text [`protect`] was given: one leading apostrophe before a formula character (after
/// any further apostrophes) removed.
fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_protection(rest) => rest,
        _ => cell,
    }
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// Parses a CSV file such as [`to_csv`] writes back into a tree.
///
/// - UTF-8 with or without a byte-order mark; `,` or `;` between cells (Excel in a
///   Vietnamese locale saves with `;`), as the header line uses. With `;`, a value may be
///   written with a decimal comma ("45,5").
/// - Columns are found by their name in the header row, in any order. Unknown columns and
///   missing required ones (criterion number, code, name and group; indicator code, name
///   and kind) are refused; a column without a name must have empty cells.
/// - Consecutive rows with the same criterion code make one criterion; among them, rows
///   with the same indicator code make one indicator. Their other columns must agree.
/// - Empty cells of optional texts are `None` (a text of blanks counts as empty); rows with
///   every cell empty are skipped.
///
/// Every problem is reported, with its line and column: those of the rows, then those of
/// [`validate_tree`] on the tree read, named at the row of the criterion, indicator or
/// threshold concerned.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Criterion>, Vec<LineError>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        vec![LineError::new(
            line,
            None,
            "the file is not UTF-8 text: in Excel, save it as \"CSV UTF-8\"",
        )]
    })?;
    let delimiter = detect_delimiter(text);
    let mut records = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .into_records();

    let Some(header) = records.next() else {
        return Err(vec![LineError::new(
            1,
            None,
            format!(
                "the file is empty: its first line must name the columns, {}",
                HEADER.join(",")
            ),
        )]);
    };
    let mut lines = LineCounter::new(text.as_bytes());
    let header = header.map_err(|e| vec![read_error(&e, &mut lines)])?;
    let columns = columns(&header, lines.line_of(header.position()))?;

    let mut reader = TreeReader::new(delimiter);
    for record in records {
        match record {
            Ok(record) => {
                let row = Row {
                    line: lines.line_of(record.position()),
                    record: &record,
                    columns: &columns,
                };
                reader.row(&row);
            }
            Err(e) => {
                // Reading valid UTF-8 from memory does not fail; stop rather than loop.
                reader.errors.push(read_error(&e, &mut lines));
                break;
            }
        }
    }
    reader.finish()
}

/// Physical line numbers of records. The reader's own count is taken before the line
/// ends and blank lines ahead of a record are skipped, so it lags behind after a CRLF or
/// a blank line: the line is counted here from the record's byte offset instead.
struct LineCounter<'t> {
    text: &'t [u8],
    /// A byte offset already counted, and the line it is on.
    offset: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line on which the record at `position` starts. Positions come in increasing
    /// order.
    fn line_of(&mut self, position: Option<&::csv::Position>) -> u64 {
        let Some(position) = position else {
            return self.line;
        };
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.offset {
            let newlines = self.text[self.offset..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = start;
        }
        self.line
    }
}

/// `;` when the header line has more semicolons than commas, else `,`.
fn detect_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

fn read_error(e: &::csv::Error, lines: &mut LineCounter) -> LineError {
    let line = lines.line_of(e.position());
    LineError::new(line, None, format!("the file cannot be read: {e}"))
}

/// For each column of [`HEADER`], its position in the file; `None` when left out.
type Columns = [Option<usize>; 15];

/// Finds the columns by name; refuses unknown, repeated and missing required columns.
fn columns(header: &::csv::StringRecord, line: u64) -> Result<Columns, Vec<LineError>> {
    let mut columns: Columns = [None; 15];
    let mut errors = Vec::new();
    for (at, cell) in header.iter().enumerate() {
        let name = unprotect(cell).trim().to_lowercase();
        if name.is_empty() {
            continue; // A column without a name: its cells must be empty (see `Row`).
        }
        match HEADER.iter().position(|h| *h == name) {
            Some(c) if columns[c].is_some() => errors.push(LineError::new(
                line,
                Some(c),
                format!("the column {name} is there twice"),
            )),
            Some(c) => columns[c] = Some(at),
            None => errors.push(LineError {
                line,
                column: Some(cell.to_string()),
                message: format!(
                    "unknown column \"{cell}\"; the columns are {}",
                    HEADER.join(", ")
                ),
            }),
        }
    }
    for c in REQUIRED {
        if columns[c].is_none() {
            errors.push(LineError::new(
                line,
                Some(c),
                format!("the column {} is missing", HEADER[c]),
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// A data row and where its cells are.
struct Row<'r> {
    line: u64,
    record: &'r ::csv::StringRecord,
    columns: &'r Columns,
}

impl<'r> Row<'r> {
    /// The cell of a column of [`HEADER`], its protecting apostrophe removed; empty when
    /// the column is left out or the row is short.
    fn cell(&self, column: usize) -> &'r str {
        self.columns[column]
            .and_then(|at| self.record.get(at))
            .map(unprotect)
            .unwrap_or("")
    }

    /// The cell without surrounding blanks, for codes, names of values and numbers.
    fn trimmed(&self, column: usize) -> &'r str {
        self.cell(column).trim()
    }

    fn is_empty(&self, column: usize) -> bool {
        self.trimmed(column).is_empty()
    }

    /// An optional text: `None` when empty or blank, else the cell as written.
    fn optional(&self, column: usize) -> Option<String> {
        let cell = self.cell(column);
        (!cell.trim().is_empty()).then(|| cell.to_string())
    }

    fn error(&self, column: usize, message: impl Into<String>) -> LineError {
        LineError::new(self.line, Some(column), message)
    }

    /// Whether every cell of the row is blank.
    fn is_blank(&self) -> bool {
        self.record.iter().all(|cell| cell.trim().is_empty())
    }

    /// Whether a cell outside the named columns has text.
    fn has_stray_cell(&self) -> bool {
        self.record
            .iter()
            .enumerate()
            .any(|(at, cell)| !cell.trim().is_empty() && !self.columns.contains(&Some(at)))
    }
}

/// The criterion columns of a row; a `None` number or group could not be read (an error
/// names it).
#[derive(Debug, Clone)]
struct CriterionCells {
    number: Option<i32>,
    name: String,
    group: Option<CriterionGroup>,
    note: Option<String>,
}

/// The indicator columns of a row; a `None` kind or placeholder could not be read.
#[derive(Debug, Clone)]
struct IndicatorCells {
    name: String,
    kind: Option<IndicatorKind>,
    unit: Option<String>,
    placeholder: Option<bool>,
    note: Option<String>,
}

/// A criterion being read: its first line and cells, its indicators.
struct ReadCriterion {
    code: String,
    line: u64,
    cells: CriterionCells,
    indicators: Vec<ReadIndicator>,
    /// Indicator codes seen in this criterion, with their first line.
    seen: HashMap<String, u64>,
    /// The indicator code of the last row, and whether its rows are taken (not a
    /// non-consecutive repeat).
    current: Option<(String, bool)>,
}

/// An indicator being read: its first line and cells, its thresholds with their lines.
struct ReadIndicator {
    code: String,
    line: u64,
    cells: IndicatorCells,
    thresholds: Vec<(u64, Threshold)>,
}

/// Builds the tree row by row, collecting every problem.
struct TreeReader {
    delimiter: u8,
    criteria: Vec<ReadCriterion>,
    /// Criterion codes seen, with their first line.
    seen: HashMap<String, u64>,
    /// The criterion code of the last row, and whether its rows are taken.
    current: Option<(String, bool)>,
    errors: Vec<LineError>,
}

impl TreeReader {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            criteria: Vec::new(),
            seen: HashMap::new(),
            current: None,
            errors: Vec::new(),
        }
    }

    /// Reads one data row into the tree.
    fn row(&mut self, row: &Row) {
        if row.is_blank() {
            return;
        }
        if row.has_stray_cell() {
            self.errors.push(LineError::new(
                row.line,
                None,
                "a cell outside the named columns has text: give its column a name of the \
                 header or empty it",
            ));
        }
        let code = row.trimmed(CRITERION_CODE);
        if code.is_empty() {
            self.errors.push(row.error(
                CRITERION_CODE,
                "required: the code of the criterion, e.g. \"5\"",
            ));
            return;
        }
        let cells = self.criterion_cells(row);
        match &self.current {
            Some((current, taken)) if current == code => {
                if !taken {
                    return; // More rows of a refused repeat: reported on its first row.
                }
            }
            _ => {
                if let Some(first) = self.seen.get(code) {
                    self.errors.push(row.error(
                        CRITERION_CODE,
                        format!(
                            "criterion {code} appears again on line {} (its rows begin on \
                             line {first}): keep its rows together",
                            row.line
                        ),
                    ));
                    self.current = Some((code.to_string(), false));
                    return;
                }
                self.seen.insert(code.to_string(), row.line);
                self.current = Some((code.to_string(), true));
                self.criteria.push(ReadCriterion {
                    code: code.to_string(),
                    line: row.line,
                    cells: cells.clone(),
                    indicators: Vec::new(),
                    seen: HashMap::new(),
                    current: None,
                });
            }
        }
        let Some(criterion) = self.criteria.last_mut() else {
            return;
        };
        let mut errors = Vec::new();
        agree_criterion(criterion, &cells, row, &mut errors);
        self.indicator_row(row, &mut errors);
        self.errors.append(&mut errors);
    }

    /// Reads the criterion columns of a row, naming the cells that cannot be read.
    fn criterion_cells(&mut self, row: &Row) -> CriterionCells {
        CriterionCells {
            number: integer(row, CRITERION_NUMBER, true, &mut self.errors).flatten(),
            name: row.cell(CRITERION_NAME).to_string(),
            group: one_of(row, CRITERION_GROUP, &GROUPS, &mut self.errors),
            note: row.optional(CRITERION_NOTE),
        }
    }

    /// Reads the indicator and threshold columns of a row of the last criterion.
    fn indicator_row(&mut self, row: &Row, errors: &mut Vec<LineError>) {
        let delimiter = self.delimiter;
        let Some(criterion) = self.criteria.last_mut() else {
            return;
        };
        let code = row.trimmed(INDICATOR_CODE);
        if code.is_empty() {
            // The row of a criterion without indicators, or a mistake.
            if let Some(&c) = INDICATOR_CELLS.iter().find(|c| !row.is_empty(**c)) {
                errors.push(row.error(
                    INDICATOR_CODE,
                    format!(
                        "required when {} is given: the code of the indicator, e.g. \"5.1\"",
                        HEADER[c]
                    ),
                ));
            }
            return;
        }
        let cells = indicator_cells(row, errors);
        match &criterion.current {
            Some((current, taken)) if current == code => {
                if !taken {
                    return;
                }
            }
            _ => {
                if let Some(first) = criterion.seen.get(code) {
                    errors.push(row.error(
                        INDICATOR_CODE,
                        format!(
                            "indicator {code} appears again on line {} (its rows begin on \
                             line {first}): keep its rows together",
                            row.line
                        ),
                    ));
                    criterion.current = Some((code.to_string(), false));
                    return;
                }
                criterion.seen.insert(code.to_string(), row.line);
                criterion.current = Some((code.to_string(), true));
                criterion.indicators.push(ReadIndicator {
                    code: code.to_string(),
                    line: row.line,
                    cells: cells.clone(),
                    thresholds: Vec::new(),
                });
            }
        }
        let Some(indicator) = criterion.indicators.last_mut() else {
            return;
        };
        agree_indicator(indicator, &cells, row, errors);
        if let Some(threshold) = threshold(row, indicator.cells.kind, delimiter, errors) {
            indicator.thresholds.push((row.line, threshold));
        }
    }

    /// The tree, or every problem: those of the rows and those [`validate_tree`] finds.
    fn finish(self) -> Result<Vec<Criterion>, Vec<LineError>> {
        let mut errors = self.errors;
        let mut lines = Lines::default();
        let tree: Vec<Criterion> = self
            .criteria
            .into_iter()
            .map(|c| {
                let mut indicator_lines = Vec::new();
                let indicators = c
                    .indicators
                    .into_iter()
                    .map(|i| {
                        let (threshold_lines, thresholds): (Vec<u64>, Vec<Threshold>) =
                            i.thresholds.into_iter().unzip();
                        indicator_lines.push((i.line, threshold_lines));
                        Indicator {
                            code: i.code,
                            name: i.cells.name,
                            unit: i.cells.unit,
                            // An unreadable kind is already an error; `min` adds none.
                            kind: i.cells.kind.unwrap_or(IndicatorKind::Min),
                            thresholds,
                            source_note: i.cells.note,
                            placeholder: i.cells.placeholder.unwrap_or(false),
                        }
                    })
                    .collect();
                lines.0.push((c.line, indicator_lines));
                Criterion {
                    // An unreadable number is already an error on this line and column,
                    // where the error of `validate_tree` about 0 is then left out.
                    number: c.cells.number.unwrap_or(0),
                    code: c.code,
                    name: c.cells.name,
                    group: c.cells.group.unwrap_or(CriterionGroup::Planning),
                    source_note: c.cells.note,
                    indicators,
                }
            })
            .collect();

        let mut invalid = Vec::new();
        validate_tree(&tree, &mut invalid);
        let reported: HashSet<(u64, Option<String>)> =
            errors.iter().map(|e| (e.line, e.column.clone())).collect();
        for e in invalid {
            let (line, column) = lines.locate(&e.field);
            let error = LineError::new(line, column, e.message);
            // Not twice for one cell: a cell that could not be read is not judged again.
            if !reported.contains(&(error.line, error.column.clone())) {
                errors.push(error);
            }
        }
        if errors.is_empty() {
            Ok(tree)
        } else {
            errors.sort_by_key(|e| e.line); // Stable: a line's errors keep their order.
            Err(errors)
        }
    }
}

/// Errors for the criterion columns of a later row that differ from its first row.
fn agree_criterion(
    criterion: &ReadCriterion,
    cells: &CriterionCells,
    row: &Row,
    errors: &mut Vec<LineError>,
) {
    let first = &criterion.cells;
    let mut differs = |column: usize, same: bool| {
        if !same {
            errors.push(row.error(
                column,
                format!(
                    "differs from line {}: every row of criterion {} must have the same {}",
                    criterion.line, criterion.code, HEADER[column]
                ),
            ));
        }
    };
    differs(CRITERION_NUMBER, agree(&first.number, &cells.number));
    differs(CRITERION_NAME, first.name == cells.name);
    differs(CRITERION_GROUP, agree(&first.group, &cells.group));
    differs(CRITERION_NOTE, first.note == cells.note);
}

/// Errors for the indicator columns of a later row that differ from its first row.
fn agree_indicator(
    indicator: &ReadIndicator,
    cells: &IndicatorCells,
    row: &Row,
    errors: &mut Vec<LineError>,
) {
    let first = &indicator.cells;
    let mut differs = |column: usize, same: bool| {
        if !same {
            errors.push(row.error(
                column,
                format!(
                    "differs from line {}: every row of indicator {} must have the same {}",
                    indicator.line, indicator.code, HEADER[column]
                ),
            ));
        }
    };
    differs(INDICATOR_NAME, first.name == cells.name);
    differs(INDICATOR_KIND, agree(&first.kind, &cells.kind));
    differs(INDICATOR_UNIT, first.unit == cells.unit);
    differs(PLACEHOLDER, agree(&first.placeholder, &cells.placeholder));
    differs(INDICATOR_NOTE, first.note == cells.note);
}

/// Whether two read values agree; one that could not be read (already an error) agrees.
fn agree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Reads the indicator columns of a row, naming the cells that cannot be read.
fn indicator_cells(row: &Row, errors: &mut Vec<LineError>) -> IndicatorCells {
    IndicatorCells {
        name: row.cell(INDICATOR_NAME).to_string(),
        kind: one_of(row, INDICATOR_KIND, &KINDS, errors),
        unit: row.optional(INDICATOR_UNIT),
        placeholder: placeholder(row, errors),
        note: row.optional(INDICATOR_NOTE),
    }
}

/// The threshold of a row, if its threshold cells are not all empty and can be read.
fn threshold(
    row: &Row,
    kind: Option<IndicatorKind>,
    delimiter: u8,
    errors: &mut Vec<LineError>,
) -> Option<Threshold> {
    let given: Vec<usize> = THRESHOLD_CELLS
        .into_iter()
        .filter(|c| !row.is_empty(*c))
        .collect();
    if given.is_empty() {
        return None;
    }
    if kind == Some(IndicatorKind::Boolean) {
        for c in given {
            errors.push(row.error(
                c,
                "a boolean indicator has no thresholds: leave region, commune_group, year \
                 and value empty",
            ));
        }
        return None;
    }
    let before = errors.len();
    let region = if row.is_empty(REGION) {
        None
    } else {
        one_of(row, REGION, &Region::ALL, errors)
    };
    let commune_group = integer(row, COMMUNE_GROUP, false, errors).flatten();
    let year = integer(row, YEAR, false, errors).flatten();
    let value = if row.is_empty(VALUE) {
        errors.push(row.error(
            VALUE,
            "required when region, commune_group or year is given: the threshold",
        ));
        None
    } else {
        number(row, VALUE, delimiter, errors)
    };
    if errors.len() > before {
        return None;
    }
    Some(Threshold {
        region,
        commune_group,
        year,
        value: value?,
    })
}

/// An integer cell: `Some(None)` when empty and not `required`, `None` when it cannot be
/// read (an error says why).
fn integer<T: std::str::FromStr>(
    row: &Row,
    column: usize,
    required: bool,
    errors: &mut Vec<LineError>,
) -> Option<Option<T>> {
    let cell = row.trimmed(column);
    if cell.is_empty() {
        if required {
            errors.push(row.error(column, "required: a whole number"));
            return None;
        }
        return Some(None);
    }
    match cell.parse() {
        Ok(n) => Some(Some(n)),
        Err(_) => {
            errors.push(row.error(column, format!("\"{cell}\" is not a whole number")));
            None
        }
    }
}

/// A finite number; with the `;` delimiter also with a decimal comma ("45,5").
fn number(row: &Row, column: usize, delimiter: u8, errors: &mut Vec<LineError>) -> Option<f64> {
    let cell = row.trimmed(column);
    let decimal_comma = delimiter == b';' && cell.matches(',').count() == 1 && !cell.contains('.');
    let text: std::borrow::Cow<str> = if decimal_comma {
        cell.replace(',', ".").into()
    } else {
        cell.into()
    };
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            let example = if delimiter == b';' {
                "45, 24.5 or 24,5"
            } else {
                "45 or 24.5"
            };
            errors.push(row.error(
                column,
                format!("\"{cell}\" is not a number, e.g. {example}"),
            ));
            None
        }
    }
}

/// The placeholder flag: true, yes, 1 or x; false, no, 0 or empty (any case).
fn placeholder(row: &Row, errors: &mut Vec<LineError>) -> Option<bool> {
    let cell = row.trimmed(PLACEHOLDER);
    match cell.to_lowercase().as_str() {
        "true" | "yes" | "1" | "x" => Some(true),
        "false" | "no" | "0" | "" => Some(false),
        _ => {
            errors.push(row.error(
                PLACEHOLDER,
                format!("\"{cell}\" is not one of true, false, yes, no, 1, 0, x or empty"),
            ));
            None
        }
    }
}

/// One of the values of an enum by its snake_case name (any case; blanks and hyphens may
/// stand for underscores); an error lists the allowed names.
fn one_of<T: Serialize + DeserializeOwned>(
    row: &Row,
    column: usize,
    allowed: &[T],
    errors: &mut Vec<LineError>,
) -> Option<T> {
    let cell = row.trimmed(column);
    let name = cell.to_lowercase().replace([' ', '-'], "_");
    if let Ok(value) = serde_json::from_value(serde_json::Value::String(name)) {
        return Some(value);
    }
    let names: Vec<String> = allowed.iter().map(name_of).collect();
    let message = if cell.is_empty() {
        format!("required: one of {}", names.join(", "))
    } else {
        format!("\"{cell}\" is not one of {}", names.join(", "))
    };
    errors.push(row.error(column, message));
    None
}

/// The first line of an indicator, and the line of each of its thresholds.
type IndicatorLines = (u64, Vec<u64>);

/// The first line of each criterion, and those of its indicators, in tree order: to name
/// the line of a [`validate_tree`] error.
#[derive(Default)]
struct Lines(Vec<(u64, Vec<IndicatorLines>)>);

impl Lines {
    /// The line and column of a field path such as
    /// `criteria[3].indicators[0].thresholds[1].value`; line 1 when it names no row.
    fn locate(&self, field: &str) -> (u64, Option<usize>) {
        let mut parts = field.split('.');
        let Some((criterion_line, indicators)) = parts
            .next()
            .and_then(|p| index(p, "criteria"))
            .and_then(|i| self.0.get(i))
        else {
            return (1, None);
        };
        let Some(part) = parts.next() else {
            return (*criterion_line, None);
        };
        let Some(j) = index(part, "indicators") else {
            let column = match part {
                "number" => Some(CRITERION_NUMBER),
                "code" => Some(CRITERION_CODE),
                "name" => Some(CRITERION_NAME),
                "group" => Some(CRITERION_GROUP),
                "source_note" => Some(CRITERION_NOTE),
                _ => None,
            };
            return (*criterion_line, column);
        };
        let Some((indicator_line, thresholds)) = indicators.get(j) else {
            return (*criterion_line, None);
        };
        let Some(part) = parts.next() else {
            return (*indicator_line, None);
        };
        let Some(k) = index(part, "thresholds") else {
            let column = match part {
                "code" => Some(INDICATOR_CODE),
                "name" => Some(INDICATOR_NAME),
                "kind" => Some(INDICATOR_KIND),
                "unit" => Some(INDICATOR_UNIT),
                "placeholder" => Some(PLACEHOLDER),
                "source_note" => Some(INDICATOR_NOTE),
                _ => None,
            };
            return (*indicator_line, column);
        };
        let Some(threshold_line) = thresholds.get(k) else {
            return (*indicator_line, None);
        };
        let column = match parts.next() {
            Some("region") => Some(REGION),
            Some("commune_group") => Some(COMMUNE_GROUP),
            Some("year") => Some(YEAR),
            Some("value") => Some(VALUE),
            _ => None,
        };
        (*threshold_line, column)
    }
}

/// `i` of a path part `name[i]`.
fn index(part: &str, name: &str) -> Option<usize> {
    part.strip_prefix(name)?
        .strip_prefix('[')?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(
        region: Option<Region>,
        commune_group: Option<i16>,
        year: Option<i32>,
        value: f64,
    ) -> Threshold {
        Threshold {
            region,
            commune_group,
            year,
            value,
        }
    }

    fn indicator(code: &str, kind: IndicatorKind, thresholds: Vec<Threshold>) -> Indicator {
        Indicator {
            code: code.into(),
            name: format!("Chỉ tiêu {code}"),
            unit: None,
            kind,
            thresholds,
            source_note: None,
            placeholder: false,
        }
    }

    fn sample_tree() -> Vec<Criterion> {
        use Region::*;
        let mut planning = indicator("1.1", IndicatorKind::Boolean, vec![]);
        planning.source_note = Some("-bắt đầu bằng dấu trừ".into());
        let mut placeholder = indicator("1.2", IndicatorKind::Boolean, vec![]);
        placeholder.placeholder = true;
        placeholder.name = "'=chưa rõ, chờ hướng dẫn".into();
        let mut income = indicator(
            "10",
            IndicatorKind::Min,
            vec![
                threshold(None, None, None, 45.0),
                threshold(Some(RedRiverDelta), None, Some(2022), 64.5),
                threshold(Some(MekongDelta), None, Some(2023), 55.0),
                threshold(None, Some(1), Some(2026), 70.25),
                threshold(None, Some(2), None, 0.1),
            ],
        );
        income.unit = Some("triệu đồng/người/năm".into());
        income.name = "Thu nhập bình quân đầu người".into();
        let mut poverty = indicator(
            "11",
            IndicatorKind::Max,
            vec![
                threshold(None, None, None, 3.0),
                threshold(Some(Southeast), None, Some(2024), -0.5),
            ],
        );
        poverty.unit = Some("+%".into());
        let mut multi = indicator("11.2", IndicatorKind::Max, vec![]);
        multi.source_note = Some("@ghi chú\ttab\r\nvà \"ngoặc\"; dấu, phẩy".into());
        vec![
            Criterion {
                number: 1,
                code: "1".into(),
                name: "=Quy hoạch".into(),
                group: CriterionGroup::Planning,
                source_note: Some(
                    "Ghi chú, có dấu phẩy; \"ngoặc kép\"\nvà xuống dòng — Điều 2".into(),
                ),
                indicators: vec![planning, placeholder],
            },
            Criterion {
                number: 10,
                code: "10".into(),
                name: "Thu nhập".into(),
                group: CriterionGroup::Economy,
                source_note: None,
                indicators: vec![income],
            },
            Criterion {
                number: 11,
                code: "11".into(),
                name: "Hộ nghèo đa chiều".into(),
                group: CriterionGroup::CultureSocietyEnvironment,
                source_note: Some("\tbắt đầu bằng tab".into()),
                indicators: vec![poverty, multi],
            },
        ]
    }

    fn lines_and_columns(errors: &[LineError]) -> Vec<(u64, Option<&str>)> {
        errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect()
    }

    #[test]
    fn a_tree_round_trips() {
        let tree = sample_tree();
        let bytes = to_csv(&tree);
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes).expect("UTF-8");
        assert!(text.contains("'=Quy hoạch"), "{text}");
        assert!(text.contains("\"'=Quy hoạch\"") || text.contains(",'=Quy hoạch,"));
        assert_eq!(from_csv(&bytes), Ok(tree));
        assert_eq!(from_csv(&to_csv(&[])), Ok(vec![]));
    }

    #[test]
    fn protection_is_undone_exactly() {
        for text in [
            "=1+1", "'=1", "''+x", "-5", "'plain", "''", "plain", "@a", "\tx",
        ] {
            assert_eq!(unprotect(&protect(text)), text, "{text:?}");
        }
        assert_eq!(protect("=1+1"), "'=1+1");
        assert_eq!(protect("Kỳ Lạc"), "Kỳ Lạc");
    }

    #[test]
    fn a_criterion_without_indicators_keeps_its_row() {
        let mut tree = sample_tree();
        tree[1].indicators.clear();
        let errors = from_csv(&to_csv(&tree)).expect_err("validate_tree refuses it");
        assert_eq!(
            errors,
            [LineError {
                line: 6, // Each row of criterion 1 has two lines: its note has a newline.
                column: None,
                message: "a criterion needs at least one indicator".into()
            }]
        );
    }

    #[test]
    fn the_shipped_criteria_round_trip() {
        let files = [
            include_str!("../../../data/criteria/qd-1980-2016.json"),
            include_str!("../../../data/criteria/qd-318-2022.json"),
            include_str!("../../../data/criteria/qd-211-2024.json"),
            include_str!("../../../data/criteria/qd-51-2025.json"),
        ];
        let mut trees = 0;
        for text in files {
            let file: serde_json::Value = serde_json::from_str(text).expect("shipped JSON");
            let versions = file["versions"].as_array().expect("versions");
            for version in versions {
                let tree: Vec<Criterion> = match version.get("criteria") {
                    Some(criteria) => serde_json::from_value(criteria.clone()).expect("a tree"),
                    None => Vec::new(),
                };
                let label = &version["label"];
                assert_eq!(from_csv(&to_csv(&tree)), Ok(tree), "version {label}");
                trees += 1;
            }
        }
        assert!(trees >= 4);
    }

    /// A file with a header in another order; line 2-3 is one row (a note on two lines).
    fn file_with(bad: &[&str]) -> String {
        let mut text = String::from(
            "criterion_code,criterion_number,criterion_name,criterion_group,indicator_code,\
             indicator_name,indicator_kind,region,year,value,criterion_note\n\
             1,1,Quy hoạch,planning,1.1,Có quy hoạch,boolean,,,,\"hai\ndòng\"\n\
             10,10,Thu nhập,economy,10,Thu nhập,min,,,45,\n\
             10,10,Thu nhập,economy,10,Thu nhập,min,red_river_delta,2022,60,\n\
             ,,,,,,,,,,\n\
             10,10,Thu nhập,economy,10,Thu nhập,min,mekong_delta,2022,50,\n",
        );
        for line in bad {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("11,11,Hộ nghèo,culture_society_environment,11,Tỷ lệ,max,,,3,\n");
        text
    }

    #[test]
    fn good_files_parse() {
        let tree = from_csv(file_with(&[]).as_bytes()).expect("a good file");
        assert_eq!(tree.len(), 3);
        assert_eq!(tree[0].source_note.as_deref(), Some("hai\ndòng"));
        assert_eq!(tree[1].indicators[0].thresholds.len(), 3);
        assert_eq!(
            tree[1].indicators[0].thresholds[1],
            threshold(Some(Region::RedRiverDelta), None, Some(2022), 60.0)
        );
    }

    #[test]
    fn bad_rows_are_named_by_line_and_column() {
        let text = file_with(&["10,10,Thu nhập,economy,10,Thu nhập,min,mars,2024,61,"]);
        let errors = from_csv(text.as_bytes()).expect_err("a bad region");
        assert_eq!(lines_and_columns(&errors), [(8, Some("region"))]);
        assert!(errors[0].message.contains("red_river_delta"), "{errors:?}");

        let text = file_with(&[
            "10,10,Thu nhập,economy,10,Thu nhập,min,mars,2024,61,",
            "10,10,Thu nhập,economy,10,Thu nhập,min,,2025,abc,",
            "10,10,Thu nhập,economy,10,Thu nhập,min,,2026,,",
            "10,10,Thu nhập,economy,10,Thu nhập,mín,,2027,1,",
        ]);
        let errors = from_csv(text.as_bytes()).expect_err("bad rows");
        assert_eq!(
            lines_and_columns(&errors),
            [
                (8, Some("region")),
                (9, Some("value")),
                (10, Some("value")),
                (11, Some("indicator_kind")),
            ]
        );
    }

    #[test]
    fn line_seven_is_line_seven() {
        // Line 2-3 is one row; the bad row is the 6th record and the 7th line.
        let text = "criterion_number,criterion_code,criterion_name,criterion_group,\
                    indicator_code,indicator_name,indicator_kind,value\n\
                    1,1,Quy hoạch,planning,1.1,\"Có\nquy hoạch\",boolean,\n\
                    10,10,Thu nhập,economy,10,Thu nhập,min,45\n\
                    11,11,Hộ nghèo,culture_society_environment,11,Tỷ lệ,max,3\n\
                    12,12,Lao động,economy,12,Tỷ lệ,min,40\n\
                    13,13,Sản xuất,economy,13,Hợp tác xã,min,năm mươi\n\
                    14,14,Giáo dục,culture_society_environment,14,Phổ cập,boolean,1\n";
        let errors = from_csv(text.as_bytes()).expect_err("two bad rows");
        assert_eq!(
            lines_and_columns(&errors),
            [(7, Some("value")), (8, Some("value"))]
        );
        // The same with Windows line ends, and after blank lines.
        let errors = from_csv(text.replace('\n', "\r\n").as_bytes()).expect_err("CRLF");
        assert_eq!(
            lines_and_columns(&errors),
            [(7, Some("value")), (8, Some("value"))]
        );
        let blank = text.replacen("10,10", "\n\r\n10,10", 1);
        let errors = from_csv(blank.as_bytes()).expect_err("blank lines");
        assert_eq!(
            lines_and_columns(&errors),
            [(9, Some("value")), (10, Some("value"))]
        );
    }

    #[test]
    fn tree_errors_are_named_at_their_rows() {
        let text = file_with(&[
            "12,12,Lao động,economy,10,Trùng mã,min,,,40,",
            "13,70,Thừa,economy,13,Thừa,min,,,1,",
        ]);
        let errors = from_csv(text.as_bytes()).expect_err("a duplicate");
        assert_eq!(
            lines_and_columns(&errors),
            [(8, Some("indicator_code")), (9, Some("criterion_number"))]
        );
        let text = "criterion_number,criterion_code,criterion_name,criterion_group,\
                    indicator_code,indicator_name,indicator_kind,commune_group,year,value\n\
                    10,10,Thu nhập,economy,10,Thu nhập,min,1,,70\n\
                    10,10,Thu nhập,economy,10,Thu nhập,min,4,2026,75\n\
                    10,10,Thu nhập,economy,10,Thu nhập,min,1,,71\n";
        let errors = from_csv(text.as_bytes()).expect_err("commune group 4, a duplicate");
        assert_eq!(
            lines_and_columns(&errors),
            [(3, Some("commune_group")), (4, None)]
        );
    }

    #[test]
    fn semicolons_and_decimal_commas() {
        let rows = "criterion_number;criterion_code;criterion_name;criterion_group;\
                    indicator_code;indicator_name;indicator_kind;indicator_unit;value\r\n\
                    10;10;Thu nhập, bình quân;economy;10;Thu nhập;min;triệu đồng;45,5\r\n\
                    11;11;Hộ nghèo;culture_society_environment;11;Tỷ lệ;max;%;1.5\r\n";
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(rows.as_bytes());
        for bytes in [rows.as_bytes(), &with_bom[..]] {
            let tree = from_csv(bytes).expect("a ; file");
            assert_eq!(tree[0].name, "Thu nhập, bình quân");
            assert_eq!(tree[0].indicators[0].thresholds[0].value, 45.5);
            assert_eq!(tree[1].indicators[0].thresholds[0].value, 1.5);
        }
        // With commas between cells, a decimal comma is a mistake.
        let text = "criterion_number,criterion_code,criterion_name,criterion_group,\
                    indicator_code,indicator_name,indicator_kind,value\n\
                    10,10,Thu nhập,economy,10,Thu nhập,min,\"45,5\"\n";
        let errors = from_csv(text.as_bytes()).expect_err("45,5");
        assert_eq!(lines_and_columns(&errors), [(2, Some("value"))]);
        // BOM or not, a file of ours reads back.
        let bytes = to_csv(&sample_tree());
        assert_eq!(from_csv(&bytes[BOM.len()..]), Ok(sample_tree()));
    }

    #[test]
    fn rows_of_a_criterion_stay_together_and_agree() {
        let text = file_with(&[
            "1,1,Quy hoạch,planning,1.2,Khác,boolean,,,,",
            "1,1,Quy hoạch,planning,1.3,Khác,boolean,,,,",
        ]);
        let errors = from_csv(text.as_bytes()).expect_err("criterion 1 again");
        assert_eq!(lines_and_columns(&errors), [(8, Some("criterion_code"))]);
        assert!(
            errors[0]
                .message
                .starts_with("criterion 1 appears again on line 8"),
            "{errors:?}"
        );

        let text = file_with(&["10,10,Thu nhập mới,economy,10,Thu nhập,max,,2030,70,"]);
        let errors = from_csv(text.as_bytes()).expect_err("another name");
        assert_eq!(
            lines_and_columns(&errors),
            [(8, Some("criterion_name")), (8, Some("indicator_kind"))]
        );
        assert!(errors[0].message.contains("line 4"), "{errors:?}");

        let text = file_with(&[
            "10,10,Thu nhập,economy,10.1,Khác,min,,,1,",
            "10,10,Thu nhập,economy,10,Thu nhập,min,,2030,70,",
        ]);
        let errors = from_csv(text.as_bytes()).expect_err("indicator 10 again");
        assert_eq!(lines_and_columns(&errors), [(9, Some("indicator_code"))]);
    }

    #[test]
    fn header_problems() {
        let errors = from_csv(b"criterion_code,colour\n1,red\n").expect_err("a bad header");
        let columns: Vec<_> = errors.iter().map(|e| e.column.as_deref()).collect();
        assert_eq!(
            columns,
            [
                Some("colour"),
                Some("criterion_number"),
                Some("criterion_name"),
                Some("criterion_group"),
                Some("indicator_code"),
                Some("indicator_name"),
                Some("indicator_kind"),
            ]
        );
        assert!(errors.iter().all(|e| e.line == 1));
        assert_eq!(from_csv(b"").map_err(|e| e[0].line), Err(1));
        assert!(from_csv(b"\xff\xfe").is_err());
    }

    #[test]
    fn cells_of_values() {
        let head = "criterion_number,criterion_code,criterion_name,criterion_group,\
                    indicator_code,indicator_name,indicator_kind,placeholder,value\n";
        let tree =
            from_csv(format!("{head}1,1,Quy hoạch,Planning,1.1,Chưa rõ,Boolean,X,\n").as_bytes())
                .expect("case does not matter");
        assert!(tree[0].indicators[0].placeholder);
        let errors = from_csv(
            format!(
                "{head}1,1,Quy hoạch,planning,1.1,Có,boolean,maybe,1\n\
                 2,2,Giao thông,infrastructure,,,,,5\n"
            )
            .as_bytes(),
        )
        .expect_err("bad cells");
        assert_eq!(
            lines_and_columns(&errors),
            [
                (2, Some("placeholder")),
                (2, Some("value")),
                (3, Some("indicator_code")),
                // Criterion 2 has no indicator: `validate_tree` says so too.
                (3, None),
            ]
        );
    }
}
