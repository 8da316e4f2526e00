//! One error type for the whole service, rendered as RFC 9457 `application/problem+json`.
//!
//! Handlers return [`Result<T>`]; whatever goes wrong becomes an [`ApiError`] whose
//! response names a problem `type`, a human `title` and `detail`, and for validation the
//! offending fields. Unexpected errors are logged with their cause chain and answered as an
//! opaque 500: a client never sees SQL or a stack trace.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Why a field was refused, stable for apps to branch on and translate: it never changes
/// with the language of `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing, blank, or needed by another field's value.
    Required,
    /// Shorter than allowed.
    TooShort,
    /// Longer than allowed (characters, items or amount).
    TooLong,
    /// A number or date outside its bounds, or out of order with another field.
    OutOfRange,
    /// Text that does not have the expected form (a code, a username, a date, UTF-8).
    InvalidFormat,
    /// A value of the wrong JSON type.
    InvalidType,
    /// Not one of the values allowed (an enum, a region, a unit type).
    UnknownValue,
    /// A field the request does not have (a typo would otherwise drop data silently).
    UnknownField,
    /// Refers to something that does not exist (a code, an id) on the day that matters.
    NotFound,
    /// Not allowed in this place or state (a province with a parent, a draft version).
    NotAllowed,
    /// The same value twice where it must be unique.
    Duplicate,
    /// Any other rule; `message` says which.
    Invalid,
}

impl ErrorCode {
    /// The code of one of serde's messages about a JSON body or a query.
    pub fn of_serde(message: &str) -> Self {
        if message.starts_with("missing field") {
            Self::Required
        } else if message.starts_with("unknown field") {
            Self::UnknownField
        } else if message.starts_with("unknown variant") {
            Self::UnknownValue
        } else if message.starts_with("invalid type") {
            Self::InvalidType
        } else if message.starts_with("invalid length") {
            Self::TooLong
        } else {
            Self::InvalidFormat
        }
    }
}

/// A field that failed validation: where, why in a word (`code`), why in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `criteria[3].indicators[0].code` or `page`.
    pub field: String,
    pub code: ErrorCode,
    /// Why the value was refused, in the language asked for (`Accept-Language`).
    pub message: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The error as answered: a value or field name the client sent is not echoed back
    /// whole (an 8 KB unknown field name would otherwise come back in the field and the
    /// message of every refused item of a batch). Quoted values in the message keep their
    /// first [`MAX_ECHOED`] characters; a field path keeps its first [`MAX_FIELD`].
    pub fn compact(&self) -> FieldError {
        // A NUL the client sent is named, not sent back: no text we answer holds one.
        let visible = |text: &str| text.replace('\0', "\\u0000");
        FieldError {
            field: shorten(&visible(&self.field), MAX_FIELD),
            code: self.code,
            message: shorten(&shorten_quoted(&visible(&self.message)), MAX_MESSAGE),
        }
    }
}

/// Longest field path answered, in characters.
pub const MAX_FIELD: usize = 120;
/// Longest quoted client value inside a message, in characters.
pub const MAX_ECHOED: usize = 40;
/// Longest message answered, in characters.
pub const MAX_MESSAGE: usize = 300;

/// `text` cut to `max` characters, the cut marked with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// Each `` `…` `` or `"…"` segment of a serde message cut to [`MAX_ECHOED`] characters.
fn shorten_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE * 4));
    let mut rest = message;
    while let Some(start) = rest.find(['`', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('`');
        let after = &rest[start + 1..];
        let Some(len) = after.find(quote) else { break };
        out.push_str(&rest[..=start]);
        out.push_str(&shorten(&after[..len], MAX_ECHOED));
        out.push(quote);
        rest = &after[len + 1..];
    }
    out.push_str(rest);
    out
}

