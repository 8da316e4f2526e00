//! `/recognitions` (quyết định công nhận, thu hồi), `/registrations` (đăng ký đạt chuẩn) and
//! `GET /communes/{code}/status`.
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use entity::{recognition, registration};

use crate::access::{Caller, Permission};
use crate::auth::MaybeCaller;
use crate::domain::assessment::{at_risk, Summary};
use crate::domain::criteria::CriteriaLevel;
use crate::domain::units::Level;
use crate::error::{ApiError, Result};
use crate::extract::{etag, IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::assessments;
use crate::services::recognitions::{
    self as service, NewRecognition, NewRegistration, RecognitionView, RegistrationPatch,
    RegistrationView, Revocation,
};
use crate::services::units;
use crate::state::AppState;

impl Validate for NewRecognition {}
impl Validate for Revocation {}
impl Validate for NewRegistration {}
impl Validate for RegistrationPatch {}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecognitionQuery {
    pub unit: Option<String>,
    pub province: Option<String>,
    pub level: Option<CriteriaLevel>,
    pub revoked: Option<bool>,
    /// Recognition year.
    pub year: Option<i32>,
}

/// Recognition decisions.
#[utoipa::path(
    tag = "recognitions",
    params(RecognitionQuery, Pagination),
    responses(
        (status = 200, body = Page<RecognitionView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/recognitions")]
pub async fn list_recognitions(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<RecognitionQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<RecognitionView>>> {
    let request = pagination.0.resolve()?;
    let q = query.0;
    let mut select = recognition::Entity::find();
    if let Some(u) = q.unit {
        select = select.filter(recognition::Column::UnitCode.eq(u));
    }
    if let Some(p) = q.province {
        select = select.filter(recognition::Column::ProvinceCode.eq(p));
    }
    if let Some(l) = q.level {
        select = select.filter(recognition::Column::Level.eq(l));
    }
    if let Some(r) = q.revoked {
        select = select.filter(recognition::Column::Revoked.eq(r));
    }
    if let Some(y) = q.year {
        select = select.filter(recognition::Column::RecognitionYear.eq(y));
    }
    let select = select
        .order_by_desc(recognition::Column::DecidedOn)
        .order_by_desc(recognition::Column::Id);
    let rows = crate::services::fetch_page(&state.db, select, request).await?;
    Ok(web::Json(rows.map(|m| RecognitionView::from(&m))))
}

/// Record a recognition decision (the province). Refused with 422 unless the assessment is
/// appraised and every criterion is met; the assessment becomes `recognized`.
#[utoipa::path(
    tag = "recognitions",
    request_body = NewRecognition,
    responses(
        (status = 201, body = RecognitionView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/recognitions")]
pub async fn create_recognition(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewRecognition>,
) -> Result<HttpResponse> {
    let input = body.0;
    let assessment = assessments::get_visible(&state.db, Some(&caller), input.assessment_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(d) => ApiError::invalid("assessment_id", d),
            other => other,
        })?;
    caller.ensure(Permission::Recognize, &assessments::scope_of(&assessment))?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::recognize(&txn, &assessment, &input, &caller.username).await?;
    txn.commit().await?;
    tracing::info!(recognition = model.id, unit = ?model.unit_code, by = ?caller.username, "recognition recorded");
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/recognitions/{}", model.id),
        ))
        .json(RecognitionView::from(&model)))
}

async fn load_recognition(state: &AppState, id: i32) -> Result<recognition::Model> {
    recognition::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("recognition {id}")))
}

/// One recognition decision.
#[utoipa::path(
    tag = "recognitions",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = RecognitionView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/recognitions/{id}")]
pub async fn get_recognition(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<web::Json<RecognitionView>> {
    Ok(web::Json(RecognitionView::from(
        &load_recognition(&state, *id).await?,
    )))
}

/// Revoke a recognition (thu hồi) with its own decision and reason (the province).
#[utoipa::path(
    tag = "recognitions",
    params(("id" = i32, Path)),
    request_body = Revocation,
    responses(
        (status = 200, body = RecognitionView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/recognitions/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    body: ValidJson<Revocation>,
) -> Result<web::Json<RecognitionView>> {
    let m = load_recognition(&state, *id).await?;
    caller.ensure(Permission::Recognize, &service::scope_of(&m))?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::revoke(&txn, &m, &body.0).await?;
    txn.commit().await?;
    tracing::info!(recognition = m.id, by = ?caller.username, "recognition revoked");
    Ok(web::Json(RecognitionView::from(&fresh)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub unit: Option<String>,
    pub province: Option<String>,
    pub district: Option<String>,
    pub level: Option<CriteriaLevel>,
    /// Target year.
    pub year: Option<i32>,
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
    let q = query.0;
    let mut select = registration::Entity::find();
    if let Some(u) = q.unit {
        select = select.filter(registration::Column::UnitCode.eq(u));
    }
    if let Some(p) = q.province {
        select = select.filter(registration::Column::ProvinceCode.eq(p));
    }
    if let Some(d) = q.district {
        select = select.filter(registration::Column::DistrictCode.eq(d));
    }
    if let Some(l) = q.level {
        select = select.filter(registration::Column::Level.eq(l));
    }
    if let Some(y) = q.year {
        select = select.filter(registration::Column::TargetYear.eq(y));
    }
    let select = select
        .order_by_asc(registration::Column::TargetYear)
        .order_by_asc(registration::Column::UnitCode);
    let rows = crate::services::fetch_page(&state.db, select, request).await?;
    Ok(web::Json(rows.map(|m| RegistrationView::from(&m))))
}

fn with_etag(
    mut response: actix_web::HttpResponseBuilder,
    m: &registration::Model,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(m.id, m.row_version)))
        .json(RegistrationView::from(m))
}

/// Register a unit's target year (its district, its province, or an admin).
#[utoipa::path(
    tag = "registrations",
    request_body = NewRegistration,
    responses(
        (status = 201, body = RegistrationView),
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
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/registrations/{}", model.id),
    ));
    Ok(with_etag(response, &model))
}

