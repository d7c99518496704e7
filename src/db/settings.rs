//! Commune settings (key → value), such as whether households are assigned to members.

use super::Db;
use crate::error::Result;
use crate::indicators::period;
use sqlx::AnyConnection;

/// Households are assigned to members, and a member sees only theirs. Off by default.
pub const ASSIGNMENT: &str = "assignment";
/// The day of the month hamlet reports are due (PRODUCT.md §5).
pub const REPORT_DUE_DAY: &str = "report_due_day";
pub const DEFAULT_REPORT_DUE_DAY: u32 = 25;

pub async fn get(db: &Db, commune_id: i64, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = db
        .fetch_optional(
            "SELECT value FROM commune_settings WHERE commune_id = $1 AND key = $2",
            &[commune_id.into(), key.into()],
        )
        .await?;
    Ok(row.map(|(v,)| v))
}

pub async fn is_on(db: &Db, commune_id: i64, key: &str) -> Result<bool> {
    Ok(get(db, commune_id, key).await?.as_deref() == Some("on"))
}

pub async fn set(conn: &mut AnyConnection, commune_id: i64, key: &str, value: &str) -> Result<()> {
    crate::db::query(
        "INSERT INTO commune_settings (commune_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (commune_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(commune_id)
    .bind(key.to_string())
    .bind(value.to_string())
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A report due day kept as history: the setting's key (`report_due_day`; its history rows are
/// `report_due_day@2026-05` = the day in force from May 2026 on, `@0000-00` before any change),
/// the day before anyone sets it, and whether the day falls in the month after the report's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueDaySetting {
    pub key: &'static str,
    pub default: u32,
    pub next_month: bool,
}

/// The hamlets' monthly reports to the commune: by the 25th of the month itself.
pub const HAMLET_REPORTS: DueDaySetting = DueDaySetting {
    key: REPORT_DUE_DAY,
    default: DEFAULT_REPORT_DUE_DAY,
    next_month: false,
};

impl DueDaySetting {
    fn history_prefix(&self) -> String {
        format!("{}@", self.key)
    }

    /// The SQL condition on `key` that selects the setting's rows (keys are constants).
    pub fn keys(&self) -> String {
        format!(
            "(key = '{}' OR key LIKE '{}%')",
            self.key,
            self.history_prefix()
        )
    }
}

/// A report due day over time, so that moving the day judges the months to come by the new
/// day and leaves past months as they were judged.
#[derive(Clone, Debug)]
pub struct DueDays {
    setting: DueDaySetting,
    /// (first month code, day), in month order.
    from: Vec<(String, u32)>,
    current: Option<u32>,
}

impl Default for DueDays {
    fn default() -> DueDays {
        DueDays::of(HAMLET_REPORTS, Vec::new())
    }
}

impl DueDays {
    /// The hamlets' due day from `(key, value)` rows of `commune_settings`.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, String)>) -> DueDays {
        DueDays::of(HAMLET_REPORTS, rows)
    }

    /// `setting`'s due day from `(key, value)` rows of `commune_settings`.
    pub fn of(setting: DueDaySetting, rows: impl IntoIterator<Item = (String, String)>) -> DueDays {
        let prefix = setting.history_prefix();
        let mut d = DueDays {
            setting,
            from: Vec::new(),
            current: None,
        };
        for (key, value) in rows {
            let Ok(day) = value.parse::<u32>() else {
                continue;
            };
            if key == setting.key {
                d.current = Some(day);
            } else if let Some(month) = key.strip_prefix(&prefix) {
                d.from.push((month.to_string(), day));
            }
        }
        d.from.sort();
        d
    }

    /// The due day of the report of month `month_code` (`2026-05`).
    pub fn for_month(&self, month_code: &str) -> u32 {
        self.from
            .iter()
            .rev()
            .find(|(from, _)| from.as_str() <= month_code)
            .map(|(_, day)| *day)
            .or(self.current)
            .unwrap_or(self.setting.default)
    }

    pub fn current(&self) -> u32 {
        self.current.unwrap_or(self.setting.default)
    }

    /// The due date of month `m`'s report, `yyyy-mm-dd`.
    pub fn due_date(&self, m: period::Month) -> String {
        let month = if self.setting.next_month { m + 1 } else { m };
        period::due_date(month, self.for_month(&period::month_code(m)))
    }
}

/// The SQL condition on `key` that selects a commune's hamlet-report due-day rows.
pub fn due_day_keys() -> String {
    HAMLET_REPORTS.keys()
}

/// The hamlets' due day of a commune.
pub async fn due_days(db: &Db, commune_id: i64) -> Result<DueDays> {
    due_days_of(db, commune_id, HAMLET_REPORTS).await
}

/// `setting`'s due day held by an area (a commune for its hamlets, a province for its communes).
pub async fn due_days_of(db: &Db, area_id: i64, setting: DueDaySetting) -> Result<DueDays> {
    let rows: Vec<(String, String)> = db
        .fetch_all(
            &format!(
                "SELECT key, value FROM commune_settings WHERE commune_id = $1 AND {}",
                setting.keys()
            ),
            &[area_id.into()],
        )
        .await?;
    Ok(DueDays::of(setting, rows))
}

/// Sets the due day from `from_month` on; the months before keep the day they had.
pub async fn set_due_day(
    conn: &mut AnyConnection,
    area_id: i64,
    day: u32,
    (from_month, before): (&str, &DueDays),
) -> Result<()> {
    let (key, prefix) = (before.setting.key, before.setting.history_prefix());
    if before.from.is_empty() {
        set(
            conn,
            area_id,
            &format!("{prefix}0000-00"),
            &before.current().to_string(),
        )
        .await?;
    }
    // A change dated before later ones (a replayed calendar) replaces them.
    crate::db::query(
        "DELETE FROM commune_settings WHERE commune_id = $1 AND key > $2 AND key LIKE $3",
    )
    .bind(area_id)
    .bind(format!("{prefix}{from_month}"))
    .bind(format!("{prefix}%"))
    .execute(&mut *conn)
    .await?;
    set(
        conn,
        area_id,
        &format!("{prefix}{from_month}"),
        &day.to_string(),
    )
    .await?;
    set(conn, area_id, key, &day.to_string()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_due_day_leaves_past_months_alone() {
        let none = DueDays::from_rows(Vec::new());
        assert_eq!(none.for_month("2026-05"), 25);
        let legacy = DueDays::from_rows([(REPORT_DUE_DAY.to_string(), "20".to_string())]);
        assert_eq!(legacy.for_month("2026-01"), 20);
        let moved = DueDays::from_rows([
            (REPORT_DUE_DAY.to_string(), "15".to_string()),
            ("report_due_day@0000-00".to_string(), "25".to_string()),
            ("report_due_day@2026-05".to_string(), "20".to_string()),
            ("report_due_day@2026-09".to_string(), "15".to_string()),
        ]);
        assert_eq!(moved.for_month("2026-04"), 25);
        assert_eq!(moved.for_month("2026-05"), 20);
        assert_eq!(moved.for_month("2026-08"), 20);
        assert_eq!(moved.for_month("2026-12"), 15);
        assert_eq!(moved.current(), 15);
    }
}
