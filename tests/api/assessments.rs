//! `/assessments`: the articles' cases (Kỳ Lạc at 12/20 and Kỳ Tây at 9/20 in 2021),
//! values and decisions, ETags, and the workflow draft → submitted → reviewed → appraised
//! per role.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, values_meeting, TestApp, CAN_LOC,
    HA_TINH, KY_ANH, KY_LAC, KY_TAY, NGHE_AN, NO_BODY,
};

/// A draft of Kỳ Lạc against Hà Tĩnh's set: the app, Kỳ Lạc's token, the version and
/// the draft's id.
async fn ky_lac_draft() -> (TestApp, String, i64, i64) {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let id = app.draft_assessment(&ky_lac, version, KY_LAC).await["id"]
        .as_i64()
        .unwrap();
    (app, ky_lac, version, id)
}

#[tokio::test]
async fn ky_lac_reaches_12_of_20_and_ky_tay_9_of_20() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let ky_tay = app.commune(KY_TAY).await;
    let a = app.draft_assessment(&ky_lac, version, KY_LAC).await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["summary"]["label"], "0/20");
    assert_eq!(a["district_code"], KY_ANH);
    assert_eq!(a["history"][0]["to"], "draft");
    assert!(a["history"][0]["from"].is_null());
    let b = app.draft_assessment(&ky_tay, version, KY_TAY).await;
    let put = |token: &str, id: &Value, met: usize| {
        let (app, token, id) = (&app, token.to_string(), id.as_i64().unwrap());
        async move {
            expect_json(
                app.put_values(Some(&token), id, &values_meeting(met)).await,
                StatusCode::OK,
            )
            .await
        }
    };
    let a = put(&ky_lac, &a["id"], 12).await;
    let b = put(&ky_tay, &b["id"], 9).await;
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
    // Lists filter by district and year.
    let district = app.district(KY_ANH).await;
    let listed = app
        .get_ok(
            "/api/v1/assessments?district=447&year=2021",
            Some(&district),
        )
        .await;
    assert_eq!(listed["total"], 2);
}

#[tokio::test]
async fn an_officer_decides_a_criterion_with_a_note_and_basically_met_does_not_count() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let put = |body: Value| {
        let (app, ky_lac) = (&app, &ky_lac);
        async move {
            expect_json(
                app.put_values(Some(ky_lac), id, &body).await,
                StatusCode::OK,
            )
            .await
        }
    };
    put(values_meeting(12)).await;
    let decided = json!({"criteria_decisions": [{"criterion_code": "19", "met": true, "note": "biên bản số 12"}]});
    let a = put(decided).await;
    assert_eq!(a["summary"]["label"], "13/20");
    assert_eq!(a["decisions"][0]["note"], "biên bản số 12");
    let basically = json!({"criteria_decisions": [{"criterion_code": "18", "result": "basically_met", "note": "cơ bản đạt"}]});
    let a = put(basically).await;
    assert_eq!(
        a["summary"]["label"], "13/20",
        "basically met does not count"
    );
}

#[tokio::test]
async fn bad_values_are_422_naming_each_and_write_nothing() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let values_before = count_rows(&app.db, "assessment_values").await;
    let wrong = json!({"values": [{"indicator_code": "1.1", "value": true}, {"indicator_code": "10", "value": true}, {"indicator_code": "99", "value": 1}]});
    let problem = expect_problem(
        app.put_values(Some(&ky_lac), id, &wrong).await,
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
    // A decision needs a note saying why.
    let no_note = json!({"criteria_decisions": [{"criterion_code": "19", "met": true}]});
    let problem = expect_problem(
        app.put_values(Some(&ky_lac), id, &no_note).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["criteria_decisions[0].note"]);
    assert_eq!(
        count_rows(&app.db, "assessment_values").await,
        values_before
    );
}

#[tokio::test]
async fn the_first_write_with_an_etag_wins_and_the_second_is_412() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}");
    let etag = app.etag(&path, Some(&ky_lac)).await;
    let values = format!("{path}/indicator-values");
    let first = app
        .send_if_match(
            Method::PUT,
            &values,
            &ky_lac,
            &etag,
            Some(&values_meeting(5)),
        )
        .await;
    expect_json(first, StatusCode::OK).await;
    let second = app
        .send_if_match(
            Method::PUT,
            &values,
            &ky_lac,
            &etag,
            Some(&values_meeting(20)),
        )
        .await;
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
}

