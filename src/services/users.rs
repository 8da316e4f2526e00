//! Users: creation with a hashed password, validation of role and scope, the queries of
//! `/users`.
use crate::error::ErrorCode;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::user::{self, Column, Entity as Users};

use crate::access::{Role, Scope, UserReach};
use crate::domain::password;
use crate::domain::text::contains_pattern;
use crate::domain::units::Level;
use crate::error::{ApiError, DbResultExt, FieldError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::{audit, units};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub scope: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&user::Model> for UserView {
    fn from(m: &user::Model) -> Self {
        UserView {
            id: m.id,
            username: m.username.clone(),
            role: m.role,
            scope: m.scope.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Filters of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username.
    pub q: Option<String>,
    pub role: Option<Role>,
}

/// The province a grant of `role` at `place` is bound to: district and commune codes are
/// reused over time, so they cover units of the province they were granted in only.
fn bound_province(role: Role, place: &Scope) -> Option<String> {
    match role {
        Role::Province | Role::District | Role::Commune => place.province.clone(),
        Role::Admin | Role::Viewer | Role::Sponsor => None,
    }
}

/// One user, 404 when there is none.
pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> Result<user::Model> {
    Users::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}")))
}

/// Where a stored user sits; a user whose scope no longer resolves sits nowhere (only
/// admins cover it).
pub async fn place_of<C: ConnectionTrait>(db: &C, m: &user::Model) -> Result<Scope> {
    match resolve_user_scope(db, m.role, m.scope.as_deref()).await {
        Ok(scope) => Ok(scope),
        Err(ApiError::Validation(_)) => Ok(Scope::default()),
        Err(e) => Err(e),
    }
}

/// The users a caller reaches ([`UserReach`]), filtered and paged.
pub async fn list(
    db: &DatabaseConnection,
    reach: &UserReach,
    filter: &UserQuery,
    request: PageRequest,
) -> Result<Page<user::Model>> {
    let mut select = Users::find();
    if let UserReach::Province(province) = reach {
        let inside = Query::select()
            .column(entity::unit::Column::Code)
            .from(entity::unit::Entity)
            .and_where(Expr::col(entity::unit::Column::ProvinceCode).eq(province.as_str()))
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(Column::Role.eq(Role::Province))
                        .add(Column::Scope.eq(province.as_str())),
                )
                .add(
                    Condition::all()
                        .add(Column::Role.is_in([Role::District, Role::Commune]))
                        .add(Column::Scope.in_subquery(inside)),
                ),
        );
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        select = select.filter(Expr::col(Column::Username).like(
            sea_orm::sea_query::LikeExpr::new(contains_pattern(&q.to_lowercase())).escape('\\'),
        ));
    }
    if let Some(role) = filter.role {
        select = select.filter(Column::Role.eq(role));
    }
    Ok(crate::services::fetch_page(db, select.order_by_asc(Column::Id), request).await?)
}

