//! Multi-row inserts: one statement per few hundred rows keeps seeding to seconds on both
//! databases, where one statement per row would take minutes on PostgreSQL.

use crate::db::Param;
use crate::error::{AppError, Result};
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Rows per statement; also bounded so a statement stays far below both databases' limits on
/// bound parameters (SQLite 32,766, PostgreSQL 65,535).
const MAX_ROWS: usize = 400;
const MAX_PARAMS: usize = 20_000;

pub struct Rows {
    table: &'static str,
    /// Comma-separated, as written in the statement.
    columns: &'static str,
    width: usize,
    values: Vec<Param>,
    /// Appended to each statement, e.g. an `ON CONFLICT … DO UPDATE` clause.
    suffix: &'static str,
    /// The text of a full statement, made once per backend.
    full_sql: Option<(bool, Arc<str>)>,
    pub inserted: i64,
}

impl Rows {
    pub fn new(table: &'static str, columns: &'static str) -> Rows {
        Rows {
            table,
            columns,
            width: columns.split(',').count(),
            values: Vec::new(),
            suffix: "",
            full_sql: None,
            inserted: 0,
        }
    }

    /// The same rows as upserts: `clause` follows the values (`ON CONFLICT (…) DO UPDATE SET …`).
    /// A statement must not name the same key twice; callers queue each key once.
    pub fn on_conflict(mut self, clause: &'static str) -> Rows {
        self.suffix = clause;
        self
    }

    /// Queues one row; its values follow the column list. Callers finish after each hamlet,
    /// so the queue stays small.
    pub fn push(&mut self, row: Vec<Param>) -> Result<()> {
        if row.len() != self.width {
            return Err(AppError::Internal(format!(
                "batch insert: {} values for {} columns of {}",
                row.len(),
                self.width,
                self.table
            )));
        }
        self.values.extend(row);
        Ok(())
    }

    fn rows_per_statement(&self) -> usize {
        (MAX_PARAMS / self.width).clamp(1, MAX_ROWS)
    }

    /// SQLite looks up every `$N` (and `?N`) parameter by name in a linear list, which makes a
    /// statement with thousands of them quadratic to prepare and bind; plain `?` is positional.
    fn statement(&self, rows: usize, sqlite: bool) -> String {
        let n = self.width;
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns);
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..n {
                if c > 0 {
                    sql.push_str(", ");
                }
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&(r * n + c + 1).to_string());
                }
            }
            sql.push(')');
        }
        if !self.suffix.is_empty() {
            sql.push(' ');
            sql.push_str(self.suffix);
        }
        sql
    }

    /// The next full statement's worth of queued rows, if there is one. Full statements all
    /// have the same text, so the database prepares it once.
    fn take_full(&mut self, sqlite: bool) -> Result<Option<Statement>> {
        let per = self.rows_per_statement();
        if self.values.len() < per * self.width {
            return Ok(None);
        }
        let sql = match &self.full_sql {
            Some((b, sql)) if *b == sqlite => sql.clone(),
            _ => {
                let sql: Arc<str> = self.statement(per, sqlite).into();
                self.full_sql = Some((sqlite, sql.clone()));
                sql
            }
        };
        let args = arguments(self.values.drain(..per * self.width))?;
        self.inserted += per as i64;
        Ok(Some(Statement::new(sql, args)))
    }

    /// Every queued row, as statements.
    fn take_all(&mut self, sqlite: bool) -> Result<Vec<Statement>> {
        let mut out = Vec::new();
        while let Some(s) = self.take_full(sqlite)? {
            out.push(s);
        }
        let rest = self.values.len() / self.width;
        if rest > 0 {
            let sql: Arc<str> = self.statement(rest, sqlite).into();
            out.push(Statement::new(sql, arguments(self.values.drain(..))?));
            self.inserted += rest as i64;
        }
        Ok(out)
    }

    /// Inserts every queued row.
    pub async fn finish(&mut self, conn: &mut AnyConnection) -> Result<()> {
        let sqlite = conn.backend_name() == "SQLite";
        for s in self.take_all(sqlite)? {
            s.run(conn).await?;
        }
        Ok(())
    }
}

/// Moves values into a statement's arguments (text is not copied again).
pub(crate) fn arguments(values: impl Iterator<Item = Param>) -> Result<AnyArguments<'static>> {
    let mut args = AnyArguments::default();
    let (n, _) = values.size_hint();
    args.reserve(n, 0);
    for v in values {
        match v {
            Param::Int(v) => args.add(v),
            Param::Text(v) => args.add(v),
            Param::NullInt => args.add(None::<i64>),
            Param::NullText => args.add(None::<String>),
        }
        .map_err(|e| AppError::Internal(format!("batch insert: {e}")))?;
    }
    Ok(args)
}

/// One statement with its values, ready to run now or on a pipeline's writer.
pub struct Statement {
    sql: Arc<str>,
    args: AnyArguments<'static>,
    /// Rows it must change, and the message when it does not (a row changed meanwhile).
    expect: Option<(u64, &'static str)>,
}

impl Statement {
    pub fn new(sql: Arc<str>, args: AnyArguments<'static>) -> Statement {
        Statement {
            sql,
            args,
            expect: None,
        }
    }

    /// Fails with `message` (for the user) unless exactly `rows` rows change.
    pub fn expecting(mut self, rows: u64, message: &'static str) -> Statement {
        self.expect = Some((rows, message));
        self
    }

