use ntm_api::import::import_units;

use crate::helpers::{count_rows, TestApp};

/// Good rows are kept, bad rows are reported by line, and a second run changes nothing.
#[tokio::test]
async fn importing_units_keeps_good_rows_and_reports_bad_ones_by_line() {
    let app = TestApp::spawn().await;
    let csv = "level,code,name,type,province_code,district_code,region,commune_group,valid_from,valid_to,successor_code\n\
               commune,99911,Mới Một,xã,42,,,1,2025-07-01,,\n\
               commune,99912,,xã,42,,,,2025-07-01,,\n\
               commune,99913,Mới Ba,xã,77,,,,2025-07-01,,\n\
               commune,99914,Mới Bốn,xã,42,,,,2025-13-01,,\n\
               village,x y,Thôn,thôn,,,,,,,\n\
               commune,18850,Kỳ Lạc Mới,xã,42,447,,,,2025-06-30,\n";
    let path = std::env::temp_dir().join(format!("ntm-import-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    let before = count_rows(&app.db, "units").await;
    let summary = import_units(&app.db, &path, false).await.unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (1, 1, 0),
        "{summary:?}"
    );
    let lines: Vec<u64> = summary.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [3, 4, 5, 6], "{:?}", summary.errors);
    assert!(summary.errors[0].1.contains("name"));
    assert!(summary.errors[1].1.contains("province_code"));
    assert_eq!(count_rows(&app.db, "units").await, before + 1);
    assert_eq!(
        app.get_ok("/api/v1/communes/99911", None).await["commune_group"],
        1
    );
    assert_eq!(
        app.get_ok("/api/v1/communes/18850?on=2024-01-01", None)
            .await["name"],
        "Kỳ Lạc Mới"
    );
    let again = import_units(&app.db, &path, false).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    std::fs::remove_file(&path).ok();
}

/// JSON lines and CSV go through the sync code path: good items written whole, bad ones
/// reported by line, a second run unchanged.
#[tokio::test]
async fn importing_assessments_reports_bad_items_by_line() {
    use ntm_api::import::import_assessments;
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let values = crate::helpers::values_meeting(12)["values"].clone();
    let good = serde_json::json!({"unit_code": "18850", "criteria_version_id": version,
        "assessed_on": "2021-09-25", "kind": "self", "values": values});
    let lines = format!(
        "{good}\n\n{{\"unit_code\": \"18850\"\n{}\n",
        serde_json::json!({"unit_code": "99999", "criteria_version_id": version,
            "assessed_on": "2021-09-25", "kind": "self"})
    );
    let path = std::env::temp_dir().join(format!("ntm-import-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&path, lines).unwrap();
    let summary = import_assessments(&app.db, &path, "importer", false)
        .await
        .unwrap();
    assert_eq!((summary.created, summary.unchanged), (1, 0), "{summary:?}");
    let lines: Vec<u64> = summary.errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [3, 4], "{:?}", summary.errors);
    assert!(summary.errors[0].1.contains("JSON"), "{:?}", summary.errors);
    assert!(
        summary.errors[1].1.contains("unit_code"),
        "{:?}",
        summary.errors
    );
    let again = import_assessments(&app.db, &path, "importer", false)
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 1));
    std::fs::remove_file(&path).ok();

    // CSV: one value per row; rows of one assessment side by side.
    let mut csv =
        String::from("unit_code,criteria_version_id,assessed_on,kind,indicator_code,value\n");
    for n in 1..=20 {
        let (code, value) = if n == 10 {
            ("10".to_string(), "45.5".to_string())
        } else {
            (format!("{n}.1"), (n <= 9).to_string())
        };
        csv.push_str(&format!("18724,{version},2021-09-25,self,{code},{value}\n"));
    }
    csv.push_str(&format!("18619,{version},2021-09-25,self,1.1,maybe\n"));
    let path = std::env::temp_dir().join(format!("ntm-import-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    let summary = import_assessments(&app.db, &path, "importer", false)
        .await
        .unwrap();
    assert_eq!(summary.created, 1, "{summary:?}");
    assert_eq!(summary.errors.len(), 1);
    assert_eq!(summary.errors[0].0, 22, "{:?}", summary.errors);
    let listed = app
        .get_ok("/api/v1/assessments?unit=18724", Some(&app.admin_token))
        .await;
    // Criteria 1-9 met and income (10) met: 10 of 20.
    assert_eq!(listed["items"][0]["summary"]["label"], "10/20");
    assert_eq!(listed["items"][0]["created_by"], "importer");
    std::fs::remove_file(&path).ok();
}

/// `ntm-api import assessments` killed with SIGKILL part-way: what is stored is whole
/// assessments (every value, result and history row) and nothing of the others; running
/// it again finishes the job.
#[tokio::test]
async fn a_killed_import_leaves_only_whole_assessments() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let communes = app
        .get_ok(
            "/api/v1/communes?province=42&on=2024-12-31&per_page=500",
            None,
        )
        .await;
    let codes: Vec<String> = communes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let values = crate::helpers::values_meeting(12)["values"].clone();
    let mut lines = String::new();
    let mut total = 0;
    for month in 1..=12 {
        for code in &codes {
            let item = serde_json::json!({"unit_code": code, "criteria_version_id": version,
                "assessed_on": format!("2022-{month:02}-15"), "kind": "self", "values": values});
            lines.push_str(&format!("{item}\n"));
            total += 1;
        }
    }
    let path = std::env::temp_dir().join(format!("ntm-import-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&path, lines).unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ntm-api"))
            .args(["import", "assessments"])
            .arg(&path)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start ntm-api import")
    };
    let mut child = run();
    // Kill it once the first items are committed.
    let started = std::time::Instant::now();
    while count_rows(&app.db, "assessments").await == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the import wrote nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let stored = count_rows(&app.db, "assessments").await;
    assert!(
        stored > 0 && stored < total,
        "killed part-way: {stored} of {total}"
    );
    // Every stored assessment is whole.
    for (table, per_item) in [
        ("assessment_values", 20),
        ("assessment_results", 20),
        ("assessment_transitions", 1),
    ] {
        assert_eq!(
            count_rows(&app.db, table).await,
            stored * per_item,
            "{table}"
        );
    }
    let page = app
        .get_ok(
            "/api/v1/assessments?province=42&per_page=500",
            Some(&app.admin_token),
        )
        .await;
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["summary"]["label"] == "12/20"));
    // Running it again writes the rest and leaves what was there.
    let status = run().wait().unwrap();
    assert!(status.success());
    assert_eq!(count_rows(&app.db, "assessments").await, total);
    assert_eq!(count_rows(&app.db, "assessment_values").await, total * 20);
    std::fs::remove_file(&path).ok();
}
