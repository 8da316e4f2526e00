//! Indicator values and decisions: checked against the criteria tree, stored, and the
//! per-criterion results evaluated again.
use super::*;
use crate::error::ErrorCode;

pub(super) async fn load_inputs<C: ConnectionTrait>(db: &C, id: i32) -> Result<StoredInputs> {
    Ok(load_inputs_of(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// The stored inputs of an assessment: its values by indicator and its decisions (by
/// criterion code).
pub type StoredInputs = (HashMap<String, Value>, Vec<criterion_decision::Model>);

/// [`load_inputs`] of each of `ids`, with two queries (a sync chunk's stored assessments).
/// An id without values or decisions has none in the map.
pub async fn load_inputs_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, StoredInputs>> {
    let mut by_id: HashMap<i32, StoredInputs> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_id);
    }
    let values = assessment_value::Entity::find()
        .filter(assessment_value::Column::AssessmentId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for v in values {
        let value = match (v.value_bool, v.value_number) {
            (Some(b), _) => Value::Bool(b),
            (None, Some(n)) => Value::Number(n),
            _ => continue,
        };
        let entry = by_id.entry(v.assessment_id).or_default();
        entry.0.insert(v.indicator_code, value);
    }
    let decisions = criterion_decision::Entity::find()
        .filter(criterion_decision::Column::AssessmentId.is_in(ids.iter().copied()))
        .order_by_asc(criterion_decision::Column::CriterionCode)
        .all(db)
        .await?;
    for d in decisions {
        by_id.entry(d.assessment_id).or_default().1.push(d);
    }
    Ok(by_id)
}

/// The criteria tree an assessment is evaluated against.
pub(super) async fn tree_for<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
) -> Result<Vec<crate::domain::criteria::Criterion>> {
    let version = entity::criteria_version::Entity::find_by_id(m.criteria_version_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the assessment's criteria version"))?;
    criteria_service::tree_of(&version)
}

/// Evaluates an assessment from what is stored, against its version's tree from `trees`.
pub async fn evaluate_stored<C: ConnectionTrait>(
    db: &C,
    trees: &Trees,
    m: &assessment::Model,
) -> Result<(
    Vec<CriterionOutcome>,
    Summary,
    Vec<criterion_decision::Model>,
)> {
    let tree = trees.of(db, m.criteria_version_id).await?;
    evaluate_against(db, m, &tree).await
}

/// Evaluates the stored values and decisions of an assessment against its tree.
pub(super) async fn evaluate_against<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
) -> Result<(
    Vec<CriterionOutcome>,
    Summary,
    Vec<criterion_decision::Model>,
)> {
    let (values, decisions) = load_inputs(db, m.id).await?;
    let decided = decided_of(&decisions);
    let (outcomes, summary) = evaluate_inputs(m, tree, &values, &decided);
    Ok((outcomes, summary, decisions))
}

fn decided_of(decisions: &[criterion_decision::Model]) -> HashMap<String, CriterionResult> {
    decisions
        .iter()
        .map(|d| (d.criterion_code.clone(), d.result))
        .collect()
}

/// Evaluates values and decisions against `m`'s tree, for `m`'s region, group and year.
fn evaluate_inputs(
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
    values: &HashMap<String, Value>,
    decided: &HashMap<String, CriterionResult>,
) -> (Vec<CriterionOutcome>, Summary) {
    let ctx = Context {
        region: m.region,
        commune_group: m.commune_group,
        year: m.year,
    };
    evaluate(tree, values, decided, ctx)
}

/// Recomputes and stores the per-criterion results and the summary counts. `m` must carry
/// the assessment's current region, commune group and year.
pub(super) async fn refresh_results<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    tree: &[crate::domain::criteria::Criterion],
) -> Result<Summary> {
    let (outcomes, summary, _) = evaluate_against(db, m, tree).await?;
    replace_results(db, m, &outcomes, &summary).await?;
    Ok(summary)
}

/// Replaces the stored per-criterion results and summary counts of `m`.
async fn replace_results<C: ConnectionTrait>(
    db: &C,
    m: &assessment::Model,
    outcomes: &[CriterionOutcome],
    summary: &Summary,
) -> Result<()> {
    assessment_result::Entity::delete_many()
        .filter(assessment_result::Column::AssessmentId.eq(m.id))
        .exec(db)
        .await?;
    store_results(db, m.id, outcomes, Some(summary)).await
}

/// Bit `n - 1` set for each met criterion numbered `n` (1 to 62): the reports sum these.
pub(super) fn mask_of(outcomes: &[CriterionOutcome]) -> i64 {
    mask_where(outcomes, |o| o.met)
}

/// Bit `n - 1` set for each undetermined criterion numbered `n`.
pub(super) fn unknown_mask_of(outcomes: &[CriterionOutcome]) -> i64 {
    mask_where(outcomes, |o| o.result == CriterionResult::Unknown)
}

