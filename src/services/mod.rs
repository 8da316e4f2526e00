//! Repository functions and business operations used by the HTTP handlers, the command
//! line and the sync endpoints: one code path for each write.
pub mod assessments;
pub mod changes;
pub mod criteria;
pub mod recognitions;
pub mod reports;
pub mod sponsorships;
pub mod sync;
pub mod unit_cache;
pub mod units;
pub mod users;

use crate::extract::{Page, PageRequest};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    Select, TransactionOptions, TransactionTrait,
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

/// One page of a query, with the total number of rows it matches.
pub async fn fetch_page<C, E>(
    db: &C,
    select: Select<E>,
    request: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: Sync,
{
    let paginator = select.paginate(db, request.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(request.page - 1).await?;
    Ok(request.page_of(items, total))
}
