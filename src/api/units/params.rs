//! The query parameters of the unit lists and reads, and how each becomes a
//! [`UnitFilter`].
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::Result;
use crate::services::units::UnitFilter;
use crate::state::AppState;

/// `?on=DATE`: the version valid on that day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// Answer the version valid on this day (YYYY-MM-DD) instead of today's.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
}

/// Filters of `GET /provinces`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProvinceQuery {
    /// Search in names, ignoring diacritics and case ("ha tinh" finds "Hà Tĩnh").
    pub q: Option<String>,
    /// Only units valid on this day; without it every version is listed.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
}

/// Filters of `GET /districts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictQuery {
    /// Province code.
    pub province: Option<String>,
    /// Search in names, ignoring diacritics and case.
    pub q: Option<String>,
    /// Only units valid on this day.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
}

/// Filters of `GET /communes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommuneQuery {
    /// Province code.
    pub province: Option<String>,
    /// District code (pre-reform communes).
    pub district: Option<String>,
    /// Search in names, ignoring diacritics and case ("cam quan" finds "Cẩm Quan").
    pub q: Option<String>,
    /// Only units valid on this day (`2024-12-31`: the 10,051 pre-reform communes).
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
    /// Only communes at this current level (highest unrevoked recognition).
    pub level: Option<crate::services::recognitions::CurrentLevel>,
}

/// Filters of `GET /communes/{code}/villages`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VillageQuery {
    /// Search in names, ignoring diacritics and case.
    pub q: Option<String>,
    /// Only units valid on this day.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
}

impl From<ProvinceQuery> for UnitFilter {
    fn from(q: ProvinceQuery) -> Self {
        UnitFilter {
            q: q.q,
            on: q.on,
            ..Default::default()
        }
    }
}
impl From<DistrictQuery> for UnitFilter {
    fn from(q: DistrictQuery) -> Self {
        UnitFilter {
            province: q.province,
            q: q.q,
            on: q.on,
            ..Default::default()
        }
    }
}
/// Turns a list query into the filter, reading what it needs from the database.
pub(super) trait IntoFilter {
    async fn into_filter(self, state: &AppState) -> Result<UnitFilter>;
}

impl IntoFilter for ProvinceQuery {
    async fn into_filter(self, _: &AppState) -> Result<UnitFilter> {
        Ok(self.into())
    }
}

impl IntoFilter for DistrictQuery {
    async fn into_filter(self, _: &AppState) -> Result<UnitFilter> {
        Ok(self.into())
    }
}

impl IntoFilter for CommuneQuery {
    async fn into_filter(self, state: &AppState) -> Result<UnitFilter> {
        let standing = match self.level {
            Some(level) => Some(crate::services::recognitions::standing(&state.db, level).await?),
            None => None,
        };
        Ok(UnitFilter {
            province: self.province,
            district: self.district,
            q: self.q,
            on: self.on,
            standing,
            ..Default::default()
        })
    }
}
