//! Unit versions in a sync batch (`POST /sync/units`, `ntm-api import units`).
use crate::error::ErrorCode;
use chrono::NaiveDate;
use sea_orm::DatabaseTransaction;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{status_of, Applied, Upserter};
use crate::access::Caller;
use crate::domain::units::{Level, Region};
use crate::error::{ApiError, Result};
use crate::services::units::{self, UnitInput, UpsertOutcome};

/// A unit version, matched by `level`, `code` and `valid_from`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"level": "commune", "code": "18850", "name": "Kỳ Lạc", "type": "xã",
    "province_code": "42", "district_code": "447", "valid_to": "2025-06-30", "successor_code": "18847"}))]
pub struct SyncUnit {
    pub level: Level,
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,32}$")]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\s\u0000]([^\u0000]*[^\s\u0000])?$"
    )]
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: String,
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub province_code: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{3}$")]
    pub district_code: Option<String>,
    /// The commune of a village.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{5}$")]
    pub commune_code: Option<String>,
    /// Provinces only.
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3)]
    pub commune_group: Option<i16>,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,32}$")]
    pub successor_code: Option<String>,
}

pub struct UnitUpserter<'a> {
    pub caller: &'a Caller,
    /// Whether a unit was created or updated (the read model must be refreshed).
    pub changed: bool,
}

impl Upserter for UnitUpserter<'_> {
    type Item = SyncUnit;
    /// Written one by one.
    type Ready = std::convert::Infallible;
    const KEY_FIELD: &'static str = "code";
    const ENTITY: &'static str = "unit";

    fn key(item: &SyncUnit) -> String {
        format!(
            "{}:{}:{}",
            item.level.as_str(),
            item.code,
            item.valid_from
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into())
        )
    }

    async fn apply(&mut self, txn: &DatabaseTransaction, item: SyncUnit) -> Result<Applied> {
        let key = Self::key(&item);
        let (level, caller) = (item.level, self.caller);
        let permission = units::write_permission(level);
        // Refuse what is outside the caller's scope before judging the fields.
        let claimed = units::claimed_scope(
            txn,
            level,
            item.province_code.as_deref(),
            item.commune_code.as_deref(),
            item.valid_from,
        )
        .await
        .map_err(|e| match e {
            ApiError::NotFound(detail) => {
                ApiError::invalid(ErrorCode::NotFound, "commune_code", detail)
            }
            other => other,
        })?;
        caller.ensure(permission, &claimed)?;
        if level != Level::Village && item.commune_code.is_some() {
            return Err(ApiError::invalid(
                ErrorCode::NotAllowed,
                "commune_code",
                "only villages name their commune",
            ));
        }
        let input = UnitInput {
            code: item.code,
            name: item.name,
            unit_type: item.unit_type,
            province_code: item.province_code,
            district_code: item.district_code,
            region: item.region,
            commune_group: item.commune_group,
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            successor_code: item.successor_code,
        };
        let unit = units::validate_new(txn, level, input, item.commune_code.as_deref()).await?;
        caller.ensure(permission, &unit.scope())?;
        units::ensure_code_stays_in_its_province(txn, caller, &unit).await?;
        if let Some(stored) = units::find_versions(txn, level, &unit.code)
            .await?
            .into_iter()
            .find(|v| v.valid_from == unit.valid_from)
        {
            // Moving a unit needs the scope of where it is as well as where it goes.
            caller.ensure(permission, &units::scope_of(&stored))?;
        }
        let (outcome, _) = units::upsert(txn, &unit).await?;
        self.changed |= outcome != UpsertOutcome::Unchanged;
        Ok(Applied {
            status: status_of(outcome),
            id: None,
            key,
        })
    }
}
