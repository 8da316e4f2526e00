//! Assessment views are kept in memory beside the row they were rendered from (issue 17):
//! whatever another instance writes, a read here answers what a read there answers.
use super::*;

/// `GET /assessments/{id}` on the instance at `base`: the status, the ETag and the body.
async fn read(app: &TestApp, base: &str, token: &str, id: i64) -> (StatusCode, String, Value) {
    let response = app
        .client
        .get(format!("{base}/api/v1/assessments/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|t| t.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, etag, response.json().await.unwrap_or(Value::Null))
}

/// A write on the instance at `base` that must answer `expected`; its JSON body (`null`
/// when it has none).
async fn write(
    app: &TestApp,
    base: &str,
    token: &str,
    (method, path): (Method, String),
    body: Option<Value>,
    expected: StatusCode,
) -> Value {
    let builder = app
        .client
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(token);
    let builder = match body {
        Some(body) => builder.json(&body),
        None => builder,
    };
    let response = builder.send().await.expect("request");
    assert_eq!(response.status(), expected, "{method} {path}");
    response.json().await.unwrap_or(Value::Null)
}

/// Reads the assessment on both instances (this one first, so that it renders and keeps
/// its view before the next write elsewhere) and checks they answer the same.
async fn same_on_both(app: &TestApp, other: &str, token: &str, id: i64) -> Value {
    let here = read(app, &app.address, token, id).await;
    let there = read(app, other, token, id).await;
    assert_eq!(
        here, there,
        "assessment {id} read here and on the other instance"
    );
    // Read again here: now from what was kept.
    assert_eq!(read(app, &app.address, token, id).await, here);
    here.2
}

#[tokio::test]
async fn a_kept_view_follows_every_write_made_through_another_instance() {
    let (app, ky_lac, version, id) = ky_lac_draft().await;
    let other = app.second_instance().await;
    let there = |request: (Method, String), body: Option<Value>, expected: StatusCode| {
        write(&app, &other, &ky_lac, request, body, expected)
    };
    let path = format!("/api/v1/assessments/{id}");
    let first = same_on_both(&app, &other, &ky_lac, id).await;
    assert_eq!(first["summary"]["label"], "0/20");

    // Values written there.
    let values = Some(values_meeting(12));
    let put = format!("{path}/indicator-values");
    there((Method::PUT, put.clone()), values, StatusCode::OK).await;
    let after_values = same_on_both(&app, &other, &ky_lac, id).await;
    assert_eq!(after_values["summary"]["label"], "12/20");

    // A decision with its note.
    let decision = json!({"values": [], "criteria_decisions": [
        {"criterion_code": "10", "result": "not_met", "note": "biên bản họp ngày 2/10"}]});
    there((Method::PUT, put.clone()), Some(decision), StatusCode::OK).await;
    let decided = same_on_both(&app, &other, &ky_lac, id).await;
    assert_eq!(decided["decisions"][0]["criterion_code"], "10");
    assert_eq!(decided["summary"]["label"], "11/20");

    // A new date.
    let date = Some(json!({"assessed_on": "2021-10-05"}));
    there((Method::PATCH, path.clone()), date, StatusCode::OK).await;
    let moved = same_on_both(&app, &other, &ky_lac, id).await;
    assert_eq!(moved["assessed_on"], "2021-10-05");

    // A transition, with its history.
    let submit = Some(json!({"note": null}));
    there(
        (Method::POST, format!("{path}/submit")),
        submit,
        StatusCode::OK,
    )
    .await;
    let submitted = same_on_both(&app, &other, &ky_lac, id).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["history"].as_array().unwrap().len(), 2);

    // A draft deleted there and another created there (SQLite may give it the same id).
    let draft = app.draft_assessment(&ky_lac, version, KY_LAC).await;
    let draft_id = draft["id"].as_i64().unwrap();
    let values = Some(values_meeting(5));
    let put = format!("/api/v1/assessments/{draft_id}/indicator-values");
    there((Method::PUT, put.clone()), values, StatusCode::OK).await;
    assert_eq!(
        same_on_both(&app, &other, &ky_lac, draft_id).await["summary"]["label"],
        "5/20"
    );
    let gone = format!("/api/v1/assessments/{draft_id}");
    there((Method::DELETE, gone), None, StatusCode::NO_CONTENT).await;
    let (status, _, _) = read(&app, &app.address, &ky_lac, draft_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body = json!({"unit_code": KY_LAC, "criteria_version_id": version,
        "assessed_on": "2021-09-25", "kind": "self"});
    let assessments = "/api/v1/assessments".to_string();
    let created = there((Method::POST, assessments), Some(body), StatusCode::CREATED).await;
    let new_id = created["id"].as_i64().unwrap();
    // Brought to the row version the deleted draft had, with other values.
    let values = Some(values_meeting(7));
    let put = format!("/api/v1/assessments/{new_id}/indicator-values");
    there((Method::PUT, put.clone()), values, StatusCode::OK).await;
    let again = same_on_both(&app, &other, &ky_lac, new_id).await;
    assert_eq!(again["summary"]["label"], "7/20");
    assert_eq!(again["history"].as_array().unwrap().len(), 1);
}
