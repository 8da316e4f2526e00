//! Revisions of a criteria version: copies, diffs, supersession.
use super::*;

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
    // Read first: published versions are answered from memory, and the publish of the
    // revision must make the next read show the base superseded at once.
    let path = format!("/api/v1/criteria-versions/{base_id}");
    let tag = app.etag(&path, None).await;
    assert_eq!(app.get_ok(&path, None).await["status"], "published");
    app.publish(&app.admin_token, id).await;
    let old = app.get_ok(&path, None).await;
    assert_eq!(old["status"], "superseded");
    assert_ne!(
        app.etag(&path, None).await,
        tag,
        "a new row version, a new ETag"
    );
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
