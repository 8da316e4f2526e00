//! The audit trail: who changed what, when, from where and through which path, appended in
//! the same transaction as the write (a write that rolls back leaves no entry; one that
//! commits always has one). Security events (logins, refused writes, refresh-token reuse,
//! password changes) are entries too. `docs/AUDIT.md` says what is recorded and how to
//! read and verify it.
//!
//! * **Where from** is the [`Context`] of the task: the HTTP middleware ([`middleware`])
//!   sets the request id, address, user agent and route; the caller extractor adds the
//!   actor ([`set_actor`]); `sync::run` names the item and an import its line; the command
//!   line sets its own ([`Context::command_line`]). A write outside any context is recorded
//!   as `unattributed` rather than lost.
//! * **What changed** is a field-by-field diff ([`diff`]) of the entity before and after:
//!   the change feed holds the entity as it was after each change, so the feed's previous
//!   entry is the "before" ([`crate::services::changes`] calls [`append`]).
//! * **Append-only**: entries are never updated or deleted (database triggers refuse it),
//!   and each carries the SHA-256 of its contents and of the previous entry's hash.
//!   [`verify`] walks the chain. On PostgreSQL the entry is appended under the same
//!   transaction-scoped advisory lock as the change feed, so hashes chain in commit order.
use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryOrder, QuerySelect,
};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use entity::audit_entry::{self, Entity as Entries};

use crate::access::Caller;

/// The advisory lock of every transaction that writes the change feed or the audit trail
/// ("ntm-chg"): entries chain, and feed entries become visible, in commit order.
const WRITE_LOCK: i64 = 0x006e_746d_2d63_6867;

/// Takes [`WRITE_LOCK`] until the end of `conn`'s transaction, on PostgreSQL (SQLite has
/// one writer at a time already).
pub(crate) async fn take_write_lock<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
            .await?;
    }
    Ok(())
}

/// Longest stored text of each kind (the column widths).
const MAX_VIA: usize = 300;
const MAX_AGENT: usize = 256;
const MAX_SHORT: usize = 64;

tokio::task_local! {
    static CONTEXT: RefCell<Context>;
}

/// Who acts, as they were when they acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the command line, which has no user row.
    pub id: Option<i32>,
    pub username: String,
    pub role: String,
    pub scope: Option<String>,
    /// The province the actor's grant sits in (entries about them are that province's).
    pub province: Option<String>,
}

impl Actor {
    pub fn of(caller: &Caller) -> Actor {
        use crate::access::Grant;
        let province = match &caller.grant {
            Grant::Province(code) => Some(code.clone()),
            _ => caller.granted_in.clone(),
        };
        Actor {
            id: (caller.user_id > 0).then_some(caller.user_id),
            username: caller.username.clone(),
            role: caller.role().as_str().to_string(),
            scope: caller.grant.scope(),
            province,
        }
    }

    /// A stored user (a login, before there is a caller).
    pub fn of_user(user: &entity::user::Model) -> Actor {
        Actor {
            id: Some(user.id),
            username: user.username.clone(),
            role: user.role.as_str().to_string(),
            scope: user.scope.clone(),
            province: user.scope_province.clone(),
        }
    }
}

/// Where the writes of the current task come from.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// `PATCH /api/v1/provinces/{code}`, `ntm-api import assessments`, …
    pub via: String,
    pub actor: Option<Actor>,
    /// The batch item being written (`item 3`, `line 7`).
    item: Option<String>,
    /// An import's file lines, by item index.
    lines: Option<Arc<Vec<usize>>>,
}

impl Context {
    pub fn new(via: impl Into<String>) -> Context {
        Context {
            via: via.into(),
            ..Default::default()
        }
    }

    /// A command of the command line, acting as `by` (an administrator without a user row).
    pub fn command_line(command: &str, by: &str) -> Context {
        Context {
            via: format!("ntm-api {command}"),
            actor: Some(Actor::of(&Caller::command_line(by))),
            ..Default::default()
        }
    }

    /// How entries name batch item `index`: its file line in an import, else its index.
    fn item_name(&self, index: usize) -> String {
        match self.lines.as_ref().and_then(|l| l.get(index)) {
            Some(line) => format!("line {line}"),
            None => format!("item {index}"),
        }
    }

    fn via(&self) -> String {
        match &self.item {
            Some(item) => format!("{} {item}", self.via),
            None => self.via.clone(),
        }
    }
}

