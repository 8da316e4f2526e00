//! The probes of the security review (issue 18), each a regression test named after the
//! finding it closes.
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, ADMIN_PASSWORD, JWT_SECRET};

/// Sends `n` copies of a login at once and counts the answers by status.
async fn parallel_logins(base: &[String], bodies: Vec<Value>) -> (usize, usize, usize) {
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let (client, url) = (
            client.clone(),
            format!("{}/api/v1/auth/token", base[i % base.len()]),
        );
        set.spawn(async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        });
    }
    let (mut ok, mut unauthorized, mut throttled) = (0, 0, 0);
    while let Some(done) = set.join_next().await {
        match done.expect("task").expect("request") {
            StatusCode::OK => ok += 1,
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    (ok, unauthorized, throttled)
}

/// A second instance of the service (the real binary) on the same database, as behind a
/// balancer; its log is kept for inspection. Killed when dropped.
struct Instance {
    child: Child,
    address: String,
}

impl Instance {
    async fn start(app: &TestApp) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_ntm-api"))
            .arg("serve")
            .env("DATABASE_URL", &app.database_url)
            .env("NTM_BIND", format!("127.0.0.1:{port}"))
            .env("NTM_JWT_SECRET", JWT_SECRET)
            .env("NTM_WORKERS", "1")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ntm-api serve");
        let address = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while reqwest::get(format!("{address}/ready")).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no second instance"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Instance { child, address }
    }

    /// Stops the instance and answers what it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// H2: a login takes its slot before the password is checked, so 60 parallel guesses for
/// one username check at most 5 passwords; the rest answer 429.
#[tokio::test]
async fn parallel_guesses_check_no_more_passwords_than_the_limit() {
    let app = TestApp::spawn().await;
    let wrong = json!({"username": "admin", "password": "a-wrong-guess"});
    let (ok, unauthorized, throttled) =
        parallel_logins(std::slice::from_ref(&app.address), vec![wrong; 60]).await;
    assert_eq!(ok, 0);
    assert!(unauthorized <= 5, "{unauthorized} passwords checked");
    assert_eq!(unauthorized + throttled, 60);
    // The right password is refused too while the username is throttled.
    let right = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let response = app.post("/api/v1/auth/token", None, &right).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// H2: the per-address limit (20) holds for parallel logins of unknown users too.
#[tokio::test]
async fn parallel_unknown_user_logins_from_one_address_are_limited() {
    let app = TestApp::spawn().await;
    let bodies = (0..60)
        .map(|i| json!({"username": format!("nobody-{i}"), "password": "a-wrong-guess"}))
        .collect();
    let (ok, unauthorized, throttled) =
        parallel_logins(std::slice::from_ref(&app.address), bodies).await;
    assert_eq!(ok, 0);
    assert!(unauthorized <= 20, "{unauthorized} passwords checked");
    assert_eq!(unauthorized + throttled, 60);
}

/// H2: with two instances on one database (behind a balancer) the limit is shared: five
/// failures spread over both exhaust it on both.
#[tokio::test]
async fn the_login_limit_holds_across_instances() {
    let app = TestApp::spawn().await;
    let other = Instance::start(&app).await;
    let wrong = json!({"username": "admin", "password": "a-wrong-guess"});
    let client = reqwest::Client::new();
    for i in 0..5 {
        let base = if i % 2 == 0 {
            &app.address
        } else {
            &other.address
        };
        let status = client
            .post(format!("{base}/api/v1/auth/token"))
            .json(&wrong)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for base in [&app.address, &other.address] {
        let status = client
            .post(format!("{base}/api/v1/auth/token"))
            .json(&wrong)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{base}");
    }
    other.stop();
}

/// H2: a successful login gives its slot back and clears the username's failures.
#[tokio::test]
async fn a_successful_login_clears_the_usernames_failures() {
    let app = TestApp::spawn().await;
    let wrong = json!({"username": "admin", "password": "a-wrong-guess"});
    let right = json!({"username": "admin", "password": ADMIN_PASSWORD});
    for _ in 0..4 {
        assert_eq!(
            app.post("/api/v1/auth/token", None, &wrong).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.post("/api/v1/auth/token", None, &right).await.status(),
        StatusCode::OK
    );
    for _ in 0..5 {
        assert_eq!(
            app.post("/api/v1/auth/token", None, &wrong).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

/// L3: a newline in a failed login's username cannot write a line of its own into the log.
#[tokio::test]
async fn a_username_cannot_forge_a_log_line() {
    let app = TestApp::spawn().await;
    let instance = Instance::start(&app).await;
    let forged = "x\n2026-12-01T00:00:00Z  INFO ntm_api: token issued user=admin";
    let status = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", instance.address))
        .json(&json!({"username": forged, "password": "a-wrong-guess"}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_client_error(), "{status}");
    let log = instance.stop();
    assert!(log.contains("failed login"), "the attempt is logged: {log}");
    assert!(
        !log.lines().any(|l| l.starts_with("2026-12-01T00:00:00Z")),
        "a forged line reached the log: {log}"
    );
}

/// L2 (and the contract's "no 500 from input"): a NUL character in a path, a query or a
/// body is a 422 naming where it was, on PostgreSQL as on SQLite; nothing is written.
#[tokio::test]
async fn text_with_a_nul_character_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    let reads = [
        ("/api/v1/assessments?unit=1%00", "unit"),
        ("/api/v1/sponsorships?commune=1%00", "commune"),
        ("/api/v1/users?q=%00", "q"),
        ("/api/v1/reports/progress?province=%00", "province"),
        ("/api/v1/communes/1%00", "path"),
    ];
    for (path, field) in reads {
        let response = app.get(path, admin).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
    }
    let agencies_before = app.get_ok("/api/v1/agencies", admin).await["total"].clone();
    let writes = [
        (
            "/api/v1/agencies",
            json!({"name": "A\u{0}B", "kind": "state"}),
            "name",
        ),
        (
            "/api/v1/auth/token",
            json!({"username": "ad\u{0}min", "password": "x"}),
            "username",
        ),
    ];
    for (path, body, field) in writes {
        let response = app.post(path, admin, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
    }
    assert_eq!(
        app.get_ok("/api/v1/agencies", admin).await["total"],
        agencies_before
    );
}

/// L7: a signing secret under 32 bytes stops the service at start, saying why.
#[tokio::test]
async fn a_short_jwt_secret_is_refused_at_start() {
    let path = std::env::temp_dir().join(format!("ntm-short-secret-{}.db", uuid::Uuid::new_v4()));
    let mut config =
        ntm_api::config::Config::for_database(format!("sqlite://{}?mode=rwc", path.display()));
    config.jwt_secret = Some("change-me".into());
    config.reference_data = ntm_api::config::ReferenceData::None;
    config.bind = "127.0.0.1:0".into();
    let error = match ntm_api::startup::Application::build(config).await {
        Ok(_) => panic!("a 9-byte secret was accepted"),
        Err(e) => e.to_string(),
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(error.contains("at least 32 bytes"), "{error}");
}

/// L7: access tokens carry and check `iss` and `aud`: a token signed with the right secret
/// but for another audience is a 401.
#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let app = TestApp::spawn().await;
    let me: Value = app.get_ok("/api/v1/auth/me", Some(&app.admin_token)).await;
    let exp = chrono::Utc::now().timestamp() + 600;
    let claims = json!({"sub": me["id"].to_string(), "role": "admin", "scope": null,
        "iss": "ntm-api", "aud": "another-api", "iat": 0, "exp": exp});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let response = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// L4: answers carry a Content-Security-Policy, `nosniff` and frame protection; token
/// answers are not cached; Swagger UI keeps the token out of localStorage.
#[tokio::test]
async fn answers_carry_security_headers_and_tokens_are_not_cached() {
    let app = TestApp::spawn().await;
    let api = app.get("/api/v1/provinces", None).await;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(header(&api, "content-security-policy").contains("default-src 'none'"));
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
    assert_eq!(header(&api, "x-frame-options"), "DENY");
    let ui = app.get("/swagger-ui/", None).await;
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(header(&ui, "content-security-policy").contains("script-src 'self'"));
    assert!(header(&ui, "content-security-policy").contains("frame-ancestors 'none'"));
    let init = app.get("/swagger-ui/swagger-initializer.js", None).await;
    let init = init.text().await.unwrap();
    assert!(!init.contains(r#""persistAuthorization": true"#), "{init}");
    let login = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let token = app.post("/api/v1/auth/token", None, &login).await;
    assert_eq!(token.status(), StatusCode::OK);
    assert_eq!(header(&token, "cache-control"), "no-store");
}

/// H1: a province cannot take over another province's unit codes. Hà Tĩnh creating, inside
/// province 42, a new version of Nghệ An's retired commune 16663 is refused, by
/// `POST /communes` and by `/sync/units` alike; an admin may move a code.
#[tokio::test]
async fn a_province_cannot_take_over_another_provinces_codes() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin_token.as_str());
    app.nghe_an_commune_16663().await;
    let ha_tinh = app.province(crate::helpers::HA_TINH).await;
    let squat = json!({"code": "16663", "name": "Chiếm", "type": "xã", "province_code": "42",
        "valid_from": "2026-01-01"});
    let units_before = crate::helpers::count_rows(&app.db, "units").await;
    let response = app.post("/api/v1/communes", Some(&ha_tinh), &squat).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let mut item = squat.clone();
    item["level"] = json!("commune");
    let batch = json!({"items": [item]});
    let response = app.post("/api/v1/sync/units", Some(&ha_tinh), &batch).await;
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], "error", "{body}");
    assert_eq!(body["results"][0]["problem"]["status"], 403, "{body}");
    assert_eq!(
        crate::helpers::count_rows(&app.db, "units").await,
        units_before
    );
    // Nghệ An's commune is still the one answered.
    assert_eq!(
        app.get_ok("/api/v1/communes/16663?on=2025-08-01", None)
            .await["province_code"],
        "40"
    );
    // An admin may move a code (communes did move between provinces in the 2025 reform).
    assert_eq!(
        app.post("/api/v1/communes", admin, &squat).await.status(),
        StatusCode::CREATED
    );
}

/// L8: a level returns only what waits on its own decision: the district cannot send back
/// an assessment the province already appraised; the province can.
#[tokio::test]
async fn a_district_cannot_return_what_the_province_appraised() {
    use crate::helpers::{HA_TINH, KY_ANH, KY_LAC};
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let id = app.appraised_assessment(version, KY_LAC, 20).await;
    let ky_anh = app.district(KY_ANH).await;
    let response = app.act(Some(&ky_anh), id, "return", Some("xem lại")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let ha_tinh = app.province(HA_TINH).await;
    let returned = app.act_ok(&ha_tinh, id, "return", Some("xem lại")).await;
    assert_eq!(returned["status"], "draft");
}

/// L6: a signed-in user cannot tell which user ids exist: a user outside the caller's
/// reach answers 404, like an id that does not exist, on GET, PATCH and DELETE.
#[tokio::test]
async fn users_outside_the_callers_reach_are_not_found() {
    use crate::helpers::KY_ANH;
    let app = TestApp::spawn().await;
    let admin_id = app.get_ok("/api/v1/auth/me", Some(&app.admin_token)).await["id"].clone();
    let ky_anh = app.district(KY_ANH).await;
    for path in [
        format!("/api/v1/users/{admin_id}"),
        "/api/v1/users/999999".to_string(),
    ] {
        let response = app.get(&path, Some(&ky_anh)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let response = app.delete(&path, Some(&ky_anh)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let response = app
            .patch(
                &path,
                Some(&ky_anh),
                &json!({"password": "another-password-1"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

/// M1: a province cannot book a sponsorship (and funding) in the name of another
/// province's agency, by POST or by sync; a national agency is fine.
#[tokio::test]
async fn a_sponsorship_needs_a_national_agency_or_one_of_the_callers_province() {
    use crate::helpers::{HA_TINH, KY_LAC};
    let app = TestApp::spawn().await;
    app.nghe_an_province().await;
    let theirs = app
        .created(
            "/api/v1/agencies",
            &app.admin_token,
            &json!({"name": "Sở Nông nghiệp Nghệ An", "kind": "state", "province_code": "40"}),
        )
        .await["id"]
        .clone();
    let national = app
        .created(
            "/api/v1/agencies",
            &app.admin_token,
            &json!({"name": "Bộ Nông nghiệp", "kind": "state"}),
        )
        .await["id"]
        .clone();
    let ha_tinh = app.province(HA_TINH).await;
    let body = |agency: &Value| json!({"agency_id": agency, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"});
    let response = app
        .post("/api/v1/sponsorships", Some(&ha_tinh), &body(&theirs))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let batch = json!({"items": [body(&theirs)]});
    let response = app
        .post("/api/v1/sync/sponsorships", Some(&ha_tinh), &batch)
        .await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["results"][0]["problem"]["status"], 403, "{answer}");
    assert_eq!(crate::helpers::count_rows(&app.db, "sponsorships").await, 0);
    let response = app
        .post("/api/v1/sponsorships", Some(&ha_tinh), &body(&national))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// M4: moving an assessment's date re-resolves its unit, which may sit elsewhere on the
/// new date; the author must cover the new place as on create. Commune 18838 belonged to
/// district 447 (Kỳ Anh) until the reform and to no district after it, so Kỳ Anh's review
/// cannot be moved past the reform (it would leave the district's reach).
#[tokio::test]
async fn moving_an_assessments_date_checks_the_scope_of_its_new_place() {
    use crate::helpers::KY_ANH;
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_anh = app.district(KY_ANH).await;
    let body = json!({"unit_code": "18838", "criteria_version_id": version,
        "assessed_on": "2024-05-02", "kind": "district_review"});
    let created = app.created("/api/v1/assessments", &ky_anh, &body).await;
    let path = format!("/api/v1/assessments/{}", created["id"]);
    let etag = app.etag(&path, Some(&ky_anh)).await;
    let response = app
        .send_if_match(
            reqwest::Method::PATCH,
            &path,
            &ky_anh,
            &etag,
            Some(&json!({"assessed_on": "2025-08-01"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let stored = app.get_ok(&path, Some(&ky_anh)).await;
    assert_eq!(stored["assessed_on"], "2024-05-02");
}

/// M3: changing one's own password needs the current one, so a stolen access token does
/// not become the account; an admin resetting another user's password does not.
#[tokio::test]
async fn changing_ones_own_password_needs_the_current_one() {
    use crate::helpers::USER_PASSWORD;
    let app = TestApp::spawn().await;
    let user = app.create_user(ntm_api::access::Role::Viewer, None).await;
    let token = app
        .keys()
        .issue_access(user.id, "viewer", None, chrono::Utc::now())
        .unwrap();
    let path = format!("/api/v1/users/{}", user.id);
    let without = json!({"password": "a-stolen-token-password"});
    let response = app.patch(&path, Some(&token), &without).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = json!({"password": "a-stolen-token-password", "current_password": "a-guess-guess"});
    let response = app.patch(&path, Some(&token), &wrong).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let login = json!({"username": user.username, "password": USER_PASSWORD});
    assert_eq!(
        app.post("/api/v1/auth/token", None, &login).await.status(),
        StatusCode::OK,
        "the password is unchanged"
    );
    let right = json!({"password": "my-own-new-password", "current_password": USER_PASSWORD});
    assert_eq!(
        app.patch(&path, Some(&token), &right).await.status(),
        StatusCode::OK
    );
    let reset = json!({"password": "reset-by-the-admin"});
    assert_eq!(
        app.patch(&path, Some(&app.admin_token), &reset)
            .await
            .status(),
        StatusCode::OK
    );
}

/// L5: access tokens stop at logout and at a password change, not 15 minutes later. (The
/// check has whole-second precision, as `iat` has; the test waits past the second.)
#[tokio::test]
async fn access_tokens_stop_at_logout_and_at_a_password_change() {
    use crate::helpers::USER_PASSWORD;
    let app = TestApp::spawn().await;
    let user = app.create_user(ntm_api::access::Role::Viewer, None).await;
    let login = |password: &str| json!({"username": user.username, "password": password});
    let pair: Value = app
        .post("/api/v1/auth/token", None, &login(USER_PASSWORD))
        .await
        .json()
        .await
        .unwrap();
    let access = pair["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access)).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let revoke = json!({"refresh_token": pair["refresh_token"]});
    assert_eq!(
        app.post("/api/v1/auth/revoke", None, &revoke)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A new login works at once; a password change then ends that token too.
    let pair: Value = app
        .post("/api/v1/auth/token", None, &login(USER_PASSWORD))
        .await
        .json()
        .await
        .unwrap();
    let access = pair["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access)).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let path = format!("/api/v1/users/{}", user.id);
    let change = json!({"password": "a-changed-password", "current_password": USER_PASSWORD});
    assert_eq!(
        app.patch(&path, Some(&access), &change).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh: Value = app
        .post("/api/v1/auth/token", None, &login("a-changed-password"))
        .await
        .json()
        .await
        .unwrap();
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", Some(fresh)).await.status(),
        StatusCode::OK
    );
}

/// L1: a national criteria draft (label, document number, dates) reaches admins and viewers
/// through `/changes`, not the province officers it answers 404 to; once published it is in
/// everyone's feed. A province's own provincial draft stays in its feed.
#[tokio::test]
async fn drafts_appear_in_the_feed_only_for_those_who_may_read_them() {
    use crate::helpers::HA_TINH;
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let set = app
        .criteria_set(&admin, "NTM-TEST-NATIONAL", "national")
        .await;
    let draft = app.draft_version(&admin, set, "Bản nháp quốc gia").await;
    let key = draft["id"].to_string();
    let ha_tinh = app.province(HA_TINH).await;
    let viewer = app.viewer().await;
    let entries = |token: String| {
        let app = &app;
        let key = key.clone();
        async move {
            let feed = app.get_ok("/api/v1/changes?limit=1000", Some(&token)).await;
            feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["entity"] == "criteria_version" && e["key"] == key.as_str())
                .count()
        }
    };
    assert_eq!(
        entries(ha_tinh.clone()).await,
        0,
        "a province reads a national draft"
    );
    assert_eq!(entries(viewer.clone()).await, 1);
    assert_eq!(entries(admin.clone()).await, 1);
    let response = app
        .get(&format!("/api/v1/criteria-versions/{key}"), Some(&ha_tinh))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.publish(&admin, draft["id"].as_i64().unwrap()).await;
    assert_eq!(entries(ha_tinh.clone()).await, 1, "the published version");
    // Hà Tĩnh's own provincial draft is in Hà Tĩnh's feed.
    let own = app.criteria_set(&ha_tinh, "NTM-TEST-42", HA_TINH).await;
    let own_draft = app.draft_version(&ha_tinh, own, "Bản nháp tỉnh").await;
    let feed = app
        .get_ok("/api/v1/changes?limit=1000", Some(&ha_tinh))
        .await;
    assert!(feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["entity"] == "criteria_version"
            && e["key"].as_str() == Some(own_draft["id"].to_string().as_str())));
}

/// L1: deleting a national draft leaves a tombstone that only those who could read the
/// draft receive; a province officer never learns the draft existed.
#[tokio::test]
async fn a_deleted_national_draft_leaves_no_tombstone_in_a_province_feed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let set = app
        .criteria_set(&admin, "NTM-TEST-NATIONAL", "national")
        .await;
    let draft = app.draft_version(&admin, set, "Bản nháp sẽ xoá").await;
    let key = draft["id"].to_string();
    let response = app
        .delete(&format!("/api/v1/criteria-versions/{key}"), Some(&admin))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let ha_tinh = app.province(crate::helpers::HA_TINH).await;
    let viewer = app.viewer().await;
    let tombstones = |token: String| {
        let app = &app;
        let key = key.clone();
        async move {
            let feed = app.get_ok("/api/v1/changes?limit=1000", Some(&token)).await;
            feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| {
                    e["entity"] == "criteria_version"
                        && e["key"] == key.as_str()
                        && e["op"] == "delete"
                })
                .count()
        }
    };
    assert_eq!(
        tombstones(ha_tinh).await,
        0,
        "a province sees the tombstone"
    );
    assert_eq!(tombstones(viewer).await, 1);
}

/// M5: what `Idempotency-Key` keeps is bounded: a dry run keeps nothing, and an answer
/// over the size cap is recorded without its body (a retry is still not run again: 409).
#[tokio::test]
async fn idempotent_answers_kept_are_bounded() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(crate::helpers::HA_TINH).await;
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"level": "commune", "code": format!("9{i:04}"), "name": "",
                "type": "not-a-type", "province_code": "42", "valid_from": "2026-01-01",
                "region": "nowhere-at-all"})
        })
        .collect();
    let send = |body: Value| {
        app.client
            .post(app.url("/api/v1/sync/units"))
            .bearer_auth(&ha_tinh)
            .header("Idempotency-Key", format!("key-{}", body["dry_run"]))
            .json(&body)
            .send()
    };
    let dry = send(json!({"items": items, "dry_run": true}))
        .await
        .unwrap();
    assert_eq!(dry.status(), StatusCode::MULTI_STATUS);
    assert_eq!(
        crate::helpers::count_rows(&app.db, "idempotency_keys").await,
        0
    );
    let big = send(json!({"items": items, "dry_run": false}))
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::MULTI_STATUS);
    let size = big.bytes().await.unwrap().len();
    assert!(size > ntm_api::idempotency::MAX_KEPT_ANSWER, "{size} bytes");
    let again = send(json!({"items": items, "dry_run": false}))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(
        crate::helpers::count_rows(&app.db, "idempotency_keys").await,
        1
    );
}

/// M5: a refused item's errors are compact: a long value or field name the client sent is
/// not echoed back whole, so a batch's answer (and what `Idempotency-Key` keeps of it)
/// stays small however long the refused values were.
#[tokio::test]
async fn refused_sync_items_answer_compact_errors() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(crate::helpers::HA_TINH).await;
    let long = "x".repeat(8_000);
    let items: Vec<Value> = (0..200)
        .map(|i| {
            let mut item = json!({"level": "commune", "code": format!("9{i:04}"), "name": "Xã",
                "type": long, "province_code": "42", "valid_from": "2026-01-01"});
            if i % 2 == 1 {
                item = json!({"level": "commune", "code": format!("9{i:04}"), "name": "Xã",
                    "type": "xã", "province_code": "42", "valid_from": "2026-01-01"});
                item[long.as_str()] = json!(1);
            }
            item
        })
        .collect();
    let body = json!({"items": items, "dry_run": true});
    let sent = serde_json::to_vec(&body).unwrap().len();
    let response = app.post("/api/v1/sync/units", Some(&ha_tinh), &body).await;
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let answer = response.bytes().await.unwrap();
    let parsed: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(parsed["errors"], 200, "{}", parsed["results"][0]);
    for result in parsed["results"].as_array().unwrap() {
        let errors = result["errors"].as_array().unwrap();
        assert!(!errors.is_empty());
        for error in errors {
            let field = error["field"].as_str().unwrap();
            let message = error["message"].as_str().unwrap();
            assert!(field.chars().count() <= 200, "field {} chars", field.len());
            assert!(message.chars().count() <= 300, "message {}", message.len());
        }
    }
    assert!(
        answer.len() < 200 * 1024,
        "{} bytes answered to {sent} bytes sent",
        answer.len()
    );
}

/// H1: a user's scope is bound to the province it was granted in. Commune 16663 was Nghệ
/// An's until 2025 and (moved by an admin) is Hà Tĩnh's from 2026: a commune user granted
/// on it now covers Hà Tĩnh's 16663 only, not Nghệ An's draft assessments of the old one.
#[tokio::test]
async fn a_users_code_covers_only_the_province_it_was_granted_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    app.nghe_an_commune_16663().await;
    let moved = json!({"code": "16663", "name": "Nghi Phong", "type": "xã", "province_code": "42",
        "valid_from": "2026-01-01"});
    app.created("/api/v1/communes", &admin, &moved).await;
    let user = json!({"username": "nghiphong", "password": "nghi-phong-password",
        "role": "commune", "scope": "16663"});
    app.created("/api/v1/users", &admin, &user).await;
    let versions = app
        .get_ok(
            "/api/v1/criteria-versions?level=commune&scope=national&effective_on=2025-08-01",
            None,
        )
        .await;
    let version = versions["items"][0]["id"].clone();
    let draft = json!({"unit_code": "16663", "criteria_version_id": version,
        "assessed_on": "2025-08-01", "kind": "self"});
    let draft = app.created("/api/v1/assessments", &admin, &draft).await;
    assert_eq!(draft["province_code"], "40", "{draft}");
    let login = json!({"username": "nghiphong", "password": "nghi-phong-password"});
    let token: Value = app
        .post("/api/v1/auth/token", None, &login)
        .await
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let path = format!("/api/v1/assessments/{}", draft["id"]);
    assert_eq!(
        app.get(&path, Some(token)).await.status(),
        StatusCode::NOT_FOUND
    );
    let listed = app
        .get_ok("/api/v1/assessments?unit=16663", Some(token))
        .await;
    assert_eq!(listed["total"], 0, "{listed}");
    assert_eq!(app.get(&path, Some(&admin)).await.status(), StatusCode::OK);
}

/// M2: a criterion a province names `=HYPERLINK(…)` reaches the progress and timeline CSV
/// as text: every cell that a spreadsheet would run as a formula starts with an apostrophe.
#[tokio::test]
async fn csv_reports_carry_no_formulas() {
    use crate::helpers::KY_LAC;
    let app = TestApp::spawn().await;
    let formula = r#"=HYPERLINK("http://example.invalid/x","Bấm vào đây")"#;
    let version = app
        .ha_tinh_version_named(|n| match n {
            1 => formula.to_string(),
            2 => "+1+1".to_string(),
            3 => "@SUM(A1:A9)".to_string(),
            4 => "-2+3".to_string(),
            n => format!("Tiêu chí {n}"),
        })
        .await;
    app.submitted_assessment(version, KY_LAC, "2021-09-25", 12)
        .await;
    for path in [
        "/api/v1/reports/progress?province=42&year=2021",
        "/api/v1/reports/progress?year=2021",
        "/api/v1/reports/progress/timeline?province=42&from=2020&to=2021",
    ] {
        let response = app
            .request(reqwest::Method::GET, path, None)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let bytes = response.bytes().await.unwrap();
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let name_of = |key: &str| {
            rows.iter()
                .find(|r| &r[1] == "criteria" && &r[2] == key)
                .map(|r| r[3].to_string())
        };
        assert_eq!(name_of("1"), Some(format!("'{formula}")), "{path}");
        assert_eq!(name_of("2").as_deref(), Some("'+1+1"), "{path}");
        assert_eq!(name_of("3").as_deref(), Some("'@SUM(A1:A9)"), "{path}");
        assert_eq!(name_of("4").as_deref(), Some("'-2+3"), "{path}");
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{path}: a live formula {cell:?}"
                );
            }
        }
    }
}

/// Signed-in users are kept in memory for a short, documented time (issue 17): a change
/// made through this instance takes effect at once there, and through another instance
/// within `NTM_USER_CACHE_SECONDS` (1 s in the tests), never later.
#[tokio::test]
async fn a_demotion_reaches_every_instance_within_the_user_cache_delay() {
    use crate::helpers::USER_CACHE_SECONDS;
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let user = app
        .create_user(ntm_api::access::Role::Province, Some("42"))
        .await;
    let token = app
        .keys
        .issue_access(user.id, "province", Some("42"), chrono::Utc::now())
        .unwrap();
    let role_at = |base: String| {
        let client = app.client.clone();
        let token = token.clone();
        async move {
            let me: Value = client
                .get(format!("{base}/api/v1/auth/me"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            me["role"].as_str().unwrap_or("<none>").to_string()
        }
    };
    assert_eq!(role_at(app.address.clone()).await, "province");
    assert_eq!(role_at(other.clone()).await, "province");
    // The admin demotes the user through the other instance.
    let response = app
        .client
        .patch(format!("{other}/api/v1/users/{}", user.id))
        .bearer_auth(&app.admin_token)
        .json(&json!({"role": "viewer", "scope": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        role_at(other.clone()).await,
        "viewer",
        "at once where it was made"
    );
    tokio::time::sleep(std::time::Duration::from_millis(
        USER_CACHE_SECONDS * 1000 + 200,
    ))
    .await;
    assert_eq!(
        role_at(app.address.clone()).await,
        "viewer",
        "within the delay elsewhere"
    );
    // A deletion through the other instance ends the token everywhere as well.
    let response = app
        .client
        .delete(format!("{other}/api/v1/users/{}", user.id))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(std::time::Duration::from_millis(
        USER_CACHE_SECONDS * 1000 + 200,
    ))
    .await;
    let response = app
        .client
        .get(format!("{}/api/v1/auth/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
