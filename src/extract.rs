//! Request extractors that turn bad input into clear problems instead of generic errors.
//!
//! * [`ValidJson`] reads a JSON body with a size limit (413 past it), requires a JSON
//!   content type (415), answers malformed JSON with 400 and a well-formed body with
//!   wrong or missing fields with 422 naming the field path (`criteria[3].name`), then runs
//!   the type's own [`Validate`] rules.
//! * [`CsvBody`] reads a `text/csv` body (a spreadsheet upload) with the same limits.
//! * [`ValidQuery`] reads a query string, naming the field in errors (422).
//! * [`IfMatch`] reads the optional `If-Match` header of a conditional write.

use crate::error::ErrorCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::decode::{parse_json, parse_query};
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
        let json_type = content_type_is(req, |essence| {
            essence == "application/json" || essence.ends_with("+json")
        });
        let body = read_body(req, payload);
        Box::pin(async move {
            if !json_type {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as JSON with `Content-Type: application/json`".into(),
                ));
            }
            let body = body.await?;
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

/// Whether the request's `Content-Type` (without parameters, lower case) passes `accept`.
fn content_type_is(req: &HttpRequest, accept: impl Fn(&str) -> bool) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            accept(
                &v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase(),
            )
        })
        .unwrap_or(false)
}

/// The whole body, refused with 413 past the route's [`BodyLimit`] (or the default) as
/// soon as its declared length or the bytes received pass it.
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::BytesMut, ApiError>> {
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
    async move {
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
        Ok(body)
    }
}

/// A `text/csv` body (415 otherwise), read whole within the body limit.
pub struct CsvBody(pub web::Bytes);

impl FromRequest for CsvBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let csv_type = content_type_is(req, |essence| essence == "text/csv");
        let body = read_body(req, payload);
        Box::pin(async move {
            if !csv_type {
                return Err(ApiError::UnsupportedMediaType(
                    "send the spreadsheet as CSV with `Content-Type: text/csv`".into(),
                ));
            }
            Ok(CsvBody(body.await?.freeze()))
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the body is larger than {} KiB; split it into smaller batches",
        limit / 1024
    ))
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

/// Refuses a request whose path holds a NUL character (`%00`) or bytes that are no UTF-8,
/// before any handler reads it: the database cannot store or compare such text (see
/// [`crate::decode::UNSTORABLE`]). Queries and bodies are checked where they are decoded.
pub async fn refuse_unstorable_path(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Err(why) = crate::decode::percent_decoded(req.path()) {
        return Err(ApiError::invalid(ErrorCode::InvalidFormat, "path", why).into());
    }
    next.call(req).await
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
            Some(Ok(v)) if is_entity_tag_list(&v) => Ok(IfMatch(Some(v))),
            Some(Ok(_)) => Err(ApiError::invalid(
                ErrorCode::InvalidFormat,
                "If-Match",
                "must be `*` or the ETag as read, e.g. \"12-3\" (a list of them separated by commas)",
            )),
            Some(Err(_)) => Err(ApiError::invalid(
                ErrorCode::InvalidFormat,
                "If-Match",
                "is not readable text: send the ETag as read",
            )),
        })
    }
}

/// `*`, or entity tags (`"…"` or `W/"…"`, visible ASCII but `"` inside) separated by
/// commas: RFC 9110 section 8.8.3, as the document's pattern for `If-Match` states.
fn is_entity_tag_list(value: &str) -> bool {
    if value.trim() == "*" {
        return true;
    }
    value.split(',').all(|tag| {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag.len() >= 2
            && tag.starts_with('"')
            && tag.ends_with('"')
            && tag[1..tag.len() - 1]
                .bytes()
                .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
    })
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

    /// The write path of a row-versioned resource, in one call: 412 unless the header
    /// matches the row as read ([`IfMatch::check`]), then the `row_version` the conditional
    /// write must find (the client's, or the one read when it sent none).
    pub fn version_to_write(&self, id: i32, row_version: i32) -> Result<i32, ApiError> {
        self.check(&etag(id, row_version))?;
        Ok(self.expected_version().unwrap_or(row_version))
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

    #[test]
    fn if_match_accepts_weak_and_lists() {
        let m = IfMatch(Some("W/\"3-2\", \"3-4\"".into()));
        assert!(m.check("\"3-4\"").is_ok());
        assert!(m.check("\"3-5\"").is_err());
        assert_eq!(IfMatch(Some("\"3-7\"".into())).expected_version(), Some(7));
    }
}
