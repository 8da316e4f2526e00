//! `POST /sync/*` and `ntm-api import assessments`: per-item results, idempotent replays,
//! dry runs, scope per item, and a killed import that leaves only whole items.
use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, expect_json, values_meeting, TestApp, CAM_QUAN, KY_LAC};

async fn sync(app: &TestApp, what: &str, token: &str, body: &Value) -> Value {
    expect_json(
        app.post(&format!("/api/v1/sync/{what}"), Some(token), body)
            .await,
        StatusCode::MULTI_STATUS,
    )
    .await
}

fn statuses(response: &Value) -> Vec<String> {
    response["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

async fn feed_head(app: &TestApp) -> i64 {
    let page = app
        .get_ok("/api/v1/changes?since=0&limit=1000", Some(&app.admin_token))
        .await;
    page["next_since"].as_i64().unwrap()
}

fn item(unit: &str, version: i64, on: &str, met: usize) -> Value {
    let mut item = json!({"unit_code": unit, "criteria_version_id": version, "assessed_on": on, "kind": "self"});
    item["values"] = values_meeting(met)["values"].clone();
    item
}

/// A batch of two good items (Kỳ Lạc at 12/20, Cẩm Quan at 9/20) among five bad ones.
fn mixed_batch(version: i64) -> Value {
    let mut wrong_type = item(CAM_QUAN, version, "2021-09-25", 3);
    wrong_type["values"][0]["value"] = json!("đạt");
    let mut unknown_indicator = item(CAM_QUAN, version, "2021-10-25", 3);
    unknown_indicator["values"][1]["indicator_code"] = json!("99.9");
    json!({"items": [
        item(KY_LAC, version, "2021-09-25", 12),
        wrong_type,
        unknown_indicator,
        item("99999", version, "2021-09-25", 3),
        item(KY_LAC, version, "2020-06-01", 3),
        {"unit_code": KY_LAC},
        item(CAM_QUAN, version, "2021-11-25", 9),
    ]})
}

/// [`mixed_batch`] synced once by Hà Tĩnh: the app, the officer's token, the version,
/// the batch and the response.
async fn mixed_batch_synced() -> (TestApp, String, i64, Value, Value) {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ha_tinh = app.province("42").await;
    let batch = mixed_batch(version);
    let response = sync(&app, "assessments", &ha_tinh, &batch).await;
    (app, ha_tinh, version, batch, response)
}

#[tokio::test]
async fn a_mixed_batch_writes_the_good_items_and_reports_the_bad_ones() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ha_tinh = app.province("42").await;
    let before = app.counts(&["assessments", "assessment_values"]).await;
    let response = sync(&app, "assessments", &ha_tinh, &mixed_batch(version)).await;
    assert_eq!(
        statuses(&response),
        ["created", "error", "error", "error", "error", "error", "created"],
        "{response}"
    );
    assert_eq!(
        (response["created"].clone(), response["errors"].clone()),
        (json!(2), json!(5))
    );
    let field = |i: usize| response["results"][i]["errors"][0]["field"].clone();
    assert_eq!(field(1), "values[0].value");
    assert_eq!(field(2), "values[1].indicator_code");
    assert_eq!(field(3), "unit_code");
    assert_eq!(field(4), "assessed_on");
    assert_eq!(field(5), "criteria_version_id", "{response}");
    assert_eq!(response["results"][3]["problem"]["status"], 422);
    // Only the good items were written, whole.
    let after = app.counts(&["assessments", "assessment_values"]).await;
    assert_eq!(after, [before[0] + 2, before[1] + 40]);
    let id = response["results"][0]["id"].as_i64().unwrap();
    let ky_lac = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ha_tinh))
        .await;
    assert_eq!(ky_lac["summary"]["label"], "12/20");
    assert_eq!(ky_lac["status"], "draft");
    assert_eq!(ky_lac["history"].as_array().unwrap().len(), 1);
    let listed = app
        .get_ok(
            &format!("/api/v1/assessments?unit={CAM_QUAN}"),
            Some(&ha_tinh),
        )
        .await;
    assert_eq!(listed["items"][0]["summary"]["label"], "9/20");
}

