//! `POST /sync/{units,assessments,sponsorships}`: batch upserts by natural key for
//! provincial systems, answered 207 Multi-Status with a result per item. The rules are in
//! [`crate::services::sync`].
use crate::error::ErrorCode;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use serde_json::Value as Json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{Caller, Permission};
use crate::error::{FieldError, Result};
use crate::extract::{BodyLimit, ValidJson, Validate};
use crate::services::sponsorships::NewSponsorship;
use crate::services::sync::{
    self, AssessmentUpserter, SponsorshipUpserter, SyncAssessment, SyncResponse, SyncUnit,
    UnitUpserter, Upserter, MAX_ITEMS,
};
use crate::state::AppState;

/// Body limit of a sync batch: 16 MiB (about 1,000 assessments with 57 values each).
pub const SYNC_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A batch: up to 1,000 items. Each item is read on its own, so an item with a wrong
/// type is answered `error` in its result and does not refuse the batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest<T> {
    /// Validate and report without writing anything.
    #[serde(default)]
    pub dry_run: bool,
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<T>,
}

impl<T> Validate for SyncRequest<T> {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "items",
                format!("send 1 to {MAX_ITEMS} items per batch"),
            ));
        }
    }
}

async fn run<U: Upserter>(
    state: &AppState,
    caller: &Caller,
    upserter: &mut U,
    body: SyncRequest<Json>,
    what: &str,
) -> Result<SyncResponse> {
    let items = body.items.into_iter().map(sync::parse_item).collect();
    let results = sync::run(&state.db, upserter, items, body.dry_run, |_| {}).await?;
    let response = SyncResponse::new(body.dry_run, results);
    tracing::info!(
        what,
        by = ?caller.username,
        dry_run = body.dry_run,
        created = response.created,
        updated = response.updated,
        unchanged = response.unchanged,
        errors = response.errors,
        "sync batch"
    );
    Ok(response)
}

fn multi_status(response: SyncResponse) -> HttpResponse {
    HttpResponse::build(StatusCode::MULTI_STATUS).json(response)
}

/// Create or update administrative units by `level` + `code` + `valid_from`. Admins write
/// every level; province officers the districts, communes and villages of their province.
#[utoipa::path(
    tag = "sync",
    request_body = SyncRequest<SyncUnit>,
    responses(
        (status = 207, description = "A result per item", body = SyncResponse),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/units")]
pub async fn sync_units(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<SyncRequest<Json>>,
) -> Result<HttpResponse> {
    caller.ensure_any_role(
        &[Permission::ManageUnits, Permission::ManageProvinces],
        "sync these items",
    )?;
    let mut upserter = UnitUpserter {
        caller: &caller,
        changed: false,
    };
    let response = run(&state, &caller, &mut upserter, body.0, "units").await?;
    if upserter.changed && !response.dry_run {
        state.units.invalidate();
    }
    Ok(multi_status(response))
}

/// Create or update assessments by `unit_code` + `criteria_version_id` + `assessed_on` +
/// `kind`, with their values. New ones are drafts; a stored draft takes the values and
/// decisions sent; a submitted one answers `unchanged` when the item matches it and an
/// `error` (409) otherwise. Authors write their own kind in their scope; province officers
/// every kind in their province.
#[utoipa::path(
    tag = "sync",
    request_body = SyncRequest<SyncAssessment>,
    responses(
        (status = 207, description = "A result per item", body = SyncResponse),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/assessments")]
pub async fn sync_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<SyncRequest<Json>>,
) -> Result<HttpResponse> {
    caller.ensure_any_role(
        &[
            Permission::SyncAssessments,
            Permission::AuthorSelfAssessment,
            Permission::AuthorDistrictReview,
        ],
        "sync these items",
    )?;
    let mut upserter = AssessmentUpserter::new(&caller);
    let response = run(&state, &caller, &mut upserter, body.0, "assessments").await?;
    Ok(multi_status(response))
}

/// Create or update sponsorships by `agency_id` + `commune_code` + `starts_on`
/// (admins, and province officers for the communes of their province).
#[utoipa::path(
    tag = "sync",
    request_body = SyncRequest<NewSponsorship>,
    responses(
        (status = 207, description = "A result per item", body = SyncResponse),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/sponsorships")]
pub async fn sync_sponsorships(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<SyncRequest<Json>>,
) -> Result<HttpResponse> {
    caller.ensure_any_role(&[Permission::ManageSponsorships], "sync these items")?;
    let mut upserter = SponsorshipUpserter { caller: &caller };
    let response = run(&state, &caller, &mut upserter, body.0, "sponsorships").await?;
    Ok(multi_status(response))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope::scope("/sync")
            .app_data(BodyLimit(SYNC_BODY_LIMIT))
            .service(sync_units)
            .service(sync_assessments)
            .service(sync_sponsorships),
    );
}
