//! Criteria sets and versions: drafts, publication, revisions, visibility.
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::criteria_set::{self, Entity as Sets};
use entity::criteria_version::{self, Column as V, Entity as Versions};

use crate::access::{Caller, Scope};
use crate::domain::criteria::{counts, validate_tree, CriteriaLevel, Criterion};
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{changes, units};

pub const NATIONAL: &str = "national";

/// Status of a criteria version: defined with the `criteria_versions.status` column.
pub use entity::enums::VersionStatus;

/// A criteria set as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriteriaSetView {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub level: CriteriaLevel,
    /// `national` or a province code.
    pub scope: String,
}

impl From<&criteria_set::Model> for CriteriaSetView {
    fn from(m: &criteria_set::Model) -> Self {
        CriteriaSetView {
            id: m.id,
            code: m.code.clone(),
            name: m.name.clone(),
            level: m.level,
            scope: m.scope.clone(),
        }
    }
}

/// Body of `POST /criteria-sets`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "HT-XA-NTM-2021", "name": "Bộ tiêu chí xã NTM tỉnh Hà Tĩnh 2021-2025", "level": "commune", "scope": "42"}))]
pub struct NewCriteriaSet {
    /// Unique, 2 to 64 upper-case letters, digits and '-'.
    pub code: String,
    pub name: String,
    pub level: CriteriaLevel,
    /// `national` (admins) or a province code (that province's officers).
    pub scope: String,
}

/// The legal document a version rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalDocument {
    /// e.g. `318/QĐ-TTg`, `36/2022/QĐ-UBND`.
    pub number: String,
    pub title: String,
    pub issuer: String,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
}

/// Body of `POST /criteria-versions` (a draft) and `PUT /criteria-versions/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub set_id: i32,
    pub label: String,
    pub legal_document: LegalDocument,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// The version this one amends (same set).
    #[serde(default)]
    pub revises: Option<i32>,
    #[serde(default)]
    pub source_note: Option<String>,
    pub criteria: Vec<Criterion>,
}

/// Body of `POST /criteria-versions/{id}/revisions`: a new draft copying the tree.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    pub label: String,
    pub legal_document: LegalDocument,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
}

/// A version without its tree (lists).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionSummary {
    pub id: i32,
    pub set_id: i32,
    pub set_code: String,
    pub level: CriteriaLevel,
    pub scope: String,
    pub label: String,
    pub legal_document: LegalDocument,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub status: VersionStatus,
    pub revises: Option<i32>,
    pub published_at: Option<chrono::DateTime<Utc>>,
    pub source_note: Option<String>,
    pub criteria_count: i32,
    pub indicator_count: i32,
}

/// A version with its whole tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub criteria: Vec<Criterion>,
}

pub fn summary(set: &criteria_set::Model, v: &criteria_version::Model) -> VersionSummary {
    VersionSummary {
        id: v.id,
        set_id: set.id,
        set_code: set.code.clone(),
        level: set.level,
        scope: set.scope.clone(),
        label: v.label.clone(),
        legal_document: LegalDocument {
            number: v.legal_number.clone(),
            title: v.legal_title.clone(),
            issuer: v.legal_issuer.clone(),
            signed_on: v.legal_signed_on,
        },
        effective_from: v.effective_from,
        effective_to: v.effective_to,
        status: v.status,
        revises: v.revises_id,
        published_at: v.published_at,
        source_note: v.source_note.clone(),
        criteria_count: v.criteria_count,
        indicator_count: v.indicator_count,
    }
}

pub fn tree_of(v: &criteria_version::Model) -> Result<Vec<Criterion>> {
    serde_json::from_value(v.tree.clone()).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "criteria version {} has an unreadable tree: {e}",
            v.id
        ))
    })
}

pub fn view(set: &criteria_set::Model, v: &criteria_version::Model) -> Result<VersionView> {
    Ok(VersionView {
        summary: summary(set, v),
        criteria: tree_of(v)?,
    })
}

/// Where a set sits, for scope checks: national sets belong to admins only.
pub fn set_scope(set: &criteria_set::Model) -> Scope {
    scope_named(&set.scope)
}

/// Where a set whose `scope` field is `scope` (`national` or a province code) sits.
pub fn scope_named(scope: &str) -> Scope {
    if scope == NATIONAL {
        Scope::default()
    } else {
        Scope::province(scope)
    }
}

/// One criteria set, if it exists.
pub async fn find_set<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<criteria_set::Model>> {
    Ok(criteria_set::Entity::find_by_id(id).one(db).await?)
}

