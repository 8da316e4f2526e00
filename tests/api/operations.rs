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

/// A backup taken while the service writes holds every row committed before it started,
/// restores into a fresh database, the service starts on it, and its audit chain verifies:
/// `ntm-api backup` on SQLite, `pg_dump -Fc` and `pg_restore` on PostgreSQL (the commands
/// of the README).
#[tokio::test]
async fn a_backup_taken_while_writing_restores_every_committed_row() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let app = TestApp::spawn().await;
    let committed = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, url, token) = (app.client.clone(), app.url("/api/v1/agencies"), app.admin_token.clone());
        let (committed, stop) = (committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = serde_json::json!({"name": format!("Đơn vị đỡ đầu {n}"), "kind": "state", "province_code": "42"});
                let response = client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                let created: serde_json::Value = response.json().await.unwrap();
                committed.lock().unwrap().push(created["id"].as_i64().unwrap());
            }
        })
    };
    while committed.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<i64> = committed.lock().unwrap().clone();
    let (restored_url, _guard) = crate::helpers::scratch_database().await;
    if app.database_url.starts_with("sqlite") {
        let path = restored_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        ntm_api::services::backup::sqlite_online_copy(&app.db, std::path::Path::new(&path))
            .await
            .expect("backup");
    } else {
        let dump = std::env::temp_dir().join(format!("ntm-backup-{}.dump", uuid::Uuid::new_v4()));
        let run = |program: &str, args: &[&str]| {
            let out = std::process::Command::new(program).args(args).output().expect(program);
            assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
        };
        run("pg_dump", &["-Fc", "-d", &app.database_url, "-f", dump.to_str().unwrap()]);
        run("pg_restore", &["--no-owner", "-d", &restored_url, dump.to_str().unwrap()]);
        std::fs::remove_file(&dump).ok();
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(committed.lock().unwrap().len() > before.len(), "the writer went on during the backup");
    // The service starts on the copy and finds every row committed before the backup.
    let url = restored_url.clone();
    let (address, _) = app.instance_with(move |c| c.database_url = url).await;
    for id in &before {
        let response = app
            .client
            .get(format!("{address}/api/v1/agencies/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "agency {id} is in the copy");
    }
    let copy = sea_orm::Database::connect(&restored_url).await.unwrap();
    let verified = ntm_api::services::audit::verify(&copy).await.unwrap();
    assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
    assert!(verified.entries as usize >= before.len());
    copy.close().await.ok();
}
