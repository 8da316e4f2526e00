//! Users: creation with a hashed password, validation of role and scope.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::auth::{password, Role, Scope};
use crate::domain::units::Level;
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::services::units;

/// Hashes off the async threads (argon2 takes tens of milliseconds on purpose).
pub async fn hash_password(plain: &str) -> Result<String> {
    let plain = plain.to_string();
    tokio::task::spawn_blocking(move || password::hash(&plain))
        .await
        .map_err(|e| anyhow::anyhow!("hashing task failed: {e}"))?
        .map_err(ApiError::from)
}

pub async fn verify_password(plain: &str, stored: &str) -> bool {
    let (plain, stored) = (plain.to_string(), stored.to_string());
    tokio::task::spawn_blocking(move || password::verify(&plain, &stored))
        .await
        .unwrap_or(false)
}

pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    username: &str,
    plain_password: &str,
    role: Role,
    scope: Option<&str>,
) -> Result<entity::user::Model> {
    let hash = hash_password(plain_password).await?;
    let now = Utc::now();
    entity::user::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(hash),
        role: Set(role),
        scope: Set(scope.map(str::to_string)),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique("username", "this username is taken")
}

pub fn validate_username(username: &str, errors: &mut Vec<FieldError>) {
    let ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !ok {
        errors.push(FieldError::new(
            "username",
            "3 to 64 lower-case letters, digits, '.', '_' or '-'",
        ));
    }
}

pub fn validate_password(password: &str, errors: &mut Vec<FieldError>) {
    let n = password.chars().count();
    if !(10..=200).contains(&n) {
        errors.push(FieldError::new(
            "password",
            "must be 10 to 200 characters long",
        ));
    }
}

/// Checks that `scope` fits `role` (a current unit of the role's level, an agency id for
/// sponsors, nothing for admin and viewer) and returns where the user sits, for the
/// caller's scope check.
pub async fn resolve_user_scope<C: ConnectionTrait>(
    db: &C,
    role: Role,
    scope: Option<&str>,
) -> Result<Scope> {
    let level = match role {
        Role::Admin | Role::Viewer => {
            return match scope {
                None => Ok(Scope::default()),
                Some(_) => Err(ApiError::invalid(
                    "scope",
                    format!("the {} role has no scope", role.as_str()),
                )),
            };
        }
        Role::Sponsor => {
            let id = match scope.map(|s| s.parse::<i32>()) {
                Some(Ok(id)) if id > 0 => id,
                _ => {
                    return Err(ApiError::invalid(
                        "scope",
                        "a sponsor's scope is its agency id (a positive integer)",
                    ))
                }
            };
            let agency = entity::agency::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::invalid("scope", format!("no agency has the id {id}")))?;
            // Province officers manage the users of their province's agencies.
            return Ok(Scope {
                province: agency.province_code,
                agency: Some(id.to_string()),
                ..Default::default()
            });
        }
        Role::Province => Level::Province,
        Role::District => Level::District,
        Role::Commune => Level::Commune,
    };
    let Some(code) = scope else {
        return Err(ApiError::invalid(
            "scope",
            format!(
                "the {} role needs the code of its {}",
                role.as_str(),
                level.noun()
            ),
        ));
    };
    let unit = units::find_current(db, level, code).await?.ok_or_else(|| {
        ApiError::invalid("scope", format!("no {} has the code {code}", level.noun()))
    })?;
    Ok(units::scope_of(&unit))
}

pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<entity::user::Model>> {
    Ok(entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq(username))
        .one(db)
        .await?)
}
