//! No 500 from input: text the databases cannot store is refused with a 422 naming where it
//! was, in paths, queries, headers and bodies, and nothing is written.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{error_fields, expect_problem, TestApp, KY_LAC};

/// A 422 validation problem whose first error names `field`.
async fn expect_field(response: reqwest::Response, field: &str, what: &str) {
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(
        error_fields(&problem).first().map(String::as_str),
        Some(field),
        "{what}: {problem}"
    );
}

/// A lone UTF-16 surrogate (`\ud800`) is valid JSON syntax but no character: it cannot be
/// stored, so it is a 422 naming the field, not a 400 about the body.
#[tokio::test]
async fn a_lone_surrogate_in_a_body_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let before = app.get_ok("/api/v1/agencies", Some(&admin)).await["total"].clone();
    for (body, field) in [
        (r#"{"name": "A\ud800B", "kind": "state"}"#, "name"),
        (r#"{"name": "A\udc00", "kind": "state"}"#, "name"),
        (
            r#"{"name": "Sở Nông nghiệp", "kind": "state", "contact": "\ud83d"}"#,
            "contact",
        ),
    ] {
        let response = app
            .request(reqwest::Method::POST, "/api/v1/agencies", Some(&admin))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        expect_field(response, field, body).await;
    }
    // A surrogate pair is one character (😀) and is accepted.
    let response = app
        .request(reqwest::Method::POST, "/api/v1/agencies", Some(&admin))
        .header("content-type", "application/json")
        .body(r#"{"name": "Sở \ud83d\ude00", "kind": "state"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let after = app.get_ok("/api/v1/agencies", Some(&admin)).await["total"].clone();
    assert_eq!(after.as_i64(), before.as_i64().map(|n| n + 1));
}

/// Bytes that are no UTF-8 (a surrogate encoded as `%ED%A0%80`, a lone `%FF`) in a path or a
/// query are refused naming the path or the parameter, not silently replaced by U+FFFD.
#[tokio::test]
async fn invalid_utf8_in_paths_and_queries_is_refused_naming_where() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    for (path, field) in [
        ("/api/v1/communes?q=%ED%A0%80", "q"),
        ("/api/v1/users?q=ab%FF", "q"),
        ("/api/v1/communes/%ED%A0%80", "path"),
        ("/api/v1/provinces/4%FF2", "path"),
    ] {
        expect_field(app.get(path, admin).await, field, path).await;
    }
}

/// A header value that is not text (obs-text bytes) where the service reads it is a 422
/// naming the header.
#[tokio::test]
async fn unreadable_header_values_are_refused_naming_the_header() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let agency = serde_json::json!({"name": "Sở Tài chính", "kind": "state"});
    let created = app.created("/api/v1/agencies", &admin, &agency).await;
    let id = created["id"].as_i64().unwrap();
    let raw = reqwest::header::HeaderValue::from_bytes(b"\"1-\xff\"").unwrap();
    let response = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/agencies/{id}"),
            Some(&admin),
        )
        .header("If-Match", raw)
        .json(&serde_json::json!({"name": "Sở Tài chính tỉnh"}))
        .send()
        .await
        .unwrap();
    expect_field(response, "If-Match", "If-Match").await;
}

