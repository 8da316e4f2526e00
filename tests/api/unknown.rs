//! Criteria that cannot be judged yet (issue 16): `unknown` is not "not met", a decision
//! settles it, the revocation risk counts only what is known, versions say what they lack,
//! and the special regional rule of QĐ 318 is a dated mark on a commune.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Kỳ Lạc's draft against Hà Tĩnh's set, with the commune's token.
async fn ky_lac_draft_on(app: &TestApp, on: &str) -> (String, i64) {
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let a = app.draft_assessment_on(&ky_lac, version, KY_LAC, on).await;
    (ky_lac, a["id"].as_i64().unwrap())
}

fn criterion<'a>(a: &'a Value, code: &str) -> &'a Value {
    a["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn a_missing_threshold_or_value_is_unknown_not_unmet_until_a_decision_settles_it() {
    let app = TestApp::spawn().await;
    let (ky_lac, id) = ky_lac_draft_on(&app, "2021-09-25").await;
    // Nothing entered yet: every criterion is undetermined, none is a failure.
    let a = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    assert_eq!(
        a["summary"],
        json!({"met": 0, "not_met": 0, "unknown": 20, "total": 20, "label": "0/20"})
    );
    assert_eq!(criterion(&a, "1")["result"], "unknown");
    // Nineteen yes/no answers, nine of them "no", and no income yet.
    let mut body = values_meeting(10);
    body["values"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v["indicator_code"] != "10");
    let a = expect_json(
        app.put_values(Some(&ky_lac), id, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        a["summary"],
        json!({"met": 9, "not_met": 10, "unknown": 1, "total": 20, "label": "9/20"})
    );
    let income = criterion(&a, "10");
    assert_eq!(
        (income["computed"].as_str(), income["met"].as_bool()),
        (Some("unknown"), Some(false))
    );
    // The list shows the same counts from what is stored.
    let listed = app
        .get_ok("/api/v1/assessments?unit=18850", Some(&ky_lac))
        .await;
    assert_eq!(listed["items"][0]["summary"]["unknown"], 1);
    // An officer's decision settles it; "unknown" is not a decision.
    let refused = app
        .put_values(
            Some(&ky_lac),
            id,
            &json!({"criteria_decisions": [{"criterion_code": "10", "result": "unknown", "note": "x"}]}),
        )
        .await;
    expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let decided = json!({"criteria_decisions": [{"criterion_code": "10", "met": true, "note": "biên bản thẩm tra số 3"}]});
    let a = expect_json(
        app.put_values(Some(&ky_lac), id, &decided).await,
        StatusCode::OK,
    )
    .await;
    let income = criterion(&a, "10");
    assert_eq!(
        (income["computed"].as_str(), income["result"].as_str()),
        (Some("unknown"), Some("met"))
    );
    assert_eq!(a["summary"]["unknown"], 0);
    assert_eq!(a["summary"]["label"], "10/20");
}

#[tokio::test]
async fn the_revocation_risk_counts_known_failures_only() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let full = app.appraised_assessment(version, KY_LAC, 20).await;
    let ha_tinh = app.province(HA_TINH).await;
    let decision = json!({"unit_code": KY_LAC, "level": "commune", "assessment_id": full,
        "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh Hà Tĩnh", "recognition_year": 2021});
    app.created("/api/v1/recognitions", &ha_tinh, &decision)
        .await;
    // A later self-assessment with nothing entered: twenty unknown criteria are no risk.
    let ky_lac = app.commune(KY_LAC).await;
    let later = app
        .draft_assessment_on(&ky_lac, version, KY_LAC, "2021-11-02")
        .await;
    let status = app
        .get_ok("/api/v1/communes/18850/status", Some(&ky_lac))
        .await;
    assert_eq!(status["latest_assessment"]["id"], later["id"]);
    assert_eq!(status["latest_assessment"]["summary"]["unknown"], 20);
    assert_eq!(
        status["at_risk"], false,
        "unknown criteria are not failures"
    );
    // Ten known failures (half of the set) are.
    let id = later["id"].as_i64().unwrap();
    expect_json(
        app.put_values(Some(&ky_lac), id, &values_meeting(10)).await,
        StatusCode::OK,
    )
    .await;
    let status = app
        .get_ok("/api/v1/communes/18850/status", Some(&ky_lac))
        .await;
    assert_eq!(status["at_risk"], true);
}

#[tokio::test]
async fn progress_reports_leave_unknown_criteria_out_of_the_rates_and_say_how_many() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let a = app.draft_assessment(&ky_lac, version, KY_LAC).await;
    let id = a["id"].as_i64().unwrap();
    let mut body = values_meeting(20);
    body["values"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v["indicator_code"] != "10");
    expect_json(
        app.put_values(Some(&ky_lac), id, &body).await,
        StatusCode::OK,
    )
    .await;
    app.act_ok(&ky_lac, id, "submit", None).await;
    let report = app
        .get_ok(
            "/api/v1/reports/progress?province=42&year=2021",
            Some(&ky_lac),
        )
        .await;
    assert_eq!(report["mean_criteria_met"], 19.0);
    assert_eq!(report["mean_criteria_unknown"], 1.0);
    let income = report["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "10")
        .unwrap();
    assert_eq!(
        (income["assessed"].as_i64(), income["unknown"].as_i64()),
        (Some(1), Some(1))
    );
    assert!(
        !report["hardest"].as_array().unwrap().contains(&json!("10")),
        "a criterion nobody could judge is not the hardest"
    );
}

