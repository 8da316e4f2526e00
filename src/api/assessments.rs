//! `/assessments`: a unit measured against a criteria version, and its workflow
//! draft → submitted → reviewed → appraised (→ recognized), with `return` back to draft.
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::Caller;
use crate::auth::MaybeCaller;
use crate::domain::assessment::{Action, Kind, Status};
use crate::error::Result;
use crate::extract::{IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::assessments::{
    self as service, AssessmentFilter, AssessmentPatch, AssessmentSummary, AssessmentView,
    NewAssessment, TransitionInput, ValuesInput,
};
use crate::state::AppState;

impl Validate for NewAssessment {}
impl Validate for ValuesInput {}
impl Validate for TransitionInput {}
impl Validate for AssessmentPatch {}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    /// Unit code.
    pub unit: Option<String>,
    /// Province code (as on the assessment's date).
    pub province: Option<String>,
    /// District code (as on the assessment's date).
    pub district: Option<String>,
    pub status: Option<Status>,
    pub year: Option<i32>,
    pub criteria_version: Option<i32>,
    pub kind: Option<Kind>,
}

/// The view of `m`: rendered again only when `m` is not the row a kept rendering was made
/// from (services::assessments::rendered says why that is safe).
async fn respond(
    state: &AppState,
    mut response: actix_web::HttpResponseBuilder,
    m: &entity::assessment::Model,
) -> Result<HttpResponse> {
    let json = match state.assessment_views.get(m) {
        Some(json) => json,
        None => {
            let view = service::view(&state.db, &state.trees, m).await?;
            let json = bytes::Bytes::from(
                serde_json::to_vec(&view)
                    .map_err(|e| crate::error::ApiError::Internal(e.into()))?,
            );
            state.assessment_views.put(m, json.clone());
            json
        }
    };
    Ok(response
        .insert_header((
            actix_web::http::header::ETAG,
            crate::extract::etag(m.id, m.row_version),
        ))
        .content_type(actix_web::http::header::ContentType::json())
        .body(json))
}

