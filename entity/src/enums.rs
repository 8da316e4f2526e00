//! The enum-typed columns. Each enum is stored as its snake_case name in a `VARCHAR` column
//! (no database enum type): `DeriveActiveEnum` maps it to the column, serde to the JSON and
//! utoipa to the OpenAPI schema, all three with the same strings. A value in the database
//! that is none of them fails to decode (`DbErr::Type`) instead of falling back to a default.
//!
//! `as_str` gives the same string without allocating, for messages, CSV cells, cache keys and
//! logs; the tests below check it against sea-orm's and serde's forms.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Role of a user (`docs/ROLES.md`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Role {
    /// Everything.
    Admin,
    /// Sở/UBND tỉnh — scope: a province code.
    Province,
    /// Huyện — scope: a district code.
    District,
    /// Xã — scope: a commune code.
    Commune,
    /// Đơn vị đỡ đầu — scope: a sponsoring agency id.
    Sponsor,
    /// Reads everything, drafts included; writes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Province,
        Role::District,
        Role::Commune,
        Role::Sponsor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Province => "province",
            Role::District => "district",
            Role::Commune => "commune",
            Role::Sponsor => "sponsor",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role is bound to a scope (a unit code or an agency id).
    pub fn needs_scope(self) -> bool {
        !matches!(self, Role::Admin | Role::Viewer)
    }
}

/// Level of an administrative unit.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Level {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Huyện / quận / thị xã / thành phố thuộc tỉnh (abolished 2025-07-01).
    District,
    /// Xã / phường / thị trấn / đặc khu.
    Commune,
    /// Thôn / xóm / ấp / bản / khu dân cư.
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// Vietnamese name of the level, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// The unit types allowed at this level.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Level::Province => &["tỉnh", "thành phố trung ương"],
            Level::District => &["huyện", "quận", "thị xã", "thành phố"],
            Level::Commune => &["xã", "phường", "thị trấn", "đặc khu"],
            Level::Village => &[
                "thôn",
                "xóm",
                "ấp",
                "bản",
                "buôn",
                "làng",
                "plei",
                "sóc",
                "khóm",
                "khu dân cư",
                "khu phố",
                "tổ dân phố",
            ],
        }
    }

    /// Whether `code` has this level's official format (GSO/NSO: 2, 3 and 5 digits;
    /// villages: 1 to 32 letters, digits, `.`, `-` or `_`).
    pub fn code_is_valid(self, code: &str) -> bool {
        let digits = |n: usize| code.len() == n && code.bytes().all(|b| b.is_ascii_digit());
        match self {
            Level::Province => digits(2),
            Level::District => digits(3),
            Level::Commune => digits(5),
            Level::Village => {
                (1..=32).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            }
        }
    }

    pub fn code_format(self) -> &'static str {
        match self {
            Level::Province => "2 digits, e.g. \"42\"",
            Level::District => "3 digits, e.g. \"443\"",
            Level::Commune => "5 digits, e.g. \"18850\"",
            Level::Village => "1 to 32 letters, digits, '.', '-' or '_'",
        }
    }
}

/// The seven socio-economic regions used by region-dependent thresholds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum Region {
    /// Trung du và miền núi phía Bắc.
    NorthernMidlandsMountains,
    /// Đồng bằng sông Hồng.
    RedRiverDelta,
    /// Bắc Trung Bộ.
    NorthCentralCoast,
    /// Duyên hải Nam Trung Bộ.
    SouthCentralCoast,
    /// Tây Nguyên.
    CentralHighlands,
    /// Đông Nam Bộ.
    Southeast,
    /// Đồng bằng sông Cửu Long.
    MekongDelta,
}

