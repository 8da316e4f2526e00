use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp};

/// A provincial set of Hà Tĩnh, created by admin; returns its id.
async fn create_set(app: &TestApp, token: &str, code: &str, scope: &str) -> i64 {
    let body = json!({"code": code, "name": "Bộ tiêu chí xã NTM tỉnh Hà Tĩnh 2021-2025", "level": "commune", "scope": scope});
    expect_json(
        app.post("/api/v1/criteria-sets", Some(token), &body).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

fn draft(set_id: i64, label: &str) -> Value {
    json!({
        "set_id": set_id, "label": label,
        "legal_document": {"number": "36/2022/QĐ-UBND", "title": "Ban hành Bộ tiêu chí xã NTM", "issuer": "UBND tỉnh Hà Tĩnh", "signed_on": "2022-12-09"},
        "effective_from": "2022-12-20", "effective_to": null, "revises": null,
        "criteria": [
            {"number": 10, "code": "10", "name": "Thu nhập", "group": "economy",
             "indicators": [{"code": "10", "name": "Thu nhập bình quân đầu người", "unit": "triệu đồng/người/năm", "kind": "min",
                             "thresholds": [{"region": "north_central_coast", "commune_group": null, "year": 2022, "value": 42.0},
                                            {"region": null, "commune_group": null, "year": null, "value": 40.0}],
                             "source_note": null}],
             "source_note": null},
            {"number": 1, "code": "1", "name": "Quy hoạch", "group": "planning",
             "indicators": [{"code": "1.1", "name": "Có quy hoạch chung xây dựng xã", "unit": null, "kind": "boolean", "thresholds": [], "source_note": null}],
             "source_note": null}
        ]
    })
}

#[tokio::test]
async fn a_draft_round_trips_exactly_then_publishes_and_is_immutable() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let set = create_set(&app, &ha_tinh, "HT-XA-NTM-2021", "42").await;
    let body = draft(set, "2022");
    let created = expect_json(
        app.post("/api/v1/criteria-versions", Some(&ha_tinh), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(
        (
            created["criteria_count"].as_i64(),
            created["indicator_count"].as_i64()
        ),
        (Some(2), Some(2))
    );
    // Anonymous readers do not see drafts.
    expect_problem(
        app.get(&format!("/api/v1/criteria-versions/{id}"), None)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let read = app
        .get_ok(&format!("/api/v1/criteria-versions/{id}"), Some(&ha_tinh))
        .await;
    assert_eq!(
        read["criteria"], body["criteria"],
        "the tree round-trips exactly"
    );
    assert_eq!(read["legal_document"], body["legal_document"]);
    let published = expect_json(
        app.post(
            &format!("/api/v1/criteria-versions/{id}/publish"),
            Some(&ha_tinh),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["status"], "published");
    assert_eq!(
        app.get_ok(&format!("/api/v1/criteria-versions/{id}"), None)
            .await["criteria"],
        body["criteria"]
    );
    // Published versions are immutable.
    let before = count_rows(&app.db, "criteria_versions").await;
    let put = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&ha_tinh),
            &body,
        )
        .await;
    expect_problem(put, StatusCode::CONFLICT, "conflict").await;
    expect_problem(
        app.delete(&format!("/api/v1/criteria-versions/{id}"), Some(&ha_tinh))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.post(
            &format!("/api/v1/criteria-versions/{id}/publish"),
            Some(&ha_tinh),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(count_rows(&app.db, "criteria_versions").await, before);
    assert_eq!(
        app.get_ok(&format!("/api/v1/criteria-versions/{id}"), None)
            .await["criteria"],
        body["criteria"]
    );
}

#[tokio::test]
async fn every_validation_rule_names_its_field() {
    let app = TestApp::spawn().await;
    let set = create_set(&app, &app.admin_token, "HT-TEST", "42").await;
    let other_set = create_set(&app, &app.admin_token, "HT-OTHER", "42").await;
    let other = expect_json(
        app.post(
            "/api/v1/criteria-versions",
            Some(&app.admin_token),
            &draft(other_set, "x"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
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

#[tokio::test]
async fn a_revision_supersedes_and_diffs_field_by_field() {
    let app = TestApp::spawn().await;
    let set = create_set(&app, &app.admin_token, "XA-NTM-TEST", "national").await;
    let base = expect_json(
        app.post(
            "/api/v1/criteria-versions",
            Some(&app.admin_token),
            &draft(set, "2022"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let base_id = base["id"].as_i64().unwrap();
    // A draft cannot be revised.
    let revision = json!({"label": "2024", "legal_document": {"number": "211/QĐ-TTg", "title": "Sửa đổi", "issuer": "Thủ tướng Chính phủ", "signed_on": "2024-03-01"}, "effective_from": "2024-03-01"});
    expect_problem(
        app.post(
            &format!("/api/v1/criteria-versions/{base_id}/revisions"),
            Some(&app.admin_token),
            &revision,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_json(
        app.post(
            &format!("/api/v1/criteria-versions/{base_id}/publish"),
            Some(&app.admin_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let draft2 = expect_json(
        app.post(
            &format!("/api/v1/criteria-versions/{base_id}/revisions"),
            Some(&app.admin_token),
            &revision,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = draft2["id"].as_i64().unwrap();
    assert_eq!(draft2["revises"], base_id);
    assert_eq!(draft2["criteria"], base["criteria"]);
    // Amend the copy: raise the income threshold, drop planning, add poverty.
    let mut tree = draft2["criteria"].clone();
    tree[0]["indicators"][0]["thresholds"][0]["value"] = json!(45.0);
    tree.as_array_mut().unwrap().remove(1);
    tree.as_array_mut().unwrap().push(json!({"number": 11, "code": "11", "name": "Nghèo đa chiều", "group": "economy", "source_note": null,
        "indicators": [{"code": "11", "name": "Tỷ lệ nghèo đa chiều", "unit": "%", "kind": "max", "thresholds": [], "source_note": null}]}));
    let mut body = draft(set, "2024");
    body["criteria"] = tree;
    body["revises"] = json!(base_id);
    body["effective_from"] = json!("2024-03-01");
    body["legal_document"] = revision["legal_document"].clone();
    let etag = app
        .get(
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&app.admin_token),
        )
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let stale = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&app.admin_token),
        )
        .header("If-Match", "\"1-99\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let put = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&app.admin_token),
        )
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_json(put, StatusCode::OK).await;
    let diff = app
        .get_ok(
            &format!("/api/v1/criteria-versions/{id}/diff?base={base_id}"),
            Some(&app.admin_token),
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
async fn criteria_writes_need_a_token_and_the_sets_scope() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let commune = app.token_for(Role::Commune, Some("18850")).await;
    let national =
        json!({"code": "XA-NTM-X", "name": "Bộ tiêu chí", "level": "commune", "scope": "national"});
    expect_problem(
        app.post("/api/v1/criteria-sets", None, &national).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/criteria-sets", Some(&ha_tinh), &national)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let provincial =
        json!({"code": "HT-X", "name": "Bộ tiêu chí", "level": "commune", "scope": "42"});
    expect_problem(
        app.post("/api/v1/criteria-sets", Some(&nghe_an), &provincial)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/criteria-sets", Some(&commune), &provincial)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let set = create_set(&app, &ha_tinh, "HT-Y", "42").await;
    expect_problem(
        app.post(
            "/api/v1/criteria-sets",
            Some(&ha_tinh),
            &json!({"code": "HT-Y", "name": "x", "level": "commune", "scope": "42"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let body = draft(set, "2022");
    expect_problem(
        app.post("/api/v1/criteria-versions", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/criteria-versions", Some(&nghe_an), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let id = expect_json(
        app.post("/api/v1/criteria-versions", Some(&ha_tinh), &body)
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/criteria-versions/{id}");
    let revision = json!({"label": "2024", "legal_document": {"number": "15/2024/QĐ-UBND", "title": "Sửa đổi", "issuer": "UBND tỉnh Hà Tĩnh"}, "effective_from": "2024-06-01"});
    for token in [None, Some(nghe_an.as_str()), Some(commune.as_str())] {
        let expected = if token.is_none() {
            (StatusCode::UNAUTHORIZED, "unauthorized")
        } else {
            (StatusCode::NOT_FOUND, "not-found")
        };
        // Outsiders do not even see the draft.
        expect_problem(
            app.send_json(Method::PUT, &path, token, &body).await,
            expected.0,
            expected.1,
        )
        .await;
        expect_problem(app.delete(&path, token).await, expected.0, expected.1).await;
        expect_problem(
            app.post(&format!("{path}/publish"), token, &json!({}))
                .await,
            expected.0,
            expected.1,
        )
        .await;
    }
    // Once published, outsiders see it and are refused with 403.
    expect_json(
        app.post(&format!("{path}/publish"), Some(&ha_tinh), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.post(&format!("{path}/revisions"), None, &revision)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post(&format!("{path}/revisions"), Some(&nghe_an), &revision)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.send_json(Method::PUT, &path, Some(&nghe_an), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.delete(&path, Some(&commune)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_json(
        app.post(&format!("{path}/revisions"), Some(&ha_tinh), &revision)
            .await,
        StatusCode::CREATED,
    )
    .await;
    // A viewer reads drafts; the public lists only published ones.
    let viewer = app.token_for(Role::Viewer, None).await;
    let all = app
        .get_ok(
            &format!("/api/v1/criteria-versions?set={set}"),
            Some(&viewer),
        )
        .await;
    let public = app
        .get_ok(&format!("/api/v1/criteria-versions?set={set}"), None)
        .await;
    assert_eq!(
        (all["total"].as_i64(), public["total"].as_i64()),
        (Some(2), Some(1))
    );
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
