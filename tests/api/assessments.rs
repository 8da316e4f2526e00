//! The articles' cases: Kỳ Lạc at 12/20 and Kỳ Tây at 9/20 (2021), the workflow per role,
//! a recognition and its revocation, four communes registered for 2018.
use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp};

/// Hà Tĩnh's 20-criterion set (its provincial set adds a 20th criterion), published,
/// in force from 2021-01-01: criterion 10 (income) is numeric with a regional threshold,
/// the others one yes/no indicator each. Returns the version id.
pub async fn ha_tinh_set(app: &TestApp) -> i64 {
    let set = json!({"code": "HT-XA-NTM-2021", "name": "Bộ tiêu chí xã NTM tỉnh Hà Tĩnh 2021-2025", "level": "commune", "scope": "42"});
    let set_id = expect_json(
        app.post("/api/v1/criteria-sets", Some(&app.admin_token), &set)
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .clone();
    let criteria: Vec<Value> = (1..=20)
        .map(|n| {
            let indicator = if n == 10 {
                json!({"code": "10", "name": "Thu nhập bình quân đầu người", "unit": "triệu đồng/người/năm", "kind": "min",
                       "thresholds": [{"region": "north_central_coast", "year": 2021, "value": 42.0}, {"value": 40.0}]})
            } else {
                json!({"code": format!("{n}.1"), "name": format!("Chỉ tiêu {n}.1"), "kind": "boolean"})
            };
            json!({"number": n, "code": n.to_string(), "name": format!("Tiêu chí {n}"), "group": "economy", "indicators": [indicator]})
        })
        .collect();
    let body = json!({"set_id": set_id, "label": "2021",
        "legal_document": {"number": "36/2022/QĐ-UBND", "title": "Bộ tiêu chí xã NTM", "issuer": "UBND tỉnh Hà Tĩnh"},
        "effective_from": "2021-01-01", "criteria": criteria});
    let id = expect_json(
        app.post("/api/v1/criteria-versions", Some(&app.admin_token), &body)
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    expect_json(
        app.post(
            &format!("/api/v1/criteria-versions/{id}/publish"),
            Some(&app.admin_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    id
}

/// Values meeting the first `met` criteria (income counts as criterion 10).
pub fn values_meeting(met: usize) -> Value {
    let values: Vec<Value> = (1..=20usize)
        .map(|n| {
            let ok = n <= met;
            if n == 10 {
                json!({"indicator_code": "10", "value": if ok { 45.5 } else { 41.0 }})
            } else {
                json!({"indicator_code": format!("{n}.1"), "value": ok})
            }
        })
        .collect();
    json!({"values": values})
}

async fn start(app: &TestApp, token: &str, version: i64, unit: &str) -> Value {
    let body = json!({"unit_code": unit, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    expect_json(
        app.post("/api/v1/assessments", Some(token), &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn put_values(app: &TestApp, token: &str, id: i64, body: &Value) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        &format!("/api/v1/assessments/{id}/indicator-values"),
        Some(token),
        body,
    )
    .await
}

async fn act(
    app: &TestApp,
    token: Option<&str>,
    id: i64,
    action: &str,
    note: Option<&str>,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/assessments/{id}/{action}"),
        token,
        &json!({"note": note}),
    )
    .await
}

#[tokio::test]
async fn ky_lac_reaches_12_of_20_and_ky_tay_9_of_20() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ky_lac = app.token_for(Role::Commune, Some("18850")).await;
    let ky_tay = app.token_for(Role::Commune, Some("18793")).await;
    let a = start(&app, &ky_lac, version, "18850").await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["summary"]["label"], "0/20");
    assert_eq!(a["district_code"], "447");
    let b = start(&app, &ky_tay, version, "18793").await;
    let a = expect_json(
        put_values(
            &app,
            &ky_lac,
            a["id"].as_i64().unwrap(),
            &values_meeting(12),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let b = expect_json(
        put_values(&app, &ky_tay, b["id"].as_i64().unwrap(), &values_meeting(9)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        a["summary"],
        json!({"met": 12, "total": 20, "label": "12/20"})
    );
    assert_eq!(b["summary"]["label"], "9/20");
    // Income is judged against the north-central-coast threshold for 2021.
    let income = a["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "10")
        .unwrap();
    assert_eq!(income["indicators"][0]["threshold"], 42.0);
    assert_eq!(income["indicators"][0]["value"], 45.5);
    assert_eq!(income["met"], true);
    assert_eq!(a["history"][0]["to"], "draft");
    assert!(a["history"][0]["from"].is_null());
    // An officer decides a non-quantifiable criterion, with who and why.
    let decided = json!({"criteria_decisions": [{"criterion_code": "19", "met": true, "note": "biên bản số 12"}]});
    let a = expect_json(
        put_values(&app, &ky_lac, a["id"].as_i64().unwrap(), &decided).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["summary"]["label"], "13/20");
    assert_eq!(a["decisions"][0]["note"], "biên bản số 12");
    let basically = json!({"criteria_decisions": [{"criterion_code": "18", "result": "basically_met", "note": "cơ bản đạt"}]});
    let a = expect_json(
        put_values(&app, &ky_lac, a["id"].as_i64().unwrap(), &basically).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        a["summary"]["label"], "13/20",
        "basically met does not count"
    );
    // Lists filter by district and year.
    let district = app.token_for(Role::District, Some("447")).await;
    let listed = app
        .get_ok(
            "/api/v1/assessments?district=447&year=2021",
            Some(&district),
        )
        .await;
    assert_eq!(listed["total"], 2);
    // The communes cannot be deleted while assessments are about them.
    let before = count_rows(&app.db, "units").await;
    expect_problem(
        app.delete("/api/v1/communes/18850", Some(&app.admin_token))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
}

#[tokio::test]
async fn bad_values_are_422_and_stale_writes_412_with_nothing_changed() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ky_lac = app.token_for(Role::Commune, Some("18850")).await;
    let a = start(&app, &ky_lac, version, "18850").await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/assessments/{id}");
    let etag = app.get(&path, Some(&ky_lac)).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let values_before = count_rows(&app.db, "assessment_values").await;
    let wrong = json!({"values": [{"indicator_code": "1.1", "value": true}, {"indicator_code": "10", "value": true}, {"indicator_code": "99", "value": 1}]});
    let problem = expect_problem(
        put_values(&app, &ky_lac, id, &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["values[1].value", "values[2].indicator_code"]
    );
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("10"));
    let no_note = json!({"criteria_decisions": [{"criterion_code": "19", "met": true}]});
    let problem = expect_problem(
        put_values(&app, &ky_lac, id, &no_note).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["criteria_decisions[0].note"]);
    assert_eq!(
        count_rows(&app.db, "assessment_values").await,
        values_before
    );
    // The first write with the ETag wins; the second with the same ETag is 412.
    let first = app
        .request(
            Method::PUT,
            &format!("{path}/indicator-values"),
            Some(&ky_lac),
        )
        .header("If-Match", etag.clone())
        .json(&values_meeting(5))
        .send()
        .await
        .unwrap();
    expect_json(first, StatusCode::OK).await;
    let second = app
        .request(
            Method::PUT,
            &format!("{path}/indicator-values"),
            Some(&ky_lac),
        )
        .header("If-Match", etag)
        .json(&values_meeting(20))
        .send()
        .await
        .unwrap();
    expect_problem(
        second,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    assert_eq!(
        app.get_ok(&path, Some(&ky_lac)).await["summary"]["label"],
        "5/20"
    );
    // Dates outside the version, units that did not exist, drafts of versions: 422.
    for (body, field) in [
        (
            json!({"unit_code": "18850", "criteria_version_id": version, "assessed_on": "2020-06-01", "kind": "self"}),
            "assessed_on",
        ),
        (
            json!({"unit_code": "99999", "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "self"}),
            "unit_code",
        ),
        (
            json!({"unit_code": "18850", "criteria_version_id": 999999, "assessed_on": "2021-06-01", "kind": "self"}),
            "criteria_version_id",
        ),
        (
            json!({"unit_code": "18850", "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "guess"}),
            "kind",
        ),
    ] {
        let problem = expect_problem(
            app.post("/api/v1/assessments", Some(&ky_lac), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    let duplicate = json!({"unit_code": "18850", "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    expect_problem(
        app.post("/api/v1/assessments", Some(&ky_lac), &duplicate)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(count_rows(&app.db, "assessments").await, 1);
}

#[tokio::test]
async fn concurrent_writers_lose_no_update() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ky_lac = app.token_for(Role::Commune, Some("18850")).await;
    let a = start(&app, &ky_lac, version, "18850").await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/assessments/{id}/indicator-values");
    let etag = app
        .get(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    // 200 writers hold the same ETag: exactly one may write.
    let writers: Vec<_> = (0..200usize)
        .map(|n| {
            let request = app
                .request(Method::PUT, &path, Some(&ky_lac))
                .header("If-Match", etag.clone())
                .json(&values_meeting(n % 20 + 1));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for w in writers {
        statuses.push(w.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 199), "{statuses:?}");
    // The one that won is whole: 20 values, and the summary matches them.
    let now = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    let met = now["summary"]["met"].as_i64().unwrap();
    let values_met = now["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == true)
        .count() as i64;
    assert_eq!(met, values_met);
    assert_eq!(count_rows(&app.db, "assessment_values").await, 20);
}

#[tokio::test]
async fn the_workflow_follows_the_roles() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ky_lac = app.token_for(Role::Commune, Some("18850")).await;
    let ky_tay = app.token_for(Role::Commune, Some("18793")).await;
    let ky_anh = app.token_for(Role::District, Some("447")).await;
    let can_loc = app.token_for(Role::District, Some("443")).await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let viewer = app.token_for(Role::Viewer, None).await;
    let a = start(&app, &ky_lac, version, "18850").await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/assessments/{id}");
    // Drafts: the commune, its district, province, viewers; not the public or a neighbour.
    expect_problem(
        app.get(&path, None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_problem(
        app.get(&path, Some(&ky_tay)).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    for token in [&ky_anh, &ha_tinh, &viewer] {
        app.get_ok(&path, Some(token)).await;
    }
    assert_eq!(app.get_ok("/api/v1/assessments", None).await["total"], 0);
    // Nobody else edits or submits the commune's draft.
    expect_problem(
        put_values(&app, &ky_tay, id, &values_meeting(3)).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_problem(
        put_values(&app, &ky_anh, id, &values_meeting(3)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        act(&app, None, id, "submit", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        act(&app, Some(&ky_anh), id, "submit", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        act(&app, Some(&ky_anh), id, "review", None).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_json(
        put_values(&app, &ky_lac, id, &values_meeting(20)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(&app, Some(&ky_lac), id, "submit", Some("gửi huyện")).await,
        StatusCode::OK,
    )
    .await;
    // Submitted: read-only for the commune, public now.
    expect_problem(
        put_values(&app, &ky_lac, id, &values_meeting(1)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.patch(&path, Some(&ky_lac), &json!({"assessed_on": "2021-10-01"}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(app.get_ok(&path, None).await["status"], "submitted");
    expect_problem(
        act(&app, Some(&ky_lac), id, "review", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        act(&app, Some(&can_loc), id, "review", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        act(&app, Some(&ha_tinh), id, "appraise", None).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_json(
        act(&app, Some(&ky_anh), id, "review", Some("đã thẩm tra")).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        act(&app, Some(&ky_anh), id, "appraise", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        act(&app, Some(&nghe_an), id, "appraise", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Returning needs a reason; then the commune edits again.
    let problem = expect_problem(
        act(&app, Some(&ha_tinh), id, "return", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["note"]);
    expect_json(
        act(
            &app,
            Some(&ha_tinh),
            id,
            "return",
            Some("thiếu minh chứng tiêu chí 17"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        put_values(&app, &ky_lac, id, &values_meeting(20)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(&app, Some(&ky_lac), id, "submit", None).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(&app, Some(&ky_anh), id, "review", None).await,
        StatusCode::OK,
    )
    .await;
    let appraised = expect_json(
        act(
            &app,
            Some(&ha_tinh),
            id,
            "appraise",
            Some("hội đồng thẩm định 20/20"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(appraised["status"], "appraised");
    let steps: Vec<(Value, Value, Value)> = appraised["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone(), h["note"].clone()))
        .collect();
    assert_eq!(steps.len(), 7);
    assert_eq!(
        steps[3],
        (
            json!("reviewed"),
            json!("draft"),
            json!("thiếu minh chứng tiêu chí 17")
        )
    );
    assert_eq!(
        appraised["history"][3]["by"]
            .as_str()
            .unwrap()
            .split('-')
            .next(),
        Some("province")
    );
}

/// Walks an assessment of `unit` meeting `met` criteria to `appraised`; returns its id.
async fn appraised(app: &TestApp, version: i64, unit: &str, met: usize) -> i64 {
    let commune = app.token_for(Role::Commune, Some(unit)).await;
    let province = app.token_for(Role::Province, Some("42")).await;
    let id = start(app, &commune, version, unit).await["id"]
        .as_i64()
        .unwrap();
    expect_json(
        put_values(app, &commune, id, &values_meeting(met)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(app, Some(&commune), id, "submit", None).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(app, Some(&province), id, "review", None).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        act(app, Some(&province), id, "appraise", None).await,
        StatusCode::OK,
    )
    .await;
    id
}

#[tokio::test]
async fn a_recognition_needs_every_criterion_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let district = app.token_for(Role::District, Some("447")).await;
    let short = appraised(&app, version, "18793", 19).await;
    let full = appraised(&app, version, "18850", 20).await;
    let decision = |id: i64, unit: &str| {
        json!({"unit_code": unit, "level": "commune", "assessment_id": id,
        "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh Hà Tĩnh", "recognition_year": 2021})
    };
    let before = count_rows(&app.db, "recognitions").await;
    let problem = expect_problem(
        app.post(
            "/api/v1/recognitions",
            Some(&ha_tinh),
            &decision(short, "18793"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["assessment_id"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("20"),
        "{problem}"
    );
    expect_problem(
        app.post("/api/v1/recognitions", None, &decision(full, "18850"))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/recognitions",
            Some(&nghe_an),
            &decision(full, "18850"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/recognitions",
            Some(&district),
            &decision(full, "18850"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let mut wrong_unit = decision(full, "18793");
    wrong_unit["decided_on"] = json!("2020-01-01");
    let problem = expect_problem(
        app.post("/api/v1/recognitions", Some(&ha_tinh), &wrong_unit)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["unit_code", "decided_on"]);
    assert_eq!(count_rows(&app.db, "recognitions").await, before);
    let recognition = expect_json(
        app.post(
            "/api/v1/recognitions",
            Some(&ha_tinh),
            &decision(full, "18850"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        app.get_ok(&format!("/api/v1/assessments/{full}"), None)
            .await["status"],
        "recognized"
    );
    let status = app
        .get_ok("/api/v1/communes/18850/status?on=2022-01-01", None)
        .await;
    assert_eq!(status["level"], "commune");
    assert_eq!(status["latest_assessment"]["summary"]["label"], "20/20");
    assert_eq!(status["at_risk"], false);
    assert_eq!(status["recognitions"][0]["decision_number"], "1234/QĐ-UBND");
    let other = app
        .get_ok("/api/v1/communes/18793/status?on=2022-01-01", None)
        .await;
    assert_eq!(
        (
            other["level"].as_str(),
            other["latest_assessment"]["summary"]["label"].as_str()
        ),
        (Some("none"), Some("19/20"))
    );
    // GET /communes?level= filters by the current level.
    let level = |l: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get_ok(
                    &format!("/api/v1/communes?province=42&on=2022-01-01&per_page=500&level={l}"),
                    None,
                )
                .await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(level("commune").await, ["18850"]);
    assert!(!level("none").await.contains(&"18850".to_string()));
    assert!(level("none").await.contains(&"18793".to_string()));
    // Revocation (thu hồi).
    let rid = recognition["id"].as_i64().unwrap();
    let revoke = json!({"decision_number": "99/QĐ-UBND", "decided_on": "2024-05-01", "reason": "không duy trì tiêu chí 17"});
    expect_problem(
        app.post(&format!("/api/v1/recognitions/{rid}/revoke"), None, &revoke)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post(
            &format!("/api/v1/recognitions/{rid}/revoke"),
            Some(&nghe_an),
            &revoke,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let revoked = expect_json(
        app.post(
            &format!("/api/v1/recognitions/{rid}/revoke"),
            Some(&ha_tinh),
            &revoke,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revoked["revocation"]["reason"], "không duy trì tiêu chí 17");
    expect_problem(
        app.post(
            &format!("/api/v1/recognitions/{rid}/revoke"),
            Some(&ha_tinh),
            &revoke,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(
        app.get_ok("/api/v1/communes/18850/status?on=2024-06-01", None)
            .await["level"],
        "none"
    );
    assert_eq!(
        app.get_ok("/api/v1/recognitions?unit=18850&revoked=true", None)
            .await["total"],
        1
    );
}

#[tokio::test]
async fn four_communes_register_for_2018() {
    let app = TestApp::spawn().await;
    let can_loc = app.token_for(Role::District, Some("443")).await;
    let ky_anh = app.token_for(Role::District, Some("447")).await;
    let commune = app.token_for(Role::Commune, Some("18475")).await;
    // Kim Lộc was merged into Kim Song Trường (18436) in 2019; the lists carry the latter.
    for code in ["18436", "18475", "18454", "18463"] {
        let body = json!({"unit_code": code, "level": "commune", "target_year": 2018});
        expect_problem(
            app.post("/api/v1/registrations", None, &body).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.post("/api/v1/registrations", Some(&ky_anh), &body)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.post("/api/v1/registrations", Some(&commune), &body)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_json(
            app.post("/api/v1/registrations", Some(&can_loc), &body)
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let listed = app
        .get_ok("/api/v1/registrations?district=443&year=2018", None)
        .await;
    assert_eq!(listed["total"], 4);
    let again = json!({"unit_code": "18475", "level": "commune", "target_year": 2018});
    expect_problem(
        app.post("/api/v1/registrations", Some(&can_loc), &again)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let problem = expect_problem(
        app.post(
            "/api/v1/registrations",
            Some(&can_loc),
            &json!({"unit_code": "18475", "level": "commune", "target_year": 1990}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["target_year"]);
    assert_eq!(count_rows(&app.db, "registrations").await, 4);
    // Moving a registration uses its ETag.
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/registrations/{id}");
    let etag = app.get(&path, None).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    expect_problem(
        app.patch(&path, Some(&ky_anh), &json!({"target_year": 2019}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let moved = app
        .request(Method::PATCH, &path, Some(&can_loc))
        .header("If-Match", etag.clone())
        .json(&json!({"target_year": 2019}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_json(moved, StatusCode::OK).await["target_year"],
        2019
    );
    let stale = app
        .request(Method::DELETE, &path, Some(&can_loc))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    expect_problem(
        app.delete(&path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.delete(&path, Some(&can_loc)).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn assessment_writes_need_a_token() {
    let app = TestApp::spawn().await;
    let version = ha_tinh_set(&app).await;
    let ky_lac = app.token_for(Role::Commune, Some("18850")).await;
    let id = start(&app, &ky_lac, version, "18850").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/assessments/{id}");
    let body = json!({"unit_code": "18850", "criteria_version_id": version, "assessed_on": "2021-10-25", "kind": "self"});
    expect_problem(
        app.post("/api/v1/assessments", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let ky_tay = app.token_for(Role::Commune, Some("18793")).await;
    expect_problem(
        app.post("/api/v1/assessments", Some(&ky_tay), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let district = app.token_for(Role::District, Some("447")).await;
    expect_problem(
        app.post("/api/v1/assessments", Some(&district), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let mut review = body.clone();
    review["kind"] = json!("district_review");
    expect_json(
        app.post("/api/v1/assessments", Some(&district), &review)
            .await,
        StatusCode::CREATED,
    )
    .await;
    expect_problem(
        app.send_json(
            Method::PUT,
            &format!("{path}/indicator-values"),
            None,
            &values_meeting(1),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.patch(&path, None, &json!({"assessed_on": "2021-10-01"}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.delete(&path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    for action in ["submit", "review", "appraise", "return"] {
        expect_problem(
            act(&app, None, id, action, Some("x")).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    expect_problem(
        app.delete(&path, Some(&district)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let moved = expect_json(
        app.patch(&path, Some(&ky_lac), &json!({"assessed_on": "2021-10-01"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["assessed_on"], "2021-10-01");
    assert_eq!(
        app.delete(&path, Some(&ky_lac)).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        app.get(&path, Some(&ky_lac)).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
