//! Prometheus metrics (`GET /metrics`, text format), recorded with the `metrics` facade and
//! rendered by `metrics-exporter-prometheus`: no hand-formatted text.
//!
//! What is measured (names as scraped):
//! - `ntm_http_requests_total` and `ntm_http_request_duration_seconds` (histogram), by
//!   `method`, `route` (the route template, e.g. `/api/v1/communes/{code}`; `unmatched` for
//!   paths no route takes, so a scanner cannot blow up the series) and `status`;
//! - `ntm_db_pool_connections` by `state` (`in_use`, `idle`) and `ntm_db_pool_max`,
//!   sampled at each scrape, and `ntm_db_pool_acquire_seconds`: how long the scrape itself
//!   waited for a connection (up to 1 s). sqlx does not count the tasks waiting for a
//!   connection, so waiting is measured by taking one: near 0 while connections are free,
//!   rising when requests queue for them;
//! - `ntm_unit_snapshot_rebuilds_total`, `ntm_unit_feed_behind` (unit changes in the feed
//!   not yet in this process's snapshot) and `ntm_unit_poll_last_success_timestamp_seconds`
//!   (alert on `time() - x` growing: the poller cannot reach the database);
//! - `ntm_login_throttled_total` (429 on `/auth/token`), `ntm_idempotent_replays_total`;
//! - `ntm_sync_items_total` by `entity` and `outcome` (`created`, `updated`, `unchanged`,
//!   `error`): `POST /sync/*` and `ntm-api import`, which share the code path;
//! - `ntm_build_info` (1, with `version`).
//!
//! Where it is served (never to the public API's anonymous callers): on a separate address
//! (`NTM_METRICS_BIND`, e.g. `127.0.0.1:9100`, for a scraper on the same host or network),
//! and/or on the public address behind `Authorization: Bearer $NTM_METRICS_TOKEN`. Without a
//! token the public address answers `/metrics` with 404.
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Latency buckets in seconds: lookups answer in well under a millisecond, reports and
/// batches in up to seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: every app a test
/// builds shares it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("ntm_http_request_duration_seconds".into()),
                &BUCKETS,
            )
            .expect("static buckets are valid")
            .install_recorder()
            .expect("the metrics recorder is installed once");
        metrics::describe_counter!("ntm_http_requests_total", "HTTP requests answered");
        metrics::describe_histogram!(
            "ntm_http_request_duration_seconds",
            metrics::Unit::Seconds,
            "Time to answer an HTTP request"
        );
        metrics::gauge!("ntm_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Counts and times every request by route template, method and status.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("ntm_http_requests_total", &labels).increment(1);
    metrics::histogram!("ntm_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// Where `/metrics` may be read on the public address.
#[derive(Clone)]
pub struct PublicAccess {
    /// `NTM_METRICS_TOKEN`; `None`: not served on the public address.
    pub token: Option<String>,
}

/// `GET /metrics` on the public address: 404 without a configured token, 401 with a wrong
/// or missing one.
pub async fn public_metrics(
    req: HttpRequest,
    access: web::Data<PublicAccess>,
    db: web::Data<DatabaseConnection>,
) -> HttpResponse {
    let Some(expected) = access.token.as_deref() else {
        return HttpResponse::NotFound().finish();
    };
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
            .finish();
    }
    render(&db).await
}

/// `GET /metrics` on the metrics address (no token: the address is the protection).
pub async fn private_metrics(db: web::Data<DatabaseConnection>) -> HttpResponse {
    render(&db).await
}

async fn render(db: &DatabaseConnection) -> HttpResponse {
    sample_pool(db).await;
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(handle().render())
}

/// The pool's connections now, and how long taking one takes.
async fn sample_pool(db: &DatabaseConnection) {
    const PATIENCE: Duration = Duration::from_secs(1);
    let started = Instant::now();
    let (size, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            let (size, idle) = (pool.size(), pool.num_idle() as u32);
            let _ = tokio::time::timeout(PATIENCE, pool.acquire()).await;
            (size, idle, pool.options().get_max_connections())
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            let (size, idle) = (pool.size(), pool.num_idle() as u32);
            let _ = tokio::time::timeout(PATIENCE, pool.acquire()).await;
            (size, idle, pool.options().get_max_connections())
        }
        _ => return,
    };
    metrics::gauge!("ntm_db_pool_acquire_seconds").set(started.elapsed().as_secs_f64());
    metrics::gauge!("ntm_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("ntm_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("ntm_db_pool_max").set(f64::from(max));
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
