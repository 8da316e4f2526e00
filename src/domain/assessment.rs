//! Assessments (đánh giá): evaluating indicator values against a criteria version, the
//! per-criterion results, the "12/20" summary, the workflow and the revocation-risk rule of
//! QĐ 18/2022/QĐ-TTg. Pure functions.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::criteria::{
    indicator_index, meets, resolve_threshold, Criterion, Indicator, IndicatorKind,
};
use crate::domain::units::Region;

/// Workflow status and kind of an assessment: defined with the `assessments` columns.
pub use entity::enums::{Kind, Status};

/// A workflow action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Review,
    Appraise,
    Return,
    Recognize,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Review => "review",
            Action::Appraise => "appraise",
            Action::Return => "return",
            Action::Recognize => "recognize",
        }
    }

    /// The past participle, for messages ("cannot be submitted").
    pub fn past_participle(self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::Review => "reviewed",
            Action::Appraise => "appraised",
            Action::Return => "returned",
            Action::Recognize => "recognized",
        }
    }

    /// The status an action leads to from `from`, or `None` when the action is not allowed
    /// in that status.
    pub fn next(self, from: Status) -> Option<Status> {
        match (self, from) {
            (Action::Submit, Status::Draft) => Some(Status::Submitted),
            (Action::Review, Status::Submitted) => Some(Status::Reviewed),
            (Action::Appraise, Status::Reviewed) => Some(Status::Appraised),
            (Action::Return, Status::Submitted | Status::Reviewed | Status::Appraised) => {
                Some(Status::Draft)
            }
            (Action::Recognize, Status::Appraised) => Some(Status::Recognized),
            _ => None,
        }
    }
}

/// Result of a criterion: defined with the `criterion_decisions.result` and
/// `assessment_results.result` columns.
pub use entity::enums::CriterionResult;

/// What an officer may decide for a criterion: a result, never "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionResult {
    /// Đạt.
    Met,
    /// Cơ bản đạt (does not count as met).
    BasicallyMet,
    /// Chưa đạt.
    NotMet,
}

impl From<DecisionResult> for CriterionResult {
    fn from(d: DecisionResult) -> Self {
        match d {
            DecisionResult::Met => CriterionResult::Met,
            DecisionResult::BasicallyMet => CriterionResult::BasicallyMet,
            DecisionResult::NotMet => CriterionResult::NotMet,
        }
    }
}

/// A recorded indicator value: a number or a yes/no.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
}

/// One indicator's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndicatorOutcome {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub unit: Option<String>,
    pub value: Option<Value>,
    /// The threshold used for this unit's region/commune group and year.
    pub threshold: Option<f64>,
    /// Null when there is no value yet, or no known threshold to judge it by.
    pub met: Option<bool>,
}

/// One criterion's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionOutcome {
    pub code: String,
    pub number: i32,
    pub name: String,
    /// What the indicators say: `met` when every indicator is met, `not_met` when one is
    /// not, otherwise `unknown` (a threshold or a value is missing).
    pub computed: CriterionResult,
    /// The officer's decision, when one was recorded (it prevails).
    pub decision: Option<CriterionResult>,
    pub result: CriterionResult,
    /// `result == met`.
    pub met: bool,
    pub indicators: Vec<IndicatorOutcome>,
}

/// "đạt 12/20 tiêu chí", with how many are not met and how many cannot be judged yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// Criteria met, by their indicators or by an officer's decision.
    pub met: i32,
    /// Criteria known not to be met (including "basically met", which does not count).
    pub not_met: i32,
    /// Criteria that cannot be judged yet: a threshold or a value is missing and no officer
    /// has decided. `met + not_met + unknown = total`.
    pub unknown: i32,
    pub total: i32,
    /// `"12/20"`: met of total.
    pub label: String,
}

impl Summary {
    pub fn new(met: i32, unknown: i32, total: i32) -> Self {
        Summary {
            met,
            not_met: (total - met - unknown).max(0),
            unknown,
            total,
            label: format!("{met}/{total}"),
        }
    }
}

/// Where and when the unit is assessed: what selects thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    pub year: i32,
}

