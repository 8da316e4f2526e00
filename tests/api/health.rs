use reqwest::StatusCode;

use crate::helpers::{expect_json, expect_problem, TestApp};

#[tokio::test]
async fn health_and_ready_answer_ok_with_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/health", None).await;
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(expect_json(response, StatusCode::OK).await["status"], "ok");
    assert_eq!(app.get_ok("/ready", None).await["status"], "ok");
}

#[tokio::test]
async fn unknown_paths_are_problem_json_404() {
    let app = TestApp::spawn().await;
    let body = expect_problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nothing-here"));
}

/// A method the document does not declare on a known path answers 405 with `Allow` listing
/// the ones it does (RFC 9110 §15.5.6), not 404; an unknown path stays 404.
#[tokio::test]
async fn undeclared_methods_on_known_paths_answer_405_with_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        ("TRACE", "/api/v1/provinces", "GET, POST"),
        ("DELETE", "/api/v1/provinces", "GET, POST"),
        ("PUT", "/api/v1/communes/18850", "DELETE, GET, PATCH"),
        ("POST", "/api/v1/assessments/7", "DELETE, GET, PATCH"),
        ("POST", "/health", "GET"),
        ("OPTIONS", "/api/v1/auth/token", "POST"),
    ] {
        let response = app
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                path,
                None,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let problem = expect_problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains(allow),
            "{problem}"
        );
    }
    let response = app
        .request(reqwest::Method::PUT, "/api/v1/nothing-here", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
