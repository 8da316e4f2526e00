//! Indicator values, decisions and their evaluation; concurrent writers.
use super::*;

#[tokio::test]
async fn ky_lac_reaches_12_of_20_and_ky_tay_9_of_20() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let ky_tay = app.commune(KY_TAY).await;
    let a = app.draft_assessment(&ky_lac, version, KY_LAC).await;
    assert_eq!(a["status"], "draft");
    assert_eq!(a["summary"]["label"], "0/20");
    assert_eq!(a["district_code"], KY_ANH);
    assert_eq!(a["history"][0]["to"], "draft");
    assert!(a["history"][0]["from"].is_null());
    let b = app.draft_assessment(&ky_tay, version, KY_TAY).await;
    let put = |token: &str, id: &Value, met: usize| {
        let (app, token, id) = (&app, token.to_string(), id.as_i64().unwrap());
        async move {
            expect_json(
                app.put_values(Some(&token), id, &values_meeting(met)).await,
                StatusCode::OK,
            )
            .await
        }
    };
    let a = put(&ky_lac, &a["id"], 12).await;
    let b = put(&ky_tay, &b["id"], 9).await;
    assert_eq!(
        a["summary"],
        json!({"met": 12, "not_met": 8, "unknown": 0, "total": 20, "label": "12/20"})
    );
    assert_eq!(b["summary"]["label"], "9/20");
    // Income is judged against the north-central-coast threshold for 2021.
    let income = a["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "10")
        .unwrap();
    assert_eq!(income["indicators"][0]["threshold"], 42.0);
    assert_eq!(income["indicators"][0]["value"], 45.5);
    assert_eq!(income["met"], true);
    // Lists filter by district and year.
    let district = app.district(KY_ANH).await;
    let listed = app
        .get_ok(
            "/api/v1/assessments?district=447&year=2021",
            Some(&district),
        )
        .await;
    assert_eq!(listed["total"], 2);
}

#[tokio::test]
async fn an_officer_decides_a_criterion_with_a_note_and_basically_met_does_not_count() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let put = |body: Value| {
        let (app, ky_lac) = (&app, &ky_lac);
        async move {
            expect_json(
                app.put_values(Some(ky_lac), id, &body).await,
                StatusCode::OK,
            )
            .await
        }
    };
    put(values_meeting(12)).await;
    let decided = json!({"criteria_decisions": [{"criterion_code": "19", "met": true, "note": "biên bản số 12"}]});
    let a = put(decided).await;
    assert_eq!(a["summary"]["label"], "13/20");
    assert_eq!(a["decisions"][0]["note"], "biên bản số 12");
    let basically = json!({"criteria_decisions": [{"criterion_code": "18", "result": "basically_met", "note": "cơ bản đạt"}]});
    let a = put(basically).await;
    assert_eq!(
        a["summary"]["label"], "13/20",
        "basically met does not count"
    );
}

#[tokio::test]
async fn bad_values_are_422_naming_each_and_write_nothing() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let values_before = count_rows(&app.db, "assessment_values").await;
    let wrong = json!({"values": [{"indicator_code": "1.1", "value": true}, {"indicator_code": "10", "value": true}, {"indicator_code": "99", "value": 1}]});
    let problem = expect_problem(
        app.put_values(Some(&ky_lac), id, &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["values[1].value", "values[2].indicator_code"]
    );
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("10"));
    // A decision needs a note saying why.
    let no_note = json!({"criteria_decisions": [{"criterion_code": "19", "met": true}]});
    let problem = expect_problem(
        app.put_values(Some(&ky_lac), id, &no_note).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["criteria_decisions[0].note"]);
    assert_eq!(
        count_rows(&app.db, "assessment_values").await,
        values_before
    );
}

#[tokio::test]
async fn the_first_write_with_an_etag_wins_and_the_second_is_412() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}");
    let etag = app.etag(&path, Some(&ky_lac)).await;
    let values = format!("{path}/indicator-values");
    let first = app
        .send_if_match(
            Method::PUT,
            &values,
            &ky_lac,
            &etag,
            Some(&values_meeting(5)),
        )
        .await;
    expect_json(first, StatusCode::OK).await;
    let second = app
        .send_if_match(
            Method::PUT,
            &values,
            &ky_lac,
            &etag,
            Some(&values_meeting(20)),
        )
        .await;
    expect_problem(
        second,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    assert_eq!(
        app.get_ok(&path, Some(&ky_lac)).await["summary"]["label"],
        "5/20"
    );
}

#[tokio::test]
async fn a_new_assessment_needs_a_date_of_the_version_a_unit_and_a_kind() {
    let (app, ky_lac, version, _) = ky_lac_draft().await;
    // Dates outside the version, units that did not exist, drafts of versions: 422.
    for (body, field) in [
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2020-06-01", "kind": "self"}),
            "assessed_on",
        ),
        (
            json!({"unit_code": "99999", "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "self"}),
            "unit_code",
        ),
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": 999999, "assessed_on": "2021-06-01", "kind": "self"}),
            "criteria_version_id",
        ),
        (
            json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-06-01", "kind": "guess"}),
            "kind",
        ),
    ] {
        let problem = expect_problem(
            app.post("/api/v1/assessments", Some(&ky_lac), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    // The same unit, date and kind again is a conflict.
    let duplicate = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    app.expect_refusals(&[(
        Method::POST,
        "/api/v1/assessments",
        Some(&ky_lac),
        &duplicate,
        409,
        "conflict",
    )])
    .await;
    assert_eq!(count_rows(&app.db, "assessments").await, 1);
}

#[tokio::test]
async fn concurrent_writers_lose_no_update() {
    let (app, ky_lac, _, id) = ky_lac_draft().await;
    let path = format!("/api/v1/assessments/{id}/indicator-values");
    let etag = app
        .etag(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    // 200 writers hold the same ETag: exactly one may write.
    let writers: Vec<_> = (0..200usize)
        .map(|n| {
            let request = app
                .request(Method::PUT, &path, Some(&ky_lac))
                .header("If-Match", etag.clone())
                .json(&values_meeting(n % 20 + 1));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for w in writers {
        statuses.push(w.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 199), "{statuses:?}");
    // The one that won is whole: 20 values, and the summary matches them.
    let now = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&ky_lac))
        .await;
    let met = now["summary"]["met"].as_i64().unwrap();
    let values_met = now["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == true)
        .count() as i64;
    assert_eq!(met, values_met);
    assert_eq!(count_rows(&app.db, "assessment_values").await, 20);
}
