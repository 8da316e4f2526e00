//! Conditional reads (RFC 9110 section 13, RFC 9111): every successful `GET` under `/api`
//! carries an `ETag`, `If-None-Match` naming a current one answers `304 Not Modified` with
//! no body, and each answer says how it may be cached.
//!
//! - A resource keeps the strong ETag its handler sets (`"id-row_version"`, also used by
//!   `If-Match`); any other answer gets a weak one derived from its body (`W/"…"`: the
//!   first 128 bits of its SHA-256), so equal answers have equal tags on every instance.
//! - `Cache-Control`: anonymous reads are the same for everyone (public reference data:
//!   units, published criteria, reports) and may be reused for [`PUBLIC_MAX_AGE`] seconds,
//!   then revalidated; signed-in reads depend on the caller, so they are `private, no-cache`
//!   (kept on the device, revalidated each time: a 304 costs a few hundred bytes).
//!   `/api/v1/auth/*` stays `no-store` (see `startup::security_headers`).
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

/// Seconds a public (anonymous) read may be reused before it is revalidated.
pub const PUBLIC_MAX_AGE: u32 = 300;

/// Answers larger than this are passed through without a body-derived tag (none is this
/// large today: lists are capped at 500 items).
const MAX_HASHED: usize = 32 * 1024 * 1024;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let applies = req.method() == Method::GET && req.path().starts_with("/api/");
    if !applies {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let public = !req.headers().contains_key(header::AUTHORIZATION);
    let res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let mut response = response.map_into_boxed_body();
    let etag = match response.headers().get(header::ETAG).cloned() {
        Some(etag) => etag,
        None => {
            let (head, body) = response.into_parts();
            let Some(bytes) = crate::api::buffered_body(body, MAX_HASHED).await? else {
                let response = head.set_body(BoxBody::new(()));
                return Ok(ServiceResponse::new(http_req, response));
            };
            let tag = weak_tag(&bytes);
            response = head.set_body(BoxBody::new(bytes));
            let value = HeaderValue::from_str(&tag).expect("hex is a valid header value");
            response.headers_mut().insert(header::ETAG, value.clone());
            value
        }
    };
    let cache_control = if public {
        HeaderValue::from_str(&format!("public, max-age={PUBLIC_MAX_AGE}"))
            .expect("a valid header value")
    } else {
        HeaderValue::from_static("private, no-cache")
    };
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, cache_control);
    }
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Authorization, Accept, Accept-Language, Accept-Encoding"),
    );
    let matched = if_none_match
        .as_deref()
        .zip(etag.to_str().ok())
        .is_some_and(|(wanted, current)| matches_any(wanted, current));
    if !matched {
        return Ok(ServiceResponse::new(
            http_req,
            response.map_into_boxed_body(),
        ));
    }
    let mut not_modified = HttpResponse::NotModified();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(value) = response.headers().get(&name) {
            not_modified.insert_header((name.clone(), value.clone()));
        }
    }
    Ok(ServiceResponse::new(http_req, not_modified.finish()))
}

/// The weak tag of an answer without one of its own: the first 128 bits of the body's
/// SHA-256, so equal answers have equal tags on every instance.
pub fn weak_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("W/\"{}\"", hex::encode(&digest[..16]))
}

/// `If-None-Match` against the current tag: `*`, or any listed tag equal under weak
/// comparison (the `W/` prefix ignored on both sides).
fn matches_any(wanted: &str, current: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let current = opaque(current);
    wanted.trim() == "*" || wanted.split(',').any(|tag| opaque(tag) == current)
}

#[cfg(test)]
mod tests {
    use super::matches_any;

    #[test]
    fn weak_comparison_over_a_list() {
        assert!(matches_any("\"a\"", "\"a\""));
        assert!(matches_any("W/\"a\"", "\"a\""));
        assert!(matches_any("\"b\", W/\"a\"", "W/\"a\""));
        assert!(matches_any(" * ", "\"a\""));
        assert!(!matches_any("\"ab\"", "\"a\""));
        assert!(!matches_any("", "\"a\""));
    }
}