#[tokio::test]
async fn the_same_batch_again_is_unchanged_and_adds_nothing_to_the_feed() {
    let (app, ha_tinh, version, batch, first) = mixed_batch_synced().await;
    let head = feed_head(&app).await;
    let values = count_rows(&app.db, "assessment_values").await;
    let again = sync(&app, "assessments", &ha_tinh, &batch).await;
    assert_eq!(
        statuses(&again),
        [
            "unchanged",
            "error",
            "error",
            "error",
            "error",
            "error",
            "unchanged"
        ]
    );
    assert_eq!(again["results"][0]["id"], first["results"][0]["id"]);
    // A stored assessment does not excuse a bad item: an unknown indicator is still refused.
    let mut unknown = item(KY_LAC, version, "2021-09-25", 12);
    unknown["values"] = json!([{"indicator_code": "99.9", "value": null}]);
    let refused = sync(&app, "assessments", &ha_tinh, &json!({"items": [unknown]})).await;
    assert_eq!(
        refused["results"][0]["errors"][0]["field"],
        "values[0].indicator_code"
    );
    assert_eq!(feed_head(&app).await, head);
    assert_eq!(count_rows(&app.db, "assessment_values").await, values);
}

#[tokio::test]
async fn a_changed_value_updates_the_draft_with_one_feed_entry() {
    let (app, ha_tinh, version, _, _) = mixed_batch_synced().await;
    let head = feed_head(&app).await;
    let changed = json!({"items": [item(KY_LAC, version, "2021-09-25", 14)]});
    let response = sync(&app, "assessments", &ha_tinh, &changed).await;
    assert_eq!(statuses(&response), ["updated"]);
    let page = app
        .get_ok(
            &format!("/api/v1/changes?since={head}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["items"][0]["data"]["summary"]["label"], "14/20");
}

#[tokio::test]
async fn a_submitted_assessment_answers_unchanged_to_its_values_and_409_to_others() {
    let (app, ha_tinh, version, _, first) = mixed_batch_synced().await;
    let id = first["results"][0]["id"].as_i64().unwrap();
    let commune = app.commune(KY_LAC).await;
    let etag = app
        .etag(&format!("/api/v1/assessments/{id}"), Some(&commune))
        .await;
    let submitted = app
        .send_if_match(
            Method::POST,
            &format!("/api/v1/assessments/{id}/submit"),
            &commune,
            &etag,
            Some(&json!({})),
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let same = json!({"items": [item(KY_LAC, version, "2021-09-25", 12)]});
    let response = sync(&app, "assessments", &ha_tinh, &same).await;
    assert_eq!(statuses(&response), ["unchanged"]);
    let other = json!({"items": [item(KY_LAC, version, "2021-09-25", 14)]});
    let response = sync(&app, "assessments", &ha_tinh, &other).await;
    assert_eq!(statuses(&response), ["error"]);
    assert_eq!(response["results"][0]["problem"]["status"], 409);
}

#[tokio::test]
async fn a_dry_run_reports_without_writing() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let batch = json!({"dry_run": true, "items": [
        item(KY_LAC, version, "2021-09-25", 12),
        item("99999", version, "2021-09-25", 3),
    ]});
    let tables = [
        "assessments",
        "assessment_values",
        "assessment_results",
        "changes",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count_rows(&app.db, t).await);
    }
    let response = sync(&app, "assessments", &app.admin_token, &batch).await;
    assert_eq!(statuses(&response), ["created", "error"]);
    assert_eq!(response["dry_run"], true);
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(count_rows(&app.db, t).await, n, "{t} changed in a dry run");
    }
    // The same batch for real creates what the dry run announced.
    let mut real = batch.clone();
    real["dry_run"] = json!(false);
    let response = sync(&app, "assessments", &app.admin_token, &real).await;
    assert_eq!(statuses(&response), ["created", "error"]);
}

