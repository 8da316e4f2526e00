//! Administrative units: reads resolved by date, validated writes, the delete guard.
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::unit::{self, Column, Entity as Units};

use crate::access::{Permission, Scope};
use crate::domain::text::fold;
use crate::domain::units::{full_name, resolve_version, Level, Period, Region};
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::services::changes;

/// An administrative unit as clients see it (one version of a code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "code": "18850", "level": "commune", "name": "Kỳ Lạc", "full_name": "Xã Kỳ Lạc", "type": "xã",
    "name_ascii": "ky lac", "province_code": "42", "district_code": "447", "commune_code": null,
    "region": "north_central_coast", "commune_group": null, "valid_from": null,
    "valid_to": "2025-06-30", "successor_code": "18838"
}))]
pub struct UnitView {
    /// Official GSO/NSO code (villages: the code given at creation).
    pub code: String,
    pub level: Level,
    /// Proper name without the type word ("Kỳ Lạc").
    pub name: String,
    /// Name with the type word ("Xã Kỳ Lạc").
    pub full_name: String,
    /// tỉnh / thành phố trung ương; huyện / quận / thị xã / thành phố; xã / phường /
    /// thị trấn / đặc khu; thôn / xóm / ấp / bản / khu dân cư / tổ dân phố…
    #[serde(rename = "type")]
    pub unit_type: String,
    /// Lower-case name without diacritics, for search.
    pub name_ascii: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    /// The commune of a village.
    pub commune_code: Option<String>,
    /// Socio-economic region (from the province).
    pub region: Option<Region>,
    /// QĐ 51/2025 commune group 1, 2 or 3, where the province has assigned it.
    pub commune_group: Option<i16>,
    /// First day of this version; null when unknown (before the reform lists).
    pub valid_from: Option<NaiveDate>,
    /// Last day of this version; null while current.
    pub valid_to: Option<NaiveDate>,
    /// Code of the unit this one became part of.
    pub successor_code: Option<String>,
}

impl From<&unit::Model> for UnitView {
    fn from(m: &unit::Model) -> Self {
        UnitView {
            code: m.code.clone(),
            level: m.level,
            name: m.name.clone(),
            full_name: full_name(&m.unit_type, &m.name),
            unit_type: m.unit_type.clone(),
            name_ascii: m.name_ascii.clone(),
            province_code: m.province_code.clone(),
            district_code: m.district_code.clone(),
            commune_code: m.commune_code.clone(),
            region: m.region,
            commune_group: m.commune_group,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            successor_code: m.successor_code.clone(),
        }
    }
}

/// Body of `POST /provinces`, `/districts`, `/communes` and `/communes/{code}/villages`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "18850", "name": "Kỳ Lạc", "type": "xã",
    "province_code": "42", "district_code": "447", "valid_to": "2025-06-30"}))]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: String,
    /// Required for districts and communes.
    #[serde(default)]
    pub province_code: Option<String>,
    /// The district of a pre-reform commune.
    #[serde(default)]
    pub district_code: Option<String>,
    /// Required for provinces; other levels take their province's.
    #[serde(default)]
    pub region: Option<Region>,
    /// Communes only: 1, 2 or 3.
    #[serde(default)]
    pub commune_group: Option<i16>,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    pub successor_code: Option<String>,
}

/// Body of `PATCH` on a unit: only the fields sent change; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Kỳ Lạc", "commune_group": 2}))]
pub struct UnitPatch {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub unit_type: Option<String>,
    /// Provinces only.
    pub region: Option<Region>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<i16>)]
    pub commune_group: Option<Option<i16>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub successor_code: Option<Option<String>>,
}

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

