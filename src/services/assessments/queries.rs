//! Reading assessments: one (visible to the caller), a page of them, a whole view.
use super::*;

pub fn summary_of(m: &assessment::Model) -> AssessmentSummary {
    SummaryRow {
        id: m.id,
        unit_code: m.unit_code.clone(),
        unit_level: m.unit_level,
        province_code: m.province_code.clone(),
        district_code: m.district_code.clone(),
        criteria_version_id: m.criteria_version_id,
        assessed_on: m.assessed_on,
        year: m.year,
        kind: m.kind,
        status: m.status,
        met_count: m.met_count,
        unknown_count: m.unknown_count,
        total_count: m.total_count,
        created_by: m.created_by.clone(),
        updated_at: m.updated_at,
    }
    .into_summary()
}

pub async fn reload<C: ConnectionTrait>(db: &C, id: i32) -> Result<assessment::Model> {
    Assessments::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("assessment {id}")))
}

/// An assessment the caller may see (404 otherwise, drafts included).
pub async fn get_visible<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    id: i32,
) -> Result<assessment::Model> {
    let m = reload(db, id).await?;
    if may_see(caller, &m) {
        Ok(m)
    } else {
        Err(ApiError::not_found(format!("assessment {id}")))
    }
}

pub async fn view<C: ConnectionTrait>(
    db: &C,
    trees: &Trees,
    m: &assessment::Model,
) -> Result<AssessmentView> {
    let (criteria, summary, decisions) = evaluate_stored(db, trees, m).await?;
    let history = assessment_transition::Entity::find()
        .filter(assessment_transition::Column::AssessmentId.eq(m.id))
        .order_by_asc(assessment_transition::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TransitionView {
            from: t.from_status,
            to: t.to_status,
            by: t.by_username,
            at: t.at,
            note: t.note,
        })
        .collect();
    let mut head = summary_of(m);
    head.summary = summary;
    Ok(AssessmentView {
        head,
        region: m.region,
        commune_group: m.commune_group,
        designation_id: m.designation_id,
        criteria,
        decisions: decisions
            .into_iter()
            .map(|d| DecisionView {
                criterion_code: d.criterion_code,
                result: d.result,
                note: d.note,
                decided_by: d.decided_by,
                decided_at: d.decided_at,
            })
            .collect(),
        history,
    })
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: Option<&Caller>,
    f: &AssessmentFilter,
    request: PageRequest,
) -> Result<Page<AssessmentSummary>> {
    let mut q = Assessments::find().filter(visible_condition(caller));
    if let Some(u) = &f.unit {
        q = q.filter(A::UnitCode.eq(u.as_str()));
    }
    if let Some(p) = &f.province {
        q = q.filter(A::ProvinceCode.eq(p.as_str()));
    }
    if let Some(d) = &f.district {
        q = q.filter(A::DistrictCode.eq(d.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(A::Status.eq(s));
    }
    if let Some(y) = f.year {
        q = q.filter(A::Year.eq(y));
    }
    if let Some(v) = f.criteria_version {
        q = q.filter(A::CriteriaVersionId.eq(v));
    }
    if let Some(k) = f.kind {
        q = q.filter(A::Kind.eq(k));
    }
    let q = q.order_by_desc(A::AssessedOn).order_by_desc(A::Id);
    let rows =
        crate::services::fetch_page_of(db, q.into_partial_model::<SummaryRow>(), request).await?;
    Ok(rows.map(SummaryRow::into_summary))
}

/// The columns of an assessment its summary shows, which the list reads instead of whole
/// rows: decoding the 25 columns of each row, each looked up by name, took 22 % of a list
/// page's CPU (perf, `GET /assessments?province=42` on PostgreSQL).
#[derive(Debug, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "Assessments")]
struct SummaryRow {
    id: i32,
    unit_code: String,
    unit_level: entity::enums::Level,
    province_code: Option<String>,
    district_code: Option<String>,
    criteria_version_id: i32,
    assessed_on: chrono::NaiveDate,
    year: i32,
    kind: Kind,
    status: Status,
    met_count: i32,
    unknown_count: Option<i32>,
    total_count: i32,
    created_by: String,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl SummaryRow {
    fn into_summary(self) -> AssessmentSummary {
        AssessmentSummary {
            id: self.id,
            unit_code: self.unit_code,
            unit_level: self.unit_level,
            province_code: self.province_code,
            district_code: self.district_code,
            criteria_version_id: self.criteria_version_id,
            assessed_on: self.assessed_on,
            year: self.year,
            kind: self.kind,
            status: self.status,
            summary: Summary::new(
                self.met_count,
                self.unknown_count.unwrap_or(0),
                self.total_count,
            ),
            created_by: self.created_by,
            updated_at: self.updated_at,
        }
    }
}
