//! Refresh tokens: stored hashed, single use, rotated on every refresh; reusing a spent
//! one revokes all of its user's refresh tokens (a stolen token is then worth nothing).
//! The tokens themselves are made and hashed in `auth::tokens`; this module only keeps
//! their hashes.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use entity::refresh_token;

use crate::error::{ApiError, Result};
use crate::services::audit;

/// Days a refresh token lives.
pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// Stores the hash of a new refresh token of `user_id`.
pub async fn store<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<()> {
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        expires_at: Set(now + Duration::days(REFRESH_TOKEN_DAYS)),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Spends the refresh token whose hash is `old_hash` and stores `new_hash` in its place,
/// in one transaction; answers the token's user. A token used before revokes every
/// refresh token of its user (401); an expired or unknown one is a 401.
pub async fn rotate(
    db: &DatabaseConnection,
    old_hash: &str,
    new_hash: String,
) -> Result<entity::user::Model> {
    let txn = crate::services::begin_write(db).await?;
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(old_hash))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown refresh token".into()))?;
    let now = Utc::now();
    if stored.revoked_at.is_some() {
        let revoked = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(refresh_token::Column::UserId.eq(stored.user_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let user = entity::user::Entity::find_by_id(stored.user_id)
            .one(&txn)
            .await?;
        audit::append(
            &txn,
            session_event(stored.user_id, user.as_ref(), "refresh_reuse").detail(format!(
                "a spent refresh token was used again; {} refresh token(s) of the user revoked",
                revoked.rows_affected
            )),
        )
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
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_token::Column::UpdatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(ApiError::Unauthorized(
            "this refresh token was already used".into(),
        ));
    }
    store(&txn, user.id, new_hash, now).await?;
    audit::append(&txn, session_event(user.id, Some(&user), "refresh")).await?;
    txn.commit().await?;
    Ok(user)
}

/// An audit event about a user's session, by that user.
pub fn session_event(
    user_id: i32,
    user: Option<&entity::user::Model>,
    operation: &str,
) -> audit::Event {
    let event = audit::Event::new("session", user_id.to_string(), operation);
    match user {
        Some(user) => event
            .province(user.scope_province.as_deref())
            .actor(audit::Actor::of_user(user)),
        None => event,
    }
}

/// A login: stores the hash of `user`'s new refresh token and records the login, in one
/// transaction.
pub async fn start(
    db: &DatabaseConnection,
    user: &entity::user::Model,
    token_hash: String,
) -> Result<()> {
    let txn = crate::services::begin_write(db).await?;
    store(&txn, user.id, token_hash, Utc::now()).await?;
    audit::append(&txn, session_event(user.id, Some(user), "login")).await?;
    txn.commit().await?;
    Ok(())
}

/// Records a failed login of `username` (never the password). A username that names no
/// user is not stored either, only its hash: it may be a password typed in the wrong field.
pub async fn record_failed_login(
    db: &DatabaseConnection,
    username: &str,
    user: Option<&entity::user::Model>,
) -> Result<()> {
    let event = match user {
        Some(user) => audit::Event::new("session", user.id.to_string(), "login_failed")
            .province(user.scope_province.as_deref())
            .detail(format!("wrong password for {}", user.username)),
        None => {
            let digest = crate::services::logins::user_key(username);
            audit::Event::new("session", "unknown", "login_failed").detail(format!(
                "unknown username (key {})",
                &digest[..digest.len().min(18)]
            ))
        }
    };
    audit::append_alone(db, event).await?;
    Ok(())
}

/// Logs out: revokes the refresh token whose hash is `hash` (already revoked: nothing to
/// do) and ends its user's access tokens issued until now (an unknown token is a 401).
/// Answers the user's id.
pub async fn revoke(db: &DatabaseConnection, hash: &str) -> Result<i32> {
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown refresh token".into()))?;
    let txn = crate::services::begin_write(db).await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    crate::services::users::end_access_tokens(&txn, stored.user_id).await?;
    let user = entity::user::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?;
    audit::append(&txn, session_event(stored.user_id, user.as_ref(), "logout")).await?;
    txn.commit().await?;
    Ok(stored.user_id)
}
