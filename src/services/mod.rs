//! Repository functions and business operations used by the HTTP handlers, the command
//! line and the sync endpoints: one code path for each write.
pub mod assessments;
pub mod audit;
pub mod backup;
pub mod changes;
pub mod criteria;
pub mod designations;
pub mod documents;
pub mod logins;
pub mod recognitions;
pub mod reports;
pub mod sessions;
pub mod signed_in;
pub mod sponsorships;
pub mod status;
pub mod sync;
pub mod unit_cache;
pub mod units;
pub mod users;

use crate::pagination::{Page, PageRequest};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    Iterable, PaginatorTrait, PrimaryKeyTrait, Select, TransactionOptions, TransactionTrait,
    UpdateResult,
};

use crate::error::ApiError;

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

/// Bound parameters per statement in [`insert_rows`]: under SQLite's limit (32,766) and
/// PostgreSQL's (65,535).
const MAX_PARAMETERS: usize = 30_000;

/// Inserts `rows` with as few multi-row `INSERT`s as the databases' parameter limits allow
/// (a batch of 100 assessments has 5,700 values of 7 columns each: two statements).
pub async fn insert_rows<C, A>(db: &C, mut rows: Vec<A>) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMETERS / columns).max(1);
    while !rows.is_empty() {
        let rest = rows.split_off(per_statement.min(rows.len()));
        A::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// `rows` under their `key`, each group in the rows' order (what a batch read for many
/// codes at once hands to each item).
pub fn grouped<T, K: Eq + std::hash::Hash>(
    rows: Vec<T>,
    key: impl Fn(&T) -> K,
) -> std::collections::HashMap<K, Vec<T>> {
    let mut groups = std::collections::HashMap::<K, Vec<T>>::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
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

/// [`fetch_page`] of a query that selects into another type than the entity's model (a
/// partial model: fewer columns to read and decode).
pub async fn fetch_page_of<C, S>(
    db: &C,
    selector: sea_orm::Selector<S>,
    request: PageRequest,
) -> Result<Page<S::Item>, DbErr>
where
    C: ConnectionTrait,
    S: sea_orm::SelectorTrait + Send + Sync,
    S::Item: Sync,
{
    let paginator = selector.paginate(db, request.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(request.page - 1).await?;
    Ok(request.page_of(items, total))
}

/// A conditional write (filtered on the row's id and the `row_version` the caller read) that
/// touched no row: the row changed since it was read, 412.
pub fn ensure_matched(rows_affected: u64, what: &str) -> Result<(), ApiError> {
    if rows_affected == 0 {
        return Err(ApiError::PreconditionFailed(format!(
            "the {what} changed since you read it"
        )));
    }
    Ok(())
}

/// The row `id` as a conditional update left it (412 by [`ensure_matched`] when the update
/// matched nothing).
pub async fn reload_updated<C, E>(
    db: &C,
    result: UpdateResult,
    id: i32,
    what: &str,
) -> Result<E::Model, ApiError>
where
    C: ConnectionTrait,
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
{
    ensure_matched(result.rows_affected, what)?;
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("the {what}")))
}
