//! `GET /communes/{code}/status`: a commune's level, latest assessment and sponsors.
use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::MaybeCaller;
use crate::error::Result;
use crate::extract::ValidQuery;
use crate::services::status::{self as service, CommuneStatus};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The commune version valid on this day (default: today's, or the last).
    #[serde(default, deserialize_with = "crate::decode::dates::optional_date")]
    pub on: Option<NaiveDate>,
}

/// A commune's current level, latest assessment summary and revocation risk.
#[utoipa::path(
    operation_id = "get_commune_status",
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
    Ok(web::Json(
        service::commune_status(
            &state.db,
            &state.trees,
            caller.0.as_ref(),
            &code,
            query.0.on,
        )
        .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(commune_status);
}