/// Runs `fut` with `context` as the audit context of its writes.
pub async fn scope<F: Future>(context: Context, fut: F) -> F::Output {
    CONTEXT.scope(RefCell::new(context), fut).await
}

fn with_context<R>(f: impl FnOnce(&mut Context) -> R) -> Option<R> {
    CONTEXT.try_with(|c| f(&mut c.borrow_mut())).ok()
}

/// Records who acts in the current context (the caller extractor calls it).
pub fn set_actor(caller: &Caller) {
    with_context(|c| c.actor = Some(Actor::of(caller)));
}

/// The actor of the current context, if any.
pub fn current_actor() -> Option<Actor> {
    with_context(|c| c.actor.clone()).flatten()
}

/// Names the batch item being written from now on (`None`: no item).
pub fn set_item(index: Option<usize>) {
    with_context(|c| c.item = index.map(|i| c.item_name(i)));
}

/// Tells the context that batch items are lines of a file: `lines[i]` is item `i`'s line.
pub fn set_lines(lines: Vec<usize>) {
    with_context(|c| c.lines = Some(Arc::new(lines)));
}

fn current() -> Context {
    with_context(|c| c.clone()).unwrap_or_else(|| Context::new("unattributed"))
}

/// What one entry records besides its context.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// `unit`, `assessment`, `user`, `session`, `request`…
    pub entity: String,
    pub key: String,
    /// `create`, `update`, `delete`, `login`, `login_failed`, `forbidden`…
    pub operation: String,
    /// The province the entry concerns (a province's officers read it).
    pub province: Option<String>,
    /// `{"path": {"before": …, "after": …}}` (see [`diff`]).
    pub changes: Option<Value>,
    pub detail: Option<String>,
    /// Who acted, when the context does not know yet (a login).
    pub actor: Option<Actor>,
}

impl Event {
    pub fn new(entity: &str, key: impl Into<String>, operation: &str) -> Event {
        Event {
            entity: entity.to_string(),
            key: key.into(),
            operation: operation.to_string(),
            ..Default::default()
        }
    }

    pub fn province(mut self, province: Option<&str>) -> Event {
        self.province = province.map(str::to_string);
        self
    }

    pub fn changes(mut self, changes: Option<Value>) -> Event {
        self.changes = changes.filter(|c| c.as_object().is_none_or(|o| !o.is_empty()));
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }

    pub fn actor(mut self, actor: Actor) -> Event {
        self.actor = Some(actor);
        self
    }
}

/// Text as stored: at most `max` characters, no NUL (PostgreSQL refuses it).
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .take(max)
        .collect()
}

/// The hashed contents of an entry, in a fixed order, without `prev_hash`.
fn contents_of(m: &audit_entry::Model) -> String {
    json!([
        m.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        m.actor_id,
        m.actor_username,
        m.actor_role,
        m.actor_scope,
        m.request_id,
        m.client_addr,
        m.user_agent,
        m.via,
        m.entity,
        m.entity_key,
        m.operation,
        m.province_code,
        m.changes,
        m.detail,
    ])
    .to_string()
}

/// The hash of an entry: hex SHA-256 of the previous entry's hash, a newline and the
/// entry's contents ([`contents_of`]). PostgreSQL computes the same in the INSERT itself
/// ([`POSTGRES_APPEND`]).
fn hash_of(m: &audit_entry::Model) -> String {
    chain(&m.prev_hash, &contents_of(m))
}

fn chain(prev_hash: &str, contents: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{prev_hash}\n{contents}").as_bytes(),
    ))
}

