//! A clerk finishes a criteria set in a spreadsheet (issue 16): the export and the import,
//! over HTTP and from the command line, round-trip exactly; a bad row is named by its line
//! and writes nothing.
use ntm_api::import_criteria::{export_criteria, import_criteria, CsvTarget};

use super::*;

/// The shipped XA-NTM 2016 version (QĐ 1980/QĐ-TTg): regional and yearly thresholds,
/// placeholders and long notes.
async fn qd_1980(app: &TestApp) -> i64 {
    let found = app
        .get_ok(
            "/api/v1/criteria-versions?effective_on=2018-01-01&scope=national&level=commune",
            None,
        )
        .await;
    found["items"][0]["id"].as_i64().expect("the 2016 version")
}

async fn sheet(app: &TestApp, version: i64, token: Option<&str>) -> (String, String) {
    let response = app
        .get(
            &format!("/api/v1/criteria-versions/{version}/criteria"),
            token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with('\u{feff}'),
        "UTF-8 with a byte-order mark for Excel"
    );
    (text, etag)
}

async fn revision(app: &TestApp, of: i64, label: &str) -> Value {
    let body = json!({"label": label, "legal_document": {"number": "1980/QĐ-TTg", "title": "Bản hoàn thiện", "issuer": "Thủ tướng Chính phủ"},
        "effective_from": "2019-01-01"});
    app.created(
        &format!("/api/v1/criteria-versions/{of}/revisions"),
        &app.admin_token,
        &body,
    )
    .await
}

