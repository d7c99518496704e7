//! Writes that do not read each other, sent to PostgreSQL as one statement.
//!
//! Each statement is a round trip, and on PostgreSQL a round trip costs more CPU than the
//! small writes of a sync batch themselves: with ten phones two thirds of the backends' time
//! was the kernel's network path (issue 16, `perf record`). Writes that need nothing from one
//! another (the helps, their log, audit, history and statuses; then the indicator sources and
//! counts) go as the parts of one `WITH … AS (INSERT …)` statement. PostgreSQL runs every part
//! to completion, checks constraints and fires statement triggers at its end, and the parts
//! cannot see each other's rows, which is why only writes that do not read them belong here.
//! SQLite runs them one by one as before: its statements cost no round trip.

use super::Param;
use crate::error::Result;
use sqlx::AnyConnection;

/// Bound parameters per combined statement, well under PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// Statements gathered to run together, each with its own `$1…$n`.
#[derive(Default)]
pub struct WriteGroup {
    parts: Vec<(String, Vec<Param>)>,
}

impl WriteGroup {
    pub fn new() -> WriteGroup {
        WriteGroup::default()
    }

    /// Adds a statement. Its text holds no `$` other than its placeholders (texts made in
    /// code, values bound).
    pub fn push(&mut self, sql: String, params: Vec<Param>) {
        self.parts.push((sql, params));
    }

    /// Runs every statement gathered, in order; on PostgreSQL as few statements as the
    /// parameter limit allows.
    pub async fn run(self, conn: &mut AnyConnection) -> Result<()> {
        if conn.backend_name() != "PostgreSQL" {
            for (sql, params) in &self.parts {
                super::bind(crate::db::query(sql), params)
                    .execute(&mut *conn)
                    .await?;
            }
            return Ok(());
        }
        let mut parts = self.parts.into_iter().peekable();
        while parts.peek().is_some() {
            let mut texts: Vec<String> = Vec::new();
            let mut params: Vec<Param> = Vec::new();
            while let Some((sql, p)) =
                parts.next_if(|(_, p)| texts.is_empty() || params.len() + p.len() <= MAX_PARAMS)
            {
                texts.push(renumbered(&sql, params.len()));
                params.extend(p);
            }
            let sql = combined(&texts);
            super::bind(crate::db::query(&sql), &params)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

/// `WITH w1 AS (a), w2 AS (b) c`: the last part is the statement's own.
fn combined(texts: &[String]) -> String {
    let Some((last, first)) = texts.split_last() else {
        return String::new();
    };
    if first.is_empty() {
        return last.clone();
    }
    let ctes: Vec<String> = first
        .iter()
        .enumerate()
        .map(|(i, t)| format!("w{i} AS ({t})"))
        .collect();
    format!("WITH {} {last}", ctes.join(", "))
}

/// The text with each placeholder `$n` moved to `$(n + by)`.
fn renumbered(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        match sql[start..end].parse::<usize>() {
            Ok(n) => out.push_str(&format!("${}", n + by)),
            Err(_) => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_past_the_parts_before() {
        assert_eq!(
            renumbered("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $12)", 10),
            "INSERT INTO t (a, b) VALUES ($11, $12), ($13, $22)"
        );
        assert_eq!(renumbered("SELECT $1", 0), "SELECT $1");
        assert_eq!(
            combined(&[
                "INSERT INTO a VALUES ($1)".into(),
                "INSERT INTO b VALUES ($2)".into()
            ]),
            "WITH w0 AS (INSERT INTO a VALUES ($1)) INSERT INTO b VALUES ($2)"
        );
        assert_eq!(combined(&["DELETE FROM a".into()]), "DELETE FROM a");
    }
}
