//! Criteria versions: drafts written and replaced, published (superseding the one in
//! force), revised into a new draft, deleted while draft; reads filtered by visibility.
use super::*;
use crate::error::ErrorCode;

/// A version and its set, 404 when it does not exist or is a draft the caller may not see.
pub async fn get_visible<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    id: i32,
) -> Result<(criteria_set::Model, criteria_version::Model)> {
    let version = Versions::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("criteria version {id}")))?;
    let set = get_set(db, version.set_id).await?;
    if version.status == VersionStatus::Draft && !sees_drafts(caller, &set) {
        return Err(ApiError::not_found(format!("criteria version {id}")));
    }
    Ok((set, version))
}

pub(super) fn check_version_fields(
    label: &str,
    legal: &LegalDocument,
    from: NaiveDate,
    to: Option<NaiveDate>,
    errors: &mut Vec<FieldError>,
) {
    check_text(label, "label", 32, errors);
    for (field, value, max) in [
        ("legal_document.number", &legal.number, 64),
        ("legal_document.title", &legal.title, 2000),
        ("legal_document.issuer", &legal.issuer, 200),
    ] {
        check_text(value, field, max, errors);
    }
    if let Some(to) = to {
        if to <= from {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "effective_to",
                "must be after effective_from",
            ));
        }
    }
}

/// Validates a draft body; `revises` must exist in the same set.
pub async fn validate_version<C: ConnectionTrait>(
    db: &C,
    input: &VersionInput,
    own_id: Option<i32>,
) -> Result<criteria_set::Model> {
    let mut errors = Vec::new();
    check_version_fields(
        &input.label,
        &input.legal_document,
        input.effective_from,
        input.effective_to,
        &mut errors,
    );
    validate_tree(&input.criteria, &mut errors);
    if input.criteria.is_empty() {
        errors.push(FieldError::new(
            ErrorCode::Required,
            "criteria",
            "a version needs at least one criterion",
        ));
    }
    let set = Sets::find_by_id(input.set_id).one(db).await?;
    if set.is_none() {
        errors.push(FieldError::new(
            ErrorCode::NotFound,
            "set_id",
            format!("no criteria set has the id {}", input.set_id),
        ));
    }
    if let Some(revises) = input.revises {
        match Versions::find_by_id(revises).one(db).await? {
            Some(r) if Some(r.set_id) == set.as_ref().map(|s| s.id) && Some(r.id) != own_id => {}
            Some(r) if Some(r.id) == own_id => errors.push(FieldError::new(
                ErrorCode::NotAllowed,
                "revises",
                "a version cannot revise itself",
            )),
            Some(_) => errors.push(FieldError::new(
                ErrorCode::NotAllowed,
                "revises",
                "the revised version belongs to another set",
            )),
            None => errors.push(FieldError::new(
                ErrorCode::NotFound,
                "revises",
                format!("no criteria version has the id {revises}"),
            )),
        }
    }
    match (errors.is_empty(), set) {
        (true, Some(set)) => Ok(set),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub(super) fn tree_json(criteria: &[Criterion]) -> Result<serde_json::Value> {
    serde_json::to_value(criteria).map_err(|e| ApiError::Internal(e.into()))
}

pub async fn insert_version<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    input: &VersionInput,
    status: VersionStatus,
) -> Result<criteria_version::Model> {
    let now = Utc::now();
    let (criteria_count, indicator_count) = counts(&input.criteria);
    let model = criteria_version::ActiveModel {
        set_id: Set(set.id),
        label: Set(input.label.clone()),
        legal_number: Set(input.legal_document.number.clone()),
        legal_title: Set(input.legal_document.title.clone()),
        legal_issuer: Set(input.legal_document.issuer.clone()),
        legal_signed_on: Set(input.legal_document.signed_on),
        effective_from: Set(input.effective_from),
        effective_to: Set(input.effective_to),
        status: Set(status),
        revises_id: Set(input.revises),
        published_at: Set((status != VersionStatus::Draft).then_some(now)),
        source_note: Set(input.source_note.clone()),
        criteria_count: Set(criteria_count as i32),
        indicator_count: Set(indicator_count as i32),
        tree: Set(tree_json(&input.criteria)?),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique("label", "this set already has a version with this label")?;
    record(db, set, &model, changes::Op::Create, None).await?;
    Ok(model)
}

/// The province of a provincial set; `None` for national sets.
pub(super) fn province_of_set(set: &criteria_set::Model) -> Option<&str> {
    (set.scope != NATIONAL).then_some(set.scope.as_str())
}

pub(super) async fn record<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    v: &criteria_version::Model,
    op: changes::Op,
    before: Option<&criteria_version::Model>,
) -> Result<()> {
    let (key, province, view) = (v.id.to_string(), province_of_set(set), summary(set, v));
    if v.status == VersionStatus::Draft {
        // The feed shows a version's summary; the audit trail also says which criteria,
        // indicators and thresholds of the draft's tree changed.
        let tree = before
            .map(|b| crate::services::audit::diff_under("criteria", &b.tree, &v.tree))
            .unwrap_or_default();
        let data = Some(&view);
        changes::record_draft(db, "criteria_version", &key, province, op, data, tree).await?;
    } else {
        changes::record(db, "criteria_version", &key, province, op, Some(&view)).await?;
    }
    Ok(())
}

pub(super) fn ensure_draft(v: &criteria_version::Model) -> Result<()> {
    if v.status == VersionStatus::Draft {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "criteria version {} is {}: published versions are immutable; make a revision instead",
            v.id, v.status
        )))
    }
}

