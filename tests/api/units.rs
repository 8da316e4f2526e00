//! `/provinces`, `/districts`, `/communes` and `/villages`: versions by date, search,
//! pagination, and who creates, edits and deletes which unit.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, TestApp, HA_TINH, KY_ANH, KY_LAC,
    NGHE_AN, NO_BODY,
};

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_reused_code_answers_the_version_of_the_date() {
    let app = TestApp::spawn().await;
    let old = app
        .get_ok("/api/v1/communes/18850?on=2021-09-25", None)
        .await;
    assert_eq!(old["name"], "Kỳ Lạc");
    assert_eq!(old["type"], "xã");
    assert_eq!(old["name_ascii"], "ky lac");
    assert_eq!(old["district_code"], "447");
    assert_eq!(old["province_code"], "42");
    assert_eq!(old["region"], "north_central_coast");
    assert_eq!(old["valid_to"], "2025-06-30");
    assert!(old["successor_code"].is_string());
    // The province code 42 names both the old and the new Hà Tĩnh.
    let before = app.get_ok("/api/v1/provinces/42?on=2024-12-31", None).await;
    let after = app.get_ok("/api/v1/provinces/42", None).await;
    assert_eq!(before["valid_to"], "2025-06-30");
    assert!(after["valid_to"].is_null());
    assert_eq!(after["valid_from"], "2025-07-01");
    // Districts were abolished: a date after the reform finds none.
    expect_problem(
        app.get("/api/v1/districts/447?on=2025-07-01", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let retired = app.get_ok("/api/v1/districts/447", None).await;
    assert_eq!(retired["name"], "Kỳ Anh");
    expect_problem(
        app.get("/api/v1/communes/00000", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let bad_date = expect_problem(
        app.get("/api/v1/communes/18850?on=2021-13-01", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&bad_date), ["on"]);
}

#[tokio::test]
async fn search_ignores_diacritics_and_case() {
    let app = TestApp::spawn().await;
    for q in ["cam xuyen", "Cẩm Xuyên", "CẨM XUYÊN", "cẩm  xuyên"] {
        let page = app
            .get_ok(&format!("/api/v1/districts?q={}", urlencode(q)), None)
            .await;
        assert_eq!(codes(&page), ["446"], "q={q}");
    }
    let page = app
        .get_ok("/api/v1/communes?q=ky%20lac&on=2024-12-31", None)
        .await;
    assert_eq!(codes(&page), ["18850"]);
    // "đ" folds to "d": Đức Thọ.
    let page = app.get_ok("/api/v1/districts?q=duc%20tho", None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["name"], "Đức Thọ");
    // The type word is searchable too; wildcards are literal.
    let page = app
        .get_ok("/api/v1/communes?q=xa%20ky%20lac&on=2024-12-31", None)
        .await;
    assert_eq!(codes(&page), ["18850"]);
    assert_eq!(app.get_ok("/api/v1/communes?q=%25", None).await["total"], 0);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn lists_paginate() {
    let app = TestApp::spawn().await;
    let all = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=500",
            None,
        )
        .await;
    let total = all["total"].as_u64().unwrap();
    assert!(total > 10, "Kỳ Anh has more than 10 communes");
    assert!(
        codes(&all).contains(&"18793".to_string()) && codes(&all).contains(&"18850".to_string())
    );
    let first = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=5",
            None,
        )
        .await;
    let second = app
        .get_ok(
            "/api/v1/communes?district=447&on=2024-12-31&per_page=5&page=2",
            None,
        )
        .await;
    assert_eq!(first["per_page"], 5);
    assert_eq!(second["page"], 2);
    assert_eq!(first["total"], total);
    let mut paged = codes(&first);
    paged.extend(codes(&second));
    assert_eq!(paged, codes(&all)[..10]);
}

#[tokio::test]
async fn page_sizes_and_numbers_are_checked() {
    let app = TestApp::spawn().await;
    // Default page size is 50; the maximum is 500.
    assert_eq!(app.get_ok("/api/v1/communes", None).await["per_page"], 50);
    let problem = expect_problem(
        app.get("/api/v1/communes?per_page=501&page=0", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page", "per_page"]);
    let problem = expect_problem(
        app.get("/api/v1/communes?page=abc", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page"]);
    // A page far beyond the data is refused before (page - 1) * per_page can overflow
    // (found by schemathesis).
    let problem = expect_problem(
        app.get(
            "/api/v1/communes?page=160380469955716064&per_page=116",
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["page"]);
}

#[tokio::test]
async fn lists_answer_for_a_date_before_or_after_the_reform() {
    let app = TestApp::spawn().await;
    let old = app.get_ok("/api/v1/provinces?on=2024-12-31", None).await;
    let new = app.get_ok("/api/v1/provinces?on=2025-07-01", None).await;
    let every = app.get_ok("/api/v1/provinces", None).await;
    assert_eq!(
        (
            old["total"].as_u64(),
            new["total"].as_u64(),
            every["total"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let districts_after = app
        .get_ok("/api/v1/districts?province=42&on=2025-07-01", None)
        .await;
    assert_eq!(districts_after["total"], 0);
}

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

#[tokio::test]
async fn referenced_units_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let district = app.district(KY_ANH).await;
    let admin = Some(app.admin_token.as_str());
    app.expect_refusals_changing_nothing(
        &["units"],
        &[
            (
                Method::DELETE,
                "/api/v1/districts/447",
                Some(&ha_tinh),
                NO_BODY,
                409,
                "conflict",
            ),
            (
                Method::DELETE,
                "/api/v1/provinces/42?on=2024-01-01",
                admin,
                NO_BODY,
                409,
                "conflict",
            ),
            (
                Method::DELETE,
                "/api/v1/districts/447",
                None,
                NO_BODY,
                401,
                "unauthorized",
            ),
            (
                Method::DELETE,
                "/api/v1/communes/18850?on=2021-01-01",
                Some(&district),
                NO_BODY,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_commune_with_assessments_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    app.draft_assessment(&ky_lac, version, KY_LAC).await;
    app.expect_refusals_changing_nothing(
        &["units"],
        &[(
            Method::DELETE,
            "/api/v1/communes/18850",
            Some(&app.admin_token),
            NO_BODY,
            409,
            "conflict",
        )],
    )
    .await;
}

#[tokio::test]
async fn a_village_keeps_its_commune_until_the_village_goes() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let district = app.district(KY_ANH).await;
    let before = count_rows(&app.db, "units").await;
    // Kỳ Lạc (18850) ended with the reform, so its village does too.
    let village =
        json!({"code": "18850-thon-1", "name": "Thôn 1", "type": "thôn", "valid_to": "2025-06-30"});
    let villages = "/api/v1/communes/18850/villages";
    app.expect_refusals_changing_nothing(
        &["units"],
        &[
            (Method::POST, villages, None, &village, 401, "unauthorized"),
            (
                Method::POST,
                villages,
                Some(&district),
                &village,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    let created = app.created(villages, &ha_tinh, &village).await;
    assert_eq!(created["commune_code"], KY_LAC);
    assert_eq!(created["province_code"], HA_TINH);
    let listed = app.get_ok(villages, None).await;
    assert_eq!(codes(&listed), ["18850-thon-1"]);
    app.expect_refusals(&[(
        Method::DELETE,
        "/api/v1/communes/18850",
        Some(&ha_tinh),
        NO_BODY,
        409,
        "conflict",
    )])
    .await;
    assert_eq!(
        app.delete("/api/v1/villages/18850-thon-1", Some(&ha_tinh))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.expect_refusals(&[(
        Method::GET,
        "/api/v1/villages/18850-thon-1",
        None,
        NO_BODY,
        404,
        "not-found",
    )])
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
}
