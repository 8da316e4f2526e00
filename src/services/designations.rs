//! Unit designations: dated marks a province puts on a commune that change how it is
//! judged. Under QĐ 318/QĐ-TTg (2021-2025) an especially difficult commune (xã đặc biệt khó
//! khăn) or a safe-zone commune (xã an toàn khu) of a poor district, or of a district that
//! left poverty in 2018-2020, is judged at the level of the Northern Midlands and
//! Mountains region. The province decides which of its communes qualify and records the
//! decision that classes them (`basis`); the service applies the mark to every assessment
//! dated inside its period.
//!
//! Marking or unmarking a commune evaluates again its assessments in the period that are
//! not recognised yet; a recognised assessment keeps the figures its recognition rests on
//! (the audit trail holds both).
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::unit_designation::{self, Column as D, Entity as Designations};

use crate::access::Scope;
use crate::domain::units::{Level, Region};
use crate::error::{check_text, ApiError, ErrorCode, FieldError, Result};
use crate::services::{assessments, changes, units};

pub use entity::enums::DesignationKind;

/// Body of `POST /communes/{code}/designations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "especially_difficult", "valid_from": "2022-03-08",
    "valid_to": "2025-12-31", "basis": "QĐ 861/QĐ-TTg ngày 04/6/2021"}))]
pub struct NewDesignation {
    pub kind: DesignationKind,
    /// First day the mark applies.
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub valid_from: NaiveDate,
    /// Last day it applies; null: until further notice.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub valid_to: Option<NaiveDate>,
    /// The decision that classes the commune.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub basis: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A designation as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DesignationView {
    pub id: i32,
    pub unit_code: String,
    pub province_code: String,
    pub kind: DesignationKind,
    /// The region whose thresholds apply while the mark is in force.
    pub judged_as: Region,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub basis: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<&unit_designation::Model> for DesignationView {
    fn from(m: &unit_designation::Model) -> Self {
        DesignationView {
            id: m.id,
            unit_code: m.unit_code.clone(),
            province_code: m.province_code.clone(),
            kind: m.kind,
            judged_as: m.kind.judged_as(),
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            basis: m.basis.clone(),
            note: m.note.clone(),
            created_by: m.created_by.clone(),
            created_at: m.created_at,
        }
    }
}

impl NewDesignation {
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        check_text(&self.basis, "basis", 200, errors);
        if self.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                "note",
                "at most 2000 characters",
            ));
        }
        if self.valid_to.is_some_and(|to| to < self.valid_from) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "valid_to",
                "must not be before valid_from",
            ));
        }
    }
}

/// Where a designation applies, for permission checks.
pub fn scope_of(m: &unit_designation::Model) -> Scope {
    Scope {
        province: Some(m.province_code.clone()),
        commune: Some(m.unit_code.clone()),
        ..Default::default()
    }
}

/// The region whose thresholds apply to `unit`: the designation's when one is in force,
/// otherwise the unit's own.
pub fn threshold_region(
    unit: &entity::unit::Model,
    designation: Option<&unit_designation::Model>,
) -> Option<Region> {
    match designation {
        Some(d) => Some(d.kind.judged_as()),
        None => unit.region,
    }
}

/// The designation of the commune `unit` in force on `on`, if any.
pub async fn in_force<C: ConnectionTrait>(
    db: &C,
    unit: &entity::unit::Model,
    on: NaiveDate,
) -> Result<Option<unit_designation::Model>> {
    if unit.province_code.is_none() {
        return Ok(None);
    }
    Ok(in_force_among(of_commune(db, &unit.code).await?, unit, on))
}

/// Among `designations` of the commune `unit`'s code, the one in force on `on` for the
/// unit's province: valid on that day, the latest to start.
pub fn in_force_among(
    designations: Vec<unit_designation::Model>,
    unit: &entity::unit::Model,
    on: NaiveDate,
) -> Option<unit_designation::Model> {
    let province = unit.province_code.as_deref()?;
    designations
        .into_iter()
        .filter(|d| d.unit_code == unit.code && d.province_code == province)
        .filter(|d| d.valid_from <= on && d.valid_to.is_none_or(|to| to >= on))
        .max_by_key(|d| (d.valid_from, d.id))
}

