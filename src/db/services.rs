//! The list of digital services (data, not code).

use super::Db;
use crate::error::Result;
use serde::Serialize;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub sort_order: i64,
    pub active: i64,
}

/// The national list (no commune's changes): for the province and places with no commune.
pub async fn active(db: &Db) -> Result<Vec<Service>> {
    db.fetch_all(
        "SELECT code, name, short_name, sort_order, active FROM services \
         WHERE active = 1 AND commune_id IS NULL ORDER BY sort_order, code",
        &[],
    )
    .await
}

/// A commune's service columns: the national service or the commune's own, with the
/// commune's name for it.
const COMMUNE_COLS: &str = "s.code, COALESCE(o.name, s.name) AS name, \
     COALESCE(o.short_name, s.short_name) AS short_name, s.sort_order, s.active";
const COMMUNE_FROM: &str = "FROM services s \
     LEFT JOIN commune_services o ON o.code = s.code AND o.commune_id = $1 \
     WHERE s.active = 1 AND (s.commune_id IS NULL OR s.commune_id = $1)";

/// The services a commune works with on `on` (`yyyy-mm-dd`): the national list as the commune
/// renamed it, without those it retired by then, with those it added. No commune: the national
/// list.
pub async fn in_force(db: &Db, commune_id: Option<i64>, on: &str) -> Result<Vec<Service>> {
    let Some(commune_id) = commune_id else {
        return active(db).await;
    };
    db.fetch_all(
        &format!(
            "SELECT {COMMUNE_COLS} {COMMUNE_FROM} \
             AND (o.retired_on IS NULL OR o.retired_on > $2) ORDER BY s.sort_order, s.code"
        ),
        &[commune_id.into(), on.into()],
    )
    .await
}

/// The codes of the services in force in a commune today, on a connection (sync, imports).
pub async fn codes_in_force(
    conn: &mut sqlx::AnyConnection,
    commune_id: i64,
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<(String,)> = crate::db::query_as(&format!(
        "SELECT s.code {COMMUNE_FROM} AND (o.retired_on IS NULL OR o.retired_on > $2)"
    ))
    .bind(commune_id)
    .bind(crate::indicators::period::today_iso())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// The services in force in a commune today.
pub async fn current(db: &Db, commune_id: Option<i64>) -> Result<Vec<Service>> {
    in_force(db, commune_id, &crate::indicators::period::today_iso()).await
}

/// One line of the commune's services page: retired ones too, and whether the commune added it.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Listed {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub national_name: String,
    pub retired_on: Option<String>,
    /// 1: the commune's own service.
    pub own: i64,
}

pub async fn listed(db: &Db, commune_id: i64) -> Result<Vec<Listed>> {
    db.fetch_all(
        &format!(
            "SELECT s.code, COALESCE(o.name, s.name) AS name, \
             COALESCE(o.short_name, s.short_name) AS short_name, s.name AS national_name, \
             o.retired_on, CAST(CASE WHEN s.commune_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS own \
             {COMMUNE_FROM} ORDER BY s.sort_order, s.code"
        ),
        &[commune_id.into()],
    )
    .await
}

/// The commune's name of a service (its own, or the national one).
pub async fn name_in(db: &Db, commune_id: i64, code: &str) -> Result<Option<(String, String)>> {
    db.fetch_optional(
        &format!("SELECT COALESCE(o.name, s.name), COALESCE(o.short_name, s.short_name) {COMMUNE_FROM} AND s.code = $2"),
        &[commune_id.into(), code.into()],
    )
    .await
}

/// Retires a service in a commune from `on` (None: back in use), its name kept.
pub async fn set_retired(
    conn: &mut sqlx::AnyConnection,
    commune_id: i64,
    code: &str,
    on: Option<&str>,
) -> Result<()> {
    crate::db::query(
        "INSERT INTO commune_services (commune_id, code, retired_on, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (commune_id, code) DO UPDATE SET retired_on = excluded.retired_on, \
         updated_at = excluded.updated_at",
    )
    .bind(commune_id)
    .bind(code.to_string())
    .bind(on.map(str::to_string))
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Renames a service in a commune, its retirement kept.
pub async fn rename(
    conn: &mut sqlx::AnyConnection,
    commune_id: i64,
    code: &str,
    (name, short_name): (&str, &str),
) -> Result<()> {
    crate::db::query(
        "INSERT INTO commune_services (commune_id, code, name, short_name, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (commune_id, code) DO UPDATE SET name = excluded.name, \
         short_name = excluded.short_name, updated_at = excluded.updated_at",
    )
    .bind(commune_id)
    .bind(code.to_string())
    .bind(name.to_string())
    .bind(short_name.to_string())
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a commune's own service, after the others. The code is unique across the server.
pub async fn add(
    conn: &mut sqlx::AnyConnection,
    commune_id: i64,
    code: &str,
    (name, short_name): (&str, &str),
) -> Result<()> {
    let taken: Option<(String,)> = crate::db::query_as("SELECT code FROM services WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(crate::error::AppError::invalid(format!(
            "Mã «{code}» đã có; hãy chọn mã khác."
        )));
    }
    let (next,): (i64,) =
        crate::db::query_as("SELECT COALESCE(MAX(sort_order), 0) + 1 FROM services")
            .fetch_one(&mut *conn)
            .await?;
    crate::db::query(
        "INSERT INTO services (code, name, short_name, sort_order, active, commune_id) \
         VALUES ($1, $2, $3, $4, 1, $5)",
    )
    .bind(code.to_string())
    .bind(name.to_string())
    .bind(short_name.to_string())
    .bind(next)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub const STATUSES: [(&str, &str); 3] = [
    ("none", "Chưa"),
    ("in_progress", "Đang hướng dẫn"),
    ("done", "Đã hoàn thành"),
];

pub fn status_label(code: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Chưa", |(_, l)| l)
}