#[tokio::test]
async fn a_version_says_what_it_lacks_and_the_list_filters_on_it() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.ha_tinh_version().await;
    let v = app
        .get_ok(&format!("/api/v1/criteria-versions/{ha_tinh}"), None)
        .await;
    assert_eq!(v["complete"], true);
    assert_eq!(
        v["completeness"],
        json!({"complete": true, "placeholder_criteria": [], "missing_thresholds": []})
    );
    // The shipped QĐ 318 set lacks most of its indicators and thresholds.
    let shipped = app
        .get_ok(
            "/api/v1/criteria-versions?effective_on=2023-01-01&scope=national&level=commune",
            None,
        )
        .await;
    let id = shipped["items"][0]["id"].as_i64().unwrap();
    let v = app
        .get_ok(&format!("/api/v1/criteria-versions/{id}"), None)
        .await;
    assert_eq!(v["complete"], false);
    let placeholders = v["completeness"]["placeholder_criteria"]
        .as_array()
        .unwrap();
    assert!(placeholders.contains(&json!("1")), "{placeholders:?}");
    let missing = v["completeness"]["missing_thresholds"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|m| m["indicator"] == "15.3" && m["region"].is_null() && m["year"].is_null()),
        "{missing:?}"
    );
    let complete = app
        .get_ok("/api/v1/criteria-versions?complete=true", None)
        .await;
    let ids: Vec<i64> = complete["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [ha_tinh]);
    let incomplete = app
        .get_ok("/api/v1/criteria-versions?complete=false&per_page=2", None)
        .await;
    assert_eq!(incomplete["items"].as_array().unwrap().len(), 2);
    assert!(incomplete["total"].as_i64().unwrap() >= 5);
    assert!(incomplete["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["complete"] == false));
}

#[tokio::test]
async fn a_province_marks_a_commune_and_its_evaluation_switches_region() {
    let app = TestApp::spawn().await;
    let (ky_lac, id) = ky_lac_draft_on(&app, "2021-09-25").await;
    // Income 41: below the north-central-coast 42 of 2021.
    let a = expect_json(
        app.put_values(Some(&ky_lac), id, &values_meeting(9)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(criterion(&a, "10")["indicators"][0]["threshold"], 42.0);
    assert_eq!(a["region"], "north_central_coast");
    let mark = json!({"kind": "especially_difficult", "valid_from": "2021-01-01", "valid_to": "2025-12-31",
        "basis": "QĐ 861/QĐ-TTg ngày 04/6/2021"});
    let path = format!("/api/v1/communes/{KY_LAC}/designations");
    // Only the commune's province (or an admin) marks it.
    let nghe_an = app.province(NGHE_AN).await;
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(ky_lac.as_str()), StatusCode::FORBIDDEN),
        (Some(nghe_an.as_str()), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(app.post(&path, token, &mark).await.status(), status);
    }
    let mut backwards = mark.clone();
    backwards["valid_to"] = json!("2020-12-31");
    let ha_tinh = app.province(HA_TINH).await;
    let problem = expect_problem(
        app.post(&path, Some(&ha_tinh), &backwards).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["valid_to"]);
    assert_eq!(count_rows(&app.db, "unit_designations").await, 0);
    let d = app.created(&path, &ha_tinh, &mark).await;
    assert_eq!(d["judged_as"], "northern_midlands_mountains");
    // The draft is judged again at the Northern Midlands and Mountains level: no regional
    // value there, so the common 40, which 41 meets.
    let a = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    assert_eq!(a["region"], "northern_midlands_mountains");
    assert_eq!(a["designation_id"], d["id"]);
    assert_eq!(criterion(&a, "10")["indicators"][0]["threshold"], 40.0);
    assert_eq!(a["summary"]["label"], "10/20");
    let listed = app
        .get_ok("/api/v1/assessments?unit=18850", Some(&ky_lac))
        .await;
    assert_eq!(
        listed["items"][0]["summary"]["label"], "10/20",
        "the stored counts follow"
    );
    // A new assessment in the period starts with it.
    let version = a["criteria_version_id"].as_i64().unwrap();
    let other = app
        .draft_assessment_on(&ky_lac, version, KY_LAC, "2022-02-01")
        .await;
    assert_eq!(other["region"], "northern_midlands_mountains");
    // Overlapping marks are refused; the list shows the one.
    let again = app.post(&path, Some(&ha_tinh), &mark).await;
    expect_problem(again, StatusCode::CONFLICT, "conflict").await;
    let marks = app.get_ok(&path, None).await;
    assert_eq!(marks.as_array().unwrap().len(), 1);
    // Withdrawing it switches back.
    let at = format!("/api/v1/designations/{}", d["id"]);
    assert_eq!(
        app.delete(&at, Some(&ky_lac)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&at, Some(&ha_tinh)).await.status(),
        StatusCode::NO_CONTENT
    );
    let a = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    assert_eq!(a["region"], "north_central_coast");
    assert!(a["designation_id"].is_null());
    assert_eq!(a["summary"]["label"], "9/20");
}
