//! The province a user's scope was granted in. Unit codes are not unique over time (codes
//! were retired and reused in the 2025 reform, and some communes changed province), so a
//! district or commune user's code covers only units of the province it was granted in.
//! Existing users are bound to the province of their code's latest version.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(string_len_null("scope_province", 8))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE users SET scope_province = scope WHERE role = 'province'")
            .await?;
        db.execute_unprepared(
            "UPDATE users SET scope_province = (SELECT u.province_code FROM units u \
             WHERE u.level = users.role AND u.code = users.scope \
             ORDER BY COALESCE(u.valid_from, '0001-01-01') DESC, u.id DESC LIMIT 1) \
             WHERE role IN ('district', 'commune')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("scope_province")
                    .to_owned(),
            )
            .await
    }
}
