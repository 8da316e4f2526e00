//! Criteria (bộ tiêu chí): the tree of a criteria version, its validation, threshold
//! resolution and the diff between two versions. Pure functions, no HTTP, no database.
use crate::error::ErrorCode;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::units::Region;
use crate::error::{check_text, FieldError};

/// Level a criteria set applies to: defined with the `criteria_sets.level` column.
pub use entity::enums::CriteriaLevel;

/// Group of a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CriterionGroup {
    /// Quy hoạch.
    Planning,
    /// Hạ tầng kinh tế - xã hội.
    Infrastructure,
    /// Kinh tế và tổ chức sản xuất.
    Economy,
    /// Văn hóa - xã hội - môi trường.
    CultureSocietyEnvironment,
    /// Hệ thống chính trị.
    PoliticalSystem,
}

/// How an indicator's value is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// "Đạt" / "Không đạt".
    Boolean,
    /// Met when the value is at least the threshold (≥).
    Min,
    /// Met when the value is at most the threshold (≤), e.g. a poverty rate.
    Max,
}

/// A threshold value, for a region and/or commune group and/or a year (all null: the
/// default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    #[serde(default)]
    pub region: Option<Region>,
    /// QĐ 51/2025 commune group: 1, 2 or 3.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3)]
    pub commune_group: Option<i16>,
    /// Applies from this year until the next year given (null: every year).
    #[serde(default)]
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    pub value: f64,
}

/// Chỉ tiêu — an indicator of a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Unique within the version, e.g. "10", "15.1", "17.10".
    #[schema(pattern = r"^[A-Za-z0-9.]{1,16}$")]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub name: String,
    #[serde(default)]
    pub unit: Option<String>,
    pub kind: IndicatorKind,
    /// Only for `min` and `max` indicators.
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
    /// Where the values come from, or what is not yet known.
    #[serde(default)]
    pub source_note: Option<String>,
    /// Stands for a criterion whose indicator list is not known yet: one yes/no for the
    /// whole criterion. A version with placeholders is incomplete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

/// Tiêu chí — a criterion of a criteria version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    #[schema(minimum = 1, maximum = 62)]
    pub number: i32,
    #[schema(pattern = r"^[A-Za-z0-9.]{1,16}$")]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub name: String,
    pub group: CriterionGroup,
    #[serde(default)]
    pub source_note: Option<String>,
    #[schema(min_items = 1)]
    pub indicators: Vec<Indicator>,
}

