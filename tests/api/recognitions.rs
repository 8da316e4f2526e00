//! `/recognitions`, `/registrations` and `/communes/{code}/status`: a recognition of Kỳ
//! Lạc at 20/20 and its revocation, four communes of Can Lộc registered for 2018.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, TestApp, CAN_LOC, HA_TINH, KY_ANH,
    KY_LAC, KY_TAY, NGHE_AN, NO_BODY,
};

/// A decision recognizing `unit` on the strength of assessment `id`.
fn decision(id: i64, unit: &str) -> Value {
    json!({"unit_code": unit, "level": "commune", "assessment_id": id,
        "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh Hà Tĩnh", "recognition_year": 2021})
}

/// Kỳ Lạc appraised at 20/20: the app, Hà Tĩnh's token and the assessment's id.
async fn ky_lac_appraised() -> (TestApp, String, i64) {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let id = app.appraised_assessment(version, KY_LAC, 20).await;
    let ha_tinh = app.province(HA_TINH).await;
    (app, ha_tinh, id)
}

/// Kỳ Lạc recognized: the app, Hà Tĩnh's token and the recognition's id.
async fn ky_lac_recognized() -> (TestApp, String, i64) {
    let (app, ha_tinh, full) = ky_lac_appraised().await;
    let recognition = app
        .created("/api/v1/recognitions", &ha_tinh, &decision(full, KY_LAC))
        .await;
    let id = recognition["id"].as_i64().unwrap();
    (app, ha_tinh, id)
}

