//! Documents of dossiers (hồ sơ): the files behind an assessment, a recognition, a
//! registration and a sponsorship activity. The bytes are in the object store under their
//! SHA-256; this table holds what they are and where they belong.
//!
//! A document is attached once per parent: a partial unique index on (parent, sha256)
//! among the documents not removed. Expand only: a new table.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("documents")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len("parent_kind", 32))
                    .col(integer("parent_id"))
                    .col(string_len_null("criterion_code", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len("title", 200))
                    .col(string_len("kind", 32))
                    .col(string_len("media_type", 128))
                    .col(string_len("file_name", 255))
                    .col(big_integer("size_bytes"))
                    .col(string_len("sha256", 64))
                    .col(string_len("uploaded_by", 64))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .col(string_len_null("removed_by", 64))
                    .col(integer("row_version").default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_documents_parent")
                    .table("documents")
                    .col("parent_kind")
                    .col("parent_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_documents_sha256")
                    .table("documents")
                    .col("sha256")
                    .to_owned(),
            )
            .await?;
        // The same file twice on one parent is refused (409 naming the first); a removed
        // document does not count, so it can be attached again.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_documents_parent_sha256 ON documents \
                 (parent_kind, parent_id, sha256) WHERE removed_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("documents").to_owned())
            .await
    }
}
