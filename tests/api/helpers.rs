//! `TestApp`: the real application on a random port with its own fresh database.
use std::sync::OnceLock;

use chrono::Utc;
use ntm_api::auth::tokens::TokenKeys;
use ntm_api::auth::Role;
use ntm_api::config::{Config, ReferenceData};
use ntm_api::startup::Application;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set};
use serde_json::Value;

pub const JWT_SECRET: &str = "test-secret-not-for-production";
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

async fn fresh_database() -> (String, DbGuard) {
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

fn test_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| ntm_api::auth::password::hash(USER_PASSWORD).expect("hash"))
}

impl TestApp {
    /// The app with Hà Tĩnh (42) loaded: before the reform its 13 districts and their
    /// communes, after it the new province and its communes.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(ReferenceData::Provinces(vec!["42".into()])).await
    }

    pub async fn spawn_with(reference: ReferenceData) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            ntm_api::telemetry::init(None);
        }
        let (database_url, guard) = fresh_database().await;
        let mut config = Config::for_database(database_url.clone());
        config.jwt_secret = Some(JWT_SECRET.into());
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.workers = Some(1);
        config.db_max_connections = 5;
        config.reference_data = reference;
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
