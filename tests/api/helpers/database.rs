//! Each test's own database: a copy of one prepared per run (SQLite: a file copy;
//! PostgreSQL: `CREATE DATABASE … TEMPLATE`), dropped when the test ends.
use super::*;

/// Drops the test database (PostgreSQL) or removes its files (SQLite).
pub(super) enum DbGuard {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        let name = match self {
            DbGuard::Sqlite(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            DbGuard::Postgres { name, .. } => name.clone(),
        };
        let _ = std::fs::remove_dir_all(local_storage(&name));
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

pub(super) fn postgres_base(url: &str) -> (String, String) {
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
pub(super) async fn empty_database() -> (String, DbGuard) {
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
pub(super) async fn fresh_database() -> (String, DbGuard) {
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
pub(super) async fn template() -> String {
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
pub(super) fn process_alive(pid: &str) -> bool {
    !std::path::Path::new("/proc").exists()
        || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

pub(super) fn remove_stale_sqlite_templates() {
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

pub(super) async fn drop_stale_postgres_templates(admin: &DatabaseConnection) {
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

/// The name of a test database (its file's stem, or its PostgreSQL name).
fn database_name(database_url: &str) -> String {
    let path = database_url.split('?').next().unwrap_or(database_url);
    let last = path.rsplit('/').next().unwrap_or(path);
    last.trim_end_matches(".db").to_string()
}

fn local_storage(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{name}-files"))
}

/// Each test database's own document storage: a folder beside it, or, with
/// `TEST_STORAGE_URL=s3://bucket` (`.ci/run` against its S3 server), a prefix named after
/// the database in that bucket.
pub fn storage_url_for(database_url: &str) -> String {
    let name = database_name(database_url);
    match std::env::var("TEST_STORAGE_URL") {
        Ok(url) if !url.is_empty() => format!("{}/{name}", url.trim_end_matches('/')),
        _ => local_storage(&name).display().to_string(),
    }
}

pub(super) fn test_config(database_url: String, reference: ReferenceData) -> Config {
    let storage = storage_url_for(&database_url);
    let mut config = Config::for_database(database_url);
    config.storage_url = Some(storage);
    config.jwt_secret = Some(JWT_SECRET.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.workers = Some(1);
    config.db_max_connections = 5;
    config.reference_data = reference;
    // Short, so that a test of another instance's change waits little (see signed_in.rs).
    config.user_cache_seconds = USER_CACHE_SECONDS;
    config
}

/// How long an instance trusts a user row it read, in the tests.
pub const USER_CACHE_SECONDS: u64 = 1;

pub(super) fn test_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| ntm_api::domain::password::hash(USER_PASSWORD).expect("hash"))
}
