//! `/assessments`: the articles' cases (Kỳ Lạc at 12/20 and Kỳ Tây at 9/20 in 2021),
//! values and decisions, ETags, and the workflow draft → submitted → reviewed → appraised
//! per role.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, values_meeting, TestApp, CAN_LOC,
    HA_TINH, KY_ANH, KY_LAC, KY_TAY, NGHE_AN, NO_BODY,
};

mod values;
mod views;
mod workflow;

/// A draft of Kỳ Lạc against Hà Tĩnh's set: the app, Kỳ Lạc's token, the version and
/// the draft's id.
async fn ky_lac_draft() -> (TestApp, String, i64, i64) {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let ky_lac = app.commune(KY_LAC).await;
    let id = app.draft_assessment(&ky_lac, version, KY_LAC).await["id"]
        .as_i64()
        .unwrap();
    (app, ky_lac, version, id)
}
