//! The change log behind `GET /changes`: one row per create, update or delete, written in
//! the same transaction as the change; `seq` strictly increases.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("changes")
                    .col(big_pk_auto("seq"))
                    .col(string_len("entity", 32))
                    .col(string_len("entity_key", 64))
                    .col(string_len("op", 8))
                    .col(timestamp_with_time_zone("at"))
                    .col(json_null("data"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("changes").to_owned())
            .await
    }
}