#[tokio::test]
async fn a_district_syncs_its_own_communes_reviews_only() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_anh = app.district("447").await;
    let mut own = item(KY_LAC, version, "2021-09-25", 12);
    own["kind"] = json!("district_review");
    let mut other = item(CAM_QUAN, version, "2021-09-25", 12);
    other["kind"] = json!("district_review");
    let mut self_kind = item(KY_LAC, version, "2021-10-25", 12);
    self_kind["kind"] = json!("self");
    let before = count_rows(&app.db, "assessments").await;
    let response = sync(
        &app,
        "assessments",
        &ky_anh,
        &json!({"items": [own, other, self_kind]}),
    )
    .await;
    assert_eq!(statuses(&response), ["created", "error", "error"]);
    assert_eq!(response["results"][1]["problem"]["status"], 403);
    assert_eq!(
        response["results"][1]["problem"]["type"],
        "/problems/forbidden"
    );
    assert_eq!(response["results"][2]["problem"]["status"], 403);
    assert_eq!(count_rows(&app.db, "assessments").await, before + 1);
}

#[tokio::test]
async fn a_province_syncs_every_kind_inside_its_province_only() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ha_tinh = app.province("42").await;
    let quang_binh = app.province("44").await;
    let batch = json!({"items": [item(CAM_QUAN, version, "2021-09-25", 5)]});
    let refused = sync(&app, "assessments", &quang_binh, &batch).await;
    assert_eq!(refused["results"][0]["problem"]["status"], 403);
    assert_eq!(count_rows(&app.db, "assessments").await, 0);
    let accepted = sync(&app, "assessments", &ha_tinh, &batch).await;
    assert_eq!(statuses(&accepted), ["created"]);
    assert_eq!(count_rows(&app.db, "assessments").await, 1);
}

#[tokio::test]
async fn roles_that_sync_nothing_of_the_kind_are_refused_whole() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let batch = json!({"items": [item(CAM_QUAN, version, "2021-09-25", 5)]});
    let viewer = app.viewer().await;
    let ky_anh = app.district("447").await;
    let sponsor = app.token_for(Role::Sponsor, Some("1")).await;
    let ha_tinh = app.province("42").await;
    let (units, assessments, sponsorships) = (
        "/api/v1/sync/units",
        "/api/v1/sync/assessments",
        "/api/v1/sync/sponsorships",
    );
    app.expect_refusals_changing_nothing(
        &["assessments", "units", "sponsorships"],
        &[
            (
                Method::POST,
                assessments,
                Some(&viewer),
                &batch,
                403,
                "forbidden",
            ),
            (Method::POST, units, Some(&viewer), &batch, 403, "forbidden"),
            (
                Method::POST,
                sponsorships,
                Some(&viewer),
                &batch,
                403,
                "forbidden",
            ),
            (Method::POST, units, Some(&ky_anh), &batch, 403, "forbidden"),
            (
                Method::POST,
                sponsorships,
                Some(&sponsor),
                &batch,
                403,
                "forbidden",
            ),
            (Method::POST, units, None, &batch, 401, "unauthorized"),
            (Method::POST, assessments, None, &batch, 401, "unauthorized"),
            (
                Method::POST,
                sponsorships,
                None,
                &batch,
                401,
                "unauthorized",
            ),
        ],
    )
    .await;
    // Empty and oversized batches are refused whole.
    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    for body in [json!({"items": []}), json!({"items": too_many})] {
        let problem = crate::helpers::expect_problem(
            app.post(assessments, Some(&ha_tinh), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "items");
    }
    assert_eq!(count_rows(&app.db, "assessments").await, 0);
}