/// Assessments; drafts only for those whose scope covers them (and viewers).
#[utoipa::path(
    operation_id = "list_assessments",
    tag = "assessments",
    params(AssessmentQuery, Pagination),
    responses(
        (status = 200, body = Page<AssessmentSummary>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/assessments")]
pub async fn list(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: ValidQuery<AssessmentQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<AssessmentSummary>>> {
    let request = pagination.0.resolve()?;
    let q = query.0;
    let filter = AssessmentFilter {
        unit: q.unit,
        province: q.province,
        district: q.district,
        status: q.status,
        year: q.year,
        criteria_version: q.criteria_version,
        kind: q.kind,
    };
    let page = service::list(&state.db, caller.0.as_ref(), &filter, request).await?;
    Ok(web::Json(page))
}

/// Start an assessment (a draft) of a unit against a published criteria version in force on
/// `assessed_on`. `self`: the commune; `district_review`: its district; `provincial_appraisal`:
/// its province.
#[utoipa::path(
    operation_id = "create_assessment",
    tag = "assessments",
    request_body = NewAssessment,
    responses(
        (status = 201, body = AssessmentView, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/assessments")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewAssessment>,
) -> Result<HttpResponse> {
    let input = body.0;
    let permission = service::author_permission(input.kind);
    let txn = crate::services::begin_write(&state.db).await?;
    let prepared = service::prepare(&txn, input).await?;
    caller.ensure(permission, &prepared.scope())?;
    let model = service::insert(&txn, &prepared, &ValuesInput::default(), &caller.username).await?;
    txn.commit().await?;
    tracing::info!(assessment = model.id, unit = ?model.unit_code, by = ?caller.username, "assessment created");
    let response = crate::api::created(format!("/api/v1/assessments/{}", model.id));
    respond(&state, response, &model).await
}

/// An assessment: values, per-criterion results with the thresholds used, the summary
/// ("12/20"), officer decisions and the history.
#[utoipa::path(
    operation_id = "get_assessment",
    tag = "assessments",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = AssessmentView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/assessments/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let m = service::get_visible(&state.db, caller.0.as_ref(), *id).await?;
    respond(&state, HttpResponse::Ok(), &m).await
}

/// Loads an assessment for a write by its author: 404 if invisible, 403 outside scope,
/// 412 on a stale If-Match. Returns it with the row version to claim.
async fn load_for_author(
    state: &AppState,
    caller: &Caller,
    id: i32,
    if_match: &IfMatch,
) -> Result<(entity::assessment::Model, i32)> {
    let m = service::get_visible(&state.db, Some(caller), id).await?;
    let kind = m.kind;
    caller.ensure(service::author_permission(kind), &service::scope_of(&m))?;
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    Ok((m, expected))
}

/// Move a draft to another date.
#[utoipa::path(
    operation_id = "patch_assessment",
    tag = "assessments",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = AssessmentPatch,
    responses(
        (status = 200, body = AssessmentView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[patch("/assessments/{id}")]
pub async fn patch_one(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<AssessmentPatch>,
) -> Result<HttpResponse> {
    let (m, expected) = load_for_author(&state, &caller, *id, &if_match).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = match body.0.assessed_on {
        Some(on) => service::reschedule(&txn, &caller, &m, on, expected).await?,
        None => m,
    };
    txn.commit().await?;
    respond(&state, HttpResponse::Ok(), &fresh).await
}

/// Delete a draft.
#[utoipa::path(
    operation_id = "delete_assessment",
    tag = "assessments",
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
#[delete("/assessments/{id}")]
pub async fn delete_one(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let (m, expected) = load_for_author(&state, &caller, *id, &if_match).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete_draft(&txn, &m, expected).await?;
    // Its dossier goes with it: the documents are marked removed, their bytes released.
    let released = crate::services::documents::remove_all_of(
        &txn,
        entity::enums::DocumentParent::Assessment,
        m.id,
        &caller.username,
    )
    .await?;
    txn.commit().await?;
    crate::services::documents::release_blobs(&state.db, &state.documents.storage, released)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Write indicator values (numbers or booleans, checked against each indicator's kind) and
/// officer decisions into a draft, all or nothing, then re-evaluate.
#[utoipa::path(
    operation_id = "put_indicator_values",
    tag = "assessments",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = ValuesInput,
    responses(
        (status = 200, body = AssessmentView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[put("/assessments/{id}/indicator-values")]
pub async fn put_values(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<ValuesInput>,
) -> Result<HttpResponse> {
    let (m, expected) = load_for_author(&state, &caller, *id, &if_match).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh =
        service::write_values(&txn, &state.trees, &m, &body.0, expected, &caller.username).await?;
    txn.commit().await?;
    respond(&state, HttpResponse::Ok(), &fresh).await
}

async fn act(
    state: &AppState,
    caller: &Caller,
    id: i32,
    if_match: IfMatch,
    action: Action,
    note: Option<String>,
) -> Result<HttpResponse> {
    let m = service::get_visible(&state.db, Some(caller), id).await?;
    let kind = m.kind;
    caller.ensure(
        service::action_permission(action, kind),
        &service::scope_of(&m),
    )?;
    if action == Action::Return {
        caller.ensure_may_return(m.status)?;
    }
    let expected = if_match.version_to_write(m.id, m.row_version)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let fresh = service::transition(&txn, &m, action, expected, &caller.username, note).await?;
    txn.commit().await?;
    tracing::info!(assessment = id, action = action.as_str(), by = ?caller.username, status = ?fresh.status, "assessment moved");
    respond(state, HttpResponse::Ok(), &fresh).await
}

macro_rules! workflow_route {
    ($name:ident, $operation_id:literal, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "assessments",
            operation_id = $operation_id,
            params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
            request_body = TransitionInput,
            responses(
                (status = 200, body = AssessmentView),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 403, response = crate::openapi::responses::Forbidden),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 412, response = crate::openapi::responses::PreconditionFailed),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<i32>,
            if_match: IfMatch,
            body: ValidJson<TransitionInput>,
        ) -> Result<HttpResponse> {
            act(&state, &caller, *id, if_match, $action, body.0.note).await
        }
    };
}

workflow_route!(submit, "submit_assessment", "/assessments/{id}/submit", Action::Submit, "Submit a draft for review (its author: the commune for a self-assessment). It becomes read-only.");
workflow_route!(
    review,
    "review_assessment",
    "/assessments/{id}/review",
    Action::Review,
    "Mark a submitted assessment reviewed (thẩm tra: the district or the province)."
);
workflow_route!(
    appraise,
    "appraise_assessment",
    "/assessments/{id}/appraise",
    Action::Appraise,
    "Mark a reviewed assessment appraised (thẩm định: the province)."
);
workflow_route!(
    return_to_draft,
    "return_assessment_to_draft",
    "/assessments/{id}/return",
    Action::Return,
    "Send an assessment back to draft with a reason (`note` required; district or province)."
);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(patch_one)
        .service(delete_one)
        .service(put_values)
        .service(submit)
        .service(review)
        .service(appraise)
        .service(return_to_draft);
}
