//! Access: who may do what, and where. Every rule of the role table (`docs/ROLES.md`) is
//! decided here, by named functions, and nowhere else. There is no HTTP in this module: the
//! handlers, `/sync/*`, the idempotency layer and the command line all ask it the same way.
//!
//! * [`Grant`]: a role together with its scope, so a role cannot lack its scope (a
//!   province officer always has a province code, a sponsor an agency id).
//! * [`Caller`]: who acts (a signed-in user, or the command line acting as an admin).
//! * [`Permission`]: what is being done; [`Scope`]: where (unit codes, an agency).
//! * [`Caller::ensure`]: 403 unless the grant's role may do the permission and its scope
//!   covers the target. The visibility rules ([`draft_reach`], [`Caller::sees_criteria_drafts`],
//!   [`Caller::feed_reach`], [`Caller::user_reach`]) answer what a caller may read.
use crate::error::{ApiError, Result};
use entity::enums::Status;

/// Role of a user (`docs/ROLES.md`); defined with the `users.role` column.
pub use entity::enums::Role;

/// A role with its scope: what a user was granted. Built from a stored user by
/// [`Grant::new`], which refuses a role without its scope (or a scope on a national role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Admin,
    Viewer,
    /// A province officer (or a province's sync account), with the province code.
    Province(String),
    /// A district officer, with the district code.
    District(String),
    /// A commune officer, with the commune code.
    Commune(String),
    /// A sponsoring agency's user, with the agency id.
    Sponsor(i32),
}

impl Grant {
    /// The grant of a stored role and scope; an inconsistent pair is an error (a corrupt
    /// row), never a silent default.
    pub fn new(role: Role, scope: Option<&str>) -> std::result::Result<Grant, String> {
        let code = || {
            scope
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("the {} role needs a scope", role.as_str()))
        };
        let national = |grant: Grant| match scope {
            None => Ok(grant),
            Some(_) => Err(format!("the {} role has no scope", role.as_str())),
        };
        match role {
            Role::Admin => national(Grant::Admin),
            Role::Viewer => national(Grant::Viewer),
            Role::Province => Ok(Grant::Province(code()?)),
            Role::District => Ok(Grant::District(code()?)),
            Role::Commune => Ok(Grant::Commune(code()?)),
            Role::Sponsor => code()?
                .parse::<i32>()
                .map(Grant::Sponsor)
                .map_err(|_| "a sponsor's scope is an agency id".to_string()),
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Grant::Admin => Role::Admin,
            Grant::Viewer => Role::Viewer,
            Grant::Province(_) => Role::Province,
            Grant::District(_) => Role::District,
            Grant::Commune(_) => Role::Commune,
            Grant::Sponsor(_) => Role::Sponsor,
        }
    }

    /// The scope as stored and shown (`scope` of a user and of a token): a unit code or an
    /// agency id; `None` for national roles.
    pub fn scope(&self) -> Option<String> {
        match self {
            Grant::Admin | Grant::Viewer => None,
            Grant::Province(c) | Grant::District(c) | Grant::Commune(c) => Some(c.clone()),
            Grant::Sponsor(id) => Some(id.to_string()),
        }
    }
}

/// What a caller wants to do; each maps to the roles allowed to do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create, edit and delete provinces.
    ManageProvinces,
    /// Create, edit and delete districts, communes and villages.
    ManageUnits,
    /// Create, edit and delete users below oneself.
    ManageUsers,
    /// Create criteria sets, write draft versions, publish and revise them (national sets:
    /// admins; provincial sets: that province's officers).
    ManageCriteria,
    /// Create and edit a commune's self-assessment (tự đánh giá).
    AuthorSelfAssessment,
    /// Create and edit a district's review assessment (thẩm tra).
    AuthorDistrictReview,
    /// Create and edit a province's appraisal assessment (thẩm định).
    AuthorProvincialAppraisal,
    /// Mark a submitted assessment reviewed.
    ReviewAssessments,
    /// Mark a reviewed assessment appraised.
    AppraiseAssessments,
    /// Send an assessment back to draft, with a reason.
    ReturnAssessments,
    /// Issue and revoke recognition decisions.
    Recognize,
    /// Record registrations of target years.
    ManageRegistrations,
    /// Create and edit sponsoring agencies and their sponsorships.
    ManageSponsorships,
    /// Record activities under a sponsorship (the agency's own users too).
    RecordActivities,
    /// Carry any kind of assessment in a sync batch (`POST /sync/assessments`): provincial
    /// systems hold their communes' self-assessments and districts' reviews too.
    SyncAssessments,
}

