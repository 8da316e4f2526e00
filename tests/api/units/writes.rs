//! Creating and editing units: scope, validation, versions, ETags.
use super::*;

#[tokio::test]
async fn province_officers_create_units_inside_their_province() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let nghe_an = app.province(NGHE_AN).await;
    let district = app.district(KY_ANH).await;
    let commune_officer = app.commune(KY_LAC).await;
    let viewer = app.viewer().await;
    let commune = json!({"code": "99901", "name": "Thử Nghiệm", "type": "xã", "province_code": "42", "valid_from": "2025-07-01"});
    let path = "/api/v1/communes";
    app.expect_refusals_changing_nothing(
        &["units", "changes"],
        &[
            (Method::POST, path, None, &commune, 401, "unauthorized"),
            (
                Method::POST,
                path,
                Some(&nghe_an),
                &commune,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                path,
                Some(&district),
                &commune,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                path,
                Some(&commune_officer),
                &commune,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                path,
                Some(&viewer),
                &commune,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    // Searches are kept with the units' snapshot: one made before the write must not hide
    // the new commune after it.
    let search = "/api/v1/communes?q=Th%E1%BB%AD%20Nghi%E1%BB%87m";
    assert_eq!(app.get_ok(search, None).await["total"], 0);
    let changes_before = count_rows(&app.db, "changes").await;
    let response = app.post(path, Some(&ha_tinh), &commune).await;
    assert_eq!(response.headers()["location"], "/api/v1/communes/99901");
    assert!(response.headers().contains_key("etag"));
    let created = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(created["region"], "north_central_coast");
    assert_eq!(created["name_ascii"], "thu nghiem");
    assert_eq!(created["full_name"], "Xã Thử Nghiệm");
    assert_eq!(
        app.get_ok("/api/v1/communes/99901", None).await["name"],
        "Thử Nghiệm"
    );
    // The write is in the change feed.
    assert_eq!(count_rows(&app.db, "changes").await, changes_before + 1);
    let found = app.get(search, None).await;
    let tag = found.headers()["etag"].clone();
    let found = expect_json(found, StatusCode::OK).await;
    assert_eq!(codes(&found), ["99901"]);
    // The same query folded otherwise is the same answer, with the same tag.
    let folded = app.get("/api/v1/communes?q=THU%20%20nghiem", None).await;
    assert_eq!(folded.headers()["etag"], tag);
    assert_eq!(expect_json(folded, StatusCode::OK).await, found);
}

#[tokio::test]
async fn provinces_are_created_by_admins_only() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let province = json!({"code": "98", "name": "Thử", "type": "tỉnh", "region": "mekong_delta"});
    let path = "/api/v1/provinces";
    app.expect_refusals_changing_nothing(
        &["units"],
        &[(
            Method::POST,
            path,
            Some(&ha_tinh),
            &province,
            403,
            "forbidden",
        )],
    )
    .await;
    app.created(path, &app.admin_token, &province).await;
    app.expect_refusals(&[(
        Method::POST,
        path,
        Some(&app.admin_token),
        &province,
        409,
        "conflict",
    )])
    .await;
}

#[tokio::test]
async fn invalid_units_are_422_naming_each_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let before = count_rows(&app.db, "units").await;
    let problem = expect_problem(
        app.post(
            "/api/v1/communes",
            Some(&app.admin_token),
            &json!({"code": "12", "name": " ", "type": "tỉnh", "region": "mekong_delta", "commune_group": 7,
                    "valid_from": "2025-07-01", "valid_to": "2025-01-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    let fields = error_fields(&problem);
    for field in [
        "code",
        "name",
        "type",
        "valid_to",
        "commune_group",
        "region",
        "province_code",
    ] {
        assert!(
            fields.contains(&field.to_string()),
            "{field} missing in {fields:?}"
        );
    }
    for (body, field) in [
        (
            json!({"code": "99902", "name": "A", "type": "xã", "province_code": "42", "district_code": "001", "valid_to": "2025-06-30"}),
            "district_code",
        ),
        (json!({"code": 99902, "name": "A", "type": "xã"}), "code"),
    ] {
        let problem = expect_problem(
            app.post("/api/v1/communes", Some(&app.admin_token), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(count_rows(&app.db, "units").await, before);
}

#[tokio::test]
async fn malformed_json_is_400_another_type_415_and_an_oversized_body_413() {
    let app = TestApp::spawn().await;
    let before = count_rows(&app.db, "units").await;
    let send = |content_type: &'static str, body: String| {
        app.request(Method::POST, "/api/v1/communes", Some(&app.admin_token))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let malformed = send("application/json", "{\"code\": ".into())
        .await
        .unwrap();
    expect_problem(malformed, StatusCode::BAD_REQUEST, "bad-request").await;
    let text = send("text/plain", "code=1".into()).await.unwrap();
    expect_problem(
        text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let huge = json!({"code": "99903", "name": "x".repeat(2 * 1024 * 1024), "type": "xã"});
    app.expect_refusals(&[(
        Method::POST,
        "/api/v1/communes",
        Some(&app.admin_token),
        &huge,
        413,
        "payload-too-large",
    )])
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
}

#[tokio::test]
async fn an_overlapping_version_of_a_code_is_a_conflict() {
    let app = TestApp::spawn().await;
    let before = count_rows(&app.db, "units").await;
    let overlap = json!({"code": "18850", "name": "Kỳ Lạc", "type": "xã", "province_code": "42", "district_code": "447", "valid_from": "2020-01-01", "valid_to": "2025-06-30"});
    let problem = expect_problem(
        app.post("/api/v1/communes", Some(&app.admin_token), &overlap)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(error_fields(&problem), ["code"]);
    assert_eq!(count_rows(&app.db, "units").await, before);
}

#[tokio::test]
async fn edits_use_etags_and_lose_nothing() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let nghe_an = app.province(NGHE_AN).await;
    let path = "/api/v1/communes/18850?on=2021-01-01";
    let response = app.get(path, None).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let original = expect_json(response, StatusCode::OK).await;
    let rename = json!({"name": "X"});
    app.expect_refusals(&[
        (Method::PATCH, path, None, &rename, 401, "unauthorized"),
        (
            Method::PATCH,
            path,
            Some(&nghe_an),
            &rename,
            403,
            "forbidden",
        ),
    ])
    .await;
    let update = |tag: &str, body: Value| {
        let (app, ha_tinh, tag) = (&app, &ha_tinh, tag.to_string());
        async move {
            app.send_if_match(Method::PATCH, path, ha_tinh, &tag, Some(&body))
                .await
        }
    };
    let changed = expect_json(
        update(&etag, json!({"commune_group": 2})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["commune_group"], 2);
    assert_eq!(changed["name"], original["name"]);
    // The old ETag is stale now: 412, and the unit keeps the first edit.
    expect_problem(
        update(&etag, json!({"name": "Đổi Tên"})).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let now = app.get_ok(path, None).await;
    assert_eq!(now["name"], "Kỳ Lạc");
    assert_eq!(now["commune_group"], 2);
}

#[tokio::test]
async fn null_clears_a_field_and_invalid_values_are_422() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let path = "/api/v1/communes/18850?on=2021-01-01";
    let grouped = app
        .patch(path, Some(&ha_tinh), &json!({"commune_group": 2}))
        .await;
    assert_eq!(
        expect_json(grouped, StatusCode::OK).await["commune_group"],
        2
    );
    let cleared = app
        .patch(path, Some(&ha_tinh), &json!({"commune_group": null}))
        .await;
    assert!(expect_json(cleared, StatusCode::OK).await["commune_group"].is_null());
    let problem = expect_problem(
        app.patch(
            path,
            Some(&ha_tinh),
            &json!({"type": "bang", "valid_from": "2030-01-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["type", "valid_to"]);
}
