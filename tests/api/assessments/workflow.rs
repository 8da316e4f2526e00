//! Who sees a draft, and the submit → review → appraise → return workflow.
use super::*;

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
