//! Where an assessment sits and who may act on it or read it: the assessment's side of
//! the rules decided in [`crate::access`].
use super::*;

/// Where an assessment sits, for scope checks.
pub fn scope_of(m: &assessment::Model) -> Scope {
    Scope {
        agency: None,
        province: m.province_code.clone(),
        district: m.district_code.clone(),
        commune: m.commune_code.clone(),
    }
}

pub fn author_permission(kind: Kind) -> Permission {
    match kind {
        Kind::SelfAssessment => Permission::AuthorSelfAssessment,
        Kind::DistrictReview => Permission::AuthorDistrictReview,
        Kind::ProvincialAppraisal => Permission::AuthorProvincialAppraisal,
    }
}

pub fn action_permission(action: Action, kind: Kind) -> Permission {
    match action {
        Action::Submit => author_permission(kind),
        Action::Review => Permission::ReviewAssessments,
        Action::Appraise => Permission::AppraiseAssessments,
        Action::Return => Permission::ReturnAssessments,
        Action::Recognize => Permission::Recognize,
    }
}

/// Whether a caller reads this assessment: non-drafts are public, drafts follow
/// [`access::may_read_draft`].
pub fn may_see(caller: Option<&Caller>, m: &assessment::Model) -> bool {
    m.status != Status::Draft || access::may_read_draft(caller, &scope_of(m))
}

/// SQL form of [`may_see`] for lists: the drafts of [`access::draft_reach`].
pub fn visible_condition(caller: Option<&Caller>) -> Condition {
    let in_province = |code: Option<String>| match code {
        Some(p) => Condition::all().add(A::ProvinceCode.eq(p)),
        None => Condition::all(),
    };
    let drafts = match access::draft_reach(caller) {
        DraftReach::All => return Condition::all(),
        DraftReach::None => return Condition::all().add(A::Status.ne(Status::Draft)),
        DraftReach::Province(code) => Condition::all().add(A::ProvinceCode.eq(code)),
        DraftReach::District(code, p) => in_province(p).add(A::DistrictCode.eq(code)),
        DraftReach::Commune(code, p) => in_province(p).add(A::CommuneCode.eq(code)),
    };
    Condition::any()
        .add(A::Status.ne(Status::Draft))
        .add(drafts)
}
