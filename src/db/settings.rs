//! Commune settings (key → value), such as whether households are assigned to members.

use super::Db;
use crate::error::Result;
use sqlx::AnyConnection;

/// Households are assigned to members, and a member sees only theirs. Off by default.
pub const ASSIGNMENT: &str = "assignment";
/// The day of the month hamlet reports are due (PRODUCT.md §5).
pub const REPORT_DUE_DAY: &str = "report_due_day";
pub const DEFAULT_REPORT_DUE_DAY: u32 = 25;

pub async fn get(db: &Db, commune_id: i64, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT value FROM commune_settings WHERE commune_id = $1 AND key = $2",
            &[commune_id.into(), key.into()],
        )
        .await?;
    Ok(row.map(|(v,)| v))
}

pub async fn is_on(db: &Db, commune_id: i64, key: &str) -> Result<bool> {
    Ok(get(db, commune_id, key).await?.as_deref() == Some("on"))
}

pub async fn set(conn: &mut AnyConnection, commune_id: i64, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO commune_settings (commune_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (commune_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(commune_id)
    .bind(key.to_string())
    .bind(value.to_string())
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
