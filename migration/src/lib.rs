//! Database migrations of ntm-api, one file per step, each with `up` and `down`.
//!
//! Every table carries `created_at` and `updated_at` (UTC, `timestamp with time zone` on
//! PostgreSQL). Applied at start-up by `ntm-api serve` and by `ntm-api migrate`.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261123_000001_users;
mod m20261123_000002_units;
mod m20261123_000003_changes;
mod m20261123_000004_criteria;
mod m20261123_000005_assessments;
mod m20261123_000006_sponsorships;
mod m20261123_000007_idempotency;
mod m20261123_000008_change_province;
mod m20261201_000009_login_attempts;
mod m20261201_000010_tokens_valid_after;
mod m20261201_000011_change_drafts;
mod m20261201_000012_user_scope_province;
mod m20261202_000013_audit;
mod m20261202_000014_unknown_and_designations;
mod m20261206_000015_documents;
mod m20261208_000016_assessment_list_order;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_users::Migration),
            Box::new(m20261123_000002_units::Migration),
            Box::new(m20261123_000003_changes::Migration),
            Box::new(m20261123_000004_criteria::Migration),
            Box::new(m20261123_000005_assessments::Migration),
            Box::new(m20261123_000006_sponsorships::Migration),
            Box::new(m20261123_000007_idempotency::Migration),
            Box::new(m20261123_000008_change_province::Migration),
            Box::new(m20261201_000009_login_attempts::Migration),
            Box::new(m20261201_000010_tokens_valid_after::Migration),
            Box::new(m20261201_000011_change_drafts::Migration),
            Box::new(m20261201_000012_user_scope_province::Migration),
            Box::new(m20261202_000013_audit::Migration),
            Box::new(m20261202_000014_unknown_and_designations::Migration),
            Box::new(m20261206_000015_documents::Migration),
            Box::new(m20261208_000016_assessment_list_order::Migration),
        ]
    }
}
