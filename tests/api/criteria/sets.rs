//! Criteria sets and the shipped national criteria.
use super::*;

#[tokio::test]
async fn criteria_sets_are_created_by_admins_or_their_province() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let nghe_an = app.province(NGHE_AN).await;
    let commune = app.commune(KY_LAC).await;
    let national =
        json!({"code": "XA-NTM-X", "name": "Bộ tiêu chí", "level": "commune", "scope": "national"});
    let provincial =
        json!({"code": "HT-X", "name": "Bộ tiêu chí", "level": "commune", "scope": "42"});
    let sets = "/api/v1/criteria-sets";
    app.expect_refusals_changing_nothing(
        &["criteria_sets"],
        &[
            (Method::POST, sets, None, &national, 401, "unauthorized"),
            (
                Method::POST,
                sets,
                Some(&ha_tinh),
                &national,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                sets,
                Some(&nghe_an),
                &provincial,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                sets,
                Some(&commune),
                &provincial,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    app.criteria_set(&ha_tinh, "HT-Y", HA_TINH).await;
    let same_code = json!({"code": "HT-Y", "name": "x", "level": "commune", "scope": "42"});
    app.expect_refusals(&[(
        Method::POST,
        sets,
        Some(&ha_tinh),
        &same_code,
        409,
        "conflict",
    )])
    .await;
}

#[tokio::test]
async fn a_criteria_set_lists_its_versions_drafts_only_for_its_editors_and_viewers() {
    let (app, ha_tinh, set, _, created) = ha_tinh_draft().await;
    let published = created["id"].as_i64().unwrap();
    app.publish(&ha_tinh, published).await;
    let draft = app.draft_version(&ha_tinh, set, "2024").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/criteria-sets/{set}");
    let versions = |page: &Value| -> Vec<i64> {
        page["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_i64().unwrap())
            .collect()
    };
    let public = app.get_ok(&path, None).await;
    assert_eq!(public["id"], set);
    assert_eq!(public["code"], "HT-XA-NTM-2021");
    assert_eq!(public["scope"], HA_TINH);
    assert_eq!(versions(&public), [published]);
    for token in [app.province(NGHE_AN).await, app.commune(KY_LAC).await] {
        assert_eq!(
            versions(&app.get_ok(&path, Some(&token)).await),
            [published]
        );
    }
    for token in [ha_tinh, app.viewer().await, app.admin_token.clone()] {
        let mut seen = versions(&app.get_ok(&path, Some(&token)).await);
        seen.sort();
        assert_eq!(seen, [published, draft]);
    }
    app.expect_refusals(&[
        (
            Method::GET,
            "/api/v1/criteria-sets/999999",
            None,
            NO_BODY,
            404,
            "not-found",
        ),
        (
            Method::GET,
            "/api/v1/criteria-sets/abc",
            None,
            NO_BODY,
            400,
            "bad-request",
        ),
    ])
    .await;
}

/// The shipped national sets load as published versions chained by their revisions.
#[tokio::test]
async fn the_shipped_national_criteria_chain_their_revisions() {
    let app = TestApp::spawn().await;
    let versions = app
        .get_ok(
            "/api/v1/criteria-versions?scope=national&level=commune&per_page=50",
            None,
        )
        .await;
    let labels: Vec<(String, String)> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap().to_string(),
                v["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("2016", "superseded"),
            ("2022", "superseded"),
            ("2024", "superseded"),
            ("2026", "published")
        ]
        .map(|(l, s)| (l.to_string(), s.to_string()))
    );
}

/// Which shipped version applied on a date, and what it holds.
#[tokio::test]
async fn the_shipped_national_criteria_answer_for_a_date() {
    let app = TestApp::spawn().await;
    let on = |day: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get_ok(
                    &format!(
                        "/api/v1/criteria-versions?scope=national&level=commune&effective_on={day}"
                    ),
                    None,
                )
                .await;
            assert_eq!(page["total"], 1, "{day}: {page}");
            page["items"][0].clone()
        }
    };
    let v2016 = on("2021-09-25").await;
    assert_eq!(
        (
            v2016["legal_document"]["number"].as_str(),
            v2016["criteria_count"].as_i64()
        ),
        (Some("1980/QĐ-TTg"), Some(19))
    );
    assert_eq!(
        on("2023-01-01").await["legal_document"]["number"],
        "318/QĐ-TTg"
    );
    let v2024 = on("2025-01-01").await;
    assert_eq!(v2024["legal_document"]["number"], "211/QĐ-TTg");
    assert_eq!(
        v2024["criteria_count"], 19,
        "QĐ 211 keeps the tree of QĐ 318"
    );
    assert_eq!(on("2026-06-01").await["criteria_count"], 10);
    // Regional income thresholds of QĐ 1980 are in the tree.
    let tree = app
        .get_ok(&format!("/api/v1/criteria-versions/{}", v2016["id"]), None)
        .await;
    let income = tree["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "10")
        .unwrap();
    let thresholds = income["indicators"][0]["thresholds"].as_array().unwrap();
    assert!(thresholds
        .iter()
        .any(|t| t["region"] == "north_central_coast" && t["value"] == 36.0));
    let diff = app
        .get_ok(
            &format!(
                "/api/v1/criteria-versions/{}/diff?base={}",
                v2024["id"], v2016["id"]
            ),
            None,
        )
        .await;
    assert!(
        !diff["indicators_changed"].as_array().unwrap().is_empty()
            || !diff["indicators_removed"].as_array().unwrap().is_empty()
    );
}
