//! Multi-row inserts: one statement per few hundred rows keeps seeding to seconds on both
//! databases, where one statement per row would take minutes on PostgreSQL.

use crate::db::{Param, bind};
use crate::error::{AppError, Result};
use sqlx::AnyConnection;

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

    /// Inserts every queued row.
    pub async fn finish(&mut self, conn: &mut AnyConnection) -> Result<()> {
        let n = self.width;
        let per = self.rows_per_statement();
        let sqlite = conn.backend_name() == "SQLite";
        let queued = self.values.len() / n;
        let full = queued / per;
        if full > 0 {
            let sql = self.statement(per, sqlite);
            for chunk in self.values[..full * per * n].chunks(per * n) {
                bind(crate::db::query(&sql), chunk)
                    .execute(&mut *conn)
                    .await?;
            }
            self.values.drain(..full * per * n);
            self.inserted += (full * per) as i64;
        }
        let rest = self.values.len() / n;
        if rest > 0 {
            let sql = self.statement(rest, sqlite);
            bind(crate::db::query(&sql), &self.values)
                .execute(&mut *conn)
                .await?;
            self.values.clear();
            self.inserted += rest as i64;
        }
        Ok(())
    }
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
        let rows: Vec<(i64,)> = crate::db::query_as(&format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
        ))
        .bind(n as i64)
        .fetch_all(&mut *conn)
        .await?;
        return Ok(rows.into_iter().map(|(id,)| id).collect());
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
