//! Assessments: creation against a published criteria version, values and officer
//! decisions, evaluation, the workflow with its history, visibility.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::assessment::{self, Column as A, Entity as Assessments};
use entity::{assessment_result, assessment_transition, assessment_value, criterion_decision};

use crate::access::{self, Caller, DraftReach, Permission, Scope};
use crate::domain::assessment::{
    check_value, evaluate, Action, Context, CriterionOutcome, CriterionResult, Kind, Status,
    Summary, Value,
};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::{Level, Region};
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::criteria::{self as criteria_service, VersionStatus};
use crate::services::{changes, units};

/// Body of `POST /assessments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18850", "criteria_version_id": 5, "assessed_on": "2021-09-25", "kind": "self"}))]
pub struct NewAssessment {
    pub unit_code: String,
    pub criteria_version_id: i32,
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
    pub result: Option<CriterionResult>,
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
    pub criteria: Vec<CriterionOutcome>,
    pub decisions: Vec<DecisionView>,
    pub history: Vec<TransitionView>,
}

pub fn summary_of(m: &assessment::Model) -> AssessmentSummary {
    AssessmentSummary {
        id: m.id,
        unit_code: m.unit_code.clone(),
        unit_level: m.unit_level,
        province_code: m.province_code.clone(),
        district_code: m.district_code.clone(),
        criteria_version_id: m.criteria_version_id,
        assessed_on: m.assessed_on,
        year: m.year,
        kind: m.kind,
        status: m.status,
        summary: Summary::new(m.met_count, m.total_count),
        created_by: m.created_by.clone(),
        updated_at: m.updated_at,
    }
}

/// Where an assessment sits, for scope checks.
pub fn scope_of(m: &assessment::Model) -> Scope {
    Scope {
        agency: None,
        province: m.province_code.clone(),
        district: m.district_code.clone(),
        commune: m.commune_code.clone(),
    }
}

pub fn author_permission(kind: Kind) -> Permission {
    match kind {
        Kind::SelfAssessment => Permission::AuthorSelfAssessment,
        Kind::DistrictReview => Permission::AuthorDistrictReview,
        Kind::ProvincialAppraisal => Permission::AuthorProvincialAppraisal,
    }
}

pub fn action_permission(action: Action, kind: Kind) -> Permission {
    match action {
        Action::Submit => author_permission(kind),
        Action::Review => Permission::ReviewAssessments,
        Action::Appraise => Permission::AppraiseAssessments,
        Action::Return => Permission::ReturnAssessments,
        Action::Recognize => Permission::Recognize,
    }
}

/// Whether a caller reads this assessment: non-drafts are public, drafts follow
/// [`access::may_read_draft`].
pub fn may_see(caller: Option<&Caller>, m: &assessment::Model) -> bool {
    m.status != Status::Draft || access::may_read_draft(caller, &scope_of(m))
}

/// SQL form of [`may_see`] for lists: the drafts of [`access::draft_reach`].
pub fn visible_condition(caller: Option<&Caller>) -> Condition {
    let drafts = match access::draft_reach(caller) {
        DraftReach::All => return Condition::all(),
        DraftReach::None => return Condition::all().add(A::Status.ne(Status::Draft)),
        DraftReach::Province(code) => A::ProvinceCode.eq(code),
        DraftReach::District(code) => A::DistrictCode.eq(code),
        DraftReach::Commune(code) => A::CommuneCode.eq(code),
    };
    Condition::any()
        .add(A::Status.ne(Status::Draft))
        .add(drafts)
}

/// The unit level a criteria level assesses.
pub fn unit_level_for(level: CriteriaLevel) -> Level {
    match level {
        CriteriaLevel::Commune | CriteriaLevel::CommuneAdvanced | CriteriaLevel::CommuneModel => {
            Level::Commune
        }
        CriteriaLevel::VillageModel | CriteriaLevel::ModelGarden => Level::Village,
        CriteriaLevel::District | CriteriaLevel::DistrictAdvanced => Level::District,
        CriteriaLevel::Province => Level::Province,
    }
}

/// A new assessment, validated: the version is in force on the date, the unit existed
/// then, a provincial set is used in its own province.
pub struct PreparedAssessment {
    pub unit: entity::unit::Model,
    pub unit_level: Level,
    /// The published criteria version assessed against, with its set and tree.
    pub catalog: Arc<Catalog>,
    pub input: NewAssessment,
}

