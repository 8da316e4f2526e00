//! Request and response types of `/criteria-sets` and `/criteria-versions`.
use super::*;

/// A criteria set as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriteriaSetView {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub level: CriteriaLevel,
    /// `national` or a province code.
    pub scope: String,
}

impl From<&criteria_set::Model> for CriteriaSetView {
    fn from(m: &criteria_set::Model) -> Self {
        CriteriaSetView {
            id: m.id,
            code: m.code.clone(),
            name: m.name.clone(),
            level: m.level,
            scope: m.scope.clone(),
        }
    }
}

/// Body of `POST /criteria-sets`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "HT-XA-NTM-2021", "name": "Bộ tiêu chí xã NTM tỉnh Hà Tĩnh 2021-2025", "level": "commune", "scope": "42"}))]
pub struct NewCriteriaSet {
    /// Unique, 2 to 64 upper-case letters, digits and '-'.
    #[schema(pattern = r"^[A-Z0-9-]{2,64}$")]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub name: String,
    pub level: CriteriaLevel,
    /// `national` (admins) or a province code (that province's officers).
    #[schema(pattern = r"^(national|[0-9]{2})$")]
    pub scope: String,
}

/// The legal document a version rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalDocument {
    /// e.g. `318/QĐ-TTg`, `36/2022/QĐ-UBND`.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub number: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub title: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub issuer: String,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub signed_on: Option<NaiveDate>,
}

/// Body of `POST /criteria-versions` (a draft) and `PUT /criteria-versions/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub set_id: i32,
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub label: String,
    pub legal_document: LegalDocument,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub effective_from: NaiveDate,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub effective_to: Option<NaiveDate>,
    /// The version this one amends (same set).
    #[serde(default)]
    pub revises: Option<i32>,
    #[serde(default)]
    pub source_note: Option<String>,
    #[schema(min_items = 1)]
    pub criteria: Vec<Criterion>,
}

/// Body of `POST /criteria-versions/{id}/revisions`: a new draft copying the tree.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub label: String,
    pub legal_document: LegalDocument,
    #[serde(deserialize_with = "crate::decode::dates::date")]
    pub effective_from: NaiveDate,
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub effective_to: Option<NaiveDate>,
}

/// A version without its tree (lists).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionSummary {
    pub id: i32,
    pub set_id: i32,
    pub set_code: String,
    pub level: CriteriaLevel,
    pub scope: String,
    pub label: String,
    pub legal_document: LegalDocument,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub status: VersionStatus,
    pub revises: Option<i32>,
    pub published_at: Option<chrono::DateTime<Utc>>,
    pub source_note: Option<String>,
    pub criteria_count: i32,
    pub indicator_count: i32,
    /// Whether the version can judge every commune of its period: no placeholder criteria,
    /// a threshold for every `min`/`max` indicator in every region (and commune group) and
    /// year. `GET /criteria-versions/{id}` lists what is missing.
    pub complete: bool,
}

/// A version with its whole tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// What the version lacks: an assessment against it reads `unknown` where a threshold
    /// is missing.
    pub completeness: Completeness,
    pub criteria: Vec<Criterion>,
}

impl LegalDocument {
    /// The legal document a stored version rests on.
    pub fn of(v: &criteria_version::Model) -> Self {
        LegalDocument {
            number: v.legal_number.clone(),
            title: v.legal_title.clone(),
            issuer: v.legal_issuer.clone(),
            signed_on: v.legal_signed_on,
        }
    }
}

pub fn summary(set: &criteria_set::Model, v: &criteria_version::Model) -> VersionSummary {
    let complete = tree_of(v)
        .map(|tree| completeness(&tree, period_years(v)).complete)
        .unwrap_or(false);
    summary_with(set, v, complete)
}

/// [`summary`] when the caller already knows whether the version is complete.
fn summary_with(
    set: &criteria_set::Model,
    v: &criteria_version::Model,
    complete: bool,
) -> VersionSummary {
    VersionSummary {
        id: v.id,
        set_id: set.id,
        set_code: set.code.clone(),
        level: set.level,
        scope: set.scope.clone(),
        label: v.label.clone(),
        legal_document: LegalDocument::of(v),
        effective_from: v.effective_from,
        effective_to: v.effective_to,
        status: v.status,
        revises: v.revises_id,
        published_at: v.published_at,
        source_note: v.source_note.clone(),
        criteria_count: v.criteria_count,
        indicator_count: v.indicator_count,
        complete,
    }
}

/// The years a version's assessments can fall in: from its first year to its last (to the
/// current year while it has no end).
pub fn period_years(v: &criteria_version::Model) -> std::ops::RangeInclusive<i32> {
    use chrono::Datelike;
    let from = v.effective_from.year();
    let to = v
        .effective_to
        .map(|d| d.year())
        .unwrap_or_else(|| from.max(Utc::now().year()));
    from..=to
}

pub fn tree_of(v: &criteria_version::Model) -> Result<Vec<Criterion>> {
    serde_json::from_value(v.tree.clone()).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "criteria version {} has an unreadable tree: {e}",
            v.id
        ))
    })
}

pub fn view(set: &criteria_set::Model, v: &criteria_version::Model) -> Result<VersionView> {
    // The tree is parsed and judged once, for both the summary and the completeness.
    let criteria = tree_of(v)?;
    let completeness = completeness(&criteria, period_years(v));
    Ok(VersionView {
        summary: summary_with(set, v, completeness.complete),
        completeness,
        criteria,
    })
}

/// Filters of `GET /criteria-versions`.
#[derive(Debug, Default, Clone)]
pub struct VersionFilter {
    pub set: Option<i32>,
    pub status: Option<VersionStatus>,
    pub effective_on: Option<NaiveDate>,
    pub level: Option<CriteriaLevel>,
    pub scope: Option<String>,
    /// Only complete (`true`) or incomplete (`false`) versions.
    pub complete: Option<bool>,
}