/// Checks a version's tree; each problem names its path, e.g.
/// `criteria[3].indicators[0].thresholds[1].value`.
pub fn validate_tree(criteria: &[Criterion], errors: &mut Vec<FieldError>) {
    let mut numbers = HashSet::new();
    let mut criterion_codes = HashSet::new();
    let mut indicator_codes = HashSet::new();
    for (i, criterion) in criteria.iter().enumerate() {
        let at = format!("criteria[{i}]");
        if !numbers.insert(criterion.number) {
            errors.push(FieldError::new(
                ErrorCode::Duplicate,
                format!("{at}.number"),
                format!("criterion number {} is used twice", criterion.number),
            ));
        }
        if !(1..=62).contains(&criterion.number) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                format!("{at}.number"),
                "must be between 1 and 62",
            ));
        }
        check_code(&criterion.code, &format!("{at}.code"), errors);
        if !criterion_codes.insert(criterion.code.as_str()) {
            errors.push(FieldError::new(
                ErrorCode::Duplicate,
                format!("{at}.code"),
                format!("criterion code {} is used twice", criterion.code),
            ));
        }
        check_text(&criterion.name, &format!("{at}.name"), 500, errors);
        if criterion.indicators.is_empty() {
            errors.push(FieldError::new(
                ErrorCode::Required,
                format!("{at}.indicators"),
                "a criterion needs at least one indicator",
            ));
        }
        for (j, indicator) in criterion.indicators.iter().enumerate() {
            let at = format!("{at}.indicators[{j}]");
            check_code(&indicator.code, &format!("{at}.code"), errors);
            if !indicator_codes.insert(indicator.code.as_str()) {
                errors.push(FieldError::new(
                    ErrorCode::Duplicate,
                    format!("{at}.code"),
                    format!(
                        "indicator code {} is used twice in this version",
                        indicator.code
                    ),
                ));
            }
            check_text(&indicator.name, &format!("{at}.name"), 500, errors);
            if indicator.kind == IndicatorKind::Boolean && !indicator.thresholds.is_empty() {
                errors.push(FieldError::new(
                    ErrorCode::NotAllowed,
                    format!("{at}.thresholds"),
                    "a boolean indicator has no thresholds",
                ));
            }
            let mut keys = HashSet::new();
            for (k, t) in indicator.thresholds.iter().enumerate() {
                let at = format!("{at}.thresholds[{k}]");
                if !t.value.is_finite() {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidFormat,
                        format!("{at}.value"),
                        "must be a finite number",
                    ));
                }
                if let Some(g) = t.commune_group {
                    if !(1..=3).contains(&g) {
                        errors.push(FieldError::new(
                            ErrorCode::OutOfRange,
                            format!("{at}.commune_group"),
                            "must be 1, 2 or 3",
                        ));
                    }
                }
                if let Some(y) = t.year {
                    if !(1990..=2100).contains(&y) {
                        errors.push(FieldError::new(
                            ErrorCode::OutOfRange,
                            format!("{at}.year"),
                            "must be between 1990 and 2100",
                        ));
                    }
                }
                if !keys.insert((t.region, t.commune_group, t.year)) {
                    errors.push(FieldError::new(
                        ErrorCode::Duplicate,
                        at.clone(),
                        "another threshold has the same region, commune group and year",
                    ));
                }
            }
        }
    }
}

fn check_code(code: &str, field: &str, errors: &mut Vec<FieldError>) {
    let ok = (1..=16).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if !ok {
        errors.push(FieldError::new(
            ErrorCode::InvalidFormat,
            field,
            "1 to 16 letters, digits or dots, e.g. \"15.1\"",
        ));
    }
}

/// The threshold that applies to a unit in a year: the most specific match wins —
/// place (region or commune group) and year, then place, then year, then the default. A
/// threshold's year applies from that year until the next year given for the same place.
pub fn resolve_threshold(
    thresholds: &[Threshold],
    region: Option<Region>,
    commune_group: Option<i16>,
    year: i32,
) -> Option<&Threshold> {
    thresholds
        .iter()
        .filter(|t| t.region.is_none() || t.region == region)
        .filter(|t| t.commune_group.is_none() || t.commune_group == commune_group)
        .filter(|t| t.year.is_none_or(|y| y <= year))
        .max_by_key(|t| {
            let place = t.region.is_some() || t.commune_group.is_some();
            let both = t.region.is_some() && t.commune_group.is_some();
            (place, t.year.is_some(), both, t.year)
        })
}

/// Whether a numeric value meets an indicator's threshold.
pub fn meets(kind: IndicatorKind, value: f64, threshold: f64) -> bool {
    match kind {
        IndicatorKind::Boolean => value != 0.0,
        IndicatorKind::Min => value >= threshold,
        IndicatorKind::Max => value <= threshold,
    }
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    /// The value before: any JSON value (text, number, boolean, object or null).
    pub from: serde_json::Value,
    /// The value after, as `from`.
    pub to: serde_json::Value,
}

/// A criterion or indicator present in both versions with changed fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemChange {
    pub code: String,
    pub changes: Vec<FieldChange>,
}

/// What changed from `base` to `target`, field by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TreeDiff {
    pub criteria_added: Vec<String>,
    pub criteria_removed: Vec<String>,
    pub criteria_changed: Vec<ItemChange>,
    pub indicators_added: Vec<String>,
    pub indicators_removed: Vec<String>,
    pub indicators_changed: Vec<ItemChange>,
}