/// The version valid on `on`, or (no date) the one valid today or else the last one.
pub async fn find_on<C: ConnectionTrait>(
    db: &C,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
) -> Result<Option<unit::Model>> {
    let mut versions = find_versions(db, level, code).await?;
    Ok(resolve_version(&versions, period_of, on, today()).map(|i| versions.swap_remove(i)))
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

/// Filters of a unit list (applied by the read model, `unit_cache::Snapshot::list`).
#[derive(Debug, Default, Clone)]
pub struct UnitFilter {
    pub province: Option<String>,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub q: Option<String>,
    pub on: Option<NaiveDate>,
    /// Communes at one current level (from recognitions; served from the read model only).
    pub standing: Option<crate::services::recognitions::Standing>,
}

/// A unit ready to be written: validated, parents resolved, derived fields filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub commune_code: Option<String>,
    pub region: Option<Region>,
    pub commune_group: Option<i16>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
}

impl NewUnit {
    pub fn period(&self) -> Period {
        Period {
            from: self.valid_from,
            to: self.valid_to,
        }
    }

    pub fn scope(&self) -> Scope {
        Scope {
            agency: None,
            province: if self.level == Level::Province {
                Some(self.code.clone())
            } else {
                self.province_code.clone()
            },
            district: if self.level == Level::District {
                Some(self.code.clone())
            } else {
                self.district_code.clone()
            },
            commune: match self.level {
                Level::Commune => Some(self.code.clone()),
                Level::Village => self.commune_code.clone(),
                _ => None,
            },
        }
    }

    fn same_content(&self, m: &unit::Model) -> bool {
        self.name == m.name
            && self.unit_type == m.unit_type
            && self.province_code == m.province_code
            && self.district_code == m.district_code
            && self.commune_code == m.commune_code
            && self.region == m.region
            && self.commune_group == m.commune_group
            && self.valid_to == m.valid_to
            && self.successor_code == m.successor_code
    }

    fn active_model(&self) -> unit::ActiveModel {
        active_model(self)
    }
}

/// The row to insert for a new unit version, with its search columns.
pub fn active_model(new: &NewUnit) -> unit::ActiveModel {
    let now = Utc::now();
    unit::ActiveModel {
        level: Set(new.level),
        code: Set(new.code.clone()),
        valid_from: Set(new.valid_from),
        valid_to: Set(new.valid_to),
        name: Set(new.name.clone()),
        unit_type: Set(new.unit_type.clone()),
        name_ascii: Set(fold(&new.name)),
        search_ascii: Set(fold(&full_name(&new.unit_type, &new.name))),
        province_code: Set(new.province_code.clone()),
        district_code: Set(new.district_code.clone()),
        commune_code: Set(new.commune_code.clone()),
        region: Set(new.region),
        commune_group: Set(new.commune_group),
        successor_code: Set(new.successor_code.clone()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 200 || name.trim() != name {
        errors.push(FieldError::new(
            "name",
            "1 to 200 characters, without leading or trailing spaces",
        ));
    }
}

fn check_type(level: Level, unit_type: &str, errors: &mut Vec<FieldError>) {
    if !level.types().contains(&unit_type) {
        errors.push(FieldError::new(
            "type",
            format!("a {} is one of: {}", level.noun(), level.types().join(", ")),
        ));
    }
}

fn check_period(from: Option<NaiveDate>, to: Option<NaiveDate>, errors: &mut Vec<FieldError>) {
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push(FieldError::new("valid_to", "must not be before valid_from"));
        }
    }
}

fn check_commune_group(level: Level, group: Option<i16>, errors: &mut Vec<FieldError>) {
    match group {
        Some(_) if level != Level::Commune => errors.push(FieldError::new(
            "commune_group",
            "only communes have a commune group",
        )),
        Some(g) if !(1..=3).contains(&g) => {
            errors.push(FieldError::new("commune_group", "must be 1, 2 or 3"))
        }
        _ => {}
    }
}

