//! HTTP handlers, one module per resource, each with `configure`.
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod commune_status;
pub mod criteria;
pub mod designations;
pub mod documents;
pub mod health;
pub mod recognitions;
pub mod registrations;
pub mod reports;
pub mod sponsorships;
pub mod sync;
pub mod units;
pub mod users;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
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

/// Whether the client asked for CSV (`Accept: text/csv`), as the reports and the audit
/// trail answer for spreadsheets.
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// A CSV answer downloaded as `{name}.csv`.
pub fn csv_attachment(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body)
}

/// The whole body of an answer a middleware reads (to tag or translate it), when it has at
/// most `limit` bytes; `None` when it is larger (no answer of this service is: lists are
/// capped, batches bounded).
pub async fn buffered_body(
    body: actix_web::body::BoxBody,
    limit: usize,
) -> Result<Option<actix_web::web::Bytes>, actix_web::Error> {
    match actix_web::body::to_bytes_limited(body, limit).await {
        Ok(Ok(bytes)) => Ok(Some(bytes)),
        Ok(Err(e)) => Err(actix_web::error::ErrorInternalServerError(e)),
        Err(_) => Ok(None),
    }
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
    designations::configure(cfg);
    documents::configure(cfg);
    reports::configure(cfg);
    sponsorships::configure(cfg);
    changes::configure(cfg);
    sync::configure(cfg);
    audit::configure(cfg);
}

/// The paths of the OpenAPI document and the methods each offers: a request no route took
/// is a 405 with `Allow` when its path is one of these, a 404 otherwise.
pub struct KnownPaths(Vec<(Vec<Option<String>>, String)>);

impl KnownPaths {
    /// From the document; `{name}` segments match any one segment.
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut paths: Vec<(Vec<Option<String>>, String)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                    .collect();
                let mut methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                methods.sort_unstable();
                (segments, methods.join(", "))
            })
            .collect();
        paths.push((
            vec![
                Some(String::new()),
                Some("api-docs".into()),
                Some("openapi.json".into()),
            ],
            "GET".into(),
        ));
        KnownPaths(paths)
    }

    /// The `Allow` value of `path`, when the document has it. A literal segment wins over
    /// a parameter (`/communes/{code}/status`), as in routing.
    fn allow(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| match t {
                        Some(literal) => literal == s,
                        None => !s.is_empty(),
                    })
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| t.is_some()).count())
            .map(|(_, allow)| allow.as_str())
    }
}

/// Any request no route took: 405 on a known path, 404 otherwise.
pub async fn not_found(
    req: HttpRequest,
    known: web::Data<KnownPaths>,
) -> Result<actix_web::HttpResponse, ApiError> {
    if let Some(allow) = known.allow(req.path()) {
        return Err(ApiError::MethodNotAllowed {
            detail: format!(
                "{} does not offer {}; it offers {allow}",
                req.path(),
                req.method()
            ),
            allow: allow.to_string(),
        });
    }
    Err(ApiError::NotFound(format!(
        "no such path: {} {}; see /swagger-ui/ for what this API offers",
        req.method(),
        req.path()
    )))
}
