//! `/provinces`, `/districts`, `/communes`, `/communes/{code}/villages`, `/villages`.
//!
//! The four levels share one set of operations ([`list`], [`get`], [`create`], [`patch`],
//! [`delete`]); the macros below only declare each level's routes and OpenAPI
//! description around them.
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::Caller;
use crate::auth::MaybeCaller;
use crate::domain::text::fold;
use crate::domain::units::Level;
use crate::error::{ApiError, Result};
use crate::extract::{etag, IfMatch, ValidJson, ValidQuery, Validate};
use crate::pagination::{Page, Pagination};
use crate::services::unit_cache::Answer;
use crate::services::units::write_permission as permission;
use crate::services::units::{self, UnitFilter, UnitInput, UnitPatch, UnitView};
use crate::state::AppState;

mod params;

use params::IntoFilter;
pub use params::{CommuneQuery, DistrictQuery, OnQuery, ProvinceQuery, VillageQuery};

impl Validate for UnitInput {}
impl Validate for UnitPatch {}

fn with_etag(response: actix_web::HttpResponseBuilder, m: &entity::unit::Model) -> HttpResponse {
    crate::api::versioned(response, m.id, m.row_version, &UnitView::from(m))
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Result<web::Bytes> {
    serde_json::to_vec(value)
        .map(web::Bytes::from)
        .map_err(|e| ApiError::Internal(e.into()))
}

/// An answer to keep in the snapshot's cache: the body and its weak tag, hashed once.
fn answer(body: web::Bytes) -> Answer {
    let tag = crate::conditional::weak_tag(&body).into();
    Answer { body, tag }
}

/// A kept answer, with its `ETag` (so the conditional layer does not hash it again).
fn send(answer: Answer) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, &*answer.tag))
        .content_type("application/json")
        .body(answer.body)
}

/// Lists from the in-memory snapshot, each answer kept with it (searches under their folded
/// query: `Hương Trà` and `huong  tra` are one answer).
pub async fn list(
    state: &AppState,
    level: Level,
    filter: UnitFilter,
    pagination: Pagination,
) -> Result<HttpResponse> {
    let request = pagination.resolve()?;
    let snapshot = state.units.snapshot(&state.db).await?;
    let render = || json_bytes(&snapshot.list(level, &filter, request).map(UnitView::from));
    // Level filters are computed each time: recognitions change apart from units.
    if filter.standing.is_some() {
        return Ok(send(answer(render()?)));
    }
    let key_filter = UnitFilter {
        q: filter.q.as_deref().map(fold),
        ..filter.clone()
    };
    let key = format!(
        "list|{}|{key_filter:?}|{}|{}",
        level.as_str(),
        request.page,
        request.per_page
    );
    Ok(send(snapshot.cached(key, || render().map(answer))?))
}

pub async fn get(
    state: &AppState,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
) -> Result<HttpResponse> {
    let snapshot = state.units.snapshot(&state.db).await?;
    let unit = snapshot.get_on(level, code, on)?;
    let answer = snapshot.cached(format!("get|{}|{}", level.as_str(), unit.id), || {
        let body = json_bytes(&UnitView::from(unit))?;
        Ok::<_, ApiError>(Answer {
            body,
            tag: etag(unit.id, unit.row_version).into(),
        })
    })?;
    Ok(send(answer))
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    level: Level,
    input: UnitInput,
    commune: Option<&str>,
) -> Result<HttpResponse> {
    let txn = crate::services::begin_write(&state.db).await?;
    let claimed =
        units::claimed_scope(&txn, level, input.province_code.as_deref(), commune, None).await?;
    caller.ensure(permission(level), &claimed)?;
    let unit = units::validate_new(&txn, level, input, commune).await?;
    caller.ensure(permission(level), &unit.scope())?;
    units::ensure_code_stays_in_its_province(&txn, caller, &unit).await?;
    let model = units::insert(&txn, &unit).await?;
    txn.commit().await?;
    state.units.invalidate();
    tracing::info!(level = level.as_str(), code = ?model.code, by = ?caller.username, "unit created");
    let location = match level {
        Level::Province => format!("/api/v1/provinces/{}", model.code),
        Level::District => format!("/api/v1/districts/{}", model.code),
        Level::Commune => format!("/api/v1/communes/{}", model.code),
        Level::Village => format!("/api/v1/villages/{}", model.code),
    };
    Ok(with_etag(crate::api::created(location), &model))
}

