//! Authentication and authorization.
//!
//! * [`password`]: argon2 hashing.
//! * [`tokens`]: JWT access tokens (HS256) and opaque refresh tokens stored hashed.
//! * [`throttle`]: failed-login limits on `POST /auth/token`.
//! * [`Caller`] / [`MaybeCaller`]: extractors; `Caller` answers 401 without a valid token.
//! * [`Caller::ensure`]: the one place where the role table of DESIGN.md section 2 is
//!   enforced: a [`Permission`] names what is being done, a [`Scope`] names where.

pub mod password;
pub mod throttle;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use sea_orm::EntityTrait;

use crate::error::ApiError;
use crate::startup::AppState;

/// Role of a user (DESIGN.md section 2): defined with the `users.role` column.
pub use entity::enums::Role;

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
    fn allowed_roles(self) -> &'static [Role] {
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
    pub agency: Option<String>,
}

impl Scope {
    pub fn province(code: impl Into<String>) -> Self {
        Scope {
            province: Some(code.into()),
            ..Default::default()
        }
    }
}

/// The authenticated caller of a request, as stored now (not as the token remembers it).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i32,
    pub username: String,
    pub role: Role,
    pub scope: Option<String>,
}

impl Caller {
    /// Whether the caller's scope contains `target`. Admins and viewers are national.
    pub fn covers(&self, target: &Scope) -> bool {
        let own = self.scope.as_deref();
        match self.role {
            Role::Admin | Role::Viewer => true,
            Role::Province => own.is_some() && target.province.as_deref() == own,
            Role::District => own.is_some() && target.district.as_deref() == own,
            Role::Commune => own.is_some() && target.commune.as_deref() == own,
            Role::Sponsor => own.is_some() && target.agency.as_deref() == own,
        }
    }

    /// 403 unless the caller's role may do `permission` and its scope covers `target`.
    pub fn ensure(&self, permission: Permission, target: &Scope) -> Result<(), ApiError> {
        if !permission.allowed_roles().contains(&self.role) {
            return Err(ApiError::Forbidden(format!(
                "the {} role may not do this ({permission:?})",
                self.role.as_str()
            )));
        }
        if !self.covers(target) {
            return Err(ApiError::Forbidden(format!(
                "this is outside your scope ({} {})",
                self.role.as_str(),
                self.scope.as_deref().unwrap_or("-")
            )));
        }
        Ok(())
    }

    /// Whether the caller's role may do `permission` somewhere (scope not considered).
    pub fn role_may(&self, permission: Permission) -> bool {
        permission.allowed_roles().contains(&self.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

type CallerFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = CallerFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            match token? {
                None => Err(ApiError::Unauthorized(
                    "send an access token as `Authorization: Bearer <token>`".into(),
                )),
                Some(token) => authenticate(&state, &token).await,
            }
        })
    }
}

/// The caller when a token was sent, `None` for anonymous requests. A token that is sent
/// but invalid is still a 401: a client must learn its token has expired.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = CallerFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            match token? {
                None => Ok(MaybeCaller(None)),
                Some(token) => Ok(MaybeCaller(Some(authenticate(&state, &token).await?))),
            }
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not readable".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".into(),
        )),
    }
}

async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let claims = state.tokens.verify_access(token)?;
    let user_id: i32 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::Unauthorized("the token's subject is not a user".into()))?;
    let user = entity::user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token's user no longer exists".into()))?;
    Ok(Caller {
        user_id: user.id,
        username: user.username,
        role: user.role,
        scope: user.scope,
    })
}