#[tokio::test]
async fn units_sync_by_level_code_and_valid_from() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let new_commune = json!({"level": "commune", "code": "99901", "name": "Xã Thử Nghiệm", "type": "xã",
        "province_code": "42", "commune_group": 2, "valid_from": "2025-07-01"});
    let village = json!({"level": "village", "code": "9990101", "name": "Thôn Một", "type": "thôn",
        "commune_code": "99901", "valid_from": "2025-07-01"});
    let elsewhere = json!({"level": "commune", "code": "99902", "name": "Xã Khác", "type": "xã",
        "province_code": "01", "valid_from": "2025-07-01"});
    let province = json!({"level": "province", "code": "99", "name": "Tỉnh Mới", "type": "tỉnh",
        "region": "red_river_delta", "valid_from": "2025-07-01"});
    let bad = json!({"level": "commune", "code": "99903", "name": "", "type": "xã",
        "province_code": "42", "valid_from": "2025-07-01"});
    let batch = json!({"items": [new_commune, village, elsewhere, province, bad]});
    let units_before = count_rows(&app.db, "units").await;
    let response = sync(&app, "units", &ha_tinh, &batch).await;
    assert_eq!(
        statuses(&response),
        ["created", "created", "error", "error", "error"],
        "{response}"
    );
    assert_eq!(response["results"][0]["key"], "commune:99901:2025-07-01");
    assert_eq!(response["results"][2]["problem"]["status"], 403);
    assert_eq!(response["results"][3]["problem"]["status"], 403);
    assert_eq!(response["results"][4]["errors"][0]["field"], "name");
    assert_eq!(count_rows(&app.db, "units").await, units_before + 2);
    // Public reads see the new units at once.
    let commune = app.get_ok("/api/v1/communes/99901", None).await;
    assert_eq!(commune["commune_group"], 2);

    let head = feed_head(&app).await;
    let again = sync(&app, "units", &ha_tinh, &batch).await;
    assert_eq!(
        statuses(&again),
        ["unchanged", "unchanged", "error", "error", "error"]
    );
    assert_eq!(feed_head(&app).await, head);
    let mut renamed = batch["items"][0].clone();
    renamed["name"] = json!("Xã Thử Nghiệm Mới");
    let response = sync(&app, "units", &ha_tinh, &json!({"items": [renamed]})).await;
    assert_eq!(statuses(&response), ["updated"]);
    assert_eq!(
        app.get_ok("/api/v1/communes/99901", None).await["name"],
        "Xã Thử Nghiệm Mới"
    );
    assert_eq!(count_rows(&app.db, "units").await, units_before + 2);
}