#[allow(clippy::too_many_arguments)]
pub async fn patch(
    state: &AppState,
    caller: &Caller,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
    if_match: IfMatch,
    patch: UnitPatch,
) -> Result<HttpResponse> {
    let txn = crate::services::begin_write(&state.db).await?;
    let current = units::get_on(&txn, level, code, on).await?;
    caller.ensure(permission(level), &units::scope_of(&current))?;
    let expected = if_match.version_to_write(current.id, current.row_version)?;
    let model = units::update(&txn, &current, patch, Some(expected)).await?;
    txn.commit().await?;
    state.units.invalidate();
    tracing::info!(level = level.as_str(), code = ?code, by = ?caller.username, "unit updated");
    Ok(with_etag(HttpResponse::Ok(), &model))
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    level: Level,
    code: &str,
    on: Option<NaiveDate>,
    if_match: IfMatch,
) -> Result<HttpResponse> {
    let txn = crate::services::begin_write(&state.db).await?;
    let current = units::get_on(&txn, level, code, on).await?;
    caller.ensure(permission(level), &units::scope_of(&current))?;
    let expected = if_match.version_to_write(current.id, current.row_version)?;
    units::delete(&txn, &current, Some(expected)).await?;
    txn.commit().await?;
    state.units.invalidate();
    tracing::info!(level = level.as_str(), code = ?code, by = ?caller.username, "unit deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Declares `GET` / `PATCH` / `DELETE` on one unit of a level.
macro_rules! unit_item_routes {
    ($level:expr, $path:literal, $noun:literal, $get:ident, $patch:ident, $delete:ident) => {
        #[utoipa::path(
            tag = "units",
            summary = concat!("Read a ", $noun),
            description = concat!("One ", $noun, ": the version valid today (or the last one of a retired code), or the one valid on `on`."),
            params(("code" = String, Path, description = "Official code"), OnQuery),
            responses(
                (status = 200, body = UnitView, headers(("ETag" = String, description = "Send as If-Match to edit"))),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            ),
            security((), ("bearer" = []))
        )]
        #[get($path)]
        pub async fn $get(
            state: web::Data<AppState>,
            _caller: MaybeCaller,
            code: web::Path<String>,
            query: ValidQuery<OnQuery>,
        ) -> Result<HttpResponse> {
            get(&state, $level, &code, query.0.on).await
        }

        #[utoipa::path(
            tag = "units",
            summary = concat!("Edit a ", $noun),
            description = concat!("Edit a ", $noun, " (admin; province officers inside their province). Only the fields sent change."),
            params(
                ("code" = String, Path, description = "Official code"),
                ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale"),
                OnQuery
            ),
            request_body = UnitPatch,
            responses(
                (status = 200, body = UnitView),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 403, response = crate::openapi::responses::Forbidden),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 412, response = crate::openapi::responses::PreconditionFailed),
            ),
            security(("bearer" = []))
        )]
        #[patch($path)]
        pub async fn $patch(
            state: web::Data<AppState>,
            caller: Caller,
            code: web::Path<String>,
            query: ValidQuery<OnQuery>,
            if_match: IfMatch,
            body: ValidJson<UnitPatch>,
        ) -> Result<HttpResponse> {
            patch(&state, &caller, $level, &code, query.0.on, if_match, body.0).await
        }

        #[utoipa::path(
            tag = "units",
            summary = concat!("Delete a ", $noun, " version"),
            description = concat!("Delete a ", $noun, " version; 409 while anything refers to it."),
            params(
                ("code" = String, Path, description = "Official code"),
                ("If-Match" = Option<String>, Header, description = "The ETag read; 412 when stale"),
                OnQuery
            ),
            responses(
                (status = 204, description = "Deleted"),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 403, response = crate::openapi::responses::Forbidden),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 412, response = crate::openapi::responses::PreconditionFailed),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            ),
            security(("bearer" = []))
        )]
        #[delete($path)]
        pub async fn $delete(
            state: web::Data<AppState>,
            caller: Caller,
            code: web::Path<String>,
            query: ValidQuery<OnQuery>,
            if_match: IfMatch,
        ) -> Result<HttpResponse> {
            delete(&state, &caller, $level, &code, query.0.on, if_match).await
        }
    };
}