fn changes_between<T: Serialize>(from: &T, to: &T, skip: &[&str]) -> Vec<FieldChange> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(from), serde_json::to_value(to))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, before) in &a {
        if skip.contains(&field.as_str()) {
            continue;
        }
        let after = b.get(field).cloned().unwrap_or(serde_json::Value::Null);
        if *before != after {
            out.push(FieldChange {
                field: field.clone(),
                from: before.clone(),
                to: after,
            });
        }
    }
    out
}

pub fn diff(base: &[Criterion], target: &[Criterion]) -> TreeDiff {
    let mut out = TreeDiff::default();
    let by_code = |tree: &[Criterion]| -> BTreeMap<String, Criterion> {
        tree.iter().map(|c| (c.code.clone(), c.clone())).collect()
    };
    let (a, b) = (by_code(base), by_code(target));
    for (code, before) in &a {
        match b.get(code) {
            None => out.criteria_removed.push(code.clone()),
            Some(after) => {
                let changes = changes_between(before, after, &["indicators"]);
                if !changes.is_empty() {
                    out.criteria_changed.push(ItemChange {
                        code: code.clone(),
                        changes,
                    });
                }
            }
        }
    }
    out.criteria_added = b.keys().filter(|c| !a.contains_key(*c)).cloned().collect();
    let indicators = |tree: &[Criterion]| -> BTreeMap<String, (String, Indicator)> {
        tree.iter()
            .flat_map(|c| {
                c.indicators
                    .iter()
                    .map(move |i| (i.code.clone(), (c.code.clone(), i.clone())))
            })
            .collect()
    };
    let (ia, ib): (BTreeMap<_, _>, BTreeMap<_, _>) = (indicators(base), indicators(target));
    for (code, (criterion_before, before)) in &ia {
        match ib.get(code) {
            None => out.indicators_removed.push(code.clone()),
            Some((criterion_after, after)) => {
                let mut changes = changes_between(before, after, &[]);
                if criterion_before != criterion_after {
                    changes.push(FieldChange {
                        field: "criterion".into(),
                        from: criterion_before.clone().into(),
                        to: criterion_after.clone().into(),
                    });
                }
                if !changes.is_empty() {
                    out.indicators_changed.push(ItemChange {
                        code: code.clone(),
                        changes,
                    });
                }
            }
        }
    }
    out.indicators_added = ib
        .keys()
        .filter(|c| !ia.contains_key(*c))
        .cloned()
        .collect();
    out
}

/// What a criteria version lacks before it can judge every commune of its period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Completeness {
    /// True when nothing below is missing.
    pub complete: bool,
    /// Criteria whose indicator list is not known yet (one placeholder yes/no stands for
    /// them).
    pub placeholder_criteria: Vec<String>,
    /// `min`/`max` indicators that cannot be judged somewhere in the version's period: an
    /// assessment there reads `unknown` for them until the value is added or an officer
    /// decides.
    pub missing_thresholds: Vec<MissingThreshold>,
}

/// Where and when an indicator has no threshold. A null field means "every": an entry with
/// all three null is an indicator without any threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MissingThreshold {
    pub indicator: String,
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    /// A year of the period without a value; null: none of its years has one.
    pub year: Option<i32>,
}

