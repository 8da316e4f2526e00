//! Registrations of target years (đăng ký đạt chuẩn).
use super::*;
use crate::error::ErrorCode;

/// Body of `POST /registrations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_code": "18475", "level": "commune", "target_year": 2018}))]
pub struct NewRegistration {
    pub unit_code: String,
    pub level: CriteriaLevel,
    #[schema(minimum = 2010, maximum = 2100)]
    pub target_year: i32,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Body of `PATCH /registrations/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationPatch {
    #[schema(minimum = 2010, maximum = 2100)]
    pub target_year: Option<i32>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(max_length = 2000)]
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

pub(super) fn check_year(year: i32, errors: &mut Vec<FieldError>) {
    if !(2010..=2100).contains(&year) {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
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
                ErrorCode::NotFound,
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
        return Err(ApiError::invalid(
            ErrorCode::TooLong,
            "note",
            "at most 2000 characters",
        ));
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
        changes::Op::Create,
        Some(&RegistrationView::from(&model)),
    )
    .await?;
    Ok(model)
}

/// The rules of a registration edit that need no stored data: checked before the
/// `If-Match` precondition, so a malformed edit is a 422 whatever the copy it was made on.
pub fn check_patch(patch: &RegistrationPatch, errors: &mut Vec<FieldError>) {
    if let Some(y) = patch.target_year {
        check_year(y, errors);
    }
    if patch
        .note
        .as_ref()
        .and_then(Option::as_deref)
        .is_some_and(|n| n.chars().count() > 2000)
    {
        errors.push(FieldError::new(
            ErrorCode::TooLong,
            "note",
            "at most 2000 characters",
        ));
    }
}

pub async fn update_registration<C: ConnectionTrait>(
    db: &C,
    m: &registration::Model,
    patch: &RegistrationPatch,
    expected: i32,
) -> Result<registration::Model> {
    let mut errors = Vec::new();
    check_patch(patch, &mut errors);
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
        changes::Op::Update,
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

/// Filters of `GET /registrations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub unit: Option<String>,
    pub province: Option<String>,
    pub district: Option<String>,
    pub level: Option<CriteriaLevel>,
    /// Target year.
    pub year: Option<i32>,
}

/// One registration, 404 when there is none.
pub async fn find_registration<C: ConnectionTrait>(db: &C, id: i32) -> Result<registration::Model> {
    registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("registration {id}")))
}

/// Registrations, filtered, by target year and unit.
pub async fn list_registrations<C: ConnectionTrait>(
    db: &C,
    q: &RegistrationQuery,
    request: PageRequest,
) -> Result<Page<registration::Model>> {
    let mut select = registration::Entity::find();
    if let Some(u) = &q.unit {
        select = select.filter(registration::Column::UnitCode.eq(u.as_str()));
    }
    if let Some(p) = &q.province {
        select = select.filter(registration::Column::ProvinceCode.eq(p.as_str()));
    }
    if let Some(d) = &q.district {
        select = select.filter(registration::Column::DistrictCode.eq(d.as_str()));
    }
    if let Some(l) = q.level {
        select = select.filter(registration::Column::Level.eq(l));
    }
    if let Some(y) = q.year {
        select = select.filter(registration::Column::TargetYear.eq(y));
    }
    let select = select
        .order_by_asc(registration::Column::TargetYear)
        .order_by_asc(registration::Column::UnitCode);
    Ok(crate::services::fetch_page(db, select, request).await?)
}
