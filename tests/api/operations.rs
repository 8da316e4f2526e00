//! Operations (issue 19): metrics are never served to the public API's anonymous callers,
//! and every request is counted under its route template.
use reqwest::StatusCode;

use crate::helpers::TestApp;

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_are_never_public_and_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    // No metrics token: the public address has no /metrics, whoever asks.
    for token in [None, Some(app.admin_token.as_str())] {
        assert_eq!(
            app.get("/metrics", token).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let (address, metrics_port) = app
        .instance_with(|c| {
            c.metrics_token = Some("scrape-secret-0123456789".into());
            c.metrics_bind = Some("127.0.0.1:0".into());
        })
        .await;
    let client = reqwest::Client::new();
    let public = format!("{address}/metrics");
    // With a token configured: 401 without it, with another one, or with an API token.
    for auth in [None, Some("wrong"), Some(app.admin_token.as_str())] {
        let mut request = client.get(&public);
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let scrape = |url: String, token: Option<&'static str>| {
        let client = client.clone();
        async move {
            let mut request = client.get(url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert!(response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4"));
            response.text().await.unwrap()
        }
    };
    let private = format!(
        "http://127.0.0.1:{}/metrics",
        metrics_port.expect("metrics port")
    );
    let route = r#"route="/api/v1/communes/{code}""#;
    let labels = [r#"method="GET""#, route, r#"status="200""#];
    let before = sample(
        &scrape(private.clone(), None).await,
        "ntm_http_request_duration_seconds_count",
        &labels,
    )
    .unwrap_or(0.0);
    let read = client
        .get(format!("{address}/api/v1/communes/18850?on=2024-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let text = scrape(private, None).await;
    let after = sample(&text, "ntm_http_request_duration_seconds_count", &labels)
        .expect("the read is in the histogram under its route template");
    assert!(after >= before + 1.0, "{before} -> {after}");
    assert!(sample(
        &text,
        "ntm_http_request_duration_seconds_bucket",
        &[route, r#"le="+Inf""#]
    )
    .is_some());
    assert!(
        !text.contains("/api/v1/communes/18850"),
        "raw paths are not labels"
    );
    assert!(sample(&text, "ntm_db_pool_connections", &[r#"state="idle""#]).is_some());
    assert!(sample(&text, "ntm_build_info", &["version="]) == Some(1.0));
    // The token opens the public address too.
    let text = scrape(public, Some("scrape-secret-0123456789")).await;
    assert!(text.contains("ntm_http_requests_total"));
}