impl Region {
    pub const ALL: [Region; 7] = [
        Region::NorthernMidlandsMountains,
        Region::RedRiverDelta,
        Region::NorthCentralCoast,
        Region::SouthCentralCoast,
        Region::CentralHighlands,
        Region::Southeast,
        Region::MekongDelta,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::NorthernMidlandsMountains => "northern_midlands_mountains",
            Region::RedRiverDelta => "red_river_delta",
            Region::NorthCentralCoast => "north_central_coast",
            Region::SouthCentralCoast => "south_central_coast",
            Region::CentralHighlands => "central_highlands",
            Region::Southeast => "southeast",
            Region::MekongDelta => "mekong_delta",
        }
    }
}

/// Workflow status of an assessment.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Status {
    /// Being entered by the commune (or the body that made it).
    Draft,
    /// Sent to the district for review (thẩm tra).
    Submitted,
    /// Reviewed by the district.
    Reviewed,
    /// Appraised by the province (thẩm định).
    Appraised,
    /// A recognition decision rests on it.
    Recognized,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Submitted,
        Status::Reviewed,
        Status::Appraised,
        Status::Recognized,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Reviewed => "reviewed",
            Status::Appraised => "appraised",
            Status::Recognized => "recognized",
        }
    }
}

// `DeriveValueType`, not `DeriveActiveEnum`: the latter makes an identifier of each stored
// string, and `self` gives the keyword `Self`, which does not compile. The column conversion
// then goes through `as_str` and the `FromStr` below, which is built on `as_str`.
/// Who made an assessment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, DeriveValueType,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    value_type = "String",
    to_str = "Kind::as_str",
    column_type = "String(StringLen::N(24))"
)]
pub enum Kind {
    /// Tự đánh giá — by the commune.
    #[serde(rename = "self")]
    SelfAssessment,
    /// Thẩm tra — by the district.
    DistrictReview,
    /// Thẩm định — by the province.
    ProvincialAppraisal,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::SelfAssessment,
        Kind::DistrictReview,
        Kind::ProvincialAppraisal,
    ];

    // `&self` (the others take `self`): the signature `DeriveValueType` calls.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::SelfAssessment => "self",
            Kind::DistrictReview => "district_review",
            Kind::ProvincialAppraisal => "provincial_appraisal",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = sea_orm::sea_query::ValueTypeErr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(sea_orm::sea_query::ValueTypeErr)
    }
}

/// Result of a criterion: only `met` counts in the summary.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum CriterionResult {
    /// Đạt.
    Met,
    /// Cơ bản đạt (recorded by some provinces; does not count as met).
    BasicallyMet,
    /// Chưa đạt.
    NotMet,
}

impl CriterionResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionResult::Met => "met",
            CriterionResult::BasicallyMet => "basically_met",
            CriterionResult::NotMet => "not_met",
        }
    }
}

/// Level a criteria set applies to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum CriteriaLevel {
    /// Xã nông thôn mới.
    Commune,
    /// Xã nông thôn mới nâng cao.
    CommuneAdvanced,
    /// Xã nông thôn mới kiểu mẫu.
    CommuneModel,
    /// Thôn / khu dân cư kiểu mẫu.
    VillageModel,
    /// Vườn mẫu.
    ModelGarden,
    /// Huyện nông thôn mới.
    District,
    /// Huyện nông thôn mới nâng cao.
    DistrictAdvanced,
    /// Tỉnh hoàn thành nhiệm vụ xây dựng nông thôn mới.
    Province,
}

impl CriteriaLevel {
    pub const ALL: [CriteriaLevel; 8] = [
        CriteriaLevel::Commune,
        CriteriaLevel::CommuneAdvanced,
        CriteriaLevel::CommuneModel,
        CriteriaLevel::VillageModel,
        CriteriaLevel::ModelGarden,
        CriteriaLevel::District,
        CriteriaLevel::DistrictAdvanced,
        CriteriaLevel::Province,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CriteriaLevel::Commune => "commune",
            CriteriaLevel::CommuneAdvanced => "commune_advanced",
            CriteriaLevel::CommuneModel => "commune_model",
            CriteriaLevel::VillageModel => "village_model",
            CriteriaLevel::ModelGarden => "model_garden",
            CriteriaLevel::District => "district",
            CriteriaLevel::DistrictAdvanced => "district_advanced",
            CriteriaLevel::Province => "province",
        }
    }
}

