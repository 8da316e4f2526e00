//! `/criteria-sets` and `/criteria-versions`: drafts, publication, revisions, diffs and
//! who sees and edits what.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, version_draft as draft, TestApp,
    HA_TINH, KY_LAC, NGHE_AN, NO_BODY,
};

mod revisions;
mod sets;
mod spreadsheet;
mod versions;

/// A Hà Tĩnh set created by its province officer and a draft of it: the app, the
/// officer's token, the set, the draft's body and its JSON.
async fn ha_tinh_draft() -> (TestApp, String, i64, Value, Value) {
    let app = TestApp::spawn().await;
    let ha_tinh = app.province(HA_TINH).await;
    let set = app.criteria_set(&ha_tinh, "HT-XA-NTM-2021", HA_TINH).await;
    let body = draft(set, "2022");
    let created = app
        .created("/api/v1/criteria-versions", &ha_tinh, &body)
        .await;
    (app, ha_tinh, set, body, created)
}