/// Each field error carries a stable `code` next to its `field` and `message`, so an app can
/// branch on it and show its own words.
#[tokio::test]
async fn field_errors_carry_a_stable_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let code_of = |response: reqwest::Response| async move {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        (
            body["errors"][0]["field"].as_str().unwrap().to_string(),
            body["errors"][0]["code"]
                .as_str()
                .unwrap_or("<none>")
                .to_string(),
        )
    };
    let get = |path: &'static str| app.get(path, Some(&admin));
    assert_eq!(
        code_of(get("/api/v1/provinces?per_page=0").await).await,
        ("per_page".into(), "out_of_range".into())
    );
    assert_eq!(
        code_of(get("/api/v1/communes?on=2026-13-01").await).await,
        ("on".into(), "invalid_format".into())
    );
    use serde_json::json;
    for (body, field, code) in [
        (json!({"kind": "state"}), "name", "required"),
        (json!({"name": " ", "kind": "state"}), "name", "required"),
        (
            json!({"name": "x".repeat(301), "kind": "state"}),
            "name",
            "too_long",
        ),
        (
            json!({"name": "Sở", "kind": "mystery"}),
            "kind",
            "unknown_value",
        ),
        (
            json!({"name": "Sở", "kind": "state", "colour": "red"}),
            "colour",
            "unknown_field",
        ),
        (json!({"name": 7, "kind": "state"}), "name", "invalid_type"),
        (
            json!({"name": "Sở", "kind": "state", "province_code": "99"}),
            "province_code",
            "not_found",
        ),
    ] {
        assert_eq!(
            code_of(app.post("/api/v1/agencies", Some(&admin), &body).await).await,
            (field.into(), code.into()),
            "{body}"
        );
    }
    let user = json!({"username": "xa.ky.lac", "password": "short", "role": "viewer"});
    let response = app.post("/api/v1/users", Some(&admin), &user).await;
    assert_eq!(
        code_of(response).await,
        ("password".into(), "too_short".into())
    );
    let unit = json!({"code": "1", "name": "Xã", "type": "xã", "province_code": "42", "valid_from": "2026-01-01"});
    let response = app.post("/api/v1/communes", Some(&admin), &unit).await;
    assert_eq!(
        code_of(response).await,
        ("code".into(), "invalid_format".into())
    );
}

/// `If-Match` must be `*` or entity tags, as the document's pattern says: anything else is a
/// 422 naming the header, not a 412 about a stale copy.
#[tokio::test]
async fn a_malformed_if_match_is_refused_naming_the_header() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let agency = serde_json::json!({"name": "Sở Xây dựng", "kind": "state"});
    let id = app.created("/api/v1/agencies", &admin, &agency).await["id"].clone();
    let path = format!("/api/v1/agencies/{id}");
    for value in ["12-1", "null", "\"1-1\" \"1-2\"", "W/", "\"a\"b\""] {
        let response = app
            .request(reqwest::Method::PATCH, &path, Some(&admin))
            .header("If-Match", value)
            .json(&serde_json::json!({"name": "Sở Xây dựng tỉnh"}))
            .send()
            .await
            .unwrap();
        expect_field(response, "If-Match", value).await;
    }
    let response = app
        .request(reqwest::Method::PATCH, &path, Some(&admin))
        .header("If-Match", "\"other\", W/\"999-9\"")
        .json(&serde_json::json!({"name": "Sở Xây dựng tỉnh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
}

/// A NUL the client sent in a field name is named in the answer as `\u0000` text, so no
/// answer carries the character itself.
#[tokio::test]
async fn answers_never_echo_a_nul_character() {
    let app = TestApp::spawn().await;
    let response = app
        .request(reqwest::Method::POST, "/api/v1/auth/token", None)
        .header("content-type", "application/json")
        .body(r#"{"username": "admin", "password": "x", "a\u0000b": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let field = body["errors"][0]["field"].as_str().unwrap();
    assert!(
        !field.contains('\0') && !body["detail"].as_str().unwrap().contains('\0'),
        "{text}"
    );
    assert_eq!(field, "a\\u0000b");
}

/// An `Idempotency-Key` is visible ASCII, as documented: a space or a control character is
/// a 422 naming the header, and nothing is created.
#[tokio::test]
async fn an_idempotency_key_with_spaces_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let response = app
        .request(reqwest::Method::POST, "/api/v1/agencies", Some(&admin))
        .header("Idempotency-Key", "two words")
        .json(&serde_json::json!({"name": "Sở Y tế", "kind": "state"}))
        .send()
        .await
        .unwrap();
    expect_field(response, "Idempotency-Key", "a space").await;
    let agencies = app.get_ok("/api/v1/agencies", Some(&admin)).await;
    assert_eq!(agencies["total"], 0);
}

/// `Accept-Language: vi` gives the title, the detail and each message in Vietnamese; the
/// problem type, the fields and their codes stay as they are. English stays the default.
#[tokio::test]
async fn errors_speak_vietnamese_to_those_who_ask() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let send = |language: Option<&'static str>| {
        let mut request = app
            .request(reqwest::Method::POST, "/api/v1/agencies", Some(&admin))
            .json(&json!({"name": "", "kind": "state", "contact": "x".repeat(301)}));
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        request.send()
    };
    let english: Value = send(None).await.unwrap().json().await.unwrap();
    let response = send(Some("vi-VN,vi;q=0.9,en;q=0.5")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.headers()["content-language"], "vi");
    let vietnamese: Value = response.json().await.unwrap();
    assert_eq!(vietnamese["type"], english["type"]);
    assert_eq!(vietnamese["title"], "Yêu cầu có trường không hợp lệ");
    assert_eq!(vietnamese["detail"], "2 trường không hợp lệ");
    let errors = vietnamese["errors"].as_array().unwrap();
    for (vi, en) in errors.iter().zip(english["errors"].as_array().unwrap()) {
        assert_eq!((&vi["field"], &vi["code"]), (&en["field"], &en["code"]));
        assert_ne!(vi["message"], en["message"], "{vi}");
    }
    assert_eq!(errors[0]["message"], "từ 1 đến 300 ký tự");
    // English ranked first keeps English.
    let again: Value = send(Some("en, vi;q=0.5"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, english);
    // Other problems too: a 404 on a path, a 401.
    let response = app
        .request(reqwest::Method::GET, "/api/v1/users", None)
        .header("Accept-Language", "vi")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = response.json().await.unwrap();
    assert_ne!(problem["title"], "Authentication is required", "{problem}");
}

/// An edit whose fields break rules that need no stored data is a 422 naming them, even on
/// a stale copy: the client learns what to fix before it is told to read again (412).
#[tokio::test]
async fn a_malformed_edit_is_refused_before_its_precondition() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let agency = app
        .created(
            "/api/v1/agencies",
            &admin,
            &json!({"name": "Sở Công Thương", "kind": "state"}),
        )
        .await;
    let stale = "\"0-0\"";
    for (path, body, field) in [
        (
            format!("/api/v1/agencies/{}", agency["id"]),
            json!({"name": "x".repeat(301)}),
            "name",
        ),
        (
            format!("/api/v1/agencies/{}", agency["id"]),
            json!({"contact": "y".repeat(301)}),
            "contact",
        ),
    ] {
        let response = app
            .request(reqwest::Method::PATCH, &path, Some(&admin))
            .header("If-Match", stale)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_field(response, field, &path).await;
    }
}

