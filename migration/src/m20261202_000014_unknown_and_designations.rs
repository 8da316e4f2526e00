//! Criteria that cannot be judged yet, and the special regional rule of QĐ 318/QĐ-TTg.
//!
//! - `assessments.unknown_count` / `unknown_mask`: how many criteria (and which, bit
//!   `n - 1` for criterion number `n`) are undetermined because a threshold or a value is
//!   missing. `unknown_count` is NULL on rows evaluated before "unknown" existed: the
//!   service evaluates those again when it starts (`services::assessments::backfill`).
//! - `unit_designations`: dated marks a province puts on a commune, e.g. an especially
//!   difficult commune (xã đặc biệt khó khăn) judged at the level of the Northern Midlands
//!   and Mountains region; `assessments.designation_id` names the mark an evaluation used.
//!
//! Expand only: new nullable or defaulted columns and a new table, so the previous version
//! keeps serving while this runs.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            integer_null("unknown_count"),
            big_integer("unknown_mask").default(0).to_owned(),
            integer_null("designation_id"),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table("assessments")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                table_with_timestamps("unit_designations")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len("unit_code", 32))
                    // The province the commune belonged to when it was marked: codes are
                    // reused across provinces over time.
                    .col(string_len("province_code", 32))
                    .col(string_len("kind", 32))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_len("basis", 200))
                    .col(text_null("note"))
                    .col(string_len("created_by", 64))
                    .col(integer("row_version").default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_unit_designations_unit")
                    .table("unit_designations")
                    .col("unit_code")
                    .col("valid_from")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("unit_designations").to_owned())
            .await?;
        for column in ["designation_id", "unknown_mask", "unknown_count"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("assessments")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
