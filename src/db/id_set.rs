//! A list of ids bound as one parameter.
//!
//! An `IN (1, 2, 3)` written into the text makes every list a new statement: PostgreSQL parses
//! and plans it again, the driver prepares it in a round trip of its own and its statement
//! cache churns (a sync batch made nine such statements, issue 16). With the list as one
//! parameter the text stays the same whatever the ids, and is prepared once per connection.

use super::Param;
use sqlx::AnyConnection;

/// Ids to match a column against, in the form the connection's database reads.
pub struct IdSet {
    postgres: bool,
    text: String,
}

impl IdSet {
    pub fn new(conn: &AnyConnection, ids: &[i64]) -> IdSet {
        let postgres = conn.backend_name() == "PostgreSQL";
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // An array literal on PostgreSQL, a JSON array on SQLite: integers only, so nothing in
        // it needs quoting.
        let text = if postgres {
            format!("{{{list}}}")
        } else {
            format!("[{list}]")
        };
        IdSet { postgres, text }
    }

    /// The condition "`column` is one of the ids", the ids bound at `$n`.
    pub fn sql(&self, column: &str, n: usize) -> String {
        if self.postgres {
            format!("{column} = ANY(${n}::bigint[])")
        } else {
            format!("{column} IN (SELECT value FROM json_each(${n}))")
        }
    }

    /// The parameter to bind at `$n`.
    pub fn param(&self) -> Param {
        Param::Text(self.text.clone())
    }

    /// The same, for `.bind(…)`.
    pub fn text(&self) -> String {
        self.text.clone()
    }
}
