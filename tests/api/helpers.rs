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

pub const JWT_SECRET: &str = "test-secret-not-for-production-0123456789";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const USER_PASSWORD: &str = "user-password-for-tests";

pub struct TestApp {
    pub address: String,
    /// The test database, for commands run against it (`ntm-api import …`).
    pub database_url: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub admin_token: String,
    keys: TokenKeys,
    _guard: DbGuard,
}

/// Drops the test database (PostgreSQL) or removes its files (SQLite).
enum DbGuard {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        match self {
            DbGuard::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            DbGuard::Postgres { admin_url, name } => {
                let (url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let db = Database::connect(&url).await.ok()?;
                        db.execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok()?;
                        db.close().await.ok()
                    })
                })
                .join();
            }
        }
    }
}

fn postgres_base(url: &str) -> (String, String) {
    // postgres://user@host:port/db?params → (postgres://user@host:port, ?params)
    let (without_query, query) = match url.split_once('?') {
        Some((u, q)) => (u.to_string(), format!("?{q}")),
        None => (url.to_string(), String::new()),
    };
    let base = match without_query.rfind('/') {
        Some(i) if i > "postgres://".len() => without_query[..i].to_string(),
        _ => without_query,
    };
    (base, query)
}

/// A new empty database.
async fn empty_database() -> (String, DbGuard) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let (base, query) = postgres_base(&url);
            let admin_url = format!("{base}/postgres{query}");
            let name = format!("ntm_test_{id}");
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL for tests");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            (
                format!("{base}/{name}{query}"),
                DbGuard::Postgres { admin_url, name },
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("ntm-test-{id}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                DbGuard::Sqlite(path),
            )
        }
    }
}

/// A new database for one test: on SQLite a copy of the template file, on PostgreSQL a
/// `CREATE DATABASE … TEMPLATE` of the template database (see [`template`]).
async fn fresh_database() -> (String, DbGuard) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let (base, query) = postgres_base(&url);
            let admin_url = format!("{base}/postgres{query}");
            let template = template().await;
            let name = format!("ntm_test_{id}");
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL for tests");
            admin
                .execute_unprepared(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ))
                .await
                .expect("create test database");
            admin.close().await.ok();
            (
                format!("{base}/{name}{query}"),
                DbGuard::Postgres { admin_url, name },
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("ntm-test-{id}.db"));
            std::fs::copy(template().await, &path).expect("copy the template database");
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                DbGuard::Sqlite(path),
            )
        }
    }
}

/// The database every [`TestApp::spawn`] starts from, made once per test process:
/// migrated, Hà Tĩnh loaded, the first admin created (what `Application::build` does on an
/// empty database, a third of a second of work that each test would otherwise repeat).
/// Returns the SQLite file's path or the PostgreSQL database's name. Templates of test
/// processes that have ended are removed.
async fn template() -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let pid = std::process::id();
            let (url, template) = match std::env::var("TEST_DATABASE_URL") {
                Ok(url) if url.starts_with("postgres") => {
                    let (base, query) = postgres_base(&url);
                    let name = format!("ntm_template_{pid}");
                    let admin = Database::connect(format!("{base}/postgres{query}"))
                        .await
                        .expect("connect to PostgreSQL for tests");
                    drop_stale_postgres_templates(&admin).await;
                    for sql in [
                        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        format!("CREATE DATABASE \"{name}\""),
                    ] {
                        admin
                            .execute_unprepared(&sql)
                            .await
                            .expect("create the template database");
                    }
                    admin.close().await.ok();
                    (format!("{base}/{name}{query}"), name)
                }
                _ => {
                    remove_stale_sqlite_templates();
                    let path = std::env::temp_dir().join(format!("ntm-template-{pid}.db"));
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                    let path = path.display().to_string();
                    (format!("sqlite://{path}?mode=rwc"), path)
                }
            };
            let config = test_config(url, ReferenceData::Provinces(vec!["42".into()]));
            let db = ntm_api::startup::connect(&config)
                .await
                .expect("connect to the template database");
            ntm_api::startup::prepare_database(&db, &config)
                .await
                .expect("prepare the template database");
            if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
                // Everything into the main file, which is what is copied.
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await
                    .expect("checkpoint");
            }
            db.close().await.expect("close the template database");
            template
        })
        .await
        .clone()
}

/// Whether the test process `pid` still runs (Linux; elsewhere assumed running).
fn process_alive(pid: &str) -> bool {
    !std::path::Path::new("/proc").exists()
        || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn remove_stale_sqlite_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix("ntm-template-") else {
            continue;
        };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !pid.is_empty() && !process_alive(&pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

async fn drop_stale_postgres_templates(admin: &DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'ntm_template_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let Some(pid) = name.strip_prefix("ntm_template_") else {
            continue;
        };
        if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) && !process_alive(pid) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

fn test_config(database_url: String, reference: ReferenceData) -> Config {
    let mut config = Config::for_database(database_url);
    config.jwt_secret = Some(JWT_SECRET.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.workers = Some(1);
    config.db_max_connections = 5;
    config.reference_data = reference;
    config
}

fn test_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| ntm_api::domain::password::hash(USER_PASSWORD).expect("hash"))
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
            ntm_api::telemetry::init(None);
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
                json!({"number": n, "code": n.to_string(), "name": format!("Tiêu chí {n}"), "group": "economy", "indicators": [indicator]})
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
