//! `/users`: admins manage everyone; province officers manage the district and commune
//! users inside their province; everyone may read themselves and change their password.
use crate::error::ErrorCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use entity::user;

use crate::access::{Caller, Permission, Role};
use crate::error::{ApiError, FieldError, Result};
use crate::extract::{etag, IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::logins;
use crate::services::users::{self as service, UserQuery, UserView};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "kylac", "password": "đủ-dài-và-khó-đoán", "role": "commune", "scope": "18850"}))]
pub struct NewUser {
    /// 3 to 64 lower-case letters, digits, '.', '_' or '-'.
    #[schema(pattern = r"^[a-z0-9._-]{3,64}$")]
    pub username: String,
    /// 10 to 200 characters.
    #[schema(min_length = 10, max_length = 200)]
    pub password: String,
    pub role: Role,
    /// Province, district or commune code; agency id for sponsors; none for admin and viewer.
    #[serde(default)]
    pub scope: Option<String>,
}

impl Validate for NewUser {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        service::validate_username(&self.username, errors);
        service::validate_password(&self.password, errors);
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The new password, 10 to 200 characters.
    #[schema(min_length = 10, max_length = 200)]
    pub password: Option<String>,
    /// Your current password: required to change your own password (a stolen access token
    /// must not become the account). Resetting another user's password (admins; province
    /// officers for the users they manage) does not need it.
    pub current_password: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub scope: Option<Option<String>>,
}

impl Validate for UserPatch {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        if let Some(p) = &self.password {
            service::validate_password(p, errors);
        }
    }
}

/// 403 unless the caller may manage `target` (docs/ROLES.md: admins everyone, province
/// officers the users they may grant inside their province).
async fn ensure_may_manage(state: &AppState, caller: &Caller, target: &user::Model) -> Result<()> {
    if caller.is_admin() {
        return Ok(());
    }
    let place = service::place_of(&state.db, target).await?;
    caller.ensure_may_manage_user(target.role, &place)
}

fn with_etag(response: actix_web::HttpResponseBuilder, m: &user::Model) -> HttpResponse {
    crate::api::versioned(response, m.id, m.row_version, &UserView::from(m))
}

/// Users: all of them for admins; for province officers, those inside their province.
#[utoipa::path(
    tag = "users",
    params(UserQuery, Pagination),
    responses(
        (status = 200, body = Page<UserView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<UserQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<UserView>>> {
    let request = pagination.0.resolve()?;
    let reach = caller.user_reach()?;
    let rows = service::list(&state.db, &reach, &query.0, request).await?;
    Ok(web::Json(rows.map(|m| UserView::from(&m))))
}

/// Create a user (admin; province officers: district and commune users inside their province).
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, body = UserView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to edit it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewUser>,
) -> Result<HttpResponse> {
    let body = body.0;
    caller.ensure_may_grant(body.role)?;
    let target = service::resolve_user_scope(&state.db, body.role, body.scope.as_deref()).await?;
    caller.ensure(Permission::ManageUsers, &target)?;
    let model = service::create_user(
        &state.db,
        &body.username,
        &body.password,
        body.role,
        body.scope.as_deref(),
    )
    .await?;
    tracing::info!(user = ?model.username, role = ?model.role, by = ?caller.username, "user created");
    let response = crate::api::created(format!("/api/v1/users/{}", model.id));
    Ok(with_etag(response, &model))
}

/// A self-service password change proves the current password, as a login would: it
/// takes a slot of the failed-login limits first, so a stolen token cannot guess it
/// faster than a login could.
async fn confirm_current_password(
    state: &AppState,
    user: &user::Model,
    given: Option<&str>,
    address: Option<std::net::IpAddr>,
) -> Result<()> {
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Err(ApiError::invalid(
            ErrorCode::Required,
            "current_password",
            "is required to change your own password",
        ));
    };
    let (db, limits) = (&state.db, &state.logins);
    if !logins::check_password(
        db,
        limits,
        &user.username,
        address,
        given,
        &user.password_hash,
    )
    .await?
    {
        tracing::warn!(user = ?user.username, address = ?address, "wrong current password");
        return Err(ApiError::Forbidden("the current password is wrong".into()));
    }
    Ok(())
}

/// The user `id` if the caller sees it ([`Caller::sees_user`]); 404 otherwise, as for an id
/// that does not exist.
async fn load_visible(state: &AppState, caller: &Caller, id: i32) -> Result<user::Model> {
    let model = service::find(&state.db, id).await?;
    if !caller.sees_user(model.id, &service::place_of(&state.db, &model).await?) {
        return Err(ApiError::not_found(format!("user {id}")));
    }
    Ok(model)
}

/// One user (admins; province officers for users inside their province; anyone for themselves).
#[utoipa::path(
    tag = "users",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = UserView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let model = load_visible(&state, &caller, *id).await?;
    Ok(with_etag(HttpResponse::Ok(), &model))
}

/// Change a user's password, role or scope. Users may change their own password only, and
/// only with their current password (`current_password`; wrong: 403, and the attempt counts
/// toward the failed-login limits: 429 past them).
#[utoipa::path(
    tag = "users",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = UserPatch,
    responses(
        (status = 200, body = UserView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    request: actix_web::HttpRequest,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<UserPatch>,
) -> Result<HttpResponse> {
    let body = body.0;
    let current = load_visible(&state, &caller, *id).await?;
    let changes_role = body.role.is_some() || body.scope.is_some();
    if current.id == caller.user_id {
        if changes_role {
            caller.ensure_may_change_own_grant()?;
        }
        if body.password.is_some() {
            let address = request.peer_addr().map(|a| a.ip());
            confirm_current_password(&state, &current, body.current_password.as_deref(), address)
                .await?;
        }
    } else {
        ensure_may_manage(&state, &caller, &current).await?;
    }
    if_match.check(&etag(current.id, current.row_version))?;
    let role = body.role.unwrap_or(current.role);
    let scope = body.scope.clone().unwrap_or_else(|| current.scope.clone());
    if changes_role {
        let place = service::resolve_user_scope(&state.db, role, scope.as_deref()).await?;
        caller.ensure_may_manage_user(role, &place)?;
    }
    let hash = match &body.password {
        Some(p) => Some(service::hash_password(p).await?),
        None => None,
    };
    let model = service::update(&state.db, &current, role, scope, hash).await?;
    state.signed_in.forget(model.id);
    tracing::info!(user = ?model.username, by = ?caller.username, "user updated");
    Ok(with_etag(HttpResponse::Ok(), &model))
}

/// Delete a user; their tokens stop working at once.
#[utoipa::path(
    tag = "users",
    params(("id" = i32, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let current = load_visible(&state, &caller, *id).await?;
    if current.id == caller.user_id {
        return Err(ApiError::conflict("you cannot delete your own account"));
    }
    ensure_may_manage(&state, &caller, &current).await?;
    service::delete(&state.db, &current).await?;
    state.signed_in.forget(current.id);
    tracing::info!(user = ?current.username, by = ?caller.username, "user deleted");
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user)
        .service(delete_user);
}
