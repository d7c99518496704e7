//! The hamlet's change numbers, kept by triggers (migration 0009): what a phone's cursor counts.

use super::Db;
use crate::error::Result;

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
