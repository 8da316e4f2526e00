//! Administrative units (đơn vị hành chính) stored as versions: one row per
//! (level, code, valid_from), because codes are reused across the 2025-07-01 reform.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("units")
                    .col(pk_auto("id"))
                    .col(string_len("level", 16))
                    .col(string_len("code", 32))
                    .col(date_null("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_len("name", 200))
                    .col(string_len("unit_type", 32))
                    .col(string_len("name_ascii", 200))
                    .col(string_len("search_ascii", 260))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("district_code", 32))
                    .col(string_len_null("commune_code", 32))
                    .col(string_len_null("region", 32))
                    .col(small_integer_null("commune_group"))
                    .col(string_len_null("successor_code", 32))
                    .col(integer("row_version").default(1))
                    .to_owned(),
            )
            .await?;
        // NULL valid_from values are distinct for the unique index on both backends;
        // the service refuses overlapping versions of one code before it writes.
        let indexes: [(&str, &[&str], bool); 5] = [
            (
                "uq_units_level_code_from",
                &["level", "code", "valid_from"],
                true,
            ),
            ("idx_units_code", &["code"], false),
            ("idx_units_province", &["level", "province_code"], false),
            ("idx_units_district", &["level", "district_code"], false),
            ("idx_units_commune", &["level", "commune_code"], false),
        ];
        for (name, cols, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table("units");
            for col in cols {
                index.col(*col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("units").to_owned())
            .await
    }
}
