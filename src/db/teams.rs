//! Teams (Tổ CNSCĐ): one per hamlet, plus the commune-level group.

use super::Db;
use crate::error::Result;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Team {
    pub id: i64,
    pub commune_id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub kind: String,
    pub name: String,
    pub zalo_link: Option<String>,
    pub zalo_members: Option<i64>,
    pub zalo_active: i64,
    pub active: i64,
    pub member_count: i64,
    /// The day the team was set up, when known (it is paid from that month on).
    pub founded_on: Option<String>,
}

const SELECT: &str = "SELECT t.id, t.commune_id, t.area_id, a.name AS area_name, t.kind, t.name, \
    t.zalo_link, t.zalo_members, t.zalo_active, t.active, \
    (SELECT COUNT(*) FROM members m WHERE m.team_id = t.id AND m.active = 1) AS member_count, \
    t.founded_on \
    FROM teams t JOIN areas a ON a.id = t.area_id";

/// The commune's teams: the commune-level group first, then hamlets in order.
pub async fn for_commune(db: &Db, commune_id: i64) -> Result<Vec<Team>> {
    db.fetch_all(
        &format!(
            "{SELECT} WHERE t.commune_id = $1 ORDER BY CASE t.kind WHEN 'commune' THEN 0 ELSE 1 END, a.sort_order, a.code"
        ),
        &[commune_id.into()],
    )
    .await
}

pub async fn for_area(db: &Db, area_id: i64) -> Result<Vec<Team>> {
    db.fetch_all(
        &format!("{SELECT} WHERE t.area_id = $1 ORDER BY t.id"),
        &[area_id.into()],
    )
    .await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Team>> {
    db.fetch_optional(&format!("{SELECT} WHERE t.id = $1"), &[id.into()])
        .await
}

pub async fn insert(
    conn: &mut AnyConnection,
    commune_id: i64,
    area_id: i64,
    kind: &str,
    name: &str,
) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO teams (commune_id, area_id, kind, name, zalo_active, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, 1, $5, $5) RETURNING id",
    )
    .bind(commune_id)
    .bind(area_id)
    .bind(kind.to_string())
    .bind(name.to_string())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamEdit {
    pub name: String,
    pub zalo_link: Option<String>,
    pub zalo_members: Option<i64>,
    pub zalo_active: bool,
    /// `yyyy-mm-dd`
    pub founded_on: Option<String>,
}

pub async fn update(conn: &mut AnyConnection, id: i64, e: &TeamEdit) -> Result<()> {
    crate::db::query(
        "UPDATE teams SET name = $1, zalo_link = $2, zalo_members = $3, zalo_active = $4, \
         founded_on = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(e.name.clone())
    .bind(e.zalo_link.clone())
    .bind(e.zalo_members)
    .bind(e.zalo_active as i64)
    .bind(e.founded_on.clone())
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