/// Status of a criteria version.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum VersionStatus {
    /// Being written; editable, visible to its editors and viewers.
    Draft,
    /// In force from `effective_from`; immutable.
    Published,
    /// Replaced by a published revision.
    Superseded,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Published => "published",
            VersionStatus::Superseded => "superseded",
        }
    }
}

// Kind of sponsoring agency. (A plain comment, not a doc comment: the OpenAPI document has
// always shown this schema without a description.)
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum AgencyKind {
    /// Cơ quan Đảng (e.g. Ban Dân vận Tỉnh ủy).
    Party,
    /// Cơ quan nhà nước (e.g. Sở Khoa học và Công nghệ).
    State,
    /// Tổ chức chính trị - xã hội, đoàn thể.
    MassOrganisation,
    /// Doanh nghiệp.
    Enterprise,
    /// Lực lượng vũ trang.
    ArmedForces,
    Other,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Party => "party",
            AgencyKind::State => "state",
            AgencyKind::MassOrganisation => "mass_organisation",
            AgencyKind::Enterprise => "enterprise",
            AgencyKind::ArmedForces => "armed_forces",
            AgencyKind::Other => "other",
        }
    }
}

/// Kind of activity under a sponsorship.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
pub enum ActivityKind {
    /// Tập huấn.
    Training,
    /// Chuyển giao khoa học kỹ thuật.
    TechnologyTransfer,
    /// Hỗ trợ kinh phí (amount_vnd required).
    Funding,
    /// Hỗ trợ hiện vật.
    InKind,
    Other,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Training => "training",
            ActivityKind::TechnologyTransfer => "technology_transfer",
            ActivityKind::Funding => "funding",
            ActivityKind::InKind => "in_kind",
            ActivityKind::Other => "other",
        }
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(
    Role,
    Level,
    Region,
    Status,
    Kind,
    CriterionResult,
    CriteriaLevel,
    VersionStatus,
    AgencyKind,
    ActivityKind
);

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// `as_str`, the stored value and the JSON string agree for every variant, and the
    /// stored value reads back.
    fn same_strings<E>(as_str: fn(E) -> &'static str)
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + Copy + PartialEq + std::fmt::Debug,
    {
        let mut n = 0;
        for v in E::iter() {
            let stored = v.to_value();
            assert_eq!(as_str(v), stored);
            assert_eq!(serde_json::to_value(v).unwrap(), stored.as_str());
            assert_eq!(E::try_from_value(&stored).unwrap(), v);
            n += 1;
        }
        assert!(n > 0);
        assert!(E::try_from_value(&"no such value".to_string()).is_err());
    }

    #[test]
    fn as_str_matches_the_stored_and_the_json_strings() {
        same_strings(Role::as_str);
        same_strings(Level::as_str);
        same_strings(Region::as_str);
        same_strings(Status::as_str);
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
            assert_eq!(sea_orm::Value::from(k), sea_orm::Value::from(k.as_str()));
        }
        assert!("no such value".parse::<Kind>().is_err());
        same_strings(CriterionResult::as_str);
        same_strings(CriteriaLevel::as_str);
        same_strings(VersionStatus::as_str);
        same_strings(AgencyKind::as_str);
        same_strings(ActivityKind::as_str);
        assert_eq!(Role::ALL.len(), Role::iter().count());
        assert_eq!(Region::ALL.len(), Region::iter().count());
        assert_eq!(Status::ALL.len(), Status::iter().count());
        assert_eq!(CriteriaLevel::ALL.len(), CriteriaLevel::iter().count());
    }
}
