//! HTTP handlers, one module per resource, each with `configure`.
pub mod assessments;
pub mod auth;
pub mod changes;
pub mod commune_status;
pub mod criteria;
pub mod health;
pub mod recognitions;
pub mod registrations;
pub mod reports;
pub mod sponsorships;
pub mod sync;
pub mod units;
pub mod users;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::extract::etag;

/// An answer carrying a row-versioned resource: its view, with `ETag: "id-row_version"`
/// for the client to send back as `If-Match` (the other half of the write path is
/// [`crate::extract::IfMatch::version_to_write`]).
pub fn versioned<T: Serialize>(
    mut response: HttpResponseBuilder,
    id: i32,
    row_version: i32,
    view: &T,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(id, row_version)))
        .json(view)
}

/// `201 Created` with the new resource's address in `Location`.
pub fn created(location: String) -> HttpResponseBuilder {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    response
}

/// Routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    users::configure(cfg);
    units::configure(cfg);
    criteria::configure(cfg);
    assessments::configure(cfg);
    recognitions::configure(cfg);
    registrations::configure(cfg);
    commune_status::configure(cfg);
    reports::configure(cfg);
    sponsorships::configure(cfg);
    changes::configure(cfg);
    sync::configure(cfg);
}

/// Any path the service does not know.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no such path: {} {}; see /swagger-ui/ for what this API offers",
        req.method(),
        req.path()
    )))
}
