//! A resident's consent to be recorded and its withdrawal (Law 91/2025/QH15): each change kept
//! with its date, how it was given and who recorded it; `residents.consent` is the current
//! state. Someone who withdrew leaves the hamlet team's lists, the work lists and the exports;
//! their past help still counts in the figures.

use super::Db;
use crate::codes::{CONSENT_METHODS, label};
use crate::error::{AppError, Result};
use serde::Serialize;
use sqlx::AnyConnection;

/// A household's head name as shown (on `households h`): none when the head it names withdrew
/// their consent, so the household stays on the lists without naming them.
pub const HEAD_NAME: &str = "CASE WHEN EXISTS (SELECT 1 FROM residents w WHERE w.household_id = h.id \
     AND w.consent = 0 AND w.full_name = h.head_name) THEN NULL ELSE h.head_name END";

/// One consent or withdrawal to record.
pub struct NewConsent<'a> {
    pub commune_id: i64,
    pub resident_id: i64,
    pub given: bool,
    /// `yyyy-mm-dd`.
    pub on_date: &'a str,
    /// A code of `CONSENT_METHODS`.
    pub method: &'a str,
    pub note: Option<&'a str>,
    pub account_id: Option<i64>,
}

/// Checks the method and date: a known way, a day that is not in the future.
pub fn check(method: &str, on_date: &str, today: &str) -> Result<()> {
    if label(&CONSENT_METHODS, method).is_empty() {
        return Err(AppError::invalid(format!(
            "Cách ghi nhận «{method}» không có. Chọn một trong: {}.",
            CONSENT_METHODS.map(|(c, _)| c).join(", ")
        )));
    }
    if crate::text::parse_date(on_date).as_deref() != Some(on_date) || on_date > today {
        return Err(AppError::invalid(
            "Ngày ghi nhận không hợp lệ: nhập một ngày không muộn hơn hôm nay.",
        ));
    }
    Ok(())
}

/// Records the change and makes it the resident's current state (a new version, so phones
/// holding the resident refresh it — and drop it, after a withdrawal).
pub async fn record(conn: &mut AnyConnection, c: &NewConsent<'_>) -> Result<i64> {
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO consents (commune_id, resident_id, given, on_date, method, note, account_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(c.commune_id)
    .bind(c.resident_id)
    .bind(i64::from(c.given))
    .bind(c.on_date.to_string())
    .bind(c.method.to_string())
    .bind(c.note.map(str::to_string))
    .bind(c.account_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    crate::db::query(
        "UPDATE residents SET consent = $1, consent_date = $2, version = version + 1, \
         updated_at = $3 WHERE id = $4",
    )
    .bind(i64::from(c.given))
    .bind(c.on_date.to_string())
    .bind(now)
    .bind(c.resident_id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// One entry of a resident's consent history, as the resident page and the own-data export
/// show it.
#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct ConsentEntry {
    #[serde(skip)]
    pub id: i64,
    pub given: i64,
    pub on_date: String,
    pub method: String,
    pub note: Option<String>,
    pub recorded_by: Option<String>,
    #[serde(skip)]
    pub created_at: i64,
}

impl ConsentEntry {
    pub fn method_label(&self) -> &'static str {
        label(&CONSENT_METHODS, &self.method)
    }
    pub fn what(&self) -> &'static str {
        if self.given == 1 {
            "Đồng ý được ghi nhận thông tin"
        } else {
            "Rút lại đồng ý"
        }
    }
}

pub async fn history(db: &Db, resident_id: i64) -> Result<Vec<ConsentEntry>> {
    db.fetch_all(
        "SELECT c.id, c.given, c.on_date, c.method, c.note, \
         COALESCE(a.full_name, a.username) AS recorded_by, c.created_at \
         FROM consents c LEFT JOIN accounts a ON a.id = c.account_id \
         WHERE c.resident_id = $1 ORDER BY c.id DESC",
        &[resident_id.into()],
    )
    .await
}

/// The resident's current state: consenting (true) or withdrawn, and since when.
pub async fn current(db: &Db, resident_id: i64) -> Result<(bool, Option<String>)> {
    let (consent, date): (i64, Option<String>) = db
        .fetch_one(
            "SELECT consent, consent_date FROM residents WHERE id = $1",
            &[resident_id.into()],
        )
        .await?;
    Ok((consent == 1, date))
}
