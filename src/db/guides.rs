//! Cẩm nang in the database (issue 20): guides of the province (`commune_id` NULL, seen by every
//! commune) and of a commune, their numbered steps with pictures, and the province guides a
//! commune hid.

use super::{Db, Filter, Param};
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Guide {
    pub id: i64,
    /// None: the province's guide.
    pub commune_id: Option<i64>,
    pub service_code: Option<String>,
    pub topic: Option<String>,
    pub title: String,
    pub tips: Option<String>,
    pub mistakes: Option<String>,
    pub checked_on: Option<String>,
    pub sample: i64,
    pub updated_at: i64,
    /// Hidden by the reading commune (a province guide it does not use).
    pub hidden: i64,
}

impl Guide {
    pub fn is_province(&self) -> bool {
        self.commune_id.is_none()
    }
    pub fn is_sample(&self) -> bool {
        self.sample == 1
    }
    pub fn is_hidden(&self) -> bool {
        self.hidden == 1
    }
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Step {
    pub guide_id: i64,
    pub position: i64,
    pub body: String,
    pub picture_hash: Option<String>,
    pub picture_bytes: Option<i64>,
}

const COLS: &str = "g.id, g.commune_id, g.service_code, g.topic, g.title, g.tips, g.mistakes, \
     g.checked_on, g.sample, g.updated_at, \
     CASE WHEN h.guide_id IS NULL THEN 0 ELSE 1 END AS hidden";

/// What a list asks for.
#[derive(Default)]
pub struct Search<'a> {
    pub q: &'a str,
    pub service: Option<&'a str>,
    /// The commune's hidden province guides too (the commune admin's list, to show them again).
    pub with_hidden: bool,
}

