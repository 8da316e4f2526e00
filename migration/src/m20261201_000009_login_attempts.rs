//! Login attempts of `POST /auth/token`, for the failed-login limits. They live in the
//! database so that the limits hold across every instance of the service. Keys are
//! hashed: a username typed by mistake (a password in the wrong field) is never stored.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("login_attempts")
                    .col(pk_auto("id"))
                    // `u:` or `a:` and the SHA-256 of the username or the address.
                    .col(string_len("attempt_key", 66))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_key_at")
                    .table("login_attempts")
                    .col("attempt_key")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_at")
                    .table("login_attempts")
                    .col("at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("login_attempts").to_owned())
            .await
    }
}