fn mask_where(outcomes: &[CriterionOutcome], keep: impl Fn(&CriterionOutcome) -> bool) -> i64 {
    outcomes
        .iter()
        .filter(|o| keep(o) && (1..=62).contains(&o.number))
        .fold(0i64, |mask, o| mask | (1i64 << (o.number - 1)))
}

/// The rows of assessment `id`'s per-criterion results.
pub(super) fn result_rows(
    id: i32,
    outcomes: &[CriterionOutcome],
    now: chrono::DateTime<Utc>,
) -> Vec<assessment_result::ActiveModel> {
    outcomes
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
        .collect()
}

/// Inserts the per-criterion results; with a summary also updates the assessment's counts.
pub(super) async fn store_results<C: ConnectionTrait>(
    db: &C,
    id: i32,
    outcomes: &[CriterionOutcome],
    summary: Option<&Summary>,
) -> Result<()> {
    let rows = result_rows(id, outcomes, Utc::now());
    if !rows.is_empty() {
        assessment_result::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    if let Some(summary) = summary {
        Assessments::update_many()
            .col_expr(A::MetMask, Expr::value(mask_of(outcomes)))
            .col_expr(A::UnknownMask, Expr::value(unknown_mask_of(outcomes)))
            .col_expr(A::UnknownCount, Expr::value(summary.unknown))
            .col_expr(A::MetCount, Expr::value(summary.met))
            .col_expr(A::TotalCount, Expr::value(summary.total))
            .filter(A::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Checks values and decisions against a criteria tree; every problem, with its path.
pub fn check_inputs(
    tree: &[crate::domain::criteria::Criterion],
    input: &ValuesInput,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let index = crate::domain::criteria::indicator_index(tree);
    let mut seen = std::collections::HashSet::new();
    for (i, item) in input.values.iter().enumerate() {
        if !seen.insert(item.indicator_code.as_str()) {
            errors.push(FieldError::new(
                ErrorCode::Duplicate,
                format!("values[{i}].indicator_code"),
                "sent twice",
            ));
        }
        let check = match &item.value {
            Some(v) => check_value_in(&index, &item.indicator_code, v),
            None => check_value_in(&index, &item.indicator_code, &Value::Bool(true))
                .or_else(|_| check_value_in(&index, &item.indicator_code, &Value::Number(0.0))),
        };
        if let Err(message) = check {
            let field = if message.contains("is not in") {
                "indicator_code"
            } else {
                "value"
            };
            let code = if field == "indicator_code" {
                ErrorCode::NotFound
            } else {
                ErrorCode::InvalidType
            };
            errors.push(FieldError::new(
                code,
                format!("values[{i}].{field}"),
                message,
            ));
        }
    }
    let criteria_codes: Vec<&str> = tree.iter().map(|c| c.code.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for (i, d) in input.criteria_decisions.iter().enumerate() {
        if !criteria_codes.contains(&d.criterion_code.as_str()) {
            errors.push(FieldError::new(
                ErrorCode::NotFound,
                format!("criteria_decisions[{i}].criterion_code"),
                format!(
                    "criterion {} is not in this criteria version",
                    d.criterion_code
                ),
            ));
        } else if !seen.insert(d.criterion_code.as_str()) {
            errors.push(FieldError::new(
                ErrorCode::Duplicate,
                format!("criteria_decisions[{i}].criterion_code"),
                "sent twice",
            ));
        }
        let decided = d.result.is_some() || d.met.is_some();
        if let (Some(r), Some(met)) = (d.result, d.met) {
            if (r == DecisionResult::Met) != met {
                errors.push(FieldError::new(
                    ErrorCode::NotAllowed,
                    format!("criteria_decisions[{i}].met"),
                    "contradicts result",
                ));
            }
        }
        if decided && d.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            errors.push(FieldError::new(
                ErrorCode::Required,
                format!("criteria_decisions[{i}].note"),
                "a decision needs a note saying what it rests on",
            ));
        }
    }
    errors
}

/// The result a decision records; `None` withdraws an earlier decision.
pub(super) fn decision_result(d: &DecisionItem) -> Option<CriterionResult> {
    d.result.map(CriterionResult::from).or(d.met.map(|met| {
        if met {
            CriterionResult::Met
        } else {
            CriterionResult::NotMet
        }
    }))
}

/// The rows of assessment `id`'s values sent in `input` (not the removals).
pub(super) fn value_rows(
    id: i32,
    input: &ValuesInput,
    by: &str,
    now: chrono::DateTime<Utc>,
) -> Vec<assessment_value::ActiveModel> {
    input
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
        .collect()
}

/// The rows of assessment `id`'s decisions sent in `input` (not the withdrawals).
pub(super) fn decision_rows(
    id: i32,
    input: &ValuesInput,
    by: &str,
    now: chrono::DateTime<Utc>,
) -> Vec<criterion_decision::ActiveModel> {
    input
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
        .collect()
}

/// Writes values and decisions: one DELETE (`replace`: of the codes sent) and one
/// multi-row INSERT per kind of input, not one statement per item.
pub(super) async fn store_inputs<C: ConnectionTrait>(
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
    let rows = value_rows(id, input, by, now);
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
    let rows = decision_rows(id, input, by, now);
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
    Ok(same_inputs(&values, &decisions, input))
}

/// Whether `input` would leave the stored values and decisions as they are.
pub fn same_inputs(
    values: &HashMap<String, Value>,
    decisions: &[criterion_decision::Model],
    input: &ValuesInput,
) -> bool {
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
    same_values && same_decisions
}

/// Writes a batch of values and decisions into a draft, all or nothing.
pub async fn write_values<C: ConnectionTrait>(
    db: &C,
    trees: &Trees,
    m: &assessment::Model,
    input: &ValuesInput,
    expected: i32,
    by: &str,
) -> Result<assessment::Model> {
    ensure_status(m, Status::Draft, "editing")?;
    let tree = trees.of(db, m.criteria_version_id).await?;
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
    let (old_values, old_decisions) = load_inputs(db, m.id).await?;
    store_inputs(db, m.id, input, by, true).await?;
    // What is stored now, without reading it back: the old inputs with `input` applied.
    let mut values = old_values.clone();
    for item in &input.values {
        match item.value {
            Some(v) => values.insert(item.indicator_code.clone(), v),
            None => values.remove(&item.indicator_code),
        };
    }
    let mut decided = decided_of(&old_decisions);
    for d in &input.criteria_decisions {
        match decision_result(d) {
            Some(r) => decided.insert(d.criterion_code.clone(), r),
            None => decided.remove(&d.criterion_code),
        };
    }
    // The claim changed only the row version: `m`'s region and year still hold.
    let (outcomes, summary) = evaluate_inputs(m, tree, &values, &decided);
    replace_results(db, m, &outcomes, &summary).await?;
    let fresh = reload(db, m.id).await?;
    let extra = input_changes(input, &old_values, &old_decisions);
    record_change(db, Some(m), &fresh, extra).await?;
    Ok(fresh)
}

/// Each value and decision `input` changes, as `values.<indicator>` and
/// `decisions.<criterion>` with its old and new, for the audit trail.
fn input_changes(
    input: &ValuesInput,
    old_values: &HashMap<String, Value>,
    old_decisions: &[criterion_decision::Model],
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    for item in &input.values {
        let before = old_values.get(&item.indicator_code);
        if before != item.value.as_ref() {
            out.insert(
                format!("values.{}", item.indicator_code),
                json!({"before": before, "after": item.value}),
            );
        }
    }
    for d in &input.criteria_decisions {
        let before = old_decisions
            .iter()
            .find(|s| s.criterion_code == d.criterion_code)
            .map(|s| json!({"result": s.result, "note": s.note}));
        let after = decision_result(d).map(|r| json!({"result": r, "note": d.note}));
        if before != after {
            out.insert(
                format!("decisions.{}", d.criterion_code),
                json!({"before": before, "after": after}),
            );
        }
    }
    out
}

/// Evaluates again, once, the assessments stored before criteria could be `unknown` (their
/// `unknown_count` is NULL; migration 000014): an undetermined criterion was counted as not
/// met then. Only the stored results and counts change (the met count cannot, since an
/// unknown criterion was never met), so nothing is added to the change feed.
pub async fn evaluate_unjudged(db: &sea_orm::DatabaseConnection) -> Result<()> {
    use sea_orm::{PaginatorTrait, QuerySelect, TransactionTrait};
    let pending = Assessments::find()
        .filter(A::UnknownCount.is_null())
        .count(db)
        .await?;
    if pending == 0 {
        return Ok(());
    }
    tracing::info!(
        assessments = pending,
        "evaluating assessments stored before `unknown` existed"
    );
    let mut trees: HashMap<i32, Vec<crate::domain::criteria::Criterion>> = HashMap::new();
    let mut done = 0u64;
    loop {
        let batch = Assessments::find()
            .filter(A::UnknownCount.is_null())
            .order_by_asc(A::Id)
            .limit(500)
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        let txn = db.begin().await?;
        for m in &batch {
            let tree = match trees.entry(m.criteria_version_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(tree_for(&txn, m).await?),
            };
            refresh_results(&txn, m, tree).await?;
        }
        txn.commit().await?;
        done += batch.len() as u64;
        tracing::info!(done, of = pending, "assessments evaluated again");
    }
    Ok(())
}
