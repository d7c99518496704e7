//! Help requests (yêu cầu hỗ trợ): from the public form of a hamlet, or recorded by a member.

use super::{Db, Filter};
use crate::auth::PersonalScope;
use crate::error::Result;
use serde::Serialize;
use sqlx::AnyConnection;

pub struct NewRequest<'a> {
    pub client_id: Option<&'a str>,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub requester_name: &'a str,
    pub phone: Option<&'a str>,
    pub service_code: Option<&'a str>,
    pub message: Option<&'a str>,
    pub resident_id: Option<i64>,
    /// `public` or `member`.
    pub source: &'a str,
    pub assigned_member_id: Option<i64>,
    /// A keyed hash of the sender's address, for the public form's rate limit.
    pub sender_key: Option<&'a str>,
}

pub async fn insert(conn: &mut AnyConnection, r: &NewRequest<'_>) -> Result<i64> {
    let now = super::now();
    let status = if r.assigned_member_id.is_some() {
        "assigned"
    } else {
        "open"
    };
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO help_requests (client_id, commune_id, hamlet_id, requester_name, phone, service_code, \
         message, resident_id, source, status, assigned_member_id, sender_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(r.client_id.map(str::to_string))
    .bind(r.commune_id)
    .bind(r.hamlet_id)
    .bind(r.requester_name.to_string())
    .bind(r.phone.map(str::to_string))
    .bind(r.service_code.map(str::to_string))
    .bind(r.message.map(str::to_string))
    .bind(r.resident_id)
    .bind(r.source.to_string())
    .bind(status.to_string())
    .bind(r.assigned_member_id)
    .bind(r.sender_key.map(str::to_string))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A request as the queue and the detail page show it.
#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct HelpRequest {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub hamlet_code: String,
    pub hamlet_name: String,
    pub requester_name: String,
    pub phone: Option<String>,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub message: Option<String>,
    pub resident_id: Option<i64>,
    pub resident_name: Option<String>,
    pub source: String,
    pub status: String,
    pub assigned_member_id: Option<i64>,
    pub member_name: Option<String>,
    pub help_id: Option<i64>,
    pub close_note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

pub const STATUSES: [(&str, &str); 3] = [
    ("open", "Chưa có người nhận"),
    ("assigned", "Đã giao"),
    ("closed", "Đã đóng"),
];

impl HelpRequest {
    pub fn status_label(&self) -> &'static str {
        STATUSES
            .iter()
            .find(|(c, _)| *c == self.status)
            .map_or("", |(_, l)| l)
    }
    pub fn service_label(&self) -> &str {
        match (&self.service_name, &self.service_code) {
            (Some(n), _) => n,
            (None, Some(c)) => c,
            _ => "Việc khác",
        }
    }
    pub fn source_label(&self) -> &'static str {
        if self.source == "public" {
            "Người dân gửi qua trang công khai"
        } else {
            "Thành viên tổ ghi nhận"
        }
    }
    pub fn is_closed(&self) -> bool {
        self.status == "closed"
    }
}

const SELECT: &str = "SELECT q.id, q.commune_id, q.hamlet_id, a.code AS hamlet_code, a.name AS hamlet_name, \
    q.requester_name, q.phone, q.service_code, s.name AS service_name, q.message, q.resident_id, \
    CASE WHEN r.consent = 1 THEN r.full_name END AS resident_name, q.source, q.status, q.assigned_member_id, m.full_name AS member_name, \
    q.help_id, q.close_note, q.created_at, q.updated_at, q.closed_at \
    FROM help_requests q JOIN areas a ON a.id = q.hamlet_id \
    LEFT JOIN services s ON s.code = q.service_code \
    LEFT JOIN residents r ON r.id = q.resident_id \
    LEFT JOIN members m ON m.id = q.assigned_member_id";

/// Requests are about a hamlet, not a household: the scope is the commune and, for hamlet
/// accounts, the hamlet (assignment of households does not narrow it).
fn scoped(scope: PersonalScope, hamlet_id: Option<i64>) -> Filter {
    let mut f = Filter::default();
    f.add("q.commune_id = ?", scope.commune_id);
    if let Some(h) = scope.hamlet_id {
        f.add("q.hamlet_id = ?", h);
    }
    if let Some(h) = hamlet_id {
        f.add("q.hamlet_id = ?", h);
    }
    f
}

