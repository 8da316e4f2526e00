use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp};

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
async fn lists_paginate_and_filter() {
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
    // Before and after the reform.
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
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let commune = json!({"code": "99901", "name": "Thử Nghiệm", "type": "xã", "province_code": "42", "valid_from": "2025-07-01"});
    let before = count_rows(&app.db, "units").await;
    let changes_before = count_rows(&app.db, "changes").await;
    expect_problem(
        app.post("/api/v1/communes", None, &commune).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/communes", Some(&nghe_an), &commune).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for (role, scope) in [
        (Role::District, "447"),
        (Role::Commune, "18850"),
        (Role::Viewer, ""),
    ] {
        let token = app
            .token_for(role, (!scope.is_empty()).then_some(scope))
            .await;
        expect_problem(
            app.post("/api/v1/communes", Some(&token), &commune).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_eq!(count_rows(&app.db, "units").await, before);
    let response = app.post("/api/v1/communes", Some(&ha_tinh), &commune).await;
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
    // Provinces are for admins only.
    let province = json!({"code": "98", "name": "Thử", "type": "tỉnh", "region": "mekong_delta"});
    expect_problem(
        app.post("/api/v1/provinces", Some(&ha_tinh), &province)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_json(
        app.post("/api/v1/provinces", Some(&app.admin_token), &province)
            .await,
        StatusCode::CREATED,
    )
    .await;
    expect_problem(
        app.post("/api/v1/provinces", Some(&app.admin_token), &province)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
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
    let problem = expect_problem(
        app.post("/api/v1/communes", Some(&app.admin_token), &json!({"code": "99902", "name": "A", "type": "xã", "province_code": "42", "district_code": "001", "valid_to": "2025-06-30"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["district_code"]);
    let problem = expect_problem(
        app.post(
            "/api/v1/communes",
            Some(&app.admin_token),
            &json!({"code": 99902, "name": "A", "type": "xã"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["code"]);
    // Malformed JSON is 400; another content type is 415; an oversized body is 413.
    let malformed = app
        .request(Method::POST, "/api/v1/communes", Some(&app.admin_token))
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    expect_problem(malformed, StatusCode::BAD_REQUEST, "bad-request").await;
    let text = app
        .request(Method::POST, "/api/v1/communes", Some(&app.admin_token))
        .header("content-type", "text/plain")
        .body("code=1")
        .send()
        .await
        .unwrap();
    expect_problem(
        text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let huge = json!({"code": "99903", "name": "x".repeat(2 * 1024 * 1024), "type": "xã"});
    expect_problem(
        app.post("/api/v1/communes", Some(&app.admin_token), &huge)
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
    )
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
    // An overlapping version of an existing code is a conflict.
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
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let path = "/api/v1/communes/18850?on=2021-01-01";
    let response = app.get(path, None).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let original = expect_json(response, StatusCode::OK).await;
    expect_problem(
        app.patch(path, None, &json!({"name": "X"})).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.patch(path, Some(&nghe_an), &json!({"name": "X"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let update = |tag: &str, body: Value| {
        app.request(Method::PATCH, path, Some(&ha_tinh))
            .header("If-Match", tag.to_string())
            .json(&body)
            .send()
    };
    let changed = expect_json(
        update(&etag, json!({"commune_group": 2})).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["commune_group"], 2);
    assert_eq!(changed["name"], original["name"]);
    // The old ETag is stale now: 412, and the unit keeps the first edit.
    expect_problem(
        update(&etag, json!({"name": "Đổi Tên"})).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let now = app.get_ok(path, None).await;
    assert_eq!(now["name"], "Kỳ Lạc");
    assert_eq!(now["commune_group"], 2);
    // null clears; invalid values are 422.
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
async fn referenced_units_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let before = count_rows(&app.db, "units").await;
    expect_problem(
        app.delete("/api/v1/districts/447", Some(&ha_tinh)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.delete("/api/v1/provinces/42?on=2024-01-01", Some(&app.admin_token))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.delete("/api/v1/districts/447", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let district = app.token_for(Role::District, Some("447")).await;
    expect_problem(
        app.delete("/api/v1/communes/18850?on=2021-01-01", Some(&district))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
    // A village keeps its commune from being deleted until the village goes.
    // Kỳ Lạc (18850) ended with the reform, so its village does too.
    let village =
        json!({"code": "18850-thon-1", "name": "Thôn 1", "type": "thôn", "valid_to": "2025-06-30"});
    expect_problem(
        app.post("/api/v1/communes/18850/villages", None, &village)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/communes/18850/villages", Some(&district), &village)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let created = expect_json(
        app.post("/api/v1/communes/18850/villages", Some(&ha_tinh), &village)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["commune_code"], "18850");
    assert_eq!(created["province_code"], "42");
    let listed = app.get_ok("/api/v1/communes/18850/villages", None).await;
    assert_eq!(codes(&listed), ["18850-thon-1"]);
    expect_problem(
        app.delete("/api/v1/communes/18850", Some(&ha_tinh)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(
        app.delete("/api/v1/villages/18850-thon-1", Some(&ha_tinh))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        app.get("/api/v1/villages/18850-thon-1", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert_eq!(count_rows(&app.db, "units").await, before);
}