/// Evaluates every criterion of a tree.
pub fn evaluate(
    tree: &[Criterion],
    values: &HashMap<String, Value>,
    decisions: &HashMap<String, CriterionResult>,
    ctx: Context,
) -> (Vec<CriterionOutcome>, Summary) {
    let mut outcomes = Vec::with_capacity(tree.len());
    for criterion in tree {
        let indicators: Vec<IndicatorOutcome> = criterion
            .indicators
            .iter()
            .map(|ind| {
                let value = values.get(&ind.code).copied();
                let threshold =
                    resolve_threshold(&ind.thresholds, ctx.region, ctx.commune_group, ctx.year)
                        .map(|t| t.value);
                let met = match (ind.kind, value, threshold) {
                    (IndicatorKind::Boolean, Some(Value::Bool(b)), _) => Some(b),
                    (IndicatorKind::Min | IndicatorKind::Max, Some(Value::Number(v)), Some(t)) => {
                        Some(meets(ind.kind, v, t))
                    }
                    _ => None,
                };
                IndicatorOutcome {
                    code: ind.code.clone(),
                    name: ind.name.clone(),
                    kind: ind.kind,
                    unit: ind.unit.clone(),
                    value,
                    threshold,
                    met,
                }
            })
            .collect();
        let computed = if indicators.iter().any(|i| i.met == Some(false)) {
            CriterionResult::NotMet
        } else if indicators.iter().all(|i| i.met == Some(true)) {
            CriterionResult::Met
        } else {
            CriterionResult::Unknown
        };
        let decision = decisions.get(&criterion.code).copied();
        let result = decision.unwrap_or(computed);
        outcomes.push(CriterionOutcome {
            code: criterion.code.clone(),
            number: criterion.number,
            name: criterion.name.clone(),
            computed,
            decision,
            result,
            met: result == CriterionResult::Met,
            indicators,
        });
    }
    let met = outcomes.iter().filter(|o| o.met).count() as i32;
    let unknown = outcomes
        .iter()
        .filter(|o| o.result == CriterionResult::Unknown)
        .count() as i32;
    let summary = Summary::new(met, unknown, outcomes.len() as i32);
    (outcomes, summary)
}

/// Checks a value's type against its indicator; the message names what was expected.
pub fn check_value(tree: &[Criterion], code: &str, value: &Value) -> Result<(), String> {
    check_value_in(&indicator_index(tree), code, value)
}

/// [`check_value`] against an index built once with [`indicator_index`] (checking an
/// assessment's 57 values built it 57 times: a quarter of an import's CPU).
pub fn check_value_in(
    index: &HashMap<&str, (&Criterion, &Indicator)>,
    code: &str,
    value: &Value,
) -> Result<(), String> {
    match index.get(code) {
        None => Err(format!("indicator {code} is not in this criteria version")),
        Some((_, ind)) => match (ind.kind, value) {
            (IndicatorKind::Boolean, Value::Bool(_)) => Ok(()),
            (IndicatorKind::Min | IndicatorKind::Max, Value::Number(n)) if n.is_finite() => Ok(()),
            (IndicatorKind::Boolean, _) => {
                Err(format!("indicator {code} is yes/no: send true or false"))
            }
            _ => Err(format!(
                "indicator {code} is numeric ({}): send a number",
                ind.unit.as_deref().unwrap_or("no unit")
            )),
        },
    }
}

/// Criteria codes whose failure weighs on revocation under QĐ 18/2022: income (10),
/// environment (17), security and order (19).
pub const KEY_CRITERIA: [&str; 3] = ["10", "17", "19"];

