//! Tập huấn in the database (issue 20): topics, sessions, attendance, the members'
//! digital-skills certificates, and who still needs which topic this year.

use super::Db;
use crate::error::{AppError, Result};
use crate::trainings::{self, Need, Trainee};
use sqlx::AnyConnection;
use std::collections::HashSet;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Topic {
    pub id: i64,
    pub name: String,
    /// A commune's own topic (not the plan's).
    pub own: i64,
}

/// The topics a commune trains on: the plan's and its own, in order.
pub async fn topics(db: &Db, commune: i64) -> Result<Vec<Topic>> {
    db.fetch_all(
        "SELECT id, name, CASE WHEN commune_id IS NULL THEN 0 ELSE 1 END AS own \
         FROM training_topics WHERE active = 1 AND (commune_id IS NULL OR commune_id = $1) \
         ORDER BY CASE WHEN commune_id IS NULL THEN 0 ELSE 1 END, sort_order, id",
        &[commune.into()],
    )
    .await
}

/// Adds a commune's own topic.
pub async fn add_topic(conn: &mut AnyConnection, commune: i64, name: &str) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO training_topics (commune_id, name, sort_order) VALUES ($1, $2, 100) RETURNING id",
    )
    .bind(commune)
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A session as listed.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Training {
    pub id: i64,
    pub topic_id: i64,
    pub topic: String,
    pub held_on: String,
    pub organiser: String,
    pub organiser_name: Option<String>,
    pub method: String,
    pub place: Option<String>,
    pub trainer: Option<String>,
    pub notes: Option<String>,
    /// Attendees present.
    pub present: i64,
}

impl Training {
    pub fn organiser_label(&self) -> &'static str {
        trainings::organiser_label(&self.organiser)
    }
    pub fn method_label(&self) -> &'static str {
        trainings::method_label(&self.method)
    }
}

const COLS: &str = "t.id, t.topic_id, p.name AS topic, t.held_on, t.organiser, t.organiser_name, \
    t.method, t.place, t.trainer, t.notes, \
    (SELECT COUNT(*) FROM training_attendees a WHERE a.training_id = t.id AND a.attended = 1) AS present \
    FROM trainings t JOIN training_topics p ON p.id = t.topic_id";

/// The commune's sessions of a year, newest first.
pub async fn list(db: &Db, commune: i64, year: i64) -> Result<Vec<Training>> {
    db.fetch_all(
        &format!(
            "SELECT {COLS} WHERE t.commune_id = $1 AND t.active = 1 AND t.held_on LIKE $2 \
             ORDER BY t.held_on DESC, t.id DESC"
        ),
        &[commune.into(), format!("{year}-%").into()],
    )
    .await
}

