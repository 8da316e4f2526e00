//! `/reports/progress`: a province's and a district's progress in a year, the timeline,
//! CSV.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{error_fields, expect_problem, TestApp, CAM_QUAN, KY_ANH, KY_LAC, KY_TAY};

/// Kỳ Lạc at 12/20 and Kỳ Tây at 9/20, submitted, one registration for 2021.
async fn hà_tĩnh_2021(app: &TestApp) {
    let version = app.ha_tinh_version().await;
    for (unit, met) in [(KY_LAC, 12), (KY_TAY, 9)] {
        app.submitted_assessment(version, unit, "2021-09-25", met)
            .await;
    }
    // A draft does not count.
    let draft_token = app.commune(CAM_QUAN).await;
    app.draft_assessment(&draft_token, version, CAM_QUAN).await;
    let district = app.district(KY_ANH).await;
    let registration = json!({"unit_code": KY_LAC, "level": "commune", "target_year": 2021});
    app.created("/api/v1/registrations", &district, &registration)
        .await;
}

#[tokio::test]
async fn a_province_report_aggregates_the_latest_assessments() {
    let app = TestApp::spawn().await;
    hà_tĩnh_2021(&app).await;
    let communes = app
        .get_ok(
            "/api/v1/communes?province=42&on=2021-12-31&per_page=1",
            None,
        )
        .await["total"]
        .as_i64()
        .unwrap();
    let report = app
        .get_ok("/api/v1/reports/progress?province=42&year=2021", None)
        .await;
    assert_eq!(report["scope"], json!({"province": "42", "district": null}));
    assert_eq!(report["units"], communes);
    assert_eq!(report["by_level"]["none"], communes);
    assert_eq!(report["registered"], json!({"commune": 1}));
    assert_eq!(report["assessed_units"], 2);
    assert_eq!(report["mean_criteria_met"], 10.5);
    let criteria = report["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 20);
    let rate = |code: &str| {
        criteria.iter().find(|c| c["code"] == code).unwrap()["met_rate"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        (rate("1"), rate("10"), rate("12"), rate("20")),
        (1.0, 0.5, 0.5, 0.0)
    );
    assert_eq!(criteria[9]["name"], "Tiêu chí 10");
    assert_eq!(report["hardest"], json!(["13", "14", "15"]));
}

#[tokio::test]
async fn a_district_report_a_year_without_assessments_and_the_timeline() {
    let app = TestApp::spawn().await;
    hà_tĩnh_2021(&app).await;
    let district = app
        .get_ok("/api/v1/reports/progress?district=447&year=2021", None)
        .await;
    assert_eq!(district["assessed_units"], 2);
    let before = app
        .get_ok("/api/v1/reports/progress?province=42&year=2019", None)
        .await;
    assert_eq!(before["assessed_units"], 0);
    assert!(before["mean_criteria_met"].is_null());
    // The timeline gives one report a year.
    let timeline = app
        .get_ok(
            "/api/v1/reports/progress/timeline?province=42&from=2020&to=2022",
            None,
        )
        .await;
    let years: Vec<i64> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2020, 2021, 2022]);
    assert_eq!(timeline[1]["mean_criteria_met"], 10.5);
    let problem = expect_problem(
        app.get("/api/v1/reports/progress?year=1800", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["year"]);
}

#[tokio::test]
async fn the_report_as_csv_opens_in_a_spreadsheet() {
    let app = TestApp::spawn().await;
    hà_tĩnh_2021(&app).await;
    let response = app
        .request(
            reqwest::Method::GET,
            "/api/v1/reports/progress?province=42&year=2021",
            None,
        )
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark for Excel"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(
        reader.headers().unwrap(),
        vec!["year", "section", "key", "name", "value"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let find = |section: &str, key: &str| {
        rows.iter()
            .find(|r| &r[1] == section && &r[2] == key)
            .map(|r| (r[3].to_string(), r[4].to_string()))
    };
    assert_eq!(
        find("mean_criteria_met", ""),
        Some((String::new(), "10.5".into()))
    );
    assert_eq!(
        find("criteria", "10"),
        Some(("Tiêu chí 10".into(), "0.5".into()))
    );
    assert_eq!(find("registered", "commune").map(|r| r.1), Some("1".into()));
    assert!(rows.iter().all(|r| &r[0] == "2021"));
}

#[tokio::test]
async fn a_communes_sponsors_show_in_its_status_and_the_report_sums_their_funding() {
    let app = crate::sponsorships::articles().await.app;
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
