//! `/provinces`, `/districts`, `/communes` and `/villages`: versions by date, search,
//! pagination, and who creates, edits and deletes which unit.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, error_fields, expect_json, expect_problem, TestApp, HA_TINH, KY_ANH, KY_LAC,
    NGHE_AN, NO_BODY,
};

mod deletes;
mod districts;
mod reads;
mod writes;

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_string())
        .collect()
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
