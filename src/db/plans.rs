//! Plans per commune per year: quarterly tasks with their status, and targets as data.

use super::Db;
use crate::error::{AppError, Result};
use crate::indicators::catalog;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Plan {
    pub id: i64,
    pub commune_id: i64,
    pub year: i64,
    pub title: String,
    pub general_goals: String,
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub quarter: i64,
    pub sort_order: i64,
    pub content: String,
    pub unit_in_charge: String,
    pub expected_results: String,
    pub status: String,
    pub note: String,
}

impl Task {
    pub fn status_label(&self) -> &'static str {
        crate::plan::status_label(&self.status)
    }
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub indicator: String,
    pub timing: String,
    pub quarter: i64,
    pub target: i64,
}

impl TargetRow {
    pub fn to_target(&self) -> Option<catalog::Target> {
        catalog::Timing::parse(&self.timing)
            .map(|t| catalog::Target::new(&self.indicator, t, self.quarter, self.target))
    }
}

pub async fn get(db: &Db, commune_id: i64, year: i64) -> Result<Option<Plan>> {
    db.fetch_optional(
        "SELECT id, commune_id, year, title, general_goals FROM plans WHERE commune_id = $1 AND year = $2",
        &[commune_id.into(), year.into()],
    )
    .await
}

pub async fn tasks(db: &Db, plan_id: i64) -> Result<Vec<Task>> {
    db.fetch_all(
        "SELECT id, plan_id, quarter, sort_order, content, unit_in_charge, expected_results, status, note \
         FROM plan_tasks WHERE plan_id = $1 ORDER BY quarter, sort_order, id",
        &[plan_id.into()],
    )
    .await
}

pub async fn targets(db: &Db, plan_id: i64) -> Result<Vec<TargetRow>> {
    db.fetch_all(
        "SELECT id, indicator, timing, quarter, target FROM plan_targets WHERE plan_id = $1 \
         ORDER BY indicator, quarter, timing",
        &[plan_id.into()],
    )
    .await
}

