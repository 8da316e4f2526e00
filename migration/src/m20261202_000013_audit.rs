//! The audit trail: one row per successful write and per security event, appended in the
//! same transaction as the write it records, never updated or deleted. Each row carries
//! the SHA-256 of its contents chained to the row before (`prev_hash`), so a row changed
//! or removed by hand breaks the chain (`ntm-api audit verify`). A trigger refuses UPDATE
//! and DELETE on both databases; only `ntm-api audit prune` (the retention setting) may
//! delete old rows, by setting `ntm.audit_prune` on its own PostgreSQL session.
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_TRIGGER: &str = r#"
CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ntm.audit_prune', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entries_append_only
  BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate
  BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
"#;

// SQLite has no session settings: pruning drops and recreates the DELETE trigger inside
// its own transaction.
const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries \
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries \
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("audit_entries")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer_null("actor_id"))
                    .col(string_len_null("actor_username", 64))
                    .col(string_len_null("actor_role", 16))
                    .col(string_len_null("actor_scope", 32))
                    .col(string_len_null("request_id", 64))
                    .col(string_len_null("client_addr", 64))
                    .col(string_len_null("user_agent", 256))
                    // `POST /api/v1/sync/units item 3`, `ntm-api import assessments line 7`…
                    .col(string_len("via", 300))
                    .col(string_len("entity", 32))
                    .col(string_len("entity_key", 64))
                    .col(string_len("operation", 32))
                    .col(string_len_null("province_code", 16))
                    // JSON text, not a JSON column: the hash covers these exact bytes, and
                    // PostgreSQL's jsonb would reorder them.
                    .col(text_null("changes"))
                    .col(text_null("detail"))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_entity_key", &["entity", "entity_key", "id"][..]),
            ("idx_audit_actor", &["actor_username", "id"][..]),
            ("idx_audit_operation", &["operation", "id"][..]),
            ("idx_audit_province", &["province_code", "id"][..]),
            ("idx_audit_request", &["request_id"][..]),
            ("idx_audit_at", &["at"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("audit_entries");
            for col in cols {
                index.col(Alias::new(*col));
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The change feed's previous state of an entity is the audit's "before".
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_entity_key_seq")
                    .table("changes")
                    .col("entity")
                    .col("entity_key")
                    .col("seq")
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_TRIGGER).await?;
            }
            _ => {
                for trigger in SQLITE_TRIGGERS {
                    db.execute_unprepared(trigger).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_changes_entity_key_seq")
                    .table("changes")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("audit_entries").to_owned())
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_entries_append_only()")
                .await?;
        }
        Ok(())
    }
}