/// The guides a commune sees (its own and the province's it has not hidden), or with no
/// commune the province's; in the order of the services list, then by title.
pub async fn visible(db: &Db, commune: Option<i64>, s: &Search<'_>) -> Result<Vec<Guide>> {
    let mut f = Filter::default();
    // $1: the commune, also read by the join below.
    f.add("(g.commune_id = ? OR g.commune_id IS NULL)", commune);
    f.raw("g.active = 1");
    if !s.with_hidden {
        f.raw("h.guide_id IS NULL");
    }
    if let Some(code) = s.service {
        f.add("g.service_code = ?", code.to_string());
    }
    for word in crate::text::fold(s.q).split(' ').filter(|w| !w.is_empty()) {
        f.add(
            "g.search_text LIKE ? ESCAPE '\\'",
            format!("%{}%", crate::text::like_escape(word)),
        );
    }
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM guides g \
             LEFT JOIN guide_hidden h ON h.guide_id = g.id AND h.commune_id = $1{} \
             ORDER BY COALESCE((SELECT MIN(sort_order) FROM services s WHERE s.code = g.service_code), 1000), \
             g.title, g.id",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}

/// One guide the caller's commune may read (its own, or the province's even if hidden), or
/// with no commune a province guide.
pub async fn get(db: &Db, commune: Option<i64>, id: i64) -> Result<Guide> {
    db.fetch_optional(
        &format!(
            "SELECT {COLS} FROM guides g \
             LEFT JOIN guide_hidden h ON h.guide_id = g.id AND h.commune_id = $1 \
             WHERE g.id = $2 AND g.active = 1 AND (g.commune_id = $1 OR g.commune_id IS NULL)"
        ),
        &[Param::from(commune), id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// The steps of these guides, in order.
pub async fn steps(db: &Db, guides: &[i64]) -> Result<Vec<Step>> {
    if guides.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=guides.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let params: Vec<Param> = guides.iter().map(|&g| g.into()).collect();
    db.fetch_all(
        &format!(
            "SELECT guide_id, position, body, picture_hash, picture_bytes FROM guide_steps \
             WHERE guide_id IN ({list}) ORDER BY guide_id, position"
        ),
        &params,
    )
    .await
}

/// A guide's text as typed (already checked by the page).
pub struct Fields<'a> {
    pub service_code: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub title: &'a str,
    pub steps: &'a [String],
    pub tips: Option<&'a str>,
    pub mistakes: Option<&'a str>,
    pub checked_on: Option<&'a str>,
    pub sample: bool,
}

impl Fields<'_> {
    fn search_text(&self) -> String {
        let mut parts = vec![
            self.title,
            self.topic.unwrap_or(""),
            self.service_code.unwrap_or(""),
            self.tips.unwrap_or(""),
            self.mistakes.unwrap_or(""),
        ];
        parts.extend(self.steps.iter().map(String::as_str));
        crate::guides::search_text(&parts)
    }
}

/// Adds a guide (`commune` None: the province's); its id.
pub async fn add(
    conn: &mut AnyConnection,
    commune: Option<i64>,
    account: Option<i64>,
    g: &Fields<'_>,
) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO guides (commune_id, service_code, topic, title, tips, mistakes, checked_on, \
         sample, search_text, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(commune)
    .bind(g.service_code)
    .bind(g.topic)
    .bind(g.title)
    .bind(g.tips)
    .bind(g.mistakes)
    .bind(g.checked_on)
    .bind(i64::from(g.sample))
    .bind(g.search_text())
    .bind(account)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    write_steps(conn, id, g.steps).await?;
    Ok(id)
}

/// Rewrites a guide's text. A step keeps its picture where its number stays; the pictures of
/// steps beyond the new last one go with them.
pub async fn update(conn: &mut AnyConnection, id: i64, g: &Fields<'_>) -> Result<()> {
    crate::db::query(
        "UPDATE guides SET service_code = $1, topic = $2, title = $3, tips = $4, mistakes = $5, \
         checked_on = $6, sample = $7, search_text = $8, updated_at = $9 WHERE id = $10 AND active = 1",
    )
    .bind(g.service_code)
    .bind(g.topic)
    .bind(g.title)
    .bind(g.tips)
    .bind(g.mistakes)
    .bind(g.checked_on)
    .bind(i64::from(g.sample))
    .bind(g.search_text())
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    write_steps(conn, id, g.steps).await
}

async fn write_steps(conn: &mut AnyConnection, id: i64, steps: &[String]) -> Result<()> {
    crate::db::query("DELETE FROM guide_steps WHERE guide_id = $1 AND position > $2")
        .bind(id)
        .bind(steps.len() as i64)
        .execute(&mut *conn)
        .await?;
    for (i, body) in steps.iter().enumerate() {
        let position = i as i64 + 1;
        let n = crate::db::query(
            "UPDATE guide_steps SET body = $1 WHERE guide_id = $2 AND position = $3",
        )
        .bind(body)
        .bind(id)
        .bind(position)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 0 {
            crate::db::query(
                "INSERT INTO guide_steps (guide_id, position, body) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(position)
            .bind(body)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Sets (or with None, removes) a step's picture; false when the guide has no such step.
pub async fn set_picture(
    conn: &mut AnyConnection,
    id: i64,
    position: i64,
    jpeg: Option<&[u8]>,
) -> Result<bool> {
    let hash = jpeg.map(crate::guides::picture_tag);
    let n = crate::db::query(
        "UPDATE guide_steps SET picture = $1, picture_hash = $2, picture_bytes = $3 \
         WHERE guide_id = $4 AND position = $5",
    )
    .bind(jpeg.map(<[u8]>::to_vec))
    .bind(hash)
    .bind(jpeg.map(|b| b.len() as i64))
    .bind(id)
    .bind(position)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        crate::db::query("UPDATE guides SET updated_at = $1 WHERE id = $2")
            .bind(super::now())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n > 0)
}

/// A step's picture (JPEG), for a guide already checked readable.
pub async fn picture(db: &Db, id: i64, position: i64) -> Result<Vec<u8>> {
    let row: Option<(Option<Vec<u8>>,)> = db
        .fetch_optional(
            "SELECT picture FROM guide_steps WHERE guide_id = $1 AND position = $2",
            &[id.into(), position.into()],
        )
        .await?;
    row.and_then(|(p,)| p).ok_or(AppError::NotFound)
}

/// The pictures of these guides' steps, for the printed handout.
pub async fn pictures(db: &Db, id: i64) -> Result<Vec<(i64, Vec<u8>)>> {
    db.fetch_all(
        "SELECT position, picture FROM guide_steps WHERE guide_id = $1 AND picture IS NOT NULL \
         ORDER BY position",
        &[id.into()],
    )
    .await
}

/// Takes a guide out (kept for the record).
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<()> {
    crate::db::query("UPDATE guides SET active = 0, updated_at = $1 WHERE id = $2")
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A commune hides a province guide (`hide` true) or shows it again.
pub async fn set_hidden(
    conn: &mut AnyConnection,
    commune: i64,
    id: i64,
    account: i64,
    hide: bool,
) -> Result<()> {
    crate::db::query("DELETE FROM guide_hidden WHERE commune_id = $1 AND guide_id = $2")
        .bind(commune)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if hide {
        crate::db::query(
            "INSERT INTO guide_hidden (commune_id, guide_id, hidden_by, hidden_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(commune)
        .bind(id)
        .bind(account)
        .bind(super::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether a province account was given the right to publish guides for every commune.
pub async fn publishes(db: &Db, account: i64) -> Result<bool> {
    let n = db
        .scalar_i64(
            "SELECT COALESCE(MAX(publishes_guides), 0) FROM accounts WHERE id = $1 AND active = 1",
            &[account.into()],
        )
        .await?;
    Ok(n == 1)
}

/// Gives a province account the right to publish guides, or takes it back.
pub async fn set_publisher(conn: &mut AnyConnection, account: i64, on: bool) -> Result<()> {
    crate::db::query("UPDATE accounts SET publishes_guides = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
