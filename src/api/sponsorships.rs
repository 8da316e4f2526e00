//! `/agencies`, `/sponsorships`, `/sponsorships/{id}/activities`: who sponsors (đỡ đầu)
//! which commune, and what they did.
use actix_web::{delete, get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use entity::{agency, sponsorship};

use crate::access::{Caller, Permission, Scope};
use crate::auth::MaybeCaller;
use crate::error::{FieldError, Result};
use crate::extract::{IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::sponsorships::{
    self as service, ActivityView, AgencyPatch, AgencyQuery, AgencyView, NewActivity, NewAgency,
    NewSponsorship, SponsorshipPatch, SponsorshipQuery, SponsorshipView,
};
use crate::state::AppState;

impl Validate for NewAgency {}
impl Validate for AgencyPatch {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        service::check_agency_patch(self, errors);
    }
}
impl Validate for NewSponsorship {}
impl Validate for SponsorshipPatch {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        service::check_sponsorship_patch(self, errors);
    }
}
impl Validate for NewActivity {}

async fn agency_response(
    state: &AppState,
    r: actix_web::HttpResponseBuilder,
    m: &agency::Model,
) -> Result<HttpResponse> {
    let view = service::agency_view(&state.db, m).await?;
    Ok(crate::api::versioned(r, m.id, m.row_version, &view))
}

async fn sponsorship_response(
    state: &AppState,
    r: actix_web::HttpResponseBuilder,
    m: &sponsorship::Model,
) -> Result<HttpResponse> {
    let view = service::sponsorship_view(&state.db, m).await?;
    Ok(crate::api::versioned(r, m.id, m.row_version, &view))
}