/// Writes a user's role, scope and (when given) password hash, if the row is still at the
/// version read (412 otherwise). A new password logs the user out everywhere else.
pub async fn update(
    db: &DatabaseConnection,
    current: &user::Model,
    role: Role,
    scope: Option<String>,
    password_hash: Option<String>,
) -> Result<user::Model> {
    let now = Utc::now();
    let province = match resolve_user_scope(db, role, scope.as_deref()).await {
        Ok(place) => bound_province(role, &place),
        Err(ApiError::Validation(_)) => current.scope_province.clone(),
        Err(e) => return Err(e),
    };
    let password_changed = password_hash.is_some();
    let txn = crate::services::begin_write(db).await?;
    let mut update = Users::update_many()
        .col_expr(Column::Role, Expr::value(role))
        .col_expr(Column::Scope, Expr::value(scope))
        .col_expr(Column::ScopeProvince, Expr::value(province))
        .col_expr(Column::RowVersion, Expr::value(current.row_version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if let Some(hash) = password_hash {
        update = update
            .col_expr(Column::PasswordHash, Expr::value(hash))
            .col_expr(Column::TokensValidAfter, Expr::value(whole_second(now)));
        entity::refresh_token::Entity::update_many()
            .col_expr(entity::refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(entity::refresh_token::Column::UserId.eq(current.id))
            .filter(entity::refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
    }
    let result = update
        .filter(Column::Id.eq(current.id))
        .filter(Column::RowVersion.eq(current.row_version))
        .exec(&txn)
        .await?;
    let model =
        crate::services::reload_updated::<_, Users>(&txn, result, current.id, "user").await?;
    let mut changes = audit::diff(Some(&grant_of(current)), Some(&grant_of(&model)));
    let operation = if password_changed {
        if let Some(map) = changes.as_object_mut() {
            // Never the hash: only that it changed.
            map.insert(
                "password".into(),
                serde_json::json!({"before": "…", "after": "(changed)"}),
            );
        }
        "password_change"
    } else {
        "update"
    };
    audit::append(
        &txn,
        audit::Event::new("user", model.id.to_string(), operation)
            .province(
                model
                    .scope_province
                    .as_deref()
                    .or(current.scope_province.as_deref()),
            )
            .changes(Some(changes)),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// What the audit trail shows of a user: never the password hash.
fn grant_of(m: &user::Model) -> serde_json::Value {
    serde_json::json!({
        "username": m.username,
        "role": m.role,
        "scope": m.scope,
        "scope_province": m.scope_province,
    })
}

/// `at` truncated to its second: access tokens carry `iat` in whole seconds.
pub fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// Ends every access token of `user_id` issued before now (logout).
pub async fn end_access_tokens<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<()> {
    Users::update_many()
        .col_expr(
            Column::TokensValidAfter,
            Expr::value(whole_second(Utc::now())),
        )
        .filter(Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a user and their refresh tokens (their access tokens fail at once: the
/// extractor reads the user).
pub async fn delete(db: &DatabaseConnection, current: &user::Model) -> Result<()> {
    let txn = crate::services::begin_write(db).await?;
    entity::refresh_token::Entity::delete_many()
        .filter(entity::refresh_token::Column::UserId.eq(current.id))
        .exec(&txn)
        .await?;
    Users::delete_by_id(current.id).exec(&txn).await?;
    audit::append(
        &txn,
        audit::Event::new("user", current.id.to_string(), "delete")
            .province(current.scope_province.as_deref())
            .changes(Some(audit::diff(Some(&grant_of(current)), None))),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

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

/// Creates a user (and its audit entry, in one transaction).
pub async fn create_user(
    db: &DatabaseConnection,
    username: &str,
    plain_password: &str,
    role: Role,
    scope: Option<&str>,
) -> Result<entity::user::Model> {
    let place = resolve_user_scope(db, role, scope).await?;
    let hash = hash_password(plain_password).await?;
    let now = Utc::now();
    let txn = crate::services::begin_write(db).await?;
    let model = entity::user::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(hash),
        role: Set(role),
        scope: Set(scope.map(str::to_string)),
        scope_province: Set(bound_province(role, &place)),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique("username", "this username is taken")?;
    audit::append(
        &txn,
        audit::Event::new("user", model.id.to_string(), "create")
            .province(model.scope_province.as_deref())
            .changes(Some(audit::diff(None, Some(&grant_of(&model))))),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub fn validate_username(username: &str, errors: &mut Vec<FieldError>) {
    let ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !ok {
        errors.push(FieldError::new(
            ErrorCode::InvalidFormat,
            "username",
            "3 to 64 lower-case letters, digits, '.', '_' or '-'",
        ));
    }
}

pub fn validate_password(password: &str, errors: &mut Vec<FieldError>) {
    let n = password.chars().count();
    if !(10..=200).contains(&n) {
        let code = if n < 10 {
            ErrorCode::TooShort
        } else {
            ErrorCode::TooLong
        };
        errors.push(FieldError::new(
            code,
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
                    ErrorCode::NotAllowed,
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
                        ErrorCode::InvalidFormat,
                        "scope",
                        "a sponsor's scope is its agency id (a positive integer)",
                    ))
                }
            };
            let agency = entity::agency::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        ErrorCode::NotFound,
                        "scope",
                        format!("no agency has the id {id}"),
                    )
                })?;
            // Province officers manage the users of their province's agencies.
            return Ok(Scope {
                province: agency.province_code,
                agency: Some(id),
                ..Default::default()
            });
        }
        Role::Province => Level::Province,
        Role::District => Level::District,
        Role::Commune => Level::Commune,
    };
    let Some(code) = scope else {
        return Err(ApiError::invalid(
            ErrorCode::Required,
            "scope",
            format!(
                "the {} role needs the code of its {}",
                role.as_str(),
                level.noun()
            ),
        ));
    };
    let unit = units::find_current(db, level, code).await?.ok_or_else(|| {
        ApiError::invalid(
            ErrorCode::NotFound,
            "scope",
            format!("no {} has the code {code}", level.noun()),
        )
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
