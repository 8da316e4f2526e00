//! Writing unit versions: insert, upsert by natural key (sync), update, delete, with
//! their change-feed entries; and the references that keep a unit from being deleted.
use super::*;
use crate::error::ErrorCode;

pub(super) fn change_key(m: &unit::Model) -> String {
    format!(
        "{}:{}:{}",
        m.level,
        m.code,
        m.valid_from
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into())
    )
}

/// Inserts a new version; 409 when a version of the same code overlaps its period.
pub async fn insert<C: ConnectionTrait>(db: &C, unit: &NewUnit) -> Result<unit::Model> {
    let existing = find_versions(db, unit.level, &unit.code).await?;
    if let Some(other) = existing
        .iter()
        .find(|v| period_of(v).overlaps(&unit.period()))
    {
        return Err(ApiError::conflict_on(
            "code",
            format!(
                "{} {} already has a version valid from {} to {}; give this one a period that does not overlap",
                unit.level.noun(),
                unit.code,
                other.valid_from.map(|d| d.to_string()).unwrap_or_else(|| "the start".into()),
                other.valid_to.map(|d| d.to_string()).unwrap_or_else(|| "now".into())
            ),
        ));
    }
    let model = unit
        .active_model()
        .insert(db)
        .await
        .on_unique("code", "a version of this code with this valid_from exists")?;
    changes::record(
        db,
        "unit",
        &change_key(&model),
        province_of(&model).as_deref(),
        changes::Op::Create,
        Some(&UnitView::from(&model)),
    )
    .await?;
    Ok(model)
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpsertOutcome {
    Created,
    Updated,
    Unchanged,
}

/// Creates or updates the version with the same level, code and `valid_from` (import and
/// sync).
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    unit: &NewUnit,
) -> Result<(UpsertOutcome, unit::Model)> {
    let versions = find_versions(db, unit.level, &unit.code).await?;
    match versions
        .into_iter()
        .find(|v| v.valid_from == unit.valid_from)
    {
        None => Ok((UpsertOutcome::Created, insert(db, unit).await?)),
        Some(current) if unit.same_content(&current) => Ok((UpsertOutcome::Unchanged, current)),
        Some(current) => {
            let mut active = unit.active_model();
            active.id = Set(current.id);
            active.created_at = Set(current.created_at);
            active.row_version = Set(current.row_version + 1);
            let model = active.update(db).await?;
            changes::record_update(
                db,
                "unit",
                &change_key(&model),
                province_of(&model).as_deref(),
                &UnitView::from(&current),
                &UnitView::from(&model),
                Default::default(),
            )
            .await?;
            Ok((UpsertOutcome::Updated, model))
        }
    }
}