#[tokio::test]
async fn a_new_assessment_needs_a_date_of_the_version_a_unit_and_a_kind() {
    let (app, ky_lac, version, _) = ky_lac_draft().await;
    // Dates outside the version, units that did not exist, drafts of versions: 422.
    for (body, field) in [
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2020-06-01", "kind": "self"}),
            "assessed_on",
        ),
        (
            json!({"unit_code": "99999", "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "self"}),
            "unit_code",
        ),
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": 999999, "assessed_on": "2021-06-01", "kind": "self"}),
            "criteria_version_id",
        ),
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "guess"}),
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
    // The same unit, date and kind again is a conflict.
    let duplicate = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    app.expect_refusals(&[(
        Method::POST,
        "/api/v1/assessments",
        Some(&ky_lac),
        &duplicate,
        409,
        "conflict",
    )])
    .await;
    assert_eq!(count_rows(&app.db, "assessments").await, 1);
}

#[tokio::test]
async fn concurrent_writers_lose_no_update() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}/indicator-values");
    let etag = app
        .etag(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
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
async fn a_draft_is_seen_by_its_commune_district_province_and_viewers_only() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}");
    let ky_tay = app.commune(KY_TAY).await;
    app.expect_refusals(&[
        (Method::GET, &path, None, NO_BODY, 404, "not-found"),
        (Method::GET, &path, Some(&ky_tay), NO_BODY, 404, "not-found"),
    ])
    .await;
    let seeing = [
        ky_lac,
        app.district(KY_ANH).await,
        app.province(HA_TINH).await,
        app.viewer().await,
    ];
    for token in &seeing {
        app.get_ok(&path, Some(token)).await;
    }
    assert_eq!(app.get_ok("/api/v1/assessments", None).await["total"], 0);
}

#[tokio::test]
async fn only_the_commune_edits_and_submits_its_draft() {
    let (app, _, _, id) = ky_lac_draft().await;
    let ky_tay = app.commune(KY_TAY).await;
    let ky_anh = app.district(KY_ANH).await;
    let values = format!("/api/v1/assessments/{id}/indicator-values");
    let submit = format!("/api/v1/assessments/{id}/submit");
    let review = format!("/api/v1/assessments/{id}/review");
    let (some, note) = (values_meeting(3), json!({"note": null}));
    app.expect_refusals_changing_nothing(
        &["assessment_values", "assessment_transitions"],
        &[
            // A neighbour does not even see the draft.
            (Method::PUT, &values, Some(&ky_tay), &some, 404, "not-found"),
            (Method::PUT, &values, Some(&ky_anh), &some, 403, "forbidden"),
            (Method::POST, &submit, None, &note, 401, "unauthorized"),
            (
                Method::POST,
                &submit,
                Some(&ky_anh),
                &note,
                403,
                "forbidden",
            ),
            // The district may review, but not a draft.
            (Method::POST, &review, Some(&ky_anh), &note, 409, "conflict"),
        ],
    )
    .await;
}

/// Kỳ Lạc's assessment at 20/20, submitted: the app, the commune's token, its id.
async fn ky_lac_submitted() -> (TestApp, String, i64) {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    expect_json(
        app.put_values(Some(&ky_lac), id, &values_meeting(20)).await,
        StatusCode::OK,
    )
    .await;
    app.act_ok(&ky_lac, id, "submit", Some("gửi huyện")).await;
    (app, ky_lac, id)
}

#[tokio::test]
async fn a_submitted_assessment_is_public_and_read_only_for_the_commune() {
    let (app, ky_lac, id) = ky_lac_submitted().await;
    let path = format!("/api/v1/assessments/{id}");
    let values = format!("{path}/indicator-values");
    app.expect_refusals(&[
        (
            Method::PUT,
            &values,
            Some(&ky_lac),
            &values_meeting(1),
            409,
            "conflict",
        ),
        (
            Method::PATCH,
            &path,
            Some(&ky_lac),
            &json!({"assessed_on": "2021-10-01"}),
            409,
            "conflict",
        ),
    ])
    .await;
    assert_eq!(app.get_ok(&path, None).await["status"], "submitted");
}

#[tokio::test]
async fn a_district_may_not_review_another_districts_assessment() {
    let (app, ky_lac, id) = ky_lac_submitted().await;
    let can_loc = app.district(CAN_LOC).await;
    let ky_anh = app.district(KY_ANH).await;
    let review = format!("/api/v1/assessments/{id}/review");
    let note = json!({"note": null});
    app.expect_refusals(&[
        (
            Method::POST,
            &review,
            Some(&ky_lac),
            &note,
            403,
            "forbidden",
        ),
        (
            Method::POST,
            &review,
            Some(&can_loc),
            &note,
            403,
            "forbidden",
        ),
    ])
    .await;
    let reviewed = app.act_ok(&ky_anh, id, "review", Some("đã thẩm tra")).await;
    assert_eq!(reviewed["status"], "reviewed");
}

