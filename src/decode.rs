//! Decoding request input (JSON bodies and query strings) into typed values, with the
//! path of the offending field in every error. No HTTP here: the extractors in
//! [`crate::extract`] and the per-item parsing of sync batches ([`crate::services::sync`])
//! both use it.
use crate::error::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Why a text cannot be stored: the databases keep no NUL character (PostgreSQL refuses it
/// in text), so it is refused at the input, naming the field, on every backend alike.
pub const UNSTORABLE: &str = "contains a NUL character (U+0000), which cannot be stored";

/// Why a JSON string with an unpaired UTF-16 surrogate escape (`\ud800`) is refused: it
/// stands for no character, so no database can store it as text.
pub const LONE_SURROGATE: &str =
    "contains a lone UTF-16 surrogate (such as \\ud800), which is no character";

/// Why percent-encoded bytes that are no UTF-8 (`%FF`, `%ED%A0%80`) are refused rather than
/// replaced by U+FFFD, which would store something other than what was sent.
pub const NOT_UTF8: &str = "is not UTF-8 text once percent-decoded";

/// `text` percent-decoded, or [`NOT_UTF8`]/[`UNSTORABLE`] when it holds no storable text.
pub fn percent_decoded(text: &str) -> Result<std::borrow::Cow<'_, str>, &'static str> {
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_err(|_| NOT_UTF8)?;
    if decoded.contains('\0') {
        return Err(UNSTORABLE);
    }
    Ok(decoded)
}

/// Parses JSON: syntax errors are 400, type errors are 422 with the field path, and a string
/// holding a NUL character is 422 naming its path.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    refuse_nul_in_json(body)?;
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax if is_surrogate_error(&inner, body) => ApiError::invalid(
                ErrorCode::InvalidFormat,
                field_of(&path, ""),
                LONE_SURROGATE,
            ),
            Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest(format!(
                "the body is not valid JSON (line {}, column {}): {inner}",
                inner.line(),
                inner.column()
            )),
            Category::Data => {
                let message = strip_position(&inner.to_string());
                ApiError::invalid(
                    ErrorCode::of_serde(&message),
                    field_of(&path, &message),
                    message,
                )
            }
        }
    })
}

/// Whether a JSON syntax error comes from a `\uD800`-`\uDFFF` escape that no other escape
/// completes into a pair (serde_json reports it as a bad hex escape or a lone surrogate).
fn is_surrogate_error(error: &serde_json::Error, body: &[u8]) -> bool {
    let message = error.to_string();
    (message.contains("surrogate") || message.contains("hex escape"))
        && body.windows(4).any(|w| {
            w[0] == b'\\'
                && w[1] == b'u'
                && matches!(w[2], b'd' | b'D')
                && matches!(w[3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
        })
}

/// 422 naming the first string (value or key) of a JSON body that holds a NUL character.
/// JSON can only carry one as the escape `\u0000`, so bodies without it pass at the cost of
/// one scan.
fn refuse_nul_in_json(body: &[u8]) -> Result<(), ApiError> {
    if memchr::memmem::find(body, b"\\u0000").is_none() {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(()); // the typed parse reports the syntax error
    };
    match nul_path(&value, "") {
        Some(path) => Err(ApiError::invalid(
            ErrorCode::InvalidFormat,
            if path.is_empty() { "body".into() } else { path },
            UNSTORABLE,
        )),
        None => Ok(()),
    }
}

/// The path (`items[2].name`) of the first string below `value` that holds a NUL.
fn nul_path(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0').then(|| at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, &here)
            }
        }),
        _ => None,
    }
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

