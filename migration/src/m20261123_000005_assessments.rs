//! Assessments with their values, officer decisions, per-criterion results (kept for the
//! reports' aggregate queries) and workflow history; recognitions; registrations.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::table_with_timestamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: &str, col: &str, to: &str, cascade: bool) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(name)
        .from(from.to_string(), col.to_string())
        .to(to.to_string(), "id");
    if cascade {
        fk.on_delete(ForeignKeyAction::Cascade);
    }
    fk.to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table.to_string());
    for col in cols {
        index.col(ToString::to_string(col));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps("assessments")
                    .col(pk_auto("id"))
                    .col(string_len("unit_level", 16))
                    .col(string_len("unit_code", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("district_code", 32))
                    .col(string_len_null("commune_code", 32))
                    .col(string_len_null("region", 32))
                    .col(small_integer_null("commune_group"))
                    .col(integer("criteria_version_id"))
                    .col(date("assessed_on"))
                    .col(integer("year"))
                    .col(string_len("kind", 24))
                    .col(string_len("status", 16))
                    .col(integer("met_count"))
                    .col(integer("total_count"))
                    // Bit n-1 set when criterion number n is met: the reports' per-criterion
                    // rates in one aggregate pass.
                    .col(big_integer("met_mask").default(0))
                    .col(string_len("created_by", 64))
                    .col(integer("row_version").default(1))
                    .foreign_key(&mut fk(
                        "fk_assessments_version",
                        "assessments",
                        "criteria_version_id",
                        "criteria_versions",
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_assessments_natural_key",
            "assessments",
            &["unit_code", "criteria_version_id", "assessed_on", "kind"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_assessments_province",
            "assessments",
            &["province_code", "year"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_assessments_district",
            "assessments",
            &["district_code"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_assessments_unit",
            "assessments",
            &["unit_code", "assessed_on"],
            false,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("assessment_values")
                    .col(pk_auto("id"))
                    .col(integer("assessment_id"))
                    .col(string_len("indicator_code", 16))
                    .col(double_null("value_number"))
                    .col(boolean_null("value_bool"))
                    .col(string_len("recorded_by", 64))
                    .foreign_key(&mut fk(
                        "fk_values_assessment",
                        "assessment_values",
                        "assessment_id",
                        "assessments",
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_values",
            "assessment_values",
            &["assessment_id", "indicator_code"],
            true,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("criterion_decisions")
                    .col(pk_auto("id"))
                    .col(integer("assessment_id"))
                    .col(string_len("criterion_code", 16))
                    .col(string_len("result", 16))
                    .col(text_null("note"))
                    .col(string_len("decided_by", 64))
                    .col(timestamp_with_time_zone("decided_at"))
                    .foreign_key(&mut fk(
                        "fk_decisions_assessment",
                        "criterion_decisions",
                        "assessment_id",
                        "assessments",
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_decisions",
            "criterion_decisions",
            &["assessment_id", "criterion_code"],
            true,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("assessment_results")
                    .col(pk_auto("id"))
                    .col(integer("assessment_id"))
                    .col(string_len("criterion_code", 16))
                    .col(string_len("result", 16))
                    .col(boolean("met"))
                    .foreign_key(&mut fk(
                        "fk_results_assessment",
                        "assessment_results",
                        "assessment_id",
                        "assessments",
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_results",
            "assessment_results",
            &["assessment_id", "criterion_code"],
            true,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("assessment_transitions")
                    .col(pk_auto("id"))
                    .col(integer("assessment_id"))
                    .col(string_len_null("from_status", 16))
                    .col(string_len("to_status", 16))
                    .col(string_len("by_username", 64))
                    .col(timestamp_with_time_zone("at"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk(
                        "fk_transitions_assessment",
                        "assessment_transitions",
                        "assessment_id",
                        "assessments",
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_transitions_assessment",
            "assessment_transitions",
            &["assessment_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("recognitions")
                    .col(pk_auto("id"))
                    .col(string_len("unit_level", 16))
                    .col(string_len("unit_code", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("district_code", 32))
                    .col(string_len("level", 32))
                    .col(integer("assessment_id"))
                    .col(string_len("decision_number", 64))
                    .col(date("decided_on"))
                    .col(string_len("signer", 200))
                    .col(integer("recognition_year"))
                    .col(boolean("revoked").default(false))
                    .col(string_len_null("revocation_decision_number", 64))
                    .col(date_null("revoked_on"))
                    .col(text_null("revocation_reason"))
                    .col(string_len("created_by", 64))
                    .col(integer("row_version").default(1))
                    .foreign_key(&mut fk(
                        "fk_recognitions_assessment",
                        "recognitions",
                        "assessment_id",
                        "assessments",
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_recognitions_unit",
            "recognitions",
            &["unit_code"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_recognitions_province",
            "recognitions",
            &["province_code"],
            false,
        )
        .await?;
        manager
            .create_table(
                table_with_timestamps("registrations")
                    .col(pk_auto("id"))
                    .col(string_len("unit_level", 16))
                    .col(string_len("unit_code", 32))
                    .col(string_len_null("province_code", 32))
                    .col(string_len_null("district_code", 32))
                    .col(string_len("level", 32))
                    .col(integer("target_year"))
                    .col(text_null("note"))
                    .col(string_len("created_by", 64))
                    .col(integer("row_version").default(1))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_registrations",
            "registrations",
            &["unit_code", "level", "target_year"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_registrations_province",
            "registrations",
            &["province_code", "target_year"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "registrations",
            "recognitions",
            "assessment_transitions",
            "assessment_results",
            "criterion_decisions",
            "assessment_values",
            "assessments",
        ] {
            manager
                .drop_table(Table::drop().table(table.to_string()).to_owned())
                .await?;
        }
        Ok(())
    }
}
