//! Communications (tuyên truyền): broadcasts, posts and videos, dated and counted per month.

use super::Db;
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

/// The channels of the plan's communications work (section IV.4 of the seed).
pub const CHANNELS: [(&str, &str); 6] = [
    ("loudspeaker", "Phát thanh trên hệ thống loa"),
    ("portal", "Tin, bài trên Trang thông tin điện tử"),
    ("zalo", "Tin trên Zalo OA, nhóm Zalo"),
    ("facebook", "Bài trên trang Facebook"),
    ("video", "Video, phóng sự ngắn"),
    ("other", "Hình thức khác"),
];

pub fn channel_label(code: &str) -> &'static str {
    crate::codes::label(&CHANNELS, code)
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Communication {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: Option<i64>,
    pub hamlet_name: Option<String>,
    pub channel: String,
    pub title: String,
    pub comm_date: String,
    pub times: i64,
    pub created_by: Option<i64>,
}

impl Communication {
    pub fn channel_label(&self) -> &'static str {
        channel_label(&self.channel)
    }
    pub fn date_display(&self) -> String {
        crate::text::format_date(&self.comm_date)
    }
}

/// A month's communications of a commune (`hamlet` None) or of one hamlet and the commune-wide
/// ones it shares.
pub async fn month(
    db: &Db,
    commune_id: i64,
    hamlet: Option<i64>,
    month: &str,
) -> Result<Vec<Communication>> {
    let mut params: Vec<super::Param> = vec![
        commune_id.into(),
        format!("{month}-01").into(),
        format!("{month}-31").into(),
    ];
    let only = match hamlet {
        Some(h) => {
            params.push(h.into());
            " AND (c.hamlet_id IS NULL OR c.hamlet_id = $4)"
        }
        None => "",
    };
    db.fetch_all(
        &format!(
            "SELECT c.id, c.commune_id, c.hamlet_id, a.name AS hamlet_name, c.channel, c.title, \
             c.comm_date, c.times, c.created_by FROM communications c \
             LEFT JOIN areas a ON a.id = c.hamlet_id \
             WHERE c.commune_id = $1 AND c.active = 1 AND c.comm_date >= $2 AND c.comm_date <= $3{only} \
             ORDER BY c.comm_date DESC, c.id DESC"
        ),
        &params,
    )
    .await
}

pub async fn get(db: &Db, commune_id: i64, id: i64) -> Result<Communication> {
    db.fetch_optional(
        "SELECT c.id, c.commune_id, c.hamlet_id, a.name AS hamlet_name, c.channel, c.title, \
         c.comm_date, c.times, c.created_by FROM communications c \
         LEFT JOIN areas a ON a.id = c.hamlet_id WHERE c.commune_id = $1 AND c.id = $2 AND c.active = 1",
        &[commune_id.into(), id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub struct NewCommunication<'a> {
    pub hamlet_id: Option<i64>,
    pub channel: &'a str,
    pub title: &'a str,
    pub date: &'a str,
    pub times: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    commune_id: i64,
    c: &NewCommunication<'_>,
    account: i64,
) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO communications (commune_id, hamlet_id, channel, title, comm_date, times, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(commune_id)
    .bind(c.hamlet_id)
    .bind(c.channel.to_string())
    .bind(c.title.to_string())
    .bind(c.date.to_string())
    .bind(c.times)
    .bind(account)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Removes a communication from the counts (kept in the table and the audit log).
pub async fn deactivate(conn: &mut AnyConnection, commune_id: i64, id: i64) -> Result<()> {
    let n = crate::db::query(
        "UPDATE communications SET active = 0 WHERE id = $1 AND commune_id = $2 AND active = 1",
    )
    .bind(id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // A second click on the same button finds nothing left to remove.
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
