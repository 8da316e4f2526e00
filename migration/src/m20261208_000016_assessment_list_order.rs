//! Indexes in the order of the assessment list (`GET /assessments`: newest `assessed_on`
//! first, then `id`), for its common filters: a province (the appraisal screen), a
//! district, or none (the national list). With them a page is read in index order and the
//! database stops at its end, instead of sorting every matching assessment for each page
//! (ten years of a province are tens of thousands). The district index replaces the one on
//! `district_code` alone, which it covers.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &[&str]); 3] = [
    (
        "idx_assessments_province_order",
        &["province_code", "assessed_on", "id"],
    ),
    (
        "idx_assessments_district_order",
        &["district_code", "assessed_on", "id"],
    ),
    ("idx_assessments_order", &["assessed_on", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table("assessments");
            for column in columns {
                index.col(ToString::to_string(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_assessments_district")
                    .table("assessments")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_assessments_district")
                    .table("assessments")
                    .col("district_code")
                    .to_owned(),
            )
            .await?;
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table("assessments").to_owned())
                .await?;
        }
        Ok(())
    }
}
