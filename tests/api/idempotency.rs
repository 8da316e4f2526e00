use ntm_api::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp};

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.request(reqwest::Method::POST, "/api/v1/registrations", Some(token))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_post_gets_the_first_answer_and_writes_once() {
    let app = TestApp::spawn().await;
    let district = app.token_for(Role::District, Some("447")).await;
    let body = json!({"unit_code": "18850", "level": "commune", "target_year": 2021});
    let first = post_with_key(&app, &district, "mobile-retry-1", &body).await;
    assert!(first.headers().get("idempotency-replayed").is_none());
    let location = first.headers()["location"].clone();
    let first = expect_json(first, StatusCode::CREATED).await;
    let second = post_with_key(&app, &district, "mobile-retry-1", &body).await;
    assert_eq!(second.headers()["idempotency-replayed"], "true");
    assert_eq!(second.headers()["location"], location);
    assert_eq!(expect_json(second, StatusCode::CREATED).await, first);
    assert_eq!(count_rows(&app.db, "registrations").await, 1);
    // The same key with another body is refused; nothing is written.
    let other = json!({"unit_code": "18850", "level": "commune", "target_year": 2022});
    let problem = expect_problem(
        post_with_key(&app, &district, "mobile-retry-1", &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    assert_eq!(count_rows(&app.db, "registrations").await, 1);
    // Keys belong to their user: another user's same key is a new request.
    let province = app.token_for(Role::Province, Some("42")).await;
    expect_json(
        post_with_key(&app, &province, "mobile-retry-1", &other).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(count_rows(&app.db, "registrations").await, 2);
    // A refused request is answered the same way again.
    let bad = json!({"unit_code": "18850", "level": "commune", "target_year": 1900});
    expect_problem(
        post_with_key(&app, &district, "bad-1", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    let again = post_with_key(&app, &district, "bad-1", &bad).await;
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    expect_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
}

/// An upload is not replayed, but its `Idempotency-Key` is checked as on every POST (the
/// contract gives its pattern): schemathesis found one outside the pattern accepted with a
/// 201 and the file stored.
#[tokio::test]
async fn an_upload_with_a_malformed_key_is_422_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let commune = app.commune(crate::helpers::KY_LAC).await;
    let id = app
        .draft_assessment(&commune, version, crate::helpers::KY_LAC)
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/assessments/{id}/documents");
    let upload = |key: &'static str| {
        let form = crate::helpers::document_form(
            crate::helpers::pdf("key"),
            "a.pdf",
            &[("kind", "report")],
        );
        app.request(reqwest::Method::POST, &path, Some(&commune))
            .header("Idempotency-Key", key)
            .multipart(form)
            .send()
    };
    let response = upload("a key with spaces").await.unwrap();
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    assert_eq!(count_rows(&app.db, "documents").await, 0);
    assert!(app.stored_objects().await.is_empty());
    // A well-formed key goes through (and is not replayed: the same file again is a 409).
    for expected in [StatusCode::CREATED, StatusCode::CONFLICT] {
        assert_eq!(upload("upload-1").await.unwrap().status(), expected);
    }
}
