//! Progress reports: counts by level, registrations, mean criteria met and per-criterion
//! met rates, computed with aggregate queries in the database (never by loading every row).
//!
//! Definitions (also in the README):
//! - the report's day is 31 December of `year`, or today for the current year;
//! - `units`: communes valid on that day inside the scope;
//! - `by_level`: each of those communes at its highest recognition decided by that day and
//!   not revoked by then; `none` for the others;
//! - `registered`: registrations whose target year is `year`, by level;
//! - `mean_criteria_met` and `criteria`: over the latest non-draft assessment of each unit
//!   in the scope assessed in `year` or before;
//! - a criterion that cannot be judged yet in an assessment (a threshold or a value is
//!   missing, no officer decided) is `unknown` there: it counts neither as met nor as not
//!   met. `met_rate` is over the assessments where the criterion is known, `unknown` says in
//!   how many it was not, and `mean_criteria_unknown` how many criteria were undetermined;
//! - `hardest`: the three criteria with the lowest met rate among those known somewhere.
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryResult, Statement, Value};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::assessment::Status;
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::Level;
use crate::error::Result;
use crate::services::criteria::tree_of;
use crate::services::sponsorships::ActivityKind;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportScope {
    pub province: Option<String>,
    pub district: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionRate {
    pub code: String,
    pub name: String,
    /// Share of the latest assessments meeting this criterion among those where it is
    /// known (met or not met), 0 to 1; 0 when it is unknown in all of them.
    pub met_rate: f64,
    /// How many of those assessments include the criterion.
    pub assessed: i64,
    /// How many of them cannot judge it yet (a threshold or a value is missing): they are
    /// left out of `met_rate`.
    pub unknown: i64,
}

/// `GET /reports/progress`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressReport {
    pub scope: ReportScope,
    pub year: i32,
    /// Communes valid on the report's day in the scope.
    pub units: i64,
    /// Communes by current level: none, commune, commune_advanced, commune_model.
    pub by_level: BTreeMap<String, i64>,
    /// Registrations for `year`, by level.
    pub registered: BTreeMap<String, i64>,
    /// Units with at least one non-draft assessment up to `year`.
    pub assessed_units: i64,
    /// Mean number of criteria met in each unit's latest assessment (null without any).
    pub mean_criteria_met: Option<f64>,
    /// Mean number of criteria that cannot be judged yet in those assessments (null without
    /// any): how much of the picture is missing.
    pub mean_criteria_unknown: Option<f64>,
    pub criteria: Vec<CriterionRate>,
    /// The three criteria with the lowest met rate.
    pub hardest: Vec<String>,
    /// Sponsorships (đỡ đầu) in force during `year` and the funding they recorded in it.
    pub sponsorship: SponsorshipFigures,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SponsorshipFigures {
    /// Sponsorships whose period overlaps the year.
    pub active: i64,
    /// Funding activities in the year, integer VND.
    pub funding_vnd: i64,
}

/// Turns `$1, $2…` into the backend's placeholders. PostgreSQL takes them as they are;
/// SQLite numbers `$NAME` parameters in order of first appearance, which matches as long as
/// they first appear in ascending order (checked here).
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    debug_assert!(
        (1..=values.len())
            .all(|i| sql.find(&format!("${i}"))
                < sql.find(&format!("${}", i + 1)).or(Some(usize::MAX))),
        "placeholders must first appear in ascending order"
    );
    Statement::from_sql_and_values(backend, sql, values)
}

struct Filter {
    sql: String,
    values: Vec<Value>,
}

/// `AND province_code = $n AND district_code = $m` for a table alias, numbering after
/// `first` placeholders.
fn scope_filter(alias: &str, scope: &ReportScope, first: usize) -> Filter {
    let mut sql = String::new();
    let mut values = Vec::new();
    if let Some(p) = &scope.province {
        values.push(Value::from(p.clone()));
        sql.push_str(&format!(
            " AND {alias}province_code = ${}",
            first + values.len()
        ));
    }
    if let Some(d) = &scope.district {
        values.push(Value::from(d.clone()));
        sql.push_str(&format!(
            " AND {alias}district_code = ${}",
            first + values.len()
        ));
    }
    Filter { sql, values }
}

