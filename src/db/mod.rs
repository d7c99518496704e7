//! The data layer: one codebase over SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Queries use `$1` placeholders, which both databases accept. Values are limited to what the
//! `Any` driver carries on both sides: `i64`, `String` and their `Option`s.

pub mod accounts;
pub mod activities;
pub mod areas;
pub mod assignments;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod businesses;
pub mod commune_details;
pub mod commune_reports;
pub mod communications;
pub mod conflicts;
pub mod consents;
pub mod field_changes;
pub mod figure_cache;
pub mod funding;
pub mod guides;
pub mod help;
pub mod help_requests;
pub mod households;
pub mod id_set;
pub mod imports;
pub mod indicator_sources;
pub mod indicators;
pub mod members;
pub mod migrate;
pub mod personal;
pub mod plans;
pub mod province_report;
pub mod replicas;
pub mod report_data;
pub mod reports;
pub mod residents;
pub mod scoring;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod sync;
pub mod teams;
pub mod tokens;
pub mod trainings;
pub mod worklists;
pub mod write_group;
pub mod yearend;

use crate::error::{AppError, Result};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where write transactions run. On SQLite one connection, kept apart: SQLite lets one
    /// writer in at a time anyway, and a connection that is the only one writing keeps its page
    /// cache between transactions, where connections taking turns would each read the pages
    /// the others changed again. On PostgreSQL the pool itself.
    writer: AnyPool,
    /// PostgreSQL replicas for `reader` (none unless configured).
    replicas: std::sync::Arc<replicas::Replicas>,
    /// Each commune's share of the province figures, kept while its version holds.
    figure_cache: std::sync::Arc<figure_cache::FigureCache>,
}

/// A bound value for dynamically built queries.
#[derive(Clone, Debug)]
pub enum Param {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Param::NullInt, Param::Int)
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        v.map_or(Param::NullText, Param::Text)
    }
}

/// Builds `WHERE` clauses with numbered placeholders.
#[derive(Default)]
pub struct Filter {
    pub clauses: Vec<String>,
    pub params: Vec<Param>,
}

impl Filter {
    /// Adds a clause in which `?` stands for the next parameter.
    pub fn add(&mut self, clause: &str, value: impl Into<Param>) {
        self.params.push(value.into());
        let n = self.params.len();
        self.clauses.push(clause.replace('?', &format!("${n}")));
    }
    pub fn raw(&mut self, clause: &str) {
        self.clauses.push(clause.to_string());
    }
    /// The next placeholder, for a `LIMIT`/`OFFSET` after the clauses.
    pub fn push(&mut self, value: impl Into<Param>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }
    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;
pub type QueryAs<'q, T> = sqlx::query::QueryAs<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>>;

pub fn bind<'q>(mut q: Query<'q>, params: &[Param]) -> Query<'q> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
            Param::NullInt => q.bind(None::<i64>),
            Param::NullText => q.bind(None::<String>),
        };
    }
    q
}

pub fn bind_as<'q, T>(mut q: QueryAs<'q, T>, params: &[Param]) -> QueryAs<'q, T> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
            Param::NullInt => q.bind(None::<i64>),
            Param::NullText => q.bind(None::<String>),
        };
    }
    q
}

