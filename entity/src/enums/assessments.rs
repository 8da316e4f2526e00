//! An assessment's status and kind, and a criterion's result.
use super::*;

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
    /// Cannot be judged yet: a threshold for the unit's region, group or year, or a value,
    /// is missing, and no officer has decided. Never an officer's decision.
    Unknown,
}

impl CriterionResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionResult::Met => "met",
            CriterionResult::BasicallyMet => "basically_met",
            CriterionResult::NotMet => "not_met",
            CriterionResult::Unknown => "unknown",
        }
    }
}
