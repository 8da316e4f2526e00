//! Finding unit versions: by code on a date, the current one, every version; the
//! period a version covers and where it sits.
use super::*;

pub fn period_of(m: &unit::Model) -> Period {
    Period {
        from: m.valid_from,
        to: m.valid_to,
    }
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Where a unit sits, for scope checks.
pub fn scope_of(m: &unit::Model) -> Scope {
    Scope {
        agency: None,
        province: match m.level {
            Level::Province => Some(m.code.clone()),
            _ => m.province_code.clone(),
        },
        district: match m.level {
            Level::District => Some(m.code.clone()),
            _ => m.district_code.clone(),
        },
        commune: match m.level {
            Level::Commune => Some(m.code.clone()),
            Level::Village => m.commune_code.clone(),
            _ => None,
        },
    }
}

/// Every version of a code at a level, oldest first.
pub async fn find_versions<C: ConnectionTrait>(
    db: &C,
    level: Level,
    code: &str,
) -> Result<Vec<unit::Model>> {
    Ok(Units::find()
        .filter(Column::Level.eq(level))
        .filter(Column::Code.eq(code))
        .order_by_asc(Column::ValidFrom)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Every version of each of `codes` at a level, oldest first, with one query.
pub async fn find_versions_of<C: ConnectionTrait>(
    db: &C,
    level: Level,
    codes: &[&str],
) -> Result<std::collections::HashMap<String, Vec<unit::Model>>> {
    if codes.is_empty() {
        return Ok(Default::default());
    }
    let rows = Units::find()
        .filter(Column::Level.eq(level))
        .filter(Column::Code.is_in(codes.iter().copied()))
        .order_by_asc(Column::ValidFrom)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(crate::services::grouped(rows, |u| u.code.clone()))
}

/// Of `versions` of one code (oldest first), the one valid on `on`, or (no date) the one
/// valid today or else the last one.
pub fn version_on(mut versions: Vec<unit::Model>, on: Option<NaiveDate>) -> Option<unit::Model> {
    resolve_version(&versions, period_of, on, today()).map(|i| versions.swap_remove(i))
}

/// The version valid on `on`, or (no date) the one valid today or else the last one.
pub async fn find_on<C: ConnectionTrait>(
    db: &C,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
) -> Result<Option<unit::Model>> {
    Ok(version_on(find_versions(db, level, code).await?, on))
}

pub async fn find_current<C: ConnectionTrait>(
    db: &C,
    level: Level,
    code: &str,
) -> Result<Option<unit::Model>> {
    find_on(db, level, code, None).await
}

/// Like [`find_on`], but 404 when there is no such unit.
pub async fn get_on<C: ConnectionTrait>(
    db: &C,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
) -> Result<unit::Model> {
    find_on(db, level, code, on).await?.ok_or_else(|| match on {
        Some(day) => ApiError::NotFound(format!(
            "no {} with the code {code} was valid on {day}",
            level.noun()
        )),
        None => ApiError::NotFound(format!("no {} has the code {code}", level.noun())),
    })
}

/// Where a new unit claims to be, known before its fields are judged, so a caller outside
/// it is refused first: a village's commune (which must exist on `on`: 404 otherwise), the
/// province a district or commune names, or no particular place (provinces, and units that
/// name no province, which validation refuses).
pub async fn claimed_scope<C: ConnectionTrait>(
    db: &C,
    level: Level,
    province_code: Option<&str>,
    commune_code: Option<&str>,
    on: Option<NaiveDate>,
) -> Result<Scope> {
    Ok(match (level, province_code) {
        (Level::Village, _) => {
            scope_of(&get_on(db, Level::Commune, commune_code.unwrap_or_default(), on).await?)
        }
        (Level::Province, _) | (_, None) => Scope::default(),
        (_, Some(p)) => Scope::province(p),
    })
}

/// The province a unit version belongs to (a province: itself).
pub fn province_of(m: &unit::Model) -> Option<String> {
    scope_of(m).province
}

/// What writing a unit of this level needs.
pub fn write_permission(level: Level) -> Permission {
    match level {
        Level::Province => Permission::ManageProvinces,
        _ => Permission::ManageUnits,
    }
}
