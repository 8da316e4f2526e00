//! `POST /auth/token`, `POST /auth/refresh`, `POST /auth/revoke`, `GET /auth/me`.
use crate::error::ErrorCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{Caller, Role};
use crate::auth::tokens::{self, ACCESS_TOKEN_SECONDS};
use crate::error::{ApiError, FieldError, Result};
use crate::extract::{ValidJson, Validate};
use crate::services::{logins, sessions, users};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "…"}))]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

impl Validate for TokenRequest {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        if self.username.is_empty() {
            errors.push(FieldError::new(
                ErrorCode::Required,
                "username",
                "is required",
            ));
        }
        if self.password.is_empty() {
            errors.push(FieldError::new(
                ErrorCode::Required,
                "password",
                "is required",
            ));
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl Validate for RefreshRequest {}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (900).
    pub expires_in: i64,
    /// Opaque token for `POST /auth/refresh`; valid 30 days, single use.
    pub refresh_token: String,
}

/// The authenticated user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i32,
    pub username: String,
    pub role: Role,
    /// Unit code or agency id the role is bound to.
    pub scope: Option<String>,
}

/// A new access token for `user` and the refresh token whose hash was stored.
fn pair(
    state: &AppState,
    user: &entity::user::Model,
    refresh_token: String,
) -> Result<TokenResponse> {
    let access_token = state.tokens.issue_access(
        user.id,
        user.role.as_str(),
        user.scope.as_deref(),
        Utc::now(),
    )?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
    })
}

/// Exchange a username and password for an access token and a refresh token. After 5
/// failed logins for a username, or 20 from one address, within 15 minutes, the answer is
/// 429 with `Retry-After` until the oldest failure is 15 minutes old.
#[utoipa::path(
    operation_id = "create_token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    request: actix_web::HttpRequest,
    body: ValidJson<TokenRequest>,
) -> Result<web::Json<TokenResponse>> {
    let body = body.0;
    let address = request.peer_addr().map(|a| a.ip());
    let user = users::find_by_username(&state.db, &body.username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not tell.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY
            .get_or_init(|| {
                crate::domain::password::hash("not a real password").unwrap_or_default()
            })
            .clone(),
    };
    // The attempt takes its slot of the login limits before the password is checked.
    let valid = logins::check_password(
        &state.db,
        &state.logins,
        &body.username,
        address,
        &body.password,
        &stored,
    )
    .await?;
    match user {
        Some(user) if valid => {
            tracing::info!(user = ?user.username, "token issued");
            let (refresh_token, hash) = tokens::new_refresh_token();
            sessions::start(&state.db, &user, hash).await?;
            Ok(web::Json(pair(&state, &user, refresh_token)?))
        }
        user => {
            tracing::warn!(username = ?body.username, address = ?address, "failed login");
            sessions::record_failed_login(&state.db, &body.username, user.as_ref()).await?;
            Err(ApiError::Unauthorized("wrong username or password".into()))
        }
    }
}

/// Exchange a refresh token for a new pair; the old refresh token stops working. Reusing
/// a spent refresh token revokes all of that user's refresh tokens.
#[utoipa::path(
    operation_id = "refresh_token",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, response = crate::openapi::responses::Unauthorized),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> Result<web::Json<TokenResponse>> {
    let old = tokens::hash_refresh_token(&body.0.refresh_token);
    let (refresh_token, hash) = tokens::new_refresh_token();
    let user = sessions::rotate(&state.db, &old, hash).await?;
    Ok(web::Json(pair(&state, &user, refresh_token)?))
}

/// Revoke a refresh token (log out on this device).
#[utoipa::path(
    operation_id = "revoke_refresh_token",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Revoked (also when it was already revoked)"),
        (status = 401, response = crate::openapi::responses::Unauthorized),
    )
)]
#[post("/auth/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse> {
    let hash = tokens::hash_refresh_token(&body.0.refresh_token);
    let user_id = sessions::revoke(&state.db, &hash).await?;
    state.signed_in.forget(user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Who the access token belongs to.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    responses(
        (status = 200, body = Me),
        (status = 401, response = crate::openapi::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/auth/me")]
pub async fn me(caller: Caller) -> web::Json<Me> {
    web::Json(Me {
        id: caller.user_id,
        username: caller.username,
        role: caller.grant.role(),
        scope: caller.grant.scope(),
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token)
        .service(refresh)
        .service(revoke)
        .service(me);
}
