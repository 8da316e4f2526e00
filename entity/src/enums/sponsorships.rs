//! Kinds of sponsoring agency and of sponsorship activity.
use super::*;

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
