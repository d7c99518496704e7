//! Areas: province → commune → hamlet.

use super::{Db, Param};
use crate::auth::{Caller, Role};
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Area {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<i64>,
    pub commune_id: Option<i64>,
    pub sort_order: i64,
    pub active: i64,
}

const COLS: &str = "id, code, name, level, parent_id, commune_id, sort_order, active";

impl Area {
    pub fn level_label(&self) -> &'static str {
        match self.level.as_str() {
            "province" => "Tỉnh",
            "commune" => "Xã",
            _ => "Ấp",
        }
    }

    /// The name with its level in front, `Xã Rạch Kiến`, unless the name already says it
    /// (`Ấp 3`, `Khu phố 2`, `Phường 1` are read as they are, not `Ấp Ấp 3`).
    pub fn titled_name(&self) -> String {
        let folded = crate::text::fold(&self.name);
        let says_level = [
            "ap ",
            "khu pho ",
            "xa ",
            "phuong ",
            "thi tran ",
            "tinh ",
            "thanh pho ",
        ]
        .iter()
        .any(|w| folded.starts_with(w));
        if says_level {
            self.name.clone()
        } else {
            format!("{} {}", self.level_label(), self.name)
        }
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Area>> {
    db.fetch_optional(
        &format!("SELECT {COLS} FROM areas WHERE id = $1"),
        &[id.into()],
    )
    .await
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Area>> {
    db.fetch_optional(
        &format!("SELECT {COLS} FROM areas WHERE code = $1"),
        &[code.into()],
    )
    .await
}

pub async fn children(db: &Db, parent_id: i64) -> Result<Vec<Area>> {
    db.fetch_all(
        &format!("SELECT {COLS} FROM areas WHERE parent_id = $1 ORDER BY sort_order, code"),
        &[parent_id.into()],
    )
    .await
}

/// The condition (on a table's `id`-like column `col`) limiting areas to those the caller sees.
fn visible_clause(caller: &Caller, col: &str) -> (String, Vec<Param>) {
    match (caller.role, caller.area_level.as_str()) {
        (Role::Sysadmin, _) => ("1 = 1".into(), vec![]),
        (_, "province") => (
            format!(
                "({col} = $1 OR {col} IN (SELECT id FROM areas WHERE parent_id = $1) \
                 OR {col} IN (SELECT h.id FROM areas h JOIN areas c ON h.commune_id = c.id \
                 WHERE c.parent_id = $1))"
            ),
            vec![caller.area_id.into()],
        ),
        (_, "commune") => (
            format!("{col} IN (SELECT id FROM areas WHERE commune_id = $1)"),
            vec![caller.area_id.into()],
        ),
        _ => (format!("{col} = $1"), vec![caller.area_id.into()]),
    }
}

/// Every area the caller may see, parents before children.
pub async fn visible_to(db: &Db, caller: &Caller) -> Result<Vec<Area>> {
    let (clause, params) = visible_clause(caller, "id");
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM areas WHERE {clause} ORDER BY \
             CASE level WHEN 'province' THEN 0 WHEN 'commune' THEN 1 ELSE 2 END, sort_order, code"
        ),
        &params,
    )
    .await
}

/// The area with this code, if the caller may see it; otherwise not found.
pub async fn visible_by_code(db: &Db, caller: &Caller, code: &str) -> Result<Area> {
    let (clause, mut params) = visible_clause(caller, "id");
    params.push(code.into());
    let n = params.len();
    db.fetch_optional(
        &format!("SELECT {COLS} FROM areas WHERE {clause} AND code = ${n}"),
        &params,
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn visible_by_id(db: &Db, caller: &Caller, id: i64) -> Result<Area> {
    let (clause, mut params) = visible_clause(caller, "id");
    params.push(id.into());
    let n = params.len();
    db.fetch_optional(
        &format!("SELECT {COLS} FROM areas WHERE {clause} AND id = ${n}"),
        &params,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// Inserts an area; a commune's `commune_id` is itself, a hamlet's its parent's.
pub async fn insert(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    level: &str,
    parent: Option<&Area>,
    sort_order: i64,
) -> Result<i64> {
    let now = super::now();
    let commune_id = match level {
        "hamlet" => parent.and_then(|p| p.commune_id),
        _ => None,
    };
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO areas (code, name, level, parent_id, commune_id, sort_order, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
    )
    .bind(code.to_string())
    .bind(name.to_string())
    .bind(level.to_string())
    .bind(parent.map(|p| p.id))
    .bind(commune_id)
    .bind(sort_order)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if level == "commune" {
        crate::db::query("UPDATE areas SET commune_id = id WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

pub async fn update(conn: &mut AnyConnection, id: i64, name: &str, sort_order: i64) -> Result<()> {
    crate::db::query("UPDATE areas SET name = $1, sort_order = $2, updated_at = $3 WHERE id = $4")
        .bind(name.to_string())
        .bind(sort_order)
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Closing a hamlet keeps its rows: past reports still show it.
pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<()> {
    let closed_on = (!active).then(super::today);
    crate::db::query("UPDATE areas SET active = $1, closed_on = $2, updated_at = $3 WHERE id = $4")
        .bind(active as i64)
        .bind(closed_on)
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // A closed hamlet stops counting from the month it closed.
    super::indicator_sources::refresh_hamlet(conn, id).await
}

/// Sets the dates a hamlet opened and closed (`yyyy-mm-dd`); it counts in the months between.
pub async fn set_dates(
    conn: &mut AnyConnection,
    id: i64,
    opened_on: Option<&str>,
    closed_on: Option<&str>,
) -> Result<()> {
    crate::db::query(
        "UPDATE areas SET opened_on = $1, closed_on = $2, active = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(opened_on.map(str::to_string))
    .bind(closed_on.map(str::to_string))
    .bind(closed_on.is_none_or(|c| c > super::today().as_str()) as i64)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    super::indicator_sources::refresh_hamlet(conn, id).await
}
