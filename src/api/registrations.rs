//! `/registrations`: registrations of a target year (đăng ký đạt chuẩn).
use actix_web::{delete, get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use entity::registration;

use crate::access::{Caller, Permission};
use crate::auth::MaybeCaller;
use crate::error::{FieldError, Result};
use crate::extract::{IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::recognitions::{
    self as service, NewRegistration, RegistrationPatch, RegistrationQuery, RegistrationView,
};
use crate::services::units;
use crate::state::AppState;

impl Validate for NewRegistration {}
impl Validate for RegistrationPatch {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        service::check_patch(self, errors);
    }
}

/// Registrations to reach a level in a target year ("4 xã đăng ký đạt chuẩn năm 2018").
#[utoipa::path(
    tag = "registrations",
    params(RegistrationQuery, Pagination),
    responses(
        (status = 200, body = Page<RegistrationView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<RegistrationQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<RegistrationView>>> {
    let request = pagination.0.resolve()?;
    let rows = service::list_registrations(&state.db, &query.0, request).await?;
    Ok(web::Json(rows.map(|m| RegistrationView::from(&m))))
}

fn with_etag(response: actix_web::HttpResponseBuilder, m: &registration::Model) -> HttpResponse {
    crate::api::versioned(response, m.id, m.row_version, &RegistrationView::from(m))
}

/// Register a unit's target year (its district, its province, or an admin).
#[utoipa::path(
    tag = "registrations",
    request_body = NewRegistration,
    responses(
        (status = 201, body = RegistrationView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to edit it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/registrations")]
pub async fn create_registration(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewRegistration>,
) -> Result<HttpResponse> {
    let input = body.0;
    let txn = crate::services::begin_write(&state.db).await?;
    let unit = service::registration_unit(&txn, &input).await?;
    caller.ensure(Permission::ManageRegistrations, &units::scope_of(&unit))?;
    let model = service::register(&txn, &unit, &input, &caller.username).await?;
    txn.commit().await?;
    let response = crate::api::created(format!("/api/v1/registrations/{}", model.id));
    Ok(with_etag(response, &model))
}

/// One registration.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = RegistrationView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    Ok(with_etag(
        HttpResponse::Ok(),
        &service::find_registration(&state.db, *id).await?,
    ))
}

/// Change a registration's target year or note.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = RegistrationPatch,
    responses(
        (status = 200, body = RegistrationView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[patch("/registrations/{id}")]
pub async fn patch_registration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<RegistrationPatch>,
) -> Result<HttpResponse> {
    let m = service::find_registration(&state.db, *id).await?;
    caller.ensure(
        Permission::ManageRegistrations,
        &service::registration_scope(&m),
    )?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::update_registration(&txn, &m, &body.0, expected).await?;
    txn.commit().await?;
    Ok(with_etag(HttpResponse::Ok(), &fresh))
}

/// Withdraw a registration.
#[utoipa::path(
    tag = "registrations",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[delete("/registrations/{id}")]
pub async fn delete_registration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let m = service::find_registration(&state.db, *id).await?;
    caller.ensure(
        Permission::ManageRegistrations,
        &service::registration_scope(&m),
    )?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete_registration(&txn, &m, expected).await?;
    let released = crate::services::documents::remove_all_of(
        &txn,
        entity::enums::DocumentParent::Registration,
        m.id,
        &caller.username,
    )
    .await?;
    txn.commit().await?;
    crate::services::documents::release_blobs(&state.db, &state.documents.storage, released)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_registrations)
        .service(create_registration)
        .service(get_registration)
        .service(patch_registration)
        .service(delete_registration);
}