/// One session of the commune, or 404.
pub async fn get(db: &Db, commune: i64, id: i64) -> Result<Training> {
    db.fetch_optional(
        &format!("SELECT {COLS} WHERE t.commune_id = $1 AND t.id = $2 AND t.active = 1"),
        &[commune.into(), id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub struct NewTraining<'a> {
    pub topic_id: i64,
    pub held_on: &'a str,
    pub organiser: &'a str,
    pub organiser_name: Option<&'a str>,
    pub method: &'a str,
    pub place: Option<&'a str>,
    pub trainer: Option<&'a str>,
    pub notes: Option<&'a str>,
}

pub async fn add(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    account: i64,
    t: &NewTraining<'_>,
) -> Result<i64> {
    if !topics(db, commune)
        .await?
        .iter()
        .any(|x| x.id == t.topic_id)
    {
        return Err(AppError::invalid(
            "Chọn một nội dung tập huấn trong danh sách.",
        ));
    }
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO trainings (commune_id, topic_id, held_on, organiser, organiser_name, method, \
         place, trainer, notes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(commune)
    .bind(t.topic_id)
    .bind(t.held_on)
    .bind(t.organiser)
    .bind(t.organiser_name)
    .bind(t.method)
    .bind(t.place)
    .bind(t.trainer)
    .bind(t.notes)
    .bind(account)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Removes a session entered by mistake (kept, out of every list and count).
pub async fn remove(conn: &mut AnyConnection, commune: i64, id: i64) -> Result<()> {
    super::deactivate(conn, "trainings", commune, id).await
}

/// An attendee of a session: a member (with the team) or an official (with the role).
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Attendee {
    pub member_id: Option<i64>,
    pub account_id: Option<i64>,
    pub name: String,
    /// The member's team, or the official's office.
    pub unit: String,
    pub attended: i64,
    pub result: Option<String>,
}

impl Attendee {
    /// The attendance form's name for this person: `m<member id>` or `a<account id>`.
    pub fn key(&self) -> String {
        match self.member_id {
            Some(m) => format!("m{m}"),
            None => format!("a{}", self.account_id.unwrap_or(0)),
        }
    }

    pub fn result_label(&self) -> &'static str {
        self.result.as_deref().map_or("", trainings::result_label)
    }
}

/// Everyone who may attend (the commune's active members and officials), with what is
/// recorded for this session.
pub async fn roster(db: &Db, commune: i64, training: i64) -> Result<Vec<Attendee>> {
    let members: Vec<Attendee> = db
        .fetch_all(
            "SELECT m.id AS member_id, CAST(NULL AS BIGINT) AS account_id, m.full_name AS name, \
             t.name AS unit, COALESCE(a.attended, 0) AS attended, a.result \
             FROM members m JOIN teams t ON t.id = m.team_id \
             LEFT JOIN training_attendees a ON a.member_id = m.id AND a.training_id = $2 \
             WHERE m.commune_id = $1 AND (m.active = 1 OR a.id IS NOT NULL) \
             ORDER BY t.kind DESC, t.name, m.sort_key, m.id",
            &[commune.into(), training.into()],
        )
        .await?;
    let officials: Vec<(i64, String, String, i64, Option<String>)> = db
        .fetch_all(
            "SELECT c.id, COALESCE(c.full_name, c.username), c.role, COALESCE(a.attended, 0), a.result \
             FROM accounts c LEFT JOIN training_attendees a ON a.account_id = c.id AND a.training_id = $2 \
             WHERE c.commune_id = $1 AND c.role IN ('commune_admin', 'commune_leader', 'finance') \
             AND (c.active = 1 OR a.id IS NOT NULL) ORDER BY c.id",
            &[commune.into(), training.into()],
        )
        .await?;
    let mut all = members;
    all.extend(
        officials
            .into_iter()
            .map(|(id, name, role, attended, result)| Attendee {
                member_id: None,
                account_id: Some(id),
                name,
                unit: crate::auth::Role::parse(&role)
                    .map(|r| r.label().to_string())
                    .unwrap_or_default(),
                attended,
                result,
            }),
    );
    Ok(all)
}

/// Who attended: member or account ids with their result; everyone else of the roster is
/// recorded absent. Replaces what was recorded for the session.
pub async fn set_attendance(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    training: i64,
    present: &[(Option<i64>, Option<i64>, Option<String>)],
) -> Result<usize> {
    get(db, commune, training).await?;
    let roster = roster(db, commune, training).await?;
    // Only the commune's own people: an id from elsewhere is refused, not stored.
    for (member, account, _) in present {
        let known = roster.iter().any(|r| {
            (member.is_some() && r.member_id == *member)
                || (account.is_some() && r.account_id == *account)
        });
        if !known {
            return Err(AppError::invalid(
                "Người tham dự phải là thành viên Tổ hoặc cán bộ của xã.",
            ));
        }
    }
    crate::db::query("DELETE FROM training_attendees WHERE training_id = $1")
        .bind(training)
        .execute(&mut *conn)
        .await?;
    let mut rows = super::batch::Rows::new(
        "training_attendees",
        "training_id, commune_id, member_id, account_id, attended, result",
    );
    let mut n = 0;
    for r in &roster {
        let hit = present.iter().find(|(m, a, _)| {
            (m.is_some() && *m == r.member_id) || (a.is_some() && *a == r.account_id)
        });
        // Members are all recorded (present or absent); officials only when present.
        if hit.is_none() && r.member_id.is_none() {
            continue;
        }
        if hit.is_some() {
            n += 1;
        }
        rows.push(vec![
            training.into(),
            commune.into(),
            r.member_id.into(),
            r.account_id.into(),
            i64::from(hit.is_some()).into(),
            hit.and_then(|(_, _, res)| res.clone()).into(),
        ])?;
    }
    rows.finish(conn).await?;
    Ok(n)
}

/// A member's sessions (present), newest first: date, topic, organiser, result.
pub async fn of_member(
    db: &Db,
    member: i64,
) -> Result<Vec<(String, String, String, Option<String>)>> {
    db.fetch_all(
        "SELECT t.held_on, p.name, t.organiser, a.result FROM training_attendees a \
         JOIN trainings t ON t.id = a.training_id JOIN training_topics p ON p.id = t.topic_id \
         WHERE a.member_id = $1 AND a.attended = 1 AND t.active = 1 ORDER BY t.held_on DESC",
        &[member.into()],
    )
    .await
}

/// Records (or clears) a member's own digital-skills certificate.
pub async fn set_certificate(
    conn: &mut AnyConnection,
    commune: i64,
    member: i64,
    on: Option<&str>,
) -> Result<()> {
    let n = crate::db::query(
        "UPDATE members SET digital_skills_on = $1, updated_at = $2 WHERE id = $3 AND commune_id = $4",
    )
    .bind(on)
    .bind(super::now())
    .bind(member)
    .bind(commune)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// "Danh sách tập huấn": the active members of the commune (or of one hamlet's team) and the
/// topics they have not attended in `year`.
pub async fn needs(
    db: &Db,
    commune: i64,
    hamlet: Option<i64>,
    year: i64,
) -> Result<(Vec<Topic>, Vec<Need>)> {
    let topics = topics(db, commune).await?;
    let (filter, params): (&str, Vec<super::Param>) = match hamlet {
        Some(h) => (" AND t.area_id = $2", vec![commune.into(), h.into()]),
        None => ("", vec![commune.into()]),
    };
    let members: Vec<(i64, String, String)> = db
        .fetch_all(
            &format!(
                "SELECT m.id, m.full_name, t.name FROM members m JOIN teams t ON t.id = m.team_id \
                 WHERE m.commune_id = $1 AND m.active = 1 AND t.active = 1{filter} \
                 ORDER BY t.kind DESC, t.name, m.sort_key, m.id"
            ),
            &params,
        )
        .await?;
    let attended: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT a.member_id, t.topic_id FROM training_attendees a JOIN trainings t ON t.id = a.training_id \
             WHERE t.commune_id = $1 AND t.active = 1 AND a.attended = 1 AND a.member_id IS NOT NULL \
             AND t.held_on LIKE $2",
            &[commune.into(), format!("{year}-%").into()],
        )
        .await?;
    let attended: HashSet<(i64, i64)> = attended.into_iter().collect();
    let trainees: Vec<Trainee> = members
        .into_iter()
        .map(|(member_id, name, team)| Trainee {
            member_id,
            name,
            team,
        })
        .collect();
    let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let needs = trainings::needs(&trainees, &ids, &attended);
    Ok((topics, needs))
}
