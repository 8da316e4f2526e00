//! `/criteria-sets` and `/criteria-versions`: the criteria and their legal revisions.
use crate::error::ErrorCode;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{Caller, Permission};
use crate::auth::MaybeCaller;
use crate::domain::criteria::{diff, CriteriaLevel, TreeDiff};
use crate::error::{ApiError, Result};
use crate::extract::{etag, CsvBody, IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, PageRequest, Pagination, MAX_PER_PAGE};
use crate::services::criteria::{
    self as service, CriteriaSetView, NewCriteriaSet, RevisionInput, VersionFilter, VersionInput,
    VersionStatus, VersionSummary, VersionView,
};
use crate::state::AppState;

impl Validate for NewCriteriaSet {}
impl Validate for VersionInput {}
impl Validate for RevisionInput {}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SetQuery {
    pub level: Option<CriteriaLevel>,
    /// `national` or a province code.
    pub scope: Option<String>,
}

/// A set with its versions (drafts only for those who may edit them).
#[derive(Debug, Serialize, ToSchema)]
pub struct CriteriaSetDetail {
    #[serde(flatten)]
    pub set: CriteriaSetView,
    pub versions: Vec<VersionSummary>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// Criteria set id.
    pub set: Option<i32>,
    pub status: Option<VersionStatus>,
    /// Only versions in force on this day (published or since superseded): which version
    /// applied to a unit on a date.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub effective_on: Option<NaiveDate>,
    pub level: Option<CriteriaLevel>,
    /// `national` or a province code.
    pub scope: Option<String>,
    /// `true`: only versions that can judge every commune of their period; `false`: only
    /// those that lack placeholder criteria's indicators or thresholds.
    pub complete: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The version to compare against.
    pub base: i32,
}

/// `GET /criteria-versions/{id}/diff`: what changed from `base` to `target`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    pub base: i32,
    pub target: i32,
    #[serde(flatten)]
    pub diff: TreeDiff,
}

fn with_etag(
    response: actix_web::HttpResponseBuilder,
    version: &entity::criteria_version::Model,
    body: VersionView,
) -> HttpResponse {
    crate::api::versioned(response, version.id, version.row_version, &body)
}

