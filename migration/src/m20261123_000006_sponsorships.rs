//! Sponsoring agencies (đơn vị đỡ đầu), their sponsorships of communes and the activities
//! recorded under them. Money is integer VND.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("agencies")
                    .col(pk_auto("id"))
                    .col(string_len("name", 300))
                    .col(string_len("name_ascii", 300))
                    .col(string_len("kind", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("contact", 300))
                    .col(integer("row_version").default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table_with_timestamps("sponsorships")
                    .col(pk_auto("id"))
                    .col(integer("agency_id"))
                    .col(string_len("commune_code", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("district_code", 32))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(date_null("signed_on"))
                    .col(string_len_null("decision_number", 64))
                    .col(json("commitments"))
                    .col(integer("row_version").default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sponsorships_agency")
                            .from("sponsorships", "agency_id")
                            .to("agencies", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table_with_timestamps("sponsorship_activities")
                    .col(pk_auto("id"))
                    .col(integer("sponsorship_id"))
                    .col(date("happened_on"))
                    .col(string_len("kind", 32))
                    .col(big_integer_null("amount_vnd"))
                    .col(text_null("in_kind"))
                    .col(text("description"))
                    .col(string_len("recorded_by", 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_sponsorship")
                            .from("sponsorship_activities", "sponsorship_id")
                            .to("sponsorships", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, table, cols, unique) in [
            (
                "uq_sponsorships_natural_key",
                "sponsorships",
                vec!["agency_id", "commune_code", "starts_on"],
                true,
            ),
            (
                "idx_sponsorships_commune",
                "sponsorships",
                vec!["commune_code"],
                false,
            ),
            (
                "idx_sponsorships_province",
                "sponsorships",
                vec!["province_code"],
                false,
            ),
            (
                "idx_activities_sponsorship",
                "sponsorship_activities",
                vec!["sponsorship_id", "happened_on"],
                false,
            ),
            (
                "idx_agencies_province",
                "agencies",
                vec!["province_code"],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table.to_string());
            for col in cols {
                index.col(col.to_string());
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["sponsorship_activities", "sponsorships", "agencies"] {
            manager
                .drop_table(Table::drop().table(table.to_string()).to_owned())
                .await?;
        }
        Ok(())
    }
}
