//! Decoding request input (JSON bodies and query strings) into typed values, with the
//! path of the offending field in every error. No HTTP here: the extractors in
//! [`crate::extract`] and the per-item parsing of sync batches ([`crate::services::sync`])
//! both use it.
use serde::de::DeserializeOwned;

use crate::error::ApiError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
