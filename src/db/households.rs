//! Households (hộ).

use super::{Db, Filter, Page};
use crate::auth::PersonalScope;
use crate::error::Result;
use crate::text;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Household {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub hamlet_name: String,
    pub code: String,
    pub address: Option<String>,
    pub head_name: Option<String>,
    pub active: i64,
    pub resident_count: i64,
}

/// The columns of a household as lists show it (the head's name left out once they withdrew
/// their consent; see `consents::HEAD_NAME`).
fn select() -> String {
    format!(
        "SELECT h.id, h.commune_id, h.hamlet_id, a.name AS hamlet_name, h.code, h.address, \
         {} AS head_name, h.active, \
         (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.active = 1 AND r.status = 'living') AS resident_count \
         FROM households h JOIN areas a ON a.id = h.hamlet_id",
        super::consents::HEAD_NAME
    )
}

pub struct ListFilter<'a> {
    pub hamlet_id: Option<i64>,
    pub q: &'a str,
    pub include_inactive: bool,
}

pub async fn list(
    db: &Db,
    scope: PersonalScope,
    lf: &ListFilter<'_>,
    page: i64,
    per_page: i64,
) -> Result<Page<Household>> {
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    if let Some(h) = lf.hamlet_id {
        f.add("h.hamlet_id = ?", h);
    }
    if !lf.include_inactive {
        f.raw("h.active = 1");
    }
    f.search("h.search_text", lf.q);
    let w = f.where_sql();
    let total = db
        .scalar_i64(&format!("SELECT COUNT(*) FROM households h{w}"), &f.params)
        .await?;
    let page = page.clamp(1, 1_000_000);
    let limit = f.push(per_page);
    let offset = f.push((page - 1) * per_page);
    let items = db
        .fetch_all(
            &format!(
                "{}{w} ORDER BY a.sort_order, h.code LIMIT {limit} OFFSET {offset}",
                select()
            ),
            &f.params,
        )
        .await?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The household, if it is inside the caller's scope.
pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Option<Household>> {
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    f.add("h.id = ?", id);
    db.fetch_optional(&format!("{}{}", select(), f.where_sql()), &f.params)
        .await
}

#[derive(Clone, Debug, Serialize)]
pub struct HouseholdEdit {
    pub hamlet_id: i64,
    pub code: String,
    pub address: Option<String>,
    pub head_name: Option<String>,
}

fn search_text(e: &HouseholdEdit) -> String {
    text::fold(&format!(
        "{} {} {}",
        e.code,
        e.head_name.as_deref().unwrap_or(""),
        e.address.as_deref().unwrap_or("")
    ))
}

pub async fn insert(conn: &mut AnyConnection, commune_id: i64, e: &HouseholdEdit) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO households (commune_id, hamlet_id, code, address, head_name, search_text, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
    )
    .bind(commune_id)
    .bind(e.hamlet_id)
    .bind(e.code.clone())
    .bind(e.address.clone())
    .bind(e.head_name.clone())
    .bind(search_text(e))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn update(conn: &mut AnyConnection, id: i64, e: &HouseholdEdit) -> Result<()> {
    crate::db::query(
        "UPDATE households SET hamlet_id = $1, code = $2, address = $3, head_name = $4, search_text = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(e.hamlet_id)
    .bind(e.code.clone())
    .bind(e.address.clone())
    .bind(e.head_name.clone())
    .bind(search_text(e))
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // Residents follow their household when it moves to another hamlet.
    crate::db::query("UPDATE residents SET hamlet_id = $1 WHERE household_id = $2")
        .bind(e.hamlet_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::indicator_sources::refresh_households(conn, &[id]).await
}

pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<()> {
    crate::db::query("UPDATE households SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active as i64)
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::indicator_sources::refresh_households(conn, &[id]).await
}