/// One statement that reads the last hash and appends the entry chained to it: the audit
/// adds a single round trip to the part of a write that holds the lock.
const POSTGRES_APPEND: &str = r#"
INSERT INTO audit_entries (at, actor_id, actor_username, actor_role, actor_scope, request_id,
  client_addr, user_agent, via, entity, entity_key, operation, province_code, changes, detail,
  prev_hash, hash, created_at, updated_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
  last.hash, encode(sha256(convert_to(last.hash || E'\n' || $16, 'UTF8')), 'hex'), $1, $1
FROM (SELECT COALESCE((SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1), '') AS hash) AS last
"#;

/// The entry of `event` in `context` at `at`, without its place in the chain.
fn entry_of(context: &Context, event: Event, at: DateTime<Utc>) -> audit_entry::Model {
    let actor = event.actor.or(context.actor.clone());
    // Microseconds: what PostgreSQL keeps, so the hash recomputes from the stored row.
    let at = at.trunc_subsecs(6);
    audit_entry::Model {
        id: 0,
        at,
        actor_id: actor.as_ref().and_then(|a| a.id),
        actor_username: actor.as_ref().map(|a| clean(&a.username, MAX_SHORT)),
        actor_role: actor.as_ref().map(|a| a.role.clone()),
        actor_scope: actor.as_ref().and_then(|a| a.scope.clone()),
        request_id: context.request_id.as_deref().map(|r| clean(r, MAX_SHORT)),
        client_addr: context.client_addr.as_deref().map(|a| clean(a, MAX_SHORT)),
        user_agent: context.user_agent.as_deref().map(|a| clean(a, MAX_AGENT)),
        via: clean(&context.via(), MAX_VIA),
        entity: clean(&event.entity, 32),
        entity_key: clean(&event.key, MAX_SHORT),
        operation: clean(&event.operation, 32),
        province_code: event.province,
        changes: event
            .changes
            .map(|c| c.to_string().replace('\0', "\u{fffd}")),
        detail: event.detail.map(|d| clean(&d, 2000)),
        prev_hash: String::new(),
        hash: String::new(),
        created_at: at,
        updated_at: at,
    }
}

/// The hash of the last entry ('' before the first).
async fn last_hash<C: ConnectionTrait>(conn: &C) -> Result<String, DbErr> {
    Ok(Entries::find()
        .select_only()
        .column(audit_entry::Column::Hash)
        .order_by_desc(audit_entry::Column::Id)
        .limit(1)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .unwrap_or_default())
}

/// Appends the entries of a batch's items, in order, for a caller that holds
/// [`WRITE_LOCK`] in `conn`: each `(index, event)` is recorded as written by batch item
/// `index` (see [`set_item`]). The chain is computed here from the last hash, read once, and
/// the entries are inserted together.
pub(crate) async fn append_items_holding_lock<C: ConnectionTrait>(
    conn: &C,
    events: Vec<(usize, Event)>,
) -> Result<(), DbErr> {
    let mut context = current();
    let now = Utc::now();
    let mut prev = last_hash(conn).await?;
    let mut rows = Vec::with_capacity(events.len());
    for (index, event) in events {
        context.item = Some(context.item_name(index));
        let mut m = entry_of(&context, event, now);
        m.prev_hash = std::mem::take(&mut prev);
        m.hash = hash_of(&m);
        prev = m.hash.clone();
        let mut row: audit_entry::ActiveModel = m.into();
        row.id = sea_orm::NotSet;
        rows.push(row);
    }
    crate::services::insert_rows(conn, rows).await
}

/// Appends `event` in the caller's transaction `conn` (which must be a transaction on
/// PostgreSQL: the advisory lock lasts until it ends).
pub async fn append<C: ConnectionTrait>(conn: &C, event: Event) -> Result<(), DbErr> {
    take_write_lock(conn).await?;
    append_holding_lock(conn, event).await
}

/// [`append`] for a caller that already holds [`WRITE_LOCK`] in `conn` (the change feed).
pub(crate) async fn append_holding_lock<C: ConnectionTrait>(
    conn: &C,
    event: Event,
) -> Result<(), DbErr> {
    let mut m = entry_of(&current(), event, Utc::now());
    if conn.get_database_backend() == DbBackend::Postgres {
        let contents = contents_of(&m);
        let values: Vec<sea_orm::Value> = vec![
            m.at.into(),
            m.actor_id.into(),
            m.actor_username.into(),
            m.actor_role.into(),
            m.actor_scope.into(),
            m.request_id.into(),
            m.client_addr.into(),
            m.user_agent.into(),
            m.via.into(),
            m.entity.into(),
            m.entity_key.into(),
            m.operation.into(),
            m.province_code.into(),
            m.changes.into(),
            m.detail.into(),
            contents.into(),
        ];
        let statement =
            sea_orm::Statement::from_sql_and_values(DbBackend::Postgres, POSTGRES_APPEND, values);
        conn.execute_raw(statement).await?;
        return Ok(());
    }
    m.prev_hash = last_hash(conn).await?;
    m.hash = hash_of(&m);
    let mut row: audit_entry::ActiveModel = m.into();
    row.id = sea_orm::NotSet;
    row.insert(conn).await?;
    Ok(())
}

/// Appends `event` in a transaction of its own (security events that write nothing else).
pub async fn append_alone(db: &DatabaseConnection, event: Event) -> Result<(), DbErr> {
    let txn = crate::services::begin_write(db).await?;
    append(&txn, event).await?;
    txn.commit().await
}

/// The fields that differ between `before` and `after` (an entity as JSON; `None` when it
/// did not exist), as `{"path": {"before": …, "after": …}}`. Objects are compared field by
/// field and arrays item by item, so a changed threshold deep in a criteria tree is one
/// path (`criteria[3].indicators[0].threshold`), not the whole tree twice.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let mut out = Map::new();
    walk(
        String::new(),
        before.unwrap_or(&Value::Null),
        after.unwrap_or(&Value::Null),
        &mut out,
    );
    Value::Object(out)
}

