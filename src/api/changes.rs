//! `GET /changes`: the ordered change feed provincial systems follow to stay in sync.
use crate::error::ErrorCode;
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::Caller;
use crate::error::{ApiError, FieldError, Result};
use crate::extract::ValidQuery;
use crate::services::changes::{self as service, ChangePage};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes after this `seq` (0 for the beginning): the `next_since` of the
    /// previous page.
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// At most this many (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// The changes after `since`, in order. Each create, update and delete is recorded in the
/// same transaction as the change, and changes become visible in `seq` order, so a reader
/// that follows `next_since` sees every change exactly once. Admins and viewers read the
/// whole feed; province officers (a province's sync account) read the changes of their
/// province and the national ones (national criteria, agencies without a province); the
/// `seq` of the entries they do not see are skipped. The shipped reference units are the
/// baseline and are not in the feed.
#[utoipa::path(
    operation_id = "list_changes",
    tag = "sync",
    params(ChangesQuery),
    responses(
        (status = 200, body = ChangePage),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/changes")]
pub async fn changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ChangesQuery>,
) -> Result<web::Json<ChangePage>> {
    let reach = caller.feed_reach()?;
    let since = query.0.since.unwrap_or(0);
    let limit = query.0.limit.unwrap_or(100);
    let mut errors = Vec::new();
    if since < 0 {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "since",
            "must be 0 or more",
        ));
    }
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "limit",
            "must be between 1 and 1000",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(web::Json(
        service::read(&state.db, &reach, since, limit).await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(changes);
}