/// The `VALUES` list of a multi-row insert: `rows` tuples, each its own `per_row` placeholders
/// followed by `shared` placeholders common to every row (bound once, after all the rows).
pub(crate) fn value_rows(rows: usize, per_row: usize, shared: usize) -> String {
    let first_shared = rows * per_row + 1;
    (0..rows)
        .map(|i| {
            let own = (1..=per_row).map(|k| format!("${}", i * per_row + k));
            let common = (0..shared).map(|k| format!("${}", first_shared + k));
            format!("({})", own.chain(common).collect::<Vec<_>>().join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Set once a connection is made for a pooler in transaction mode (a PostgreSQL URL with
/// `statement-cache-capacity=0`, see `config::behind_transaction_pooler`): from then on the
/// process prepares every statement unnamed, in the transaction that runs it, since a named
/// one would be left on a server session the next transaction may not reach.
static UNNAMED_STATEMENTS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// A URL made for a transaction pooler turns named statements off for the process.
fn note_pooler(url: &str) {
    if url.contains("statement-cache-capacity=0") {
        UNNAMED_STATEMENTS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn persistent() -> bool {
    !UNNAMED_STATEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// `sqlx::query`, prepared unnamed behind a transaction pooler. Every query goes through
/// these three.
pub fn query(sql: &str) -> Query<'_> {
    sqlx::query(sql).persistent(persistent())
}

/// `sqlx::query_as`, prepared unnamed behind a transaction pooler.
pub fn query_as<'q, T>(sql: &'q str) -> QueryAs<'q, T>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow>,
{
    sqlx::query_as(sql).persistent(persistent())
}

/// `sqlx::query_with`: values gathered beforehand (`batch::Statement`), same preparation.
pub fn query_with<'q>(sql: &'q str, args: sqlx::any::AnyArguments<'q>) -> Query<'q> {
    sqlx::query_with(sql, args).persistent(persistent())
}

/// Takes a commune's row out of every list and sum (`active = 0`), keeping it for the record;
/// 404 when the commune has no such row still active.
pub async fn deactivate(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    commune: i64,
    id: i64,
) -> Result<()> {
    let n = query(&format!(
        "UPDATE {table} SET active = 0 WHERE id = $1 AND commune_id = $2 AND active = 1"
    ))
    .bind(id)
    .bind(commune)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(crate::error::AppError::NotFound);
    }
    Ok(())
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Today's date in Vietnam (UTC+7), as `yyyy-mm-dd`.
pub fn today() -> String {
    crate::indicators::period::today_iso()
}

impl Db {
    /// Connects to `sqlite://path` (creating the file and its directory) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                return Err(AppError::Config(
                    "Cơ sở dữ liệu SQLite cần một đường dẫn tệp, ví dụ sqlite://data/congdongso.db"
                        .into(),
                ));
            }
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::Config(format!("Không tạo được thư mục dữ liệu {dir:?}: {e}"))
                })?;
            }
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            note_pooler(url);
            (Backend::Postgres, url.to_string())
        } else {
            return Err(AppError::Config(format!(
                "Địa chỉ cơ sở dữ liệu không hợp lệ: phải bắt đầu bằng sqlite:// hoặc postgres:// (nhận được «{}»)",
                url.split(':').next().unwrap_or("")
            )));
        };
        let options = || AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            let pool = sqlite_options(options(), 8, 2_000).connect(&url).await?;
            // The writer keeps more pages: the indexes a help record touches stay in memory.
            let writer = sqlite_options(options(), 1, 16_384).connect(&url).await?;
            Ok(Db {
                pool,
                backend,
                writer,
                replicas: Default::default(),
                figure_cache: Default::default(),
            })
        } else {
            let pool = options().max_connections(16).connect(&url).await?;
            Ok(Db {
                writer: pool.clone(),
                pool,
                backend,
                replicas: Default::default(),
                figure_cache: Default::default(),
            })
        }
    }

    /// Closes every connection (before the database file is replaced or removed).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    pub async fn fetch_all<T>(&self, sql: &str, params: &[Param]) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        let q = bind_as(query_as::<T>(sql), params);
        if persistent() {
            return Ok(q.fetch_all(&self.pool).await?);
        }
        let mut tx = self.pool.begin().await?;
        let rows = q.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    pub async fn fetch_optional<T>(&self, sql: &str, params: &[Param]) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        let q = bind_as(query_as::<T>(sql), params);
        if persistent() {
            return Ok(q.fetch_optional(&self.pool).await?);
        }
        let mut tx = self.pool.begin().await?;
        let row = q.fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn fetch_one<T>(&self, sql: &str, params: &[Param]) -> Result<T>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        self.fetch_optional(sql, params)
            .await?
            .ok_or(AppError::Db(sqlx::Error::RowNotFound))
    }

    pub async fn scalar_i64(&self, sql: &str, params: &[Param]) -> Result<i64> {
        let (v,): (i64,) = self.fetch_one(sql, params).await?;
        Ok(v)
    }

    /// A write outside a transaction; on SQLite it queues for the writer's connection like a
    /// write transaction, rather than polling for SQLite's lock.
    pub async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64> {
        let q = bind(query(sql), params);
        if persistent() {
            return Ok(q.execute(&self.writer).await?.rows_affected());
        }
        let mut tx = self.writer.begin().await?;
        let n = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// A read-only view inside a transaction, for several reads on one connection (behind a
    /// transaction pooler a connection outside a transaction may change server between two
    /// statements). Dropped, it rolls back.
    pub async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.pool.begin().await?)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// two concurrent read-then-write transactions wait for each other instead of failing.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// Refreshes the planner's statistics of `tables` (every table when empty) after a bulk
    /// load, so query plans do not wait for autovacuum (which a server may run without) or, on
    /// SQLite, run on no statistics at all. SQLite reads at most 1,000 rows of each index (its
    /// `analysis_limit`), so this stays quick on a province-sized file. Names come from code.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        match self.backend {
            Backend::Postgres if tables.len() > 1 => {
                // On two connections at once: each ANALYZE uses one core.
                let (a, b): (Vec<&str>, Vec<&str>) = {
                    let (a, b): (Vec<_>, Vec<_>) =
                        tables.iter().enumerate().partition(|(i, _)| i % 2 == 0);
                    (
                        a.into_iter().map(|(_, t)| *t).collect(),
                        b.into_iter().map(|(_, t)| *t).collect(),
                    )
                };
                let (a, b) = (
                    format!("ANALYZE {}", a.join(", ")),
                    format!("ANALYZE {}", b.join(", ")),
                );
                let (a, b) = tokio::join!(self.execute(&a, &[]), self.execute(&b, &[]));
                a?;
                b?;
            }
            Backend::Postgres => {
                self.execute(&format!("ANALYZE {}", tables.join(", ")), &[])
                    .await?;
            }
            Backend::Sqlite => {
                // One connection: the limit is a setting of the connection that analyses.
                let mut conn = self.pool.acquire().await?;
                crate::db::query("PRAGMA analysis_limit = 1000")
                    .execute(&mut *conn)
                    .await?;
                if tables.is_empty() {
                    crate::db::query("ANALYZE").execute(&mut *conn).await?;
                }
                for t in tables {
                    crate::db::query(&format!("ANALYZE {t}"))
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// After rows were inserted with explicit ids, moves PostgreSQL's identity past them.
    pub async fn reset_sequences(&self, tables: &[&str]) -> Result<()> {
        if self.backend == Backend::Postgres {
            for t in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                     (SELECT COALESCE(MAX(id), 0) + 1 FROM {t}), false)"
                );
                self.execute(&sql, &[]).await?;
            }
        }
        Ok(())
    }
}

