//! Help requests (yêu cầu hỗ trợ): from the public form of a hamlet, or recorded by a member.

use crate::error::Result;
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
    let (id,): (i64,) = sqlx::query_as(
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
