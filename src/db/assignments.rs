//! Households assigned to team members (when the commune turns assignment on).

use super::Db;
use crate::error::Result;
use sqlx::AnyConnection;

/// Assigns the household to the member, replacing an earlier assignment; `None` unassigns.
pub async fn set(
    conn: &mut AnyConnection,
    commune_id: i64,
    household_id: i64,
    member_id: Option<i64>,
    account_id: i64,
) -> Result<()> {
    crate::db::query("DELETE FROM household_assignments WHERE household_id = $1")
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    if let Some(m) = member_id {
        crate::db::query(
            "INSERT INTO household_assignments (household_id, commune_id, member_id, assigned_by, assigned_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(household_id)
        .bind(commune_id)
        .bind(m)
        .bind(account_id)
        .bind(super::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// (household id, member id) for every assigned household of the hamlet.
pub async fn for_hamlet(db: &Db, hamlet_id: i64) -> Result<Vec<(i64, i64)>> {
    db.fetch_all(
        "SELECT ha.household_id, ha.member_id FROM household_assignments ha \
         JOIN households h ON h.id = ha.household_id WHERE h.hamlet_id = $1",
        &[hamlet_id.into()],
    )
    .await
}

/// The households assigned to a member.
pub async fn of_member(db: &Db, member_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            "SELECT household_id FROM household_assignments WHERE member_id = $1",
            &[member_id.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
