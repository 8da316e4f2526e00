//! `Accept-Language`: errors in Vietnamese for those who ask for it.
//!
//! Every text the service writes is English at its source (see [`crate::i18n`]). When the
//! caller prefers Vietnamese (`Accept-Language: vi`, or `vi` ranked above `en`), this
//! middleware rewrites the human parts of error answers on their way out: a problem's
//! `title`, `detail` and each field `message`, and the same parts of the per-item results
//! of a sync batch (207). What an app branches on never changes with the language: problem
//! `type`, `status`, field paths and field `code`s. Answers that are not errors are data
//! and are left as they are. A text the catalogue does not know stays English.
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use serde_json::Value;

/// Error answers are small; a batch answer is at most a few MiB.
const MAX_REWRITTEN: usize = 32 * 1024 * 1024;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let vietnamese = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(prefers_vietnamese);
    let res = next.call(req).await?;
    if !vietnamese {
        return Ok(res.map_into_boxed_body());
    }
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    let batch = res.status() == StatusCode::MULTI_STATUS;
    if !problem && !batch {
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.map_into_boxed_body().into_parts();
    let (mut head, body) = response.into_parts();
    let Some(bytes) = crate::api::buffered_body(body, MAX_REWRITTEN).await? else {
        let response = head.set_body(BoxBody::new(()));
        return Ok(ServiceResponse::new(http_req, response));
    };
    let rewritten = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .map(|mut value| {
            if problem {
                translate_problem(&mut value);
            } else {
                translate_batch(&mut value);
            }
            serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec())
        });
    let headers = head.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi"));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    let body = match rewritten {
        Some(body) => BoxBody::new(body),
        None => BoxBody::new(bytes),
    };
    Ok(ServiceResponse::new(http_req, head.set_body(body)))
}

/// Whether `vi` ranks above `en` in an `Accept-Language` value (RFC 9110 section 12.5.4):
/// the highest quality of each language's tags (`vi`, `vi-VN`…; `*` counts for English,
/// the default), the earlier one on a tie.
pub fn prefers_vietnamese(value: &str) -> bool {
    let mut vi: Option<(f32, usize)> = None;
    let mut en: Option<(f32, usize)> = None;
    for (position, item) in value.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let slot = match primary {
            "vi" => &mut vi,
            "en" | "*" => &mut en,
            _ => continue,
        };
        if slot.is_none_or(|(q, _)| quality > q) {
            *slot = Some((quality, position));
        }
    }
    match (vi, en) {
        (Some((qv, _)), _) if qv <= 0.0 => false,
        (Some(_), None) => true,
        (Some((qv, pv)), Some((qe, pe))) => qv > qe || (qv == qe && pv < pe),
        (None, _) => false,
    }
}

fn translate(value: &mut Value) {
    if let Some(text) = value.as_str() {
        if let Some(vietnamese) = crate::i18n::vi(text) {
            *value = Value::String(vietnamese);
        }
    }
}

fn translate_errors(errors: Option<&mut Value>) {
    for error in errors.and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(message) = error.get_mut("message") {
            translate(message);
        }
    }
}

fn translate_problem(problem: &mut Value) {
    for key in ["title", "detail"] {
        if let Some(text) = problem.get_mut(key) {
            translate(text);
        }
    }
    translate_errors(problem.get_mut("errors"));
}

fn translate_batch(batch: &mut Value) {
    let results = batch.get_mut("results").and_then(Value::as_array_mut);
    for result in results.into_iter().flatten() {
        translate_errors(result.get_mut("errors"));
        if let Some(detail) = result.get_mut("problem").and_then(|p| p.get_mut("detail")) {
            translate(detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prefers_vietnamese;

    #[test]
    fn vietnamese_when_it_ranks_first() {
        assert!(prefers_vietnamese("vi"));
        assert!(prefers_vietnamese("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"));
        assert!(prefers_vietnamese("en;q=0.5, vi"));
        assert!(prefers_vietnamese("fr, vi;q=0.8"));
        assert!(!prefers_vietnamese("en, vi;q=0.5"));
        assert!(!prefers_vietnamese("en-US"));
        assert!(!prefers_vietnamese("vi;q=0"));
        assert!(!prefers_vietnamese("*, vi;q=0.5"));
        assert!(!prefers_vietnamese(""));
    }
}
