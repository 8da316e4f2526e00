//! `ntm-api backup FILE`: a consistent copy of a live SQLite database.
//!
//! SQLite's own `VACUUM INTO` writes the database as one read transaction sees it: in WAL
//! mode (how the service opens it) writers go on while it runs, and the copy holds every
//! transaction committed before it started and none after, whole. A file copy of a live
//! database (with its `-wal` beside it) is not that. The copy is then checked
//! (`PRAGMA quick_check`) before it is reported.
//!
//! PostgreSQL has its own tools: `pg_dump -Fc` is consistent while the service writes, and
//! `pg_restore` loads it (README, "Backups"); `tests/api/operations.rs` proves both.
use std::path::Path;

use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub bytes: u64,
}

/// Copies the SQLite database behind `db` to `to` (which must not exist) and checks the
/// copy.
pub async fn sqlite_online_copy(db: &DatabaseConnection, to: &Path) -> anyhow::Result<Backup> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        anyhow::bail!(
            "this database is PostgreSQL: back it up with `pg_dump -Fc -d \"$DATABASE_URL\" -f FILE` \
             and restore with `pg_restore` (README, Backups)"
        );
    }
    if to.exists() {
        anyhow::bail!("{} exists: a backup never overwrites a file", to.display());
    }
    let target = to
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?;
    // The path is a bound value, never spliced into the SQL.
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .map_err(|e| anyhow::anyhow!("VACUUM INTO {}: {e}", to.display()))?;
    let copy = Database::connect(format!("sqlite://{target}?mode=ro")).await?;
    let check = copy
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA quick_check",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    copy.close().await?;
    if check != "ok" {
        anyhow::bail!("the copy at {} fails its check: {check}", to.display());
    }
    Ok(Backup {
        bytes: std::fs::metadata(to)?.len(),
    })
}
