//! `/agencies` and `/sponsorships`: the articles' cases, Ban Dân vận Tỉnh ủy sponsoring
//! Cẩm Quan 2016-2020 and Sở Khoa học và Công nghệ sponsoring Kỳ Lạc with bee-keeping and
//! guava models.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, TestApp, HA_TINH, KY_LAC, NGHE_AN,
    NO_BODY,
};

/// Both agencies of the articles and their sponsorships, with Sở KHCN's three activities
/// recorded by its own user.
pub struct Articles {
    pub app: TestApp,
    pub dan_van: i64,
    pub khcn: i64,
    /// Sở KHCN's sponsorship of Kỳ Lạc in 2021.
    pub ky_lac: i64,
}

pub async fn articles() -> Articles {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let dan_van = app
        .agency(&ha_tinh, "Ban Dân vận Tỉnh ủy Hà Tĩnh", "party")
        .await;
    let khcn = app
        .agency(&ha_tinh, "Sở Khoa học và Công nghệ Hà Tĩnh", "state")
        .await;
    let cam_quan = json!({"agency_id": dan_van, "commune_code": "18724", "starts_on": "2016-01-01", "ends_on": "2020-12-31",
        "signed_on": "2016-08-19", "commitments": ["Phối hợp tuyên truyền, vận động nhân dân", "Tập huấn cán bộ cốt cán"]});
    let s1 = app
        .created("/api/v1/sponsorships", &ha_tinh, &cam_quan)
        .await;
    assert_eq!(s1["province_code"], HA_TINH);
    assert_eq!(
        s1["commitments"][0],
        "Phối hợp tuyên truyền, vận động nhân dân"
    );
    let ky_lac = json!({"agency_id": khcn, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31", "decision_number": "863/QĐ-UBND"});
    let ky_lac = app.created("/api/v1/sponsorships", &ha_tinh, &ky_lac).await["id"]
        .as_i64()
        .unwrap();
    // The agency's own user records the activities.
    let sponsor = app.sponsor(khcn).await;
    for activity in [
        json!({"happened_on": "2021-04-10", "kind": "technology_transfer", "description": "Chuyển giao mô hình nuôi ong"}),
        json!({"happened_on": "2021-06-02", "kind": "technology_transfer", "description": "Mô hình trồng ổi"}),
        json!({"happened_on": "2021-07-15", "kind": "funding", "amount_vnd": 150000000, "description": "Hỗ trợ kinh phí mô hình"}),
    ] {
        app.created(
            &format!("/api/v1/sponsorships/{ky_lac}/activities"),
            &sponsor,
            &activity,
        )
        .await;
    }
    Articles {
        app,
        dan_van,
        khcn,
        ky_lac,
    }
}

#[tokio::test]
async fn an_agencys_activities_add_up_on_its_sponsorship_and_itself() {
    let Articles {
        app, khcn, ky_lac, ..
    } = articles().await;
    let s = app
        .get_ok(&format!("/api/v1/sponsorships/{ky_lac}"), None)
        .await;
    assert_eq!(
        s["totals"],
        json!({"activities": 3, "funding_vnd": 150000000})
    );
    let a = app.get_ok(&format!("/api/v1/agencies/{khcn}"), None).await;
    assert_eq!(
        a["totals"],
        json!({"sponsorships": 1, "activities": 3, "funding_vnd": 150000000})
    );
    assert_eq!(
        app.get_ok(&format!("/api/v1/sponsorships/{ky_lac}/activities"), None)
            .await["total"],
        3
    );
}

#[tokio::test]
async fn lists_carry_each_items_own_totals() {
    let Articles {
        app, dan_van, khcn, ..
    } = articles().await;
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
}

#[tokio::test]
async fn agency_writes_are_for_admins_and_their_province() {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let nghe_an = app.province(NGHE_AN).await;
    let commune = app.commune(KY_LAC).await;
    let body =
        json!({"name": "Sở Khoa học và Công nghệ Hà Tĩnh", "kind": "state", "province_code": "42"});
    let agencies = "/api/v1/agencies";
    app.expect_refusals(&[
        (Method::POST, agencies, None, &body, 401, "unauthorized"),
        (
            Method::POST,
            agencies,
            Some(&nghe_an),
            &body,
            403,
            "forbidden",
        ),
        (
            Method::POST,
            agencies,
            Some(&commune),
            &body,
            403,
            "forbidden",
        ),
    ])
    .await;
    let problem = expect_problem(
        app.post(
            agencies,
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
    let id = app
        .agency(&ha_tinh, "Sở Khoa học và Công nghệ Hà Tĩnh", "state")
        .await;
    let path = format!("/api/v1/agencies/{id}");
    let contact = json!({"contact": "x"});
    app.expect_refusals_changing_nothing(
        &["agencies"],
        &[
            (Method::PATCH, &path, None, &contact, 401, "unauthorized"),
            (
                Method::PATCH,
                &path,
                Some(&nghe_an),
                &contact,
                403,
                "forbidden",
            ),
            (Method::DELETE, &path, None, NO_BODY, 401, "unauthorized"),
            (
                Method::DELETE,
                &path,
                Some(&nghe_an),
                NO_BODY,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
    assert!(app.get_ok(&path, None).await["contact"].is_null());
}

/// Sở KHCN (created by Hà Tĩnh) and the body of its sponsorship of Kỳ Lạc in 2021.
async fn an_agency() -> (TestApp, String, i64, Value) {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let id = app
        .agency(&ha_tinh, "Sở Khoa học và Công nghệ Hà Tĩnh", "state")
        .await;
    let good = json!({"agency_id": id, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"});
    (app, ha_tinh, id, good)
}

#[tokio::test]
async fn a_sponsorship_must_fit_its_agency_commune_and_period() {
    let (app, ha_tinh, _, good) = an_agency().await;
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
    assert_eq!(count_rows(&app.db, "sponsorships").await, 0);
}

#[tokio::test]
async fn sponsorships_are_made_by_admins_and_their_province_once() {
    let (app, ha_tinh, id, good) = an_agency().await;
    let nghe_an = app.province(NGHE_AN).await;
    let commune = app.commune(KY_LAC).await;
    let path = "/api/v1/sponsorships";
    app.expect_refusals_changing_nothing(
        &["sponsorships"],
        &[
            (Method::POST, path, None, &good, 401, "unauthorized"),
            (Method::POST, path, Some(&nghe_an), &good, 403, "forbidden"),
            (Method::POST, path, Some(&commune), &good, 403, "forbidden"),
        ],
    )
    .await;
    app.created(path, &ha_tinh, &good).await;
    // The same again is a conflict; an agency with a sponsorship stays.
    let agency = format!("/api/v1/agencies/{id}");
    app.expect_refusals_changing_nothing(
        &["sponsorships", "agencies"],
        &[
            (Method::POST, path, Some(&ha_tinh), &good, 409, "conflict"),
            (
                Method::DELETE,
                &agency,
                Some(&ha_tinh),
                NO_BODY,
                409,
                "conflict",
            ),
        ],
    )
    .await;
}

/// [`an_agency`] with its sponsorship created: also the sponsorship's path and a token of
/// the agency's own user.
async fn a_sponsorship() -> (TestApp, String, String, String) {
    let (app, ha_tinh, id, good) = an_agency().await;
    let s = app.created("/api/v1/sponsorships", &ha_tinh, &good).await;
    let own_user = app.sponsor(id).await;
    (
        app,
        ha_tinh,
        format!("/api/v1/sponsorships/{}", s["id"]),
        own_user,
    )
}

#[tokio::test]
async fn activities_are_recorded_by_the_sponsoring_agency_only() {
    let (app, ha_tinh, s_path, _) = a_sponsorship().await;
    let other = app
        .agency(&ha_tinh, "Hội Nông dân tỉnh", "mass_organisation")
        .await;
    let other_user = app.sponsor(other).await;
    let commune = app.commune(KY_LAC).await;
    let activities = format!("{s_path}/activities");
    let funding = json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ"});
    app.expect_refusals_changing_nothing(
        &["sponsorship_activities"],
        &[
            (
                Method::POST,
                &activities,
                None,
                &funding,
                401,
                "unauthorized",
            ),
            (
                Method::POST,
                &activities,
                Some(&other_user),
                &funding,
                403,
                "forbidden",
            ),
            (
                Method::POST,
                &activities,
                Some(&commune),
                &funding,
                403,
                "forbidden",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn activity_amounts_are_whole_vnd_inside_the_period() {
    let (app, _, s_path, own_user) = a_sponsorship().await;
    let activities = format!("{s_path}/activities");
    let funding = json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ"});
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
            app.post(&activities, Some(&own_user), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(count_rows(&app.db, "sponsorship_activities").await, 0);
    app.created(&activities, &own_user, &funding).await;
}

#[tokio::test]
async fn sponsorship_edits_are_for_the_province_and_use_the_etag() {
    let (app, ha_tinh, s_path, own_user) = a_sponsorship().await;
    let funding = json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ"});
    app.created(&format!("{s_path}/activities"), &own_user, &funding)
        .await;
    let etag = app.etag(&s_path, None).await;
    let later = json!({"ends_on": "2022-06-30"});
    app.expect_refusals(&[
        (Method::PATCH, &s_path, None, &later, 401, "unauthorized"),
        (
            Method::PATCH,
            &s_path,
            Some(&own_user),
            &later,
            403,
            "forbidden",
        ),
    ])
    .await;
    // The period keeps the activities recorded in it.
    let problem = expect_problem(
        app.patch(&s_path, Some(&ha_tinh), &json!({"ends_on": "2021-03-01"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["ends_on"]);
    let ok = app
        .send_if_match(Method::PATCH, &s_path, &ha_tinh, &etag, Some(&later))
        .await;
    assert_eq!(
        expect_json(ok, StatusCode::OK).await["ends_on"],
        "2022-06-30"
    );
    let stale = app
        .send_if_match(
            Method::PATCH,
            &s_path,
            &ha_tinh,
            &etag,
            Some(&json!({"ends_on": "2022-12-31"})),
        )
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    assert_eq!(app.get_ok(&s_path, None).await["ends_on"], "2022-06-30");
}
