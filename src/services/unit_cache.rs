//! An in-memory read model of the administrative units for the public reads.
//!
//! Units are reference data: 14,165 rows read constantly and written rarely. Lists and
//! searches are served from a snapshot in memory instead of the database. The snapshot is
//! rebuilt on the next read after a unit write commits in this process, and a poller checks
//! the change feed every two seconds so writes made by another instance (or by
//! `ntm-api import`) show within that time. Writes and their validation always read the
//! database inside their transaction, never this cache.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use entity::unit;

use crate::domain::text::fold;
use crate::domain::units::{resolve_version, Level};
use crate::error::{ApiError, Result};
use crate::pagination::{Page, PageRequest};
use crate::services::units::{period_of, today, UnitFilter};

/// Serialized answers kept per snapshot: at most this many, of at most this many bytes in
/// all (then the map is cleared and fills again). Searches are kept too: type-ahead repeats
/// the same few thousand prefixes, and a page of 20 communes is about 8 KB.
const MAX_CACHED_RESPONSES: usize = 4096;
const MAX_CACHED_BYTES: usize = 32 * 1024 * 1024;

/// A serialized answer and the `ETag` it goes out with (computed once, with the body).
#[derive(Clone)]
pub struct Answer {
    pub body: bytes::Bytes,
    pub tag: Arc<str>,
}

/// The answers kept for one snapshot, and their size.
#[derive(Default)]
struct Answers {
    map: HashMap<String, Answer>,
    bytes: usize,
}

