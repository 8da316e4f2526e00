//! Stored answers to POST requests sent with an `Idempotency-Key`, kept 24 hours.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("idempotency_keys")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(string_len("idempotency_key", 200))
                    .col(string_len("request_hash", 64))
                    // 0 while the first request is still being answered.
                    .col(integer("status_code"))
                    .col(json_null("response_headers"))
                    .col(text_null("response_body"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_idempotency_user_key")
                    .table("idempotency_keys")
                    .col("user_id")
                    .col("idempotency_key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_created")
                    .table("idempotency_keys")
                    .col("created_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_keys").to_owned())
            .await
    }
}