/// A query string, deserialized with the field named in errors (422); a parameter holding
/// a NUL character (`%00`) or bytes that are no UTF-8 is refused naming it.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // `+` (a space in a query) changes neither UTF-8 validity nor NULs: the raw text is
        // checked as it is, without copies.
        if let Err(why) = percent_decoded(name).and(percent_decoded(value)) {
            let name = form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(name, _)| name.replace('\0', ""))
                .unwrap_or_default();
            return Err(ApiError::invalid(ErrorCode::InvalidFormat, name, why));
        }
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            "query".to_string()
        } else {
            path
        };
        let message = err.into_inner().to_string();
        ApiError::invalid(ErrorCode::of_serde(&message), field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn nul_characters_are_refused_naming_the_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Body {
            items: Vec<serde_json::Value>,
        }
        match parse_json::<Body>(br#"{"items":[{"a":"ok"},{"name":"A\u0000B"}]}"#).unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e[0].field, "items[1].name"),
            other => panic!("unexpected {other:?}"),
        }
        // An escaped backslash followed by `u0000` is no NUL.
        assert!(parse_json::<Body>(br#"{"items":["\\u0000"]}"#).is_ok());
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Q {
            unit: Option<String>,
        }
        match parse_query::<Q>("unit=1%00").unwrap_err() {
            ApiError::Validation(e) => assert_eq!(e[0].field, "unit"),
            other => panic!("unexpected {other:?}"),
        }
    }

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
}

/// Dates and instants as the document states them (`format: date`, `format: date-time`):
/// RFC 3339 only. chrono alone also takes `2021-9-25`, `+2021-09-25`, ` 2021-09-25` or
/// `2021-01-01 00:00:00Z`, which a client checking against the document would never send
/// and a stricter server would refuse; each input field carries one of these with
/// `#[serde(deserialize_with = …)]` (and `default` where it is optional).
pub mod dates {
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    /// `YYYY-MM-DD`.
    pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        let date = shape
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten();
        date.ok_or_else(|| format!("invalid date `{text}`: expected YYYY-MM-DD (RFC 3339)"))
    }

    /// An RFC 3339 instant with its offset (`2026-12-01T08:30:00Z`, `…+07:00`).
    pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
        let b = text.as_bytes();
        let shape =
            b.len() >= 20 && matches!(b[10], b'T' | b't') && parse_date(&text[..10]).is_ok();
        shape
            .then(|| DateTime::parse_from_rfc3339(text).ok())
            .flatten()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                format!("invalid date-time `{text}`: expected RFC 3339, e.g. 2026-12-01T08:30:00Z")
            })
    }

    pub fn date<'de, D: Deserializer<'de>>(de: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(de)?;
        parse_date(&text).map_err(D::Error::custom)
    }

    /// For `Option<NaiveDate>` with `#[serde(default)]`: absent or `null` is `None`.
    pub fn optional_date<'de, D: Deserializer<'de>>(de: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(de)? {
            None => Ok(None),
            Some(text) => parse_date(&text).map(Some).map_err(D::Error::custom),
        }
    }

    /// For a PATCH's `Option<Option<NaiveDate>>` with `#[serde(default)]`: absent `None`,
    /// `null` `Some(None)`.
    pub fn patched_date<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<Option<NaiveDate>>, D::Error> {
        optional_date(de).map(Some)
    }

    /// For `Option<DateTime<Utc>>` with `#[serde(default)]`.
    pub fn optional_instant<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(de)? {
            None => Ok(None),
            Some(text) => parse_instant(&text).map(Some).map_err(D::Error::custom),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn only_rfc_3339_dates_and_instants_pass() {
            assert!(parse_date("2021-09-25").is_ok());
            for bad in [
                "2021-9-25",
                "+2021-09-25",
                " 2021-09-25",
                "2021-02-30",
                "20210925",
                "2021-09-25 ",
            ] {
                assert!(parse_date(bad).is_err(), "{bad}");
            }
            assert!(parse_instant("2026-12-01T08:30:00Z").is_ok());
            assert!(parse_instant("2026-12-01T08:30:00.5+07:00").is_ok());
            for bad in [
                "2026-12-01 08:30:00Z",
                "2026-12-01T08:30:00+0700",
                "2026-12-1T08:30:00Z",
                "2026-12-01",
            ] {
                assert!(parse_instant(bad).is_err(), "{bad}");
            }
        }
    }
}
