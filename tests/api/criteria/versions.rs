//! Drafts, publication, validation and visibility of criteria versions.
use super::*;

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

/// A published version is answered gzip-compressed to clients that accept it (compressed
/// once, when kept in memory), the same JSON with the same ETag as uncompressed.
#[tokio::test]
async fn a_published_version_is_the_same_json_compressed_or_not() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let id = app.ha_tinh_version().await;
    let path = app.url(&format!("/api/v1/criteria-versions/{id}"));
    // The first read renders and keeps the version; the second is answered from memory.
    for _ in 0..2 {
        let plain = app.client.get(&path).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let etag = plain.headers()["etag"].clone();
        let plain: Value = plain.json().await.unwrap();
        let zipped = app
            .client
            .get(&path)
            .header("Accept-Encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["etag"], etag);
        let bytes = zipped.bytes().await.unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), plain);
        let refused = app
            .client
            .get(&path)
            .header("Accept-Encoding", "gzip;q=0")
            .send()
            .await
            .unwrap();
        assert!(refused.headers().get("content-encoding").is_none());
    }
}
