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

pub async fn active(db: &Db) -> Result<Vec<Service>> {
    db.fetch_all(
        "SELECT code, name, short_name, sort_order, active FROM services WHERE active = 1 ORDER BY sort_order, code",
        &[],
    )
    .await
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