/// Criteria sets, filtered by level and scope, in id order.
pub async fn list_sets<C: ConnectionTrait>(
    db: &C,
    level: Option<CriteriaLevel>,
    scope: Option<String>,
    request: PageRequest,
) -> Result<Page<criteria_set::Model>> {
    let mut select = criteria_set::Entity::find();
    if let Some(level) = level {
        select = select.filter(criteria_set::Column::Level.eq(level));
    }
    if let Some(scope) = scope {
        select = select.filter(criteria_set::Column::Scope.eq(scope));
    }
    let select = select.order_by_asc(criteria_set::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}

/// Whether a caller may see drafts of a set: its editors and viewers
/// ([`Caller::sees_criteria_drafts`]).
pub fn sees_drafts(caller: Option<&Caller>, set: &criteria_set::Model) -> bool {
    caller.is_some_and(|c| c.sees_criteria_drafts(&set_scope(set)))
}

pub async fn validate_new_set<C: ConnectionTrait>(db: &C, input: &NewCriteriaSet) -> Result<()> {
    let mut errors = Vec::new();
    let code_ok = (2..=64).contains(&input.code.len())
        && input
            .code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !code_ok {
        errors.push(FieldError::new(
            "code",
            "2 to 64 upper-case letters, digits or '-'",
        ));
    }
    check_text(&input.name, "name", 300, &mut errors);
    if input.scope != NATIONAL
        && units::find_current(db, Level::Province, &input.scope)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "scope",
            "`national` or the code of a current province",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub async fn create_set<C: ConnectionTrait>(
    db: &C,
    input: &NewCriteriaSet,
) -> Result<criteria_set::Model> {
    let now = Utc::now();
    let model = criteria_set::ActiveModel {
        code: Set(input.code.clone()),
        name: Set(input.name.clone()),
        level: Set(input.level),
        scope: Set(input.scope.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique("code", "a criteria set with this code exists")?;
    changes::record(
        db,
        "criteria_set",
        &model.id.to_string(),
        province_of_set(&model),
        changes::Op::Upsert,
        Some(&CriteriaSetView::from(&model)),
    )
    .await?;
    Ok(model)
}

pub async fn get_set<C: ConnectionTrait>(db: &C, id: i32) -> Result<criteria_set::Model> {
    Sets::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("criteria set {id}")))
}

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

fn check_version_fields(
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
            "criteria",
            "a version needs at least one criterion",
        ));
    }
    let set = Sets::find_by_id(input.set_id).one(db).await?;
    if set.is_none() {
        errors.push(FieldError::new(
            "set_id",
            format!("no criteria set has the id {}", input.set_id),
        ));
    }
    if let Some(revises) = input.revises {
        match Versions::find_by_id(revises).one(db).await? {
            Some(r) if Some(r.set_id) == set.as_ref().map(|s| s.id) && Some(r.id) != own_id => {}
            Some(r) if Some(r.id) == own_id => {
                errors.push(FieldError::new("revises", "a version cannot revise itself"))
            }
            Some(_) => errors.push(FieldError::new(
                "revises",
                "the revised version belongs to another set",
            )),
            None => errors.push(FieldError::new(
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

fn tree_json(criteria: &[Criterion]) -> Result<serde_json::Value> {
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
    record(db, set, &model).await?;
    Ok(model)
}

/// The province of a provincial set; `None` for national sets.
fn province_of_set(set: &criteria_set::Model) -> Option<&str> {
    (set.scope != NATIONAL).then_some(set.scope.as_str())
}

async fn record<C: ConnectionTrait>(
    db: &C,
    set: &criteria_set::Model,
    v: &criteria_version::Model,
) -> Result<()> {
    changes::record(
        db,
        "criteria_version",
        &v.id.to_string(),
        province_of_set(set),
        changes::Op::Upsert,
        Some(&summary(set, v)),
    )
    .await?;
    Ok(())
}

fn ensure_draft(v: &criteria_version::Model) -> Result<()> {
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
    record(db, set, &model).await?;
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
    changes::delete_recorded(db, delete, "criteria_version", &key, province.as_deref()).await
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
    record(db, set, &model).await?;
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
    record(db, set, &model).await
}

/// Filters of `GET /criteria-versions`.
#[derive(Debug, Default, Clone)]
pub struct VersionFilter {
    pub set: Option<i32>,
    pub status: Option<VersionStatus>,
    pub effective_on: Option<NaiveDate>,
    pub level: Option<CriteriaLevel>,
    pub scope: Option<String>,
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
    let rows = crate::services::fetch_page(db, query, request).await?;
    let summaries = rows
        .items
        .iter()
        .filter_map(|v| {
            sets.iter()
                .find(|s| s.id == v.set_id)
                .map(|s| summary(s, v))
        })
        .collect();
    Ok(request.page_of(summaries, rows.total))
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