/// At risk of revocation (QĐ 18/2022/QĐ-TTg): 50% or more of the criteria unmet, or 30-50%
/// unmet including income, environment or security. `unmet_codes` are the criteria known
/// not to be met: an undetermined criterion is not a failure, and the share is of all the
/// criteria, so the flag is raised only when the known failures alone reach it.
pub fn at_risk(total: i32, unmet_codes: &[String]) -> bool {
    if total <= 0 {
        return false;
    }
    let share = unmet_codes.len() as f64 / total as f64;
    share >= 0.5
        || (share >= 0.3
            && unmet_codes
                .iter()
                .any(|c| KEY_CRITERIA.contains(&c.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::criteria::{CriterionGroup, Indicator, Threshold};

    fn tree() -> Vec<Criterion> {
        let ind = |code: &str, kind, thresholds: Vec<Threshold>| Indicator {
            code: code.into(),
            name: code.into(),
            unit: None,
            kind,
            thresholds,
            source_note: None,
            placeholder: false,
        };
        vec![
            Criterion {
                number: 1,
                code: "1".into(),
                name: "Quy hoạch".into(),
                group: CriterionGroup::Planning,
                source_note: None,
                indicators: vec![
                    ind("1.1", IndicatorKind::Boolean, vec![]),
                    ind("1.2", IndicatorKind::Boolean, vec![]),
                ],
            },
            Criterion {
                number: 10,
                code: "10".into(),
                name: "Thu nhập".into(),
                group: CriterionGroup::Economy,
                source_note: None,
                indicators: vec![ind(
                    "10",
                    IndicatorKind::Min,
                    vec![
                        Threshold {
                            region: Some(Region::NorthCentralCoast),
                            commune_group: None,
                            year: Some(2021),
                            value: 42.0,
                        },
                        Threshold {
                            region: None,
                            commune_group: None,
                            year: None,
                            value: 40.0,
                        },
                    ],
                )],
            },
            Criterion {
                number: 11,
                code: "11".into(),
                name: "Nghèo".into(),
                group: CriterionGroup::Economy,
                source_note: None,
                indicators: vec![ind("11", IndicatorKind::Max, vec![])],
            },
        ]
    }

    #[test]
    fn evaluates_against_the_units_threshold() {
        let values = HashMap::from([
            ("1.1".to_string(), Value::Bool(true)),
            ("1.2".to_string(), Value::Bool(true)),
            ("10".to_string(), Value::Number(41.0)),
            ("11".to_string(), Value::Number(2.5)),
        ]);
        let north_central = Context {
            region: Some(Region::NorthCentralCoast),
            commune_group: None,
            year: 2021,
        };
        let (outcomes, summary) = evaluate(&tree(), &values, &HashMap::new(), north_central);
        assert_eq!(outcomes[1].indicators[0].threshold, Some(42.0));
        assert!(!outcomes[1].met, "41 is below the regional 42");
        // No known threshold for poverty: not evaluable, so unknown until an officer decides.
        assert_eq!(outcomes[2].indicators[0].met, None);
        assert_eq!(outcomes[2].result, CriterionResult::Unknown);
        assert_eq!(summary, Summary::new(1, 1, 3));
        assert_eq!((summary.not_met, summary.label.as_str()), (1, "1/3"));
        let elsewhere = Context {
            region: Some(Region::MekongDelta),
            ..north_central
        };
        let decisions = HashMap::from([("11".to_string(), CriterionResult::Met)]);
        let (outcomes, summary) = evaluate(&tree(), &values, &decisions, elsewhere);
        assert!(outcomes[1].met, "41 meets the default 40");
        assert_eq!(outcomes[2].computed, CriterionResult::Unknown);
        assert_eq!(outcomes[2].result, CriterionResult::Met);
        assert_eq!(summary.label, "3/3");
        let basically = HashMap::from([("1".to_string(), CriterionResult::BasicallyMet)]);
        let (_, summary) = evaluate(&tree(), &values, &basically, elsewhere);
        assert_eq!(summary.met, 1, "basically met does not count");
        assert_eq!((summary.not_met, summary.unknown), (1, 1));
    }

    #[test]
    fn one_failed_indicator_is_not_met_even_beside_an_unknown_one() {
        let mut tree = tree();
        tree[2].indicators.push(Indicator {
            code: "11.2".into(),
            name: "11.2".into(),
            unit: None,
            kind: IndicatorKind::Boolean,
            thresholds: vec![],
            source_note: None,
            placeholder: false,
        });
        let ctx = Context {
            region: Some(Region::MekongDelta),
            commune_group: None,
            year: 2022,
        };
        let no = HashMap::from([("11.2".to_string(), Value::Bool(false))]);
        let (outcomes, _) = evaluate(&tree, &no, &HashMap::new(), ctx);
        assert_eq!(outcomes[2].computed, CriterionResult::NotMet);
        let nothing = HashMap::new();
        let (outcomes, summary) = evaluate(&tree, &nothing, &HashMap::new(), ctx);
        assert!(outcomes
            .iter()
            .all(|o| o.result == CriterionResult::Unknown));
        assert_eq!(summary, Summary::new(0, 3, 3));
    }

    #[test]
    fn value_types_follow_the_indicator() {
        assert!(check_value(&tree(), "1.1", &Value::Bool(true)).is_ok());
        assert!(check_value(&tree(), "1.1", &Value::Number(1.0)).is_err());
        assert!(check_value(&tree(), "10", &Value::Bool(true)).is_err());
        assert!(check_value(&tree(), "99", &Value::Number(1.0)).is_err());
    }

    #[test]
    fn workflow_table() {
        use Action::*;
        use Status::*;
        assert_eq!(Submit.next(Draft), Some(Submitted));
        assert_eq!(Review.next(Submitted), Some(Reviewed));
        assert_eq!(Appraise.next(Reviewed), Some(Appraised));
        assert_eq!(Recognize.next(Appraised), Some(Recognized));
        assert_eq!(Return.next(Reviewed), Some(Draft));
        for (action, from) in [
            (Submit, Submitted),
            (Review, Draft),
            (Appraise, Submitted),
            (Return, Draft),
            (Return, Recognized),
            (Recognize, Reviewed),
        ] {
            assert_eq!(action.next(from), None, "{action:?} from {from:?}");
        }
    }

    #[test]
    fn revocation_risk_of_qd_18() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(
            at_risk(
                19,
                &codes(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "11"])
            ),
            "10/19 unmet"
        );
        assert!(
            at_risk(19, &codes(&["10", "2", "3", "4", "5", "6"])),
            "6/19 unmet with income"
        );
        assert!(
            !at_risk(19, &codes(&["1", "2", "3", "4", "5", "6"])),
            "6/19 unmet without key criteria"
        );
        assert!(!at_risk(19, &codes(&["10"])), "one criterion");
    }
}
