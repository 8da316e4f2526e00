use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

fn committed_document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

/// The served document is the committed one: regenerate with
/// `cargo run -- openapi > openapi/openapi.json` when the API changes.
#[tokio::test]
async fn served_openapi_matches_the_committed_file() {
    let app = TestApp::spawn().await;
    let served = app.get_ok("/api-docs/openapi.json", None).await;
    let committed: Value = committed_document();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    // Bearer auth is declared so "Authorize" works in Swagger UI.
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Every operation documents its errors: 500 and 503 everywhere; 401 and 403 on writes.
#[tokio::test]
async fn every_operation_documents_its_errors() {
    let served: Value = committed_document();
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path != "/health" {
                assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            }
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter().any(|r| r.get("bearer").is_some())
                    && !s
                        .iter()
                        .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
                if method != "get" && !path.starts_with("/api/v1/auth") {
                    assert!(responses.contains_key("403"), "{method} {path} lacks 403");
                }
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{method} {path} lacks 422");
            }
        }
    }
}

/// What `openapi-spec-validator` and `redocly lint` (run in `.ci/run`) require of every
/// operation, checked here so that `cargo test` catches it first: a unique operationId, a
/// summary, a description on every response, security declared (`{}` for public), and a
/// server to call.
#[tokio::test]
async fn every_operation_is_named_summarised_and_described() {
    let doc = committed_document();
    assert!(
        doc["servers"].as_array().is_some_and(|s| !s.is_empty()),
        "no servers"
    );
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(ids.insert(id.to_string()), "operationId {id} twice");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.trim().is_empty()),
                "{method} {path} has no summary"
            );
            assert!(
                op["security"].as_array().is_some_and(|s| !s.is_empty()),
                "{method} {path} declares no security"
            );
            for (status, response) in op["responses"].as_object().unwrap() {
                if response.get("$ref").is_some() {
                    continue;
                }
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.trim().is_empty()),
                    "{method} {path} {status} has no description"
                );
            }
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let response = app.get("/swagger-ui/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    for cdn in ["unpkg.com", "cdn.jsdelivr", "cdnjs"] {
        assert!(!html.contains(cdn), "the page loads from a CDN: {cdn}");
    }
    let config = app
        .get("/swagger-ui/swagger-initializer.js", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(config.contains("/api-docs/openapi.json"), "{config}");
}