/// What `tree` lacks to judge a commune of any region (and, when the tree uses commune
/// groups, of any group) in each year of `years`.
pub fn completeness(tree: &[Criterion], years: std::ops::RangeInclusive<i32>) -> Completeness {
    let placeholder_criteria: Vec<String> = tree
        .iter()
        .filter(|c| c.indicators.iter().any(|i| i.placeholder))
        .map(|c| c.code.clone())
        .collect();
    let uses_groups = tree
        .iter()
        .flat_map(|c| &c.indicators)
        .flat_map(|i| &i.thresholds)
        .any(|t| t.commune_group.is_some());
    let groups: Vec<Option<i16>> = if uses_groups {
        vec![Some(1), Some(2), Some(3)]
    } else {
        vec![None]
    };
    let mut missing_thresholds = Vec::new();
    for indicator in tree.iter().flat_map(|c| &c.indicators) {
        if indicator.kind == IndicatorKind::Boolean {
            continue;
        }
        if indicator.thresholds.is_empty() {
            missing_thresholds.push(MissingThreshold {
                indicator: indicator.code.clone(),
                region: None,
                commune_group: None,
                year: None,
            });
            continue;
        }
        for region in Region::ALL {
            for &group in &groups {
                let gaps: Vec<i32> = years
                    .clone()
                    .filter(|&y| {
                        resolve_threshold(&indicator.thresholds, Some(region), group, y).is_none()
                    })
                    .collect();
                let every_year = gaps.len() == years.clone().count();
                let entry = |year| MissingThreshold {
                    indicator: indicator.code.clone(),
                    region: Some(region),
                    commune_group: group,
                    year,
                };
                if every_year {
                    missing_thresholds.push(entry(None));
                } else {
                    missing_thresholds.extend(gaps.into_iter().map(|y| entry(Some(y))));
                }
            }
        }
    }
    Completeness {
        complete: placeholder_criteria.is_empty() && missing_thresholds.is_empty(),
        placeholder_criteria,
        missing_thresholds,
    }
}

/// Counts used in summaries: criteria and indicators of a tree.
pub fn counts(tree: &[Criterion]) -> (usize, usize) {
    (tree.len(), tree.iter().map(|c| c.indicators.len()).sum())
}

