//! Checking a new unit version before it is written: name, type, period, commune
//! group, parents on its dates, and no overlap with another version of its code.
use super::*;
use crate::error::ErrorCode;

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

    pub(super) fn same_content(&self, m: &unit::Model) -> bool {
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

    pub(super) fn active_model(&self) -> unit::ActiveModel {
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

pub(super) fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 200 || name.trim() != name {
        errors.push(FieldError::new(
            ErrorCode::InvalidFormat,
            "name",
            "1 to 200 characters, without leading or trailing spaces",
        ));
    }
}

pub(super) fn check_type(level: Level, unit_type: &str, errors: &mut Vec<FieldError>) {
    if !level.types().contains(&unit_type) {
        errors.push(FieldError::new(
            ErrorCode::UnknownValue,
            "type",
            format!("a {} is one of: {}", level.noun(), level.types().join(", ")),
        ));
    }
}

pub(super) fn check_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    errors: &mut Vec<FieldError>,
) {
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "valid_to",
                "must not be before valid_from",
            ));
        }
    }
}

pub(super) fn check_commune_group(level: Level, group: Option<i16>, errors: &mut Vec<FieldError>) {
    match group {
        Some(_) if level != Level::Commune => errors.push(FieldError::new(
            ErrorCode::NotAllowed,
            "commune_group",
            "only communes have a commune group",
        )),
        Some(g) if !(1..=3).contains(&g) => errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "commune_group",
            "must be 1, 2 or 3",
        )),
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
            ErrorCode::InvalidFormat,
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
                ErrorCode::InvalidFormat,
                "successor_code",
                format!("a {} code is {}", level.noun(), level.code_format()),
            ));
        }
    }
    match level {
        Level::Province => {
            if input.region.is_none() {
                errors.push(FieldError::new(
                    ErrorCode::Required,
                    "region",
                    "a province needs its socio-economic region",
                ));
            }
            for (field, value) in [
                ("province_code", &input.province_code),
                ("district_code", &input.district_code),
            ] {
                if value.is_some() {
                    errors.push(FieldError::new(
                        ErrorCode::NotAllowed,
                        field,
                        "a province has no parent",
                    ));
                }
            }
        }
        _ => {
            if input.region.is_some() {
                errors.push(FieldError::new(
                    ErrorCode::NotAllowed,
                    "region",
                    "taken from the province; set it on the province",
                ));
            }
        }
    }
    if level == Level::District && input.district_code.is_some() {
        errors.push(FieldError::new(
            ErrorCode::NotAllowed,
            "district_code",
            "a district has no parent district",
        ));
    }
    if level == Level::Village && (input.province_code.is_some() || input.district_code.is_some()) {
        errors.push(FieldError::new(
            ErrorCode::NotAllowed,
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
                ErrorCode::Required,
                "province_code",
                format!("a {} needs its province", level.noun()),
            )),
            Some(p) => match find_on(db, Level::Province, &p, Some(day)).await? {
                None => errors.push(FieldError::new(
                    ErrorCode::NotFound,
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
                                ErrorCode::NotAllowed,
                                "district_code",
                                format!("district {d} is not in province {p}"),
                            )),
                            None => errors.push(FieldError::new(
                                ErrorCode::NotFound,
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
                    ErrorCode::NotFound,
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

/// A unit's identity is its code and its place: 403 (admins aside) when earlier versions of
/// the new version's code sit in another province ([`Caller::ensure_may_move_codes_between_provinces`]).
pub async fn ensure_code_stays_in_its_province<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    unit: &NewUnit,
) -> Result<()> {
    let province = unit.scope().province;
    for version in find_versions(db, unit.level, &unit.code).await? {
        if let Some(owner) = province_of(&version).filter(|p| Some(p) != province.as_ref()) {
            caller.ensure_may_move_codes_between_provinces(&unit.code, &owner)?;
        }
    }
    Ok(())
}