/// The document says `format: date` and `format: date-time` (RFC 3339); forms chrono alone
/// would take (`2021-9-25`, `+2021-09-25`, a space for `T`) are refused naming the field,
/// as a client validating against the document expects (schemathesis found one accepted).
#[tokio::test]
async fn dates_are_rfc_3339_or_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    for (path, field) in [
        ("/api/v1/provinces?on=2021-9-25", "on"),
        ("/api/v1/communes?on=%2B2021-09-25", "on"),
        (
            "/api/v1/criteria-versions?effective_on=%202021-09-25",
            "effective_on",
        ),
        ("/api/v1/audit?from=2026-01-01%2000:00:00Z", "from"),
    ] {
        let response = app.get(path, Some(&app.admin_token)).await;
        let problem =
            expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(error_fields(&problem), [field], "{path}: {problem}");
    }
    let version = app.ha_tinh_version().await;
    let body = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-9-25", "kind": "self"});
    let before = app.counts(&["assessments"]).await;
    let response = app
        .post("/api/v1/assessments", Some(&app.admin_token), &body)
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(error_fields(&problem), ["assessed_on"], "{problem}");
    assert_eq!(app.counts(&["assessments"]).await, before);
    let ok = app.get("/api/v1/provinces?on=2021-09-25", None).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

/// Schemathesis (PostgreSQL) found a PATCH of a sponsorship with a 300-character
/// `decision_number` answered 500 (the column holds 64): the edit now checks it as the
/// create does, 422 naming it, and nothing changes.
#[tokio::test]
async fn a_sponsorship_edit_checks_its_decision_number() {
    let app = TestApp::spawn().await;
    let agency = app.agency(&app.admin_token, "Sở Tài chính", "state").await;
    let id = app.ky_lac_sponsorship(agency).await;
    let path = format!("/api/v1/sponsorships/{id}");
    for bad in ["ư".repeat(65), " ".to_string()] {
        let response = app
            .patch(
                &path,
                Some(&app.admin_token),
                &json!({"decision_number": bad}),
            )
            .await;
        expect_field(
            response,
            "decision_number",
            "a decision number of 1 to 64 characters",
        )
        .await;
    }
    let ok = app
        .patch(
            &path,
            Some(&app.admin_token),
            &json!({"decision_number": "12/QĐ-UBND"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
}