/// [`diff`] of two values that sit under `prefix` in their entity
/// (`criteria[3].indicators[0]…` for a criteria version's tree).
pub fn diff_under(prefix: &str, before: &Value, after: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    walk(prefix.to_string(), before, after, &mut out);
    out
}

fn walk(path: String, before: &Value, after: &Value, out: &mut Map<String, Value>) {
    if before == after {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (key, value) in b {
                walk(join(key), value, a.get(key).unwrap_or(&Value::Null), out);
            }
            for (key, value) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
                walk(join(key), &Value::Null, value, out);
            }
        }
        (Value::Object(b), Value::Null) => {
            for (key, value) in b {
                walk(join(key), value, &Value::Null, out);
            }
        }
        (Value::Null, Value::Object(a)) => {
            for (key, value) in a {
                walk(join(key), &Value::Null, value, out);
            }
        }
        (Value::Array(b), Value::Array(a)) => {
            for i in 0..b.len().max(a.len()) {
                walk(
                    format!("{path}[{i}]"),
                    b.get(i).unwrap_or(&Value::Null),
                    a.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ => {
            let key = if path.is_empty() {
                "value".into()
            } else {
                path
            };
            out.insert(key, json!({"before": before, "after": after}));
        }
    }
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The row's contents no longer give its hash: it was changed after it was written.
    Altered { id: i64 },
    /// The row does not follow the row before it: rows were removed or inserted between.
    Unlinked { id: i64, previous: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Altered { id } => write!(
                f,
                "entry {id} was changed after it was written (its hash does not match its contents)"
            ),
            Break::Unlinked { id, previous } => write!(
                f,
                "entry {id} does not follow entry {previous}: entries between them were removed or inserted"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    /// The first entry's `prev_hash`: empty for a trail from its beginning, the hash of the
    /// last pruned entry after `audit prune`.
    pub anchor: String,
    pub breaks: Vec<Break>,
}

/// Walks the whole chain in `id` order, a thousand rows at a time.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<Verified, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut result = Verified {
        entries: 0,
        anchor: String::new(),
        breaks: Vec::new(),
    };
    let mut last: Option<(i64, String)> = None;
    loop {
        let mut select = Entries::find().order_by_asc(audit_entry::Column::Id);
        if let Some((id, _)) = &last {
            select = select.filter(audit_entry::Column::Id.gt(*id));
        }
        let rows = select.limit(1000).all(db).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            match &last {
                None => result.anchor = row.prev_hash.clone(),
                Some((previous, hash)) if *hash != row.prev_hash => {
                    result.breaks.push(Break::Unlinked {
                        id: row.id,
                        previous: *previous,
                    });
                }
                Some(_) => {}
            }
            if hash_of(&row) != row.hash {
                result.breaks.push(Break::Altered { id: row.id });
            }
            result.entries += 1;
            last = Some((row.id, row.hash));
        }
    }
    Ok(result)
}