impl Permission {
    /// The roles that may do this somewhere (the columns of the role table).
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            Permission::ManageProvinces => &[Role::Admin],
            Permission::ManageUnits
            | Permission::ManageUsers
            | Permission::ManageCriteria
            | Permission::AuthorProvincialAppraisal
            | Permission::AppraiseAssessments
            | Permission::Recognize
            | Permission::ManageSponsorships
            | Permission::SyncAssessments => &[Role::Admin, Role::Province],
            Permission::RecordActivities => &[Role::Admin, Role::Province, Role::Sponsor],
            Permission::AuthorSelfAssessment => &[Role::Admin, Role::Commune],
            Permission::AuthorDistrictReview => &[Role::Admin, Role::District],
            Permission::ReviewAssessments
            | Permission::ReturnAssessments
            | Permission::ManageRegistrations => &[Role::Admin, Role::District, Role::Province],
        }
    }
}

/// Where an action takes place: the codes of the administrative units it concerns, as
/// resolved on the action's date. A field left `None` does not constrain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub province: Option<String>,
    pub district: Option<String>,
    pub commune: Option<String>,
    /// The sponsoring agency concerned (its id), for sponsor users.
    pub agency: Option<i32>,
}

impl Scope {
    pub fn province(code: impl Into<String>) -> Self {
        Scope {
            province: Some(code.into()),
            ..Default::default()
        }
    }
}

/// Who acts: the signed-in user as stored now (not as the token remembers it), or the
/// command line acting as an admin ([`Caller::command_line`]).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i32,
    pub username: String,
    pub grant: Grant,
    /// The province a district or commune grant was made in: its code covers units of
    /// that province only, since codes are reused over time. `None`: unbound.
    pub granted_in: Option<String>,
}

/// Which drafts (of assessments) a caller reads besides the non-draft ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftReach {
    /// None: anonymous callers and sponsors.
    None,
    /// Every draft: admins and viewers.
    All,
    /// Drafts of units in this province.
    Province(String),
    /// Drafts of units in this district (of this province, when the grant is bound).
    District(String, Option<String>),
    /// Drafts of this commune (of this province, when the grant is bound).
    Commune(String, Option<String>),
}

/// Which drafts a caller (or an anonymous one) reads.
pub fn draft_reach(caller: Option<&Caller>) -> DraftReach {
    match caller.map(|c| &c.grant) {
        None | Some(Grant::Sponsor(_)) => DraftReach::None,
        Some(Grant::Admin | Grant::Viewer) => DraftReach::All,
        Some(Grant::Province(c)) => DraftReach::Province(c.clone()),
        Some(Grant::District(c)) => {
            DraftReach::District(c.clone(), caller.and_then(|c| c.granted_in.clone()))
        }
        Some(Grant::Commune(c)) => {
            DraftReach::Commune(c.clone(), caller.and_then(|c| c.granted_in.clone()))
        }
    }
}

/// Whether a caller (or an anonymous one) reads a draft that sits at `place`.
pub fn may_read_draft(caller: Option<&Caller>, place: &Scope) -> bool {
    caller.is_some_and(|c| c.grant == Grant::Viewer || c.covers(place))
}

/// A document's parent as the rules of documents see it (`docs/ROLES.md`, Documents):
/// documents follow their parent.
#[derive(Debug, Clone)]
pub struct DocumentParentAccess {
    /// What editing the parent takes: the same permission attaches and removes documents.
    pub edit: Permission,
    /// Where the parent sits.
    pub scope: Scope,
    /// Whether the parent is a draft (an assessment being written or returned to draft).
    pub draft: bool,
    /// Why the parent can no longer change, when it cannot (documents are then fixed).
    pub closed: Option<String>,
}

