//! Marks change-feed entries about drafts, so that only those who may read a draft read
//! its entries: a national criteria draft is for admins and viewers, not for every
//! province's sync account.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("changes")
                    .add_column(boolean("draft").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("changes")
                    .drop_column("draft")
                    .to_owned(),
            )
            .await
    }
}
