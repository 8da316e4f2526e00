//! The places and values tests use, and assertions on what a client sees.
use super::*;

/// The body of a [`Refusal`] that sends none.
pub const NO_BODY: &Value = &Value::Null;

/// Hà Tĩnh (province), Nghệ An (its neighbour).
pub const HA_TINH: &str = "42";

pub const NGHE_AN: &str = "40";

/// Kỳ Anh and Can Lộc, districts of Hà Tĩnh before the 2025 reform.
pub const KY_ANH: &str = "447";

pub const CAN_LOC: &str = "443";

/// Kỳ Lạc and Kỳ Tây, communes of Kỳ Anh; Cẩm Quan, a commune of Cẩm Xuyên (446).
pub const KY_LAC: &str = "18850";

pub const KY_TAY: &str = "18793";

pub const CAM_QUAN: &str = "18724";

/// Values for [`TestApp::ha_tinh_version`] meeting the first `met` criteria (income
/// counts as criterion 10).
pub fn values_meeting(met: usize) -> Value {
    let values: Vec<Value> = (1..=20usize)
        .map(|n| {
            let ok = n <= met;
            if n == 10 {
                json!({"indicator_code": "10", "value": if ok { 45.5 } else { 41.0 }})
            } else {
                json!({"indicator_code": format!("{n}.1"), "value": ok})
            }
        })
        .collect();
    json!({"values": values})
}

/// A draft criteria version of `set` with two criteria (income with a regional threshold,
/// planning), in force from 2022-12-20.
pub fn version_draft(set_id: i64, label: &str) -> Value {
    json!({
        "set_id": set_id, "label": label,
        "legal_document": {"number": "36/2022/QĐ-UBND", "title": "Ban hành Bộ tiêu chí xã NTM", "issuer": "UBND tỉnh Hà Tĩnh", "signed_on": "2022-12-09"},
        "effective_from": "2022-12-20", "effective_to": null, "revises": null,
        "criteria": [
            {"number": 10, "code": "10", "name": "Thu nhập", "group": "economy",
             "indicators": [{"code": "10", "name": "Thu nhập bình quân đầu người", "unit": "triệu đồng/người/năm", "kind": "min",
                             "thresholds": [{"region": "north_central_coast", "commune_group": null, "year": 2022, "value": 42.0},
                                            {"region": null, "commune_group": null, "year": null, "value": 40.0}],
                             "source_note": null}],
             "source_note": null},
            {"number": 1, "code": "1", "name": "Quy hoạch", "group": "planning",
             "indicators": [{"code": "1.1", "name": "Có quy hoạch chung xây dựng xã", "unit": null, "kind": "boolean", "thresholds": [], "source_note": null}],
             "source_note": null}
        ]
    })
}

pub async fn entity_user_by_name(db: &DatabaseConnection, name: &str) -> entity::user::Model {
    ntm_api::services::users::find_by_username(db, name)
        .await
        .expect("query")
        .expect("user exists")
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts a problem+json answer with this status and problem type; returns the body.
pub async fn expect_problem(response: Response, status: StatusCode, problem: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = expect_json(response, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["type"], format!("/problems/{problem}"), "body: {body}");
    assert_eq!(body["status"], status.as_u16(), "body: {body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
    body
}

/// The fields named in a validation problem.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Number of rows in a table (to check that a refused write changed nothing).
pub async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

/// A small valid-looking PDF whose bytes differ with `tag` (detected as application/pdf).
pub fn pdf(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n% {tag}\n\
         2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// A multipart form with `file` (named `name`) and the other parts.
pub fn document_form(
    file: Vec<u8>,
    name: &str,
    fields: &[(&str, &str)],
) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(file)
        .file_name(name.to_string())
        .mime_str("application/octet-stream")
        .expect("a media type");
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}