async fn load_registration(state: &AppState, id: i32) -> Result<registration::Model> {
    registration::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("registration {id}")))
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
        &load_registration(&state, *id).await?,
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
    let m = load_registration(&state, *id).await?;
    caller.ensure(
        Permission::ManageRegistrations,
        &service::registration_scope(&m),
    )?;
    if_match.check(&etag(m.id, m.row_version))?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::update_registration(
        &txn,
        &m,
        &body.0,
        if_match.expected_version().unwrap_or(m.row_version),
    )
    .await?;
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
    let m = load_registration(&state, *id).await?;
    caller.ensure(
        Permission::ManageRegistrations,
        &service::registration_scope(&m),
    )?;
    if_match.check(&etag(m.id, m.row_version))?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete_registration(
        &txn,
        &m,
        if_match.expected_version().unwrap_or(m.row_version),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A recognition as the status shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusRecognition {
    pub id: i32,
    pub level: CriteriaLevel,
    pub decision_number: String,
    pub decided_on: NaiveDate,
    pub revoked: bool,
}

/// The latest assessment the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestAssessment {
    pub id: i32,
    pub assessed_on: NaiveDate,
    pub status: crate::domain::assessment::Status,
    pub summary: Summary,
}

/// `GET /communes/{code}/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneStatus {
    pub code: String,
    pub name: String,
    /// `none`, `commune`, `commune_advanced` or `commune_model`: the highest unrevoked
    /// recognition of this commune version.
    pub level: String,
    pub recognitions: Vec<StatusRecognition>,
    pub latest_assessment: Option<LatestAssessment>,
    /// A recognised commune whose latest assessment fails the QĐ 18/2022 thresholds
    /// (50% or more of the criteria unmet, or 30-50% including income, environment or
    /// security).
    pub at_risk: bool,
    /// Agencies sponsoring the commune on the status day.
    pub sponsors: Vec<StatusSponsor>,
}

/// A current sponsor of a commune.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSponsor {
    pub agency_id: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The commune version valid on this day (default: today's, or the last).
    pub on: Option<NaiveDate>,
}

/// A commune's current level, latest assessment summary and revocation risk.
#[utoipa::path(
    tag = "recognitions",
    params(("code" = String, Path, description = "Commune code"), StatusQuery),
    responses(
        (status = 200, body = CommuneStatus),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/communes/{code}/status")]
pub async fn commune_status(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    code: web::Path<String>,
    query: ValidQuery<StatusQuery>,
) -> Result<web::Json<CommuneStatus>> {
    let unit = units::get_on(&state.db, Level::Commune, &code, query.0.on).await?;
    let recognitions = service::of_unit(&state.db, &unit).await?;
    let level = service::current_level(&recognitions);
    let period = units::period_of(&unit);
    let latest = entity::assessment::Entity::find()
        .filter(entity::assessment::Column::UnitCode.eq(unit.code.as_str()))
        .filter(entity::assessment::Column::UnitLevel.eq(Level::Commune))
        .filter(assessments::visible_condition(caller.0.as_ref()))
        .order_by_desc(entity::assessment::Column::AssessedOn)
        .order_by_desc(entity::assessment::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .find(|a| period.contains(a.assessed_on));
    let mut risk = false;
    let latest_assessment = match latest {
        None => None,
        Some(a) => {
            if level != "none" {
                let (outcomes, _, _) = assessments::evaluate_stored(&state.db, &a).await?;
                let unmet: Vec<String> = outcomes
                    .iter()
                    .filter(|o| !o.met)
                    .map(|o| o.code.clone())
                    .collect();
                risk = at_risk(outcomes.len() as i32, &unmet);
            }
            Some(LatestAssessment {
                id: a.id,
                assessed_on: a.assessed_on,
                status: a.status,
                summary: Summary::new(a.met_count, a.total_count),
            })
        }
    };
    // Sponsors on the status day: the date asked for, or today (the last day of a retired
    // commune).
    let day = query.0.on.unwrap_or_else(|| {
        let today = units::today();
        unit.valid_to.map_or(today, |to| to.min(today))
    });
    let mut sponsors = Vec::new();
    for s in entity::sponsorship::Entity::find()
        .filter(entity::sponsorship::Column::CommuneCode.eq(unit.code.as_str()))
        .filter(entity::sponsorship::Column::StartsOn.lte(day))
        .filter(entity::sponsorship::Column::EndsOn.gte(day))
        .order_by_asc(entity::sponsorship::Column::StartsOn)
        .all(&state.db)
        .await?
    {
        let name = entity::agency::Entity::find_by_id(s.agency_id)
            .one(&state.db)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        sponsors.push(StatusSponsor {
            agency_id: s.agency_id,
            name,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
        });
    }
    Ok(web::Json(CommuneStatus {
        sponsors,
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: level.to_string(),
        recognitions: recognitions
            .iter()
            .map(|r| StatusRecognition {
                id: r.id,
                level: r.level,
                decision_number: r.decision_number.clone(),
                decided_on: r.decided_on,
                revoked: r.revoked,
            })
            .collect(),
        latest_assessment,
        at_risk: risk,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recognitions)
        .service(create_recognition)
        .service(get_recognition)
        .service(revoke)
        .service(list_registrations)
        .service(create_registration)
        .service(get_registration)
        .service(patch_registration)
        .service(delete_registration)
        .service(commune_status);
}