#[tokio::test]
async fn a_recognition_needs_every_criterion() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let short = app.appraised_assessment(version, KY_TAY, 19).await;
    let ha_tinh = app.province(HA_TINH).await;
    let problem = expect_problem(
        app.post(
            "/api/v1/recognitions",
            Some(&ha_tinh),
            &decision(short, KY_TAY),
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
    assert_eq!(count_rows(&app.db, "recognitions").await, 0);
}

#[tokio::test]
async fn only_the_province_recognizes_its_communes() {
    let (app, ha_tinh, full) = ky_lac_appraised().await;
    let nghe_an = app.province(NGHE_AN).await;
    let district = app.district(KY_ANH).await;
    let body = decision(full, KY_LAC);
    let path = "/api/v1/recognitions";
    app.expect_refusals_changing_nothing(
        &["recognitions"],
        &[
            (Method::POST, path, None, &body, 401, "unauthorized"),
            (Method::POST, path, Some(&nghe_an), &body, 403, "forbidden"),
            (Method::POST, path, Some(&district), &body, 403, "forbidden"),
        ],
    )
    .await;
    // The decision names the assessment's unit and comes after it.
    let mut wrong_unit = decision(full, KY_TAY);
    wrong_unit["decided_on"] = json!("2020-01-01");
    let problem = expect_problem(
        app.post(path, Some(&ha_tinh), &wrong_unit).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["unit_code", "decided_on"]);
    assert_eq!(count_rows(&app.db, "recognitions").await, 0);
}

#[tokio::test]
async fn a_recognized_commune_shows_its_level_in_its_status_and_the_lists() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let short = app.appraised_assessment(version, KY_TAY, 19).await;
    let full = app.appraised_assessment(version, KY_LAC, 20).await;
    let ha_tinh = app.province(HA_TINH).await;
    app.created("/api/v1/recognitions", &ha_tinh, &decision(full, KY_LAC))
        .await;
    assert_eq!(
        app.get_ok(&format!("/api/v1/assessments/{full}"), None)
            .await["status"],
        "recognized"
    );
    assert_eq!(
        app.get_ok(&format!("/api/v1/assessments/{short}"), None)
            .await["status"],
        "appraised"
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
    assert_eq!(level("commune").await, [KY_LAC]);
    let none = level("none").await;
    assert!(!none.contains(&KY_LAC.to_string()));
    assert!(none.contains(&KY_TAY.to_string()));
}

#[tokio::test]
async fn a_revocation_ends_the_level_and_happens_once() {
    let (app, ha_tinh, rid) = ky_lac_recognized().await;
    let nghe_an = app.province(NGHE_AN).await;
    let path = format!("/api/v1/recognitions/{rid}/revoke");
    let revoke = json!({"decision_number": "99/QĐ-UBND", "decided_on": "2024-05-01", "reason": "không duy trì tiêu chí 17"});
    app.expect_refusals(&[
        (Method::POST, &path, None, &revoke, 401, "unauthorized"),
        (
            Method::POST,
            &path,
            Some(&nghe_an),
            &revoke,
            403,
            "forbidden",
        ),
    ])
    .await;
    let revoked = expect_json(
        app.post(&path, Some(&ha_tinh), &revoke).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revoked["revocation"]["reason"], "không duy trì tiêu chí 17");
    app.expect_refusals(&[(
        Method::POST,
        &path,
        Some(&ha_tinh),
        &revoke,
        409,
        "conflict",
    )])
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
async fn a_district_registers_its_communes_and_nobody_else_may() {
    let app = TestApp::spawn().await;
    let can_loc = app.district(CAN_LOC).await;
    let ky_anh = app.district(KY_ANH).await;
    let commune = app.commune("18475").await;
    let path = "/api/v1/registrations";
    // Kim Lộc was merged into Kim Song Trường (18436) in 2019; the lists carry the latter.
    for code in ["18436", "18475", "18454", "18463"] {
        let body = json!({"unit_code": code, "level": "commune", "target_year": 2018});
        app.expect_refusals_changing_nothing(
            &["registrations"],
            &[
                (Method::POST, path, None, &body, 401, "unauthorized"),
                (Method::POST, path, Some(&ky_anh), &body, 403, "forbidden"),
                (Method::POST, path, Some(&commune), &body, 403, "forbidden"),
            ],
        )
        .await;
        app.created(path, &can_loc, &body).await;
    }
    let listed = app
        .get_ok("/api/v1/registrations?district=443&year=2018", None)
        .await;
    assert_eq!(listed["total"], 4);
    // Twice is a conflict; a year before the programme is 422.
    let again = json!({"unit_code": "18475", "level": "commune", "target_year": 2018});
    let early = json!({"unit_code": "18475", "level": "commune", "target_year": 1990});
    app.expect_refusals(&[(Method::POST, path, Some(&can_loc), &again, 409, "conflict")])
        .await;
    let problem = expect_problem(
        app.post(path, Some(&can_loc), &early).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["target_year"]);
    assert_eq!(count_rows(&app.db, "registrations").await, 4);
}

#[tokio::test]
async fn moving_a_registration_uses_its_etag() {
    let app = TestApp::spawn().await;
    let can_loc = app.district(CAN_LOC).await;
    let ky_anh = app.district(KY_ANH).await;
    let body = json!({"unit_code": "18475", "level": "commune", "target_year": 2018});
    let id = app.created("/api/v1/registrations", &can_loc, &body).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/registrations/{id}");
    let etag = app.etag(&path, None).await;
    let later = json!({"target_year": 2019});
    app.expect_refusals(&[(
        Method::PATCH,
        &path,
        Some(&ky_anh),
        &later,
        403,
        "forbidden",
    )])
    .await;
    let moved = app
        .send_if_match(Method::PATCH, &path, &can_loc, &etag, Some(&later))
        .await;
    assert_eq!(
        expect_json(moved, StatusCode::OK).await["target_year"],
        2019
    );
    let stale = app
        .send_if_match(Method::DELETE, &path, &can_loc, &etag, None)
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    app.expect_refusals(&[(Method::DELETE, &path, None, NO_BODY, 401, "unauthorized")])
        .await;
    assert_eq!(
        app.delete(&path, Some(&can_loc)).await.status(),
        StatusCode::NO_CONTENT
    );
}
