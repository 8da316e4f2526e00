//! `Idempotency-Key` on POST: a retried request with the same key and the same body gets
//! the first answer again instead of a second write; the same key with another body is a
//! 422. Keys belong to the authenticated user and expire after 24 hours. Token requests
//! (`/auth/*`) are not stored (their answers are secrets), nor are 5xx answers (a retry
//! should run again).
//!
//! What is kept is bounded: dry runs of `/sync/*` are not kept at all (they write
//! nothing, so a retry is harmless); an answer larger than [`MAX_KEPT_ANSWER`], or one
//! that would take its user's kept answers past [`MAX_KEPT_PER_USER`], is recorded without
//! its body, so a retry is still not run twice but answers 409 saying so.
use crate::error::ErrorCode;
use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use chrono::{Duration, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, SqlErr};
use sha2::{Digest, Sha256};

use entity::idempotency_key::{self, Column as K, Entity as Keys};

use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The largest answer kept for a replay.
pub const MAX_KEPT_ANSWER: usize = 128 * 1024;
/// The answers kept per user (24 hours of them).
pub const MAX_KEPT_PER_USER: i64 = 4 * 1024 * 1024;
/// Marks, among the kept headers, an answer whose body was not kept (its size).
const NOT_KEPT: &str = "x-answer-not-kept";
/// Response headers replayed with the stored body.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn problem(err: ApiError) -> HttpResponse {
    err.error_response()
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string));
    // Uploads (multipart) stream to storage and are not replayed: the same file twice on a
    // parent is a 409 naming the first, which is what a retry needs to know. Their key is
    // still checked, as the contract documents it on every POST.
    let upload = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    let applies =
        req.method() == Method::POST && key.is_some() && !req.path().starts_with("/api/v1/auth/");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, applies) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key {
        Some(Ok(k)) if (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            let (http, _) = req.into_parts();
            let err = ApiError::invalid(
                ErrorCode::InvalidFormat,
                "Idempotency-Key",
                "1 to 200 visible ASCII characters",
            );
            return Ok(ServiceResponse::new(http, problem(err)));
        }
    };
    if upload {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // The key belongs to the caller; without a valid token the handler answers 401 itself.
    let user_id = crate::auth::token_user(&state, req.request());
    let Some(user_id) = user_id else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Read the body to fingerprint the request, then hand it on unchanged.
    let mut body = web::BytesMut::new();
    let mut payload = req.take_payload();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_BODY {
            let (http, _) = req.into_parts();
            return Ok(ServiceResponse::new(
                http,
                problem(ApiError::PayloadTooLarge(
                    "the body is larger than 16 MiB".into(),
                )),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    if req.path().starts_with("/api/v1/sync/") && is_dry_run(&body) {
        req.set_payload(Payload::from(body));
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(req.uri().to_string());
    hasher.update(&body);
    let hash = hex::encode(hasher.finalize());
    req.set_payload(Payload::from(body));

    let now = Utc::now();
    let db = &state.db;
    let _ = Keys::delete_many()
        .filter(K::CreatedAt.lt(now - Duration::hours(24)))
        .exec(db)
        .await;
    let claim = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        idempotency_key: Set(key.clone()),
        request_hash: Set(hash.clone()),
        status_code: Set(0),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    let row = match claim {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let (http, _) = req.into_parts();
            let existing = Keys::find()
                .filter(K::UserId.eq(user_id))
                .filter(K::IdempotencyKey.eq(key.as_str()))
                .one(db)
                .await
                .map_err(ApiError::from)?;
            return Ok(ServiceResponse::new(http, replay(existing, &hash)));
        }
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let response = next.call(req).await?;
    let (http, response) = response.into_parts();
    let status = response.status();
    let mut kept = serde_json::Map::new();
    for name in KEPT_HEADERS {
        if let Some(v) = response.headers().get(&name).and_then(|v| v.to_str().ok()) {
            kept.insert(name.as_str().to_string(), v.into());
        }
    }
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("reading a response body failed")))?;
    let kept_so_far: i64 = Keys::find()
        .select_only()
        .column_as(
            Expr::cust("COALESCE(SUM(LENGTH(response_body)), 0)"),
            "kept",
        )
        .filter(K::UserId.eq(user_id))
        .into_tuple::<i64>()
        .one(db)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    let keep_body =
        bytes.len() <= MAX_KEPT_ANSWER && kept_so_far + bytes.len() as i64 <= MAX_KEPT_PER_USER;
    if !keep_body {
        kept.insert(NOT_KEPT.to_string(), bytes.len().into());
    }
    let stored = if status.is_server_error() {
        Keys::delete_by_id(row.id).exec(db).await.map(|_| ())
    } else {
        Keys::update_many()
            .col_expr(K::StatusCode, Expr::value(i32::from(status.as_u16())))
            .col_expr(
                K::ResponseHeaders,
                Expr::value(serde_json::Value::Object(kept)),
            )
            .col_expr(
                K::ResponseBody,
                Expr::value(keep_body.then(|| String::from_utf8_lossy(&bytes).into_owned())),
            )
            .col_expr(K::UpdatedAt, Expr::value(Utc::now()))
            .filter(K::Id.eq(row.id))
            .exec(db)
            .await
            .map(|_| ())
    };
    if let Err(e) = stored {
        tracing::warn!(error = %e, "storing an idempotent answer failed");
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http, response))
}

/// Whether a `/sync/*` body asks for a dry run (`"dry_run": true`).
fn is_dry_run(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        dry_run: bool,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.dry_run)
}

fn replay(existing: Option<idempotency_key::Model>, hash: &str) -> HttpResponse {
    let Some(row) = existing else {
        return problem(ApiError::conflict(
            "the first request with this Idempotency-Key was not kept; retry",
        ));
    };
    if row.request_hash != hash {
        return problem(ApiError::invalid(
            ErrorCode::Duplicate,
            "Idempotency-Key",
            "this key was used for a different request; use a new key",
        ));
    }
    if row.status_code == 0 {
        return problem(ApiError::conflict(
            "the first request with this Idempotency-Key is still being answered; retry shortly",
        ));
    }
    let status = StatusCode::from_u16(row.status_code as u16).unwrap_or(StatusCode::OK);
    if let Some(size) = row
        .response_headers
        .as_ref()
        .and_then(|h| h.get(NOT_KEPT))
        .and_then(|v| v.as_u64())
    {
        return problem(ApiError::conflict(format!(
            "the first request with this Idempotency-Key was answered {} but its answer ({} \
             KiB) was too large to keep; it was not run again: read the result instead",
            status.as_u16(),
            size.div_ceil(1024)
        )));
    }
    let mut response = HttpResponse::build(status);
    if let Some(serde_json::Value::Object(headers)) = row.response_headers {
        for (name, value) in headers.into_iter().filter(|(n, _)| n != NOT_KEPT) {
            if let (Ok(n), Some(Ok(v))) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.insert_header((n, v));
            }
        }
    }
    response.insert_header((HeaderName::from_static("idempotency-replayed"), "true"));
    metrics::counter!("ntm_idempotent_replays_total").increment(1);
    response.body(row.response_body.unwrap_or_default())
}
