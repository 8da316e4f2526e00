//! Repository functions and business operations used by the HTTP handlers, the command
//! line and (later) the sync endpoints: one code path for each write.
pub mod assessments;
pub mod changes;
pub mod criteria;
pub mod recognitions;
pub mod reports;
pub mod sponsorships;
pub mod unit_cache;
pub mod units;
pub mod users;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, TransactionOptions, TransactionTrait,
};

/// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), so concurrent writers wait for each other (busy timeout) instead of failing
/// when a read inside the transaction is followed by a write; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
