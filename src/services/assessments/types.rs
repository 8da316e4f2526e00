//! Request and response types of `/assessments` (the views clients read, the inputs
//! they send).
use super::*;

/// Body of `POST /assessments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18850", "criteria_version_id": 5, "assessed_on": "2021-09-25", "kind": "self"}))]
pub struct NewAssessment {
    pub unit_code: String,
    pub criteria_version_id: i32,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub assessed_on: NaiveDate,
    pub kind: Kind,
}

/// One value of `PUT /assessments/{id}/indicator-values`; `null` removes a value.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueItem {
    pub indicator_code: String,
    /// A number for `min`/`max` indicators, `true`/`false` for boolean ones.
    pub value: Option<Value>,
}

/// An officer's decision on a criterion. Give `result` (`met`, `basically_met`,
/// `not_met`) or `met` (true/false); with neither, an earlier decision is withdrawn.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionItem {
    pub criterion_code: String,
    #[serde(default)]
    pub met: Option<bool>,
    #[serde(default)]
    pub result: Option<DecisionResult>,
    /// Why (e.g. the minutes it rests on); required with a decision.
    #[serde(default)]
    pub note: Option<String>,
}

/// Body of `PUT /assessments/{id}/indicator-values`: the values and decisions sent are
/// written; the others stay as they were.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"values": [{"indicator_code": "10", "value": 45.5}, {"indicator_code": "8.1", "value": true}],
    "criteria_decisions": [{"criterion_code": "19", "met": true, "note": "biên bản số 12"}]}))]
pub struct ValuesInput {
    #[serde(default)]
    pub values: Vec<ValueItem>,
    #[serde(default)]
    pub criteria_decisions: Vec<DecisionItem>,
}

/// Body of the workflow actions; `return` requires a note.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    #[serde(default)]
    pub note: Option<String>,
}

/// Body of `PATCH /assessments/{id}` (drafts only).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentPatch {
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub assessed_on: Option<NaiveDate>,
}

/// One step of the workflow.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransitionView {
    pub from: Option<Status>,
    pub to: Status,
    pub by: String,
    pub at: chrono::DateTime<Utc>,
    pub note: Option<String>,
}

/// An officer's decision as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub criterion_code: String,
    pub result: CriterionResult,
    pub note: Option<String>,
    pub decided_by: String,
    pub decided_at: chrono::DateTime<Utc>,
}

/// An assessment in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssessmentSummary {
    pub id: i32,
    pub unit_code: String,
    pub unit_level: Level,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub criteria_version_id: i32,
    pub assessed_on: NaiveDate,
    pub year: i32,
    pub kind: Kind,
    pub status: Status,
    pub summary: Summary,
    pub created_by: String,
    pub updated_at: chrono::DateTime<Utc>,
}

/// An assessment with its values, per-criterion results and history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssessmentView {
    #[serde(flatten)]
    pub head: AssessmentSummary,
    /// Region and commune group that selected the thresholds.
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    /// The commune's designation in force on the date, when it made `region` another than
    /// the commune's own (the special regional rule of QĐ 318): see
    /// `GET /designations/{id}`.
    pub designation_id: Option<i32>,
    pub criteria: Vec<CriterionOutcome>,
    pub decisions: Vec<DecisionView>,
    pub history: Vec<TransitionView>,
}

/// Filters of `GET /assessments`.
#[derive(Debug, Default, Clone)]
pub struct AssessmentFilter {
    pub unit: Option<String>,
    pub province: Option<String>,
    pub district: Option<String>,
    pub status: Option<Status>,
    pub year: Option<i32>,
    pub criteria_version: Option<i32>,
    pub kind: Option<Kind>,
}
