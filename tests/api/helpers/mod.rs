//! `TestApp`: the real application on a random port with its own fresh database.
use std::sync::OnceLock;

use chrono::Utc;
use ntm_api::access::Role;
use ntm_api::auth::tokens::TokenKeys;
use ntm_api::config::{Config, ReferenceData};
use ntm_api::startup::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set};
use serde_json::{json, Value};

mod data;
mod database;

pub use data::*;
use database::*;
pub use database::{storage_url_for, USER_CACHE_SECONDS};

pub const JWT_SECRET: &str = "test-secret-not-for-production-0123456789";

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub const USER_PASSWORD: &str = "user-password-for-tests";

/// A new empty database of the kind under test, dropped (or deleted) with the guard: where a
/// backup is restored. Its URL and the guard.
pub async fn scratch_database() -> (String, impl Drop) {
    empty_database().await
}

pub struct TestApp {
    pub address: String,
    /// The test database, for commands run against it (`ntm-api import …`).
    pub database_url: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub admin_token: String,
    pub keys: TokenKeys,
    _guard: DbGuard,
}

impl TestApp {
    /// The app with Hà Tĩnh (42) loaded: before the reform its 13 districts and their
    /// communes, after it the new province and its communes. Its database is a copy of
    /// the template (see [`template`]).
    pub async fn spawn() -> TestApp {
        let (database_url, guard) = fresh_database().await;
        let reference = ReferenceData::Provinces(vec!["42".into()]);
        Self::start(test_config(database_url.clone(), reference), guard).await
    }

    /// The app on an empty database loaded with `reference`.
    pub async fn spawn_with(reference: ReferenceData) -> TestApp {
        let (database_url, guard) = empty_database().await;
        Self::start(test_config(database_url, reference), guard).await
    }

