//! The articles' cases: Ban Dân vận Tỉnh ủy sponsoring Cẩm Quan 2016-2020; Sở Khoa học và
//! Công nghệ sponsoring Kỳ Lạc, with bee-keeping and guava models.
use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp};

async fn agency(app: &TestApp, token: &str, name: &str, kind: &str) -> i64 {
    let body = json!({"name": name, "kind": kind, "province_code": "42"});
    expect_json(
        app.post("/api/v1/agencies", Some(token), &body).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn agencies_sponsor_communes_and_record_what_they_did() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let dan_van = agency(&app, &ha_tinh, "Ban Dân vận Tỉnh ủy Hà Tĩnh", "party").await;
    let khcn = agency(&app, &ha_tinh, "Sở Khoa học và Công nghệ Hà Tĩnh", "state").await;
    let cam_quan = json!({"agency_id": dan_van, "commune_code": "18724", "starts_on": "2016-01-01", "ends_on": "2020-12-31",
        "signed_on": "2016-08-19", "commitments": ["Phối hợp tuyên truyền, vận động nhân dân", "Tập huấn cán bộ cốt cán"]});
    let s1 = expect_json(
        app.post("/api/v1/sponsorships", Some(&ha_tinh), &cam_quan)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(s1["province_code"], "42");
    assert_eq!(
        s1["commitments"][0],
        "Phối hợp tuyên truyền, vận động nhân dân"
    );
    let ky_lac = json!({"agency_id": khcn, "commune_code": "18850", "starts_on": "2021-01-01", "ends_on": "2021-12-31", "decision_number": "863/QĐ-UBND"});
    let s2 = expect_json(
        app.post("/api/v1/sponsorships", Some(&ha_tinh), &ky_lac)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let s2_id = s2["id"].as_i64().unwrap();
    // The agency's own user records the activities.
    let sponsor = app.token_for(Role::Sponsor, Some(&khcn.to_string())).await;
    for activity in [
        json!({"happened_on": "2021-04-10", "kind": "technology_transfer", "description": "Chuyển giao mô hình nuôi ong"}),
        json!({"happened_on": "2021-06-02", "kind": "technology_transfer", "description": "Mô hình trồng ổi"}),
        json!({"happened_on": "2021-07-15", "kind": "funding", "amount_vnd": 150000000, "description": "Hỗ trợ kinh phí mô hình"}),
    ] {
        expect_json(
            app.post(
                &format!("/api/v1/sponsorships/{s2_id}/activities"),
                Some(&sponsor),
                &activity,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let s2 = app
        .get_ok(&format!("/api/v1/sponsorships/{s2_id}"), None)
        .await;
    assert_eq!(
        s2["totals"],
        json!({"activities": 3, "funding_vnd": 150000000})
    );
    let a = app.get_ok(&format!("/api/v1/agencies/{khcn}"), None).await;
    assert_eq!(
        a["totals"],
        json!({"sponsorships": 1, "activities": 3, "funding_vnd": 150000000})
    );
    assert_eq!(
        app.get_ok(&format!("/api/v1/sponsorships/{s2_id}/activities"), None)
            .await["total"],
        3
    );
    // Lists carry each item's own totals (computed for the whole page at once).
    let agencies = app.get_ok("/api/v1/agencies?province=42", None).await;
    let totals: Vec<(i64, Value)> = agencies["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_i64().unwrap(), a["totals"].clone()))
        .collect();
    assert_eq!(
        totals,
        vec![
            (
                dan_van,
                json!({"sponsorships": 1, "activities": 0, "funding_vnd": 0})
            ),
            (
                khcn,
                json!({"sponsorships": 1, "activities": 3, "funding_vnd": 150000000})
            ),
        ]
    );
    let sponsorships = app.get_ok("/api/v1/sponsorships?province=42", None).await;
    let rows: Vec<(&str, Value)> = sponsorships["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["agency_name"].as_str().unwrap(), s["totals"].clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "Ban Dân vận Tỉnh ủy Hà Tĩnh",
                json!({"activities": 0, "funding_vnd": 0})
            ),
            (
                "Sở Khoa học và Công nghệ Hà Tĩnh",
                json!({"activities": 3, "funding_vnd": 150000000})
            ),
        ]
    );
    // Search ignores diacritics; filters by commune.
    assert_eq!(
        app.get_ok("/api/v1/agencies?q=so%20khoa%20hoc", None).await["items"][0]["id"],
        khcn
    );
    assert_eq!(
        app.get_ok("/api/v1/sponsorships?commune=18724", None).await["items"][0]["agency_name"],
        "Ban Dân vận Tỉnh ủy Hà Tĩnh"
    );
    // The commune's status lists its sponsors; the report sums the year's funding.
    let status = app
        .get_ok("/api/v1/communes/18850/status?on=2021-09-25", None)
        .await;
    assert_eq!(
        status["sponsors"][0]["name"],
        "Sở Khoa học và Công nghệ Hà Tĩnh"
    );
    assert_eq!(status["sponsors"][0]["starts_on"], "2021-01-01");
    let report = app
        .get_ok("/api/v1/reports/progress?province=42&year=2021", None)
        .await;
    assert_eq!(
        report["sponsorship"],
        json!({"active": 1, "funding_vnd": 150000000})
    );
    assert_eq!(
        app.get_ok("/api/v1/reports/progress?province=42&year=2018", None)
            .await["sponsorship"]["active"],
        1
    );
}

#[tokio::test]
async fn sponsorship_writes_are_checked_and_change_nothing_when_refused() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.token_for(Role::Province, Some("42")).await;
    let nghe_an = app.token_for(Role::Province, Some("40")).await;
    let commune = app.token_for(Role::Commune, Some("18850")).await;
    let body =
        json!({"name": "Sở Khoa học và Công nghệ Hà Tĩnh", "kind": "state", "province_code": "42"});
    expect_problem(
        app.post("/api/v1/agencies", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/agencies", Some(&nghe_an), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/agencies", Some(&commune), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let problem = expect_problem(
        app.post(
            "/api/v1/agencies",
            Some(&ha_tinh),
            &json!({"name": "", "kind": "club", "province_code": "42"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"]);
    assert_eq!(count_rows(&app.db, "agencies").await, 0);
    let id = agency(&app, &ha_tinh, "Sở Khoa học và Công nghệ Hà Tĩnh", "state").await;
    let path = format!("/api/v1/agencies/{id}");
    expect_problem(
        app.patch(&path, None, &json!({"contact": "x"})).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.patch(&path, Some(&nghe_an), &json!({"contact": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.delete(&path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.delete(&path, Some(&nghe_an)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let good = json!({"agency_id": id, "commune_code": "18850", "starts_on": "2021-01-01", "ends_on": "2021-12-31"});
    for (change, field) in [
        (json!({"ends_on": "2020-12-31"}), "ends_on"),
        (json!({"commune_code": "99999"}), "commune_code"),
        (
            json!({"commune_code": "18850", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
            "commune_code",
        ),
        (json!({"agency_id": 999999}), "agency_id"),
        // Kỳ Lạc ended with the reform; a sponsorship cannot outlast it.
        (
            json!({"starts_on": "2024-01-01", "ends_on": "2026-12-31"}),
            "ends_on",
        ),
    ] {
        let mut body = good.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let problem = expect_problem(
            app.post("/api/v1/sponsorships", Some(&ha_tinh), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    expect_problem(
        app.post("/api/v1/sponsorships", None, &good).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post("/api/v1/sponsorships", Some(&nghe_an), &good)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/sponsorships", Some(&commune), &good)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(count_rows(&app.db, "sponsorships").await, 0);
    let s = expect_json(
        app.post("/api/v1/sponsorships", Some(&ha_tinh), &good)
            .await,
        StatusCode::CREATED,
    )
    .await;
    expect_problem(
        app.post("/api/v1/sponsorships", Some(&ha_tinh), &good)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_problem(
        app.delete(&path, Some(&ha_tinh)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let s_path = format!("/api/v1/sponsorships/{}", s["id"]);
    // Activities: amounts are whole non-negative VND, inside the period, by the right agency.
    let other = agency(&app, &ha_tinh, "Hội Nông dân tỉnh", "mass_organisation").await;
    let other_user = app.token_for(Role::Sponsor, Some(&other.to_string())).await;
    let own_user = app.token_for(Role::Sponsor, Some(&id.to_string())).await;
    let funding = json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ"});
    expect_problem(
        app.post(&format!("{s_path}/activities"), None, &funding)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.post(&format!("{s_path}/activities"), Some(&other_user), &funding)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post(&format!("{s_path}/activities"), Some(&commune), &funding)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for (change, field) in [
        (json!({"amount_vnd": -1}), "amount_vnd"),
        // Past 10^14 VND: sums over many activities could overflow (found by schemathesis).
        (
            json!({"amount_vnd": 9_223_372_036_854_775_806_i64}),
            "amount_vnd",
        ),
        (json!({"amount_vnd": null}), "amount_vnd"),
        (json!({"amount_vnd": 1.5}), "amount_vnd"),
        (json!({"happened_on": "2022-01-02"}), "happened_on"),
    ] {
        let mut body: Value = funding.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let problem = expect_problem(
            app.post(&format!("{s_path}/activities"), Some(&own_user), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(count_rows(&app.db, "sponsorship_activities").await, 0);
    expect_json(
        app.post(&format!("{s_path}/activities"), Some(&own_user), &funding)
            .await,
        StatusCode::CREATED,
    )
    .await;
    // Edits use the ETag.
    let etag = app.get(&s_path, None).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    expect_problem(
        app.patch(&s_path, None, &json!({"ends_on": "2022-06-30"}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.patch(&s_path, Some(&own_user), &json!({"ends_on": "2022-06-30"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let problem = expect_problem(
        app.patch(&s_path, Some(&ha_tinh), &json!({"ends_on": "2021-03-01"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["ends_on"]);
    let ok = app
        .request(Method::PATCH, &s_path, Some(&ha_tinh))
        .header("If-Match", etag.clone())
        .json(&json!({"ends_on": "2022-06-30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_json(ok, StatusCode::OK).await["ends_on"],
        "2022-06-30"
    );
    let stale = app
        .request(Method::PATCH, &s_path, Some(&ha_tinh))
        .header("If-Match", etag)
        .json(&json!({"ends_on": "2022-12-31"}))
        .send()
        .await
        .unwrap();
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    assert_eq!(app.get_ok(&s_path, None).await["ends_on"], "2022-06-30");
}
