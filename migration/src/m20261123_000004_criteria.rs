//! Criteria sets (bộ tiêu chí) and their versions. A version's tree (criteria, indicators,
//! thresholds) is one JSON document: it is always read and replaced whole, and it is
//! immutable once published.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("criteria_sets")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("code", 64))
                    .col(string_len("name", 300))
                    .col(string_len("level", 32))
                    .col(string_len("scope", 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table_with_timestamps("criteria_versions")
                    .col(pk_auto("id"))
                    .col(integer("set_id"))
                    .col(string_len("label", 32))
                    .col(string_len("legal_number", 64))
                    .col(text("legal_title"))
                    .col(string_len("legal_issuer", 200))
                    .col(date_null("legal_signed_on"))
                    .col(date("effective_from"))
                    .col(date_null("effective_to"))
                    .col(string_len("status", 16))
                    .col(integer_null("revises_id"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(text_null("source_note"))
                    .col(integer("criteria_count"))
                    .col(integer("indicator_count"))
                    .col(json("tree"))
                    .col(integer("row_version").default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_criteria_versions_set")
                            .from("criteria_versions", "set_id")
                            .to("criteria_sets", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_criteria_versions_revises")
                            .from("criteria_versions", "revises_id")
                            .to("criteria_versions", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_criteria_versions_set_label")
                    .table("criteria_versions")
                    .col("set_id")
                    .col("label")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("criteria_versions").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("criteria_sets").to_owned())
            .await
    }
}