/// Open and assigned requests in the scope, newest first.
pub async fn pending(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: Option<i64>,
    limit: i64,
) -> Result<Vec<HelpRequest>> {
    let mut f = scoped(scope, hamlet_id);
    f.raw("q.status <> 'closed'");
    let limit = f.push(limit);
    db.fetch_all(
        &format!(
            "{SELECT}{} ORDER BY q.created_at DESC, q.id DESC LIMIT {limit}",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}

/// The most recently closed requests in the scope.
pub async fn recently_closed(
    db: &Db,
    scope: PersonalScope,
    hamlet_id: Option<i64>,
    limit: i64,
) -> Result<Vec<HelpRequest>> {
    let mut f = scoped(scope, hamlet_id);
    f.raw("q.status = 'closed'");
    let limit = f.push(limit);
    db.fetch_all(
        &format!(
            "{SELECT}{} ORDER BY q.closed_at DESC, q.id DESC LIMIT {limit}",
            f.where_sql()
        ),
        &f.params,
    )
    .await
}

/// The request, if inside the scope.
pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Option<HelpRequest>> {
    let mut f = scoped(scope, None);
    f.add("q.id = ?", id);
    db.fetch_optional(&format!("{SELECT}{}", f.where_sql()), &f.params)
        .await
}

/// Gives a request not yet closed to a member; false if it was closed meanwhile.
pub async fn assign(conn: &mut AnyConnection, id: i64, member_id: i64) -> Result<bool> {
    let n = crate::db::query(
        "UPDATE help_requests SET status = 'assigned', assigned_member_id = $1, updated_at = $2 \
         WHERE id = $3 AND status <> 'closed'",
    )
    .bind(member_id)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How a request was closed.
pub struct Closing<'a> {
    pub resident_id: Option<i64>,
    pub help_id: Option<i64>,
    /// Credited when nobody had taken the request.
    pub member_id: Option<i64>,
    pub note: Option<&'a str>,
}

/// Closes a request not yet closed; false if it was closed meanwhile.
pub async fn close(conn: &mut AnyConnection, id: i64, c: &Closing<'_>) -> Result<bool> {
    let now = super::now();
    let n = crate::db::query(
        "UPDATE help_requests SET status = 'closed', resident_id = COALESCE($1, resident_id), \
         help_id = $2, assigned_member_id = COALESCE(assigned_member_id, $3), close_note = $4, \
         closed_at = $5, updated_at = $5 WHERE id = $6 AND status <> 'closed'",
    )
    .bind(c.resident_id)
    .bind(c.help_id)
    .bind(c.member_id)
    .bind(c.note.map(str::to_string))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Requests from the public form since a moment: how many, and when the oldest came.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recent {
    pub count: i64,
    pub oldest: Option<i64>,
}

/// Who the public form's rate limit counts.
#[derive(Clone, Copy, Debug)]
pub enum Counted<'a> {
    /// One sender (the keyed hash of their address), whatever the hamlet.
    Sender(&'a str),
    /// Everyone writing to one hamlet.
    Hamlet(i64),
}

/// Public requests since `since` (a Unix time), for the rate limit. Read inside the write
/// transaction that inserts, so two requests at once cannot both pass the last free slot.
pub async fn count_recent(
    conn: &mut AnyConnection,
    who: Counted<'_>,
    since: i64,
) -> Result<Recent> {
    let (column, value): (&str, super::Param) = match who {
        Counted::Sender(key) => ("sender_key", key.into()),
        Counted::Hamlet(h) => ("hamlet_id", h.into()),
    };
    let sql = format!(
        "SELECT COUNT(*), MIN(created_at) FROM help_requests \
         WHERE {column} = $1 AND source = 'public' AND created_at >= $2"
    );
    let (count, oldest): (i64, Option<i64>) =
        super::bind_as(crate::db::query_as(&sql), &[value, since.into()])
            .fetch_one(&mut *conn)
            .await?;
    Ok(Recent { count, oldest })
}

/// A public request from the same sender to the same hamlet since `since`, saying the same
/// (name, phone, service, message): the form sent twice (a double tap, a reload, a retry on a
/// weak line) is one request, not two in the queue.
pub async fn repeat_of(
    conn: &mut AnyConnection,
    r: &NewRequest<'_>,
    since: i64,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = crate::db::query_as(
        "SELECT id FROM help_requests WHERE source = 'public' AND sender_key = $1 \
         AND hamlet_id = $2 AND requester_name = $3 AND COALESCE(phone, '') = $4 \
         AND COALESCE(service_code, '') = $5 AND COALESCE(message, '') = $6 \
         AND created_at >= $7 ORDER BY id LIMIT 1",
    )
    .bind(r.sender_key.unwrap_or_default().to_string())
    .bind(r.hamlet_id)
    .bind(r.requester_name.to_string())
    .bind(r.phone.unwrap_or_default().to_string())
    .bind(r.service_code.unwrap_or_default().to_string())
    .bind(r.message.unwrap_or_default().to_string())
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id,)| id))
}
