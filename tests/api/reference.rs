use ntm_api::config::ReferenceData;

use crate::helpers::TestApp;

/// The whole shipped data set: both structures, with the counts of the official lists.
#[tokio::test]
async fn the_national_reference_data_loads_both_structures() {
    let app = TestApp::spawn_with(ReferenceData::All).await;
    let total = |path: &'static str| {
        let app = &app;
        async move { app.get_ok(path, None).await["total"].as_u64().unwrap() }
    };
    assert_eq!(
        total("/api/v1/provinces?on=2024-12-31&per_page=1").await,
        63
    );
    assert_eq!(
        total("/api/v1/districts?on=2024-12-31&per_page=1").await,
        696
    );
    assert_eq!(
        total("/api/v1/communes?on=2024-12-31&per_page=1").await,
        10051
    );
    assert_eq!(
        total("/api/v1/provinces?on=2025-07-01&per_page=1").await,
        34
    );
    assert_eq!(total("/api/v1/districts?on=2025-07-01&per_page=1").await, 0);
    assert_eq!(
        total("/api/v1/communes?on=2025-07-01&per_page=1").await,
        3321
    );
    // Samples checked by hand against the official lists (data/README.md).
    let cam_quan = app
        .get_ok("/api/v1/communes/18724?on=2016-08-19", None)
        .await;
    assert_eq!(
        (
            cam_quan["name"].as_str(),
            cam_quan["district_code"].as_str()
        ),
        (Some("Cẩm Quan"), Some("446"))
    );
    let kim_song_truong = app
        .get_ok("/api/v1/communes/18436?on=2023-03-07", None)
        .await;
    assert_eq!(kim_song_truong["name"], "Kim Song Trường");
    assert_eq!(
        app.get_ok("/api/v1/districts/443", None).await["name"],
        "Can Lộc"
    );
    // Every old commune points to a commune that exists after the reform.
    let old = app
        .get_ok("/api/v1/communes/18850?on=2024-12-31", None)
        .await;
    let successor = old["successor_code"].as_str().unwrap();
    app.get_ok(&format!("/api/v1/communes/{successor}?on=2025-07-01"), None)
        .await;
    // Every province has a region.
    let provinces = app.get_ok("/api/v1/provinces?per_page=500", None).await;
    assert!(provinces["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["region"].is_string()));
}
