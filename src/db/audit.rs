//! The audit log: who changed what, when, before and after.

use super::Param;
use super::write_group::WriteGroup;
use crate::error::Result;
use serde::Serialize;
use sqlx::AnyConnection;

pub struct Entry<'a> {
    pub commune_id: Option<i64>,
    pub account_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
}

/// Records one change; `before`/`after` are serialised as JSON (citizen IDs only masked).
pub async fn record<B: Serialize, A: Serialize>(
    conn: &mut AnyConnection,
    e: Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before.and_then(|b| serde_json::to_string(b).ok());
    let after = after.and_then(|a| serde_json::to_string(a).ok());
    crate::db::query(
        "INSERT INTO audit_log (commune_id, account_id, at, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.commune_id)
    .bind(e.account_id)
    .bind(super::now())
    .bind(e.action.to_string())
    .bind(e.entity.to_string())
    .bind(e.entity_id)
    .bind(before)
    .bind(after)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An audit entry kept until the end of a batch, its JSON already written.
pub struct Pending {
    pub commune_id: Option<i64>,
    pub account_id: Option<i64>,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Option<i64>,
    pub after_json: Option<String>,
}

/// Adds a batch's entries to `group`, two hundred rows a statement.
pub fn record_many(group: &mut WriteGroup, entries: &[Pending]) {
    let at = super::now();
    for chunk in entries.chunks(200) {
        let sql = format!(
            "INSERT INTO audit_log (commune_id, account_id, action, entity, entity_id, after_json, at) VALUES {}",
            super::value_rows(chunk.len(), 6, 1)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 6 + 1);
        for e in chunk {
            params.extend([
                e.commune_id.into(),
                e.account_id.into(),
                e.action.into(),
                e.entity.into(),
                e.entity_id.into(),
                e.after_json.clone().into(),
            ]);
        }
        params.push(at.into());
        group.push(sql, params);
    }
}