fn get_i64(row: &QueryResult, col: &str) -> i64 {
    row.try_get::<i64>("", col)
        .or_else(|_| row.try_get::<i32>("", col).map(i64::from))
        .unwrap_or(0)
}

/// The day a yearly report describes.
pub fn report_day(year: i32) -> NaiveDate {
    let today = Utc::now().date_naive();
    if year >= today.year() {
        today
    } else {
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today)
    }
}

pub async fn progress<C: ConnectionTrait>(
    db: &C,
    scope: &ReportScope,
    year: i32,
) -> Result<ProgressReport> {
    let backend = db.get_database_backend();
    let day = report_day(year);

    // Communes valid on the day.
    let f = scope_filter("", scope, 2);
    let mut values = vec![Value::from(Level::Commune), Value::from(day)];
    values.extend(f.values);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM units WHERE level = $1 \
         AND (valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to >= $2){}",
        f.sql
    );
    let units = db
        .query_one_raw(statement(backend, &sql, values))
        .await?
        .map(|r| get_i64(&r, "n"))
        .unwrap_or(0);

    // Highest standing recognition of each commune on the day, counted by level.
    let f = scope_filter("", scope, 4);
    let mut values = vec![
        Value::from(CriteriaLevel::CommuneModel),
        Value::from(CriteriaLevel::CommuneAdvanced),
        Value::from(Level::Commune),
        Value::from(day),
    ];
    values.extend(f.values);
    let sql = format!(
        "SELECT rank, COUNT(*) AS n FROM ( \
           SELECT unit_code, MAX(CASE level WHEN $1 THEN 3 WHEN $2 THEN 2 ELSE 1 END) AS rank \
           FROM recognitions WHERE unit_level = $3 AND decided_on <= $4 \
             AND (revoked = FALSE OR revoked_on IS NULL OR revoked_on > $4){} \
           GROUP BY unit_code) ranked GROUP BY rank",
        f.sql
    );
    let mut by_level: BTreeMap<String, i64> = [
        "none",
        CriteriaLevel::Commune.as_str(),
        CriteriaLevel::CommuneAdvanced.as_str(),
        CriteriaLevel::CommuneModel.as_str(),
    ]
    .iter()
    .map(|l| (l.to_string(), 0))
    .collect();
    let mut recognized = 0;
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let n = get_i64(&row, "n");
        let level = match get_i64(&row, "rank") {
            3 => CriteriaLevel::CommuneModel,
            2 => CriteriaLevel::CommuneAdvanced,
            _ => CriteriaLevel::Commune,
        };
        recognized += n;
        *by_level.entry(level.as_str().to_string()).or_default() += n;
    }
    by_level.insert("none".into(), (units - recognized).max(0));

    // Registrations for the year.
    let f = scope_filter("", scope, 1);
    let mut values = vec![Value::from(year)];
    values.extend(f.values);
    let sql = format!(
        "SELECT level, COUNT(*) AS n FROM registrations WHERE target_year = $1{} GROUP BY level",
        f.sql
    );
    let mut registered = BTreeMap::new();
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        registered.insert(
            row.try_get::<String>("", "level").unwrap_or_default(),
            get_i64(&row, "n"),
        );
    }

    // One pass over the latest non-draft assessment of each unit up to the year: per
    // criteria version, how many, the criteria met in total, and for each criterion number
    // how many met it (bit n-1 of met_mask).
    let f = scope_filter("a.", scope, 2);
    let bits: String = (0..62)
        .map(|b| {
            format!(
                ", SUM(CASE WHEN (met_mask & {m}) <> 0 THEN 1 ELSE 0 END) AS b{b}, \
                 SUM(CASE WHEN (unknown_mask & {m}) <> 0 THEN 1 ELSE 0 END) AS u{b}",
                m = 1i64 << b
            )
        })
        .collect();
    let sql = format!(
        "SELECT criteria_version_id AS v, COUNT(*) AS n, SUM(met_count) AS met, \
                SUM(COALESCE(unknown_count, 0)) AS unknown{bits} FROM ( \
           SELECT a.criteria_version_id, a.met_count, a.met_mask, a.unknown_count, a.unknown_mask, \
                  ROW_NUMBER() OVER (PARTITION BY a.unit_code, a.unit_level ORDER BY a.assessed_on DESC, a.id DESC) AS rn \
           FROM assessments a WHERE a.year <= $1 AND a.status <> $2{}) latest \
         WHERE rn = 1 GROUP BY criteria_version_id",
        f.sql
    );
    let mut values = vec![Value::from(year), Value::from(Status::Draft)];
    values.extend(f.values);
    let (mut assessed_units, mut met_total, mut unknown_total) = (0i64, 0i64, 0i64);
    // Per criterion code: (assessments, met, unknown).
    let mut per_code: HashMap<String, (i64, i64, i64)> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let n = get_i64(&row, "n");
        assessed_units += n;
        met_total += get_i64(&row, "met");
        unknown_total += get_i64(&row, "unknown");
        let Some(version) = entity::criteria_version::Entity::find_by_id(get_i64(&row, "v") as i32)
            .one(db)
            .await?
        else {
            continue;
        };
        for c in tree_of(&version)? {
            if !(1..=62).contains(&c.number) {
                continue;
            }
            let met = get_i64(&row, &format!("b{}", c.number - 1));
            let unknown = get_i64(&row, &format!("u{}", c.number - 1));
            let entry = per_code.entry(c.code.clone()).or_default();
            entry.0 += n;
            entry.1 += met;
            entry.2 += unknown;
            names.entry(c.code).or_insert(c.name);
        }
    }
    let mean = |total: i64| (assessed_units > 0).then(|| total as f64 / assessed_units as f64);
    let (mean_criteria_met, mean_criteria_unknown) = (mean(met_total), mean(unknown_total));
    let mut rates: Vec<(String, i64, i64, f64)> = per_code
        .into_iter()
        .map(|(code, (n, met, unknown))| {
            let known = n - unknown;
            let rate = if known > 0 {
                met as f64 / known as f64
            } else {
                0.0
            };
            (code, n, unknown, rate)
        })
        .collect();
    rates.sort_by_key(|r| numeric_code(&r.0));
    let criteria: Vec<CriterionRate> = rates
        .iter()
        .map(|(code, n, unknown, rate)| CriterionRate {
            code: code.clone(),
            name: names.get(code).cloned().unwrap_or_default(),
            met_rate: (rate * 10_000.0).round() / 10_000.0,
            assessed: *n,
            unknown: *unknown,
        })
        .collect();
    let mut hardest: Vec<&CriterionRate> =
        criteria.iter().filter(|c| c.assessed > c.unknown).collect();
    hardest.sort_by(|a, b| {
        a.met_rate
            .total_cmp(&b.met_rate)
            .then_with(|| numeric_code(&a.code).cmp(&numeric_code(&b.code)))
    });
    // Sponsorships in force during the year and the funding recorded in it.
    let (first, last) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(day),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(day),
    );
    let f = scope_filter("s.", scope, 2);
    let mut values = vec![Value::from(last), Value::from(first)];
    values.extend(f.values);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM sponsorships s WHERE s.starts_on <= $1 AND s.ends_on >= $2{}",
        f.sql
    );
    let active = db
        .query_one_raw(statement(backend, &sql, values))
        .await?
        .map(|r| get_i64(&r, "n"))
        .unwrap_or(0);
    let f = scope_filter("s.", scope, 3);
    let mut values = vec![
        Value::from(first),
        Value::from(last),
        Value::from(ActivityKind::Funding),
    ];
    values.extend(f.values);
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(x.amount_vnd), 0) AS BIGINT) AS total FROM sponsorship_activities x \
         JOIN sponsorships s ON s.id = x.sponsorship_id \
         WHERE x.happened_on >= $1 AND x.happened_on <= $2 AND x.kind = $3{}",
        f.sql
    );
    let funding_vnd = db
        .query_one_raw(statement(backend, &sql, values))
        .await?
        .map(|r| get_i64(&r, "total"))
        .unwrap_or(0);
    Ok(ProgressReport {
        sponsorship: SponsorshipFigures {
            active,
            funding_vnd,
        },
        scope: scope.clone(),
        year,
        units,
        by_level,
        registered,
        assessed_units,
        mean_criteria_met: mean_criteria_met.map(|m| (m * 100.0).round() / 100.0),
        mean_criteria_unknown: mean_criteria_unknown.map(|m| (m * 100.0).round() / 100.0),
        hardest: hardest.iter().take(3).map(|c| c.code.clone()).collect(),
        criteria,
    })
}