/// Pushes an error unless `value` has 1 to `max` characters and is not blank.
pub fn check_text(value: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) {
    let code = if value.trim().is_empty() {
        ErrorCode::Required
    } else if value.chars().count() > max {
        ErrorCode::TooLong
    } else {
        return;
    };
    errors.push(FieldError::new(
        code,
        field,
        format!("1 to {max} characters"),
    ));
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "per_page", "code": "out_of_range", "message": "must be between 1 and 500"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem, stable for clients to branch on.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present on validation problems (422 and some 409).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A known path with a method it does not offer; `allow` lists those it does.
    #[error("method not allowed: {detail}")]
    MethodNotAllowed { detail: String, allow: String },
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A `Range` outside the content; `size` is its length (for `Content-Range`).
    #[error("range not satisfiable: {detail}")]
    RangeNotSatisfiable { detail: String, size: u64 },
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    #[error("too many requests: {detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} was not found"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn conflict_on(field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Conflict {
            errors: vec![FieldError::new(ErrorCode::Duplicate, field, detail.clone())],
            detail,
        }
    }

    /// A single invalid field.
    pub fn invalid(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(code, field, message)])
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("bad-request", "The request could not be read"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication is required"),
            Self::Forbidden(_) => ("forbidden", "This is outside your role or scope"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => {
                ("method-not-allowed", "This path does not offer this method")
            }
            Self::Conflict { .. } => ("conflict", "The request conflicts with current data"),
            Self::PreconditionFailed(_) => (
                "precondition-failed",
                "The resource changed since you read it",
            ),
            Self::PayloadTooLarge(_) => ("payload-too-large", "The request body is too large"),
            Self::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "The request body is not of a type this endpoint takes",
            ),
            Self::RangeNotSatisfiable { .. } => (
                "range-not-satisfiable",
                "The requested range is outside the content",
            ),
            Self::Validation(_) => ("validation", "The request has invalid fields"),
            Self::Unprocessable(_) => ("unprocessable", "The request cannot be carried out"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) => (
                "unavailable",
                "The service cannot reach its database right now",
            ),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, errors) = match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::PreconditionFailed(d)
            | Self::PayloadTooLarge(d)
            | Self::UnsupportedMediaType(d)
            | Self::Unprocessable(d)
            | Self::Unavailable(d) => (d.clone(), Vec::new()),
            Self::TooManyRequests { detail, .. }
            | Self::MethodNotAllowed { detail, .. }
            | Self::RangeNotSatisfiable { detail, .. } => (detail.clone(), Vec::new()),
            Self::Conflict { detail, errors } => (
                detail.clone(),
                errors.iter().map(FieldError::compact).collect(),
            ),
            Self::Validation(errors) => {
                let errors: Vec<FieldError> = errors.iter().map(FieldError::compact).collect();
                let n = errors.len();
                let detail = match errors.first() {
                    Some(e) if n == 1 => format!("{}: {}", e.field, e.message),
                    _ => format!("{n} fields are invalid"),
                };
                (detail, errors)
            }
            Self::Internal(_) => (
                "An unexpected error occurred; it has been logged with this request's id."
                    .to_string(),
                Vec::new(),
            ),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Validation(_) | Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(e) => tracing::error!(error = ?e, "request failed"),
            Self::Unavailable(d) => tracing::warn!(detail = %d, "database unavailable"),
            other => tracing::debug!(error = ?other.to_string(), "request refused"),
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Self::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Self::MethodNotAllowed { allow, .. } = self {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        if let Self::RangeNotSatisfiable { size, .. } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        if let Self::TooManyRequests { retry_after, .. } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        response.json(self.problem())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if is_connection_error(&err) {
            return Self::Unavailable(
                "the database did not answer; try again in a moment".to_string(),
            );
        }
        if is_unstorable_text(&err) {
            // The input layer refuses NUL characters naming the field; this is the net.
            return Self::Unprocessable(
                crate::decode::UNSTORABLE.replace("contains", "a text contains"),
            );
        }
        match err {
            DbErr::RecordNotFound(what) => Self::NotFound(what),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

/// PostgreSQL refusing text it cannot store: 22021 (a NUL byte), 22P05 (untranslatable).
fn is_unstorable_text(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "22021" || c == "22P05"),
        _ => false,
    }
}

fn is_connection_error(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            // PostgreSQL going away: class 08 (connection exception) and 57P01-57P03
            // (shut down by an administrator, crashed, not yet accepting connections).
            if let Some(code) = e.as_database_error().and_then(|d| d.code()) {
                return code.starts_with("08") || code.starts_with("57P");
            }
            matches!(
                e.as_ref(),
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::Tls(_)
            )
        }
        _ => false,
    }
}

/// Maps constraint violations of a database write to a client error naming the field,
/// in one place (docs/ARCHITECTURE.md, "Conventions worth knowing").
pub trait DbResultExt<T> {
    /// A unique-constraint violation becomes a 409 on `field`.
    fn on_unique(self, field: &str, message: &str) -> Result<T>;
}

impl<T> DbResultExt<T> for std::result::Result<T, DbErr> {
    fn on_unique(self, field: &str, message: &str) -> Result<T> {
        self.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict_on(field, message),
            _ => ApiError::from(err),
        })
    }
}

impl<T> DbResultExt<T> for Result<T> {
    fn on_unique(self, _field: &str, _message: &str) -> Result<T> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_echoed_values_are_cut_and_short_ones_kept() {
        let long = "x".repeat(1000);
        let error = FieldError::new(
            ErrorCode::UnknownValue,
            long.clone(),
            format!("unknown variant `{long}`, expected `xã` or `phường`"),
        )
        .compact();
        assert_eq!(error.field.chars().count(), MAX_FIELD);
        assert!(error.field.ends_with('…'));
        assert_eq!(
            error.message,
            format!(
                "unknown variant `{}…`, expected `xã` or `phường`",
                "x".repeat(MAX_ECHOED - 1)
            )
        );
        let short = FieldError::new(
            ErrorCode::UnknownValue,
            "type",
            "unknown variant \"ấp\", expected `xã`",
        );
        assert_eq!(short.compact(), short);
        let unclosed = FieldError::new(ErrorCode::Invalid, "name", "a `quote that never ends");
        assert_eq!(unclosed.compact(), unclosed);
    }
}
