//! Team members.

use super::Db;
use crate::codes::{AFFILIATIONS, POSITIONS, label};
use crate::error::Result;
use crate::text;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Member {
    pub id: i64,
    pub commune_id: i64,
    pub team_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub position: String,
    pub affiliation: String,
    pub affiliation_detail: Option<String>,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
    pub active: i64,
}

impl Member {
    pub fn position_label(&self) -> &'static str {
        label(&POSITIONS, &self.position)
    }
    pub fn affiliation_label(&self) -> String {
        let base = label(&AFFILIATIONS, &self.affiliation);
        match &self.affiliation_detail {
            Some(d) if !d.is_empty() => format!("{base} ({d})"),
            _ => base.to_string(),
        }
    }
}

const COLS: &str = "id, commune_id, team_id, full_name, phone, position, affiliation, \
    affiliation_detail, joined_on, left_on, active";

/// Members of a team: leader, deputies, then members, each in Vietnamese name order.
pub async fn for_team(db: &Db, team_id: i64) -> Result<Vec<Member>> {
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM members WHERE team_id = $1 ORDER BY active DESC, \
             CASE position WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, sort_key"
        ),
        &[team_id.into()],
    )
    .await
}

/// The active members of a hamlet's team (none when the hamlet has no team).
pub async fn active_in_hamlet(db: &Db, hamlet_id: i64) -> Result<Vec<Member>> {
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM members WHERE active = 1 AND team_id = \
             (SELECT id FROM teams WHERE area_id = $1 AND kind = 'hamlet' AND active = 1 ORDER BY id LIMIT 1) \
             ORDER BY CASE position WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, sort_key"
        ),
        &[hamlet_id.into()],
    )
    .await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Member>> {
    db.fetch_optional(
        &format!("SELECT {COLS} FROM members WHERE id = $1"),
        &[id.into()],
    )
    .await
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberEdit {
    pub full_name: String,
    pub phone: Option<String>,
    pub position: String,
    pub affiliation: String,
    pub affiliation_detail: Option<String>,
    pub joined_on: Option<String>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    commune_id: i64,
    team_id: i64,
    m: &MemberEdit,
) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO members (commune_id, team_id, full_name, search_text, sort_key, phone, position, \
         affiliation, affiliation_detail, joined_on, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id",
    )
    .bind(commune_id)
    .bind(team_id)
    .bind(m.full_name.clone())
    .bind(text::fold(&m.full_name))
    .bind(text::sort_key(&m.full_name))
    .bind(m.phone.clone())
    .bind(m.position.clone())
    .bind(m.affiliation.clone())
    .bind(m.affiliation_detail.clone())
    .bind(m.joined_on.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn update(conn: &mut AnyConnection, id: i64, m: &MemberEdit) -> Result<()> {
    crate::db::query(
        "UPDATE members SET full_name = $1, search_text = $2, sort_key = $3, phone = $4, position = $5, \
         affiliation = $6, affiliation_detail = $7, joined_on = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(m.full_name.clone())
    .bind(text::fold(&m.full_name))
    .bind(text::sort_key(&m.full_name))
    .bind(m.phone.clone())
    .bind(m.position.clone())
    .bind(m.affiliation.clone())
    .bind(m.affiliation_detail.clone())
    .bind(m.joined_on.clone())
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A member who leaves keeps their history; `left_on` records when. One who comes back joins
/// again from today: the months away are not a member's months (Kinh phí pays by them).
pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<()> {
    crate::db::query(
        "UPDATE members SET active = $1, left_on = $2, \
         joined_on = CASE WHEN left_on IS NOT NULL AND $3 = 1 THEN $4 ELSE joined_on END, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(active as i64)
    .bind((!active).then(super::today))
    .bind(active as i64)
    .bind(super::today())
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
