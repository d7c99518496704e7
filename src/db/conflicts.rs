//! Conflicts between offline edits of the same resident field, kept for the hamlet head.

use super::{Db, Filter};
use crate::auth::PersonalScope;
use crate::error::Result;
use crate::fieldwork;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub field: String,
    pub proposed_value: Option<String>,
    pub current_value: Option<String>,
    pub sent_by: Option<String>,
    pub status: String,
    pub created_at: i64,
}

/// How a field's stored text reads on a page.
pub fn value_label(field: &str, value: Option<&str>) -> String {
    match (field, value) {
        (_, None) => "(trống)".to_string(),
        ("has_smartphone", Some("1")) => "Có".to_string(),
        ("has_smartphone", Some(_)) => "Không".to_string(),
        ("status", Some(s)) => crate::codes::resident_status_label(s).to_string(),
        (_, Some(v)) => v.to_string(),
    }
}

impl Conflict {
    pub fn field_label(&self) -> &'static str {
        fieldwork::field_label(&self.field)
    }
    pub fn proposed_label(&self) -> String {
        value_label(&self.field, self.proposed_value.as_deref())
    }
    pub fn current_label(&self) -> String {
        value_label(&self.field, self.current_value.as_deref())
    }
}

// A resident who withdrew their consent is not named.
const SELECT: &str = "SELECT c.id, c.commune_id, c.hamlet_id, c.resident_id, \
    CASE WHEN r.consent = 1 THEN r.full_name ELSE '(đã rút lại đồng ý)' END AS resident_name, \
    c.field, c.proposed_value, c.current_value, COALESCE(a.full_name, a.username) AS sent_by, c.status, c.created_at \
    FROM sync_conflicts c JOIN residents r ON r.id = c.resident_id LEFT JOIN accounts a ON a.id = c.account_id";

pub async fn open(db: &Db, scope: PersonalScope) -> Result<Vec<Conflict>> {
    let mut f = area_filter(scope);
    f.raw("c.status = 'open'");
    db.fetch_all(
        &format!("{SELECT}{} ORDER BY c.created_at, c.id", f.where_sql()),
        &f.params,
    )
    .await
}

/// Conflicts are for the hamlet head and the commune: by area, not by assigned household.
fn area_filter(scope: PersonalScope) -> Filter {
    let mut f = Filter::default();
    f.add("c.commune_id = ?", scope.commune_id);
    if let Some(h) = scope.hamlet_id {
        f.add("c.hamlet_id = ?", h);
    }
    f
}

pub async fn count_open(db: &Db, scope: PersonalScope) -> Result<i64> {
    let mut f = area_filter(scope);
    f.raw("c.status = 'open'");
    db.scalar_i64(
        &format!("SELECT COUNT(*) FROM sync_conflicts c{}", f.where_sql()),
        &f.params,
    )
    .await
}

pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Option<Conflict>> {
    let mut f = area_filter(scope);
    f.add("c.id = ?", id);
    db.fetch_optional(&format!("{SELECT}{}", f.where_sql()), &f.params)
        .await
}

pub struct NewConflict<'a> {
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub resident_id: i64,
    pub client_id: &'a str,
    pub account_id: i64,
    pub field: &'a str,
    pub base_version: i64,
    pub proposed_value: Option<String>,
    pub current_value: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, c: NewConflict<'_>) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO sync_conflicts (commune_id, hamlet_id, resident_id, client_id, account_id, field, \
         base_version, proposed_value, current_value, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10) RETURNING id",
    )
    .bind(c.commune_id)
    .bind(c.hamlet_id)
    .bind(c.resident_id)
    .bind(c.client_id.to_string())
    .bind(c.account_id)
    .bind(c.field.to_string())
    .bind(c.base_version)
    .bind(c.proposed_value)
    .bind(c.current_value)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Closes an open conflict; false when someone else closed it first.
pub async fn close(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    account_id: i64,
) -> Result<bool> {
    let done = crate::db::query(
        "UPDATE sync_conflicts SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'",
    )
    .bind(status.to_string())
    .bind(account_id)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}
