//! Building the application: database, migrations, reference data, first admin, HTTP
//! server. `main` and every test call [`Application::build`], so tests run the real app.
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpMessage, HttpServer};
use migration::MigratorTrait;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, EntityTrait, PaginatorTrait};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi as _;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::tokens::TokenKeys;
use crate::config::{redact_url, Config};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{api, auth, openapi, reference};

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics address's server and port (`NTM_METRICS_BIND`), when configured.
    metrics: Option<(Server, u16)>,
    db: DatabaseConnection,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = connect(&config).await?;
        let start_up = crate::services::audit::Context::new("ntm-api start-up");
        crate::services::audit::scope(start_up, prepare_database(&db, &config)).await?;
        let secret = match &config.jwt_secret {
            Some(s) if !s.is_empty() => {
                auth::tokens::check_secret(s.as_bytes()).map_err(|e| anyhow::anyhow!(e))?;
                s.as_bytes().to_vec()
            }
            _ => {
                tracing::warn!(
                    "NTM_JWT_SECRET is not set: tokens are signed with a random key and die with this process"
                );
                auth::tokens::random_secret()
            }
        };
        let units = std::sync::Arc::new(crate::services::unit_cache::UnitCache::default());
        crate::services::unit_cache::UnitCache::watch(
            std::sync::Arc::downgrade(&units),
            db.clone(),
            Duration::from_secs(2),
        );
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens: TokenKeys::new(&secret),
            units,
            logins: crate::services::logins::LoginLimits {
                window: chrono::Duration::minutes(15),
                per_user: config.login_failures_per_user,
                per_address: config.login_failures_per_address,
            },
            signed_in: crate::services::signed_in::SignedInUsers::new(Duration::from_secs(
                config.user_cache_seconds,
            )),
            criteria_versions: Default::default(),
            trees: Default::default(),
            assessment_views: Default::default(),
            documents: document_store(&config)?,
        });
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let doc = openapi_document();
        let known_paths = web::Data::new(api::KnownPaths::from_document(&doc));
        let cors_origins = config.cors_origins.clone();
        crate::metrics::handle();
        let pool = web::Data::new(db.clone());
        let metrics_pool = pool.clone();
        let metrics_access = web::Data::new(crate::metrics::PublicAccess {
            token: config.metrics_token.clone().filter(|t| !t.is_empty()),
        });
        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(openapi::ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(known_paths.clone())
                .app_data(pool.clone())
                .app_data(metrics_access.clone())
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("the path is not valid: {e}")).into()
                }))
                .configure(routes)
                .split_for_parts();
            app.service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .url("/api-docs/openapi.json", doc.clone())
                    // The token stays in the page's memory, not in localStorage.
                    .config(utoipa_swagger_ui::Config::default().persist_authorization(false)),
            )
            .service(web::redirect("/swagger-ui", "/swagger-ui/"))
            // Operations, not the API: left out of the OpenAPI document (see metrics.rs).
            .route("/metrics", web::get().to(crate::metrics::public_metrics))
            .default_service(web::to(api::not_found))
            .wrap(actix_web::middleware::from_fn(
                crate::api::audit::middleware,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::idempotency::middleware,
            ))
            .wrap(actix_web::middleware::from_fn(crate::language::middleware))
            .wrap(actix_web::middleware::from_fn(
                crate::extract::refuse_unstorable_path,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::conditional::middleware,
            ))
            .wrap(actix_web::middleware::from_fn(security_headers))
            .wrap(actix_web::middleware::Compress::default())
            .wrap(cors(cors_origins.as_deref()))
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                let request_id = req.extensions().get::<RequestId>().copied();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    if let Some(id) = request_id {
                        if let Ok(value) = id.to_string().parse() {
                            res.headers_mut().insert(
                                actix_web::http::header::HeaderName::from_static("x-request-id"),
                                value,
                            );
                        }
                    }
                    Ok(res)
                }
            })
            .wrap(actix_web::middleware::from_fn(crate::metrics::middleware))
            .wrap(TracingLogger::default())
        })
        // Answers are often written in two parts (a compressed body streams its last chunk
        // after the first): with Nagle's algorithm on, the second waits for the client's
        // delayed ACK, about 40 ms per gzip answer. Measured in docs/BENCHMARKS.md.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .listen(listener)?
        // SIGTERM/SIGINT: stop accepting at once, let requests in flight finish for this
        // long, then close (actix's graceful stop).
        .shutdown_timeout(config.shutdown_grace_seconds);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        tracing::info!(port, "listening");
        let metrics = match config.metrics_bind.as_deref() {
            None => None,
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {bind} for metrics: {e}"))?;
                let metrics_port = listener.local_addr()?.port();
                let pool = metrics_pool;
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(pool.clone())
                        .route("/metrics", web::get().to(crate::metrics::private_metrics))
                })
                .workers(1)
                .listen(listener)?
                .shutdown_timeout(config.shutdown_grace_seconds)
                .run();
                tracing::info!(port = metrics_port, "metrics listening");
                Some((server, metrics_port))
            }
        };
        Ok(Application {
            port,
            server: server.run(),
            metrics,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The port of the metrics address, when `NTM_METRICS_BIND` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            None => self.server.await,
            Some((metrics, _)) => {
                futures_util::future::try_join(self.server, metrics).await?;
                Ok(())
            }
        }
    }
}