/// Whether a caller (or an anonymous one) reads the documents of a parent it may read:
/// those of a non-draft as the parent itself; those of a draft only its own people (the
/// scope's officers, never a viewer: a viewer reads a draft's figures, not its papers).
pub fn may_read_documents(caller: Option<&Caller>, parent: &DocumentParentAccess) -> bool {
    !parent.draft || caller.is_some_and(|c| c.grant != Grant::Viewer && c.covers(&parent.scope))
}

/// What a caller reads of the change feed (`GET /changes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedReach {
    /// The whole feed: admins and viewers.
    All,
    /// One province's changes and the national ones: a province's officers (its sync
    /// account).
    Province(String),
}

/// What a caller reads of the audit trail (`GET /audit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditReach {
    /// Every entry: admins.
    All,
    /// Entries about the province, its units and its users: its officers.
    Province(String),
}

/// Which users a caller may list (`GET /users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserReach {
    /// Everyone: admins.
    All,
    /// The province's officers and the district and commune users inside it.
    Province(String),
}

impl Caller {
    /// The command line: an administrator acting under the name `by` (imports are run by
    /// whoever runs the command; there is no user row behind it).
    pub fn command_line(by: &str) -> Caller {
        Caller {
            user_id: 0,
            username: by.to_string(),
            grant: Grant::Admin,
            granted_in: None,
        }
    }

    pub fn role(&self) -> Role {
        self.grant.role()
    }

    pub fn is_admin(&self) -> bool {
        self.grant == Grant::Admin
    }

    /// Whether the caller's scope contains `target`. Admins and viewers are national. A
    /// district or commune code covers only units of the province it was granted in.
    pub fn covers(&self, target: &Scope) -> bool {
        if let (Grant::District(_) | Grant::Commune(_), Some(bound)) =
            (&self.grant, &self.granted_in)
        {
            if target.province.as_ref() != Some(bound) {
                return false;
            }
        }
        match &self.grant {
            Grant::Admin | Grant::Viewer => true,
            Grant::Province(own) => target.province.as_ref() == Some(own),
            Grant::District(own) => target.district.as_ref() == Some(own),
            Grant::Commune(own) => target.commune.as_ref() == Some(own),
            Grant::Sponsor(own) => target.agency == Some(*own),
        }
    }

    /// Whether the caller's role may do `permission` somewhere (scope not considered).
    pub fn may(&self, permission: Permission) -> bool {
        permission.allowed_roles().contains(&self.role())
    }

