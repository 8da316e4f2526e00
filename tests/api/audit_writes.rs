//! Every write endpoint, once each, leaves exactly one audit entry with its actor, entity,
//! key and change (issue 14). Written by the table-driven test below.
use std::collections::BTreeSet;

use chrono::Utc;
use entity::audit_entry::{self, Entity as Entries};
use ntm_api::access::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{json, Value};

use crate::helpers::{
    expect_json, values_meeting, version_draft, TestApp, CAM_QUAN, CAN_LOC, HA_TINH, KY_ANH,
    KY_LAC, KY_TAY,
};

/// A caller as the trail must name them, and the token they send (`None`: no token, as
/// when logging in; the entries still name the user).
struct Who {
    name: String,
    token: Option<String>,
}

impl Who {
    /// A user of `role` written straight to the database (no entry) and their token.
    async fn new(app: &TestApp, role: Role, scope: Option<&str>) -> Who {
        let user = app.create_user(role, scope).await;
        let token = app
            .keys()
            .issue_access(user.id, role.as_str(), scope, Utc::now())
            .expect("token");
        Who {
            name: user.username,
            token: Some(token),
        }
    }

    fn admin(app: &TestApp) -> Who {
        Who {
            name: "admin".into(),
            token: Some(app.admin_token.clone()),
        }
    }

    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// The id of the newest audit entry (0: none).
async fn last_entry(app: &TestApp) -> i64 {
    Entries::find()
        .select_only()
        .column(audit_entry::Column::Id)
        .order_by_desc(audit_entry::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .one(&app.db)
        .await
        .expect("audit entries")
        .unwrap_or(0)
}

/// The entries written after entry `after`, oldest first.
async fn entries_after(app: &TestApp, after: i64) -> Vec<audit_entry::Model> {
    Entries::find()
        .filter(audit_entry::Column::Id.gt(after))
        .order_by_asc(audit_entry::Column::Id)
        .all(&app.db)
        .await
        .expect("audit entries")
}

/// `changes[path]` as (before, after).
fn change(changes: &Value, path: &str) -> (Value, Value) {
    let c = changes
        .get(path)
        .unwrap_or_else(|| panic!("no change of `{path}` in {changes:#}"));
    (c["before"].clone(), c["after"].clone())
}

/// An id of a response as an entry key.
fn key_of(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A unit's key: `level:code:valid_from` (`-`: no start).
fn unit_key(unit: &Value) -> String {
    format!(
        "{}:{}:{}",
        unit["level"].as_str().expect("level"),
        unit["code"].as_str().expect("code"),
        unit["valid_from"].as_str().unwrap_or("-")
    )
}

/// Whether the route `template` (`/api/v1/units/{code}`) names `path`.
fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

/// The write operations of the committed OpenAPI document, as `POST /api/v1/agencies`.
fn documented_writes() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    let mut writes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) {
                writes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    writes
}

/// One write sent and the audit entries it added.
struct Call {
    what: String,
    response: Value,
    entries: Vec<audit_entry::Model>,
}

impl Call {
    /// The response's `id`, as an entry key.
    fn id(&self) -> String {
        key_of(&self.response["id"])
    }

    /// The one entry about `entity` `key`, which must record `operation`; its changes
    /// (`{}` when it has none).
    fn entry(&self, entity: &str, key: &str, operation: &str) -> Value {
        let about: Vec<_> = self
            .entries
            .iter()
            .filter(|e| e.entity == entity && e.entity_key == key)
            .collect();
        assert_eq!(
            about.len(),
            1,
            "{}: expected one entry about {entity} {key}, found {}: {:#?}",
            self.what,
            about.len(),
            self.entries
        );
        let e = about[0];
        assert_eq!(
            e.operation, operation,
            "{}: the entry about {entity} {key}: {e:#?}",
            self.what
        );
        e.changes
            .as_deref()
            .map(|c| serde_json::from_str(c).expect("changes are JSON"))
            .unwrap_or_else(|| json!({}))
    }
}

/// Sends writes and checks what each adds to the trail; remembers the routes audited.
struct Trail<'a> {
    app: &'a TestApp,
    /// `METHOD /route/{param}` of every entry seen.
    routes: BTreeSet<String>,
}

impl<'a> Trail<'a> {
    fn new(app: &'a TestApp) -> Self {
        Trail {
            app,
            routes: BTreeSet::new(),
        }
    }

    /// A write without `If-Match` that must answer `status`.
    async fn post(&mut self, who: &Who, path: &str, body: Value, status: u16) -> Call {
        self.send(who, Method::POST, path, body, None, status).await
    }

