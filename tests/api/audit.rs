//! The audit trail (issue 14): rolled-back items, append-only storage, the hash chain, who
//! reads what, the assessment's history and failed logins.
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use serde_json::{json, Value};

use crate::helpers::*;
use ntm_api::access::Role;

/// The entries of `GET /audit` with `query` (admin), newest first.
async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let page = app
        .get_ok(
            &format!("/api/v1/audit?per_page=500&{query}"),
            Some(&app.admin_token),
        )
        .await;
    page["items"].as_array().expect("items").clone()
}

/// Runs `ntm-api audit verify` on the test database: (exit code, stdout + stderr).
fn verify(app: &TestApp) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run ntm-api audit verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn the_trail_is_append_only_and_verify_finds_a_row_changed_by_hand() {
    let app = TestApp::spawn().await;
    app.nghe_an_province().await;
    let etag = app.etag("/api/v1/provinces/40", None).await;
    let response = app
        .send_if_match(
            Method::PATCH,
            "/api/v1/provinces/40",
            &app.admin_token,
            &etag,
            Some(&json!({"name": "Nghệ An mới"})),
        )
        .await;
    expect_json(response, StatusCode::OK).await;
    let (code, text) = verify(&app);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("audit trail intact"), "{text}");

    // The service's own statements cannot change or remove an entry.
    let update = app
        .db
        .execute_unprepared("UPDATE audit_entries SET detail = 'edited'")
        .await;
    let err = update.expect_err("an UPDATE of the audit trail is refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let delete = app.db.execute_unprepared("DELETE FROM audit_entries").await;
    assert!(delete.is_err(), "a DELETE of the audit trail is refused");

    // Someone with the database owner's rights turns the guard off and edits a row.
    let target = entries(&app, "entity=unit&operation=update").await[0]["id"]
        .as_i64()
        .expect("id");
    let tamper = match app.db.get_database_backend() {
        DbBackend::Postgres => vec![
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only".to_string(),
            format!("UPDATE audit_entries SET changes = '{{}}' WHERE id = {target}"),
        ],
        _ => vec![
            "DROP TRIGGER audit_entries_no_update".to_string(),
            format!("UPDATE audit_entries SET changes = '{{}}' WHERE id = {target}"),
        ],
    };
    for statement in tamper {
        app.db.execute_unprepared(&statement).await.expect("tamper");
    }
    let (code, text) = verify(&app);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("entry {target} was changed")),
        "verify names the altered entry: {text}"
    );
}

#[tokio::test]
async fn a_dry_run_and_a_refused_item_leave_no_entry_and_a_written_item_names_itself() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let good = json!({"level": "commune", "code": "99901", "name": "Xã Thử Nghiệm", "type": "xã",
        "province_code": "42", "valid_from": "2025-07-01"});
    let bad = json!({"level": "commune", "code": "99903", "name": "", "type": "xã",
        "province_code": "42", "valid_from": "2025-07-01"});
    let before = count_rows(&app.db, "audit_entries").await;
    let dry = app
        .post(
            "/api/v1/sync/units",
            Some(&ha_tinh),
            &json!({"items": [good.clone()], "dry_run": true}),
        )
        .await;
    assert_eq!(dry.status(), StatusCode::MULTI_STATUS);
    assert_eq!(count_rows(&app.db, "audit_entries").await, before);

    let response = app
        .post(
            "/api/v1/sync/units",
            Some(&ha_tinh),
            &json!({"items": [bad, good]}),
        )
        .await;
    let body = expect_json(response, StatusCode::MULTI_STATUS).await;
    assert_eq!(body["results"][0]["status"], "error", "{body}");
    assert_eq!(body["results"][1]["status"], "created", "{body}");
    assert_eq!(count_rows(&app.db, "audit_entries").await, before + 1);
    let entry = &entries(&app, "entity=unit&operation=create").await[0];
    assert_eq!(entry["key"], "commune:99901:2025-07-01");
    assert_eq!(entry["via"], "POST /api/v1/sync/units item 1");
    assert_eq!(entry["province_code"], "42");
    assert_eq!(entry["changes"]["name"]["after"], "Xã Thử Nghiệm");
    assert!(entry["actor"]["username"]
        .as_str()
        .is_some_and(|u| u.starts_with("province-")));
    assert_eq!(entry["actor"]["role"], "province");
    assert_eq!(entry["actor"]["scope"], "42");
    assert_eq!(entry["client_addr"], "127.0.0.1");
    assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()));
}

