//! `/changes`: the change feed, in order, with tombstones, scoped by province.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{count_rows, error_fields, expect_json, expect_problem, TestApp, NO_BODY};

async fn read_all(app: &TestApp, token: &str, mut since: i64, limit: u64) -> (Vec<Value>, i64) {
    let mut items = Vec::new();
    loop {
        let page = app
            .get_ok(
                &format!("/api/v1/changes?since={since}&limit={limit}"),
                Some(token),
            )
            .await;
        let batch = page["items"].as_array().unwrap().clone();
        since = page["next_since"].as_i64().unwrap();
        if batch.is_empty() {
            return (items, since);
        }
        items.extend(batch);
    }
}

#[tokio::test]
async fn the_feed_lists_every_change_in_order_with_tombstones() {
    let app = TestApp::spawn().await;
    let (_, start) = read_all(&app, &app.admin_token, 0, 1000).await;
    let commune = json!({"code": "99921", "name": "Thử", "type": "xã", "province_code": "42", "valid_from": "2025-07-01"});
    expect_json(
        app.post("/api/v1/communes", Some(&app.admin_token), &commune)
            .await,
        StatusCode::CREATED,
    )
    .await;
    expect_json(
        app.patch(
            "/api/v1/communes/99921",
            Some(&app.admin_token),
            &json!({"name": "Thử Lại"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let village = json!({"code": "99921-1", "name": "Thôn 1", "type": "thôn"});
    expect_json(
        app.post(
            "/api/v1/communes/99921/villages",
            Some(&app.admin_token),
            &village,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        app.delete("/api/v1/villages/99921-1", Some(&app.admin_token))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let (items, next) = read_all(&app, &app.admin_token, start, 2).await;
    let seen: Vec<(String, String, String)> = items
        .iter()
        .map(|c| {
            (
                c["entity"].as_str().unwrap().into(),
                c["key"].as_str().unwrap().into(),
                c["op"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("unit", "commune:99921:2025-07-01", "upsert"),
            ("unit", "commune:99921:2025-07-01", "upsert"),
            ("unit", "village:99921-1:-", "upsert"),
            ("unit", "village:99921-1:-", "delete"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(items[1]["data"]["name"], "Thử Lại");
    assert!(items[3]["data"].is_null());
    assert_eq!(next, items[3]["seq"].as_i64().unwrap());
    let again = app
        .get_ok(
            &format!("/api/v1/changes?since={next}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(
        (
            again["items"].as_array().unwrap().len(),
            again["next_since"].as_i64()
        ),
        (0, Some(next))
    );
}

#[tokio::test]
async fn the_feed_is_for_national_readers_and_checks_its_parameters() {
    let app = TestApp::spawn().await;
    let district = app.district("447").await;
    let feed = "/api/v1/changes";
    app.expect_refusals(&[
        (Method::GET, feed, None, NO_BODY, 401, "unauthorized"),
        (
            Method::GET,
            feed,
            Some(&district),
            NO_BODY,
            403,
            "forbidden",
        ),
    ])
    .await;
    let viewer = app.viewer().await;
    app.get_ok(feed, Some(&viewer)).await;
    let problem = expect_problem(
        app.get("/api/v1/changes?since=-1&limit=0", Some(&viewer))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["since", "limit"]);
}

/// Writers and a reader at the same time: the reader sees each change exactly once, in
/// strictly increasing order.
#[tokio::test]
async fn a_reader_sees_each_change_once_while_writers_are_busy() {
    let app = TestApp::spawn().await;
    let (_, start) = read_all(&app, &app.admin_token, 0, 1000).await;
    let before = count_rows(&app.db, "changes").await;
    let district = app.district("447").await;
    let writers: Vec<_> = ["18850", "18793", "18757", "18760"]
        .into_iter()
        .map(|unit| {
            let client = app.client.clone();
            let url = app.url("/api/v1/registrations");
            let token = district.clone();
            tokio::spawn(async move {
                for year in 2014..2026 {
                    let body = json!({"unit_code": unit, "level": "commune", "target_year": year});
                    let status = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(status, StatusCode::CREATED);
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut since = start;
    while writers.iter().any(|w| !w.is_finished()) {
        let page = app
            .get_ok(
                &format!("/api/v1/changes?since={since}&limit=5"),
                Some(&app.admin_token),
            )
            .await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["seq"].as_i64().unwrap()),
        );
        since = page["next_since"].as_i64().unwrap();
    }
    for w in writers {
        w.await.unwrap();
    }
    let (rest, _) = read_all(&app, &app.admin_token, since, 5).await;
    seen.extend(rest.iter().map(|c| c["seq"].as_i64().unwrap()));
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seen:?}"
    );
    let written = count_rows(&app.db, "changes").await - before;
    assert_eq!(written, 48);
    assert_eq!(seen.len() as i64, written, "every change exactly once");
}

/// A province's sync account follows the changes of its province and the national ones,
/// not another province's.
#[tokio::test]
async fn a_province_reads_its_own_feed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let other = json!({"items": [{"level": "province", "code": "99", "name": "Tỉnh Thử", "type": "tỉnh",
        "region": "red_river_delta", "valid_from": "2025-07-01"}]});
    let synced = expect_json(
        app.post("/api/v1/sync/units", Some(&admin), &other).await,
        StatusCode::MULTI_STATUS,
    )
    .await;
    assert_eq!(synced["created"], 1, "{synced}");
    for (name, province) in [
        ("Sở Nông nghiệp Hà Tĩnh", json!("42")),
        ("Sở Nông nghiệp Tỉnh Thử", json!("99")),
        ("Bộ Nông nghiệp và Môi trường", Value::Null),
    ] {
        expect_json(
            app.post(
                "/api/v1/agencies",
                Some(&admin),
                &json!({"name": name, "kind": "state", "province_code": province}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let ha_tinh = app.province("42").await;
    let (seen, _) = read_all(&app, &ha_tinh, 0, 2).await;
    let names: Vec<&str> = seen
        .iter()
        .filter(|c| c["entity"] == "agency")
        .map(|c| c["data"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Sở Nông nghiệp Hà Tĩnh", "Bộ Nông nghiệp và Môi trường"]
    );
    assert!(seen
        .iter()
        .all(|c| c["province_code"].is_null() || c["province_code"] == "42"));
    assert!(!seen
        .iter()
        .any(|c| c["key"].as_str().unwrap().contains(":99:")));
    // The whole feed, for a viewer, has all three and the new province.
    let viewer = app.viewer().await;
    let (all, _) = read_all(&app, &viewer, 0, 100).await;
    assert_eq!(all.iter().filter(|c| c["entity"] == "agency").count(), 3);
    assert!(all.iter().any(|c| c["province_code"] == "99"));
}
