//! Validated writes of agencies, sponsorships and activities, with their change-feed
//! entries.
use super::*;
use crate::error::ErrorCode;

pub async fn validate_agency<C: ConnectionTrait>(db: &C, input: &NewAgency) -> Result<()> {
    let mut errors = Vec::new();
    check_text(&input.name, "name", 300, &mut errors);
    if input
        .contact
        .as_deref()
        .is_some_and(|c| c.chars().count() > 300)
    {
        errors.push(FieldError::new(
            ErrorCode::TooLong,
            "contact",
            "at most 300 characters",
        ));
    }
    if let Some(p) = &input.province_code {
        if units::find_current(db, Level::Province, p).await?.is_none() {
            errors.push(FieldError::new(
                ErrorCode::NotFound,
                "province_code",
                format!("no province has the code {p}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub async fn create_agency<C: ConnectionTrait>(db: &C, input: &NewAgency) -> Result<agency::Model> {
    let now = Utc::now();
    let model = agency::ActiveModel {
        name: Set(input.name.clone()),
        name_ascii: Set(fold(&input.name)),
        kind: Set(input.kind),
        province_code: Set(input.province_code.clone()),
        contact: Set(input.contact.clone()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    changes::record(
        db,
        "agency",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Create,
        Some(&agency_view(db, &model).await?),
    )
    .await?;
    Ok(model)
}

/// The rules of an agency edit that need no stored data: checked before the `If-Match`
/// precondition, so a malformed edit is a 422 whatever the copy it was made on.
pub fn check_agency_patch(patch: &AgencyPatch, errors: &mut Vec<FieldError>) {
    if let Some(name) = &patch.name {
        check_text(name, "name", 300, errors);
    }
    if let Some(Some(c)) = &patch.contact {
        if c.chars().count() > 300 {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                "contact",
                "at most 300 characters",
            ));
        }
    }
}

pub async fn update_agency<C: ConnectionTrait>(
    db: &C,
    m: &agency::Model,
    patch: &AgencyPatch,
    expected: i32,
) -> Result<agency::Model> {
    let mut errors = Vec::new();
    check_agency_patch(patch, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = patch.name.clone().unwrap_or_else(|| m.name.clone());
    let result = agency::Entity::update_many()
        .col_expr(agency::Column::Name, Expr::value(name.clone()))
        .col_expr(agency::Column::NameAscii, Expr::value(fold(&name)))
        .col_expr(
            agency::Column::Kind,
            Expr::value(patch.kind.unwrap_or(m.kind)),
        )
        .col_expr(
            agency::Column::Contact,
            Expr::value(patch.contact.clone().unwrap_or_else(|| m.contact.clone())),
        )
        .col_expr(agency::Column::RowVersion, Expr::value(expected + 1))
        .col_expr(agency::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(agency::Column::Id.eq(m.id))
        .filter(agency::Column::RowVersion.eq(expected))
        .exec(db)
        .await?;
    let fresh =
        crate::services::reload_updated::<_, agency::Entity>(db, result, m.id, "agency").await?;
    changes::record(
        db,
        "agency",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Update,
        Some(&agency_view(db, &fresh).await?),
    )
    .await?;
    Ok(fresh)
}

pub async fn delete_agency<C: ConnectionTrait>(
    db: &C,
    m: &agency::Model,
    expected: i32,
) -> Result<()> {
    let n = sponsorship::Entity::find()
        .filter(sponsorship::Column::AgencyId.eq(m.id))
        .count(db)
        .await?;
    if n > 0 {
        return Err(ApiError::conflict(format!(
            "the agency still has {n} sponsorships"
        )));
    }
    let delete = agency::Entity::delete_many()
        .filter(agency::Column::Id.eq(m.id))
        .filter(agency::Column::RowVersion.eq(expected));
    let key = m.id.to_string();
    changes::delete_recorded(db, delete, "agency", &key, m.province_code.as_deref()).await
}

pub(super) fn check_commitments(commitments: &[String], errors: &mut Vec<FieldError>) {
    for (i, c) in commitments.iter().enumerate() {
        check_text(c, &format!("commitments[{i}]"), 1000, errors);
    }
}

/// Validates a new sponsorship; returns the agency and the commune as it was when the
/// sponsorship started.
pub async fn validate_sponsorship<C: ConnectionTrait>(
    db: &C,
    input: &NewSponsorship,
) -> Result<(agency::Model, entity::unit::Model)> {
    let mut errors = Vec::new();
    if input.ends_on <= input.starts_on {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "ends_on",
            "must be after starts_on",
        ));
    }
    if input.signed_on.is_some_and(|s| s > input.ends_on) {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "signed_on",
            "must not be after ends_on",
        ));
    }
    if let Some(d) = &input.decision_number {
        check_text(d, "decision_number", 64, &mut errors);
    }
    check_commitments(&input.commitments, &mut errors);
    let agency = agency::Entity::find_by_id(input.agency_id).one(db).await?;
    if agency.is_none() {
        errors.push(FieldError::new(
            ErrorCode::NotFound,
            "agency_id",
            format!("no agency has the id {}", input.agency_id),
        ));
    }
    let commune = units::find_on(
        db,
        Level::Commune,
        &input.commune_code,
        Some(input.starts_on),
    )
    .await?;
    match &commune {
        None => errors.push(FieldError::new(
            ErrorCode::NotFound,
            "commune_code",
            format!(
                "no commune {} existed on {}",
                input.commune_code, input.starts_on
            ),
        )),
        // A sponsorship cannot outlast the commune version it sponsors.
        Some(c) => {
            if let Some(last) = c.valid_to.filter(|last| *last < input.ends_on) {
                errors.push(FieldError::new(
                    ErrorCode::OutOfRange,
                    "ends_on",
                    format!(
                        "commune {} ended on {last}; end the sponsorship by then",
                        input.commune_code
                    ),
                ));
            }
        }
    }
    match (errors.is_empty(), agency, commune) {
        (true, Some(a), Some(c)) => Ok((a, c)),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub async fn create_sponsorship<C: ConnectionTrait>(
    db: &C,
    input: &NewSponsorship,
    commune: &entity::unit::Model,
) -> Result<sponsorship::Model> {
    let now = Utc::now();
    let scope = units::scope_of(commune);
    let model = sponsorship::ActiveModel {
        agency_id: Set(input.agency_id),
        commune_code: Set(input.commune_code.clone()),
        province_code: Set(scope.province),
        district_code: Set(scope.district),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        signed_on: Set(input.signed_on),
        decision_number: Set(input.decision_number.clone()),
        commitments: Set(
            serde_json::to_value(&input.commitments).map_err(|e| ApiError::Internal(e.into()))?
        ),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique(
        "starts_on",
        "this agency already sponsors this commune from this date",
    )?;
    changes::record(
        db,
        "sponsorship",
        &model.id.to_string(),
        model.province_code.as_deref(),
        changes::Op::Create,
        Some(&sponsorship_view(db, &model).await?),
    )
    .await?;
    Ok(model)
}

/// The rules of a sponsorship edit that need no stored data (see [`check_agency_patch`]).
pub fn check_sponsorship_patch(patch: &SponsorshipPatch, errors: &mut Vec<FieldError>) {
    if let Some(Some(d)) = &patch.decision_number {
        check_text(d, "decision_number", 64, errors);
    }
    if let Some(c) = &patch.commitments {
        check_commitments(c, errors);
    }
}

pub async fn update_sponsorship<C: ConnectionTrait>(
    db: &C,
    m: &sponsorship::Model,
    patch: &SponsorshipPatch,
    expected: i32,
) -> Result<sponsorship::Model> {
    let mut errors = Vec::new();
    let ends_on = patch.ends_on.unwrap_or(m.ends_on);
    if ends_on <= m.starts_on {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "ends_on",
            "must be after starts_on",
        ));
    }
    let last = activity::Entity::find()
        .filter(activity::Column::SponsorshipId.eq(m.id))
        .filter(activity::Column::HappenedOn.gt(ends_on))
        .count(db)
        .await?;
    if last > 0 {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "ends_on",
            "activities are recorded after that date",
        ));
    }
    check_sponsorship_patch(patch, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let commitments = match &patch.commitments {
        Some(c) => serde_json::to_value(c).map_err(|e| ApiError::Internal(e.into()))?,
        None => m.commitments.clone(),
    };
    let result = sponsorship::Entity::update_many()
        .col_expr(sponsorship::Column::EndsOn, Expr::value(ends_on))
        .col_expr(
            sponsorship::Column::SignedOn,
            Expr::value(patch.signed_on.unwrap_or(m.signed_on)),
        )
        .col_expr(
            sponsorship::Column::DecisionNumber,
            Expr::value(
                patch
                    .decision_number
                    .clone()
                    .unwrap_or_else(|| m.decision_number.clone()),
            ),
        )
        .col_expr(sponsorship::Column::Commitments, Expr::value(commitments))
        .col_expr(sponsorship::Column::RowVersion, Expr::value(expected + 1))
        .col_expr(sponsorship::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sponsorship::Column::Id.eq(m.id))
        .filter(sponsorship::Column::RowVersion.eq(expected))
        .exec(db)
        .await?;
    let fresh =
        crate::services::reload_updated::<_, sponsorship::Entity>(db, result, m.id, "sponsorship")
            .await?;
    changes::record(
        db,
        "sponsorship",
        &m.id.to_string(),
        m.province_code.as_deref(),
        changes::Op::Update,
        Some(&sponsorship_view(db, &fresh).await?),
    )
    .await?;
    Ok(fresh)
}

pub async fn record_activity<C: ConnectionTrait>(
    db: &C,
    s: &sponsorship::Model,
    input: &NewActivity,
    by: &str,
) -> Result<activity::Model> {
    let mut errors = Vec::new();
    if input.happened_on < s.starts_on || input.happened_on > s.ends_on {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "happened_on",
            format!(
                "must be within the sponsorship, {} to {}",
                s.starts_on, s.ends_on
            ),
        ));
    }
    match (input.kind, input.amount_vnd) {
        (_, Some(a)) if a < 0 => errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "amount_vnd",
            "must not be negative",
        )),
        (_, Some(a)) if a > MAX_AMOUNT_VND => errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "amount_vnd",
            format!("at most {MAX_AMOUNT_VND} VND for one activity"),
        )),
        (ActivityKind::Funding, None) => errors.push(FieldError::new(
            ErrorCode::Required,
            "amount_vnd",
            "a funding activity needs its amount in VND",
        )),
        _ => {}
    }
    if input.kind == ActivityKind::InKind
        && input.in_kind.as_deref().is_none_or(|t| t.trim().is_empty())
    {
        errors.push(FieldError::new(
            ErrorCode::Required,
            "in_kind",
            "say what was given",
        ));
    }
    check_text(&input.description, "description", 2000, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = Utc::now();
    Ok(activity::ActiveModel {
        sponsorship_id: Set(s.id),
        happened_on: Set(input.happened_on),
        kind: Set(input.kind),
        amount_vnd: Set(input.amount_vnd),
        in_kind: Set(input.in_kind.clone()),
        description: Set(input.description.clone()),
        recorded_by: Set(by.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