#[tokio::test]
async fn only_admins_and_the_provinces_officers_read_its_entries() {
    let app = TestApp::spawn().await;
    app.nghe_an_province().await;
    let created = |scope: &str, name: &str| json!({"username": name, "password": USER_PASSWORD, "role": "commune", "scope": scope});
    app.created(
        "/api/v1/users",
        &app.admin_token,
        &created(KY_LAC, "ky-lac-officer"),
    )
    .await;
    let body = json!({"code": "17001", "name": "Xã Nghệ", "type": "xã", "province_code": NGHE_AN,
        "valid_from": "2025-07-01"});
    app.created("/api/v1/communes", &app.admin_token, &body)
        .await;

    let ha_tinh = app.province(HA_TINH).await;
    let page = app
        .get_ok("/api/v1/audit?per_page=500", Some(&ha_tinh))
        .await;
    let items = page["items"].as_array().expect("items");
    assert!(!items.is_empty(), "Hà Tĩnh reads its own entries");
    assert!(
        items.iter().all(|e| e["province_code"] == HA_TINH),
        "only Hà Tĩnh's entries: {page}"
    );
    assert!(items
        .iter()
        .any(|e| e["entity"] == "user" && e["changes"]["username"]["after"] == "ky-lac-officer"));
    // Nghệ An's commune is in the trail, but not for Hà Tĩnh.
    assert_eq!(
        entries(&app, "entity=unit&key=commune:17001:2025-07-01")
            .await
            .len(),
        1
    );
    let nghe_an_for_ha_tinh = app
        .get_ok(
            "/api/v1/audit?entity=unit&key=commune:17001:2025-07-01",
            Some(&ha_tinh),
        )
        .await;
    assert_eq!(nghe_an_for_ha_tinh["total"], 0);

    let commune = app.commune(KY_LAC).await;
    let viewer = app.viewer().await;
    let sponsor = app.token_for(Role::Sponsor, Some("1")).await;
    for token in [&commune, &viewer, &sponsor] {
        let response = app.get("/api/v1/audit", Some(token)).await;
        expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let anonymous = app.get("/api/v1/audit", None).await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let backwards = app
        .get(
            "/api/v1/audit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            Some(&app.admin_token),
        )
        .await;
    let problem = expect_problem(backwards, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(error_fields(&problem), ["to"]);
    // The lengths the document states are the server's (schemathesis found one that was not).
    let long = format!(
        "/api/v1/audit?operation={}&actor={}",
        "o".repeat(33),
        "a".repeat(65)
    );
    let too_long = app.get(&long, Some(&app.admin_token)).await;
    let problem = expect_problem(too_long, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(error_fields(&problem), ["actor", "operation"]);

    // Inspectors export it for a spreadsheet.
    let csv = app
        .request(
            Method::GET,
            "/api/v1/audit?entity=user",
            Some(&app.admin_token),
        )
        .header("accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("\u{feff}id,at,actor,"), "{text}");
    assert!(text.contains("ky-lac-officer"), "{text}");
}

#[tokio::test]
async fn an_assessments_history_shows_each_value_change_with_its_author() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let commune = app.commune(KY_LAC).await;
    let id = app.draft_assessment(&commune, version, KY_LAC).await["id"]
        .as_i64()
        .expect("id");
    let first = json!({"values": [{"indicator_code": "10", "value": 38.0}]});
    expect_json(
        app.put_values(Some(&commune), id, &first).await,
        StatusCode::OK,
    )
    .await;
    let second = json!({"values": [{"indicator_code": "10", "value": 42.5}, {"indicator_code": "1.1", "value": true}]});
    expect_json(
        app.put_values(Some(&commune), id, &second).await,
        StatusCode::OK,
    )
    .await;

    let history = app
        .get_ok(&format!("/api/v1/assessments/{id}/history"), Some(&commune))
        .await;
    let items = history["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "created, then two value writes: {history}");
    let latest = &items[0];
    assert_eq!(latest["operation"], "update");
    assert_eq!(
        latest["changes"]["values.10"],
        json!({"before": 38.0, "after": 42.5})
    );
    assert_eq!(
        latest["changes"]["values.1.1"],
        json!({"before": null, "after": true})
    );
    assert!(latest["actor"]["username"]
        .as_str()
        .is_some_and(|u| u.starts_with("commune-")));
    assert_eq!(
        latest["via"],
        "PUT /api/v1/assessments/{id}/indicator-values"
    );
    // Officers see who and when; addresses are for those who read the audit trail.
    assert!(latest["client_addr"].is_null());
    assert_eq!(items[2]["operation"], "create");
    let admin = app
        .get_ok(
            &format!("/api/v1/assessments/{id}/history"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(admin["items"][0]["client_addr"], "127.0.0.1");
    // Someone who may not read the draft does not read its history.
    let elsewhere = app.commune(KY_TAY).await;
    let hidden = app
        .get(
            &format!("/api/v1/assessments/{id}/history"),
            Some(&elsewhere),
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn logins_are_recorded_and_never_their_password() {
    let app = TestApp::spawn().await;
    let login =
        |username: &str, password: &str| json!({"username": username, "password": password});
    let wrong = app
        .post(
            "/api/v1/auth/token",
            None,
            &login("admin", "Secret-Typed-Wrong-1"),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .post(
            "/api/v1/auth/token",
            None,
            &login("Secret-In-Username-Field", "x"),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let ok = app
        .post("/api/v1/auth/token", None, &login("admin", ADMIN_PASSWORD))
        .await;
    let tokens = expect_json(ok, StatusCode::OK).await;
    let refresh = json!({"refresh_token": tokens["refresh_token"]});
    expect_json(
        app.post("/api/v1/auth/refresh", None, &refresh).await,
        StatusCode::OK,
    )
    .await;
    // The spent token again: every refresh token of the user is revoked.
    let reused = app.post("/api/v1/auth/refresh", None, &refresh).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);

    let sessions = entries(&app, "entity=session").await;
    let operations: Vec<&str> = sessions
        .iter()
        .map(|e| e["operation"].as_str().expect("operation"))
        .collect();
    assert_eq!(
        operations,
        [
            "refresh_reuse",
            "refresh",
            "login",
            "login_failed",
            "login_failed"
        ]
    );
    assert_eq!(sessions[2]["actor"]["username"], "admin");
    assert!(sessions[4]["actor"].is_null());
    let stored: Vec<String> = {
        use sea_orm::EntityTrait;
        entity::audit_entry::Entity::find()
            .all(&app.db)
            .await
            .expect("rows")
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect()
    };
    for row in &stored {
        assert!(!row.contains("Secret-Typed-Wrong-1"), "{row}");
        assert!(!row.contains("Secret-In-Username-Field"), "{row}");
        assert!(!row.contains(ADMIN_PASSWORD), "{row}");
    }
}

#[tokio::test]
async fn an_import_names_the_line_and_who_ran_it() {
    use ntm_api::services::audit::{scope, Context};
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let values = values_meeting(12)["values"].clone();
    let item = |unit: &str| {
        json!({"unit_code": unit, "criteria_version_id": version, "assessed_on": "2021-09-25",
            "kind": "self", "values": values})
    };
    let lines = format!("{}\n\n{}\n", item(KY_LAC), item(KY_TAY));
    let path = std::env::temp_dir().join(format!("ntm-audit-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&path, lines).expect("write the file");
    // As `ntm-api import assessments --by importer FILE` runs it (src/main.rs).
    let context = Context::command_line("import assessments", "importer");
    let summary = scope(
        context,
        ntm_api::import::import_assessments(&app.db, &path, "importer", false),
    )
    .await
    .expect("import");
    std::fs::remove_file(&path).ok();
    assert_eq!(summary.created, 2, "{summary:?}");
    let created = entries(&app, "entity=assessment&operation=create&actor=importer").await;
    let vias: Vec<&str> = created.iter().map(|e| e["via"].as_str().unwrap()).collect();
    assert_eq!(
        vias,
        [
            "ntm-api import assessments line 3",
            "ntm-api import assessments line 1"
        ]
    );
    assert_eq!(created[0]["actor"]["role"], "admin");
    assert!(
        created[0]["actor"]["id"].is_null(),
        "the command line has no user row"
    );
}

#[tokio::test]
async fn pruning_removes_old_entries_and_keeps_the_chain_verifiable() {
    let app = TestApp::spawn().await;
    app.nghe_an_province().await;
    let total = count_rows(&app.db, "audit_entries").await;
    // The entries of the start-up are made a year old (by hand: the triggers refuse it).
    let first_ids = "(SELECT id FROM audit_entries ORDER BY id LIMIT 3)";
    let (off, on, backdate) = match app.db.get_database_backend() {
        DbBackend::Postgres => (
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only",
            "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only",
            format!(
                "UPDATE audit_entries SET at = at - INTERVAL '365 days' WHERE id IN {first_ids}"
            ),
        ),
        _ => (
            "DROP TRIGGER audit_entries_no_update",
            "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries \
             BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END",
            format!(
                "UPDATE audit_entries SET at = '2025-01-01 00:00:00+00:00' WHERE id IN {first_ids}"
            ),
        ),
    };
    // One connection for the three (a transaction), as an operator's psql session would be.
    let txn = app.db.begin().await.expect("begin");
    for statement in [off, backdate.as_str(), on] {
        txn.execute_unprepared(statement).await.expect(statement);
    }
    txn.commit().await.expect("commit");
    let prune = std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
        .args(["audit", "prune", "--days", "30"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run ntm-api audit prune");
    let out = String::from_utf8_lossy(&prune.stdout);
    assert!(prune.status.success(), "{out}");
    assert!(
        out.contains("3 audit entries older than 30 days removed"),
        "{out}"
    );
    // Three gone, one added: the pruning itself.
    assert_eq!(count_rows(&app.db, "audit_entries").await, total - 3 + 1);
    let pruned = &entries(&app, "operation=prune").await[0];
    assert_eq!(pruned["via"], "ntm-api audit prune");
    let (code, text) = verify(&app);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("chain from the pruned entry"), "{text}");
    // Still append-only afterwards.
    let delete = app.db.execute_unprepared("DELETE FROM audit_entries").await;
    assert!(delete.is_err(), "the trigger is back after pruning");
}
