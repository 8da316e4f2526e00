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

use actix_web::HttpRequest;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

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