    /// An edit (PATCH, PUT) or deletion carrying the ETag of the resource as `If-Match`;
    /// it must answer 200 (204 for a deletion). Indicator values are guarded by their
    /// assessment's ETag.
    async fn edit(&mut self, who: &Who, method: Method, path: &str, body: Value) -> Call {
        let resource = path.trim_end_matches("/indicator-values");
        let etag = self.app.etag(resource, who.token()).await;
        let status = if method == Method::DELETE { 204 } else { 200 };
        self.send(who, method, path, body, Some(etag), status).await
    }

    /// Sends the write and returns it with the entries it added: at least one, each naming
    /// `who` as the actor, the route of the request (with ` item N` for a batch item), the
    /// request id and the client's address, and no (entity, key) twice.
    async fn send(
        &mut self,
        who: &Who,
        method: Method,
        path: &str,
        body: Value,
        if_match: Option<String>,
        status: u16,
    ) -> Call {
        let what = format!("{method} {path}");
        let mut request = self.app.request(method.clone(), path, who.token());
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        // A JSON string is a spreadsheet upload: sent as CSV. `{"upload": tag}` is a
        // document upload: a PDF made from the tag, sent as multipart/form-data.
        match &body {
            Value::Null => {}
            Value::Object(o) if o.contains_key("upload") => {
                let tag = o["upload"].as_str().unwrap_or_default();
                request = request.multipart(crate::helpers::document_form(
                    crate::helpers::pdf(tag),
                    &format!("{tag}.pdf"),
                    &[],
                ))
            }
            Value::String(csv) => {
                request = request.header("Content-Type", "text/csv").body(csv.clone())
            }
            _ => request = request.json(&body),
        }
        let before = last_entry(self.app).await;
        let response = request.send().await.expect("request");
        let actual = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(actual.as_u16(), status, "{what}: {text}");
        let response = serde_json::from_str(&text).unwrap_or(Value::Null);
        let entries = entries_after(self.app, before).await;
        assert!(!entries.is_empty(), "{what} left no audit entry");
        let route = path.split('?').next().unwrap_or(path);
        let mut about = BTreeSet::new();
        for e in &entries {
            assert_eq!(
                e.actor_username.as_deref(),
                Some(who.name.as_str()),
                "{what}: the actor of {e:#?}"
            );
            let via = e.via.split(" item ").next().unwrap_or_default();
            let (verb, template) = via.split_once(' ').unwrap_or_default();
            assert!(
                verb == method.as_str() && fits(template, route),
                "{what}: recorded as via `{}`",
                e.via
            );
            assert!(e.request_id.is_some(), "{what}: no request id: {e:#?}");
            assert_eq!(e.request_id, entries[0].request_id, "{what}: {entries:#?}");
            assert_eq!(e.client_addr.as_deref(), Some("127.0.0.1"), "{what}");
            assert!(
                about.insert((e.entity.clone(), e.entity_key.clone())),
                "{what}: two entries about {} {}: {entries:#?}",
                e.entity,
                e.entity_key
            );
            self.routes.insert(via.to_string());
        }
        Call {
            what,
            response,
            entries,
        }
    }
}

#[tokio::test]
async fn every_write_endpoint_leaves_one_entry_with_its_actor_and_change() {
    let app = TestApp::spawn().await;
    let mut t = Trail::new(&app);
    units(&mut t).await;
    criteria(&mut t).await;
    let version = app.ha_tinh_version().await;
    assessments_and_recognitions(&mut t, version).await;
    registrations(&mut t).await;
    designations(&mut t).await;
    let (agency, sponsorship) = agencies_and_sponsorships(&mut t).await;
    sync(&mut t, version, agency, &sponsorship).await;
    users_and_sessions(&mut t).await;
    documents(&mut t, version).await;
    let missing: Vec<_> = documented_writes().difference(&t.routes).cloned().collect();
    assert!(
        missing.is_empty(),
        "documented writes with no audited call here: {missing:?}"
    );
}

/// A document on each kind of parent, and one removed: each an entry about the document.
async fn documents(t: &mut Trail<'_>, version: i64) {
    let app = t.app;
    let ky_lac = Who::new(app, Role::Commune, Some(KY_LAC)).await;
    let province = Who::new(app, Role::Province, Some(HA_TINH)).await;
    let draft = app
        .draft_assessment_on(ky_lac.token().unwrap(), version, KY_LAC, "2021-08-01")
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/assessments/{draft}/documents");
    let attached = t
        .post(&ky_lac, &path, json!({"upload": "bao-cao"}), 201)
        .await;
    let id = attached.id();
    let c = attached.entry("document", &id, "create");
    assert_eq!(change(&c, "file_name"), (json!(null), json!("bao-cao.pdf")));
    let removed = t
        .edit(
            &ky_lac,
            Method::DELETE,
            &format!("/api/v1/documents/{id}"),
            Value::Null,
        )
        .await;
    let c = removed.entry("document", &id, "delete");
    assert_eq!(change(&c, "file_name"), (json!("bao-cao.pdf"), json!(null)));
    let appraised = app.appraised_assessment(version, KY_TAY, 20).await;
    let recognition = app
        .created(
            "/api/v1/recognitions",
            province.token().unwrap(),
            &json!({"unit_code": KY_TAY, "level": "commune", "assessment_id": appraised,
                "decision_number": "77/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh", "recognition_year": 2021}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let registration = app
        .created(
            "/api/v1/registrations",
            province.token().unwrap(),
            &json!({"unit_code": KY_TAY, "level": "commune", "target_year": 2023}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let agency = app
        .agency(
            province.token().unwrap(),
            "Ngân hàng Chính sách xã hội tỉnh",
            "state",
        )
        .await;
    let sponsorship = app.ky_lac_sponsorship(agency).await;
    let activity = app
        .created(
            &format!("/api/v1/sponsorships/{sponsorship}/activities"),
            province.token().unwrap(),
            &json!({"happened_on": "2021-05-01", "kind": "training", "description": "Tập huấn"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for (path, tag) in [
        (
            format!("/api/v1/recognitions/{recognition}/documents"),
            "quyet-dinh",
        ),
        (
            format!("/api/v1/registrations/{registration}/documents"),
            "dang-ky",
        ),
        (
            format!("/api/v1/sponsorships/{sponsorship}/activities/{activity}/documents"),
            "bien-nhan",
        ),
    ] {
        let attached = t.post(&province, &path, json!({"upload": tag}), 201).await;
        let c = attached.entry("document", &attached.id(), "create");
        assert_eq!(
            change(&c, "uploaded_by"),
            (json!(null), json!(province.name))
        );
    }
}

/// Provinces, districts, communes and villages: created, renamed and deleted again.
async fn units(t: &mut Trail<'_>) {
    let admin = Who::admin(t.app);
    let ha_tinh = Who::new(t.app, Role::Province, Some(HA_TINH)).await;

    let body = json!({"code": "98", "name": "Thử", "type": "tỉnh", "region": "mekong_delta"});
    let created = t.post(&admin, "/api/v1/provinces", body, 201).await;
    let province = unit_key(&created.response);
    let c = created.entry("unit", &province, "create");
    assert_eq!(change(&c, "name"), (json!(null), json!("Thử")));
    let path = "/api/v1/provinces/98";
    let renamed = t
        .edit(&admin, Method::PATCH, path, json!({"name": "Thử Mới"}))
        .await;
    let c = renamed.entry("unit", &province, "update");
    assert_eq!(change(&c, "name"), (json!("Thử"), json!("Thử Mới")));
    assert_eq!(
        change(&c, "full_name"),
        (json!("Tỉnh Thử"), json!("Tỉnh Thử Mới"))
    );

    let body = json!({"code": "998", "name": "Thử", "type": "huyện", "province_code": "98"});
    let created = t.post(&admin, "/api/v1/districts", body, 201).await;
    let district = unit_key(&created.response);
    let c = created.entry("unit", &district, "create");
    assert_eq!(change(&c, "province_code"), (json!(null), json!("98")));
    let renamed = t
        .edit(
            &admin,
            Method::PATCH,
            "/api/v1/districts/998",
            json!({"name": "Thử Mới"}),
        )
        .await;
    let c = renamed.entry("unit", &district, "update");
    assert_eq!(change(&c, "name"), (json!("Thử"), json!("Thử Mới")));

    let body = json!({"code": "99901", "name": "Thử Nghiệm", "type": "xã", "province_code": HA_TINH, "valid_from": "2025-07-01"});
    let created = t.post(&ha_tinh, "/api/v1/communes", body, 201).await;
    let commune = unit_key(&created.response);
    assert_eq!(commune, "commune:99901:2025-07-01");
    let c = created.entry("unit", &commune, "create");
    assert_eq!(change(&c, "name"), (json!(null), json!("Thử Nghiệm")));
    let grouped = t
        .edit(
            &ha_tinh,
            Method::PATCH,
            "/api/v1/communes/99901",
            json!({"commune_group": 2}),
        )
        .await;
    let c = grouped.entry("unit", &commune, "update");
    assert_eq!(change(&c, "commune_group"), (json!(null), json!(2)));

    let body = json!({"code": "99901-thon-1", "name": "Thôn 1", "type": "thôn"});
    let created = t
        .post(&ha_tinh, "/api/v1/communes/99901/villages", body, 201)
        .await;
    let village = unit_key(&created.response);
    let c = created.entry("unit", &village, "create");
    assert_eq!(change(&c, "commune_code"), (json!(null), json!("99901")));
    let path = "/api/v1/villages/99901-thon-1";
    let renamed = t
        .edit(&ha_tinh, Method::PATCH, path, json!({"name": "Thôn Một"}))
        .await;
    let c = renamed.entry("unit", &village, "update");
    assert_eq!(change(&c, "name"), (json!("Thôn 1"), json!("Thôn Một")));

    // Deleted from the bottom up: nothing refers to them any more.
    for (who, path, key, name) in [
        (&ha_tinh, path, &village, "Thôn Một"),
        (&ha_tinh, "/api/v1/communes/99901", &commune, "Thử Nghiệm"),
        (&admin, "/api/v1/districts/998", &district, "Thử Mới"),
        (&admin, "/api/v1/provinces/98", &province, "Thử Mới"),
    ] {
        let deleted = t.edit(who, Method::DELETE, path, Value::Null).await;
        let c = deleted.entry("unit", key, "delete");
        assert_eq!(change(&c, "name"), (json!(name), json!(null)), "{path}");
    }
}

/// A provincial criteria set, a draft replaced and published, a revision and its deletion.
async fn criteria(t: &mut Trail<'_>) {
    let ha_tinh = Who::new(t.app, Role::Province, Some(HA_TINH)).await;
    let body = json!({"code": "HT-AUDIT", "name": "Bộ tiêu chí thử", "level": "commune", "scope": HA_TINH});
    let created = t.post(&ha_tinh, "/api/v1/criteria-sets", body, 201).await;
    let set = created.response["id"].as_i64().expect("set id");
    let c = created.entry("criteria_set", &created.id(), "create");
    assert_eq!(change(&c, "code"), (json!(null), json!("HT-AUDIT")));

    let drafted = t
        .post(
            &ha_tinh,
            "/api/v1/criteria-versions",
            version_draft(set, "2022"),
            201,
        )
        .await;
    let version = drafted.id();
    let c = drafted.entry("criteria_version", &version, "create");
    assert_eq!(change(&c, "label"), (json!(null), json!("2022")));
    assert_eq!(change(&c, "status"), (json!(null), json!("draft")));

    let path = format!("/api/v1/criteria-versions/{version}");
    let mut body = version_draft(set, "2022-b");
    body["legal_document"]["number"] = json!("37/2022/QĐ-UBND");
    body["criteria"][0]["indicators"][0]["thresholds"][0]["value"] = json!(45.0);
    let replaced = t.edit(&ha_tinh, Method::PUT, &path, body).await;
    let c = replaced.entry("criteria_version", &version, "update");
    assert_eq!(change(&c, "label"), (json!("2022"), json!("2022-b")));
    assert_eq!(
        change(&c, "legal_document.number"),
        (json!("36/2022/QĐ-UBND"), json!("37/2022/QĐ-UBND"))
    );
    // The draft's tree is diffed too: the one threshold that moved, by its path.
    let moved: Vec<(&String, &Value)> = c
        .as_object()
        .expect("changes")
        .iter()
        .filter(|(path, _)| path.starts_with("criteria"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].0.ends_with(".thresholds[0].value"), "{moved:?}");
    assert_eq!(moved[0].1, &json!({"before": 42.0, "after": 45.0}));

    // The same tree from a spreadsheet with the threshold moved back: one change.
    let exported = t
        .app
        .request(Method::GET, &format!("{path}/criteria"), ha_tinh.token())
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    let edited = exported.replacen(",45,", ",42,", 1);
    assert_ne!(edited, exported);
    let sheet = format!("{path}/criteria");
    let imported = t.edit(&ha_tinh, Method::PUT, &sheet, json!(edited)).await;
    let c = imported.entry("criteria_version", &version, "update");
    let moved: Vec<&String> = c.as_object().expect("changes").keys().collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].ends_with(".thresholds[0].value"), "{moved:?}");

    let published = t
        .post(&ha_tinh, &format!("{path}/publish"), json!({}), 200)
        .await;
    let c = published.entry("criteria_version", &version, "update");
    assert_eq!(change(&c, "status"), (json!("draft"), json!("published")));

    let revision = json!({"label": "2024", "legal_document": {"number": "15/2024/QĐ-UBND", "title": "Sửa đổi", "issuer": "UBND tỉnh Hà Tĩnh"}, "effective_from": "2024-06-01"});
    let revised = t
        .post(&ha_tinh, &format!("{path}/revisions"), revision, 201)
        .await;
    let draft = revised.id();
    let c = revised.entry("criteria_version", &draft, "create");
    assert_eq!(
        change(&c, "revises"),
        (json!(null), json!(version.parse::<i64>().unwrap()))
    );
    let deleted = t
        .edit(
            &ha_tinh,
            Method::DELETE,
            &format!("/api/v1/criteria-versions/{draft}"),
            Value::Null,
        )
        .await;
    let c = deleted.entry("criteria_version", &draft, "delete");
    assert_eq!(change(&c, "label"), (json!("2024"), json!(null)));
}

/// Kỳ Lạc's self-assessment from its creation through every workflow step to a
/// recognition and its revocation; Kỳ Tây's draft deleted.
async fn assessments_and_recognitions(t: &mut Trail<'_>, version: i64) {
    let app = t.app;
    let ky_lac = Who::new(app, Role::Commune, Some(KY_LAC)).await;
    let ky_anh = Who::new(app, Role::District, Some(KY_ANH)).await;
    let ha_tinh = Who::new(app, Role::Province, Some(HA_TINH)).await;

    let body = json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    let created = t.post(&ky_lac, "/api/v1/assessments", body, 201).await;
    let id = created.id();
    let c = created.entry("assessment", &id, "create");
    assert_eq!(change(&c, "status"), (json!(null), json!("draft")));
    let path = format!("/api/v1/assessments/{id}");

    let moved = t
        .edit(
            &ky_lac,
            Method::PATCH,
            &path,
            json!({"assessed_on": "2021-10-01"}),
        )
        .await;
    let c = moved.entry("assessment", &id, "update");
    assert_eq!(
        change(&c, "assessed_on"),
        (json!("2021-09-25"), json!("2021-10-01"))
    );

    let mut values = values_meeting(20);
    values["criteria_decisions"] =
        json!([{"criterion_code": "19", "met": true, "note": "biên bản số 12"}]);
    let put = t
        .edit(
            &ky_lac,
            Method::PUT,
            &format!("{path}/indicator-values"),
            values,
        )
        .await;
    let c = put.entry("assessment", &id, "update");
    assert_eq!(change(&c, "values.10"), (json!(null), json!(45.5)));
    assert_eq!(change(&c, "values.1.1"), (json!(null), json!(true)));
    assert_eq!(change(&c, "summary.met"), (json!(0), json!(20)));
    let (before, after) = change(&c, "decisions.19");
    assert!(before.is_null(), "{c:#}");
    assert_eq!(after["note"], "biên bản số 12", "{c:#}");

    // Each workflow step is an update of the assessment's status.
    for (who, action, note, from, to) in [
        (&ky_lac, "submit", "gửi huyện", "draft", "submitted"),
        (&ky_anh, "review", "đã thẩm tra", "submitted", "reviewed"),
        (&ha_tinh, "return", "thiếu minh chứng", "reviewed", "draft"),
    ] {
        let step = t
            .post(who, &format!("{path}/{action}"), json!({"note": note}), 200)
            .await;
        let c = step.entry("assessment", &id, "update");
        assert_eq!(change(&c, "status"), (json!(from), json!(to)), "{action}");
    }
    let n: i64 = id.parse().expect("id");
    app.act_ok(ky_lac.token().unwrap(), n, "submit", None).await;
    app.act_ok(ky_anh.token().unwrap(), n, "review", None).await;
    let appraised = t
        .post(
            &ha_tinh,
            &format!("{path}/appraise"),
            json!({"note": null}),
            200,
        )
        .await;
    let c = appraised.entry("assessment", &id, "update");
    assert_eq!(
        change(&c, "status"),
        (json!("reviewed"), json!("appraised"))
    );

    let decision = json!({"unit_code": KY_LAC, "level": "commune", "assessment_id": n,
        "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh Hà Tĩnh", "recognition_year": 2021});
    let recognized = t
        .post(&ha_tinh, "/api/v1/recognitions", decision, 201)
        .await;
    let recognition = recognized.id();
    let c = recognized.entry("recognition", &recognition, "create");
    assert_eq!(
        change(&c, "decision_number"),
        (json!(null), json!("1234/QĐ-UBND"))
    );
    // The recognition also moves its assessment on: an entry of its own.
    let c = recognized.entry("assessment", &id, "update");
    assert_eq!(
        change(&c, "status"),
        (json!("appraised"), json!("recognized"))
    );
    let revocation = json!({"decision_number": "99/QĐ-UBND", "decided_on": "2024-05-01", "reason": "không duy trì tiêu chí 17"});
    let revoked = t
        .post(
            &ha_tinh,
            &format!("/api/v1/recognitions/{recognition}/revoke"),
            revocation,
            200,
        )
        .await;
    let c = revoked.entry("recognition", &recognition, "update");
    assert_eq!(change(&c, "revoked"), (json!(false), json!(true)));
    assert_eq!(
        change(&c, "revocation.reason"),
        (json!(null), json!("không duy trì tiêu chí 17"))
    );

    let ky_tay = Who::new(app, Role::Commune, Some(KY_TAY)).await;
    let draft = app
        .draft_assessment(ky_tay.token().unwrap(), version, KY_TAY)
        .await;
    let draft = key_of(&draft["id"]);
    let deleted = t
        .edit(
            &ky_tay,
            Method::DELETE,
            &format!("/api/v1/assessments/{draft}"),
            Value::Null,
        )
        .await;
    let c = deleted.entry("assessment", &draft, "delete");
    assert_eq!(change(&c, "unit_code"), (json!(KY_TAY), json!(null)));
}

/// A district registers a commune, moves its target year and withdraws it.
async fn registrations(t: &mut Trail<'_>) {
    let can_loc = Who::new(t.app, Role::District, Some(CAN_LOC)).await;
    let body = json!({"unit_code": "18475", "level": "commune", "target_year": 2018});
    let created = t.post(&can_loc, "/api/v1/registrations", body, 201).await;
    let id = created.id();
    let c = created.entry("registration", &id, "create");
    assert_eq!(change(&c, "target_year"), (json!(null), json!(2018)));
    let path = format!("/api/v1/registrations/{id}");
    let moved = t
        .edit(&can_loc, Method::PATCH, &path, json!({"target_year": 2019}))
        .await;
    let c = moved.entry("registration", &id, "update");
    assert_eq!(change(&c, "target_year"), (json!(2018), json!(2019)));
    let deleted = t.edit(&can_loc, Method::DELETE, &path, Value::Null).await;
    let c = deleted.entry("registration", &id, "delete");
    assert_eq!(change(&c, "target_year"), (json!(2019), json!(null)));
}

/// Hà Tĩnh marks Cẩm Quan as a safe-zone commune and withdraws the mark.
async fn designations(t: &mut Trail<'_>) {
    let ha_tinh = Who::new(t.app, Role::Province, Some(HA_TINH)).await;
    let body = json!({"kind": "safe_zone", "valid_from": "2022-03-08", "basis": "QĐ 1/QĐ-TTg"});
    let path = format!("/api/v1/communes/{CAM_QUAN}/designations");
    let created = t.post(&ha_tinh, &path, body, 201).await;
    let id = created.id();
    let c = created.entry("designation", &id, "create");
    assert_eq!(change(&c, "kind"), (json!(null), json!("safe_zone")));
    let path = format!("/api/v1/designations/{id}");
    let deleted = t.edit(&ha_tinh, Method::DELETE, &path, Value::Null).await;
    let c = deleted.entry("designation", &id, "delete");
    assert_eq!(change(&c, "basis"), (json!("QĐ 1/QĐ-TTg"), json!(null)));
}

/// An agency created, edited and deleted; another sponsoring Kỳ Lạc, with an activity
/// recorded by its own user. Returns that agency's id and the sponsorship's.
async fn agencies_and_sponsorships(t: &mut Trail<'_>) -> (i64, String) {
    let ha_tinh = Who::new(t.app, Role::Province, Some(HA_TINH)).await;
    let body =
        json!({"name": "Hội Nông dân tỉnh", "kind": "mass_organisation", "province_code": HA_TINH});
    let created = t.post(&ha_tinh, "/api/v1/agencies", body, 201).await;
    let id = created.id();
    let c = created.entry("agency", &id, "create");
    assert_eq!(
        change(&c, "name"),
        (json!(null), json!("Hội Nông dân tỉnh"))
    );
    let path = format!("/api/v1/agencies/{id}");
    let edited = t
        .edit(
            &ha_tinh,
            Method::PATCH,
            &path,
            json!({"contact": "0239 3855 123"}),
        )
        .await;
    let c = edited.entry("agency", &id, "update");
    assert_eq!(change(&c, "contact"), (json!(null), json!("0239 3855 123")));
    let deleted = t.edit(&ha_tinh, Method::DELETE, &path, Value::Null).await;
    let c = deleted.entry("agency", &id, "delete");
    assert_eq!(
        change(&c, "name"),
        (json!("Hội Nông dân tỉnh"), json!(null))
    );

    let khcn = t
        .app
        .agency(
            ha_tinh.token().unwrap(),
            "Sở Khoa học và Công nghệ Hà Tĩnh",
            "state",
        )
        .await;
    let body = json!({"agency_id": khcn, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"});
    let created = t.post(&ha_tinh, "/api/v1/sponsorships", body, 201).await;
    let id = created.id();
    let c = created.entry("sponsorship", &id, "create");
    assert_eq!(change(&c, "agency_id"), (json!(null), json!(khcn)));
    let path = format!("/api/v1/sponsorships/{id}");
    let edited = t
        .edit(
            &ha_tinh,
            Method::PATCH,
            &path,
            json!({"ends_on": "2022-06-30"}),
        )
        .await;
    let c = edited.entry("sponsorship", &id, "update");
    assert_eq!(
        change(&c, "ends_on"),
        (json!("2021-12-31"), json!("2022-06-30"))
    );
    let sponsor = Who::new(t.app, Role::Sponsor, Some(&khcn.to_string())).await;
    let funding = json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ mô hình nuôi ong"});
    let recorded = t
        .post(&sponsor, &format!("{path}/activities"), funding, 201)
        .await;
    // An activity is an update of its sponsorship.
    let c = recorded.entry("sponsorship", &id, "update");
    assert_eq!(change(&c, "totals.activities"), (json!(0), json!(1)));
    assert_eq!(
        change(&c, "totals.funding_vnd"),
        (json!(0), json!(50000000))
    );
    (khcn, id)
}

/// One item per sync endpoint: a new commune, a new assessment, and the sponsorship of
/// [`agencies_and_sponsorships`] updated with a commitment.
async fn sync(t: &mut Trail<'_>, version: i64, agency: i64, sponsorship: &str) {
    let ha_tinh = Who::new(t.app, Role::Province, Some(HA_TINH)).await;
    let commune = json!({"level": "commune", "code": "99902", "name": "Xã Thử", "type": "xã",
        "province_code": HA_TINH, "valid_from": "2025-07-01"});
    let synced = t
        .post(
            &ha_tinh,
            "/api/v1/sync/units",
            json!({"items": [commune]}),
            207,
        )
        .await;
    assert_eq!(synced.response["results"][0]["status"], "created");
    let c = synced.entry("unit", "commune:99902:2025-07-01", "create");
    assert_eq!(change(&c, "name"), (json!(null), json!("Xã Thử")));
    assert_eq!(synced.entries[0].via, "POST /api/v1/sync/units item 0");

    let mut item = json!({"unit_code": CAM_QUAN, "criteria_version_id": version, "assessed_on": "2021-09-25", "kind": "self"});
    item["values"] = values_meeting(9)["values"].clone();
    let synced = t
        .post(
            &ha_tinh,
            "/api/v1/sync/assessments",
            json!({"items": [item]}),
            207,
        )
        .await;
    assert_eq!(synced.response["results"][0]["status"], "created");
    let id = key_of(&synced.response["results"][0]["id"]);
    let c = synced.entry("assessment", &id, "create");
    assert_eq!(change(&c, "unit_code"), (json!(null), json!(CAM_QUAN)));
    assert_eq!(
        synced.entries[0].via,
        "POST /api/v1/sync/assessments item 0"
    );

    let item = json!({"agency_id": agency, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2022-06-30",
        "commitments": ["Hỗ trợ mô hình nuôi ong"]});
    let synced = t
        .post(
            &ha_tinh,
            "/api/v1/sync/sponsorships",
            json!({"items": [item]}),
            207,
        )
        .await;
    assert_eq!(synced.response["results"][0]["status"], "updated");
    let c = synced.entry("sponsorship", sponsorship, "update");
    assert_eq!(
        change(&c, "commitments[0]"),
        (json!(null), json!("Hỗ trợ mô hình nuôi ong"))
    );
    assert_eq!(
        synced.entries[0].via,
        "POST /api/v1/sync/sponsorships item 0"
    );
}

/// A user created by the admin logs in, refreshes and logs out; the admin changes their
/// grant and password, then deletes them.
async fn users_and_sessions(t: &mut Trail<'_>) {
    let admin = Who::admin(t.app);
    let body = json!({"username": "kylac", "password": "mat-khau-ky-lac", "role": "commune", "scope": KY_LAC});
    let created = t.post(&admin, "/api/v1/users", body, 201).await;
    let id = created.id();
    let c = created.entry("user", &id, "create");
    assert_eq!(change(&c, "role"), (json!(null), json!("commune")));
    assert_eq!(change(&c, "scope"), (json!(null), json!(KY_LAC)));

    // Session events name the user, who sends no access token.
    let kylac = Who {
        name: "kylac".into(),
        token: None,
    };
    let login = json!({"username": "kylac", "password": "mat-khau-ky-lac"});
    let logged_in = t.post(&kylac, "/api/v1/auth/token", login, 200).await;
    logged_in.entry("session", &id, "login");
    let refresh = json!({"refresh_token": logged_in.response["refresh_token"]});
    let refreshed = t.post(&kylac, "/api/v1/auth/refresh", refresh, 200).await;
    refreshed.entry("session", &id, "refresh");
    let revoke = json!({"refresh_token": refreshed.response["refresh_token"]});
    let logged_out = t.post(&kylac, "/api/v1/auth/revoke", revoke, 204).await;
    logged_out.entry("session", &id, "logout");

    let path = format!("/api/v1/users/{id}");
    let moved = t
        .edit(
            &admin,
            Method::PATCH,
            &path,
            json!({"role": "district", "scope": KY_ANH}),
        )
        .await;
    let c = moved.entry("user", &id, "update");
    assert_eq!(change(&c, "role"), (json!("commune"), json!("district")));
    assert_eq!(change(&c, "scope"), (json!(KY_LAC), json!(KY_ANH)));
    let reset = t
        .edit(
            &admin,
            Method::PATCH,
            &path,
            json!({"password": "mat-khau-moi-cua-ky-anh"}),
        )
        .await;
    let c = reset.entry("user", &id, "password_change");
    assert!(c.get("password").is_some(), "{c:#}");
    assert!(
        !c.to_string().contains("argon2"),
        "a password hash in the trail: {c:#}"
    );
    let deleted = t.edit(&admin, Method::DELETE, &path, Value::Null).await;
    let c = deleted.entry("user", &id, "delete");
    assert_eq!(change(&c, "username"), (json!("kylac"), json!(null)));
}

/// A write refused 401, 422 or 412 leaves no entry and changes nothing; a 403 to a
/// signed-in caller leaves one entry naming the caller and the path.
#[tokio::test]
async fn refused_writes_leave_an_entry_only_for_a_signed_in_callers_403() {
    let app = TestApp::spawn().await;
    let ha_tinh = Who::new(&app, Role::Province, Some(HA_TINH)).await;
    let ky_lac = Who::new(&app, Role::Commune, Some(KY_LAC)).await;
    let path = "/api/v1/districts/447";
    // An ETag made stale by an edit.
    let stale = app.etag(path, None).await;
    let edited = app
        .send_if_match(
            Method::PATCH,
            path,
            ha_tinh.token().unwrap(),
            &stale,
            Some(&json!({"name": "Kỳ Anh"})),
        )
        .await;
    expect_json(edited, StatusCode::OK).await;
    let district = app.get_ok(path, None).await;
    let tables = ["audit_entries", "changes", "units"];
    let counts = app.counts(&tables).await;
    let rename = json!({"name": "Kỳ Anh Mới"});
    for (token, if_match, body, status) in [
        (None, None, &rename, StatusCode::UNAUTHORIZED),
        (
            ha_tinh.token(),
            None,
            &json!({"name": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            ha_tinh.token(),
            Some(&stale),
            &rename,
            StatusCode::PRECONDITION_FAILED,
        ),
    ] {
        let mut request = app.request(Method::PATCH, path, token).json(body);
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag.as_str());
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(app.counts(&tables).await, counts, "after the {status}");
    }
    assert_eq!(app.get_ok(path, None).await, district);

    let before = last_entry(&app).await;
    let refused = app.patch(path, ky_lac.token(), &rename).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let entries = entries_after(&app, before).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let e = &entries[0];
    assert_eq!(
        (
            e.entity.as_str(),
            e.entity_key.as_str(),
            e.operation.as_str()
        ),
        ("request", path, "forbidden"),
        "{e:#?}"
    );
    assert_eq!(e.actor_username.as_deref(), Some(ky_lac.name.as_str()));
    assert_eq!(e.via, "PATCH /api/v1/districts/{code}");
    let after = app.counts(&tables).await;
    assert_eq!(after, [counts[0] + 1, counts[1], counts[2]]);
    assert_eq!(app.get_ok(path, None).await, district);
    // The admin reads it in the trail.
    let listed = app
        .get_ok(
            "/api/v1/audit?entity=request&operation=forbidden",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(listed["total"], 1, "{listed:#}");
    let item = &listed["items"][0];
    assert_eq!(item["key"], path);
    assert_eq!(item["actor"]["username"], ky_lac.name.as_str());
    assert_eq!(item["actor"]["role"], "commune");
    assert_eq!(item["actor"]["scope"], KY_LAC);
}