    async fn start(config: Config, guard: DbGuard) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            std::mem::forget(ntm_api::telemetry::init(None));
        }
        let database_url = config.database_url.clone();
        let app = Application::build(config)
            .await
            .expect("build the application");
        let db = app.db().clone();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let keys = TokenKeys::new(JWT_SECRET.as_bytes());
        let admin = entity_user_by_name(&db, "admin").await;
        let admin_token = keys
            .issue_access(admin.id, "admin", None, Utc::now())
            .expect("token");
        TestApp {
            address,
            database_url,
            client: reqwest::Client::new(),
            db,
            admin_token,
            keys,
            _guard: guard,
        }
    }

    /// A second instance of the service on this app's database, as behind a load
    /// balancer; its base URL. It stops with the test.
    pub async fn second_instance(&self) -> String {
        let config = test_config(self.database_url.clone(), ReferenceData::None);
        let app = Application::build(config)
            .await
            .expect("build the second instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    /// Another instance on this app's database with its configuration changed by
    /// `adjust`: its base URL and the port of its metrics address, if it has one.
    pub async fn instance_with(&self, adjust: impl FnOnce(&mut Config)) -> (String, Option<u16>) {
        let mut config = test_config(self.database_url.clone(), ReferenceData::None);
        adjust(&mut config);
        let app = Application::build(config)
            .await
            .expect("build the instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics = app.metrics_port();
        tokio::spawn(app.run_until_stopped());
        (address, metrics)
    }

    /// The document storage of this app (as `NTM_STORAGE_URL` would name it).
    pub fn storage_url(&self) -> String {
        storage_url_for(&self.database_url)
    }

    /// The objects in this app's document storage (`blobs/…`, `incoming/…`).
    pub async fn stored_objects(&self) -> Vec<String> {
        use futures_util::StreamExt;
        ntm_api::services::documents::storage::install_tls();
        let storage = ntm_api::services::documents::Storage::open(&self.storage_url())
            .expect("open the storage");
        let mut names = Vec::new();
        let mut listing = storage.store().list(None);
        while let Some(meta) = listing.next().await {
            names.push(meta.expect("list the storage").location.to_string());
        }
        names.sort();
        names
    }

    /// Uploads `file` named `name` to `path` (a parent's `…/documents`), with the other
    /// parts of the form.
    pub async fn upload(
        &self,
        path: &str,
        token: Option<&str>,
        file: Vec<u8>,
        name: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        self.request(Method::POST, path, token)
            .multipart(document_form(file, name, fields))
            .send()
            .await
            .expect("upload")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A user with `role` and `scope` and an access token for it.
    pub async fn token_for(&self, role: Role, scope: Option<&str>) -> String {
        let user = self.create_user(role, scope).await;
        self.keys
            .issue_access(user.id, role.as_str(), scope, Utc::now())
            .expect("token")
    }

    /// A user written straight to the database (password: [`USER_PASSWORD`]).
    pub async fn create_user(&self, role: Role, scope: Option<&str>) -> entity::user::Model {
        let now = Utc::now();
        let username = format!(
            "{}-{}",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        entity::user::ActiveModel {
            username: Set(username),
            password_hash: Set(test_password_hash().to_string()),
            role: Set(role),
            scope: Set(scope.map(str::to_string)),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert user")
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("request")
    }

    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        self.request(method, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token)
            .send()
            .await
            .expect("request")
    }

    /// GET that must answer 200; its JSON body.
    pub async fn get_ok(&self, path: &str, token: Option<&str>) -> Value {
        let response = self.get(path, token).await;
        expect_json(response, StatusCode::OK).await
    }

    /// POST that must answer 201; its JSON body.
    pub async fn created(&self, path: &str, token: &str, body: &Value) -> Value {
        expect_json(
            self.post(path, Some(token), body).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// A write carrying `If-Match: etag`.
    pub async fn send_if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        etag: &str,
        body: Option<&Value>,
    ) -> Response {
        let builder = self
            .request(method, path, Some(token))
            .header("If-Match", etag);
        let builder = match body {
            Some(body) => builder.json(body),
            None => builder,
        };
        builder.send().await.expect("request")
    }

    /// The ETag a GET of `path` answers.
    pub async fn etag(&self, path: &str, token: Option<&str>) -> String {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.headers()["etag"]
            .to_str()
            .expect("etag")
            .to_string()
    }

    // --- Who: tokens for the roles of the role table -------------------------------

    /// A province officer of `province` (`"42"`: Hà Tĩnh).
    pub async fn province(&self, province: &str) -> String {
        self.token_for(Role::Province, Some(province)).await
    }

    /// A district officer of `district` (`"447"`: Kỳ Anh).
    pub async fn district(&self, district: &str) -> String {
        self.token_for(Role::District, Some(district)).await
    }

    /// A commune officer of `commune` (`"18850"`: Kỳ Lạc).
    pub async fn commune(&self, commune: &str) -> String {
        self.token_for(Role::Commune, Some(commune)).await
    }

    /// A user of the sponsoring agency `agency`.
    pub async fn sponsor(&self, agency: i64) -> String {
        self.token_for(Role::Sponsor, Some(&agency.to_string()))
            .await
    }

    /// A national viewer.
    pub async fn viewer(&self) -> String {
        self.token_for(Role::Viewer, None).await
    }

    // --- What: criteria, assessments, agencies ------------------------------------

    /// A criteria set created with `token`; its id.
    pub async fn criteria_set(&self, token: &str, code: &str, scope: &str) -> i64 {
        let body = json!({"code": code, "name": "Bộ tiêu chí xã NTM tỉnh Hà Tĩnh 2021-2025", "level": "commune", "scope": scope});
        self.created("/api/v1/criteria-sets", token, &body).await["id"]
            .as_i64()
            .expect("set id")
    }

    /// A draft criteria version ([`version_draft`]) in `set`; its JSON.
    pub async fn draft_version(&self, token: &str, set: i64, label: &str) -> Value {
        self.created(
            "/api/v1/criteria-versions",
            token,
            &version_draft(set, label),
        )
        .await
    }

    /// Publishes a criteria version (must answer 200).
    pub async fn publish(&self, token: &str, version: i64) -> Value {
        expect_json(
            self.post(
                &format!("/api/v1/criteria-versions/{version}/publish"),
                Some(token),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await
    }

    /// Hà Tĩnh's 20-criterion set `HT-XA-NTM-2021` (its provincial set adds a 20th
    /// criterion), published, in force from 2021-01-01: criterion 10 (income) is numeric
    /// with a regional threshold, the others one yes/no indicator each. Returns the
    /// version id.
    pub async fn ha_tinh_version(&self) -> i64 {
        self.ha_tinh_version_named(|n| format!("Tiêu chí {n}"))
            .await
    }

    /// [`Self::ha_tinh_version`] with criterion `n` named `name(n)`.
    pub async fn ha_tinh_version_named(&self, name: impl Fn(u32) -> String) -> i64 {
        let set = self
            .criteria_set(&self.admin_token, "HT-XA-NTM-2021", HA_TINH)
            .await;
        let criteria: Vec<Value> = (1..=20)
            .map(|n| {
                let indicator = if n == 10 {
                    json!({"code": "10", "name": "Thu nhập bình quân đầu người", "unit": "triệu đồng/người/năm", "kind": "min",
                           "thresholds": [{"region": "north_central_coast", "year": 2021, "value": 42.0}, {"value": 40.0}]})
                } else {
                    json!({"code": format!("{n}.1"), "name": format!("Chỉ tiêu {n}.1"), "kind": "boolean"})
                };
                json!({"number": n, "code": n.to_string(), "name": name(n), "group": "economy", "indicators": [indicator]})
            })
            .collect();
        let body = json!({"set_id": set, "label": "2021",
            "legal_document": {"number": "36/2022/QĐ-UBND", "title": "Bộ tiêu chí xã NTM", "issuer": "UBND tỉnh Hà Tĩnh"},
            "effective_from": "2021-01-01", "criteria": criteria});
        let id = self
            .created("/api/v1/criteria-versions", &self.admin_token, &body)
            .await["id"]
            .as_i64()
            .expect("version id");
        self.publish(&self.admin_token, id).await;
        id
    }

    /// A draft self-assessment of `commune` on 2021-09-25 against `version`, started
    /// with `token`; its JSON.
    pub async fn draft_assessment(&self, token: &str, version: i64, commune: &str) -> Value {
        self.draft_assessment_on(token, version, commune, "2021-09-25")
            .await
    }

    /// A draft self-assessment of `commune` assessed on `on`; its JSON.
    pub async fn draft_assessment_on(
        &self,
        token: &str,
        version: i64,
        commune: &str,
        on: &str,
    ) -> Value {
        let body = json!({"unit_code": commune, "criteria_version_id": version, "assessed_on": on, "kind": "self"});
        self.created("/api/v1/assessments", token, &body).await
    }

    /// `PUT /assessments/{id}/indicator-values`.
    pub async fn put_values(&self, token: Option<&str>, id: i64, body: &Value) -> Response {
        self.send_json(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/indicator-values"),
            token,
            body,
        )
        .await
    }

    /// `POST /assessments/{id}/{action}` (submit, review, appraise, return) with a note.
    pub async fn act(
        &self,
        token: Option<&str>,
        id: i64,
        action: &str,
        note: Option<&str>,
    ) -> Response {
        self.post(
            &format!("/api/v1/assessments/{id}/{action}"),
            token,
            &json!({"note": note}),
        )
        .await
    }

    /// `act` that must answer 200; the assessment.
    pub async fn act_ok(&self, token: &str, id: i64, action: &str, note: Option<&str>) -> Value {
        expect_json(
            self.act(Some(token), id, action, note).await,
            StatusCode::OK,
        )
        .await
    }

    /// A self-assessment of `commune` on `on` meeting `met` criteria, submitted by the
    /// commune; its id.
    pub async fn submitted_assessment(
        &self,
        version: i64,
        commune: &str,
        on: &str,
        met: usize,
    ) -> i64 {
        let token = self.commune(commune).await;
        let id = self.draft_assessment_on(&token, version, commune, on).await["id"]
            .as_i64()
            .expect("id");
        expect_json(
            self.put_values(Some(&token), id, &values_meeting(met))
                .await,
            StatusCode::OK,
        )
        .await;
        self.act_ok(&token, id, "submit", None).await;
        id
    }

    /// A self-assessment of `commune` (Hà Tĩnh) meeting `met` criteria, walked to
    /// `appraised` (submitted by the commune, reviewed and appraised by the province);
    /// its id.
    pub async fn appraised_assessment(&self, version: i64, commune: &str, met: usize) -> i64 {
        let id = self
            .submitted_assessment(version, commune, "2021-09-25", met)
            .await;
        let province = self.province(HA_TINH).await;
        self.act_ok(&province, id, "review", None).await;
        self.act_ok(&province, id, "appraise", None).await;
        id
    }

    /// A sponsoring agency of Hà Tĩnh created with `token`; its id.
    pub async fn agency(&self, token: &str, name: &str, kind: &str) -> i64 {
        let body = json!({"name": name, "kind": kind, "province_code": HA_TINH});
        self.created("/api/v1/agencies", token, &body).await["id"]
            .as_i64()
            .expect("agency id")
    }

    /// Nghệ An (40), created by the admin: the test database loads Hà Tĩnh's units only.
    pub async fn nghe_an_province(&self) {
        let body = json!({"code": NGHE_AN, "name": "Nghệ An", "type": "tỉnh", "region": "north_central_coast"});
        self.created("/api/v1/provinces", &self.admin_token, &body)
            .await;
    }

    /// Nghệ An and its commune 16663 (Nghi Phong) from the reform to the end of 2025, as a
    /// code another province might later reuse; created by the admin.
    pub async fn nghe_an_commune_16663(&self) {
        self.nghe_an_province().await;
        let body = json!({"code": "16663", "name": "Nghi Phong", "type": "xã", "province_code": NGHE_AN,
            "valid_from": "2025-07-01", "valid_to": "2025-12-31"});
        self.created("/api/v1/communes", &self.admin_token, &body)
            .await;
    }

    /// A sponsorship of Kỳ Lạc in 2021 by `agency`, created by admin; its id.
    pub async fn ky_lac_sponsorship(&self, agency: i64) -> i64 {
        let body = json!({"agency_id": agency, "commune_code": KY_LAC, "starts_on": "2021-01-01", "ends_on": "2021-12-31"});
        self.created("/api/v1/sponsorships", &self.admin_token, &body)
            .await["id"]
            .as_i64()
            .expect("sponsorship id")
    }

    /// Row counts of `tables`, to compare before and after refused writes.
    pub async fn counts(&self, tables: &[&str]) -> Vec<i64> {
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            counts.push(count_rows(&self.db, table).await);
        }
        counts
    }

    /// Sends each refusal and checks its status and problem type (see [`Refusal`]).
    pub async fn expect_refusals(&self, rows: &[Refusal<'_>]) {
        for (n, (method, path, token, body, status, problem)) in rows.iter().enumerate() {
            let mut builder = self.request(method.clone(), path, *token);
            if !body.is_null() {
                builder = builder.json(body);
            }
            let response = builder.send().await.expect("request");
            let status = StatusCode::from_u16(*status).expect("status");
            let actual = response.status();
            let text = response.text().await.expect("body");
            let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            assert!(
                actual == status && parsed["type"] == format!("/problems/{problem}"),
                "row {n}: {method} {path}: expected {status} {problem}, got {actual}: {text}"
            );
            assert_eq!(parsed["status"], status.as_u16(), "row {n}: {text}");
        }
    }

    /// [`Self::expect_refusals`], then checks that `tables` hold as many rows as before.
    pub async fn expect_refusals_changing_nothing(&self, tables: &[&str], rows: &[Refusal<'_>]) {
        let before = self.counts(tables).await;
        self.expect_refusals(rows).await;
        assert_eq!(
            self.counts(tables).await,
            before,
            "refused writes changed {tables:?}"
        );
    }
}

/// A request that must be refused: method, path, token (`None`: anonymous), JSON body
/// ([`NO_BODY`]: none), status, and problem type (`forbidden` for `/problems/forbidden`).
pub type Refusal<'a> = (Method, &'a str, Option<&'a str>, &'a Value, u16, &'a str);