/// Replaces a draft whole (PUT), with optimistic concurrency.
pub async fn replace_version<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    current: &criteria_version::Model,
    input: &VersionInput,
) -> Result<criteria_version::Model> {
    ensure_draft(current)?;
    if input.set_id != current.set_id {
        return Err(ApiError::invalid(
            ErrorCode::NotAllowed,
            "set_id",
            "a version cannot move to another set",
        ));
    }
    let (criteria_count, indicator_count) = counts(&input.criteria);
    let result = Versions::update_many()
        .col_expr(V::Label, Expr::value(input.label.clone()))
        .col_expr(
            V::LegalNumber,
            Expr::value(input.legal_document.number.clone()),
        )
        .col_expr(
            V::LegalTitle,
            Expr::value(input.legal_document.title.clone()),
        )
        .col_expr(
            V::LegalIssuer,
            Expr::value(input.legal_document.issuer.clone()),
        )
        .col_expr(
            V::LegalSignedOn,
            Expr::value(input.legal_document.signed_on),
        )
        .col_expr(V::EffectiveFrom, Expr::value(input.effective_from))
        .col_expr(V::EffectiveTo, Expr::value(input.effective_to))
        .col_expr(V::RevisesId, Expr::value(input.revises))
        .col_expr(V::SourceNote, Expr::value(input.source_note.clone()))
        .col_expr(V::CriteriaCount, Expr::value(criteria_count as i32))
        .col_expr(V::IndicatorCount, Expr::value(indicator_count as i32))
        .col_expr(V::Tree, Expr::value(tree_json(&input.criteria)?))
        .col_expr(V::RowVersion, Expr::value(current.row_version + 1))
        .col_expr(V::UpdatedAt, Expr::value(Utc::now()))
        .filter(V::Id.eq(current.id))
        .filter(V::RowVersion.eq(current.row_version))
        .filter(V::Status.eq(VersionStatus::Draft))
        .exec(db)
        .await
        .on_unique("label", "this set already has a version with this label")?;
    let model =
        crate::services::reload_updated::<_, Versions>(db, result, current.id, "criteria version")
            .await?;
    record(db, set, &model, changes::Op::Update, Some(current)).await?;
    Ok(model)
}

pub async fn delete_version<C: ConnectionTrait>(
    db: &C,
    current: &criteria_version::Model,
) -> Result<()> {
    ensure_draft(current)?;
    let province = province_of_set(&get_set(db, current.set_id).await?).map(str::to_string);
    let revisions = Versions::find()
        .filter(V::RevisesId.eq(current.id))
        .count(db)
        .await?;
    if revisions > 0 {
        return Err(ApiError::conflict("other versions revise this draft"));
    }
    let delete = Versions::delete_many()
        .filter(V::Id.eq(current.id))
        .filter(V::RowVersion.eq(current.row_version));
    let key = current.id.to_string();
    changes::delete_recorded_draft(db, delete, "criteria_version", &key, province.as_deref()).await
}

/// Publishes a draft. The version it revises becomes superseded and ends the day before
/// this one takes effect.
pub async fn publish<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    current: &criteria_version::Model,
) -> Result<criteria_version::Model> {
    ensure_draft(current)?;
    let now = Utc::now();
    let result = Versions::update_many()
        .col_expr(V::Status, Expr::value(VersionStatus::Published))
        .col_expr(V::PublishedAt, Expr::value(now))
        .col_expr(V::RowVersion, Expr::value(current.row_version + 1))
        .col_expr(V::UpdatedAt, Expr::value(now))
        .filter(V::Id.eq(current.id))
        .filter(V::Status.eq(VersionStatus::Draft))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(ApiError::conflict(
            "the version was published or deleted meanwhile",
        ));
    }
    if let Some(revised_id) = current.revises_id {
        mark_superseded(db, set, revised_id, current.effective_from).await?;
    }
    let model = Versions::find_by_id(current.id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the version"))?;
    record(db, set, &model, changes::Op::Update, None).await?;
    Ok(model)
}