#[tokio::test]
async fn only_the_communes_province_appraises_and_only_after_review() {
    let (app, _, id) = ky_lac_submitted().await;
    let ha_tinh = app.province(HA_TINH).await;
    let ky_anh = app.district(KY_ANH).await;
    let nghe_an = app.province(NGHE_AN).await;
    let appraise = format!("/api/v1/assessments/{id}/appraise");
    let note = json!({"note": null});
    app.expect_refusals(&[(
        Method::POST,
        &appraise,
        Some(&ha_tinh),
        &note,
        409,
        "conflict",
    )])
    .await;
    app.act_ok(&ky_anh, id, "review", Some("đã thẩm tra")).await;
    app.expect_refusals(&[
        (
            Method::POST,
            &appraise,
            Some(&ky_anh),
            &note,
            403,
            "forbidden",
        ),
        (
            Method::POST,
            &appraise,
            Some(&nghe_an),
            &note,
            403,
            "forbidden",
        ),
    ])
    .await;
    let appraised = app.act_ok(&ha_tinh, id, "appraise", None).await;
    assert_eq!(appraised["status"], "appraised");
}

#[tokio::test]
async fn a_return_needs_a_reason_and_the_commune_edits_again() {
    let (app, ky_lac, id) = ky_lac_submitted().await;
    let ha_tinh = app.province(HA_TINH).await;
    let ky_anh = app.district(KY_ANH).await;
    app.act_ok(&ky_anh, id, "review", Some("đã thẩm tra")).await;
    let problem = expect_problem(
        app.act(Some(&ha_tinh), id, "return", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["note"]);
    app.act_ok(&ha_tinh, id, "return", Some("thiếu minh chứng tiêu chí 17"))
        .await;
    expect_json(
        app.put_values(Some(&ky_lac), id, &values_meeting(20)).await,
        StatusCode::OK,
    )
    .await;
    app.act_ok(&ky_lac, id, "submit", None).await;
    app.act_ok(&ky_anh, id, "review", None).await;
    let appraised = app
        .act_ok(&ha_tinh, id, "appraise", Some("hội đồng thẩm định 20/20"))
        .await;
    assert_eq!(appraised["status"], "appraised");
    // The history keeps every step, the return with its reason and who returned it.
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

#[tokio::test]
async fn assessment_writes_need_a_token_and_the_units_scope() {
    let (app, _, version, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}");
    let values = format!("{path}/indicator-values");
    let ky_tay = app.commune(KY_TAY).await;
    let district = app.district(KY_ANH).await;
    let body = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-10-25", "kind": "self"});
    let (moved, some, note) = (
        json!({"assessed_on": "2021-10-01"}),
        values_meeting(1),
        json!({"note": "x"}),
    );
    let actions: Vec<String> = ["submit", "review", "appraise", "return"]
        .iter()
        .map(|a| format!("{path}/{a}"))
        .collect();
    let mut rows = vec![
        (
            Method::POST,
            "/api/v1/assessments",
            None,
            &body,
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            "/api/v1/assessments",
            Some(ky_tay.as_str()),
            &body,
            403,
            "forbidden",
        ),
        // A district starts reviews, not self-assessments.
        (
            Method::POST,
            "/api/v1/assessments",
            Some(district.as_str()),
            &body,
            403,
            "forbidden",
        ),
        (
            Method::PUT,
            values.as_str(),
            None,
            &some,
            401,
            "unauthorized",
        ),
        (
            Method::PATCH,
            path.as_str(),
            None,
            &moved,
            401,
            "unauthorized",
        ),
        (
            Method::DELETE,
            path.as_str(),
            None,
            NO_BODY,
            401,
            "unauthorized",
        ),
        (
            Method::DELETE,
            path.as_str(),
            Some(district.as_str()),
            NO_BODY,
            403,
            "forbidden",
        ),
    ];
    for action in &actions {
        rows.push((Method::POST, action, None, &note, 401, "unauthorized"));
    }
    app.expect_refusals_changing_nothing(&["assessments", "assessment_values"], &rows)
        .await;
}

#[tokio::test]
async fn a_district_starts_a_review_of_its_commune() {
    let (app, _, version, _) = ky_lac_draft().await;
    let district = app.district(KY_ANH).await;
    let review = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-10-25", "kind": "district_review"});
    let created = app.created("/api/v1/assessments", &district, &review).await;
    assert_eq!(created["kind"], "district_review");
}

#[tokio::test]
async fn the_commune_moves_and_deletes_its_draft() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}");
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
    app.expect_refusals(&[(Method::GET, &path, Some(&ky_lac), NO_BODY, 404, "not-found")])
        .await;
}
