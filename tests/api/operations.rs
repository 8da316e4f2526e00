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
    let waited = text
        .lines()
        .find_map(|l| l.strip_prefix("ntm_db_pool_acquire_seconds "))
        .and_then(|v| v.parse::<f64>().ok())
        .expect("the pool's waiting time");
    assert!((0.0..1.5).contains(&waited), "{waited}");
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
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/agencies"),
            app.admin_token.clone(),
        );
        let (committed, stop) = (committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = serde_json::json!({"name": format!("Đơn vị đỡ đầu {n}"), "kind": "state", "province_code": "42"});
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                let created: serde_json::Value = response.json().await.unwrap();
                committed
                    .lock()
                    .unwrap()
                    .push(created["id"].as_i64().unwrap());
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
            let out = std::process::Command::new(program)
                .args(args)
                .output()
                .expect(program);
            assert!(
                out.status.success(),
                "{program}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(
            "pg_dump",
            &["-Fc", "-d", &app.database_url, "-f", dump.to_str().unwrap()],
        );
        run(
            "pg_restore",
            &["--no-owner", "-d", &restored_url, dump.to_str().unwrap()],
        );
        std::fs::remove_file(&dump).ok();
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(
        committed.lock().unwrap().len() > before.len(),
        "the writer went on during the backup"
    );
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
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "agency {id} is in the copy"
        );
    }
    let copy = sea_orm::Database::connect(&restored_url).await.unwrap();
    let verified = ntm_api::services::audit::verify(&copy).await.unwrap();
    assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
    assert!(verified.entries as usize >= before.len());
    copy.close().await.ok();
}

/// SIGTERM under load (the real binary): requests in flight finish with whole answers, new
/// connections are refused, no answer is cut mid-way, and the process exits cleanly within
/// its grace period.
#[tokio::test]
async fn sigterm_under_load_finishes_what_is_in_flight_and_refuses_the_rest() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    #[derive(Debug)]
    enum Outcome {
        /// A whole 200 answer whose JSON parsed.
        Answered,
        /// No connection, or closed before any answer began: refused, nothing half-done.
        Refused,
        /// Anything else: an answer cut or broken (shown by the assertions' Debug).
        Broken(#[allow(dead_code)] String),
    }

    let app = TestApp::spawn().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("NTM_BIND", format!("127.0.0.1:{port}"))
        .env("NTM_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("NTM_SHUTDOWN_GRACE_SECONDS", "10")
        .env("NTM_WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ntm-api");
    let base = format!("http://127.0.0.1:{port}");
    // A new connection per request: each outcome is one connection's.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/ready")).send().await {
            if r.status() == StatusCode::OK {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log: Arc<Mutex<Vec<(Instant, Instant, Outcome)>>> = Arc::default();
    let paths = [
        "/api/v1/communes?province=42&per_page=100",
        "/api/v1/reports/progress?province=42&year=2024",
        "/api/v1/districts?province=42",
    ];
    let mut clients = Vec::new();
    for n in 0..16 {
        let (client, log) = (client.clone(), log.clone());
        let url = format!("{base}{}", paths[n % paths.len()]);
        clients.push(tokio::spawn(async move {
            let mut refusals = 0;
            while refusals < 3 {
                let sent = Instant::now();
                let outcome = match client.get(&url).send().await {
                    Err(e) if e.is_connect() || (e.is_request() && !e.is_body()) => {
                        Outcome::Refused
                    }
                    Err(e) => Outcome::Broken(e.to_string()),
                    Ok(response) if response.status() != StatusCode::OK => {
                        Outcome::Broken(format!("status {}", response.status()))
                    }
                    Ok(response) => match response.bytes().await {
                        Ok(body) if serde_json::from_slice::<serde_json::Value>(&body).is_ok() => {
                            Outcome::Answered
                        }
                        Ok(body) => Outcome::Broken(format!("a cut body of {} bytes", body.len())),
                        Err(e) => Outcome::Broken(format!("reading the body: {e}")),
                    },
                };
                if matches!(outcome, Outcome::Refused) {
                    refusals += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                log.lock().unwrap().push((sent, Instant::now(), outcome));
            }
        }));
    }
    // A long request in flight when the signal comes: a dry run of 1,000 villages (each
    // checked and written in its own savepoint, then rolled back).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let items: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            serde_json::json!({"level": "village", "code": format!("18850-t{i}"), "name": format!("Thôn {i}"),
                "type": "thôn", "commune_code": "18850", "valid_from": "2024-01-01"})
        })
        .collect();
    let long = {
        let request = client
            .post(format!("{base}/api/v1/sync/units"))
            .bearer_auth(&app.admin_token)
            .json(&serde_json::json!({"dry_run": true, "items": items}));
        tokio::spawn(async move {
            let sent = Instant::now();
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, body.len(), sent.elapsed()))
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for c in clients {
        tokio::time::timeout(Duration::from_secs(30), c)
            .await
            .expect("the clients stop once refused")
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the process outlived its grace period"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    let (status, bytes, took) = long
        .await
        .unwrap()
        .expect("the long request in flight at the signal is answered");
    assert_eq!(
        status,
        StatusCode::MULTI_STATUS,
        "{bytes} bytes in {took:?}"
    );
    assert!(
        took > Duration::from_millis(200),
        "it was in flight at the signal: {took:?}"
    );
    let log = log.lock().unwrap();
    let broken: Vec<_> = log
        .iter()
        .filter(|(_, _, o)| matches!(o, Outcome::Broken(_)))
        .collect();
    assert!(broken.is_empty(), "answers cut or broken: {broken:?}");
    let before = log.iter().filter(|(sent, _, _)| *sent < signalled).count();
    let answered = log
        .iter()
        .filter(|(_, _, o)| matches!(o, Outcome::Answered))
        .count();
    assert!(
        before > 16 && answered > 16,
        "the load ran: {before} sent, {answered} answered"
    );
    // Requests sent well before the signal were accepted and in flight: all answered.
    let margin = Duration::from_millis(100);
    let lost: Vec<_> = log
        .iter()
        .filter(|(sent, _, o)| *sent + margin < signalled && !matches!(o, Outcome::Answered))
        .collect();
    assert!(lost.is_empty(), "in-flight requests not answered: {lost:?}");
}

/// The container's health check (`ntm-api ready`) passes only when `/ready` answers 200.
#[tokio::test]
async fn the_health_check_command_asks_ready() {
    let app = TestApp::spawn().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let probe = |bind: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
                .arg("ready")
                .env("NTM_BIND", bind)
                .env("RUST_LOG", "off")
                .output()
                .expect("run ntm-api ready")
        })
    };
    let up = probe(format!("0.0.0.0:{port}")).await.unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = probe(format!("127.0.0.1:{free}")).await.unwrap();
    assert_eq!(down.status.code(), Some(1));
}