/// The designations of each of the communes `codes`, with one query (the sync of a chunk
/// of assessments).
pub async fn of_communes<C: ConnectionTrait>(
    db: &C,
    codes: &[&str],
) -> Result<std::collections::HashMap<String, Vec<unit_designation::Model>>> {
    if codes.is_empty() {
        return Ok(Default::default());
    }
    let rows = Designations::find()
        .filter(D::UnitCode.is_in(codes.iter().copied()))
        .order_by_asc(D::ValidFrom)
        .order_by_asc(D::Id)
        .all(db)
        .await?;
    Ok(crate::services::grouped(rows, |d| d.unit_code.clone()))
}

/// The designations of the commune `code`, oldest first.
pub async fn of_commune<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Vec<unit_designation::Model>> {
    Ok(Designations::find()
        .filter(D::UnitCode.eq(code))
        .order_by_asc(D::ValidFrom)
        .order_by_asc(D::Id)
        .all(db)
        .await?)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> Result<unit_designation::Model> {
    Designations::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("designation {id}")))
}

/// The commune `code` as it was on the designation's first day (422 naming `valid_from`
/// when it did not exist then).
pub async fn commune_on<C: ConnectionTrait>(
    db: &C,
    code: &str,
    input: &NewDesignation,
) -> Result<entity::unit::Model> {
    units::find_on(db, Level::Commune, code, Some(input.valid_from))
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::NotFound,
                "valid_from",
                format!("no commune {code} existed on {}", input.valid_from),
            )
        })
}

/// Marks the commune and evaluates again its assessments in the period.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    commune: &entity::unit::Model,
    input: &NewDesignation,
    by: &str,
) -> Result<unit_designation::Model> {
    let mut errors = Vec::new();
    input.check(&mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let province = units::scope_of(commune).province.unwrap_or_default();
    // Two marks over the same days would make the region ambiguous.
    let overlapping = Designations::find()
        .filter(D::UnitCode.eq(commune.code.as_str()))
        .filter(D::ProvinceCode.eq(province.as_str()))
        .filter(
            Condition::any()
                .add(D::ValidTo.is_null())
                .add(D::ValidTo.gte(input.valid_from)),
        )
        .all(db)
        .await?
        .into_iter()
        .find(|d| input.valid_to.is_none_or(|to| d.valid_from <= to));
    if let Some(d) = overlapping {
        return Err(ApiError::conflict_on(
            "valid_from",
            format!(
                "designation {} already marks commune {} from {}{}: withdraw it first",
                d.id,
                commune.code,
                d.valid_from,
                d.valid_to.map(|t| format!(" to {t}")).unwrap_or_default()
            ),
        ));
    }
    let now = Utc::now();
    let model = unit_designation::ActiveModel {
        unit_code: Set(commune.code.clone()),
        province_code: Set(province),
        kind: Set(input.kind),
        valid_from: Set(input.valid_from),
        valid_to: Set(input.valid_to),
        basis: Set(input.basis.trim().to_string()),
        note: Set(input.note.clone()),
        created_by: Set(by.to_string()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    changes::record(
        db,
        "designation",
        &model.id.to_string(),
        Some(&model.province_code),
        changes::Op::Create,
        Some(&DesignationView::from(&model)),
    )
    .await?;
    assessments::judge_again(
        db,
        &model.unit_code,
        &model.province_code,
        model.valid_from,
        model.valid_to,
    )
    .await?;
    Ok(model)
}

/// Withdraws a mark and evaluates again the assessments it applied to.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    m: &unit_designation::Model,
    expected: i32,
) -> Result<()> {
    let delete = Designations::delete_many()
        .filter(D::Id.eq(m.id))
        .filter(D::RowVersion.eq(expected));
    changes::delete_recorded_known(
        db,
        delete,
        "designation",
        &m.id.to_string(),
        Some(&m.province_code),
        &DesignationView::from(m),
    )
    .await?;
    assessments::judge_again(db, &m.unit_code, &m.province_code, m.valid_from, m.valid_to).await
}
