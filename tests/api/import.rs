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
