//! `/criteria-sets` and `/criteria-versions`: drafts, publication, revisions, diffs and
//! who sees and edits what.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, version_draft as draft, TestApp,
    HA_TINH, KY_LAC, NGHE_AN, NO_BODY,
};

/// A Hà Tĩnh set created by its province officer and a draft of it: the app, the
/// officer's token, the set, the draft's body and its JSON.
async fn ha_tinh_draft() -> (TestApp, String, i64, Value, Value) {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let set = app.criteria_set(&ha_tinh, "HT-XA-NTM-2021", HA_TINH).await;
    let body = draft(set, "2022");
    let created = app
        .created("/api/v1/criteria-versions", &ha_tinh, &body)
        .await;
    (app, ha_tinh, set, body, created)
}

#[tokio::test]
async fn a_draft_round_trips_exactly_and_only_its_editors_read_it() {
    let (app, ha_tinh, _, body, created) = ha_tinh_draft().await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(
        (
            created["criteria_count"].as_i64(),
            created["indicator_count"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let path = format!("/api/v1/criteria-versions/{id}");
    // Anonymous readers do not see drafts.
    app.expect_refusals(&[(Method::GET, &path, None, NO_BODY, 404, "not-found")])
        .await;
    let read = app.get_ok(&path, Some(&ha_tinh)).await;
    assert_eq!(
        read["criteria"], body["criteria"],
        "the tree round-trips exactly"
    );
    assert_eq!(read["legal_document"], body["legal_document"]);
}

#[tokio::test]
async fn a_published_version_is_public_and_immutable() {
    let (app, ha_tinh, _, body, created) = ha_tinh_draft().await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/criteria-versions/{id}");
    let published = app.publish(&ha_tinh, id).await;
    assert_eq!(published["status"], "published");
    assert_eq!(app.get_ok(&path, None).await["criteria"], body["criteria"]);
    let publish = format!("{path}/publish");
    app.expect_refusals_changing_nothing(
        &["criteria_versions", "changes"],
        &[
            (Method::PUT, &path, Some(&ha_tinh), &body, 409, "conflict"),
            (
                Method::DELETE,
                &path,
                Some(&ha_tinh),
                NO_BODY,
                409,
                "conflict",
            ),
            (
                Method::POST,
                &publish,
                Some(&ha_tinh),
                &json!({}),
                409,
                "conflict",
            ),
        ],
    )
    .await;
    assert_eq!(app.get_ok(&path, None).await["criteria"], body["criteria"]);
}

#[tokio::test]
async fn every_validation_rule_names_its_field() {
    let app = TestApp::spawn().await;
    let set = app.criteria_set(&app.admin_token, "HT-TEST", "42").await;
    let other_set = app.criteria_set(&app.admin_token, "HT-OTHER", "42").await;
    let other = app.draft_version(&app.admin_token, other_set, "x").await;
    let before = count_rows(&app.db, "criteria_versions").await;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|b| b["criteria"][1]["number"] = json!(10)),
            "criteria[1].number",
        ),
        (
            Box::new(|b| b["criteria"][1]["code"] = json!("10")),
            "criteria[1].code",
        ),
        (
            Box::new(|b| b["criteria"][1]["indicators"][0]["code"] = json!("10")),
            "criteria[1].indicators[0].code",
        ),
        (
            Box::new(|b| b["criteria"][1]["indicators"][0]["thresholds"] = json!([{"value": 1}])),
            "criteria[1].indicators[0].thresholds",
        ),
        (
            Box::new(|b| {
                b["criteria"][0]["indicators"][0]["thresholds"][1]["commune_group"] = json!(5)
            }),
            "criteria[0].indicators[0].thresholds[1].commune_group",
        ),
        (
            Box::new(|b| {
                b["criteria"][0]["indicators"][0]["thresholds"][1]["value"] = json!("bốn mươi")
            }),
            "criteria[0].indicators[0].thresholds[1].value",
        ),
        (
            Box::new(|b| b["criteria"][0]["indicators"][0]["kind"] = json!("between")),
            "criteria[0].indicators[0].kind",
        ),
        (
            Box::new(|b| b["criteria"][0]["group"] = json!("sports")),
            "criteria[0].group",
        ),
        (
            Box::new(|b| b["effective_to"] = json!("2022-12-20")),
            "effective_to",
        ),
        (
            Box::new(|b| b["legal_document"]["number"] = json!("")),
            "legal_document.number",
        ),
        (Box::new(|b| b["revises"] = json!(999999)), "revises"),
        (Box::new(|b| b["set_id"] = json!(999999)), "set_id"),
        (
            Box::new(|b| b["criteria"][0]["name"] = json!(" ")),
            "criteria[0].name",
        ),
    ];
    for (change, field) in cases {
        let mut body = draft(set, "2022");
        change(&mut body);
        let problem = expect_problem(
            app.post("/api/v1/criteria-versions", Some(&app.admin_token), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    let mut body = draft(set, "2022");
    body["revises"] = other["id"].clone();
    let problem = expect_problem(
        app.post("/api/v1/criteria-versions", Some(&app.admin_token), &body)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["revises"]);
    assert_eq!(count_rows(&app.db, "criteria_versions").await, before);
}

/// A national set with a published version (2022) and a draft revising it (2024): the
/// app, the set, the base's JSON and the revision's JSON.
async fn a_national_revision() -> (TestApp, i64, Value, Value) {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let set = app.criteria_set(&admin, "XA-NTM-TEST", "national").await;
    let base = app.draft_version(&admin, set, "2022").await;
    let base_id = base["id"].as_i64().unwrap();
    app.publish(&admin, base_id).await;
    let revision = app
        .created(
            &format!("/api/v1/criteria-versions/{base_id}/revisions"),
            &admin,
            &revision_2024(),
        )
        .await;
    (app, set, base, revision)
}

fn revision_2024() -> Value {
    json!({"label": "2024", "legal_document": {"number": "211/QĐ-TTg", "title": "Sửa đổi", "issuer": "Thủ tướng Chính phủ", "signed_on": "2024-03-01"}, "effective_from": "2024-03-01"})
}

/// The revision's body amended: the income threshold raised, planning dropped, poverty
/// added.
fn amended(set: i64, base: &Value, revision: &Value) -> Value {
    let mut tree = revision["criteria"].clone();
    tree[0]["indicators"][0]["thresholds"][0]["value"] = json!(45.0);
    tree.as_array_mut().unwrap().remove(1);
    tree.as_array_mut().unwrap().push(json!({"number": 11, "code": "11", "name": "Nghèo đa chiều", "group": "economy", "source_note": null,
        "indicators": [{"code": "11", "name": "Tỷ lệ nghèo đa chiều", "unit": "%", "kind": "max", "thresholds": [], "source_note": null}]}));
    let mut body = draft(set, "2024");
    body["criteria"] = tree;
    body["revises"] = base["id"].clone();
    body["effective_from"] = json!("2024-03-01");
    body["legal_document"] = revision_2024()["legal_document"].clone();
    body
}

#[tokio::test]
async fn a_draft_cannot_be_revised() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let set = app.criteria_set(&admin, "XA-NTM-TEST", "national").await;
    let base = app.draft_version(&admin, set, "2022").await;
    let revisions = format!("/api/v1/criteria-versions/{}/revisions", base["id"]);
    app.expect_refusals_changing_nothing(
        &["criteria_versions"],
        &[(
            Method::POST,
            &revisions,
            Some(&admin),
            &revision_2024(),
            409,
            "conflict",
        )],
    )
    .await;
}

#[tokio::test]
async fn a_revision_copies_the_tree_and_is_replaced_with_its_etag() {
    let (app, set, base, revision) = a_national_revision().await;
    assert_eq!(revision["revises"], base["id"]);
    assert_eq!(revision["criteria"], base["criteria"]);
    let path = format!("/api/v1/criteria-versions/{}", revision["id"]);
    let admin = app.admin_token.clone();
    let etag = app.etag(&path, Some(&admin)).await;
    let body = amended(set, &base, &revision);
    let stale = app
        .send_if_match(Method::PUT, &path, &admin, "\"1-99\"", Some(&body))
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let put = app
        .send_if_match(Method::PUT, &path, &admin, &etag, Some(&body))
        .await;
    let replaced = expect_json(put, StatusCode::OK).await;
    assert_eq!(replaced["criteria"], body["criteria"]);
}

#[tokio::test]
async fn a_revision_diffs_field_by_field() {
    let (app, set, base, revision) = a_national_revision().await;
    let (base_id, id) = (
        base["id"].as_i64().unwrap(),
        revision["id"].as_i64().unwrap(),
    );
    let admin = app.admin_token.clone();
    let body = amended(set, &base, &revision);
    expect_json(
        app.send_json(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&admin),
            &body,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let diff = app
        .get_ok(
            &format!("/api/v1/criteria-versions/{id}/diff?base={base_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(diff["base"], base_id);
    assert_eq!(diff["criteria_added"], json!(["11"]));
    assert_eq!(diff["criteria_removed"], json!(["1"]));
    assert_eq!(diff["indicators_removed"], json!(["1.1"]));
    assert_eq!(diff["indicators_changed"][0]["code"], "10");
    assert_eq!(
        diff["indicators_changed"][0]["changes"][0]["field"],
        "thresholds"
    );
}

#[tokio::test]
async fn a_published_revision_supersedes_its_base_from_the_day_before() {
    let (app, set, base, revision) = a_national_revision().await;
    let (base_id, id) = (
        base["id"].as_i64().unwrap(),
        revision["id"].as_i64().unwrap(),
    );
    app.publish(&app.admin_token, id).await;
    let old = app
        .get_ok(&format!("/api/v1/criteria-versions/{base_id}"), None)
        .await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["effective_to"], "2024-02-29");
    // Which version applied on a date.
    let on = |day: &'static str| {
        let app = &app;
        async move {
            app.get_ok(&format!("/api/v1/criteria-versions?effective_on={day}&scope=national&level=commune&set={set}"), None).await
        }
    };
    assert_eq!(on("2023-06-01").await["items"][0]["id"], base_id);
    assert_eq!(on("2024-06-01").await["items"][0]["id"], id);
    assert_eq!(on("2021-06-01").await["total"], 0);
}

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
async fn outsiders_neither_see_nor_edit_a_draft() {
    let (app, _, set, body, created) = ha_tinh_draft().await;
    let nghe_an = app.province(NGHE_AN).await;
    let commune = app.commune(KY_LAC).await;
    let path = format!("/api/v1/criteria-versions/{}", created["id"]);
    let publish = format!("{path}/publish");
    let versions = "/api/v1/criteria-versions";
    let new_draft = draft(set, "2023");
    let empty = json!({});
    let mut rows = vec![
        (
            Method::POST,
            versions,
            None,
            &new_draft,
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            versions,
            Some(nghe_an.as_str()),
            &new_draft,
            403,
            "forbidden",
        ),
    ];
    // Outsiders do not even see the draft: 404 where the public gets 401.
    for (token, status, problem) in [
        (None, 401, "unauthorized"),
        (Some(nghe_an.as_str()), 404, "not-found"),
        (Some(commune.as_str()), 404, "not-found"),
    ] {
        rows.extend([
            (Method::PUT, path.as_str(), token, &body, status, problem),
            (
                Method::DELETE,
                path.as_str(),
                token,
                NO_BODY,
                status,
                problem,
            ),
            (
                Method::POST,
                publish.as_str(),
                token,
                &empty,
                status,
                problem,
            ),
        ]);
    }
    app.expect_refusals_changing_nothing(&["criteria_versions"], &rows)
        .await;
}

#[tokio::test]
async fn outsiders_are_refused_403_once_a_version_is_published() {
    let (app, ha_tinh, _, body, created) = ha_tinh_draft().await;
    let id = created["id"].as_i64().unwrap();
    let nghe_an = app.province(NGHE_AN).await;
    let commune = app.commune(KY_LAC).await;
    app.publish(&ha_tinh, id).await;
    let path = format!("/api/v1/criteria-versions/{id}");
    let revisions = format!("{path}/revisions");
    let revision = json!({"label": "2024", "legal_document": {"number": "15/2024/QĐ-UBND", "title": "Sửa đổi", "issuer": "UBND tỉnh Hà Tĩnh"}, "effective_from": "2024-06-01"});
    app.expect_refusals_changing_nothing(
        &["criteria_versions"],
        &[
            (
                Method::POST,
                &revisions,
                None,
                &revision,
                401,
                "unauthorized",
            ),
            (
                Method::POST,
                &revisions,
                Some(&nghe_an),
                &revision,
                403,
                "forbidden",
            ),
            (Method::PUT, &path, Some(&nghe_an), &body, 403, "forbidden"),
            (
                Method::DELETE,
                &path,
                Some(&commune),
                NO_BODY,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    app.created(&revisions, &ha_tinh, &revision).await;
}

#[tokio::test]
async fn a_viewer_lists_drafts_and_the_public_only_published_versions() {
    let (app, ha_tinh, set, _, created) = ha_tinh_draft().await;
    app.publish(&ha_tinh, created["id"].as_i64().unwrap()).await;
    app.draft_version(&ha_tinh, set, "2024").await;
    let viewer = app.viewer().await;
    let path = format!("/api/v1/criteria-versions?set={set}");
    let all = app.get_ok(&path, Some(&viewer)).await;
    let public = app.get_ok(&path, None).await;
    assert_eq!(
        (all["total"].as_i64(), public["total"].as_i64()),
        (Some(2), Some(1))
    );
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
