//! `/users`: admins manage everyone; province officers manage the district and commune
//! users inside their province; everyone may read themselves and change their password.
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use entity::user::{self, Column, Entity as Users};

use crate::auth::{Caller, Permission, Role, Scope};
use crate::domain::text::contains_pattern;
use crate::error::{ApiError, FieldError, Result};
use crate::extract::{etag, IfMatch, Page, Pagination, ValidJson, ValidQuery, Validate};
use crate::services::users as service;
use crate::startup::AppState;

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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "kylac", "password": "đủ-dài-và-khó-đoán", "role": "commune", "scope": "18850"}))]
pub struct NewUser {
    /// 3 to 64 lower-case letters, digits, '.', '_' or '-'.
    pub username: String,
    /// 10 to 200 characters.
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
    pub password: Option<String>,
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username.
    pub q: Option<String>,
    pub role: Option<Role>,
}

/// Where a stored user sits; a user whose scope no longer resolves sits nowhere (only
/// admins cover it).
async fn scope_of_user<C: sea_orm::ConnectionTrait>(db: &C, m: &user::Model) -> Result<Scope> {
    let role = m.role;
    match service::resolve_user_scope(db, role, m.scope.as_deref()).await {
        Ok(scope) => Ok(scope),
        Err(ApiError::Validation(_)) => Ok(Scope::default()),
        Err(e) => Err(e),
    }
}

/// Roles a caller may hand out: admins any, province officers district and commune.
fn ensure_may_grant(caller: &Caller, role: Role) -> Result<()> {
    let allowed = caller.is_admin()
        || (caller.role == Role::Province
            && matches!(role, Role::District | Role::Commune | Role::Sponsor));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "the {} role may not create or grant {} users",
            caller.role.as_str(),
            role.as_str()
        )))
    }
}

/// Admins manage everyone; province officers the district and commune users inside their
/// province.
async fn ensure_may_manage(state: &AppState, caller: &Caller, target: &user::Model) -> Result<()> {
    if caller.is_admin() {
        return Ok(());
    }
    ensure_may_grant(caller, target.role)?;
    caller.ensure(
        Permission::ManageUsers,
        &scope_of_user(&state.db, target).await?,
    )
}

fn with_etag(mut response: actix_web::HttpResponseBuilder, m: &user::Model) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(m.id, m.row_version)))
        .json(UserView::from(m))
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
    let mut select = Users::find();
    match caller.role {
        Role::Admin => {}
        Role::Province => {
            caller.ensure(
                Permission::ManageUsers,
                &Scope::province(caller.scope.clone().unwrap_or_default()),
            )?;
            let province = caller.scope.clone().unwrap_or_default();
            let inside = Query::select()
                .column(entity::unit::Column::Code)
                .from(entity::unit::Entity)
                .and_where(Expr::col(entity::unit::Column::ProvinceCode).eq(province.as_str()))
                .to_owned();
            select = select.filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(Column::Role.eq("province"))
                            .add(Column::Scope.eq(province.as_str())),
                    )
                    .add(
                        Condition::all()
                            .add(Column::Role.is_in(["district", "commune"]))
                            .add(Column::Scope.in_subquery(inside)),
                    ),
            );
        }
        _ => {
            return Err(ApiError::Forbidden(
                "only admins and province officers list users".into(),
            ))
        }
    }
    if let Some(q) = query.0.q.filter(|q| !q.is_empty()) {
        select = select.filter(Expr::col(Column::Username).like(
            sea_orm::sea_query::LikeExpr::new(contains_pattern(&q.to_lowercase())).escape('\\'),
        ));
    }
    if let Some(role) = query.0.role {
        select = select.filter(Column::Role.eq(role));
    }
    let rows =
        crate::services::fetch_page(&state.db, select.order_by_asc(Column::Id), request).await?;
    Ok(web::Json(rows.map(|m| UserView::from(&m))))
}

/// Create a user (admin; province officers: district and commune users inside their province).
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, body = UserView),
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
    ensure_may_grant(&caller, body.role)?;
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
    tracing::info!(user = %model.username, role = %model.role, by = %caller.username, "user created");
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/users/{}", model.id)));
    Ok(with_etag(response, &model))
}

async fn load_visible(state: &AppState, caller: &Caller, id: i32) -> Result<user::Model> {
    let model = Users::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    if model.id != caller.user_id {
        caller.ensure(
            Permission::ManageUsers,
            &scope_of_user(&state.db, &model).await?,
        )?;
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

/// Change a user's password, role or scope. Users may change their own password only.
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
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<UserPatch>,
) -> Result<HttpResponse> {
    let body = body.0;
    let current = Users::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    let changes_role = body.role.is_some() || body.scope.is_some();
    if current.id == caller.user_id {
        if changes_role && !caller.is_admin() {
            return Err(ApiError::Forbidden(
                "you may not change your own role or scope".into(),
            ));
        }
    } else {
        ensure_may_manage(&state, &caller, &current).await?;
    }
    if_match.check(&etag(current.id, current.row_version))?;
    let role = body.role.unwrap_or(current.role);
    let scope = body.scope.clone().unwrap_or_else(|| current.scope.clone());
    if changes_role {
        let target = service::resolve_user_scope(&state.db, role, scope.as_deref()).await?;
        if !caller.is_admin() {
            ensure_may_grant(&caller, role)?;
            caller.ensure(Permission::ManageUsers, &target)?;
        }
    }
    let hash = match &body.password {
        Some(p) => Some(service::hash_password(p).await?),
        None => None,
    };
    let now = Utc::now();
    let txn = crate::services::begin_write(&state.db).await?;
    let mut update = Users::update_many()
        .col_expr(Column::Role, Expr::value(role))
        .col_expr(Column::Scope, Expr::value(scope))
        .col_expr(Column::RowVersion, Expr::value(current.row_version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if let Some(hash) = hash {
        update = update.col_expr(Column::PasswordHash, Expr::value(hash));
        // A new password logs the user out everywhere else.
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
    crate::services::ensure_matched(result.rows_affected, "user")?;
    txn.commit().await?;
    let model = Users::find_by_id(current.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("the user"))?;
    tracing::info!(user = %model.username, by = %caller.username, "user updated");
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
    let current = Users::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}")))?;
    if current.id == caller.user_id {
        return Err(ApiError::conflict("you cannot delete your own account"));
    }
    ensure_may_manage(&state, &caller, &current).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    entity::refresh_token::Entity::delete_many()
        .filter(entity::refresh_token::Column::UserId.eq(current.id))
        .exec(&txn)
        .await?;
    Users::delete_by_id(current.id).exec(&txn).await?;
    txn.commit().await?;
    tracing::info!(user = %current.username, by = %caller.username, "user deleted");
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user)
        .service(delete_user);
}
