//! Recognitions (quyết định công nhận) and their revocation; registrations (đăng ký đạt
//! chuẩn); a commune's current level.
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::{recognition, registration};

use crate::access::Scope;
use crate::domain::assessment::{Action, Status};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::Level;
use crate::error::{check_text, ApiError, DbResultExt, FieldError, Result};
use crate::services::{assessments, changes, criteria, units};

/// Body of `POST /recognitions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18850", "level": "commune", "assessment_id": 9, "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh"}))]
pub struct NewRecognition {
    pub unit_code: String,
    pub level: CriteriaLevel,
    /// An appraised assessment of this unit, every criterion met.
    pub assessment_id: i32,
    pub decision_number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    /// The year recognised ("đạt chuẩn năm 2022"), which may differ from the signing date;
    /// defaults to the year of `decided_on`.
    #[serde(default)]
    pub recognition_year: Option<i32>,
}

/// Body of `POST /recognitions/{id}/revoke` (thu hồi).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub decision_number: String,
    pub decided_on: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecognitionView {
    pub id: i32,
    pub unit_code: String,
    pub unit_level: Level,
    pub province_code: Option<String>,
    pub level: CriteriaLevel,
    pub assessment_id: i32,
    pub decision_number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    pub recognition_year: i32,
    pub revoked: bool,
    pub revocation: Option<RevocationView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevocationView {
    pub decision_number: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

impl From<&recognition::Model> for RecognitionView {
    fn from(m: &recognition::Model) -> Self {
        RecognitionView {
            id: m.id,
            unit_code: m.unit_code.clone(),
            unit_level: m.unit_level,
            province_code: m.province_code.clone(),
            level: m.level,
            assessment_id: m.assessment_id,
            decision_number: m.decision_number.clone(),
            decided_on: m.decided_on,
            signer: m.signer.clone(),
            recognition_year: m.recognition_year,
            revoked: m.revoked,
            revocation: m.revoked.then(|| RevocationView {
                decision_number: m.revocation_decision_number.clone(),
                decided_on: m.revoked_on,
                reason: m.revocation_reason.clone(),
            }),
        }
    }
}

pub fn scope_of(m: &recognition::Model) -> Scope {
    Scope {
        agency: None,
        province: m.province_code.clone(),
        district: m.district_code.clone(),
        commune: (m.unit_level == Level::Commune).then(|| m.unit_code.clone()),
    }
}

/// Creates a recognition: the assessment must be appraised with every criterion met (422
/// naming the unmet criteria otherwise); the assessment becomes `recognized`.
pub async fn recognize<C: ConnectionTrait>(
    db: &C,
    assessment: &entity::assessment::Model,
    input: &NewRecognition,
    by: &str,
) -> Result<recognition::Model> {
    let mut errors = Vec::new();
    check_text(&input.decision_number, "decision_number", 64, &mut errors);
    check_text(&input.signer, "signer", 200, &mut errors);
    if input.unit_code != assessment.unit_code {
        errors.push(FieldError::new(
            "unit_code",
            format!(
                "assessment {} is about unit {}",
                assessment.id, assessment.unit_code
            ),
        ));
    }
    let version = entity::criteria_version::Entity::find_by_id(assessment.criteria_version_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the criteria version"))?;
    let set = criteria::get_set(db, version.set_id).await?;
    if set.level != input.level {
        errors.push(FieldError::new(
            "level",
            format!(
                "assessment {} measures the level {}",
                assessment.id, set.level
            ),
        ));
    }
    if input.decided_on < assessment.assessed_on {
        errors.push(FieldError::new(
            "decided_on",
            "a decision cannot precede the assessment it rests on",
        ));
    }
    if let Some(y) = input.recognition_year {
        if !(2000..=2100).contains(&y) {
            errors.push(FieldError::new(
                "recognition_year",
                "must be between 2000 and 2100",
            ));
        }
    }
    if assessment.status != Status::Appraised {
        errors.push(FieldError::new(
            "assessment_id",
            format!(
                "the assessment is {}; only an appraised assessment can be recognised",
                assessment.status
            ),
        ));
    } else {
        let (outcomes, _, _) = assessments::evaluate_stored(db, assessment).await?;
        let unmet: Vec<String> = outcomes
            .iter()
            .filter(|o| !o.met)
            .map(|o| o.code.clone())
            .collect();
        if !unmet.is_empty() {
            errors.push(FieldError::new(
                "assessment_id",
                format!("criteria not met: {}", unmet.join(", ")),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = Utc::now();
    let model = recognition::ActiveModel {
        unit_level: Set(assessment.unit_level),
        unit_code: Set(assessment.unit_code.clone()),
        province_code: Set(assessment.province_code.clone()),
        district_code: Set(assessment.district_code.clone()),
        level: Set(input.level),
        assessment_id: Set(assessment.id),
        decision_number: Set(input.decision_number.clone()),
        decided_on: Set(input.decided_on),
        signer: Set(input.signer.clone()),
        recognition_year: Set(input.recognition_year.unwrap_or(input.decided_on.year())),
        revoked: Set(false),
        revocation_decision_number: Set(None),
        revoked_on: Set(None),
        revocation_reason: Set(None),
        created_by: Set(by.to_string()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    assessments::transition(
        db,
        assessment,
        Action::Recognize,
        assessment.row_version,
        by,
        Some(format!("decision {}", input.decision_number)),
    )
    .await?;
    changes::record(
        db,
        "recognition",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&RecognitionView::from(&model)),
    )
    .await?;
    Ok(model)
}

pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    m: &recognition::Model,
    input: &Revocation,
) -> Result<recognition::Model> {
    let mut errors = Vec::new();
    check_text(&input.decision_number, "decision_number", 64, &mut errors);
    check_text(&input.reason, "reason", 2000, &mut errors);
    if input.decided_on < m.decided_on {
        errors.push(FieldError::new(
            "decided_on",
            "a revocation cannot precede the recognition",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let result = recognition::Entity::update_many()
        .col_expr(recognition::Column::Revoked, Expr::value(true))
        .col_expr(
            recognition::Column::RevocationDecisionNumber,
            Expr::value(input.decision_number.clone()),
        )
        .col_expr(
            recognition::Column::RevokedOn,
            Expr::value(input.decided_on),
        )
        .col_expr(
            recognition::Column::RevocationReason,
            Expr::value(input.reason.clone()),
        )
        .col_expr(
            recognition::Column::RowVersion,
            Expr::value(m.row_version + 1),
        )
        .col_expr(recognition::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(recognition::Column::Id.eq(m.id))
        .filter(recognition::Column::Revoked.eq(false))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(ApiError::conflict("this recognition is already revoked"));
    }
    let fresh = recognition::Entity::find_by_id(m.id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("the recognition"))?;
    changes::record(
        db,
        "recognition",
        &m.id.to_string(),
        fresh.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&RecognitionView::from(&fresh)),
    )
    .await?;
    Ok(fresh)
}

/// Recognitions of a unit version (decided within its validity), oldest first.
pub async fn of_unit<C: ConnectionTrait>(
    db: &C,
    unit: &entity::unit::Model,
) -> Result<Vec<recognition::Model>> {
    let period = units::period_of(unit);
    Ok(recognition::Entity::find()
        .filter(recognition::Column::UnitCode.eq(unit.code.as_str()))
        .filter(recognition::Column::UnitLevel.eq(unit.level))
        .order_by_asc(recognition::Column::DecidedOn)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| period.contains(r.decided_on))
        .collect())
}

/// The highest level among unrevoked recognitions (`none` without any).
pub fn current_level(recognitions: &[recognition::Model]) -> &'static str {
    recognitions
        .iter()
        .filter(|r| !r.revoked)
        .map(|r| r.level)
        .max_by_key(|l| rank_of(*l))
        .map(CriteriaLevel::as_str)
        .unwrap_or("none")
}

/// Body of `POST /registrations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18475", "level": "commune", "target_year": 2018}))]
pub struct NewRegistration {
    pub unit_code: String,
    pub level: CriteriaLevel,
    pub target_year: i32,
    #[serde(default)]
    pub note: Option<String>,
}

/// Body of `PATCH /registrations/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationPatch {
    pub target_year: Option<i32>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationView {
    pub id: i32,
    pub unit_code: String,
    pub unit_level: Level,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub level: CriteriaLevel,
    pub target_year: i32,
    pub note: Option<String>,
    pub created_by: String,
}

impl From<&registration::Model> for RegistrationView {
    fn from(m: &registration::Model) -> Self {
        RegistrationView {
            id: m.id,
            unit_code: m.unit_code.clone(),
            unit_level: m.unit_level,
            province_code: m.province_code.clone(),
            district_code: m.district_code.clone(),
            level: m.level,
            target_year: m.target_year,
            note: m.note.clone(),
            created_by: m.created_by.clone(),
        }
    }
}

pub fn registration_scope(m: &registration::Model) -> Scope {
    Scope {
        agency: None,
        province: m.province_code.clone(),
        district: m.district_code.clone(),
        commune: (m.unit_level == Level::Commune).then(|| m.unit_code.clone()),
    }
}

fn check_year(year: i32, errors: &mut Vec<FieldError>) {
    if !(2010..=2100).contains(&year) {
        errors.push(FieldError::new(
            "target_year",
            "must be between 2010 and 2100",
        ));
    }
}

/// The unit a registration is about, as it was at the start of the target year.
pub async fn registration_unit<C: ConnectionTrait>(
    db: &C,
    input: &NewRegistration,
) -> Result<entity::unit::Model> {
    let mut errors = Vec::new();
    check_year(input.target_year, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let level = assessments::unit_level_for(input.level);
    let day = NaiveDate::from_ymd_opt(input.target_year, 1, 1).unwrap_or_default();
    units::find_on(db, level, &input.unit_code, Some(day))
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "unit_code",
                format!(
                    "no {} {} existed at the start of {}",
                    level.noun(),
                    input.unit_code,
                    input.target_year
                ),
            )
        })
}

pub async fn register<C: ConnectionTrait>(
    db: &C,
    unit: &entity::unit::Model,
    input: &NewRegistration,
    by: &str,
) -> Result<registration::Model> {
    if input
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > 2000)
    {
        return Err(ApiError::invalid("note", "at most 2000 characters"));
    }
    let now = Utc::now();
    let scope = units::scope_of(unit);
    let model = registration::ActiveModel {
        unit_level: Set(unit.level),
        unit_code: Set(unit.code.clone()),
        province_code: Set(scope.province),
        district_code: Set(scope.district),
        level: Set(input.level),
        target_year: Set(input.target_year),
        note: Set(input.note.clone()),
        created_by: Set(by.to_string()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique(
        "target_year",
        "this unit is already registered for this level and year",
    )?;
    changes::record(
        db,
        "registration",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&RegistrationView::from(&model)),
    )
    .await?;
    Ok(model)
}

pub async fn update_registration<C: ConnectionTrait>(
    db: &C,
    m: &registration::Model,
    patch: &RegistrationPatch,
    expected: i32,
) -> Result<registration::Model> {
    let mut errors = Vec::new();
    if let Some(y) = patch.target_year {
        check_year(y, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let result = registration::Entity::update_many()
        .col_expr(
            registration::Column::TargetYear,
            Expr::value(patch.target_year.unwrap_or(m.target_year)),
        )
        .col_expr(
            registration::Column::Note,
            Expr::value(patch.note.clone().unwrap_or_else(|| m.note.clone())),
        )
        .col_expr(registration::Column::RowVersion, Expr::value(expected + 1))
        .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(registration::Column::Id.eq(m.id))
        .filter(registration::Column::RowVersion.eq(expected))
        .exec(db)
        .await
        .on_unique(
            "target_year",
            "this unit is already registered for this level and year",
        )?;
    let fresh = crate::services::reload_updated::<_, registration::Entity>(
        db,
        result,
        m.id,
        "registration",
    )
    .await?;
    changes::record(
        db,
        "registration",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Upsert,
        Some(&RegistrationView::from(&fresh)),
    )
    .await?;
    Ok(fresh)
}

pub async fn delete_registration<C: ConnectionTrait>(
    db: &C,
    m: &registration::Model,
    expected: i32,
) -> Result<()> {
    let delete = registration::Entity::delete_many()
        .filter(registration::Column::Id.eq(m.id))
        .filter(registration::Column::RowVersion.eq(expected));
    let key = m.id.to_string();
    changes::delete_recorded(db, delete, "registration", &key, m.province_code.as_deref()).await
}

/// A commune's current level, as the `level` filter of `GET /communes` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CurrentLevel {
    None,
    Commune,
    CommuneAdvanced,
    CommuneModel,
}

impl CurrentLevel {
    fn rank(self) -> u8 {
        match self {
            CurrentLevel::None => 0,
            CurrentLevel::Commune => 1,
            CurrentLevel::CommuneAdvanced => 2,
            CurrentLevel::CommuneModel => 3,
        }
    }
}

fn rank_of(level: CriteriaLevel) -> u8 {
    match level {
        CriteriaLevel::CommuneModel => 3,
        CriteriaLevel::CommuneAdvanced => 2,
        CriteriaLevel::Commune => 1,
        _ => 0,
    }
}

/// The standing recognitions of communes, to keep those at one current level.
#[derive(Debug, Clone)]
pub struct Standing {
    pub level: CurrentLevel,
    /// Per commune code: (decided on, rank) of each unrevoked recognition.
    pub decided: std::sync::Arc<std::collections::HashMap<String, Vec<(NaiveDate, u8)>>>,
}

impl Standing {
    /// Whether a commune version is at the wanted level: its highest unrevoked recognition
    /// decided within the version's period.
    pub fn matches(&self, u: &entity::unit::Model) -> bool {
        let period = units::period_of(u);
        let best = self
            .decided
            .get(&u.code)
            .and_then(|v| {
                v.iter()
                    .filter(|(d, _)| period.contains(*d))
                    .map(|(_, r)| *r)
                    .max()
            })
            .unwrap_or(0);
        best == self.level.rank()
    }
}

pub async fn standing<C: ConnectionTrait>(db: &C, level: CurrentLevel) -> Result<Standing> {
    let rows: Vec<(String, CriteriaLevel, NaiveDate)> = recognition::Entity::find()
        .select_only()
        .column(recognition::Column::UnitCode)
        .column(recognition::Column::Level)
        .column(recognition::Column::DecidedOn)
        .filter(recognition::Column::UnitLevel.eq(Level::Commune))
        .filter(recognition::Column::Revoked.eq(false))
        .into_tuple()
        .all(db)
        .await?;
    let mut decided: std::collections::HashMap<String, Vec<(NaiveDate, u8)>> =
        std::collections::HashMap::new();
    for (code, l, on) in rows {
        decided.entry(code).or_default().push((on, rank_of(l)));
    }
    Ok(Standing {
        level,
        decided: std::sync::Arc::new(decided),
    })
}
