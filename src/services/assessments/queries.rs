//! Reading assessments: one (visible to the caller), a page of them, a whole view.
use super::*;

pub fn summary_of(m: &assessment::Model) -> AssessmentSummary {
    AssessmentSummary {
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
        summary: Summary::new(m.met_count, m.unknown_count.unwrap_or(0), m.total_count),
        created_by: m.created_by.clone(),
        updated_at: m.updated_at,
    }
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
    let rows = crate::services::fetch_page(db, q, request).await?;
    Ok(rows.map(|m| summary_of(&m)))
}