    /// 403 unless the caller's role may do `permission` somewhere: the check made before
    /// the target is known (so that a caller who may never do it learns that first, not
    /// that its body was wrong).
    pub fn ensure_role(&self, permission: Permission) -> Result<()> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not do this ({permission:?})",
                self.role().as_str()
            )))
        }
    }

    /// 403 unless the caller's role may do one of `permissions` (a sync batch whose items
    /// need different permissions; each item's scope is checked later).
    pub fn ensure_any_role(&self, permissions: &[Permission], what: &str) -> Result<()> {
        if permissions.iter().any(|p| self.may(*p)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not {what}",
                self.role().as_str()
            )))
        }
    }

    /// 403 unless the caller's role may do `permission` and its scope covers `target`.
    pub fn ensure(&self, permission: Permission, target: &Scope) -> Result<()> {
        self.ensure_role(permission)?;
        if !self.covers(target) {
            return Err(ApiError::Forbidden(format!(
                "this is outside your scope ({} {})",
                self.role().as_str(),
                self.grant.scope().as_deref().unwrap_or("-")
            )));
        }
        Ok(())
    }

    /// Whether the caller reads the drafts of a criteria set that sits at `set_scope`
    /// (national sets: an empty scope): its editors and viewers.
    pub fn sees_criteria_drafts(&self, set_scope: &Scope) -> bool {
        self.grant == Grant::Viewer || self.ensure(Permission::ManageCriteria, set_scope).is_ok()
    }

    /// What the caller reads of the change feed; 403 for district, commune and sponsor
    /// users.
    pub fn feed_reach(&self) -> Result<FeedReach> {
        match &self.grant {
            Grant::Admin | Grant::Viewer => Ok(FeedReach::All),
            Grant::Province(code) => Ok(FeedReach::Province(code.clone())),
            _ => Err(ApiError::Forbidden(
                "the change feed is for admins, viewers and province officers (sync accounts)"
                    .into(),
            )),
        }
    }

    /// What the caller reads of the audit trail; 403 for everyone but admins and province
    /// officers (viewers read the data, not who changed it).
    pub fn audit_reach(&self) -> Result<AuditReach> {
        match &self.grant {
            Grant::Admin => Ok(AuditReach::All),
            Grant::Province(code) => Ok(AuditReach::Province(code.clone())),
            _ => Err(ApiError::Forbidden(
                "the audit trail is read by admins and province officers".into(),
            )),
        }
    }

    /// Which users the caller lists; 403 for everyone but admins and province officers.
    pub fn user_reach(&self) -> Result<UserReach> {
        match &self.grant {
            Grant::Admin => Ok(UserReach::All),
            Grant::Province(code) => {
                self.ensure(Permission::ManageUsers, &Scope::province(code.clone()))?;
                Ok(UserReach::Province(code.clone()))
            }
            _ => Err(ApiError::Forbidden(
                "only admins and province officers list users".into(),
            )),
        }
    }

    /// 403 unless the caller may book a sponsorship (and its funding) in the name of agency
    /// `agency_id`, which sits in `agency_province` (`None`: a national agency): admins
    /// any agency, others a national one or one of their own province.
    pub fn ensure_may_use_agency(
        &self,
        agency_id: i32,
        agency_province: Option<&str>,
    ) -> Result<()> {
        match (&self.grant, agency_province) {
            (Grant::Admin, _) | (_, None) => Ok(()),
            (Grant::Province(own), Some(p)) if own == p => Ok(()),
            (_, Some(p)) => Err(ApiError::Forbidden(format!(
                "agency {agency_id} belongs to province {p}; a sponsorship needs a national \
                 agency or one of your province"
            ))),
        }
    }

    /// 403 unless the caller may attach documents to (and remove them from) `parent`:
    /// whoever may edit the parent, where its scope is; then 409 while the parent can no
    /// longer change (an assessment sent on past draft, a revoked recognition).
    pub fn ensure_may_attach(&self, parent: &DocumentParentAccess) -> Result<()> {
        self.ensure(parent.edit, &parent.scope)?;
        match &parent.closed {
            Some(why) => Err(ApiError::conflict(why.clone())),
            None => Ok(()),
        }
    }

    /// 403 unless the caller's level decides on an assessment in `status`, so that it may
    /// send it back to draft: a district what was submitted to it, a province what was
    /// reviewed or appraised (admins: any). A district cannot undo the province's work.
    pub fn ensure_may_return(&self, status: Status) -> Result<()> {
        let waits_on_caller = match self.grant {
            Grant::Admin => true,
            Grant::District(_) => status == Status::Submitted,
            Grant::Province(_) => matches!(status, Status::Reviewed | Status::Appraised),
            _ => false,
        };
        if waits_on_caller {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "a {} assessment does not wait on the {} level's decision; only that level \
                 returns it",
                status.as_str(),
                self.role().as_str()
            )))
        }
    }

    /// Whether the caller sees the user `user_id` who sits at `place`: themselves, and the
    /// users inside their reach for managing users. Others answer 404, so a caller cannot
    /// tell which user ids exist.
    pub fn sees_user(&self, user_id: i32, place: &Scope) -> bool {
        user_id == self.user_id || self.ensure(Permission::ManageUsers, place).is_ok()
    }

    /// 403 unless the caller may hand out `role`: admins any, province officers district,
    /// commune and sponsor users.
    pub fn ensure_may_grant(&self, role: Role) -> Result<()> {
        let allowed = match self.grant {
            Grant::Admin => true,
            Grant::Province(_) => matches!(role, Role::District | Role::Commune | Role::Sponsor),
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not create or grant {} users",
                self.role().as_str(),
                role.as_str()
            )))
        }
    }

    /// 403 unless the caller may manage (read, edit, delete) another user whose role is
    /// `role` and who sits at `place`: admins everyone; province officers the users they
    /// may grant, inside their province.
    pub fn ensure_may_manage_user(&self, role: Role, place: &Scope) -> Result<()> {
        if self.is_admin() {
            return Ok(());
        }
        self.ensure_may_grant(role)?;
        self.ensure(Permission::ManageUsers, place)
    }

    /// 403 unless the caller may give a unit code to another province: a new version of a
    /// code whose earlier versions sit in another province would take over that province's
    /// users, assessments and registrations, which compare codes. Admins only (real moves,
    /// such as communes that changed province in the 2025 reform).
    pub fn ensure_may_move_codes_between_provinces(&self, code: &str, owner: &str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the code {code} belongs to units of province {owner}; only an admin may give \
                 it to another province"
            )))
        }
    }

    /// 403 unless the caller may change their own role or scope: admins only.
    pub fn ensure_may_change_own_grant(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "you may not change your own role or scope".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, scope: Option<&str>) -> Caller {
        Caller {
            user_id: 1,
            username: "u".into(),
            grant: Grant::new(role, scope).unwrap(),
            granted_in: None,
        }
    }

    #[test]
    fn a_role_cannot_lack_its_scope() {
        assert!(Grant::new(Role::Province, None).is_err());
        assert!(Grant::new(Role::Commune, Some("")).is_err());
        assert!(Grant::new(Role::Sponsor, Some("x")).is_err());
        assert!(Grant::new(Role::Admin, Some("42")).is_err());
        assert_eq!(Grant::new(Role::Sponsor, Some("7")), Ok(Grant::Sponsor(7)));
        for role in Role::ALL {
            let scope = role.needs_scope().then_some("7");
            assert_eq!(Grant::new(role, scope).unwrap().role(), role);
        }
    }

    #[test]
    fn scopes_cover_their_own_units_only() {
        let place = Scope {
            province: Some("42".into()),
            district: Some("436".into()),
            commune: Some("18073".into()),
            agency: None,
        };
        assert!(caller(Role::Province, Some("42")).covers(&place));
        assert!(!caller(Role::Province, Some("40")).covers(&place));
        assert!(caller(Role::District, Some("436")).covers(&place));
        assert!(caller(Role::Commune, Some("18073")).covers(&place));
        assert!(!caller(Role::Sponsor, Some("1")).covers(&place));
        assert!(caller(Role::Viewer, None).covers(&place));
    }

    #[test]
    fn permissions_follow_the_role_table() {
        let commune = caller(Role::Commune, Some("18073"));
        assert!(commune.may(Permission::AuthorSelfAssessment));
        assert!(!commune.may(Permission::ReviewAssessments));
        assert!(caller(Role::Viewer, None)
            .ensure(Permission::ManageUnits, &Scope::default())
            .is_err());
        assert!(caller(Role::Sponsor, Some("3")).may(Permission::RecordActivities));
    }

    #[test]
    fn drafts_reach_the_callers_own_units() {
        assert_eq!(draft_reach(None), DraftReach::None);
        assert_eq!(
            draft_reach(Some(&caller(Role::District, Some("436")))),
            DraftReach::District("436".into(), None)
        );
        assert_eq!(
            draft_reach(Some(&caller(Role::Sponsor, Some("3")))),
            DraftReach::None
        );
        assert!(may_read_draft(
            Some(&caller(Role::Viewer, None)),
            &Scope::default()
        ));
    }

    #[test]
    fn province_officers_grant_only_below_themselves() {
        let p = caller(Role::Province, Some("42"));
        assert!(p.ensure_may_grant(Role::Commune).is_ok());
        assert!(p.ensure_may_grant(Role::Province).is_err());
        assert!(p.ensure_may_grant(Role::Admin).is_err());
        assert!(caller(Role::District, Some("436"))
            .ensure_may_grant(Role::Commune)
            .is_err());
        assert!(p.ensure_may_change_own_grant().is_err());
        assert!(p
            .ensure_may_manage_user(Role::Commune, &Scope::province("42"))
            .is_ok());
        assert!(p
            .ensure_may_manage_user(Role::Commune, &Scope::province("40"))
            .is_err());
    }
}
