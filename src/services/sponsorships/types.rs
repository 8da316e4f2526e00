//! Request and response types of `/agencies`, `/sponsorships` and their activities.
use super::*;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ban Dân vận Tỉnh ủy Hà Tĩnh", "kind": "party", "province_code": "42"}))]
pub struct NewAgency {
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub name: String,
    pub kind: AgencyKind,
    /// The province it belongs to (null: a central agency; admins only).
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{2}$")]
    pub province_code: Option<String>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    pub kind: Option<AgencyKind>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(max_length = 300)]
    pub contact: Option<Option<String>>,
}

/// Sums over an agency's sponsorships.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AgencyTotals {
    pub sponsorships: i64,
    pub activities: i64,
    /// Sum of funding activities, integer VND.
    pub funding_vnd: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencyView {
    pub id: i32,
    pub name: String,
    pub kind: AgencyKind,
    pub province_code: Option<String>,
    pub contact: Option<String>,
    pub totals: AgencyTotals,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"agency_id": 3, "commune_code": "18724", "starts_on": "2016-01-01", "ends_on": "2020-12-31",
    "signed_on": "2016-08-19", "commitments": ["Tập huấn cán bộ cốt cán"]}))]
pub struct NewSponsorship {
    pub agency_id: i32,
    #[schema(pattern = r"^[0-9]{5}$")]
    pub commune_code: String,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub ends_on: NaiveDate,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub signed_on: Option<NaiveDate>,
    /// The decision assigning the sponsor, e.g. "863/QĐ-UBND".
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub commitments: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SponsorshipPatch {
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub ends_on: Option<NaiveDate>,
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(default, deserialize_with = "crate::decode::dates::patched_date")]
    pub signed_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub decision_number: Option<Option<String>>,
    pub commitments: Option<Vec<String>>,
}

/// Sums over a sponsorship's activities.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SponsorshipTotals {
    pub activities: i64,
    pub funding_vnd: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SponsorshipView {
    pub id: i32,
    pub agency_id: i32,
    pub agency_name: String,
    pub commune_code: String,
    pub province_code: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub decision_number: Option<String>,
    pub commitments: Vec<String>,
    pub totals: SponsorshipTotals,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"happened_on": "2017-05-10", "kind": "funding", "amount_vnd": 150000000, "description": "Hỗ trợ mô hình nuôi ong"}))]
pub struct NewActivity {
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    /// Integer VND; required for funding. At most 10^14 (a hundred trillion đồng), so the
    /// sums over an agency's activities cannot overflow.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub amount_vnd: Option<i64>,
    /// What was given in kind.
    #[serde(default)]
    pub in_kind: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActivityView {
    pub id: i32,
    pub sponsorship_id: i32,
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    pub amount_vnd: Option<i64>,
    pub in_kind: Option<String>,
    pub description: String,
    pub recorded_by: String,
}

impl From<&activity::Model> for ActivityView {
    fn from(m: &activity::Model) -> Self {
        ActivityView {
            id: m.id,
            sponsorship_id: m.sponsorship_id,
            happened_on: m.happened_on,
            kind: m.kind,
            amount_vnd: m.amount_vnd,
            in_kind: m.in_kind.clone(),
            description: m.description.clone(),
            recorded_by: m.recorded_by.clone(),
        }
    }
}

/// Filters of `GET /agencies`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgencyQuery {
    pub province: Option<String>,
    pub kind: Option<AgencyKind>,
    /// Search in names, ignoring diacritics and case.
    pub q: Option<String>,
}

/// Filters of `GET /sponsorships`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SponsorshipQuery {
    pub agency: Option<i32>,
    pub commune: Option<String>,
    pub province: Option<String>,
}
