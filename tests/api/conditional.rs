//! Conditional reads: every successful GET carries an `ETag`; `If-None-Match` with a current
//! one answers 304 with no body; public reference reads say how long a client may reuse
//! them, and signed-in reads that they must be revalidated.
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn get_with(app: &TestApp, path: &str, token: Option<&str>, etag: Option<&str>) -> Response {
    let mut request = app.request(Method::GET, path, token);
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    request.send().await.unwrap()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
        .to_str()
        .unwrap()
        .to_string()
}

async fn expect_not_modified(app: &TestApp, path: &str, token: Option<&str>, etag: &str) {
    let response = get_with(app, path, token, Some(etag)).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{path}");
    assert_eq!(header(&response, "etag"), etag, "{path}");
    assert!(response.bytes().await.unwrap().is_empty(), "{path}: a body");
}

#[tokio::test]
async fn a_repeated_public_list_read_answers_304_until_the_list_changes() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/communes?province=42&on=2026-01-01&per_page=500";
    let first = get_with(&app, path, None, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = header(&first, "etag");
    let cache = header(&first, "cache-control");
    assert!(
        cache.contains("public") && cache.contains("max-age="),
        "{cache}"
    );
    assert!(!first.bytes().await.unwrap().is_empty());
    expect_not_modified(&app, path, None, &etag).await;
    // Weak comparison, lists and `*` (RFC 9110 section 13.1.2).
    expect_not_modified(
        &app,
        path,
        None,
        &format!("W/{}", etag.trim_start_matches("W/")),
    )
    .await;
    let listed = format!("\"other\", {etag}");
    let response = get_with(&app, path, None, Some(&listed)).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    let response = get_with(&app, path, None, Some("*")).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    // A stale tag gets the whole answer.
    let response = get_with(&app, path, None, Some("\"stale\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A new commune in the province changes the list, hence its tag.
    let commune = json!({"code": "99001", "name": "Xã Thử Nghiệm", "type": "xã",
        "province_code": "42", "valid_from": "2026-01-01"});
    app.created("/api/v1/communes", &app.admin_token, &commune)
        .await;
    let after = get_with(&app, path, None, Some(&etag)).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(header(&after, "etag"), etag);
}

#[tokio::test]
async fn signed_in_reads_and_single_resources_are_conditional_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let agency = app
        .created(
            "/api/v1/agencies",
            &admin,
            &json!({"name": "Sở Tài chính", "kind": "state"}),
        )
        .await;
    for path in [
        "/api/v1/agencies".to_string(),
        format!("/api/v1/agencies/{}", agency["id"]),
        "/api/v1/users".to_string(),
        "/api/v1/criteria-versions".to_string(),
        "/api/v1/reports/progress?province=42&year=2021".to_string(),
        "/api/v1/communes/18838/status".to_string(),
        "/api/v1/auth/me".to_string(),
    ] {
        let first = get_with(&app, &path, Some(&admin), None).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let etag = header(&first, "etag");
        let cache = header(&first, "cache-control");
        if path.starts_with("/api/v1/auth/") {
            assert_eq!(cache, "no-store", "{path}");
        } else {
            assert!(
                cache.contains("private") && cache.contains("no-cache"),
                "{path}: {cache}"
            );
        }
        expect_not_modified(&app, &path, Some(&admin), &etag).await;
    }
}