/// Sorts "2" before "10" and "15.1" after "15".
fn numeric_code(code: &str) -> (Vec<u32>, String) {
    (
        code.split('.')
            .map(|p| p.parse().unwrap_or(u32::MAX))
            .collect(),
        code.to_string(),
    )
}

/// A CSV cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is read as a formula by Excel and LibreOffice (a criterion named
/// `=HYPERLINK(…)` would become a live link in an officer's report), so it gets a leading
/// apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection).
pub(crate) fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The report as CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then reads
/// Vietnamese correctly), one row per figure: `section,key,name,value`.
pub fn to_csv(reports: &[ProgressReport]) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| crate::error::ApiError::Internal(e.into());
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record(["year", "section", "key", "name", "value"])
        .map_err(failed)?;
    for r in reports {
        let year = r.year.to_string();
        let mut put = |section: &str, key: &str, name: &str, value: String| {
            let cells = [year.as_str(), section, key, name, value.as_str()];
            w.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()))
                .map_err(failed)
        };
        put(
            "scope",
            "province",
            "",
            r.scope.province.clone().unwrap_or_default(),
        )?;
        put(
            "scope",
            "district",
            "",
            r.scope.district.clone().unwrap_or_default(),
        )?;
        put("units", "", "", r.units.to_string())?;
        for (level, n) in &r.by_level {
            put("by_level", level, "", n.to_string())?;
        }
        for (level, n) in &r.registered {
            put("registered", level, "", n.to_string())?;
        }
        put("assessed_units", "", "", r.assessed_units.to_string())?;
        put(
            "mean_criteria_met",
            "",
            "",
            r.mean_criteria_met
                .map(|m| m.to_string())
                .unwrap_or_default(),
        )?;
        put(
            "mean_criteria_unknown",
            "",
            "",
            r.mean_criteria_unknown
                .map(|m| m.to_string())
                .unwrap_or_default(),
        )?;
        for c in &r.criteria {
            put("criteria", &c.code, &c.name, c.met_rate.to_string())?;
        }
        for c in &r.criteria {
            put("criteria_unknown", &c.code, &c.name, c.unknown.to_string())?;
        }
        put("hardest", "", "", r.hardest.join(" "))?;
        put(
            "sponsorship",
            "active",
            "",
            r.sponsorship.active.to_string(),
        )?;
        put(
            "sponsorship",
            "funding_vnd",
            "",
            r.sponsorship.funding_vnd.to_string(),
        )?;
    }
    w.into_inner().map_err(|e| {
        crate::error::ApiError::Internal(anyhow::anyhow!("writing the CSV failed: {e}"))
    })
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_in_every_cell() {
        let report = ProgressReport {
            scope: ReportScope {
                province: Some("=1+1".into()),
                district: None,
            },
            year: 2024,
            units: 3,
            by_level: BTreeMap::new(),
            registered: BTreeMap::new(),
            assessed_units: 1,
            mean_criteria_met: None,
            mean_criteria_unknown: None,
            criteria: vec![CriterionRate {
                code: "@SUM(A1)".into(),
                name: "=HYPERLINK(\"http://evil\",\"x\")".into(),
                met_rate: 0.5,
                assessed: 1,
                unknown: 0,
            }],
            hardest: vec!["-2".into(), "+3".into()],
            sponsorship: SponsorshipFigures::default(),
        };
        let text = String::from_utf8(to_csv(&[report]).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "a formula reached the CSV: {cell:?}"
                );
            }
        }
        assert!(text.contains("'=HYPERLINK"));
        assert_eq!(spreadsheet_safe("Kỳ Lạc"), "Kỳ Lạc");
    }
}