#[tokio::test]
async fn a_version_round_trips_through_a_spreadsheet_over_http_and_the_command_line() {
    let app = TestApp::spawn().await;
    let shipped = qd_1980(&app).await;
    let (exported, _) = sheet(&app, shipped, None).await;
    // Over HTTP: a draft takes the sheet back, and reads exactly as the version it came from.
    let draft = revision(&app, shipped, "2016-b").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/criteria-versions/{draft}/criteria");
    let etag = app
        .etag(
            &format!("/api/v1/criteria-versions/{draft}"),
            Some(&app.admin_token),
        )
        .await;
    let put = |etag: String, body: String| {
        let (app, path) = (&app, &path);
        async move {
            app.request(Method::PUT, path, Some(&app.admin_token))
                .header("If-Match", etag)
                .header("Content-Type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let written = expect_json(put(etag, exported.clone()).await, StatusCode::OK).await;
    assert_eq!(written["criteria_count"], 19);
    let (again, _) = sheet(&app, draft, Some(&app.admin_token)).await;
    assert_eq!(
        again, exported,
        "export -> import -> export changes nothing"
    );
    let diff = app
        .get_ok(
            &format!("/api/v1/criteria-versions/{draft}/diff?base={shipped}"),
            Some(&app.admin_token),
        )
        .await;
    for list in [
        "criteria_added",
        "criteria_removed",
        "criteria_changed",
        "indicators_added",
        "indicators_removed",
        "indicators_changed",
    ] {
        assert_eq!(diff[list], json!([]), "{list}: {diff}");
    }
    // From the command line: export to a file, import it as a new revision.
    let file = std::env::temp_dir().join(format!("ntm-criteria-{}.csv", uuid::Uuid::new_v4()));
    export_criteria(&app.db, shipped as i32, &file)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), exported);
    let target = CsvTarget::Revise {
        version: shipped as i32,
        label: "2016-c".into(),
        effective_from: chrono::NaiveDate::from_ymd_opt(2019, 6, 1).unwrap(),
    };
    let drafts = import_criteria(&app.db, &file, Some(target))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(drafts.len(), 1);
    let id: i64 = drafts[0]
        .rsplit("id ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .parse()
        .unwrap();
    let (third, _) = sheet(&app, id, Some(&app.admin_token)).await;
    assert_eq!(third, exported);
    std::fs::remove_file(&file).ok();
}

#[tokio::test]
async fn a_bad_row_on_line_7_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let shipped = qd_1980(&app).await;
    let draft = revision(&app, shipped, "2016-b").await;
    let id = draft["id"].as_i64().unwrap();
    let (exported, etag) = sheet(&app, id, Some(&app.admin_token)).await;
    // A clerk's sheet: income by region, with a region that does not exist on line 7 (the
    // header is line 1).
    let header = exported
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}');
    let row = |region: &str, value: &str| {
        format!("10,10,Thu nhập,economy,,10,Thu nhập bình quân,min,triệu đồng,,{region},,2020,{value},\n")
    };
    let bad = format!(
        "{header}\n1,1,Quy hoạch,planning,,1.1,Có quy hoạch,boolean,,,,,,,\n{}{}{}{}{}{}",
        row("", "45"),
        row("northern_midlands_mountains", "36"),
        row("red_river_delta", "50"),
        row("north_central_coast", "36"),
        row("mars", "41"),
        row("southeast", "59"),
    );
    let before = app
        .get_ok(
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&app.admin_token),
        )
        .await;
    let response = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}/criteria"),
            Some(&app.admin_token),
        )
        .header("If-Match", etag.clone())
        .header("Content-Type", "text/csv")
        .body(bad.clone())
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(error_fields(&problem), ["lines[7].region"]);
    // In Vietnamese for a clerk who asks for it.
    let response = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}/criteria"),
            Some(&app.admin_token),
        )
        .header("If-Match", etag.clone())
        .header("Content-Type", "text/csv")
        .header("Accept-Language", "vi")
        .body(bad.clone())
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("\"mars\" không thuộc"), "{message}");
    let after = app
        .get_ok(
            &format!("/api/v1/criteria-versions/{id}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(before, after, "nothing written");
    // The command line names the same line and writes nothing either.
    let file = std::env::temp_dir().join(format!("ntm-criteria-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&file, &bad).unwrap();
    let versions = count_rows(&app.db, "criteria_versions").await;
    let lines = import_criteria(&app.db, &file, Some(CsvTarget::Into(id as i32)))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (lines[0].line, lines[0].column.as_deref()),
        (7, Some("region"))
    );
    let target = CsvTarget::Revise {
        version: shipped as i32,
        label: "2016-c".into(),
        effective_from: chrono::NaiveDate::from_ymd_opt(2019, 6, 1).unwrap(),
    };
    assert!(import_criteria(&app.db, &file, Some(target))
        .await
        .unwrap()
        .is_err());
    assert_eq!(count_rows(&app.db, "criteria_versions").await, versions);
    // Not CSV: 415; a published version: 409; without a token: 401.
    let response = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}/criteria"),
            Some(&app.admin_token),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let published = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{shipped}/criteria"),
            Some(&app.admin_token),
        )
        .header("Content-Type", "text/csv")
        .body(exported.clone())
        .send()
        .await
        .unwrap();
    expect_problem(published, StatusCode::CONFLICT, "conflict").await;
    let anonymous = app
        .request(
            Method::PUT,
            &format!("/api/v1/criteria-versions/{id}/criteria"),
            None,
        )
        .header("Content-Type", "text/csv")
        .body(exported)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    std::fs::remove_file(&file).ok();
}

#[tokio::test]
async fn a_criteria_file_in_the_shipped_json_format_becomes_drafts() {
    let app = TestApp::spawn().await;
    let text = include_str!("../../../data/criteria/qd-318-2022.json")
        .replace("\"label\": \"2022\"", "\"label\": \"2022-nhap\"");
    let file = std::env::temp_dir().join(format!("ntm-criteria-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, &text).unwrap();
    let drafts = import_criteria(&app.db, &file, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(drafts.len(), 2, "{drafts:?}");
    assert!(drafts.iter().all(|d| d.contains("2022-nhap")), "{drafts:?}");
    let listed = app
        .get_ok(
            "/api/v1/criteria-versions?status=draft",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(listed["total"], 2);
    // Loading it again replaces the drafts; a published label is refused whole.
    assert_eq!(
        import_criteria(&app.db, &file, None)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
    std::fs::write(
        &file,
        include_str!("../../../data/criteria/qd-318-2022.json"),
    )
    .unwrap();
    let refused = import_criteria(&app.db, &file, None)
        .await
        .unwrap()
        .unwrap_err();
    assert!(refused[0].message.contains("published"), "{refused:?}");
    assert_eq!(
        app.get_ok(
            "/api/v1/criteria-versions?status=draft",
            Some(&app.admin_token)
        )
        .await["total"],
        2
    );
    std::fs::remove_file(&file).ok();
}