/// Deletes the entries older than `before` (the retention setting), keeping the chain
/// verifiable from the first kept entry, and records the pruning as an entry. The triggers
/// refuse every other deletion.
pub async fn prune(db: &DatabaseConnection, before: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let txn = crate::services::begin_write(db).await?;
    let backend = txn.get_database_backend();
    take_write_lock(&txn).await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL ntm.audit_prune = 'on'")
            .await?;
    } else {
        txn.execute_unprepared("DROP TRIGGER audit_entries_no_delete")
            .await?;
    }
    let deleted = Entries::delete_many()
        .filter(audit_entry::Column::At.lt(before))
        .exec(&txn)
        .await?
        .rows_affected;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL ntm.audit_prune = 'off'")
            .await?;
    } else {
        txn.execute_unprepared(
            "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries \
             BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END",
        )
        .await?;
    }
    append(
        &txn,
        Event::new("audit", "retention", "prune").detail(format!(
            "{deleted} entries older than {} removed",
            before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(deleted)
}

/// One entry as `GET /audit` shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted, as they were then; `null` for anonymous attempts (a failed login).
    pub actor: Option<ActorView>,
    /// The request id (`X-Request-Id` of the answer), when the entry came over HTTP.
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The path of the write: `PATCH /api/v1/provinces/{code}`, `POST /api/v1/sync/units
    /// item 3`, `ntm-api import assessments line 7`, `ntm-api start-up`.
    pub via: String,
    /// `unit`, `criteria_set`, `criteria_version`, `assessment`, `recognition`,
    /// `registration`, `agency`, `sponsorship`, `user`, `session`, `request`, `reference`
    /// or `audit`.
    pub entity: String,
    pub key: String,
    /// `create`, `update`, `delete`, `login`, `login_failed`, `refresh`, `refresh_reuse`,
    /// `logout`, `password_change`, `forbidden`, `load` or `prune`.
    pub operation: String,
    pub province_code: Option<String>,
    /// Each changed field (dotted path; `values.<indicator>` and `decisions.<criterion>`
    /// for an assessment's inputs) with its value before and after.
    pub changes: Option<serde_json::Value>,
    pub detail: Option<String>,
    /// SHA-256 of this entry chained to the one before (`ntm-api audit verify`).
    pub hash: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ActorView {
    /// `null` for the command line.
    pub id: Option<i32>,
    pub username: String,
    pub role: Option<String>,
    pub scope: Option<String>,
}

impl From<audit_entry::Model> for AuditEntryView {
    fn from(m: audit_entry::Model) -> Self {
        AuditEntryView {
            id: m.id,
            at: m.at,
            actor: m.actor_username.map(|username| ActorView {
                id: m.actor_id,
                username,
                role: m.actor_role,
                scope: m.actor_scope,
            }),
            request_id: m.request_id,
            client_addr: m.client_addr,
            user_agent: m.user_agent,
            via: m.via,
            entity: m.entity,
            key: m.entity_key,
            operation: m.operation,
            province_code: m.province_code,
            changes: m.changes.and_then(|c| serde_json::from_str(&c).ok()),
            detail: m.detail,
            hash: m.hash,
        }
    }
}

/// Filters of `GET /audit` (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub key: Option<String>,
    /// The actor's username.
    pub actor: Option<String>,
    pub operation: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub request_id: Option<String>,
}

fn filtered(
    reach: &crate::access::AuditReach,
    filter: &AuditFilter,
) -> sea_orm::Select<audit_entry::Entity> {
    use audit_entry::Column as C;
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = Entries::find();
    if let crate::access::AuditReach::Province(code) = reach {
        select = select.filter(C::ProvinceCode.eq(code.as_str()));
    }
    let text = [
        (C::Entity, &filter.entity),
        (C::EntityKey, &filter.key),
        (C::ActorUsername, &filter.actor),
        (C::Operation, &filter.operation),
        (C::RequestId, &filter.request_id),
    ];
    for (column, value) in text {
        if let Some(value) = value {
            select = select.filter(column.eq(value.as_str()));
        }
    }
    if let Some(from) = filter.from {
        select = select.filter(C::At.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(C::At.lt(to));
    }
    select.order_by_desc(C::Id)
}

/// A page of the entries a reader reaches, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    reach: &crate::access::AuditReach,
    filter: &AuditFilter,
    page: crate::pagination::PageRequest,
) -> Result<crate::pagination::Page<AuditEntryView>, DbErr> {
    let rows = crate::services::fetch_page(db, filtered(reach, filter), page).await?;
    Ok(rows.map(AuditEntryView::from))
}

/// Rows a CSV export holds at most: narrow the time range for more.
pub const MAX_CSV_ROWS: u64 = 100_000;

/// Every entry a reader reaches, newest first, as CSV for spreadsheets (UTF-8 with BOM;
/// cells that a spreadsheet would run as a formula are quoted with `'`). More than
/// [`MAX_CSV_ROWS`] is a 422 naming `to`.
pub async fn to_csv<C: ConnectionTrait>(
    db: &C,
    reach: &crate::access::AuditReach,
    filter: &AuditFilter,
) -> crate::error::Result<Vec<u8>> {
    use crate::error::{ApiError, ErrorCode};
    use sea_orm::PaginatorTrait;
    let select = filtered(reach, filter);
    let count = select.clone().count(db).await?;
    if count > MAX_CSV_ROWS {
        return Err(ApiError::invalid(
            ErrorCode::OutOfRange,
            "to",
            format!(
                "{count} entries match; a CSV holds at most {MAX_CSV_ROWS}: narrow the time range (from, to)"
            ),
        ));
    }
    let failed = |e: csv::Error| ApiError::Internal(e.into());
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record([
        "id",
        "at",
        "actor",
        "actor_role",
        "actor_scope",
        "request_id",
        "client_addr",
        "via",
        "entity",
        "key",
        "operation",
        "province_code",
        "changes",
        "detail",
        "hash",
    ])
    .map_err(failed)?;
    let mut pages = select.paginate(db, 1000);
    while let Some(rows) = pages.fetch_and_next().await? {
        for m in rows {
            let cells = [
                m.id.to_string(),
                m.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                m.actor_username.unwrap_or_default(),
                m.actor_role.unwrap_or_default(),
                m.actor_scope.unwrap_or_default(),
                m.request_id.unwrap_or_default(),
                m.client_addr.unwrap_or_default(),
                m.via,
                m.entity,
                m.entity_key,
                m.operation,
                m.province_code.unwrap_or_default(),
                m.changes.unwrap_or_default(),
                m.detail.unwrap_or_default(),
                m.hash,
            ];
            w.write_record(
                cells
                    .iter()
                    .map(|c| crate::services::reports::spreadsheet_safe(c).into_owned()),
            )
            .map_err(failed)?;
        }
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_names_each_changed_path() {
        let before = json!({"name": "Kỳ Lạc", "summary": {"met": 11, "total": 19},
            "criteria": [{"code": "1", "t": 1}, {"code": "2", "t": 2}]});
        let after = json!({"name": "Kỳ Lạc", "summary": {"met": 12, "total": 19},
            "criteria": [{"code": "1", "t": 1}, {"code": "2", "t": 3}], "new": true});
        assert_eq!(
            diff(Some(&before), Some(&after)),
            json!({
                "summary.met": {"before": 11, "after": 12},
                "criteria[1].t": {"before": 2, "after": 3},
                "new": {"before": null, "after": true},
            })
        );
        assert_eq!(diff(Some(&before), Some(&before)), json!({}));
        let created = diff(None, Some(&json!({"a": 1})));
        assert_eq!(created, json!({"a": {"before": null, "after": 1}}));
    }

    #[test]
    fn stored_text_has_no_nul_and_fits() {
        assert_eq!(clean("a\0b", 10), "a\u{fffd}b");
        assert_eq!(clean("ăâêô", 2), "ăâ");
    }

    #[test]
    fn the_hash_covers_every_field() {
        let at = Utc::now().trunc_subsecs(6);
        let m = audit_entry::Model {
            id: 1,
            at,
            actor_id: Some(1),
            actor_username: Some("admin".into()),
            actor_role: Some("admin".into()),
            actor_scope: None,
            request_id: None,
            client_addr: None,
            user_agent: None,
            via: "x".into(),
            entity: "unit".into(),
            entity_key: "k".into(),
            operation: "update".into(),
            province_code: None,
            changes: Some("{}".into()),
            detail: None,
            prev_hash: String::new(),
            hash: String::new(),
            created_at: at,
            updated_at: at,
        };
        let mut changed = m.clone();
        changed.changes = Some("{\"a\":1}".into());
        assert_ne!(hash_of(&m), hash_of(&changed));
        let mut relinked = m.clone();
        relinked.prev_hash = "00".into();
        assert_ne!(hash_of(&m), hash_of(&relinked));
        // The id is not hashed: an entry's place is its link to the one before.
        let mut renumbered = m.clone();
        renumbered.id = 2;
        assert_eq!(hash_of(&m), hash_of(&renumbered));
    }
}
