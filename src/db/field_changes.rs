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

/// Households of the hamlet changed after `seq`, including those that left it.
pub async fn changed_since(db: &Db, hamlet_id: i64, seq: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            "SELECT household_id FROM field_changes WHERE hamlet_id = $1 AND seq > $2",
            &[hamlet_id.into(), seq.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
