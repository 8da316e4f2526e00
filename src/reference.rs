//! Reference data shipped in `data/` and compiled into the binary, loaded on an empty
//! database: the administrative units before and after the 2025-07-01 reform.
//!
//! The shipped reference data is the baseline every copy of the service starts from, so it
//! is not written to the change feed; changes made after it are.
use crate::error::ErrorCode;
use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use serde::Deserialize;

use crate::config::ReferenceData;
use crate::domain::units::{Level, Region};
use crate::error::FieldError;
use crate::services::sync::{Parsed, SyncUnit};

/// Units before 2025-07-01: 63 provinces, 696 districts, 10,051 communes.
pub const UNITS_PRE_2025: &str = include_str!("../data/units-pre-2025.csv");
/// Units from 2025-07-01: 34 provinces, 3,321 communes.
pub const UNITS_2025: &str = include_str!("../data/units-2025.csv");

/// One row of a units CSV (`data/units-*.csv`, and `ntm-api import units`).
#[derive(Debug, Clone, Deserialize)]
pub struct UnitRow {
    pub level: String,
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub region: Option<String>,
    pub commune_group: Option<i16>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
}

impl UnitRow {
    /// The row as an item of `POST /sync/units`; errors name the column.
    pub fn into_sync(self) -> Parsed<SyncUnit> {
        let level = Level::try_from_value(&self.level).map_err(|_| {
            vec![FieldError::new(
                ErrorCode::UnknownValue,
                "level",
                "must be province, district, commune or village",
            )]
        })?;
        let region = match self.region.as_deref() {
            None => None,
            Some(r) => Some(Region::try_from_value(&r.to_owned()).map_err(|_| {
                vec![FieldError::new(
                    ErrorCode::UnknownValue,
                    "region",
                    format!("unknown region {r}"),
                )]
            })?),
        };
        Ok(SyncUnit {
            level,
            code: self.code,
            name: self.name,
            unit_type: self.unit_type,
            province_code: self.province_code,
            district_code: self.district_code,
            commune_code: None,
            region,
            commune_group: self.commune_group,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            successor_code: self.successor_code,
        })
    }
}

/// A value with the line of the file it came from.
pub type Lined<T> = (u64, T);

/// Parses a units CSV; rows that do not parse are errors with their line.
pub fn parse_units(text: &str) -> (Vec<Lined<UnitRow>>, Vec<Lined<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                match record.deserialize::<UnitRow>(Some(&headers)) {
                    Ok(row) => rows.push((line, row)),
                    Err(e) => errors.push((line, e.to_string())),
                }
            }
            Err(e) => errors.push((e.position().map(|p| p.line()).unwrap_or(0), e.to_string())),
        }
    }
    (rows, errors)
}

/// Builds unit rows from a trusted reference file: provinces carry the region, lower
/// levels inherit their province's.
fn reference_models(
    text: &str,
    provinces: Option<&[String]>,
) -> anyhow::Result<Vec<entity::unit::ActiveModel>> {
    let (rows, errors) = parse_units(text);
    if let Some((line, e)) = errors.first() {
        anyhow::bail!("reference data line {line}: {e}");
    }
    let regions: HashMap<String, Option<String>> = rows
        .iter()
        .filter(|(_, r)| r.level == "province")
        .map(|(_, r)| (r.code.clone(), r.region.clone()))
        .collect();
    let mut models = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let province = if row.level == "province" {
            Some(row.code.clone())
        } else {
            row.province_code.clone()
        };
        if let (Some(filter), Some(p)) = (provinces, &province) {
            if !filter.contains(p) {
                continue;
            }
        }
        let region = match row.level.as_str() {
            "province" => row.region.clone(),
            _ => province
                .as_ref()
                .and_then(|p| regions.get(p).cloned().flatten()),
        };
        let item = row.into_sync().map_err(|errors| {
            let e = &errors[0];
            anyhow::anyhow!("reference data line {line}: {}: {}", e.field, e.message)
        })?;
        let region = region
            .map(|r| Region::try_from_value(&r))
            .transpose()
            .map_err(|e| anyhow::anyhow!("reference data line {line}: region: {e}"))?;
        let unit = crate::services::units::NewUnit {
            level: item.level,
            code: item.code,
            name: item.name,
            unit_type: item.unit_type,
            province_code: item.province_code,
            district_code: item.district_code,
            commune_code: None,
            region,
            commune_group: item.commune_group,
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            successor_code: item.successor_code,
        };
        models.push(crate::services::units::active_model(&unit));
    }
    Ok(models)
}

/// Loads the reference data when the units table is empty.
pub async fn load_if_empty(db: &DatabaseConnection, which: &ReferenceData) -> anyhow::Result<()> {
    let provinces = match which {
        ReferenceData::None => return Ok(()),
        ReferenceData::All => None,
        ReferenceData::Provinces(list) => Some(list.as_slice()),
    };
    let txn = crate::services::begin_write(db).await?;
    crate::reference_criteria::load_if_empty(&txn).await?;
    txn.commit().await?;
    if entity::unit::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let started = Instant::now();
    let mut models = reference_models(UNITS_PRE_2025, provinces)?;
    models.extend(reference_models(UNITS_2025, provinces)?);
    let total = models.len();
    let txn = crate::services::begin_write(db).await?;
    insert_chunked(&txn, models).await?;
    crate::services::audit::append(
        &txn,
        crate::services::audit::Event::new("reference", "units", "load")
            .detail(format!("{total} reference units loaded (data/units-*.csv)")),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        units = total,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "reference units loaded"
    );
    Ok(())
}

async fn insert_chunked<C: ConnectionTrait>(
    db: &C,
    models: Vec<entity::unit::ActiveModel>,
) -> anyhow::Result<()> {
    let mut iter = models.into_iter().peekable();
    while iter.peek().is_some() {
        let chunk: Vec<_> = iter.by_ref().take(500).collect();
        entity::unit::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
