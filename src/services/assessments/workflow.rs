//! The review → appraisal → recognition workflow: transitions with their history, the
//! draft's deletion and its new date.
use super::*;
use crate::error::ErrorCode;

pub(super) async fn record_transition<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: Option<Status>,
    to: Status,
    by: &str,
    note: Option<String>,
) -> Result<()> {
    transition_row(id, from, to, by, note, Utc::now())
        .insert(db)
        .await?;
    Ok(())
}

/// The history row of assessment `id` moving from `from` to `to`.
pub(super) fn transition_row(
    id: i32,
    from: Option<Status>,
    to: Status,
    by: &str,
    note: Option<String>,
    now: chrono::DateTime<Utc>,
) -> assessment_transition::ActiveModel {
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
}

/// Claims the next row version (optimistic concurrency): 412 when `expected` is stale,
/// 409 when the assessment left `status` meanwhile.
pub(super) async fn claim<C: ConnectionTrait>(
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

pub(super) fn ensure_status(m: &assessment::Model, status: Status, doing: &str) -> Result<()> {
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
            ErrorCode::Required,
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
    record_change(db, Some(m), &fresh, Default::default()).await?;
    Ok(fresh)
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
    caller: &Caller,
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
    // The unit is resolved again on the new date and may sit elsewhere then (codes moved in
    // the 2025 reform): the author must cover the new place as on create.
    let scope = prepared.scope();
    caller.ensure(author_permission(m.kind), &scope)?;
    claim(db, m, expected, Status::Draft, Status::Draft).await?;
    Assessments::update_many()
        .col_expr(A::AssessedOn, Expr::value(on))
        .col_expr(A::Year, Expr::value(on.year()))
        .col_expr(A::ProvinceCode, Expr::value(scope.province))
        .col_expr(A::DistrictCode, Expr::value(scope.district))
        .col_expr(A::CommuneCode, Expr::value(scope.commune))
        .col_expr(A::Region, Expr::value(prepared.threshold_region()))
        .col_expr(
            A::DesignationId,
            Expr::value(prepared.designation.as_ref().map(|d| d.id)),
        )
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
    record_change(db, Some(m), &fresh, Default::default()).await?;
    Ok(fresh)
}

/// Evaluates again the assessments of commune `code` (in `province`) dated from `from` to
/// `to` that are not recognised yet, after its designation changed: each takes the region
/// of the designation now in force on its date (or the commune's own) and its results are
/// stored again. Recognised ones keep the figures their recognition rests on.
pub async fn judge_again<C: ConnectionTrait>(
    db: &C,
    code: &str,
    province: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Result<()> {
    let mut query = Assessments::find()
        .filter(A::UnitCode.eq(code))
        .filter(A::UnitLevel.eq(Level::Commune))
        .filter(A::ProvinceCode.eq(province))
        .filter(A::Status.ne(Status::Recognized))
        .filter(A::AssessedOn.gte(from));
    if let Some(to) = to {
        query = query.filter(A::AssessedOn.lte(to));
    }
    for m in query.order_by_asc(A::Id).all(db).await? {
        let Some(unit) = units::find_on(db, Level::Commune, code, Some(m.assessed_on)).await?
        else {
            continue;
        };
        let designation = crate::services::designations::in_force(db, &unit, m.assessed_on).await?;
        let region = crate::services::designations::threshold_region(&unit, designation.as_ref());
        let designation_id = designation.as_ref().map(|d| d.id);
        if region == m.region && designation_id == m.designation_id {
            continue;
        }
        Assessments::update_many()
            .col_expr(A::Region, Expr::value(region))
            .col_expr(A::DesignationId, Expr::value(designation_id))
            .col_expr(A::RowVersion, Expr::value(m.row_version + 1))
            .col_expr(A::UpdatedAt, Expr::value(Utc::now()))
            .filter(A::Id.eq(m.id))
            .exec(db)
            .await?;
        let fresh = reload(db, m.id).await?;
        let tree = tree_for(db, &fresh).await?;
        refresh_results(db, &fresh, &tree).await?;
        let fresh = reload(db, m.id).await?;
        record_change(db, Some(&m), &fresh, Default::default()).await?;
    }
    Ok(())
}