/// Content-Security-Policy of Swagger UI: its own scripts and styles (it sets inline
/// styles), icons as data URIs, requests to this origin only, and no framing.
const SWAGGER_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";
/// Content-Security-Policy of everything else (JSON, CSV, problems): nothing to load, no
/// framing.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Headers every answer carries: a Content-Security-Policy, no MIME sniffing, no framing,
/// no referrer; and `Cache-Control: no-store` on `/api/v1/auth/*`, whose answers hold
/// tokens (RFC 6749 section 5.1).
async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header::{self, HeaderValue};
    let path = req.path();
    let csp = if path.starts_with("/swagger-ui") {
        SWAGGER_CSP
    } else {
        API_CSP
    };
    let tokens = path.starts_with("/api/v1/auth/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if tokens {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    Ok(res)
}

fn cors(origins: Option<&str>) -> actix_cors::Cors {
    let base = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::IF_NONE_MATCH,
            actix_web::http::header::ACCEPT_LANGUAGE,
            actix_web::http::header::ACCEPT,
            actix_web::http::header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            actix_web::http::header::ETAG,
            actix_web::http::header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    match origins.map(str::trim) {
        None | Some("") => base,
        Some("*") => base.allow_any_origin(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .fold(base, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// Every route of the service, with its OpenAPI description collected by utoipa.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::health::health)
        .service(api::health::ready)
        .service(scope::scope("/api/v1").configure(api::configure));
}

/// The OpenAPI document, generated from the handlers and their types.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let mut doc = doc;
    openapi::add_common_responses(&mut doc);
    openapi::finish(&mut doc);
    doc
}

/// The document storage and limits of `config` (the store is opened, a folder created).
pub fn document_store(
    config: &Config,
) -> anyhow::Result<crate::services::documents::DocumentStore> {
    crate::services::documents::storage::install_tls();
    let storage = crate::services::documents::Storage::open(&config.storage_location())?;
    let limits =
        crate::services::documents::Limits::new(config.document_max_bytes, &config.document_types)?;
    tracing::info!(storage = %storage.describe, max_bytes = limits.max_bytes, "document storage");
    Ok(crate::services::documents::DocumentStore { storage, limits })
}

/// Connects to SQLite (WAL, foreign keys, busy timeout) or PostgreSQL.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    // SQLite has one writer at a time and a page cache per connection: a few connections
    // serve it best.
    let sqlite = config.database_url.starts_with("sqlite");
    let max = if sqlite {
        config.db_max_connections.min(8)
    } else {
        config.db_max_connections
    };
    // PostgreSQL: open every connection now, on the main runtime, and keep them. A
    // connection's socket belongs to the runtime that opened it, and each HTTP worker has
    // its own runtime, which ends when the worker stops: during a graceful shutdown an idle
    // worker stops first, and a connection it had opened would die under a request still
    // running on another worker (tests/api/operations.rs, sigterm_under_load_…). The pool's
    // own task replaces a closed connection, on the main runtime too. (SQLite connections
    // run on threads of their own.)
    let min = if sqlite { 0 } else { max };
    options
        .max_connections(max)
        .min_connections(min)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot connect to the database {}: {e}",
            redact_url(&config.database_url)
        )
    })
}

/// Applies migrations; on an empty database loads the reference data and creates the first
/// admin.
pub async fn prepare_database(db: &DatabaseConnection, config: &Config) -> anyhow::Result<()> {
    migration::Migrator::up(db, None).await?;
    reference::load_if_empty(db, &config.reference_data).await?;
    crate::services::assessments::evaluate_unjudged(db)
        .await
        .map_err(|e| anyhow::anyhow!("evaluating older assessments failed: {e}"))?;
    let users = entity::user::Entity::find().count(db).await?;
    if users == 0 {
        let (password, generated) = match &config.admin_password {
            Some(p) if !p.is_empty() => (p.clone(), false),
            _ => (crate::domain::password::generate(), true),
        };
        crate::services::users::create_user(
            db,
            "admin",
            &password,
            crate::access::Role::Admin,
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the first admin failed: {e}"))?;
        if generated {
            println!(
                "\n  First admin created: username `admin`, password `{password}`\n  \
                 It is shown once; set NTM_ADMIN_PASSWORD on an empty database to choose it.\n"
            );
        } else {
            tracing::info!("first admin `admin` created with the password from NTM_ADMIN_PASSWORD");
        }
    }
    Ok(())
}
