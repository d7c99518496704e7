//! The hamlet's change numbers, kept by triggers (migration 0009): what a phone's cursor counts.

use super::Db;
use crate::error::Result;
use sqlx::AnyConnection;

/// The number of the hamlet's last committed change (0 before any).
pub async fn hamlet_seq(db: &Db, hamlet_id: i64) -> Result<i64> {
    db.scalar_i64(
        "SELECT COALESCE((SELECT seq FROM field_seq WHERE hamlet_id = $1), 0)",
        &[hamlet_id.into()],
    )
    .await
}

/// Households of the hamlet changed after `since` up to `upto`, including those that left it.
/// The upper bound matters: a change committed after the answer's cursor was read is not yet
/// the answer's to report (a household changed then is sent next time).
pub async fn changed_since(db: &Db, hamlet_id: i64, since: i64, upto: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            "SELECT household_id FROM field_changes WHERE hamlet_id = $1 AND seq > $2 AND seq <= $3",
            &[hamlet_id.into(), since.into(), upto.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Which copy of the database this is (a random value, renewed by a restore).
pub async fn epoch(db: &Db) -> Result<String> {
    let row: Option<(String,)> = db
        .fetch_optional("SELECT value FROM field_epoch", &[])
        .await?;
    Ok(row.map(|(v,)| v).unwrap_or_default())
}

/// After a restore: cursors phones made on the database as it was before refer to changes the
/// restored copy never had, so they must not be continued from.
pub async fn renew_epoch(db: &Db) -> Result<()> {
    let value: String = (0..16)
        .map(|_| char::from(b"0123456789abcdef"[rand::random::<usize>() % 16]))
        .collect();
    db.execute("UPDATE field_epoch SET value = $1", &[value.into()])
        .await?;
    Ok(())
}

/// The tables whose field-change triggers (migration 0009) a bulk write holds off.
const HELD_TABLES: &str = "'households', 'residents', 'resident_services'";

/// Field-change triggers held off for the rest of a bulk write's transaction; `release` stamps
/// the households the write touched, once each, where the triggers would have stamped them row
/// by row (SQLite) or statement by statement (PostgreSQL) — about a tenth of a large import.
pub struct Held {
    /// SQLite: the dropped triggers' own `CREATE TRIGGER` text, run again on release.
    recreate: Vec<String>,
}

/// Holds the triggers off until `release`, inside the caller's transaction: on SQLite they are
/// dropped (the drop is part of the transaction, and no other writer can act before it commits
/// with them back); on PostgreSQL a setting local to the transaction makes them return at once
/// (migration 0020), so readers of those tables are never locked out.
pub async fn hold(conn: &mut AnyConnection) -> Result<Held> {
    if conn.backend_name() == "PostgreSQL" {
        crate::db::query("SELECT set_config('congdongso.field_held', 'on', true)")
            .execute(&mut *conn)
            .await?;
        return Ok(Held {
            recreate: Vec::new(),
        });
    }
    let triggers: Vec<(String, String)> = crate::db::query_as(&format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'field%' \
         AND tbl_name IN ({HELD_TABLES}) ORDER BY name"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &triggers {
        crate::db::query(&format!("DROP TRIGGER \"{name}\""))
            .execute(&mut *conn)
            .await?;
    }
    Ok(Held {
        recreate: triggers.into_iter().map(|(_, sql)| sql).collect(),
    })
}

/// Puts the triggers back and stamps each (hamlet, household) pair with its hamlet's next
/// change number, as `field_touch_all` does for a statement: each hamlet's counter moves once,
/// in hamlet order (so two writers lock the counters in the same order).
pub async fn release(
    conn: &mut AnyConnection,
    held: Held,
    pairs: &std::collections::BTreeSet<(i64, i64)>,
) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        crate::db::query("SELECT set_config('congdongso.field_held', 'off', true)")
            .execute(&mut *conn)
            .await?;
    }
    for sql in &held.recreate {
        crate::db::query(sql).execute(&mut *conn).await?;
    }
    let mut hamlets: Vec<i64> = pairs.iter().map(|(h, _)| *h).collect();
    hamlets.dedup();
    let mut seq = std::collections::HashMap::new();
    for h in hamlets {
        let (n,): (i64,) = crate::db::query_as(
            "INSERT INTO field_seq (hamlet_id, seq) VALUES ($1, 1) \
             ON CONFLICT (hamlet_id) DO UPDATE SET seq = field_seq.seq + 1 RETURNING seq",
        )
        .bind(h)
        .fetch_one(&mut *conn)
        .await?;
        seq.insert(h, n);
    }
    let mut rows = super::batch::Rows::new("field_changes", "hamlet_id, household_id, seq")
        .on_conflict("ON CONFLICT (hamlet_id, household_id) DO UPDATE SET seq = excluded.seq");
    for (h, hh) in pairs {
        let n = seq.get(h).copied().ok_or_else(|| {
            crate::error::AppError::Internal("field changes: a hamlet was not numbered".into())
        })?;
        rows.push(vec![(*h).into(), (*hh).into(), n.into()])?;
    }
    rows.finish(conn).await
}

/// On PostgreSQL, adds to a sync batch's combined write (`WriteGroup`) the stamp of these
/// residents' households, made once by the statement itself, and holds the field-change
/// triggers of that statement off (migration 0023): the helps and the statuses of one batch
/// each fired `field_touch_all` for the same households, two counter bumps and twice as many
/// rewritten `field_changes` rows (issue 16). The residents' hamlet and household are read as
/// the statement sees them, after any move earlier in the transaction, as the triggers would
/// have. Returns false elsewhere: SQLite's row triggers stamp as they go.
///
/// It must be the group's last part: a SELECT in a WITH runs only as the statement's own
/// query, and the triggers of the other parts fire at the statement's end, after it. A group
/// too large for one statement is split, and the statements before the last stamp through
/// their own triggers (a household stamped twice, none missed). The hold is keyed on the
/// statement's start time, so this must run as a statement of its own, never inside a script
/// of several. The stamp locks the hamlet's counter when the statement starts, before the
/// statuses it upserts: a web edit of the same resident's same service at that moment, which
/// locks the status first and the counter last, can meet it in a deadlock, which PostgreSQL
/// breaks by failing one of the two, rolled back whole (a batch is answered "retry", a page
/// shows an error). Rare enough to leave: the web path that records a help already locks in
/// this order.
pub fn stamp_residents(
    group: &mut super::write_group::WriteGroup,
    conn: &AnyConnection,
    resident_ids: &[i64],
) -> bool {
    if conn.backend_name() != "PostgreSQL" || resident_ids.is_empty() {
        return false;
    }
    let set = super::id_set::IdSet::new(conn, resident_ids);
    group.push(
        format!(
            "SELECT field_stamp(array_agg(r.hamlet_id), array_agg(r.household_id)), \
             set_config('congdongso.field_held', statement_timestamp()::text, true) \
             FROM residents r WHERE {}",
            set.sql("r.id", 1)
        ),
        vec![set.param()],
    );
    true
}
