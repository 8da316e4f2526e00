//! Request extractors that turn bad input into clear problems instead of generic errors.
//!
//! * [`ValidJson`] reads a JSON body with a size limit (413 past it), requires a JSON
//!   content type (415), answers malformed JSON with 400 and a well-formed body with
//!   wrong or missing fields with 422 naming the field path (`criteria[3].name`), then runs
//!   the type's own [`Validate`] rules.
//! * [`Pagination`] reads `page` and `per_page` (default 50, max 500).
//! * [`IfMatch`] reads the optional `If-Match` header of a conditional write.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};

/// Default limit of a JSON request body: 1 MiB. Batch endpoints configure a larger one.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Validation rules of a request body beyond its types. Pushes every problem found, so a
/// client learns all of them at once. Rules that need the database live in the services.
pub trait Validate {
    fn validate(&self, _errors: &mut Vec<FieldError>) {}
}

/// A JSON body, deserialized with field paths in errors and validated.
pub struct ValidJson<T>(pub T);

/// Body size limit for [`ValidJson`], set as app data on a scope or resource.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let essence = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        let limit = req
            .app_data::<BodyLimit>()
            .map(|l| l.0)
            .unwrap_or(DEFAULT_BODY_LIMIT);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json_type {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as JSON with `Content-Type: application/json`".into(),
                ));
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e: PayloadError| {
                    ApiError::BadRequest(format!("the request body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            let value = parse_json::<T>(&body)?;
            let mut errors = Vec::new();
            value.validate(&mut errors);
            if errors.is_empty() {
                Ok(ValidJson(value))
            } else {
                Err(ApiError::Validation(errors))
            }
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the body is larger than {} KiB; split it into smaller batches",
        limit / 1024
    ))
}

/// Parses JSON: syntax errors are 400, type errors are 422 with the field path.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest(format!(
                "the body is not valid JSON (line {}, column {}): {inner}",
                inner.line(),
                inner.column()
            )),
            Category::Data => {
                let message = strip_position(&inner.to_string());
                ApiError::invalid(field_of(&path, &message), message)
            }
        }
    })
}

/// The path of the offending field; for a missing or unknown field serde names it in the
/// message, below the path where it was looked for.
pub(crate) fn field_of(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (p, Some(name)) if !p.ends_with(name) => format!("{p}.{name}"),
        (p, _) => p.to_string(),
    }
}

pub(crate) fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A query string, deserialized with the field named in errors (422).
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            "query".to_string()
        } else {
            path
        };
        ApiError::invalid(field, err.into_inner().to_string())
    })
}

/// `page` (from 1) and `per_page` (default 50, at most 500) of a list request.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Page number, from 1 (at most 1,000,000).
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1 to 500.
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<u64>,
}

pub const MAX_PER_PAGE: u64 = 500;
/// Keeps `(page - 1) * per_page` far from overflowing.
pub const MAX_PAGE: u64 = 1_000_000;
pub const DEFAULT_PER_PAGE: u64 = 50;

impl Pagination {
    /// Checked page and page size.
    pub fn resolve(&self) -> Result<PageRequest, ApiError> {
        let mut errors = Vec::new();
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(FieldError::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok(PageRequest { page, per_page })
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A checked [`Pagination`]: `page` from 1, `per_page` within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// The rows before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
    }

    /// This page of a list of `total` items.
    pub fn page_of<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total,
        }
    }
}

/// A page of a list: `{"items": [...], "page", "per_page", "total"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl<T> Page<T> {
    /// The same page with each item turned into its view.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

/// The `If-Match` header of a conditional write, when the client sent one.
pub struct IfMatch(pub Option<String>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().map(|s| s.trim().to_string()));
        std::future::ready(match value {
            None => Ok(IfMatch(None)),
            Some(Ok(v)) => Ok(IfMatch(Some(v))),
            Some(Err(_)) => Err(ApiError::BadRequest(
                "the If-Match header is not readable text".into(),
            )),
        })
    }
}

impl IfMatch {
    /// 412 unless the header is absent, `*`, or names `current` (weak or strong form).
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        match &self.0 {
            None => Ok(()),
            Some(v) if v == "*" => Ok(()),
            Some(v) => {
                let matches = v
                    .split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == current);
                if matches {
                    Ok(())
                } else {
                    Err(ApiError::PreconditionFailed(format!(
                        "If-Match {v} does not match the current ETag {current}; read the resource again"
                    )))
                }
            }
        }
    }

    /// The row version the client expects, when its tag is one of ours.
    pub fn expected_version(&self) -> Option<i32> {
        self.0.as_deref().and_then(parse_etag_version)
    }
}

/// ETag of a row with an id and a version counter: `"<id>-<version>"`.
pub fn etag(id: i32, row_version: i32) -> String {
    format!("\"{id}-{row_version}\"")
}

fn parse_etag_version(tag: &str) -> Option<i32> {
    let t = tag.trim().trim_start_matches("W/").trim_matches('"');
    t.rsplit_once('-').and_then(|(_, v)| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        value: f64,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let err = parse_json::<Outer>(br#"{"items":[{"value":1},{"value":"x"}]}"#).unwrap_err();
        match err {
            ApiError::Validation(errors) => assert_eq!(errors[0].field, "items[1].value"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named() {
        match parse_json::<Outer>(br#"{"items":[{}]}"#).unwrap_err() {
            ApiError::Validation(errors) => assert_eq!(errors[0].field, "items[0].value"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse_json::<Outer>(b"{\"items\": [").unwrap_err(),
            ApiError::BadRequest(_)
        ));
    }

    #[test]
    fn if_match_accepts_weak_and_lists() {
        let m = IfMatch(Some("W/\"3-2\", \"3-4\"".into()));
        assert!(m.check("\"3-4\"").is_ok());
        assert!(m.check("\"3-5\"").is_err());
        assert_eq!(IfMatch(Some("\"3-7\"".into())).expected_version(), Some(7));
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Q {
        page: Option<u64>,
        on: Option<chrono::NaiveDate>,
    }

    #[test]
    fn query_errors_name_the_field() {
        let q: Q = parse_query("page=2&on=2024-12-31").unwrap();
        assert_eq!(q.page, Some(2));
        match parse_query::<Q>("page=abc").unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e[0].field, "page"),
            other => panic!("unexpected {other:?}"),
        }
        match parse_query::<Q>("on=2024-13-01").unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e[0].field, "on"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn pagination_bounds() {
        let p = Pagination {
            page: Some(0),
            per_page: Some(501),
        };
        match p.resolve().unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
        let p = Pagination {
            page: None,
            per_page: None,
        };
        let request = p.resolve().unwrap();
        assert_eq!(
            request,
            PageRequest {
                page: 1,
                per_page: 50
            }
        );
        let third = PageRequest {
            page: 3,
            per_page: 50,
        };
        assert_eq!(third.offset(), 100);
    }
}
