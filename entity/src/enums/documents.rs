//! Kinds of document in a dossier (hồ sơ) and of what a document is attached to.
use super::*;

/// What a document is: the papers a recognition dossier is made of (the commune's report,
/// the minutes of the meeting that approved it, the summary of residents' opinions, the
/// decision) and the acts of a sponsorship (agreements, receipts, photos of the works).
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
pub enum DocumentKind {
    /// Báo cáo (e.g. the commune's report on its results).
    Report,
    /// Biên bản (minutes of a meeting, of the appraisal council).
    Minutes,
    /// Tổng hợp ý kiến (summary of the residents' opinions).
    OpinionSummary,
    /// Quyết định (e.g. the signed recognition decision).
    Decision,
    /// Thỏa thuận, hợp đồng (a sponsorship agreement).
    Agreement,
    /// Biên nhận, chứng từ (a receipt).
    Receipt,
    /// Ảnh (a photo, e.g. of a work built with support).
    Photo,
    Other,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Report => "report",
            DocumentKind::Minutes => "minutes",
            DocumentKind::OpinionSummary => "opinion_summary",
            DocumentKind::Decision => "decision",
            DocumentKind::Agreement => "agreement",
            DocumentKind::Receipt => "receipt",
            DocumentKind::Photo => "photo",
            DocumentKind::Other => "other",
        }
    }
}

/// What a document is attached to.
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
pub enum DocumentParent {
    Assessment,
    Recognition,
    Registration,
    /// An activity under a sponsorship.
    Activity,
}

impl DocumentParent {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentParent::Assessment => "assessment",
            DocumentParent::Recognition => "recognition",
            DocumentParent::Registration => "registration",
            DocumentParent::Activity => "activity",
        }
    }
}
