//! Team activities (buổi hoạt động): rounds, sessions, campaigns; who was there, whom they reached.

use super::{Db, Filter};
use crate::auth::PersonalScope;
use crate::error::Result;
use crate::fieldwork;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub hamlet_name: String,
    pub team_id: i64,
    pub kind: String,
    pub activity_date: String,
    pub place: Option<String>,
    pub residents_reached: i64,
    pub notes: Option<String>,
    /// 0 for an automatic door-to-door round not yet confirmed: it does not count toward the
    /// monthly minimum until the hamlet head or the team leader confirms it.
    pub confirmed: i64,
    pub members_present: i64,
    pub helped: i64,
    pub dossiers: i64,
}

impl Activity {
    pub fn kind_label(&self) -> &'static str {
        fieldwork::activity_kind_label(&self.kind)
    }
    pub fn date_label(&self) -> String {
        crate::text::format_date(&self.activity_date)
    }
    /// Residents reached: as entered, or the residents helped when that is more.
    pub fn reached(&self) -> i64 {
        self.residents_reached.max(self.helped)
    }
}

const SELECT: &str = "SELECT ac.id, ac.commune_id, ac.hamlet_id, a.name AS hamlet_name, ac.team_id, ac.kind, \
    ac.activity_date, ac.place, ac.residents_reached, ac.notes, ac.confirmed, \
    (SELECT COUNT(*) FROM activity_members am WHERE am.activity_id = ac.id) AS members_present, \
    (SELECT COUNT(DISTINCT hr.resident_id) FROM help_records hr WHERE hr.activity_id = ac.id) AS helped, \
    (SELECT COUNT(*) FROM help_records hr WHERE hr.activity_id = ac.id AND hr.dossier_kind IS NOT NULL) AS dossiers \
    FROM activities ac JOIN areas a ON a.id = ac.hamlet_id";

