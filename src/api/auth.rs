//! `POST /auth/token`, `POST /auth/refresh`, `POST /auth/revoke`, `GET /auth/me`.
use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use entity::refresh_token;

use crate::auth::tokens::{self, ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_DAYS};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, FieldError, Result};
use crate::extract::{ValidJson, Validate};
use crate::services::users;
use crate::startup::AppState;

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
            errors.push(FieldError::new("username", "is required"));
        }
        if self.password.is_empty() {
            errors.push(FieldError::new("password", "is required"));
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

async fn issue_pair<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    user: &entity::user::Model,
) -> Result<TokenResponse> {
    let now = Utc::now();
    let access_token =
        state
            .tokens
            .issue_access(user.id, user.role.as_str(), user.scope.as_deref(), now)?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    refresh_token::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(hash),
        expires_at: Set(now + Duration::days(REFRESH_TOKEN_DAYS)),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
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
    state.logins.check(&body.username, address)?;
    let user = users::find_by_username(&state.db, &body.username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not tell.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY
            .get_or_init(|| crate::auth::password::hash("not a real password").unwrap_or_default())
            .clone(),
    };
    let valid = users::verify_password(&body.password, &stored).await;
    match user {
        Some(user) if valid => {
            state.logins.succeeded(&body.username);
            tracing::info!(user = %user.username, "token issued");
            Ok(web::Json(issue_pair(&state, &state.db, &user).await?))
        }
        _ => {
            state.logins.failed(&body.username, address);
            tracing::warn!(username = %body.username, address = ?address, "failed login");
            Err(ApiError::Unauthorized("wrong username or password".into()))
        }
    }
}

/// Exchange a refresh token for a new pair; the old refresh token stops working. Reusing
/// a spent refresh token revokes all of that user's refresh tokens.
#[utoipa::path(
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
    let hash = tokens::hash_refresh_token(&body.0.refresh_token);
    let txn = crate::services::begin_write(&state.db).await?;
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown refresh token".into()))?;
    let now = Utc::now();
    if stored.revoked_at.is_some() {
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(refresh_token::Column::UserId.eq(stored.user_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::warn!(
            user_id = stored.user_id,
            "a spent refresh token was reused; all of the user's refresh tokens are revoked"
        );
        return Err(ApiError::Unauthorized(
            "this refresh token was already used or revoked".into(),
        ));
    }
    if stored.expires_at < now {
        return Err(ApiError::Unauthorized(
            "the refresh token has expired; log in again".into(),
        ));
    }
    let user = entity::user::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token's user no longer exists".into()))?;
    let revoked = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            refresh_token::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(ApiError::Unauthorized(
            "this refresh token was already used".into(),
        ));
    }
    let pair = issue_pair(&state, &txn, &user).await?;
    txn.commit().await?;
    Ok(web::Json(pair))
}

/// Revoke a refresh token (log out on this device).
#[utoipa::path(
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
    let now = Utc::now();
    let result = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(refresh_token::Column::TokenHash.eq(hash.as_str()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    if result.rows_affected == 0 {
        let known = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash))
            .one(&state.db)
            .await?;
        if known.is_none() {
            return Err(ApiError::Unauthorized("unknown refresh token".into()));
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Who the access token belongs to.
#[utoipa::path(
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
        role: caller.role,
        scope: caller.scope,
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token)
        .service(refresh)
        .service(revoke)
        .service(me);
}