/// A SQLite pool of `connections`, each keeping up to `cache_kib` KiB of pages.
fn sqlite_options(options: AnyPoolOptions, connections: u32, cache_kib: u32) -> AnyPoolOptions {
    options
        .max_connections(connections)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run while one writer writes; synchronous=FULL so that an
                // acknowledged write survives a power cut, not only a process crash.
                conn.execute(
                    format!(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                         PRAGMA cache_size = -{cache_kib};"
                    )
                    .as_str(),
                )
                .await?;
                Ok(())
            })
        })
}

impl Filter {
    /// Limits rows to the caller's personal-data scope (`commune_id`, `hamlet_id` columns, and
    /// `household` — the column holding the household id — when only assigned households count).
    pub fn scope(&mut self, scope: crate::auth::PersonalScope, prefix: &str, household: &str) {
        self.add(&format!("{prefix}commune_id = ?"), scope.commune_id);
        // Residents only (`household` names the residents' household column): a withdrawn
        // consent hides the person from the hamlet's team.
        if scope.consented_only && household == "household_id" {
            self.raw(&format!("{prefix}consent = 1"));
        }
        if let Some(h) = scope.hamlet_id {
            self.add(&format!("{prefix}hamlet_id = ?"), h);
        }
        if let Some(m) = scope.assigned_to {
            self.add(
                &format!(
                    "{prefix}{household} IN (SELECT household_id FROM household_assignments WHERE member_id = ?)"
                ),
                m,
            );
        }
    }

    /// Every word of `q` must appear in the folded `search_text` column.
    pub fn search(&mut self, column: &str, q: &str) {
        for word in crate::text::fold(q).split(' ').filter(|w| !w.is_empty()) {
            self.add(
                &format!("{column} LIKE ? ESCAPE '\\'"),
                format!("%{}%", crate::text::like_escape(word)),
            );
        }
    }
}

/// A page of a list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
}