/// Marks a published version superseded by a revision taking effect on `from`.
pub async fn mark_superseded<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    id: i32,
    from: NaiveDate,
) -> Result<()> {
    let Some(revised) = Versions::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    if revised.status == VersionStatus::Draft {
        return Err(ApiError::conflict(format!(
            "the revised version {id} is still a draft; publish it first"
        )));
    }
    let day_before = from - Duration::days(1);
    let ends = match revised.effective_to {
        Some(to) if to <= day_before => to,
        _ => std::cmp::max(day_before, revised.effective_from),
    };
    Versions::update_many()
        .col_expr(V::Status, Expr::value(VersionStatus::Superseded))
        .col_expr(V::EffectiveTo, Expr::value(ends))
        .col_expr(V::RowVersion, Expr::value(revised.row_version + 1))
        .col_expr(V::UpdatedAt, Expr::value(Utc::now()))
        .filter(V::Id.eq(id))
        .exec(db)
        .await?;
    let model = Versions::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the version"))?;
    record(db, set, &model, changes::Op::Update, None).await
}

pub async fn list_versions<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    filter: &VersionFilter,
    request: PageRequest,
) -> Result<Page<VersionSummary>> {
    let mut sets = Sets::find();
    if let Some(level) = filter.level {
        sets = sets.filter(criteria_set::Column::Level.eq(level));
    }
    if let Some(scope) = &filter.scope {
        sets = sets.filter(criteria_set::Column::Scope.eq(scope.as_str()));
    }
    let sets = sets.all(db).await?;
    let draft_sets: Vec<i32> = sets
        .iter()
        .filter(|s| sees_drafts(caller, s))
        .map(|s| s.id)
        .collect();
    let set_ids: Vec<i32> = sets.iter().map(|s| s.id).collect();
    let mut query = Versions::find().filter(V::SetId.is_in(set_ids));
    if let Some(set) = filter.set {
        query = query.filter(V::SetId.eq(set));
    }
    if let Some(status) = filter.status {
        query = query.filter(V::Status.eq(status));
    }
    if let Some(day) = filter.effective_on {
        query = query
            .filter(V::Status.ne(VersionStatus::Draft))
            .filter(V::EffectiveFrom.lte(day))
            .filter(
                Condition::any()
                    .add(V::EffectiveTo.is_null())
                    .add(V::EffectiveTo.gte(day)),
            );
    }
    query = query.filter(
        Condition::any()
            .add(V::Status.ne(VersionStatus::Draft))
            .add(V::SetId.is_in(draft_sets)),
    );
    let query = query
        .order_by_asc(V::SetId)
        .order_by_asc(V::EffectiveFrom)
        .order_by_asc(V::Id);
    let summarise = |rows: &[criteria_version::Model]| -> Vec<VersionSummary> {
        rows.iter()
            .filter_map(|v| {
                sets.iter()
                    .find(|s| s.id == v.set_id)
                    .map(|s| summary(s, v))
            })
            .collect()
    };
    let Some(complete) = filter.complete else {
        let rows = crate::services::fetch_page(db, query, request).await?;
        return Ok(request.page_of(summarise(&rows.items), rows.total));
    };
    // Completeness is computed from the tree, not stored: the versions a caller can list
    // are a few hundred at most, so they are filtered here and the page cut after.
    let matching: Vec<VersionSummary> = summarise(&query.all(db).await?)
        .into_iter()
        .filter(|v| v.complete == complete)
        .collect();
    let total = matching.len() as u64;
    let items = matching
        .into_iter()
        .skip(request.offset() as usize)
        .take(request.per_page as usize)
        .collect();
    Ok(request.page_of(items, total))
}

/// A new draft that copies a version's tree and revises it.
pub async fn revise<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    source: &criteria_version::Model,
    input: &RevisionInput,
) -> Result<criteria_version::Model> {
    let mut errors = Vec::new();
    check_version_fields(
        &input.label,
        &input.legal_document,
        input.effective_from,
        input.effective_to,
        &mut errors,
    );
    if input.effective_from <= source.effective_from {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "effective_from",
            format!(
                "a revision takes effect after the version it revises ({})",
                source.effective_from
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if source.status == VersionStatus::Draft {
        return Err(ApiError::conflict(
            "a draft cannot be revised; edit it instead",
        ));
    }
    let draft = VersionInput {
        set_id: set.id,
        label: input.label.clone(),
        legal_document: input.legal_document.clone(),
        effective_from: input.effective_from,
        effective_to: input.effective_to,
        revises: Some(source.id),
        source_note: source.source_note.clone(),
        criteria: tree_of(source)?,
    };
    insert_version(db, set, &draft, VersionStatus::Draft).await
}

/// Replaces a draft's tree and keeps its metadata: the spreadsheet import (`PUT
/// /criteria-versions/{id}/criteria`, `ntm-api import criteria`).
pub async fn replace_tree<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    current: &criteria_version::Model,
    criteria: Vec<Criterion>,
) -> Result<criteria_version::Model> {
    ensure_draft(current)?;
    let input = VersionInput {
        set_id: current.set_id,
        label: current.label.clone(),
        legal_document: LegalDocument::of(current),
        effective_from: current.effective_from,
        effective_to: current.effective_to,
        revises: current.revises_id,
        source_note: current.source_note.clone(),
        criteria,
    };
    validate_version(db, &input, Some(current.id)).await?;
    replace_version(db, set, current, &input).await
}
