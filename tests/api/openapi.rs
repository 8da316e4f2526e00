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

/// The document states the rules the server enforces, so a client knows them before it is
/// refused (each was a request the schema allowed and the server refused).
#[tokio::test]
async fn the_document_states_what_the_server_enforces() {
    let doc = committed_document();
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let property = |name: &str, field: &str| schema(name)["properties"][field].clone();
    let param = |path: &str, method: &str, name: &str| {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no {name}"))["schema"]
            .clone()
    };
    for type_name in ["UnitInput", "UnitPatch"] {
        let group = property(type_name, "commune_group");
        assert_eq!(
            (group["minimum"].as_i64(), group["maximum"].as_i64()),
            (Some(1), Some(3))
        );
    }
    let password = property("NewUser", "password");
    assert_eq!(
        (
            password["minLength"].as_i64(),
            password["maxLength"].as_i64()
        ),
        (Some(10), Some(200))
    );
    assert_eq!(
        property("NewUser", "username")["pattern"],
        "^[a-z0-9._-]{3,64}$"
    );
    assert_eq!(property("NewAgency", "name")["maxLength"], 300);
    assert_eq!(param("/api/v1/changes", "get", "since")["minimum"], 0);
    let year = param("/api/v1/reports/progress", "get", "year");
    assert_eq!(
        (year["minimum"].as_i64(), year["maximum"].as_i64()),
        (Some(2000), Some(2100))
    );
    let if_match = param("/api/v1/agencies/{id}", "patch", "If-Match");
    assert!(
        if_match["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("W/")),
        "{if_match}"
    );
    assert!(param("/api/v1/agencies", "post", "Idempotency-Key")["pattern"].is_string());
    // Free text says it cannot hold NUL.
    assert_eq!(property("NewAgency", "contact")["pattern"], "^[^\\u0000]*$");
    // Field errors list their codes.
    let codes = schema("ErrorCode")["enum"].as_array().unwrap().len();
    assert!(codes >= 10, "{codes} codes");
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
