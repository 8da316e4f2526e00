//! Request and response types of the unit paths.
use super::*;

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
    /// Required for districts and communes.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub province_code: Option<String>,
    /// The district of a pre-reform commune.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{3}$")]
    pub district_code: Option<String>,
    /// Required for provinces; other levels take their province's.
    #[serde(default)]
    pub region: Option<Region>,
    /// Communes only: 1, 2 or 3.
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

/// Body of `PATCH` on a unit: only the fields sent change; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Kỳ Lạc", "commune_group": 2}))]
pub struct UnitPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\s\u0000]([^\u0000]*[^\s\u0000])?$"
    )]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub unit_type: Option<String>,
    /// Provinces only.
    pub region: Option<Region>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<i16>)]
    #[schema(minimum = 1, maximum = 3)]
    pub commune_group: Option<Option<i16>>,
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(default, deserialize_with = "crate::decode::dates::patched_date")]
    pub valid_from: Option<Option<NaiveDate>>,
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(default, deserialize_with = "crate::decode::dates::patched_date")]
    pub valid_to: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,32}$")]
    pub successor_code: Option<Option<String>>,
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