impl PreparedAssessment {
    pub fn scope(&self) -> Scope {
        let mut scope = units::scope_of(&self.unit);
        if self.unit_level == Level::Commune {
            scope.commune = Some(self.unit.code.clone());
        }
        scope
    }
}

/// A published criteria version with its set and parsed tree: what an assessment is
/// checked and evaluated against. Batches look each up once.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub version: entity::criteria_version::Model,
    pub set: entity::criteria_set::Model,
    pub tree: Vec<crate::domain::criteria::Criterion>,
}

/// The criteria version `id` with its set and parsed tree, or `None` when there is no such
/// version. Shared (`Arc`): a batch reads each version once for all its items.
pub async fn catalog<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<Arc<Catalog>>> {
    let Some(version) = entity::criteria_version::Entity::find_by_id(id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let set = criteria_service::get_set(db, version.set_id).await?;
    let tree = criteria_service::tree_of(&version)?;
    Ok(Some(Arc::new(Catalog { version, set, tree })))
}

pub async fn prepare<C: ConnectionTrait>(
    db: &C,
    input: NewAssessment,
) -> Result<PreparedAssessment> {
    let found = catalog(db, input.criteria_version_id).await?;
    prepare_with(db, input, found).await
}

/// Validates a new assessment against its criteria version (looked up by the caller).
pub async fn prepare_with<C: ConnectionTrait>(
    db: &C,
    input: NewAssessment,
    found: Option<Arc<Catalog>>,
) -> Result<PreparedAssessment> {
    let catalog = match found {
        Some(c) if c.version.status != VersionStatus::Draft => c,
        Some(_) => {
            return Err(ApiError::invalid(
                "criteria_version_id",
                "this criteria version is a draft; assess against a published one",
            ))
        }
        None => {
            return Err(ApiError::invalid(
                "criteria_version_id",
                format!(
                    "no criteria version has the id {}",
                    input.criteria_version_id
                ),
            ))
        }
    };
    let (v, s) = (&catalog.version, &catalog.set);
    let mut errors = Vec::new();
    if input.assessed_on < v.effective_from
        || v.effective_to.is_some_and(|to| input.assessed_on > to)
    {
        errors.push(FieldError::new(
            "assessed_on",
            format!(
                "criteria version {} is in force from {} to {}",
                v.id,
                v.effective_from,
                v.effective_to
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "now".into())
            ),
        ));
    }
    let unit_level = unit_level_for(s.level);
    let unit = units::find_on(db, unit_level, &input.unit_code, Some(input.assessed_on)).await?;
    match &unit {
        None => errors.push(FieldError::new(
            "unit_code",
            format!(
                "no {} {} existed on {}",
                unit_level.noun(),
                input.unit_code,
                input.assessed_on
            ),
        )),
        Some(u) => {
            let province = units::scope_of(u).province;
            if s.scope != criteria_service::NATIONAL
                && province.as_deref() != Some(s.scope.as_str())
            {
                errors.push(FieldError::new(
                    "criteria_version_id",
                    format!("this criteria set belongs to province {}", s.scope),
                ));
            }
        }
    }
    match unit {
        Some(unit) if errors.is_empty() => Ok(PreparedAssessment {
            unit,
            unit_level,
            catalog,
            input,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Inserts a new draft with its first values and decisions (none from `POST /assessments`,
/// the item's from sync), evaluated before the insert so the row is written once.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    prepared: &PreparedAssessment,
    inputs: &ValuesInput,
    by: &str,
) -> Result<assessment::Model> {
    let errors = check_inputs(&prepared.catalog.tree, inputs);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = Utc::now();
    let scope = prepared.scope();
    let year = prepared.input.assessed_on.year();
    let values: HashMap<String, Value> = inputs
        .values
        .iter()
        .filter_map(|v| v.value.map(|x| (v.indicator_code.clone(), x)))
        .collect();
    let decided: HashMap<String, CriterionResult> = inputs
        .criteria_decisions
        .iter()
        .filter_map(|d| decision_result(d).map(|r| (d.criterion_code.clone(), r)))
        .collect();
    let ctx = Context {
        region: prepared.unit.region,
        commune_group: prepared.unit.commune_group,
        year,
    };
    let (outcomes, summary) = evaluate(&prepared.catalog.tree, &values, &decided, ctx);
    let model = assessment::ActiveModel {
        unit_level: Set(prepared.unit_level),
        unit_code: Set(prepared.input.unit_code.clone()),
        province_code: Set(scope.province),
        district_code: Set(scope.district),
        commune_code: Set(scope.commune),
        region: Set(prepared.unit.region),
        commune_group: Set(prepared.unit.commune_group),
        criteria_version_id: Set(prepared.catalog.version.id),
        assessed_on: Set(prepared.input.assessed_on),
        year: Set(year),
        kind: Set(prepared.input.kind),
        status: Set(Status::Draft),
        met_count: Set(summary.met),
        total_count: Set(summary.total),
        met_mask: Set(mask_of(&outcomes)),
        created_by: Set(by.to_string()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique(
        "assessed_on",
        "this unit already has an assessment of this kind against this version on this date",
    )?;
    record_transition(db, model.id, None, Status::Draft, by, None).await?;
    store_inputs(db, model.id, inputs, by, false).await?;
    store_results(db, model.id, &outcomes, None).await?;
    record_change(db, &model).await?;
    Ok(model)
}

async fn record_transition<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: Option<Status>,
    to: Status,
    by: &str,
    note: Option<String>,
) -> Result<()> {
    let now = Utc::now();
    assessment_transition::ActiveModel {
        assessment_id: Set(id),
        from_status: Set(from),
        to_status: Set(to),
        by_username: Set(by.to_string()),
        at: Set(now),
        note: Set(note),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn record_change<C: ConnectionTrait>(db: &C, m: &assessment::Model) -> Result<()> {
    changes::record(
        db,
        "assessment",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&summary_of(m)),
    )
    .await?;
    Ok(())
}

pub async fn reload<C: ConnectionTrait>(db: &C, id: i32) -> Result<assessment::Model> {
    Assessments::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("assessment {id}")))
}

/// An assessment the caller may see (404 otherwise, drafts included).
pub async fn get_visible<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    id: i32,
) -> Result<assessment::Model> {
    let m = reload(db, id).await?;
    if may_see(caller, &m) {
        Ok(m)
    } else {
        Err(ApiError::not_found(format!("assessment {id}")))
    }
}

async fn load_inputs<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<(HashMap<String, Value>, Vec<criterion_decision::Model>)> {
    let values = assessment_value::Entity::find()
        .filter(assessment_value::Column::AssessmentId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|v| {
            let value = match (v.value_bool, v.value_number) {
                (Some(b), _) => Some(Value::Bool(b)),
                (None, Some(n)) => Some(Value::Number(n)),
                _ => None,
            };
            value.map(|value| (v.indicator_code, value))
        })
        .collect();
    let decisions = criterion_decision::Entity::find()
        .filter(criterion_decision::Column::AssessmentId.eq(id))
        .order_by_asc(criterion_decision::Column::CriterionCode)
        .all(db)
        .await?;
    Ok((values, decisions))
}

/// The criteria tree an assessment is evaluated against.
async fn tree_for<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
) -> Result<Vec<crate::domain::criteria::Criterion>> {
    let version = entity::criteria_version::Entity::find_by_id(m.criteria_version_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the assessment's criteria version"))?;
    criteria_service::tree_of(&version)
}

/// Evaluates an assessment from what is stored.
pub async fn evaluate_stored<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
) -> Result<(
    Vec<CriterionOutcome>,
    Summary,
    Vec<criterion_decision::Model>,
)> {
    let tree = tree_for(db, m).await?;
    evaluate_against(db, m, &tree).await
}

/// Evaluates the stored values and decisions of an assessment against its tree.
async fn evaluate_against<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
) -> Result<(
    Vec<CriterionOutcome>,
    Summary,
    Vec<criterion_decision::Model>,
)> {
    let (values, decisions) = load_inputs(db, m.id).await?;
    let decided: HashMap<String, CriterionResult> = decisions
        .iter()
        .map(|d| (d.criterion_code.clone(), d.result))
        .collect();
    let ctx = Context {
        region: m.region,
        commune_group: m.commune_group,
        year: m.year,
    };
    let (outcomes, summary) = evaluate(tree, &values, &decided, ctx);
    Ok((outcomes, summary, decisions))
}

/// Recomputes and stores the per-criterion results and the summary counts. `m` must carry
/// the assessment's current region, commune group and year.
async fn refresh_results<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
) -> Result<Summary> {
    let (outcomes, summary, _) = evaluate_against(db, m, tree).await?;
    assessment_result::Entity::delete_many()
        .filter(assessment_result::Column::AssessmentId.eq(m.id))
        .exec(db)
        .await?;
    store_results(db, m.id, &outcomes, Some(&summary)).await?;
    Ok(summary)
}