/// Activities of the caller's area between two dates (inclusive), newest first.
pub async fn list(
    db: &Db,
    commune_id: i64,
    hamlet_id: Option<i64>,
    from: &str,
    to: &str,
) -> Result<Vec<Activity>> {
    let mut f = Filter::default();
    f.add("ac.commune_id = ?", commune_id);
    if let Some(h) = hamlet_id {
        f.add("ac.hamlet_id = ?", h);
    }
    f.add("ac.activity_date >= ?", from.to_string());
    f.add("ac.activity_date <= ?", to.to_string());
    f.raw("ac.active = 1");
    db.fetch_all(
        &format!(
            "{SELECT}{} ORDER BY ac.activity_date DESC, ac.id DESC",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}

/// The activity, if it is in the caller's commune (and hamlet, for hamlet accounts).
pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Option<Activity>> {
    let mut f = Filter::default();
    f.add("ac.commune_id = ?", scope.commune_id);
    if let Some(h) = scope.hamlet_id {
        f.add("ac.hamlet_id = ?", h);
    }
    f.add("ac.id = ?", id);
    db.fetch_optional(&format!("{SELECT}{}", f.where_sql()), &f.params)
        .await
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Present {
    pub member_id: i64,
    pub full_name: String,
}

pub async fn members_present(db: &Db, activity_id: i64) -> Result<Vec<Present>> {
    db.fetch_all(
        "SELECT m.id AS member_id, m.full_name FROM activity_members am JOIN members m ON m.id = am.member_id \
         WHERE am.activity_id = $1 ORDER BY m.full_name",
        &[activity_id.into()],
    )
    .await
}

pub struct NewActivity<'a> {
    pub client_id: Option<&'a str>,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub team_id: i64,
    pub kind: &'a str,
    pub date: &'a str,
    pub place: Option<&'a str>,
    pub residents_reached: i64,
    pub notes: Option<&'a str>,
    pub created_by: Option<i64>,
    /// False only for the round a day's first help creates by itself.
    pub confirmed: bool,
}

pub async fn insert(conn: &mut AnyConnection, a: &NewActivity<'_>, members: &[i64]) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO activities (client_id, commune_id, hamlet_id, team_id, kind, activity_date, place, \
         residents_reached, notes, created_by, active, created_at, confirmed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12) RETURNING id",
    )
    .bind(a.client_id.map(str::to_string))
    .bind(a.commune_id)
    .bind(a.hamlet_id)
    .bind(a.team_id)
    .bind(a.kind.to_string())
    .bind(a.date.to_string())
    .bind(a.place.map(str::to_string))
    .bind(a.residents_reached)
    .bind(a.notes.map(str::to_string))
    .bind(a.created_by)
    .bind(super::now())
    .bind(a.confirmed as i64)
    .fetch_one(&mut *conn)
    .await?;
    for m in members {
        add_member(conn, id, *m, a.commune_id).await?;
    }
    Ok(id)
}

pub async fn add_member(
    conn: &mut AnyConnection,
    activity_id: i64,
    member_id: i64,
    commune_id: i64,
) -> Result<()> {
    crate::db::query(
        "INSERT INTO activity_members (activity_id, member_id, commune_id) VALUES ($1, $2, $3) \
         ON CONFLICT (activity_id, member_id) DO NOTHING",
    )
    .bind(activity_id)
    .bind(member_id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `add_member` for many (activity, member, commune), added to `group`.
pub fn add_members(group: &mut super::write_group::WriteGroup, rows: &[(i64, i64, i64)]) {
    for chunk in rows.chunks(200) {
        let sql = format!(
            "INSERT INTO activity_members (activity_id, member_id, commune_id) VALUES {} \
             ON CONFLICT (activity_id, member_id) DO NOTHING",
            super::value_rows(chunk.len(), 3, 0)
        );
        let params = chunk
            .iter()
            .flat_map(|&(a, m, c)| [a.into(), m.into(), c.into()])
            .collect();
        group.push(sql, params);
    }
}

/// The team's door-to-door round of that day, created the first time a visit is recorded.
pub async fn round_of_day(
    conn: &mut AnyConnection,
    commune_id: i64,
    hamlet_id: i64,
    team_id: i64,
    date: &str,
    account_id: Option<i64>,
) -> Result<i64> {
    // Two members syncing at once must not both create the day's round.
    if conn.backend_name() == "PostgreSQL" {
        crate::db::query("SELECT pg_advisory_xact_lock($1)")
            .bind(team_id)
            .execute(&mut *conn)
            .await?;
    }
    let found: Option<(i64,)> = crate::db::query_as(
        "SELECT id FROM activities WHERE team_id = $1 AND activity_date = $2 AND kind = 'door_to_door' \
         AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(team_id)
    .bind(date.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    insert(
        conn,
        &NewActivity {
            client_id: None,
            commune_id,
            hamlet_id,
            team_id,
            kind: "door_to_door",
            date,
            place: Some("Đi từng hộ trong ấp"),
            residents_reached: 0,
            notes: None,
            created_by: account_id,
            confirmed: false,
        },
        &[],
    )
    .await
}

/// Confirms an automatic round so it counts toward the monthly minimum; a place given replaces
/// the automatic one, and members given (the team's active members among them) become the
/// members present. Returns false when there was no unconfirmed round with that id in the
/// hamlet.
pub async fn confirm(
    conn: &mut AnyConnection,
    activity_id: i64,
    hamlet_id: i64,
    place: Option<&str>,
    members: Option<&[i64]>,
) -> Result<bool> {
    let row: Option<(i64, i64)> = crate::db::query_as(
        "SELECT commune_id, team_id FROM activities WHERE id = $1 AND hamlet_id = $2 AND active = 1 \
         AND confirmed = 0",
    )
    .bind(activity_id)
    .bind(hamlet_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((commune_id, team_id)) = row else {
        return Ok(false);
    };
    crate::db::query(
        "UPDATE activities SET confirmed = 1, place = COALESCE($2, place) WHERE id = $1",
    )
    .bind(activity_id)
    .bind(place.map(str::to_string))
    .execute(&mut *conn)
    .await?;
    if let Some(members) = members {
        crate::db::query("DELETE FROM activity_members WHERE activity_id = $1")
            .bind(activity_id)
            .execute(&mut *conn)
            .await?;
        for m in members {
            // Only the team's own active members can have been present.
            let ok: Option<(i64,)> = crate::db::query_as(
                "SELECT id FROM members WHERE id = $1 AND team_id = $2 AND active = 1",
            )
            .bind(*m)
            .bind(team_id)
            .fetch_optional(&mut *conn)
            .await?;
            if ok.is_some() {
                add_member(conn, activity_id, *m, commune_id).await?;
            }
        }
    }
    Ok(true)
}

/// A hamlet's team.
const HAMLET_TEAM: &str = "SELECT id FROM teams WHERE area_id = $1 AND kind = 'hamlet' AND active = 1 ORDER BY id LIMIT 1";

/// `hamlet_team`, read on a connection already held (a sync batch's transaction).
pub async fn hamlet_team_in(conn: &mut sqlx::AnyConnection, hamlet_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = crate::db::query_as(HAMLET_TEAM)
        .bind(hamlet_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The hamlet's team (the one a field account works in).
pub async fn hamlet_team(db: &Db, hamlet_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db.fetch_optional(HAMLET_TEAM, &[hamlet_id.into()]).await?;
    Ok(row.map(|(id,)| id))
}

/// Activities per hamlet team in a month, against the minimum of 4.
#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct TeamMonth {
    pub team_id: i64,
    pub hamlet_id: i64,
    pub hamlet_name: String,
    /// Confirmed activities: what counts toward the minimum.
    pub activities: i64,
    /// Automatic rounds waiting for confirmation.
    pub unconfirmed: i64,
    pub help: i64,
    pub dossiers: i64,
}

impl TeamMonth {
    pub fn met(&self) -> bool {
        self.activities >= fieldwork::MONTHLY_MINIMUM
    }
}

pub async fn month_by_team(
    db: &Db,
    commune_id: i64,
    hamlet_id: Option<i64>,
    from: &str,
    to: &str,
) -> Result<Vec<TeamMonth>> {
    let mut f = Filter::default();
    let p_from = f.push(from.to_string());
    let p_to = f.push(to.to_string());
    f.add("t.commune_id = ?", commune_id);
    f.raw("t.kind = 'hamlet' AND t.active = 1");
    if let Some(h) = hamlet_id {
        f.add("t.area_id = ?", h);
    }
    db.fetch_all(
        &format!(
            "SELECT t.id AS team_id, t.area_id AS hamlet_id, a.name AS hamlet_name, \
             (SELECT COUNT(*) FROM activities ac WHERE ac.team_id = t.id AND ac.active = 1 \
               AND ac.confirmed = 1 AND ac.activity_date >= {p_from} AND ac.activity_date <= {p_to}) AS activities, \
             (SELECT COUNT(*) FROM activities ac WHERE ac.team_id = t.id AND ac.active = 1 \
               AND ac.confirmed = 0 AND ac.activity_date >= {p_from} AND ac.activity_date <= {p_to}) AS unconfirmed, \
             (SELECT COUNT(*) FROM help_records hr WHERE hr.hamlet_id = t.area_id AND hr.service_code IS NOT NULL \
               AND hr.help_date >= {p_from} AND hr.help_date <= {p_to}) AS help, \
             (SELECT COUNT(*) FROM help_records hr WHERE hr.hamlet_id = t.area_id AND hr.dossier_kind IS NOT NULL \
               AND hr.help_date >= {p_from} AND hr.help_date <= {p_to}) AS dossiers \
             FROM teams t JOIN areas a ON a.id = t.area_id{} ORDER BY a.sort_order, a.code",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}