/// The one-, two- and three-byte grams of each row's `search_ascii`, each row listed once per
/// gram, in row order.
fn index_grams(rows: &[unit::Model]) -> HashMap<u32, Vec<u32>> {
    let mut grams: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let text = row.search_ascii.as_bytes();
        for width in 1..=GRAM {
            for window in text.windows(width) {
                let list = grams.entry(gram_key(window)).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
    }
    for list in grams.values_mut() {
        list.shrink_to_fit();
    }
    grams
}

/// One consistent view of every unit version.
pub struct Snapshot {
    /// The change-feed position this snapshot includes.
    pub seq: i64,
    /// Serialized answers to repeated reads (lists, searches, single units), valid for this
    /// snapshot only.
    responses: std::sync::Mutex<Answers>,
    /// Versions per level, ordered by code, then `valid_from` (open start first), then id.
    by_level: HashMap<Level, Vec<unit::Model>>,
    /// Positions in `by_level` of each code's versions.
    by_code: HashMap<(Level, String), Vec<usize>>,
    /// Per level, the positions in `by_level` of the rows whose `search_ascii` holds each
    /// one-, two- and three-byte gram (ascending, each row once): a search reads the rows of its
    /// rarest gram instead of every row of the level.
    grams: HashMap<Level, HashMap<u32, Vec<u32>>>,
}

/// A gram of `search_ascii` as a key: its length in the top byte, its bytes below.
fn gram_key(gram: &[u8]) -> u32 {
    gram.iter().fold(0u32, |key, b| key << 8 | *b as u32) | (gram.len() as u32) << 24
}

/// Grams of one to three bytes are indexed; a longer query is looked up by its rarest
/// three-byte window and checked against each row of it.
const GRAM: usize = 3;

impl Snapshot {
    fn build(seq: i64, mut rows: Vec<unit::Model>) -> Self {
        rows.sort_by(|a, b| {
            (a.level.as_str(), a.code.as_str(), a.valid_from, a.id).cmp(&(
                b.level.as_str(),
                b.code.as_str(),
                b.valid_from,
                b.id,
            ))
        });
        let mut by_level: HashMap<Level, Vec<unit::Model>> = HashMap::new();
        for row in rows {
            by_level.entry(row.level).or_default().push(row);
        }
        let mut by_code: HashMap<(Level, String), Vec<usize>> = HashMap::new();
        for (level, rows) in &by_level {
            for (i, row) in rows.iter().enumerate() {
                by_code
                    .entry((*level, row.code.clone()))
                    .or_default()
                    .push(i);
            }
        }
        let grams = by_level
            .iter()
            .map(|(level, rows)| (*level, index_grams(rows)))
            .collect();
        Snapshot {
            seq,
            by_level,
            by_code,
            grams,
            responses: Default::default(),
        }
    }

    /// The positions of the rows of `level` that may contain `q` (folded, not empty):
    /// those of its rarest gram. A query of at most [`GRAM`] bytes is a gram itself, and
    /// its rows are exactly those that contain it.
    fn candidates(&self, level: Level, q: &[u8]) -> &[u32] {
        let Some(grams) = self.grams.get(&level) else {
            return &[];
        };
        let mut rarest: &[u32] = &[];
        for (n, window) in q.windows(q.len().min(GRAM)).enumerate() {
            let Some(rows) = grams.get(&gram_key(window)) else {
                return &[];
            };
            if n == 0 || rows.len() < rarest.len() {
                rarest = rows;
            }
        }
        rarest
    }

    /// The units of `level` that match every filter given, one page of them: those whose
    /// folded name (or type and name) is exactly `q` first, then the others, each group in
    /// code order. `q` matches anywhere in the folded type and name (`search_ascii`): a
    /// prefix, an inner word, part of a word.
    pub fn list(&self, level: Level, f: &UnitFilter, request: PageRequest) -> Page<&unit::Model> {
        let q = f.q.as_deref().map(fold).filter(|q| !q.is_empty());
        let matches = |u: &unit::Model| {
            f.standing.as_ref().is_none_or(|s| s.matches(u))
                && f.province
                    .as_ref()
                    .is_none_or(|p| u.province_code.as_ref() == Some(p))
                && f.district
                    .as_ref()
                    .is_none_or(|d| u.district_code.as_ref() == Some(d))
                && f.commune
                    .as_ref()
                    .is_none_or(|c| u.commune_code.as_ref() == Some(c))
                && f.on.is_none_or(|day| period_of(u).contains(day))
        };
        let rows = self.by_level.get(&level).map(Vec::as_slice).unwrap_or(&[]);
        let skip = request.offset();
        let end = skip.saturating_add(request.per_page);
        // Without a query every row of the level is a candidate; with one, the rows of its
        // rarest gram, checked whole when the query is longer than a gram. Exact names are
        // kept apart to go first; of the others, only as many as the page can reach are
        // kept, the rest counted.
        let candidates: Box<dyn Iterator<Item = &unit::Model>> = match q.as_deref() {
            None => Box::new(rows.iter()),
            Some(q) => Box::new(
                self.candidates(level, q.as_bytes())
                    .iter()
                    .map(|&i| &rows[i as usize]),
            ),
        };
        let finder = q
            .as_deref()
            .filter(|q| q.len() > GRAM)
            .map(memchr::memmem::Finder::new);
        let mut exact = Vec::new();
        let mut others = Vec::new();
        let mut total = 0u64;
        for u in candidates {
            if finder
                .as_ref()
                .is_some_and(|f| f.find(u.search_ascii.as_bytes()).is_none())
                || !matches(u)
            {
                continue;
            }
            total += 1;
            if q.as_deref()
                .is_some_and(|q| u.name_ascii == q || u.search_ascii == q)
            {
                exact.push(u);
            } else if (others.len() as u64) < end {
                others.push(u);
            }
        }
        let items = exact
            .into_iter()
            .chain(others)
            .skip(Ord::min(skip, total) as usize)
            .take(request.per_page as usize)
            .collect();
        request.page_of(items, total)
    }

    /// Same semantics as [`crate::services::units::find_on`].
    pub fn find_on(&self, level: Level, code: &str, on: Option<NaiveDate>) -> Option<&unit::Model> {
        let rows = self.by_level.get(&level)?;
        let versions: Vec<&unit::Model> = self
            .by_code
            .get(&(level, code.to_string()))?
            .iter()
            .map(|i| &rows[*i])
            .collect();
        resolve_version(&versions, |v| period_of(v), on, today()).map(|i| versions[i])
    }

    /// The answer kept under `key` for this snapshot, or `make`'s, then kept.
    pub fn cached<E>(
        &self,
        key: String,
        make: impl FnOnce() -> Result<Answer, E>,
    ) -> Result<Answer, E> {
        if let Some(hit) = self.lock_responses().map.get(&key) {
            return Ok(hit.clone());
        }
        let answer = make()?;
        let mut responses = self.lock_responses();
        let size = key.len() + answer.body.len() + answer.tag.len();
        if responses.map.len() >= MAX_CACHED_RESPONSES
            || responses.bytes.saturating_add(size) > MAX_CACHED_BYTES
        {
            *responses = Answers::default();
        }
        if size <= MAX_CACHED_BYTES && responses.map.insert(key, answer.clone()).is_none() {
            responses.bytes += size;
        }
        Ok(answer)
    }

    fn lock_responses(&self) -> std::sync::MutexGuard<'_, Answers> {
        self.responses.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Like [`Self::find_on`], 404 when there is none.
    pub fn get_on(&self, level: Level, code: &str, on: Option<NaiveDate>) -> Result<&unit::Model> {
        self.find_on(level, code, on).ok_or_else(|| match on {
            Some(day) => ApiError::NotFound(format!(
                "no {} with the code {code} was valid on {day}",
                level.noun()
            )),
            None => ApiError::NotFound(format!("no {} has the code {code}", level.noun())),
        })
    }
}

pub struct UnitCache {
    snapshot: RwLock<Arc<Snapshot>>,
    dirty: AtomicBool,
    reload: tokio::sync::Mutex<()>,
}

impl Default for UnitCache {
    fn default() -> Self {
        UnitCache {
            snapshot: RwLock::new(Arc::new(Snapshot::build(0, Vec::new()))),
            dirty: AtomicBool::new(true),
            reload: tokio::sync::Mutex::new(()),
        }
    }
}

/// Every unit row. Streamed: collecting `all()` holds the driver's rows and the models at
/// once, and on SQLite that transient peak (about 50 MiB for the 14,165 reference units)
/// stayed in the allocator's caches after the first list request (docs/BENCHMARKS.md).
async fn load_units(db: &DatabaseConnection) -> Result<Vec<unit::Model>> {
    use futures_util::TryStreamExt;
    let select = unit::Entity::find().filter(unit::Column::Id.gt(0));
    let mut rows = Vec::with_capacity(select.clone().count(db).await? as usize);
    let mut stream = select.order_by_asc(unit::Column::Id).stream(db).await?;
    while let Some(row) = stream.try_next().await? {
        rows.push(row);
    }
    Ok(rows)
}

async fn unit_seq<C: ConnectionTrait>(db: &C) -> Result<i64> {
    let query = Query::select()
        .expr(Func::coalesce([
            Expr::from(Func::max(Expr::col(entity::change::Column::Seq))),
            Expr::val(0i64),
        ]))
        .from(entity::change::Entity)
        .and_where(Expr::col(entity::change::Column::Entity).eq("unit"))
        .to_owned();
    let row = db.query_one(&query).await?;
    Ok(row
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0))
}