/// Criteria sets.
#[utoipa::path(
    operation_id = "list_criteria_sets",
    tag = "criteria",
    params(SetQuery, Pagination),
    responses(
        (status = 200, body = Page<CriteriaSetView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-sets")]
pub async fn list_sets(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    query: ValidQuery<SetQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<CriteriaSetView>>> {
    let request = pagination.0.resolve()?;
    let q = query.0;
    let rows = service::list_sets(&state.db, q.level, q.scope, request).await?;
    Ok(web::Json(rows.map(|m| CriteriaSetView::from(&m))))
}

/// Create a criteria set (national: admins; provincial: that province's officers).
#[utoipa::path(
    operation_id = "create_criteria_set",
    tag = "criteria",
    request_body = NewCriteriaSet,
    responses(
        (status = 201, body = CriteriaSetView, headers(("Location" = String, description = "The URL of the new resource"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/criteria-sets")]
pub async fn create_set(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<NewCriteriaSet>,
) -> Result<HttpResponse> {
    let input = body.0;
    caller.ensure(
        Permission::ManageCriteria,
        &service::scope_named(&input.scope),
    )?;
    service::validate_new_set(&state.db, &input).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::create_set(&txn, &input).await?;
    txn.commit().await?;
    tracing::info!(set = ?model.code, by = ?caller.username, "criteria set created");
    Ok(
        crate::api::created(format!("/api/v1/criteria-sets/{}", model.id))
            .json(CriteriaSetView::from(&model)),
    )
}

/// One criteria set with its versions.
#[utoipa::path(
    operation_id = "get_criteria_set",
    tag = "criteria",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = CriteriaSetDetail),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-sets/{id}")]
pub async fn get_set(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<web::Json<CriteriaSetDetail>> {
    let set = service::get_set(&state.db, *id).await?;
    let filter = VersionFilter {
        set: Some(set.id),
        ..Default::default()
    };
    // A set holds a handful of versions (one per legal revision): the first page is all.
    let first = PageRequest {
        page: 1,
        per_page: MAX_PER_PAGE,
    };
    let versions = service::list_versions(&state.db, caller.0.as_ref(), &filter, first).await?;
    Ok(web::Json(CriteriaSetDetail {
        set: CriteriaSetView::from(&set),
        versions: versions.items,
    }))
}

/// Criteria versions (without their trees). `effective_on` with `level` and `scope`
/// answers which version applied on a date.
#[utoipa::path(
    operation_id = "list_criteria_versions",
    tag = "criteria",
    params(VersionQuery, Pagination),
    responses(
        (status = 200, body = Page<VersionSummary>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: ValidQuery<VersionQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<VersionSummary>>> {
    let request = pagination.0.resolve()?;
    let q = query.0;
    let filter = VersionFilter {
        set: q.set,
        status: q.status,
        effective_on: q.effective_on,
        level: q.level,
        scope: q.scope,
        complete: q.complete,
    };
    let page = service::list_versions(&state.db, caller.0.as_ref(), &filter, request).await?;
    Ok(web::Json(page))
}

/// Create a draft version with its whole tree.
#[utoipa::path(
    operation_id = "create_criteria_version",
    tag = "criteria",
    request_body = VersionInput,
    responses(
        (status = 201, body = VersionView, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/criteria-versions")]
pub async fn create_version(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<VersionInput>,
) -> Result<HttpResponse> {
    let input = body.0;
    if let Some(set) = service::find_set(&state.db, input.set_id).await? {
        caller.ensure(Permission::ManageCriteria, &service::set_scope(&set))?;
    }
    let txn = crate::services::begin_write(&state.db).await?;
    let set = service::validate_version(&txn, &input, None).await?;
    caller.ensure(Permission::ManageCriteria, &service::set_scope(&set))?;
    let model = service::insert_version(&txn, &set, &input, VersionStatus::Draft).await?;
    txn.commit().await?;
    tracing::info!(version = model.id, set = ?set.code, by = ?caller.username, "criteria draft created");
    let response = crate::api::created(format!("/api/v1/criteria-versions/{}", model.id));
    Ok(with_etag(response, &model, service::view(&set, &model)?))
}

/// A version with its whole tree: criteria, indicators, thresholds.
#[utoipa::path(
    operation_id = "get_criteria_version",
    tag = "criteria",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = VersionView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-versions/{id}")]
pub async fn get_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    // Published versions are public and their trees immutable: served from memory
    // (services::criteria::rendered). Drafts are read and checked every time.
    if let Some(hit) = state.criteria_versions.get(*id) {
        return Ok(rendered(&req, &hit));
    }
    let (set, version) = service::get_visible(&state.db, caller.0.as_ref(), *id).await?;
    let view = service::view(&set, &version)?;
    if version.status == VersionStatus::Draft {
        return Ok(with_etag(HttpResponse::Ok(), &version, view));
    }
    let json = serde_json::to_string(&view).map_err(|e| ApiError::Internal(e.into()))?;
    let hit = state
        .criteria_versions
        .put(version.id, version.row_version, json);
    Ok(rendered(&req, &hit))
}

/// A kept rendering, gzip-compressed already when the client accepts it (the compression
/// middleware leaves an answer that has its `Content-Encoding`).
fn rendered(req: &HttpRequest, hit: &service::rendered::Rendered) -> HttpResponse {
    use actix_web::http::header;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, crate::extract::etag(hit.id, hit.row_version)))
        .insert_header((header::VARY, "Accept-Encoding"))
        .content_type(header::ContentType::json());
    if accepts_gzip(req) {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(hit.gzip.clone())
    } else {
        response.body(hit.json.clone())
    }
}

/// Whether `Accept-Encoding` takes gzip (by name or `*`, and not with `q=0`).
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(actix_web::http::header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

async fn load_for_write(
    state: &AppState,
    caller: &Caller,
    id: i32,
) -> Result<(entity::criteria_set::Model, entity::criteria_version::Model)> {
    let (set, version) = service::get_visible(&state.db, Some(caller), id).await?;
    caller.ensure(Permission::ManageCriteria, &service::set_scope(&set))?;
    Ok((set, version))
}

/// Replace a draft's whole tree and metadata (409 once published).
#[utoipa::path(
    operation_id = "replace_criteria_version",
    tag = "criteria",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body = VersionInput,
    responses(
        (status = 200, body = VersionView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[put("/criteria-versions/{id}")]
pub async fn replace_version(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: ValidJson<VersionInput>,
) -> Result<HttpResponse> {
    let (set, current) = load_for_write(&state, &caller, *id).await?;
    if_match.check(&etag(current.id, current.row_version))?;
    let input = body.0;
    let txn = crate::services::begin_write(&state.db).await?;
    service::validate_version(&txn, &input, Some(current.id)).await?;
    let model = service::replace_version(&txn, &set, &current, &input).await?;
    txn.commit().await?;
    Ok(with_etag(
        HttpResponse::Ok(),
        &model,
        service::view(&set, &model)?,
    ))
}

/// Delete a draft (409 once published).
#[utoipa::path(
    operation_id = "delete_criteria_version",
    tag = "criteria",
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
#[delete("/criteria-versions/{id}")]
pub async fn delete_version(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let (_, current) = load_for_write(&state, &caller, *id).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    service::delete_version(&txn, &current).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publish a draft: it becomes immutable; the version it revises becomes superseded from
/// this one's `effective_from`.
#[utoipa::path(
    operation_id = "publish_criteria_version",
    tag = "criteria",
    params(("id" = i32, Path)),
    responses(
        (status = 200, body = VersionView),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/criteria-versions/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let (set, current) = load_for_write(&state, &caller, *id).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::publish(&txn, &set, &current).await?;
    txn.commit().await?;
    // The version it revises, if any, is superseded now.
    state.criteria_versions.forget_all();
    tracing::info!(version = model.id, set = ?set.code, by = ?caller.username, "criteria version published");
    Ok(with_etag(
        HttpResponse::Ok(),
        &model,
        service::view(&set, &model)?,
    ))
}

/// Start a revision: a new draft copying this version's tree, to amend and publish.
#[utoipa::path(
    operation_id = "revise_criteria_version",
    tag = "criteria",
    params(("id" = i32, Path)),
    request_body = RevisionInput,
    responses(
        (status = 201, body = VersionView, headers(("Location" = String, description = "The URL of the new resource"), ("ETag" = String, description = "Its version: send as If-Match to edit it"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/criteria-versions/{id}/revisions")]
pub async fn revise(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    body: ValidJson<RevisionInput>,
) -> Result<HttpResponse> {
    let (set, source) = load_for_write(&state, &caller, *id).await?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::revise(&txn, &set, &source, &body.0).await?;
    txn.commit().await?;
    let response = crate::api::created(format!("/api/v1/criteria-versions/{}", model.id));
    Ok(with_etag(response, &model, service::view(&set, &model)?))
}

/// What changed from `base` to this version: criteria and indicators added, removed and
/// changed, field by field.
#[utoipa::path(
    operation_id = "diff_criteria_versions",
    tag = "criteria",
    params(("id" = i32, Path), DiffQuery),
    responses(
        (status = 200, body = VersionDiff),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-versions/{id}/diff")]
pub async fn diff_versions(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
    query: ValidQuery<DiffQuery>,
) -> Result<web::Json<VersionDiff>> {
    let (_, target) = service::get_visible(&state.db, caller.0.as_ref(), *id).await?;
    let (_, base) = service::get_visible(&state.db, caller.0.as_ref(), query.0.base)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(d) => ApiError::invalid(ErrorCode::NotFound, "base", d),
            other => other,
        })?;
    let d = diff(&service::tree_of(&base)?, &service::tree_of(&target)?);
    Ok(web::Json(VersionDiff {
        base: base.id,
        target: target.id,
        diff: d,
    }))
}

/// A version's tree as a spreadsheet, for a clerk to complete: one row per threshold (an
/// indicator without thresholds has one row with the threshold cells empty), UTF-8 with a
/// byte-order mark so Excel reads Vietnamese. Send it back with `PUT` on a draft.
#[utoipa::path(
    operation_id = "export_criteria_version_csv",
    tag = "criteria",
    params(("id" = i32, Path)),
    responses(
        (status = 200, description = "The tree as CSV", content(
            (String = "text/csv", example = "criterion_number,criterion_code,criterion_name,criterion_group,criterion_note,indicator_code,indicator_name,indicator_kind,indicator_unit,placeholder,region,commune_group,year,value,indicator_note\n10,10,Thu nhập,economy,,10,Thu nhập bình quân đầu người,min,triệu đồng/người/năm,,north_central_coast,,2021,42,\n")
        ), headers(("Content-Disposition" = String, description = "attachment; filename=\"criteria-version-{id}.csv\""), ("ETag" = String, description = "The version's: send it as If-Match with the completed sheet"))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
    ),
    security((), ("bearer" = []))
)]
#[get("/criteria-versions/{id}/criteria")]
pub async fn export_csv(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let (_, version) = service::get_visible(&state.db, caller.0.as_ref(), *id).await?;
    let body = service::csv::to_csv(&service::tree_of(&version)?);
    let mut response =
        crate::api::csv_attachment(&format!("criteria-version-{}", version.id), body);
    // The version's ETag: send it back as If-Match with the completed sheet.
    response.headers_mut().insert(
        actix_web::http::header::ETAG,
        etag(version.id, version.row_version).parse().map_err(
            |e: actix_web::http::header::InvalidHeaderValue| ApiError::Internal(e.into()),
        )?,
    );
    Ok(response)
}

/// Replace a draft's tree with a spreadsheet (the CSV `GET` gives, completed): whoever may
/// edit the draft. Every bad row is named by its line (`lines[7].region`) and nothing is
/// written; the draft's metadata stays as it is.
#[utoipa::path(
    operation_id = "import_criteria_version_csv",
    tag = "criteria",
    params(("id" = i32, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale")),
    request_body(content = String, content_type = "text/csv", description = "The tree as CSV, with the header row of the export (`,` or `;` separated)"),
    responses(
        (status = 200, body = VersionView, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
        (status = 413, response = crate::openapi::responses::PayloadTooLarge),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/criteria-versions/{id}/criteria")]
pub async fn import_csv(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    if_match: IfMatch,
    body: CsvBody,
) -> Result<HttpResponse> {
    let (set, current) = load_for_write(&state, &caller, *id).await?;
    if_match.check(&etag(current.id, current.row_version))?;
    let tree = service::csv::from_csv(&body.0).map_err(line_problems)?;
    let txn = crate::services::begin_write(&state.db).await?;
    let model = service::replace_tree(&txn, &set, &current, tree).await?;
    txn.commit().await?;
    Ok(with_etag(
        HttpResponse::Ok(),
        &model,
        service::view(&set, &model)?,
    ))
}

/// A spreadsheet's bad rows as a 422 naming each line and column: `lines[7].region`.
fn line_problems(errors: Vec<service::csv::LineError>) -> ApiError {
    ApiError::Validation(
        errors
            .into_iter()
            .map(|e| {
                let field = match &e.column {
                    Some(column) => format!("lines[{}].{column}", e.line),
                    None => format!("lines[{}]", e.line),
                };
                crate::error::FieldError::new(ErrorCode::InvalidFormat, field, e.message)
            })
            .collect(),
    )
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sets)
        .service(create_set)
        .service(get_set)
        .service(list_versions)
        .service(create_version)
        .service(get_version)
        .service(replace_version)
        .service(delete_version)
        .service(publish)
        .service(revise)
        .service(diff_versions)
        .service(export_csv)
        .service(import_csv);
}