/// Applies a patch with optimistic concurrency: 412 when `expected_version` is stale.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: &unit::Model,
    patch: UnitPatch,
    expected_version: Option<i32>,
) -> Result<unit::Model> {
    let level = current.level;
    let mut errors = Vec::new();
    if let Some(name) = &patch.name {
        check_name(name, &mut errors);
    }
    if let Some(t) = &patch.unit_type {
        check_type(level, t, &mut errors);
    }
    if patch.region.is_some() && level != Level::Province {
        errors.push(FieldError::new(
            ErrorCode::NotAllowed,
            "region",
            "taken from the province; set it on the province",
        ));
    }
    if let Some(group) = patch.commune_group {
        check_commune_group(level, group, &mut errors);
    }
    let from = patch.valid_from.unwrap_or(current.valid_from);
    let to = patch.valid_to.unwrap_or(current.valid_to);
    check_period(from, to, &mut errors);
    if let Some(Some(s)) = &patch.successor_code {
        if !level.code_is_valid(s) {
            errors.push(FieldError::new(
                ErrorCode::InvalidFormat,
                "successor_code",
                format!("a {} code is {}", level.noun(), level.code_format()),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let new_period = Period { from, to };
    let others = find_versions(db, level, &current.code).await?;
    if others
        .iter()
        .any(|v| v.id != current.id && period_of(v).overlaps(&new_period))
    {
        return Err(ApiError::conflict_on(
            "valid_from",
            "the new period overlaps another version of this code",
        ));
    }
    let version = expected_version.unwrap_or(current.row_version);
    let now = Utc::now();
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let unit_type = patch.unit_type.unwrap_or_else(|| current.unit_type.clone());
    let mut update = Units::update_many()
        .col_expr(Column::Name, Expr::value(name.clone()))
        .col_expr(Column::UnitType, Expr::value(unit_type.clone()))
        .col_expr(Column::NameAscii, Expr::value(fold(&name)))
        .col_expr(
            Column::SearchAscii,
            Expr::value(fold(&full_name(&unit_type, &name))),
        )
        .col_expr(Column::ValidFrom, Expr::value(from))
        .col_expr(Column::ValidTo, Expr::value(to))
        .col_expr(
            Column::CommuneGroup,
            Expr::value(patch.commune_group.unwrap_or(current.commune_group)),
        )
        .col_expr(
            Column::SuccessorCode,
            Expr::value(
                patch
                    .successor_code
                    .unwrap_or_else(|| current.successor_code.clone()),
            ),
        )
        .col_expr(Column::RowVersion, Expr::value(version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if let Some(region) = patch.region {
        update = update.col_expr(Column::Region, Expr::value(region));
    }
    let result = update
        .filter(Column::Id.eq(current.id))
        .filter(Column::RowVersion.eq(version))
        .exec(db)
        .await
        .on_unique(
            "valid_from",
            "a version of this code with this valid_from exists",
        )?;
    let model = crate::services::reload_updated::<_, Units>(db, result, current.id, "unit").await?;
    if let Some(region) = patch.region {
        // Lower levels carry their province's region.
        Units::update_many()
            .col_expr(Column::Region, Expr::value(region))
            .filter(Column::ProvinceCode.eq(current.code.as_str()))
            .exec(db)
            .await?;
    }
    changes::record_update(
        db,
        "unit",
        &change_key(&model),
        province_of(&model).as_deref(),
        &UnitView::from(current),
        &UnitView::from(&model),
        Default::default(),
    )
    .await?;
    Ok(model)
}

/// What still refers to a unit version, or `None` when it can be deleted.
pub async fn find_reference<C: ConnectionTrait>(db: &C, m: &unit::Model) -> Result<Option<String>> {
    let level = m.level;
    let parent_column = match level {
        Level::Province => Some(Column::ProvinceCode),
        Level::District => Some(Column::DistrictCode),
        Level::Commune => Some(Column::CommuneCode),
        Level::Village => None,
    };
    if let Some(column) = parent_column {
        // Children whose period overlaps this version's.
        let mut overlap = Condition::all();
        if let Some(to) = m.valid_to {
            overlap = overlap.add(
                Condition::any()
                    .add(Column::ValidFrom.is_null())
                    .add(Column::ValidFrom.lte(to)),
            );
        }
        if let Some(from) = m.valid_from {
            overlap = overlap.add(
                Condition::any()
                    .add(Column::ValidTo.is_null())
                    .add(Column::ValidTo.gte(from)),
            );
        }
        let children = Units::find()
            .filter(column.eq(m.code.as_str()))
            .filter(Column::Level.ne(m.level))
            .filter(overlap)
            .count(db)
            .await?;
        if children > 0 {
            return Ok(Some(format!("{children} lower-level units belong to it")));
        }
    }
    // Records about the unit itself, decided or dated within this version.
    // Bounds a version actually has (an open end does not constrain; PostgreSQL has no
    // date for chrono's MIN/MAX).
    let within = |col: Expr| {
        let mut c = Condition::all();
        if let Some(from) = m.valid_from {
            c = c.add(col.clone().gte(from));
        }
        if let Some(to) = m.valid_to {
            c = c.add(col.lte(to));
        }
        c
    };
    let assessments = entity::assessment::Entity::find()
        .filter(entity::assessment::Column::UnitCode.eq(m.code.as_str()))
        .filter(entity::assessment::Column::UnitLevel.eq(m.level))
        .filter(within(Expr::col(entity::assessment::Column::AssessedOn)))
        .count(db)
        .await?;
    if assessments > 0 {
        return Ok(Some(format!("{assessments} assessments are about it")));
    }
    let recognitions = entity::recognition::Entity::find()
        .filter(entity::recognition::Column::UnitCode.eq(m.code.as_str()))
        .filter(entity::recognition::Column::UnitLevel.eq(m.level))
        .filter(within(Expr::col(entity::recognition::Column::DecidedOn)))
        .count(db)
        .await?;
    if recognitions > 0 {
        return Ok(Some(format!(
            "{recognitions} recognition decisions are about it"
        )));
    }
    let registrations = entity::registration::Entity::find()
        .filter(entity::registration::Column::UnitCode.eq(m.code.as_str()))
        .filter(entity::registration::Column::UnitLevel.eq(m.level))
        .count(db)
        .await?;
    if registrations > 0 {
        return Ok(Some(format!("{registrations} registrations name it")));
    }
    if level == Level::Commune {
        let sponsorships = entity::sponsorship::Entity::find()
            .filter(entity::sponsorship::Column::CommuneCode.eq(m.code.as_str()))
            .filter(m.valid_to.map_or(Condition::all(), |to| {
                Condition::all().add(entity::sponsorship::Column::StartsOn.lte(to))
            }))
            .filter(m.valid_from.map_or(Condition::all(), |from| {
                Condition::all().add(entity::sponsorship::Column::EndsOn.gte(from))
            }))
            .count(db)
            .await?;
        if sponsorships > 0 {
            return Ok(Some(format!("{sponsorships} sponsorships name it")));
        }
    }
    let role = match level {
        Level::Province => Some("province"),
        Level::District => Some("district"),
        Level::Commune => Some("commune"),
        Level::Village => None,
    };
    if let Some(role) = role {
        let versions = find_versions(db, level, &m.code).await?.len();
        if versions == 1 {
            let users = entity::user::Entity::find()
                .filter(entity::user::Column::Role.eq(role))
                .filter(entity::user::Column::Scope.eq(m.code.as_str()))
                .count(db)
                .await?;
            if users > 0 {
                return Ok(Some(format!("{users} users have it as their scope")));
            }
        }
    }
    Ok(None)
}

pub async fn delete<C: ConnectionTrait>(
    db: &C,
    m: &unit::Model,
    expected_version: Option<i32>,
) -> Result<()> {
    if let Some(reason) = find_reference(db, m).await? {
        return Err(ApiError::conflict(format!(
            "this unit cannot be deleted while {reason}"
        )));
    }
    let version = expected_version.unwrap_or(m.row_version);
    let delete = Units::delete_many()
        .filter(Column::Id.eq(m.id))
        .filter(Column::RowVersion.eq(version));
    let province = province_of(m);
    let (key, before) = (change_key(m), UnitView::from(m));
    changes::delete_recorded_known(db, delete, "unit", &key, province.as_deref(), &before).await
}
