//! `PATCH /districts/{code}`.
use super::*;

#[tokio::test]
async fn a_province_officer_renames_a_district_with_its_etag() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let path = "/api/v1/districts/447";
    let etag = app.etag(path, None).await;
    let renamed = app
        .send_if_match(
            Method::PATCH,
            path,
            &ha_tinh,
            &etag,
            Some(&json!({"name": "Kỳ Anh Mới"})),
        )
        .await;
    let new_etag = renamed.headers()["etag"].to_str().unwrap().to_string();
    let renamed = expect_json(renamed, StatusCode::OK).await;
    assert_eq!(renamed["name"], "Kỳ Anh Mới");
    assert_eq!(renamed["code"], KY_ANH);
    assert_eq!(renamed["province_code"], HA_TINH);
    assert_ne!(new_etag, etag);
    assert_eq!(app.etag(path, None).await, new_etag);
    assert_eq!(app.get_ok(path, None).await["name"], "Kỳ Anh Mới");
    // Only the fields sent change; the other districts keep their names.
    assert_eq!(renamed["valid_to"], "2025-06-30");
    assert_eq!(
        app.get_ok("/api/v1/districts/443", None).await["name"],
        "Can Lộc"
    );
}

#[tokio::test]
async fn a_stale_etag_on_a_district_is_412_and_keeps_the_first_edit() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let path = "/api/v1/districts/447";
    let etag = app.etag(path, None).await;
    let first = app
        .send_if_match(
            Method::PATCH,
            path,
            &ha_tinh,
            &etag,
            Some(&json!({"name": "Một"})),
        )
        .await;
    expect_json(first, StatusCode::OK).await;
    let second = app
        .send_if_match(
            Method::PATCH,
            path,
            &ha_tinh,
            &etag,
            Some(&json!({"name": "Hai"})),
        )
        .await;
    expect_problem(
        second,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    assert_eq!(app.get_ok(path, None).await["name"], "Một");
}

#[tokio::test]
async fn district_edits_are_for_admins_and_their_province_only() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/districts/447";
    let rename = json!({"name": "Đổi Tên"});
    let nghe_an = app.province(NGHE_AN).await;
    let ky_anh = app.district(KY_ANH).await;
    let ky_lac = app.commune(KY_LAC).await;
    let viewer = app.viewer().await;
    app.expect_refusals_changing_nothing(
        &["units", "changes"],
        &[
            (Method::PATCH, path, None, &rename, 401, "unauthorized"),
            (
                Method::PATCH,
                path,
                Some(&nghe_an),
                &rename,
                403,
                "forbidden",
            ),
            (
                Method::PATCH,
                path,
                Some(&ky_anh),
                &rename,
                403,
                "forbidden",
            ),
            (
                Method::PATCH,
                path,
                Some(&ky_lac),
                &rename,
                403,
                "forbidden",
            ),
            (
                Method::PATCH,
                path,
                Some(&viewer),
                &rename,
                403,
                "forbidden",
            ),
            (
                Method::PATCH,
                "/api/v1/districts/999",
                Some(&app.admin_token),
                &rename,
                404,
                "not-found",
            ),
            // Districts were abolished on 2025-07-01: none is valid on that day.
            (
                Method::PATCH,
                "/api/v1/districts/447?on=2025-07-01",
                Some(&app.admin_token),
                &rename,
                404,
                "not-found",
            ),
        ],
    )
    .await;
    assert_eq!(app.get_ok(path, None).await["name"], "Kỳ Anh");
    let changed = expect_json(
        app.patch(
            path,
            Some(&app.admin_token),
            &json!({"commune_group": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Kỳ Anh", "an admin edits without If-Match");
}

#[tokio::test]
async fn invalid_district_edits_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let path = "/api/v1/districts/447";
    let before = app.get_ok(path, None).await;
    for (body, fields) in [
        (json!({"type": "bang"}), vec!["type"]),
        (json!({"name": " "}), vec!["name"]),
        (json!({"valid_from": "2030-01-01"}), vec!["valid_to"]),
        (json!({"name": 5}), vec!["name"]),
    ] {
        let problem = expect_problem(
            app.patch(path, Some(&ha_tinh), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    assert_eq!(app.get_ok(path, None).await, before);
}