#[tokio::test]
async fn sponsorships_sync_by_agency_commune_and_start() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let agency = expect_json(
        app.post(
            "/api/v1/agencies",
            Some(&ha_tinh),
            &json!({"name": "Sở Khoa học và Công nghệ Hà Tĩnh", "kind": "state", "province_code": "42"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let good = json!({"agency_id": agency, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2025-06-30",
        "commitments": ["Hỗ trợ mô hình nuôi ong"]});
    let backwards = json!({"agency_id": agency, "commune_code": CAM_QUAN, "starts_on": "2021-01-01", "ends_on": "2020-12-31"});
    let no_agency = json!({"agency_id": 999999, "commune_code": CAM_QUAN, "starts_on": "2021-01-01", "ends_on": "2022-12-31"});
    let batch = json!({"items": [good, backwards, no_agency]});
    let response = sync(&app, "sponsorships", &ha_tinh, &batch).await;
    assert_eq!(statuses(&response), ["created", "error", "error"]);
    assert_eq!(response["results"][1]["errors"][0]["field"], "ends_on");
    assert_eq!(response["results"][2]["errors"][0]["field"], "agency_id");
    let id = response["results"][0]["id"].as_i64().unwrap();
    let head = feed_head(&app).await;
    let again = sync(&app, "sponsorships", &ha_tinh, &batch).await;
    assert_eq!(statuses(&again), ["unchanged", "error", "error"]);
    assert_eq!(feed_head(&app).await, head);
    let mut more = batch["items"][0].clone();
    more["commitments"] = json!(["Hỗ trợ mô hình nuôi ong", "Mô hình ổi"]);
    let response = sync(&app, "sponsorships", &ha_tinh, &json!({"items": [more]})).await;
    assert_eq!(statuses(&response), ["updated"]);
    assert_eq!(response["results"][0]["id"], id);
    let stored = app
        .get_ok(&format!("/api/v1/sponsorships/{id}"), None)
        .await;
    assert_eq!(stored["commitments"].as_array().unwrap().len(), 2);
    assert_eq!(count_rows(&app.db, "sponsorships").await, 1);
    // Another province's officers cannot sponsor Hà Tĩnh's communes.
    let quang_binh = app.token_for(Role::Province, Some("44")).await;
    let refused = sync(&app, "sponsorships", &quang_binh, &batch).await;
    assert_eq!(refused["results"][0]["problem"]["status"], 403);
}

/// Installs on `app`'s database a trigger that fires when values are written for an
/// assessment while a later one exists without values yet, which happens only when a
/// chunk's new assessments are written together (one by one, each item's values follow its
/// own row; an update writes values when the later ones have theirs).
/// `then` is what it does: record the assessment in `written_together`, or refuse.
async fn on_values_written_together(app: &TestApp, then: &str) {
    use sea_orm::ConnectionTrait;
    let sqlite = app.db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let (record, refuse) = if sqlite {
        (
            "INSERT INTO written_together VALUES (NEW.assessment_id);",
            "SELECT RAISE(ABORT, 'refused while written together');",
        )
    } else {
        (
            "INSERT INTO written_together VALUES (NEW.assessment_id);",
            "RAISE EXCEPTION 'refused while written together';",
        )
    };
    let action = if then == "record" { record } else { refuse };
    let later =
        "EXISTS (SELECT 1 FROM assessments a WHERE a.id > NEW.assessment_id AND NOT EXISTS \
                 (SELECT 1 FROM assessment_values v WHERE v.assessment_id = a.id))";
    let statements = if sqlite {
        vec![
            "CREATE TABLE written_together (assessment_id INTEGER)".to_string(),
            format!(
                "CREATE TRIGGER values_written_together BEFORE INSERT ON assessment_values \
                 WHEN {later} BEGIN {action} END"
            ),
        ]
    } else {
        vec![
            "CREATE TABLE written_together (assessment_id INTEGER)".to_string(),
            format!(
                "CREATE FUNCTION values_written_together() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN IF {later} THEN {action} END IF; RETURN NEW; END $$"
            ),
            "CREATE TRIGGER values_written_together BEFORE INSERT ON assessment_values \
             FOR EACH ROW EXECUTE FUNCTION values_written_together()"
                .to_string(),
        ]
    };
    for sql in statements {
        app.db.execute_unprepared(&sql).await.expect(&sql);
    }
}

/// `(key, entry)` pairs grouped by key, each key's entries in their order, keys sorted: a
/// log's order for each key without the order between keys.
fn by_key(entries: impl IntoIterator<Item = (String, Value)>) -> Vec<(String, Vec<Value>)> {
    let mut grouped = std::collections::BTreeMap::<String, Vec<Value>>::new();
    for (key, entry) in entries {
        grouped.entry(key).or_default().push(entry);
    }
    grouped.into_iter().collect()
}

/// What a sync answered and left behind, without what differs between two databases
/// (times, ids, the officer's generated name): each item's answer, each created assessment as
/// read back, for each key its feed entries and its audit entries in order, and whether
/// the trail's chain verifies.
async fn outcome(app: &TestApp, token: &str, response: &Value) -> Value {
    // Ids as the order in which the batch names them (PostgreSQL does not take back the ids
    // of a rolled-back write, so one by one after a refusal the ids are others).
    let mut ordinal = std::collections::HashMap::new();
    let mut results = response["results"].clone();
    for result in results.as_array_mut().unwrap() {
        if let Some(id) = result["id"].as_i64() {
            let next = ordinal.len();
            result["id"] = json!(*ordinal.entry(id.to_string()).or_insert(next));
        }
    }
    let key_of = |entry: &Value| ordinal[entry["key"].as_str().unwrap()].to_string();
    let mut assessments = Vec::new();
    for result in response["results"].as_array().unwrap() {
        if let Some(id) = result["id"].as_i64() {
            let read = app
                .get_ok(&format!("/api/v1/assessments/{id}"), Some(token))
                .await;
            let fields = ["summary", "status", "criteria", "decisions", "region"];
            let mut kept: Vec<Value> = fields.iter().map(|f| read[*f].clone()).collect();
            kept.push(json!(read["history"].as_array().unwrap().len()));
            assessments.push(kept);
        }
    }
    let feed = app
        .get_ok("/api/v1/changes?since=0&limit=1000", Some(&app.admin_token))
        .await;
    let feed = by_key(
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["entity"] == "assessment")
            .map(|c| {
                let entry = json!([c["op"], c["data"]["summary"], c["data"]["status"]]);
                (key_of(c), entry)
            }),
    );
    let trail = app
        .get_ok(
            "/api/v1/audit?per_page=500&entity=assessment",
            Some(&app.admin_token),
        )
        .await;
    // Newest first: reversed to the order of writing.
    let trail = by_key(trail["items"].as_array().unwrap().iter().rev().map(|e| {
        let mut changes = e["changes"].clone();
        for generated in ["id", "created_by", "updated_at"] {
            changes.as_object_mut().unwrap().remove(generated);
        }
        (key_of(e), json!([e["operation"], e["via"], changes]))
    }));
    let verified = ntm_api::services::audit::verify(&app.db).await.unwrap();
    json!({
        "results": results,
        "assessments": assessments,
        "feed": feed,
        "trail": trail,
        "chain_breaks": verified.breaks.len(),
    })
}

#[tokio::test]
async fn items_written_together_and_one_by_one_answer_and_store_the_same() {
    // A batch of new assessments (written together), bad items (answered one by one), an
    // item repeating a new one's key (an update of what the batch just created).
    let batch = |version: i64| {
        let mut batch = mixed_batch(version);
        let items = batch["items"].as_array_mut().unwrap();
        items.push(item(KY_LAC, version, "2022-03-01", 15));
        items.push(item(KY_LAC, version, "2021-09-25", 13));
        items.push(item(CAM_QUAN, version, "2022-03-01", 20));
        batch
    };
    let mut outcomes = Vec::new();
    for then in ["record", "refuse"] {
        let app = TestApp::spawn().await;
        on_values_written_together(&app, then).await;
        let version = app.ha_tinh_version().await;
        let ha_tinh = app.province("42").await;
        let response = sync(&app, "assessments", &ha_tinh, &batch(version)).await;
        assert_eq!(
            statuses(&response),
            [
                "created", "error", "error", "error", "error", "error", "created", "created",
                "updated", "created"
            ],
            "{then}: {response}"
        );
        let written_together = count_rows(&app.db, "written_together").await;
        if then == "record" {
            // Without the refusal the four new assessments went in together.
            assert!(written_together > 0, "the batch was written one by one");
        }
        outcomes.push(outcome(&app, &ha_tinh, &response).await);
    }
    assert_eq!(outcomes[0]["chain_breaks"], 0);
    // Four keys: one with its create and the update, three with their create.
    let entries: Vec<usize> = outcomes[0]["feed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k[1].as_array().unwrap().len())
        .collect();
    assert_eq!(entries, [2, 1, 1, 1], "{}", outcomes[0]["feed"]);
    // Refused together, the same items went in one by one with the same answers and rows.
    assert_eq!(outcomes[0], outcomes[1]);
}

#[tokio::test]
async fn a_stored_key_sent_twice_in_a_batch_is_answered_in_the_batch_order() {
    let (app, ha_tinh, version, _, first) = mixed_batch_synced().await;
    // Kỳ Lạc was stored at 12/20: changed to 14, then sent back as stored, in one batch.
    let batch = json!({"items": [
        item(KY_LAC, version, "2021-09-25", 14),
        item(KY_LAC, version, "2021-09-25", 12),
        item(CAM_QUAN, version, "2021-11-25", 9),
    ]});
    let response = sync(&app, "assessments", &ha_tinh, &batch).await;
    assert_eq!(
        statuses(&response),
        ["updated", "updated", "unchanged"],
        "{response}"
    );
    assert_eq!(response["results"][1]["id"], first["results"][0]["id"]);
    let id = first["results"][0]["id"].as_i64().unwrap();
    let read = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ha_tinh))
        .await;
    assert_eq!(read["summary"]["label"], "12/20");
    // A caller who may not carry the stored assessment is refused even when it is unchanged.
    let other = app.province("40").await;
    let refused = sync(
        &app,
        "assessments",
        &other,
        &json!({"items": [item(CAM_QUAN, version, "2021-11-25", 9)]}),
    )
    .await;
    assert_eq!(refused["results"][0]["problem"]["status"], 403, "{refused}");
}
