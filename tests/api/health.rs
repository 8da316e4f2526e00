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