impl UnitCache {
    /// Marks the snapshot stale; call after a unit write commits.
    pub fn invalidate(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The current snapshot, rebuilt first when stale (one rebuild at a time).
    pub async fn snapshot(&self, db: &DatabaseConnection) -> Result<Arc<Snapshot>> {
        if !self.dirty.load(Ordering::Acquire) {
            return Ok(self.current());
        }
        let _guard = self.reload.lock().await;
        if !self.dirty.load(Ordering::Acquire) {
            return Ok(self.current());
        }
        self.dirty.store(false, Ordering::Release);
        let seq = unit_seq(db).await;
        let rows = load_units(db).await;
        let (seq, rows) = match (seq, rows) {
            (Ok(seq), Ok(rows)) => (seq, rows),
            (Err(e), _) | (_, Err(e)) => {
                self.invalidate();
                return Err(e);
            }
        };
        let snapshot = Arc::new(Snapshot::build(seq, rows));
        match self.snapshot.write() {
            Ok(mut s) => *s = snapshot.clone(),
            Err(poisoned) => *poisoned.into_inner() = snapshot.clone(),
        }
        tracing::debug!(seq, "unit snapshot rebuilt");
        metrics::counter!("ntm_unit_snapshot_rebuilds_total").increment(1);
        Ok(snapshot)
    }

    /// Polls the change feed and marks the snapshot stale when another process changed a
    /// unit. Ends when the cache is dropped.
    pub fn watch(cache: Weak<UnitCache>, db: DatabaseConnection, every: Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(cache) = cache.upgrade() else { break };
                match unit_seq(&db).await {
                    Ok(seq) => {
                        let behind = std::cmp::max(seq - cache.current().seq, 0);
                        metrics::gauge!("ntm_unit_feed_behind").set(behind as f64);
                        metrics::gauge!("ntm_unit_poll_last_success_timestamp_seconds")
                            .set(chrono::Utc::now().timestamp() as f64);
                        if behind > 0 {
                            cache.invalidate();
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "unit change poll failed"),
                }
            }
        });
    }
}
