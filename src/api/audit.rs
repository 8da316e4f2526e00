//! The audit trail over HTTP: the middleware that gives each request its audit context
//! (and records refused writes of signed-in callers), `GET /audit` and
//! `GET /assessments/{id}/history`.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::access::{AuditReach, Caller};
use crate::error::{ApiError, ErrorCode, FieldError, Result};
use crate::extract::ValidQuery;
use crate::pagination::{Page, Pagination};
use crate::services::audit::{self, AuditEntryView, AuditFilter, Context, Event};
use crate::state::AppState;

/// Gives the request its audit context: request id, client address, user agent and the
/// route (`PATCH /api/v1/provinces/{code}`); the caller extractor adds the actor. A write
/// refused with 403 to a signed-in caller is recorded with what was attempted; anonymous
/// refusals are not (anyone could fill the table with them).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().clone();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| req.path().to_string());
    let mut context = Context::new(format!("{method} {route}"));
    context.request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    context.client_addr = req.peer_addr().map(|a| a.ip().to_string());
    context.user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let path = req.path().to_string();
    audit::scope(context, async move {
        let res = next.call(req).await?;
        let write = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        if write && res.status() == StatusCode::FORBIDDEN {
            if let (Some(actor), Some(state)) = (audit::current_actor(), state) {
                let detail = res
                    .response()
                    .error()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "refused".into());
                let event = Event::new("request", path, "forbidden")
                    .province(actor.province.as_deref())
                    .detail(detail);
                if let Err(e) = audit::append_alone(&state.db, event).await {
                    tracing::error!(error = %e, "the refused attempt could not be recorded in the audit trail");
                }
            }
        }
        Ok(res)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `unit`, `criteria_set`, `criteria_version`, `assessment`, `recognition`,
    /// `registration`, `agency`, `sponsorship`, `user`, `session`, `request`,
    /// `reference` or `audit`.
    #[param(max_length = 32)]
    pub entity: Option<String>,
    /// The entity's key (an id; `level:code:valid_from` for units; the path for `request`).
    #[param(max_length = 300)]
    pub key: Option<String>,
    /// The actor's username.
    #[param(max_length = 64)]
    pub actor: Option<String>,
    /// `create`, `update`, `delete`, `login`, `login_failed`, `refresh`, `refresh_reuse`,
    /// `logout`, `password_change`, `forbidden`, `load` or `prune`.
    #[param(max_length = 32)]
    pub operation: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    #[serde(default, deserialize_with = "crate::decode::dates::optional_instant")]
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant (RFC 3339); after `from`.
    #[serde(default, deserialize_with = "crate::decode::dates::optional_instant")]
    pub to: Option<DateTime<Utc>>,
    /// The `X-Request-Id` of the request that wrote the entries.
    #[param(max_length = 64)]
    pub request_id: Option<String>,
}

/// The audit trail, newest first: every successful write (who, when, from where, through
/// which path, each changed field before and after) and the security events (logins, failed
/// logins, refresh-token reuse, logouts, password changes, writes refused with 403).
/// Admins read every entry; province officers the entries about their province, its units
/// and its users. `Accept: text/csv` answers every matching entry (at most 100,000; narrow
/// `from`/`to` for more) as a CSV for inspectors, UTF-8 with BOM.
#[utoipa::path(
    operation_id = "list_audit_entries",
    tag = "audit",
    params(AuditQuery, Pagination),
    responses(
        (status = 200, content(
            (Page<AuditEntryView> = "application/json"),
            (String = "text/csv", example = "id,at,actor,actor_role,actor_scope,request_id,client_addr,via,entity,key,operation,province_code,changes,detail,hash\n")
        )),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
    caller: Caller,
    query: ValidQuery<AuditQuery>,
    pagination: ValidQuery<Pagination>,
) -> Result<HttpResponse> {
    let reach = caller.audit_reach()?;
    let page = pagination.0.resolve()?;
    let q = query.0;
    let mut errors = Vec::new();
    for (field, value, max) in [
        ("entity", &q.entity, 32),
        ("key", &q.key, 300),
        ("actor", &q.actor, 64),
        ("operation", &q.operation, 32),
        ("request_id", &q.request_id, 64),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                field,
                format!("at most {max} characters"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to <= from {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "to",
                "must be after `from`",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = AuditFilter {
        entity: q.entity,
        key: q.key,
        actor: q.actor,
        operation: q.operation,
        from: q.from,
        to: q.to,
        request_id: q.request_id,
    };
    if crate::api::wants_csv(&request) {
        let body = audit::to_csv(&state.db, &reach, &filter).await?;
        return Ok(crate::api::csv_attachment("audit", body));
    }
    Ok(HttpResponse::Ok().json(audit::list(&state.db, &reach, &filter, page).await?))
}

/// Who changed this assessment and how, newest first: its creation, each indicator value
/// and decision with its old and new value (`values.<indicator>`, `decisions.<criterion>`),
/// each workflow step, with author, time and path. For signed-in users who may read the
/// assessment; the client address and user agent only for those who read the audit trail.
#[utoipa::path(
    operation_id = "get_assessment_history",
    tag = "assessments",
    params(("id" = i32, Path), Pagination),
    responses(
        (status = 200, body = Page<AuditEntryView>),
        (status = 401, response = crate::openapi::responses::Unauthorized),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/assessments/{id}/history")]
pub async fn assessment_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i32>,
    pagination: ValidQuery<Pagination>,
) -> Result<web::Json<Page<AuditEntryView>>> {
    let page = pagination.0.resolve()?;
    let m = crate::services::assessments::get_visible(&state.db, Some(&caller), *id).await?;
    let filter = AuditFilter {
        entity: Some("assessment".into()),
        key: Some(m.id.to_string()),
        ..Default::default()
    };
    let mut entries = audit::list(&state.db, &AuditReach::All, &filter, page).await?;
    if caller.audit_reach().is_err() {
        for entry in &mut entries.items {
            entry.client_addr = None;
            entry.user_agent = None;
        }
    }
    Ok(web::Json(entries))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(assessment_history);
}