/// Indicators by code, for evaluation.
pub fn indicator_index(tree: &[Criterion]) -> HashMap<&str, (&Criterion, &Indicator)> {
    tree.iter()
        .flat_map(|c| c.indicators.iter().map(move |i| (i.code.as_str(), (c, i))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(region: Option<Region>, group: Option<i16>, year: Option<i32>, value: f64) -> Threshold {
        Threshold {
            region,
            commune_group: group,
            year,
            value,
        }
    }

    #[test]
    fn the_most_specific_threshold_wins() {
        use Region::*;
        let table = [
            t(None, None, None, 40.0),
            t(None, None, Some(2023), 45.0),
            t(Some(RedRiverDelta), None, None, 60.0),
            t(Some(RedRiverDelta), None, Some(2022), 64.0),
            t(Some(RedRiverDelta), None, Some(2023), 68.0),
            t(None, Some(1), None, 70.0),
        ];
        let cases = [
            // (region, group, year) -> value
            ((Some(RedRiverDelta), None, 2022), 64.0),
            ((Some(RedRiverDelta), None, 2023), 68.0),
            ((Some(RedRiverDelta), None, 2025), 68.0), // the 2023 value until a later year is given
            ((Some(RedRiverDelta), None, 2021), 60.0), // before any year: the region's default
            ((Some(MekongDelta), None, 2024), 45.0),   // no regional value: the year's
            ((Some(MekongDelta), None, 2021), 40.0),   // the default
            ((None, Some(1), 2026), 70.0),             // QĐ 51 commune group
            ((None, Some(2), 2026), 45.0),
        ];
        for ((region, group, year), expected) in cases {
            let got = resolve_threshold(&table, region, group, year).map(|t| t.value);
            assert_eq!(got, Some(expected), "{region:?} {group:?} {year}");
        }
        assert!(resolve_threshold(
            &[t(Some(Southeast), None, None, 1.0)],
            Some(MekongDelta),
            None,
            2022
        )
        .is_none());
    }

    #[test]
    fn completeness_names_what_is_missing() {
        use Region::*;
        let mut placeholder = indicator("2", IndicatorKind::Boolean, vec![]);
        placeholder.placeholder = true;
        let tree = vec![
            criterion(2, vec![placeholder]),
            criterion(
                10,
                vec![indicator(
                    "10",
                    IndicatorKind::Min,
                    // Every region from 2022, the Red River Delta only from 2023.
                    vec![
                        t(None, None, Some(2022), 40.0),
                        t(Some(RedRiverDelta), None, Some(2023), 60.0),
                    ],
                )],
            ),
            criterion(11, vec![indicator("11", IndicatorKind::Max, vec![])]),
            criterion(12, vec![indicator("12", IndicatorKind::Boolean, vec![])]),
        ];
        let c = completeness(&tree, 2021..=2023);
        assert!(!c.complete);
        assert_eq!(c.placeholder_criteria, ["2"]);
        let missing: Vec<_> = c
            .missing_thresholds
            .iter()
            .map(|m| (m.indicator.as_str(), m.region, m.year))
            .collect();
        // 2021 lacks a value in each of the 7 regions; 11 has no threshold at all.
        assert_eq!(missing.len(), 8);
        assert!(missing.contains(&("10", Some(MekongDelta), Some(2021))));
        assert!(missing.contains(&("11", None, None)));
        let full = vec![criterion(
            10,
            vec![indicator(
                "10",
                IndicatorKind::Min,
                vec![t(None, None, None, 1.0)],
            )],
        )];
        assert!(completeness(&full, 2021..=2025).complete);
    }

    #[test]
    fn min_max_and_boolean() {
        assert!(meets(IndicatorKind::Min, 42.0, 42.0));
        assert!(!meets(IndicatorKind::Min, 41.9, 42.0));
        assert!(meets(IndicatorKind::Max, 2.0, 3.0));
        assert!(!meets(IndicatorKind::Max, 3.5, 3.0));
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

    fn criterion(number: i32, indicators: Vec<Indicator>) -> Criterion {
        Criterion {
            number,
            code: number.to_string(),
            name: format!("Tiêu chí {number}"),
            group: CriterionGroup::Economy,
            source_note: None,
            indicators,
        }
    }

    #[test]
    fn validation_names_paths() {
        let tree = vec![
            criterion(
                1,
                vec![indicator(
                    "1.1",
                    IndicatorKind::Boolean,
                    vec![t(None, None, None, 1.0)],
                )],
            ),
            criterion(
                1,
                vec![indicator(
                    "1.1",
                    IndicatorKind::Min,
                    vec![t(None, Some(4), None, 1.0), t(None, None, None, f64::NAN)],
                )],
            ),
        ];
        let mut errors = Vec::new();
        validate_tree(&tree, &mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "criteria[0].indicators[0].thresholds",
                "criteria[1].number",
                "criteria[1].code",
                "criteria[1].indicators[0].code",
                "criteria[1].indicators[0].thresholds[0].commune_group",
                "criteria[1].indicators[0].thresholds[1].value",
            ]
        );
    }

    #[test]
    fn diff_lists_field_changes() {
        let base = vec![
            criterion(1, vec![indicator("1.1", IndicatorKind::Boolean, vec![])]),
            criterion(
                10,
                vec![indicator(
                    "10",
                    IndicatorKind::Min,
                    vec![t(None, None, None, 40.0)],
                )],
            ),
        ];
        let mut target = base.clone();
        target[1].indicators[0].thresholds[0].value = 42.0;
        target[1].name = "Thu nhập".into();
        target.remove(0);
        target.push(criterion(
            11,
            vec![indicator("11", IndicatorKind::Max, vec![])],
        ));
        let d = diff(&base, &target);
        assert_eq!(d.criteria_removed, ["1"]);
        assert_eq!(d.criteria_added, ["11"]);
        assert_eq!(d.criteria_changed[0].changes[0].field, "name");
        assert_eq!(d.indicators_removed, ["1.1"]);
        assert_eq!(d.indicators_added, ["11"]);
        assert_eq!(d.indicators_changed[0].code, "10");
        assert_eq!(d.indicators_changed[0].changes[0].field, "thresholds");
        assert_eq!(diff(&base, &base), TreeDiff::default());
    }
}