/// Bit `n - 1` set for each met criterion numbered `n` (1 to 62): the reports sum these.
fn mask_of(outcomes: &[CriterionOutcome]) -> i64 {
    outcomes
        .iter()
        .filter(|o| o.met && (1..=62).contains(&o.number))
        .fold(0i64, |mask, o| mask | (1i64 << (o.number - 1)))
}

/// Inserts the per-criterion results; with a summary also updates the assessment's counts.
async fn store_results<C: ConnectionTrait>(
    db: &C,
    id: i32,
    outcomes: &[CriterionOutcome],
    summary: Option<&Summary>,
) -> Result<()> {
    let now = Utc::now();
    let rows: Vec<assessment_result::ActiveModel> = outcomes
        .iter()
        .map(|o| assessment_result::ActiveModel {
            assessment_id: Set(id),
            criterion_code: Set(o.code.clone()),
            result: Set(o.result),
            met: Set(o.met),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        assessment_result::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    if let Some(summary) = summary {
        Assessments::update_many()
            .col_expr(A::MetMask, Expr::value(mask_of(outcomes)))
            .col_expr(A::MetCount, Expr::value(summary.met))
            .col_expr(A::TotalCount, Expr::value(summary.total))
            .filter(A::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Claims the next row version (optimistic concurrency): 412 when `expected` is stale,
/// 409 when the assessment left `status` meanwhile.
async fn claim<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    expected: i32,
    status: Status,
    to: Status,
) -> Result<()> {
    let result = Assessments::update_many()
        .col_expr(A::RowVersion, Expr::value(expected + 1))
        .col_expr(A::Status, Expr::value(to))
        .col_expr(A::UpdatedAt, Expr::value(Utc::now()))
        .filter(A::Id.eq(m.id))
        .filter(A::RowVersion.eq(expected))
        .filter(A::Status.eq(status))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    let now = reload(db, m.id).await?;
    if now.status != status {
        Err(ApiError::conflict(format!(
            "the assessment is {} now",
            now.status
        )))
    } else {
        Err(ApiError::PreconditionFailed(
            "the assessment changed since you read it; read it again".into(),
        ))
    }
}

fn ensure_status(m: &assessment::Model, status: Status, doing: &str) -> Result<()> {
    if m.status == status {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "the assessment is {}: {doing} needs it to be {}",
            m.status,
            status.as_str()
        )))
    }
}

/// Checks values and decisions against a criteria tree; every problem, with its path.
pub fn check_inputs(
    tree: &[crate::domain::criteria::Criterion],
    input: &ValuesInput,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, item) in input.values.iter().enumerate() {
        if !seen.insert(item.indicator_code.as_str()) {
            errors.push(FieldError::new(
                format!("values[{i}].indicator_code"),
                "sent twice",
            ));
        }
        let check = match &item.value {
            Some(v) => check_value(tree, &item.indicator_code, v),
            None => check_value(tree, &item.indicator_code, &Value::Bool(true))
                .or_else(|_| check_value(tree, &item.indicator_code, &Value::Number(0.0))),
        };
        if let Err(message) = check {
            let field = if message.contains("is not in") {
                "indicator_code"
            } else {
                "value"
            };
            errors.push(FieldError::new(format!("values[{i}].{field}"), message));
        }
    }
    let criteria_codes: Vec<&str> = tree.iter().map(|c| c.code.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for (i, d) in input.criteria_decisions.iter().enumerate() {
        if !criteria_codes.contains(&d.criterion_code.as_str()) {
            errors.push(FieldError::new(
                format!("criteria_decisions[{i}].criterion_code"),
                format!(
                    "criterion {} is not in this criteria version",
                    d.criterion_code
                ),
            ));
        } else if !seen.insert(d.criterion_code.as_str()) {
            errors.push(FieldError::new(
                format!("criteria_decisions[{i}].criterion_code"),
                "sent twice",
            ));
        }
        let decided = d.result.is_some() || d.met.is_some();
        if let (Some(r), Some(met)) = (d.result, d.met) {
            if (r == CriterionResult::Met) != met {
                errors.push(FieldError::new(
                    format!("criteria_decisions[{i}].met"),
                    "contradicts result",
                ));
            }
        }
        if decided && d.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            errors.push(FieldError::new(
                format!("criteria_decisions[{i}].note"),
                "a decision needs a note saying what it rests on",
            ));
        }
    }
    errors
}