/// Sponsoring agencies, with their totals.
#[utoipa::path(
    tag = "sponsorships",
    params(AgencyQuery, Pagination),
    responses(
        (status = 200, body = Page<AgencyView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/agencies")]
pub async fn list_agencies(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<AgencyQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<AgencyView>>> {
    let request = pagination.0.resolve()?;
    let rows = service::list_agencies(&state.db, &query.0, request).await?;
    let items = service::agency_views(&state.db, &rows.items).await?;
    Ok(web::Json(request.page_of(items, rows.total)))
}

/// Register a sponsoring agency (admin; province officers for their province).
#[utoipa::path(
    tag = "sponsorships",
    request_body = NewAgency,
    responses(
        (status = 201, body = AgencyView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to edit it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/agencies")]
pub async fn create_agency(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewAgency>,
) -> Result<HttpResponse> {
    let input = body.0;
    let scope = Scope {
        province: input.province_code.clone(),
        ..Default::default()
    };
    caller.ensure(Permission::ManageSponsorships, &scope)?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::validate_agency(&txn, &input).await?;
    let model = service::create_agency(&txn, &input).await?;
    txn.commit().await?;
    let response = crate::api::created(format!("/api/v1/agencies/{}", model.id));
    agency_response(&state, response, &model).await
}

/// One agency with its totals.
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = AgencyView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/agencies/{id}")]
pub async fn get_agency(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let m = service::find_agency(&state.db, *id).await?;
    agency_response(&state, HttpResponse::Ok(), &m).await
}

/// Edit an agency.
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = AgencyPatch,
    responses(
        (status = 200, body = AgencyView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[patch("/agencies/{id}")]
pub async fn patch_agency(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<AgencyPatch>,
) -> Result<HttpResponse> {
    let m = service::find_agency(&state.db, *id).await?;
    caller.ensure(
        Permission::ManageSponsorships,
        &Scope {
            agency: None,
            ..service::agency_scope(&m)
        },
    )?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::update_agency(&txn, &m, &body.0, expected).await?;
    txn.commit().await?;
    agency_response(&state, HttpResponse::Ok(), &fresh).await
}

/// Delete an agency without sponsorships (409 otherwise).
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[delete("/agencies/{id}")]
pub async fn delete_agency(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let m = service::find_agency(&state.db, *id).await?;
    caller.ensure(
        Permission::ManageSponsorships,
        &Scope {
            agency: None,
            ..service::agency_scope(&m)
        },
    )?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete_agency(&txn, &m, expected).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sponsorships, with their totals.
#[utoipa::path(
    tag = "sponsorships",
    params(SponsorshipQuery, Pagination),
    responses(
        (status = 200, body = Page<SponsorshipView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/sponsorships")]
pub async fn list_sponsorships(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<SponsorshipQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<SponsorshipView>>> {
    let request = pagination.0.resolve()?;
    let rows = service::list_sponsorships(&state.db, &query.0, request).await?;
    let items = service::sponsorship_views(&state.db, &rows.items).await?;
    Ok(web::Json(request.page_of(items, rows.total)))
}

/// Record a sponsorship of a commune by an agency (admin; province officers for communes of
/// their province). The commune must have existed when it started.
#[utoipa::path(
    tag = "sponsorships",
    request_body = NewSponsorship,
    responses(
        (status = 201, body = SponsorshipView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to edit it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/sponsorships")]
pub async fn create_sponsorship(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewSponsorship>,
) -> Result<HttpResponse> {
    let input = body.0;
    caller.ensure_role(Permission::ManageSponsorships)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let (agency, commune) = service::validate_sponsorship(&txn, &input).await?;
    caller.ensure(
        Permission::ManageSponsorships,
        &crate::services::units::scope_of(&commune),
    )?;
    caller.ensure_may_use_agency(agency.id, agency.province_code.as_deref())?;
    let model = service::create_sponsorship(&txn, &input, &commune).await?;
    txn.commit().await?;
    let response = crate::api::created(format!("/api/v1/sponsorships/{}", model.id));
    sponsorship_response(&state, response, &model).await
}

/// One sponsorship with its totals.
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = SponsorshipView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/sponsorships/{id}")]
pub async fn get_sponsorship(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let m = service::find_sponsorship(&state.db, *id).await?;
    sponsorship_response(&state, HttpResponse::Ok(), &m).await
}

/// Edit a sponsorship's end, signing date, decision or commitments.
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = SponsorshipPatch,
    responses(
        (status = 200, body = SponsorshipView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[patch("/sponsorships/{id}")]
pub async fn patch_sponsorship(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<SponsorshipPatch>,
) -> Result<HttpResponse> {
    let m = service::find_sponsorship(&state.db, *id).await?;
    caller.ensure(
        Permission::ManageSponsorships,
        &Scope {
            agency: None,
            ..service::sponsorship_scope(&m)
        },
    )?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::update_sponsorship(&txn, &m, &body.0, expected).await?;
    txn.commit().await?;
    sponsorship_response(&state, HttpResponse::Ok(), &fresh).await
}

/// Activities recorded under a sponsorship, newest first.
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path), Pagination),
    responses(
        (status = 200, body = Page<ActivityView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/sponsorships/{id}/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<ActivityView>>> {
    let request = pagination.0.resolve()?;
    service::find_sponsorship(&state.db, *id).await?;
    let rows = service::list_activities(&state.db, *id, request).await?;
    Ok(web::Json(rows.map(|m| ActivityView::from(&m))))
}

/// Record an activity: training, technology transfer, funding (integer VND), in-kind
/// support (admin; the province; the agency's own `sponsor` users).
#[utoipa::path(
    tag = "sponsorships",
    params(("id" = i32, Path)),
    request_body = NewActivity,
    responses(
        (status = 201, body = ActivityView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/sponsorships/{id}/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    body: ValidJson<NewActivity>,
) -> Result<HttpResponse> {
    let s = service::find_sponsorship(&state.db, *id).await?;
    caller.ensure(
        Permission::RecordActivities,
        &service::sponsorship_scope(&s),
    )?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::record_activity(&txn, &s, &body.0, &caller.username).await?;
    let view = service::sponsorship_view(&txn, &s).await?;
    crate::services::changes::record(
        &txn,
        "sponsorship",
        &s.id.to_string(),
        s.province_code.as_deref(),
        crate::services::changes::Op::Update,
        Some(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(ActivityView::from(&model)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies)
        .service(create_agency)
        .service(get_agency)
        .service(patch_agency)
        .service(delete_agency)
        .service(list_sponsorships)
        .service(create_sponsorship)
        .service(get_sponsorship)
        .service(patch_sponsorship)
        .service(list_activities)
        .service(create_activity);
}