    pub async fn run(self, conn: &mut AnyConnection) -> Result<()> {
        let done = crate::db::query_with(&self.sql, self.args)
            .execute(&mut *conn)
            .await?;
        match self.expect {
            Some((rows, message)) if done.rows_affected() != rows => {
                Err(AppError::invalid(message))
            }
            _ => Ok(()),
        }
    }
}

/// Statements waiting for a pipeline's writer; a few, so memory stays bounded.
const QUEUED: usize = 4;
/// Rows pushed between two chances for the writer to send the next statement.
const YIELD_EVERY: u32 = 8;

/// The producing side of [`pipeline`]: rows pushed here are written by the writer, in order,
/// while the caller goes on preparing the next ones.
pub struct Queue {
    tx: mpsc::Sender<Statement>,
    sqlite: bool,
    pushed: std::sync::atomic::AtomicU32,
}

impl Queue {
    pub fn sqlite(&self) -> bool {
        self.sqlite
    }

    /// Queues a row; a full statement's worth goes to the writer.
    pub async fn push(&self, rows: &mut Rows, row: Vec<Param>) -> Result<()> {
        rows.push(row)?;
        if let Some(s) = rows.take_full(self.sqlite)? {
            self.send(s).await?;
        }
        // The writer runs on this task: it must be let in to read an answer and send the
        // next statement while the database would otherwise wait.
        let n = self
            .pushed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if (n + 1).is_multiple_of(YIELD_EVERY) {
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// Sends the full statements' worth of rows queued with [`Rows::push`].
    pub async fn flush(&self, rows: &mut Rows) -> Result<()> {
        while let Some(s) = rows.take_full(self.sqlite)? {
            self.send(s).await?;
        }
        Ok(())
    }

    /// Sends what is left of `rows` to the writer.
    pub async fn finish(&self, rows: &mut Rows) -> Result<()> {
        for s in rows.take_all(self.sqlite)? {
            self.send(s).await?;
        }
        Ok(())
    }

    pub async fn send(&self, statement: Statement) -> Result<()> {
        // Closed only when the writer stopped on an error, which the pipeline reports.
        self.tx
            .send(statement)
            .await
            .map_err(|_| AppError::Internal("batch: the writer stopped".into()))?;
        // Let the writer start on it now if the database is idle.
        tokio::task::yield_now().await;
        Ok(())
    }
}

/// Writes on `conn` while the caller prepares: `produce` pushes rows into the [`Queue`] and the
/// writer runs each statement in order as soon as the previous one is done, so the database
/// works on one statement while this process builds the next instead of each waiting on the
/// other (on PostgreSQL about half the two cores sat idle during a large import). Both run on
/// the calling task; nothing else may use `conn` meanwhile, and the statements see no answer:
/// `produce` reads nothing from the database. The writer's error comes first: it is the cause
/// of the producer's.
pub async fn pipeline<T>(
    conn: &mut AnyConnection,
    produce: impl AsyncFnOnce(&Queue) -> Result<T>,
) -> Result<T> {
    let (tx, mut rx) = mpsc::channel::<Statement>(QUEUED);
    let queue = Queue {
        tx,
        sqlite: conn.backend_name() == "SQLite",
        pushed: std::sync::atomic::AtomicU32::new(0),
    };
    let producer = async move {
        let queue = queue;
        produce(&queue).await
        // The queue is dropped here: the writer ends once it has written what is queued.
    };
    let writer = async move {
        while let Some(s) = rx.recv().await {
            s.run(&mut *conn).await?;
        }
        Ok::<(), AppError>(())
    };
    let (produced, written) = tokio::join!(producer, writer);
    written?;
    produced
}

/// `n` ids for rows of `table` written later in the same transaction, so a bulk write need not
/// read its rows back to learn them. On PostgreSQL they come from the table's sequence; on
/// SQLite the transaction holds the write lock, so the ids after the largest are free until it
/// commits.
pub async fn reserve_ids(
    conn: &mut AnyConnection,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if conn.backend_name() == "PostgreSQL" {
        // As one text: 100,000 rows through the driver took about 0.3 s. The sequence is
        // looked up once (in the select list it was looked up per row, 3 µs each).
        let (ids,): (String,) = crate::db::query_as(&format!(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS seq) \
             SELECT string_agg(nextval(s.seq)::text, ',') FROM s, generate_series(1, $1)"
        ))
        .bind(n as i64)
        .fetch_one(&mut *conn)
        .await?;
        return ids
            .split(',')
            .map(|id| {
                id.parse()
                    .map_err(|_| AppError::Internal(format!("reserve_ids: {id:?}")))
            })
            .collect();
    }
    let (max,): (i64,) = crate::db::query_as(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(&mut *conn)
        .await?;
    Ok((1..=n as i64).map(|k| max + k).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_placeholders_row_by_row() {
        let r = Rows::new("t", "a, b");
        assert_eq!(
            r.statement(2, false),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            r.statement(2, true),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(r.rows_per_statement(), 400);
        let wide: &'static str = vec!["c"; 100].join(", ").leak();
        assert_eq!(Rows::new("t", wide).rows_per_statement(), 200);
    }

    #[test]
    fn upserts_end_with_their_clause() {
        let r = Rows::new("t", "a, b").on_conflict("ON CONFLICT (a) DO UPDATE SET b = excluded.b");
        assert_eq!(
            r.statement(1, false),
            "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
        );
    }
}
