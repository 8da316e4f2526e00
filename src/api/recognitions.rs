//! `/recognitions`: recognition decisions (quyết định công nhận) and their revocation
//! (thu hồi).
use crate::error::ErrorCode;
use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{Caller, Permission};
use crate::auth::MaybeCaller;
use crate::error::{ApiError, Result};
use crate::extract::{ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::assessments;
use crate::services::recognitions::{
    self as service, NewRecognition, RecognitionQuery, RecognitionView, Revocation,
};
use crate::state::AppState;

impl Validate for NewRecognition {}
impl Validate for Revocation {}

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
    let rows = service::list(&state.db, &query.0, request).await?;
    Ok(web::Json(rows.map(|m| RecognitionView::from(&m))))
}

/// Record a recognition decision (the province). Refused with 422 unless the assessment is
/// appraised and every criterion is met; the assessment becomes `recognized`.
#[utoipa::path(
    tag = "recognitions",
    request_body = NewRecognition,
    responses(
        (status = 201, body = RecognitionView, headers(("Location" = String, description = "The URL of the new resource"))),
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
            ApiError::NotFound(d) => ApiError::invalid(ErrorCode::NotFound, "assessment_id", d),
            other => other,
        })?;
    caller.ensure(Permission::Recognize, &assessments::scope_of(&assessment))?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model =
        service::recognize(&txn, &state.trees, &assessment, &input, &caller.username).await?;
    txn.commit().await?;
    tracing::info!(recognition = model.id, unit = ?model.unit_code, by = ?caller.username, "recognition recorded");
    Ok(
        crate::api::created(format!("/api/v1/recognitions/{}", model.id))
            .json(RecognitionView::from(&model)),
    )
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
        &service::find(&state.db, *id).await?,
    )))
}

/// Revoke a recognition (thu hồi) with its own decision and reason (the province).
#[utoipa::path(
    operation_id = "revoke_recognition",
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
    let m = service::find(&state.db, *id).await?;
    caller.ensure(Permission::Recognize, &service::scope_of(&m))?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::revoke(&txn, &m, &body.0).await?;
    txn.commit().await?;
    tracing::info!(recognition = m.id, by = ?caller.username, "recognition revoked");
    Ok(web::Json(RecognitionView::from(&fresh)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recognitions)
        .service(create_recognition)
        .service(get_recognition)
        .service(revoke);
}
