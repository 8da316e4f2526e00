//! `GET /changes`: the ordered change feed provincial systems follow to stay in sync.
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use entity::change;

use crate::access::{Caller, FeedReach};
use crate::error::{ApiError, FieldError, Result};
use crate::extract::ValidQuery;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes after this `seq` (0 for the beginning): the `next_since` of the
    /// previous page.
    pub since: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// One change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub seq: i64,
    /// `unit`, `criteria_set`, `criteria_version`, `assessment`, `recognition`,
    /// `registration`, `agency` or `sponsorship`.
    pub entity: String,
    /// The entity's key: its id, or `level:code:valid_from` for units.
    pub key: String,
    /// The province the change concerns; `null` for national data.
    pub province_code: Option<String>,
    /// `upsert` or `delete` (a tombstone, without data).
    pub op: String,
    pub at: DateTime<Utc>,
    /// The entity as it was after the change.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeView>,
    /// Pass as `since` to read on; equal to `since` when there is nothing new.
    pub next_since: i64,
}

/// The changes after `since`, in order. Each create, update and delete is recorded in the
/// same transaction as the change, and changes become visible in `seq` order, so a reader
/// that follows `next_since` sees every change exactly once. Admins and viewers read the
/// whole feed; province officers (a province's sync account) read the changes of their
/// province and the national ones (national criteria, agencies without a province); the
/// `seq` of the entries they do not see are skipped. The shipped reference units are the
/// baseline and are not in the feed.
#[utoipa::path(
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
    let province = match caller.feed_reach()? {
        FeedReach::All => None,
        FeedReach::Province(code) => Some(code),
    };
    let since = query.0.since.unwrap_or(0);
    let limit = query.0.limit.unwrap_or(100);
    let mut errors = Vec::new();
    if since < 0 {
        errors.push(FieldError::new("since", "must be 0 or more"));
    }
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", "must be between 1 and 1000"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut select = change::Entity::find().filter(change::Column::Seq.gt(since));
    if let Some(province) = province {
        select = select.filter(
            sea_orm::Condition::any()
                .add(change::Column::ProvinceCode.eq(province))
                .add(change::Column::ProvinceCode.is_null()),
        );
    }
    let rows = select
        .order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(&state.db)
        .await?;
    let next_since = rows.last().map(|r| r.seq).unwrap_or(since);
    let items = rows
        .into_iter()
        .map(|r| ChangeView {
            seq: r.seq,
            entity: r.entity,
            key: r.entity_key,
            province_code: r.province_code,
            op: r.op,
            at: r.at,
            data: r.data,
        })
        .collect();
    Ok(web::Json(ChangePage { items, next_since }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(changes);
}
