//! Levels of criteria sets (and of recognitions and registrations), and the status of a
//! criteria version.
use super::*;

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
