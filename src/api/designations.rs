//! `/communes/{code}/designations` and `/designations/{id}`: the dated marks that change how
//! a commune is judged (the special regional rule of QĐ 318/QĐ-TTg).
use actix_web::{delete, get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{Caller, Permission};
use crate::auth::MaybeCaller;
use crate::error::{FieldError, Result};
use crate::extract::{IfMatch, ValidJson, Validate};
use crate::services::designations::{self as service, DesignationView, NewDesignation};
use crate::services::units;
use crate::state::AppState;

impl Validate for NewDesignation {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        self.check(errors);
    }
}

/// A commune's designations, oldest first: which periods it is judged at another region's
/// level, and on what decision.
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Commune code")),
    responses(
        (status = 200, body = Vec<DesignationView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
    ),
    security((), ("bearer" = []))
)]
#[get("/communes/{code}/designations")]
pub async fn list_designations(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    code: web::Path<String>,
) -> Result<web::Json<Vec<DesignationView>>> {
    let rows = service::of_commune(&state.db, &code).await?;
    Ok(web::Json(rows.iter().map(DesignationView::from).collect()))
}

fn with_etag(
    response: actix_web::HttpResponseBuilder,
    m: &entity::unit_designation::Model,
) -> HttpResponse {
    crate::api::versioned(response, m.id, m.row_version, &DesignationView::from(m))
}

/// Mark a commune as especially difficult or a safe-zone commune (its province's officers
/// or an admin). Its assessments dated in the period and not yet recognised are evaluated
/// again at the Northern Midlands and Mountains level; a period overlapping another mark of
/// the commune is a 409.
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Commune code")),
    request_body = NewDesignation,
    responses(
        (status = 201, body = DesignationView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to withdraw it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/communes/{code}/designations")]
pub async fn create_designation(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<NewDesignation>,
) -> Result<HttpResponse> {
    let input = body.0;
    let txn = crate::services::begin_write(&state.db).await?;
    let commune = service::commune_on(&txn, &code, &input).await?;
    caller.ensure(Permission::ManageUnits, &units::scope_of(&commune))?;
    let model = service::create(&txn, &commune, &input, &caller.username).await?;
    txn.commit().await?;
    let response = crate::api::created(format!("/api/v1/designations/{}", model.id));
    Ok(with_etag(response, &model))
}

/// One designation.
#[utoipa::path(
    tag = "units",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = DesignationView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/designations/{id}")]
pub async fn get_designation(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    Ok(with_etag(
        HttpResponse::Ok(),
        &service::find(&state.db, *id).await?,
    ))
}

/// Withdraw a designation; the assessments it applied to are evaluated again.
#[utoipa::path(
    tag = "units",
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
#[delete("/designations/{id}")]
pub async fn delete_designation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let m = service::find(&state.db, *id).await?;
    caller.ensure(Permission::ManageUnits, &service::scope_of(&m))?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete(&txn, &m, expected).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_designations)
        .service(create_designation)
        .service(get_designation)
        .service(delete_designation);
}