/// The result a decision records; `None` withdraws an earlier decision.
fn decision_result(d: &DecisionItem) -> Option<CriterionResult> {
    d.result.or(d.met.map(|met| {
        if met {
            CriterionResult::Met
        } else {
            CriterionResult::NotMet
        }
    }))
}

/// Writes values and decisions: one DELETE (`replace`: of the codes sent) and one
/// multi-row INSERT per kind of input, not one statement per item.
async fn store_inputs<C: ConnectionTrait>(
    db: &C,
    id: i32,
    input: &ValuesInput,
    by: &str,
    replace: bool,
) -> Result<()> {
    let now = Utc::now();
    if replace && !input.values.is_empty() {
        assessment_value::Entity::delete_many()
            .filter(assessment_value::Column::AssessmentId.eq(id))
            .filter(
                assessment_value::Column::IndicatorCode
                    .is_in(input.values.iter().map(|v| v.indicator_code.clone())),
            )
            .exec(db)
            .await?;
    }
    let rows: Vec<assessment_value::ActiveModel> = input
        .values
        .iter()
        .filter_map(|item| {
            let (number, boolean) = match item.value? {
                Value::Bool(b) => (None, Some(b)),
                Value::Number(n) => (Some(n), None),
            };
            Some(assessment_value::ActiveModel {
                assessment_id: Set(id),
                indicator_code: Set(item.indicator_code.clone()),
                value_number: Set(number),
                value_bool: Set(boolean),
                recorded_by: Set(by.to_string()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    if !rows.is_empty() {
        assessment_value::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    if replace && !input.criteria_decisions.is_empty() {
        criterion_decision::Entity::delete_many()
            .filter(criterion_decision::Column::AssessmentId.eq(id))
            .filter(
                criterion_decision::Column::CriterionCode.is_in(
                    input
                        .criteria_decisions
                        .iter()
                        .map(|d| d.criterion_code.clone()),
                ),
            )
            .exec(db)
            .await?;
    }
    let rows: Vec<criterion_decision::ActiveModel> = input
        .criteria_decisions
        .iter()
        .filter_map(|d| {
            Some(criterion_decision::ActiveModel {
                assessment_id: Set(id),
                criterion_code: Set(d.criterion_code.clone()),
                result: Set(decision_result(d)?),
                note: Set(d.note.clone()),
                decided_by: Set(by.to_string()),
                decided_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    if !rows.is_empty() {
        criterion_decision::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Whether writing `input` would leave the stored values and decisions as they are.
pub async fn inputs_unchanged<C: ConnectionTrait>(
    db: &C,
    id: i32,
    input: &ValuesInput,
) -> Result<bool> {
    let (values, decisions) = load_inputs(db, id).await?;
    let same_values = input
        .values
        .iter()
        .all(|v| values.get(&v.indicator_code) == v.value.as_ref());
    let same_decisions = input.criteria_decisions.iter().all(|d| {
        let stored = decisions
            .iter()
            .find(|s| s.criterion_code == d.criterion_code);
        match (decision_result(d), stored) {
            (None, None) => true,
            (Some(r), Some(s)) => s.result == r && s.note == d.note,
            _ => false,
        }
    });
    Ok(same_values && same_decisions)
}

/// Writes a batch of values and decisions into a draft, all or nothing.
pub async fn write_values<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    input: &ValuesInput,
    expected: i32,
    by: &str,
) -> Result<assessment::Model> {
    ensure_status(m, Status::Draft, "editing")?;
    let tree = tree_for(db, m).await?;
    let errors = check_inputs(&tree, input);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    write_checked_values(db, m, &tree, input, expected, by).await
}

/// [`write_values`] for inputs already checked against `tree`, the tree of `m`'s criteria
/// version (sync holds it for the whole batch).
pub async fn write_checked_values<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
    input: &ValuesInput,
    expected: i32,
    by: &str,
) -> Result<assessment::Model> {
    ensure_status(m, Status::Draft, "editing")?;
    claim(db, m, expected, Status::Draft, Status::Draft).await?;
    store_inputs(db, m.id, input, by, true).await?;
    // The claim changed only the row version: `m`'s region and year still hold.
    refresh_results(db, m, tree).await?;
    let fresh = reload(db, m.id).await?;
    record_change(db, &fresh).await?;
    Ok(fresh)
}

/// Takes a workflow action: checks the status table, records the transition.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    action: Action,
    expected: i32,
    by: &str,
    note: Option<String>,
) -> Result<assessment::Model> {
    if action == Action::Return && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::invalid(
            "note",
            "returning an assessment needs a reason",
        ));
    }
    let from = m.status;
    let to = action.next(from).ok_or_else(|| {
        ApiError::conflict(format!(
            "an assessment that is {from} cannot be {}",
            action.past_participle()
        ))
    })?;
    claim(db, m, expected, from, to).await?;
    record_transition(db, m.id, Some(from), to, by, note).await?;
    let fresh = reload(db, m.id).await?;
    record_change(db, &fresh).await?;
    Ok(fresh)
}

pub async fn view<C: ConnectionTrait>(db: &C, m: &assessment::Model) -> Result<AssessmentView> {
    let (criteria, summary, decisions) = evaluate_stored(db, m).await?;
    let history = assessment_transition::Entity::find()
        .filter(assessment_transition::Column::AssessmentId.eq(m.id))
        .order_by_asc(assessment_transition::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TransitionView {
            from: t.from_status,
            to: t.to_status,
            by: t.by_username,
            at: t.at,
            note: t.note,
        })
        .collect();
    let mut head = summary_of(m);
    head.summary = summary;
    Ok(AssessmentView {
        head,
        region: m.region,
        commune_group: m.commune_group,
        criteria,
        decisions: decisions
            .into_iter()
            .map(|d| DecisionView {
                criterion_code: d.criterion_code,
                result: d.result,
                note: d.note,
                decided_by: d.decided_by,
                decided_at: d.decided_at,
            })
            .collect(),
        history,
    })
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

pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    f: &AssessmentFilter,
    request: PageRequest,
) -> Result<Page<AssessmentSummary>> {
    let mut q = Assessments::find().filter(visible_condition(caller));
    if let Some(u) = &f.unit {
        q = q.filter(A::UnitCode.eq(u.as_str()));
    }
    if let Some(p) = &f.province {
        q = q.filter(A::ProvinceCode.eq(p.as_str()));
    }
    if let Some(d) = &f.district {
        q = q.filter(A::DistrictCode.eq(d.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(A::Status.eq(s));
    }
    if let Some(y) = f.year {
        q = q.filter(A::Year.eq(y));
    }
    if let Some(v) = f.criteria_version {
        q = q.filter(A::CriteriaVersionId.eq(v));
    }
    if let Some(k) = f.kind {
        q = q.filter(A::Kind.eq(k));
    }
    let q = q.order_by_desc(A::AssessedOn).order_by_desc(A::Id);
    let rows = crate::services::fetch_page(db, q, request).await?;
    Ok(rows.map(|m| summary_of(&m)))
}

/// Deletes a draft and everything it holds.
pub async fn delete_draft<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    expected: i32,
) -> Result<()> {
    ensure_status(m, Status::Draft, "deleting")?;
    let delete = Assessments::delete_many()
        .filter(A::Id.eq(m.id))
        .filter(A::RowVersion.eq(expected))
        .filter(A::Status.eq(Status::Draft));
    let key = m.id.to_string();
    changes::delete_recorded(db, delete, "assessment", &key, m.province_code.as_deref()).await
}

/// Moves a draft to another date (the unit's version and thresholds follow the date).
pub async fn reschedule<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    on: NaiveDate,
    expected: i32,
) -> Result<assessment::Model> {
    ensure_status(m, Status::Draft, "editing")?;
    let prepared = prepare(
        db,
        NewAssessment {
            unit_code: m.unit_code.clone(),
            criteria_version_id: m.criteria_version_id,
            assessed_on: on,
            kind: m.kind,
        },
    )
    .await?;
    claim(db, m, expected, Status::Draft, Status::Draft).await?;
    let scope = prepared.scope();
    Assessments::update_many()
        .col_expr(A::AssessedOn, Expr::value(on))
        .col_expr(A::Year, Expr::value(on.year()))
        .col_expr(A::ProvinceCode, Expr::value(scope.province))
        .col_expr(A::DistrictCode, Expr::value(scope.district))
        .col_expr(A::CommuneCode, Expr::value(scope.commune))
        .col_expr(A::Region, Expr::value(prepared.unit.region))
        .col_expr(A::CommuneGroup, Expr::value(prepared.unit.commune_group))
        .filter(A::Id.eq(m.id))
        .exec(db)
        .await
        .on_unique(
            "assessed_on",
            "this unit already has an assessment of this kind against this version on this date",
        )?;
    let fresh = reload(db, m.id).await?;
    refresh_results(db, &fresh, &prepared.catalog.tree).await?;
    let fresh = reload(db, m.id).await?;
    record_change(db, &fresh).await?;
    Ok(fresh)
}