/// With an OTLP endpoint configured (the real binary, OTLP/JSON to a collector played by
/// the test): a request carrying a W3C `traceparent` is traced as a child of it, named by
/// its route template with its status, the database queries as its child spans; and the
/// log lines written while answering it carry its request id and trace id.
#[tokio::test]
async fn traces_continue_an_incoming_traceparent_down_to_the_queries() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use actix_web::{web, App, HttpServer};
    use serde_json::Value;

    let app = TestApp::spawn().await;
    // The collector: keeps every OTLP/JSON export it receives.
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let collector_port = collector.local_addr().unwrap().port();
    let store = received.clone();
    let server = HttpServer::new(move || {
        let store = store.clone();
        App::new().route(
            "/v1/traces",
            web::post().to(move |body: web::Bytes| {
                let store = store.clone();
                async move {
                    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                        store.lock().unwrap().push(v);
                    }
                    actix_web::HttpResponse::Ok().json(serde_json::json!({}))
                }
            }),
        )
    })
    .workers(1)
    .listen(collector)
    .unwrap()
    .run();
    let collector_handle = server.handle();
    tokio::spawn(server);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("NTM_BIND", format!("127.0.0.1:{port}"))
        .env("NTM_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("NTM_WORKERS", "1")
        .env("NTM_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector_port}"),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ntm-api");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while !matches!(app.client.get(format!("{base}/ready")).send().await, Ok(r) if r.status() == StatusCode::OK)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let response = app
        .client
        .post(format!("{base}/api/v1/auth/token"))
        .header("traceparent", format!("00-{trace_id}-{parent}-01"))
        .json(&serde_json::json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    // Stopping flushes the spans still pending.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    collector_handle.stop(true).await;

    let spans: Vec<Value> = received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|export| {
            export["resourceSpans"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|rs| rs["scopeSpans"].as_array().cloned().unwrap_or_default())
        .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
        .filter(|s| {
            s["traceId"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(trace_id))
        })
        .collect();
    let attribute = |span: &Value, key: &str| -> Option<String> {
        span["attributes"]
            .as_array()?
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| {
                let v = &a["value"];
                v["stringValue"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| v["intValue"].as_str().map(str::to_string))
                    .or_else(|| v["intValue"].as_i64().map(|i| i.to_string()))
                    .unwrap_or_default()
            })
    };
    let root = spans
        .iter()
        .find(|s| {
            s["parentSpanId"]
                .as_str()
                .is_some_and(|p| p.eq_ignore_ascii_case(parent))
        })
        .unwrap_or_else(|| panic!("no span continues the traceparent: {spans:#?}"));
    assert_eq!(root["name"], "POST /api/v1/auth/token", "{root:#}");
    assert_eq!(
        attribute(root, "http.route").as_deref(),
        Some("/api/v1/auth/token"),
        "{root:#}"
    );
    let status = attribute(root, "http.response.status_code")
        .or_else(|| attribute(root, "http.status_code"));
    assert_eq!(status.as_deref(), Some("200"), "{root:#}");
    let root_id = root["spanId"].as_str().unwrap();
    // The queries of the login (the user, the throttle, the audit entry) under it.
    let under = |id: &str| spans.iter().filter(|s| s["parentSpanId"] == id).count();
    let descendants: usize = spans
        .iter()
        .filter(|s| s["parentSpanId"] == root_id)
        .map(|s| 1 + under(s["spanId"].as_str().unwrap()))
        .sum();
    assert!(
        descendants >= 2,
        "query spans under the request: {spans:#?}"
    );
    // Every log line written inside the request names it.
    let logs = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    let issued: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "token issued")
        .collect();
    assert_eq!(issued.len(), 1, "{logs}");
    assert_eq!(
        issued[0]["span"]["request_id"],
        request_id.as_str(),
        "{:#}",
        issued[0]
    );
    assert_eq!(issued[0]["span"]["trace_id"], trace_id, "{:#}", issued[0]);
}