/// Creates the year's plan as a copy of the previous year's (statuses and notes reset), or
/// from the template when there is none. Returns the plan id and whether it was copied.
pub async fn create(
    conn: &mut AnyConnection,
    commune_id: i64,
    year: i64,
    account_id: Option<i64>,
) -> Result<(i64, bool)> {
    let now = super::now();
    let previous: Option<(i64, String)> = crate::db::query_as(
        "SELECT id, general_goals FROM plans WHERE commune_id = $1 AND year = $2",
    )
    .bind(commune_id)
    .bind(year - 1)
    .fetch_optional(&mut *conn)
    .await?;
    let goals = previous
        .as_ref()
        .map_or(crate::plan::GENERAL_GOALS.to_string(), |(_, g)| g.clone());
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO plans (commune_id, year, title, general_goals, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(commune_id)
    .bind(year)
    .bind(crate::plan::title(year))
    .bind(goals)
    .bind(account_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    match &previous {
        Some((prev, _)) => {
            crate::db::query(
                "INSERT INTO plan_tasks (plan_id, commune_id, quarter, sort_order, content, unit_in_charge, \
                 expected_results, status, note, updated_at) \
                 SELECT $1, commune_id, quarter, sort_order, content, unit_in_charge, expected_results, \
                 'not_started', '', $2 FROM plan_tasks WHERE plan_id = $3",
            )
            .bind(id)
            .bind(now)
            .bind(*prev)
            .execute(&mut *conn)
            .await?;
            crate::db::query(
                "INSERT INTO plan_targets (plan_id, commune_id, indicator, timing, quarter, target, updated_at) \
                 SELECT $1, commune_id, indicator, timing, quarter, target, $2 FROM plan_targets WHERE plan_id = $3",
            )
            .bind(id)
            .bind(now)
            .bind(*prev)
            .execute(&mut *conn)
            .await?;
        }
        None => {
            for (i, t) in crate::plan::TEMPLATE_TASKS.iter().enumerate() {
                insert_task(
                    conn,
                    id,
                    commune_id,
                    t.quarter,
                    i as i64,
                    t.content,
                    t.unit_in_charge,
                    t.expected_results,
                )
                .await?;
            }
            for t in catalog::default_targets() {
                upsert_target(conn, id, commune_id, &t).await?;
            }
        }
    }
    Ok((id, previous.is_some()))
}

#[allow(clippy::too_many_arguments)] // one per column of the task
pub async fn insert_task(
    conn: &mut AnyConnection,
    plan_id: i64,
    commune_id: i64,
    quarter: i64,
    sort_order: i64,
    content: &str,
    unit_in_charge: &str,
    expected_results: &str,
) -> Result<i64> {
    if !(1..=4).contains(&quarter) {
        return Err(AppError::invalid("Chọn quý từ I đến IV."));
    }
    if content.trim().is_empty() {
        return Err(AppError::invalid("Nội dung nhiệm vụ không được để trống."));
    }
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO plan_tasks (plan_id, commune_id, quarter, sort_order, content, unit_in_charge, \
         expected_results, status, note, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'not_started', '', $8) RETURNING id",
    )
    .bind(plan_id)
    .bind(commune_id)
    .bind(quarter)
    .bind(sort_order)
    .bind(content.trim().to_string())
    .bind(unit_in_charge.trim().to_string())
    .bind(expected_results.trim().to_string())
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A task of a plan of this commune.
pub async fn task(db: &Db, commune_id: i64, id: i64) -> Result<Task> {
    db.fetch_optional(
        "SELECT id, plan_id, quarter, sort_order, content, unit_in_charge, expected_results, status, note \
         FROM plan_tasks WHERE id = $1 AND commune_id = $2",
        &[id.into(), commune_id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn update_task(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    note: &str,
    account_id: i64,
) -> Result<()> {
    if crate::plan::status_label(status).is_empty() {
        return Err(AppError::invalid(
            "Trạng thái phải là: chưa thực hiện, đang thực hiện hoặc đã hoàn thành.",
        ));
    }
    crate::db::query(
        "UPDATE plan_tasks SET status = $1, note = $2, updated_by = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(status.to_string())
    .bind(note.trim().to_string())
    .bind(account_id)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a target (one per indicator, timing and quarter).
pub async fn upsert_target(
    conn: &mut AnyConnection,
    plan_id: i64,
    commune_id: i64,
    t: &catalog::Target,
) -> Result<()> {
    crate::db::query(
        "INSERT INTO plan_targets (plan_id, commune_id, indicator, timing, quarter, target, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (plan_id, indicator, timing, quarter) \
         DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at",
    )
    .bind(plan_id)
    .bind(commune_id)
    .bind(t.indicator.clone())
    .bind(t.timing.as_str().to_string())
    .bind(t.quarter)
    .bind(t.value)
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn delete_target(conn: &mut AnyConnection, plan_id: i64, id: i64) -> Result<bool> {
    Ok(
        crate::db::query("DELETE FROM plan_targets WHERE id = $1 AND plan_id = $2")
            .bind(id)
            .bind(plan_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

pub async fn set_target_value(
    conn: &mut AnyConnection,
    commune_id: i64,
    id: i64,
    value: i64,
) -> Result<bool> {
    Ok(crate::db::query(
        "UPDATE plan_targets SET target = $1, updated_at = $2 WHERE id = $3 AND commune_id = $4",
    )
    .bind(value)
    .bind(super::now())
    .bind(id)
    .bind(commune_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}

/// The plan a target belongs to, if it is this commune's.
pub async fn target_plan(db: &Db, commune_id: i64, id: i64) -> Result<(i64, TargetRow)> {
    let row: Option<(i64, i64, String, String, i64, i64)> = db
        .fetch_optional(
            "SELECT plan_id, id, indicator, timing, quarter, target FROM plan_targets \
             WHERE id = $1 AND commune_id = $2",
            &[id.into(), commune_id.into()],
        )
        .await?;
    let (plan, id, indicator, timing, quarter, target) = row.ok_or(AppError::NotFound)?;
    Ok((
        plan,
        TargetRow {
            id,
            indicator,
            timing,
            quarter,
            target,
        },
    ))
}