/// Declares `GET` (list) and `POST` on a level's collection.
macro_rules! unit_collection_routes {
    ($level:expr, $path:literal, $noun:literal, $query:ty, $list:ident, $create:ident, $who:literal) => {
        #[utoipa::path(
            tag = "units",
            summary = concat!("List ", $noun, "s"),
            description = concat!("List ", $noun, "s, every version unless `on` narrows them to one day."),
            params($query, Pagination),
            responses(
                (status = 200, body = Page<UnitView>),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            ),
            security((), ("bearer" = []))
        )]
        #[get($path)]
        pub async fn $list(
            state: web::Data<AppState>,
            _caller: MaybeCaller,
            query: ValidQuery<$query>,
            pagination: ValidQuery<Pagination>,
        ) -> Result<HttpResponse> {
            let filter = IntoFilter::into_filter(query.0, &state).await?;
            list(&state, $level, filter, pagination.0).await
        }

        #[utoipa::path(
            tag = "units",
            summary = concat!("Create a ", $noun),
            description = concat!("Create a ", $noun, " (", $who, ")."),
            request_body = UnitInput,
            responses(
                (status = 201, body = UnitView, headers(("Location" = String), ("ETag" = String))),
                (status = 401, response = crate::openapi::responses::Unauthorized),
                (status = 403, response = crate::openapi::responses::Forbidden),
                (status = 409, response = crate::openapi::responses::Conflict),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $create(
            state: web::Data<AppState>,
            caller: Caller,
            body: ValidJson<UnitInput>,
        ) -> Result<HttpResponse> {
            create(&state, &caller, $level, body.0, None).await
        }
    };
}

unit_collection_routes!(
    Level::Province,
    "/provinces",
    "province",
    ProvinceQuery,
    list_provinces,
    create_province,
    "admin"
);
unit_item_routes!(
    Level::Province,
    "/provinces/{code}",
    "province",
    get_province,
    patch_province,
    delete_province
);
unit_collection_routes!(
    Level::District,
    "/districts",
    "district",
    DistrictQuery,
    list_districts,
    create_district,
    "admin; province officers inside their province"
);
unit_item_routes!(
    Level::District,
    "/districts/{code}",
    "district",
    get_district,
    patch_district,
    delete_district
);
unit_collection_routes!(
    Level::Commune,
    "/communes",
    "commune",
    CommuneQuery,
    list_communes,
    create_commune,
    "admin; province officers inside their province"
);
unit_item_routes!(
    Level::Commune,
    "/communes/{code}",
    "commune",
    get_commune,
    patch_commune,
    delete_commune
);
unit_item_routes!(
    Level::Village,
    "/villages/{code}",
    "village",
    get_village,
    patch_village,
    delete_village
);

/// Villages (thôn, khu dân cư) of a commune.
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Commune code"), VillageQuery, Pagination),
    responses(
        (status = 200, body = Page<UnitView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security((), ("bearer" = []))
)]
#[get("/communes/{code}/villages")]
pub async fn list_villages(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    code: web::Path<String>,
    query: ValidQuery<VillageQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<HttpResponse> {
    state
        .units
        .snapshot(&state.db)
        .await?
        .get_on(Level::Commune, &code, None)?;
    let filter = UnitFilter {
        commune: Some(code.into_inner()),
        q: query.0.q,
        on: query.0.on,
        ..Default::default()
    };
    list(&state, Level::Village, filter, pagination.0).await
}

/// Create a village of a commune (admin; province officers inside their province).
#[utoipa::path(
    tag = "units",
    params(("code" = String, Path, description = "Commune code")),
    request_body = UnitInput,
    responses(
        (status = 201, body = UnitView, headers(("Location" = String), ("ETag" = String))),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/communes/{code}/villages")]
pub async fn create_village(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<UnitInput>,
) -> Result<HttpResponse> {
    create(&state, &caller, Level::Village, body.0, Some(&code)).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_provinces)
        .service(create_province)
        .service(get_province)
        .service(patch_province)
        .service(delete_province)
        .service(list_districts)
        .service(create_district)
        .service(get_district)
        .service(patch_district)
        .service(delete_district)
        .service(list_communes)
        .service(create_commune)
        .service(list_villages)
        .service(create_village)
        .service(get_commune)
        .service(patch_commune)
        .service(delete_commune)
        .service(get_village)
        .service(patch_village)
        .service(delete_village);
}