/// Validates a new unit and resolves its parents on the first day of its period.
/// `commune_code` is the parent of a village (from the path).
pub async fn validate_new<C: ConnectionTrait>(
    db: &C,
    level: Level,
    input: UnitInput,
    commune_code: Option<&str>,
) -> Result<NewUnit> {
    let mut errors = Vec::new();
    if !level.code_is_valid(&input.code) {
        errors.push(FieldError::new(
            "code",
            format!("a {} code is {}", level.noun(), level.code_format()),
        ));
    }
    check_name(&input.name, &mut errors);
    check_type(level, &input.unit_type, &mut errors);
    check_period(input.valid_from, input.valid_to, &mut errors);
    check_commune_group(level, input.commune_group, &mut errors);
    if let Some(s) = &input.successor_code {
        if !level.code_is_valid(s) {
            errors.push(FieldError::new(
                "successor_code",
                format!("a {} code is {}", level.noun(), level.code_format()),
            ));
        }
    }
    match level {
        Level::Province => {
            if input.region.is_none() {
                errors.push(FieldError::new(
                    "region",
                    "a province needs its socio-economic region",
                ));
            }
            for (field, value) in [
                ("province_code", &input.province_code),
                ("district_code", &input.district_code),
            ] {
                if value.is_some() {
                    errors.push(FieldError::new(field, "a province has no parent"));
                }
            }
        }
        _ => {
            if input.region.is_some() {
                errors.push(FieldError::new(
                    "region",
                    "taken from the province; set it on the province",
                ));
            }
        }
    }
    if level == Level::District && input.district_code.is_some() {
        errors.push(FieldError::new(
            "district_code",
            "a district has no parent district",
        ));
    }
    if level == Level::Village && (input.province_code.is_some() || input.district_code.is_some()) {
        errors.push(FieldError::new(
            "province_code",
            "a village takes its province and district from its commune",
        ));
    }
    let period = Period {
        from: input.valid_from,
        to: input.valid_to,
    };
    let day = period.reference_day(today());
    let mut unit = NewUnit {
        level,
        code: input.code,
        name: input.name,
        unit_type: input.unit_type,
        province_code: None,
        district_code: None,
        commune_code: None,
        region: input.region,
        commune_group: input.commune_group,
        valid_from: input.valid_from,
        valid_to: input.valid_to,
        successor_code: input.successor_code,
    };
    match level {
        Level::Province => {}
        Level::District | Level::Commune => match input.province_code {
            None => errors.push(FieldError::new(
                "province_code",
                format!("a {} needs its province", level.noun()),
            )),
            Some(p) => match find_on(db, Level::Province, &p, Some(day)).await? {
                None => errors.push(FieldError::new(
                    "province_code",
                    format!("no province {p} was valid on {day}"),
                )),
                Some(province) => {
                    unit.region = province.region;
                    unit.province_code = Some(p.clone());
                    if let Some(d) = input.district_code {
                        match find_on(db, Level::District, &d, Some(day)).await? {
                            Some(district)
                                if district.province_code.as_deref() == Some(p.as_str()) =>
                            {
                                unit.district_code = Some(d)
                            }
                            Some(_) => errors.push(FieldError::new(
                                "district_code",
                                format!("district {d} is not in province {p}"),
                            )),
                            None => errors.push(FieldError::new(
                                "district_code",
                                format!("no district {d} was valid on {day}"),
                            )),
                        }
                    }
                }
            },
        },
        Level::Village => {
            let c = commune_code.unwrap_or_default();
            match find_on(db, Level::Commune, c, Some(day)).await? {
                None => errors.push(FieldError::new(
                    "commune_code",
                    format!("no commune {c} was valid on {day}"),
                )),
                Some(commune) => {
                    unit.province_code = commune.province_code.clone();
                    unit.district_code = commune.district_code.clone();
                    unit.region = commune.region;
                    unit.commune_code = Some(c.to_string());
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(unit)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn change_key(m: &unit::Model) -> String {
    format!(
        "{}:{}:{}",
        m.level,
        m.code,
        m.valid_from
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into())
    )
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
        changes::Op::Upsert,
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
            changes::record(
                db,
                "unit",
                &change_key(&model),
                province_of(&model).as_deref(),
                changes::Op::Upsert,
                Some(&UnitView::from(&model)),
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
    changes::record(
        db,
        "unit",
        &change_key(&model),
        province_of(&model).as_deref(),
        changes::Op::Upsert,
        Some(&UnitView::from(&model)),
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
    changes::delete_recorded(db, delete, "unit", &change_key(m), province.as_deref()).await
}
