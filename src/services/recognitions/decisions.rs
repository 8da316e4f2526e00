//! Recognition decisions (quyết định công nhận) and their revocation.
use super::*;
use crate::error::ErrorCode;

/// Body of `POST /recognitions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18850", "level": "commune", "assessment_id": 9, "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh"}))]
pub struct NewRecognition {
    pub unit_code: String,
    pub level: CriteriaLevel,
    /// An appraised assessment of this unit, every criterion met.
    pub assessment_id: i32,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub decision_number: String,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub decided_on: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub signer: String,
    /// The year recognised ("đạt chuẩn năm 2022"), which may differ from the signing date;
    /// defaults to the year of `decided_on`.
    #[serde(default)]
    #[schema(minimum = 2000, maximum = 2100)]
    pub recognition_year: Option<i32>,
}

/// Body of `POST /recognitions/{id}/revoke` (thu hồi).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub decision_number: String,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub decided_on: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
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
    trees: &crate::services::criteria::trees::Trees,
    assessment: &entity::assessment::Model,
    input: &NewRecognition,
    by: &str,
) -> Result<recognition::Model> {
    let mut errors = Vec::new();
    check_text(&input.decision_number, "decision_number", 64, &mut errors);
    check_text(&input.signer, "signer", 200, &mut errors);
    if input.unit_code != assessment.unit_code {
        errors.push(FieldError::new(
            ErrorCode::NotAllowed,
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
            ErrorCode::NotAllowed,
            "level",
            format!(
                "assessment {} measures the level {}",
                assessment.id, set.level
            ),
        ));
    }
    if input.decided_on < assessment.assessed_on {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "decided_on",
            "a decision cannot precede the assessment it rests on",
        ));
    }
    if let Some(y) = input.recognition_year {
        if !(2000..=2100).contains(&y) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "recognition_year",
                "must be between 2000 and 2100",
            ));
        }
    }
    if assessment.status != Status::Appraised {
        errors.push(FieldError::new(
            ErrorCode::NotAllowed,
            "assessment_id",
            format!(
                "the assessment is {}; only an appraised assessment can be recognised",
                assessment.status
            ),
        ));
    } else {
        let (outcomes, _, _) = assessments::evaluate_stored(db, trees, assessment).await?;
        let unmet: Vec<String> = outcomes
            .iter()
            .filter(|o| !o.met)
            .map(|o| o.code.clone())
            .collect();
        if !unmet.is_empty() {
            errors.push(FieldError::new(
                ErrorCode::NotAllowed,
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
        changes::Op::Create,
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
            ErrorCode::OutOfRange,
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
        changes::Op::Update,
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

/// Filters of `GET /recognitions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecognitionQuery {
    pub unit: Option<String>,
    pub province: Option<String>,
    pub level: Option<CriteriaLevel>,
    pub revoked: Option<bool>,
    /// Recognition year.
    pub year: Option<i32>,
}

/// One recognition decision, 404 when there is none.
pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> Result<recognition::Model> {
    recognition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("recognition {id}")))
}

/// Recognition decisions, filtered, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    q: &RecognitionQuery,
    request: PageRequest,
) -> Result<Page<recognition::Model>> {
    let mut select = recognition::Entity::find();
    if let Some(u) = &q.unit {
        select = select.filter(recognition::Column::UnitCode.eq(u.as_str()));
    }
    if let Some(p) = &q.province {
        select = select.filter(recognition::Column::ProvinceCode.eq(p.as_str()));
    }
    if let Some(l) = q.level {
        select = select.filter(recognition::Column::Level.eq(l));
    }
    if let Some(r) = q.revoked {
        select = select.filter(recognition::Column::Revoked.eq(r));
    }
    if let Some(y) = q.year {
        select = select.filter(recognition::Column::RecognitionYear.eq(y));
    }
    let select = select
        .order_by_desc(recognition::Column::DecidedOn)
        .order_by_desc(recognition::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}
