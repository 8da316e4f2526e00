//! Command line and configuration, read from flags or the environment (and `.env` in
//! development, via the shell). Secrets are never logged: [`Config`]'s `Debug` hides them.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ntm-api",
    version,
    about = "API of the National Target Programme on New Rural Development (nông thôn mới)"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default command).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write data to a file.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print the OpenAPI document (the one committed at openapi/openapi.json).
    Openapi,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy a live SQLite database to FILE, consistent while the service writes (SQLite's
    /// VACUUM INTO), and check the copy. PostgreSQL: use pg_dump (README, Backups).
    Backup {
        /// The copy to write (must not exist).
        file: PathBuf,
    },
    /// Ask the running service's `GET /ready` on NTM_BIND (from inside its container: the
    /// image's health check); exit 0 when it answers 200 within 3 s, 1 otherwise.
    Ready,
    /// Check or prune the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check the document storage against the database.
    #[command(subcommand)]
    Storage(StorageCommand),
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// List the documents whose bytes are missing and the stored bytes no document holds
    /// (orphans: an upload cut off, a crash before the row committed). Exits with 1 when
    /// bytes are missing or orphans remain.
    Check {
        /// Delete the orphans (older than --min-age).
        #[arg(long)]
        fix: bool,
        /// Seconds an orphan must have existed before --fix deletes it: younger ones may
        /// be uploads finishing right now.
        #[arg(long, default_value_t = 3600)]
        min_age: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain of the audit trail; exits with 1 and says where it breaks
    /// when an entry was changed, removed or inserted by hand.
    Verify,
    /// Remove entries older than the retention period (NTM_AUDIT_RETENTION_DAYS, or
    /// --days); the trail stays verifiable from the first entry kept. Without a retention
    /// period (the default) entries are kept forever and this does nothing.
    Prune {
        /// Keep this many days instead of NTM_AUDIT_RETENTION_DAYS.
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Load or update administrative units from a CSV file (the format of data/units-*.csv):
    /// upsert by level, code and valid_from; bad rows are reported by line and skipped.
    Units {
        /// The CSV file.
        file: PathBuf,
    },
    /// Load or update assessments with their values through the code path of
    /// `POST /sync/assessments` (upsert by unit, criteria version, date and kind). FILE is
    /// JSON lines (one sync item per line) or, when it ends in `.csv`, one value per row
    /// with the columns unit_code, criteria_version_id, assessed_on, kind, indicator_code,
    /// value (rows of one assessment next to each other). Bad items are reported by line
    /// and skipped; items are committed whole, 100 at a time.
    Assessments {
        file: PathBuf,
        /// Recorded as the author of what is written.
        #[arg(long, default_value = "import")]
        by: String,
    },
    /// Load a criteria tree into a draft version: a CSV written by `export criteria` (with
    /// --into, or --revise, --label and --effective-from), or a JSON file in the format of
    /// data/criteria/ (each version becomes a draft of its set, or replaces the draft with
    /// its label). Bad rows are reported by line and nothing is written.
    Criteria {
        file: PathBuf,
        /// CSV: replace the tree of this draft version.
        #[arg(long, conflicts_with = "revise")]
        into: Option<i32>,
        /// CSV: make a new draft revising this version.
        #[arg(long, requires_all = ["label", "effective_from"])]
        revise: Option<i32>,
        /// The new draft's label (with --revise).
        #[arg(long)]
        label: Option<String>,
        /// The new draft's first day, YYYY-MM-DD (with --revise).
        #[arg(long)]
        effective_from: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write a criteria version's tree as CSV for a spreadsheet (UTF-8 with BOM, one row per
    /// threshold): complete it and load it back with `import criteria`.
    Criteria {
        /// The criteria version's id.
        version: i32,
        /// The CSV file to write.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from NTM_NEW_USER_PASSWORD or generated.
    Create {
        #[arg(long)]
        username: String,
        /// admin, province, district, commune, sponsor or viewer.
        #[arg(long)]
        role: String,
        /// Unit code (province, district, commune) or agency id (sponsor).
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, env = "NTM_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

/// Which reference data to load on an empty database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceData {
    /// Everything shipped in data/.
    All,
    /// Only the units of these provinces (codes), with all national criteria: for tests.
    Provinces(Vec<String>),
    /// Nothing.
    None,
}

#[derive(Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://ntm.db?mode=rwc",
        global = true
    )]
    pub database_url: String,
    /// Address to listen on.
    #[arg(
        long,
        env = "NTM_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Secret that signs access tokens. Without it a random one is made at start, and
    /// tokens do not survive a restart.
    #[arg(long, env = "NTM_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// Password of the first admin, used only on an empty database. Without it one is
    /// generated and printed once.
    #[arg(
        long,
        env = "NTM_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "NTM_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Maximum database connections in the pool.
    #[arg(
        long,
        env = "NTM_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,
    /// Log format: `pretty` (default on a terminal) or `json`.
    #[arg(long, env = "NTM_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// Comma-separated origins allowed to call the API from a browser (CORS); `*` for any.
    #[arg(long, env = "NTM_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,
    /// Failed logins per username within 15 minutes before `POST /auth/token` answers 429.
    #[arg(
        long,
        env = "NTM_LOGIN_FAILURES_PER_USER",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub login_failures_per_user: u32,
    /// Failed logins per client address within 15 minutes before `POST /auth/token`
    /// answers 429.
    #[arg(
        long,
        env = "NTM_LOGIN_FAILURES_PER_ADDRESS",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub login_failures_per_address: u32,
    /// Seconds a signed-in user's role, scope and token validity are trusted after being
    /// read: a change made through another instance takes effect within this delay (this
    /// instance's own changes at once). 0 reads the user on every request.
    #[arg(
        long,
        env = "NTM_USER_CACHE_SECONDS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(0..=300),
        global = true
    )]
    pub user_cache_seconds: u64,
    /// Days the audit trail keeps its entries, applied by `ntm-api audit prune` (run it
    /// from cron). Unset (the default): kept forever.
    #[arg(
        long,
        env = "NTM_AUDIT_RETENTION_DAYS",
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub audit_retention_days: Option<u32>,
    /// Serve `GET /metrics` (Prometheus) on this separate address too, without a token,
    /// e.g. `127.0.0.1:9100`: bind it where only the scraper reaches it.
    #[arg(long, env = "NTM_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// Serve `GET /metrics` on the public address to requests bearing this token
    /// (`Authorization: Bearer …`). Unset: the public address answers 404 there.
    #[arg(long, env = "NTM_METRICS_TOKEN", global = true)]
    pub metrics_token: Option<String>,
    /// Seconds a stopping server (SIGTERM, SIGINT) gives the requests in flight to finish
    /// before closing their connections; new connections are refused at once.
    #[arg(
        long,
        env = "NTM_SHUTDOWN_GRACE_SECONDS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(0..=600),
        global = true
    )]
    pub shutdown_grace_seconds: u64,
    /// Where documents' bytes are kept: a folder (default: `files/` beside the SQLite
    /// database, or in the working directory with PostgreSQL), `file:///folder`, or
    /// `s3://bucket/prefix` for any S3-compatible store (credentials and endpoint from
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`,
    /// `AWS_ALLOW_HTTP`).
    #[arg(long, env = "NTM_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,
    /// Largest document accepted, in bytes (default 20 MiB); larger uploads are refused
    /// with 413 while they stream.
    #[arg(
        long,
        env = "NTM_DOCUMENT_MAX_BYTES",
        default_value_t = 20 * 1024 * 1024,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub document_max_bytes: u64,
    /// Media types a document may be, detected from its bytes: short names (pdf, jpeg,
    /// png, webp, docx, xlsx, odt, ods) or media types, comma-separated.
    #[arg(
        long,
        env = "NTM_DOCUMENT_TYPES",
        default_value = crate::services::documents::upload::DEFAULT_TYPES,
        global = true
    )]
    pub document_types: String,
    #[arg(skip = ReferenceData::All)]
    pub reference_data: ReferenceData,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<set>"),
            )
            .field("workers", &self.workers)
            .field("db_max_connections", &self.db_max_connections)
            .field("cors_origins", &self.cors_origins)
            .field("login_failures_per_user", &self.login_failures_per_user)
            .field(
                "login_failures_per_address",
                &self.login_failures_per_address,
            )
            .field("user_cache_seconds", &self.user_cache_seconds)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("metrics_bind", &self.metrics_bind)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .field("storage_url", &self.storage_url)
            .field("document_max_bytes", &self.document_max_bytes)
            .field("document_types", &self.document_types)
            .field("reference_data", &self.reference_data)
            .finish()
    }
}

/// A database URL with its password hidden, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// Where documents are stored: `NTM_STORAGE_URL`, or `files/` beside a SQLite database
    /// file (in the working directory otherwise).
    pub fn storage_location(&self) -> String {
        if let Some(url) = self.storage_url.as_deref().filter(|u| !u.is_empty()) {
            return url.to_string();
        }
        let file = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(""))
            .filter(|f| !f.is_empty() && !f.starts_with(':'));
        match file.map(std::path::Path::new).and_then(|f| f.parent()) {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join("files").display().to_string(),
            _ => "files".to_string(),
        }
    }

    /// Defaults for embedding (tests, benchmarks): SQLite file, random port, no secrets.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".into(),
            jwt_secret: None,
            admin_password: None,
            workers: None,
            db_max_connections: 16,
            log_format: None,
            cors_origins: None,
            login_failures_per_user: 5,
            login_failures_per_address: 20,
            user_cache_seconds: 5,
            audit_retention_days: None,
            metrics_bind: None,
            metrics_token: None,
            shutdown_grace_seconds: 30,
            storage_url: None,
            document_max_bytes: 20 * 1024 * 1024,
            document_types: crate::services::documents::upload::DEFAULT_TYPES.into(),
            reference_data: ReferenceData::All,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://ntm:secret@db:5432/ntm"),
            "postgres://ntm:***@db:5432/ntm"
        );
        assert_eq!(super::redact_url("sqlite://ntm.db"), "sqlite://ntm.db");
    }

    /// Documents go beside the SQLite database unless told otherwise.
    #[test]
    fn storage_defaults_beside_the_database() {
        let at = |url: &str| super::Config::for_database(url).storage_location();
        assert_eq!(at("sqlite://ntm.db?mode=rwc"), "files");
        assert_eq!(
            at("sqlite:///var/lib/ntm/ntm.db?mode=rwc"),
            "/var/lib/ntm/files"
        );
        assert_eq!(at("sqlite://data/ntm.db"), "data/files");
        assert_eq!(at("postgres://ntm@db/ntm"), "files");
        let mut config = super::Config::for_database("sqlite://ntm.db");
        config.storage_url = Some("s3://bucket/ntm".into());
        assert_eq!(config.storage_location(), "s3://bucket/ntm");
    }

    /// The configuration is logged at start: no secret may appear in it.
    #[test]
    fn debug_output_hides_secrets() {
        let mut config = super::Config::for_database("postgres://ntm:db-pass@db/ntm");
        config.jwt_secret = Some("jwt-secret-value".into());
        config.admin_password = Some("admin-pass-value".into());
        let logged = format!("{config:?}");
        for secret in ["db-pass", "jwt-secret-value", "admin-pass-value"] {
            assert!(!logged.contains(secret), "{logged}");
        }
        assert!(logged.contains("<set>"), "{logged}");
    }
}
