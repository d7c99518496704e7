//! Help records (lượt hỗ trợ): append-only; a help sets the resident's service status, and the
//! status history keeps every step.

use super::write_group::WriteGroup;
use super::{Db, Param};
use crate::error::Result;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// One help to record.
pub struct NewHelp<'a> {
    pub client_id: Option<&'a str>,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub resident_id: i64,
    pub member_id: Option<i64>,
    pub account_id: Option<i64>,
    /// A service, or `None` for an online public-service dossier.
    pub service_code: Option<&'a str>,
    pub dossier_kind: Option<&'a str>,
    pub done: bool,
    pub date: &'a str,
    pub activity_id: Option<i64>,
}

/// Appends the help and moves the service status forward: a done help makes it done (dated
/// the earliest done help), a help not yet done makes an untouched service "in progress". A
/// help never moves a status back.
pub async fn insert(conn: &mut AnyConnection, h: &NewHelp<'_>) -> Result<i64> {
    let id = append(conn, h).await?;
    if let (Some(a), Some(m)) = (h.activity_id, h.member_id) {
        super::activities::add_member(conn, a, m, h.commune_id).await?;
    }
    // A first help makes the resident "guided".
    super::indicator_sources::refresh_residents(conn, &[h.resident_id]).await?;
    Ok(id)
}

/// The help's row and the status it moves.
async fn append(conn: &mut AnyConnection, h: &NewHelp<'_>) -> Result<i64> {
    let id = insert_row(conn, h).await?;
    if let Some(service) = h.service_code {
        let current: Option<(String, String)> = crate::db::query_as(
            "SELECT status, status_date FROM resident_services WHERE resident_id = $1 AND service_code = $2",
        )
        .bind(h.resident_id)
        .bind(service.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let next = next_status(
            current.as_ref().map(|(s, d)| (s.as_str(), d.as_str())),
            h.done,
            h.date,
        );
        if let Some(status) = next {
            super::residents::write_service_status(
                conn,
                h.commune_id,
                h.resident_id,
                service,
                status,
                h.date,
                h.account_id,
                Some(id),
            )
            .await?;
        }
    }
    Ok(id)
}

/// Each resident's earliest help date, for those who have one. Helps are never removed, so a
/// date read here stays an upper bound on the resident's first help whatever commits later.
pub async fn first_dates(
    conn: &mut AnyConnection,
    resident_ids: &[i64],
) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for chunk in resident_ids.chunks(500) {
        let set = super::id_set::IdSet::new(conn, chunk);
        // One probe of (resident, date) per resident (migration 0024), not every help read.
        let rows: Vec<(i64, Option<String>)> = crate::db::query_as(&format!(
            "SELECT r.id, (SELECT MIN(x.help_date) FROM help_records x WHERE x.resident_id = r.id) \
             FROM residents r WHERE {}",
            set.sql("r.id", 1)
        ))
        .bind(set.text())
        .fetch_all(&mut *conn)
        .await?;
        out.extend(rows.into_iter().filter_map(|(id, d)| Some((id, d?))));
    }
    Ok(out)
}

/// Whether a help dated `date` can move its resident's counts: only a first help, one earlier
/// than the first (`first`), or one that made a service done (`new_status`, from
/// `next_status`; the steps read only the services done, and a done one never moves back).
/// Any other help leaves every input of the resident's and household's steps as it was, so
/// the batch need not read the household again to find nothing changed.
pub fn moves_counts(first: Option<&str>, date: &str, new_status: Option<&str>) -> bool {
    new_status == Some("done") || first.is_none_or(|f| date < f)
}

/// The help's own row, nothing else: a caller appending many helps moves their statuses,
/// credits the members and refreshes the counts once for all of them, before it commits.
pub async fn insert_row(conn: &mut AnyConnection, h: &NewHelp<'_>) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO help_records (client_id, commune_id, hamlet_id, resident_id, member_id, account_id, \
         service_code, dossier_kind, done, help_date, activity_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(h.client_id.map(str::to_string))
    .bind(h.commune_id)
    .bind(h.hamlet_id)
    .bind(h.resident_id)
    .bind(h.member_id)
    .bind(h.account_id)
    .bind(h.service_code.map(str::to_string))
    .bind(h.dossier_kind.map(str::to_string))
    .bind(h.done as i64)
    .bind(h.date.to_string())
    .bind(h.activity_id)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A help whose id was reserved (`reserve_ids`), written later with others by `insert_rows`.
#[derive(Clone, Debug)]
pub struct HelpRow {
    pub id: i64,
    pub client_id: Option<String>,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub resident_id: i64,
    pub member_id: Option<i64>,
    pub account_id: Option<i64>,
    pub service_code: Option<String>,
    pub dossier_kind: Option<String>,
    pub done: bool,
    pub date: String,
    pub activity_id: Option<i64>,
}

/// `n` ids for helps written later in the same transaction.
pub async fn reserve_ids(conn: &mut AnyConnection, n: usize) -> Result<Vec<i64>> {
    super::batch::reserve_ids(conn, "help_records", n).await
}

/// Adds the helps (ids reserved) to `group`, a hundred rows a statement.
pub fn insert_rows(group: &mut WriteGroup, rows: &[HelpRow]) {
    let now = super::now();
    for chunk in rows.chunks(100) {
        let sql = format!(
            "INSERT INTO help_records (id, client_id, commune_id, hamlet_id, resident_id, member_id, \
             account_id, service_code, dossier_kind, done, help_date, activity_id, created_at) VALUES {}",
            super::value_rows(chunk.len(), 12, 1)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 12 + 1);
        for h in chunk {
            params.extend([
                h.id.into(),
                h.client_id.clone().into(),
                h.commune_id.into(),
                h.hamlet_id.into(),
                h.resident_id.into(),
                h.member_id.into(),
                h.account_id.into(),
                h.service_code.clone().into(),
                h.dossier_kind.clone().into(),
                (h.done as i64).into(),
                h.date.clone().into(),
                h.activity_id.into(),
            ]);
        }
        params.push(now.into());
        group.push(sql, params);
    }
}

/// The status a help leads to, if it changes anything.
pub fn next_status(current: Option<(&str, &str)>, done: bool, date: &str) -> Option<&'static str> {
    match (current, done) {
        (Some(("done", d)), true) if date >= d => None,
        (_, true) => Some("done"),
        (Some(("done", _)) | Some(("in_progress", _)), false) => None,
        (_, false) => Some("in_progress"),
    }
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HelpEntry {
    pub id: i64,
    pub resident_id: i64,
    pub resident_name: String,
    pub household_id: i64,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub dossier_kind: Option<String>,
    pub done: i64,
    pub help_date: String,
    pub member_name: Option<String>,
    pub activity_id: Option<i64>,
}

impl HelpEntry {
    pub fn what(&self) -> String {
        match (&self.service_name, &self.dossier_kind) {
            (Some(s), _) => s.clone(),
            (None, Some(k)) => format!("Hồ sơ DVC: {}", crate::fieldwork::dossier_kind_label(k)),
            _ => String::new(),
        }
    }
    pub fn outcome(&self) -> &'static str {
        if self.done == 1 {
            "Đã hoàn thành"
        } else {
            "Đang hướng dẫn"
        }
    }
}

/// Someone who withdrew their consent is not named in lists of help (an activity's, a month's):
/// the help still counts.
const SELECT: &str = "SELECT hr.id, hr.resident_id, \
    CASE WHEN r.consent = 1 THEN r.full_name ELSE '(đã rút lại đồng ý)' END AS resident_name, r.household_id, \
    hr.service_code, s.short_name AS service_name, hr.dossier_kind, hr.done, hr.help_date, \
    m.full_name AS member_name, hr.activity_id \
    FROM help_records hr JOIN residents r ON r.id = hr.resident_id \
    LEFT JOIN services s ON s.code = hr.service_code LEFT JOIN members m ON m.id = hr.member_id";

pub async fn for_activity(db: &Db, activity_id: i64) -> Result<Vec<HelpEntry>> {
    db.fetch_all(
        &format!("{SELECT} WHERE hr.activity_id = $1 ORDER BY hr.id"),
        &[activity_id.into()],
    )
    .await
}

pub async fn for_resident(db: &Db, resident_id: i64) -> Result<Vec<HelpEntry>> {
    db.fetch_all(
        &format!("{SELECT} WHERE hr.resident_id = $1 ORDER BY hr.help_date DESC, hr.id DESC"),
        &[resident_id.into()],
    )
    .await
}

/// The help given in the caller's scope between two dates (inclusive), newest first.
pub async fn in_period(
    db: &Db,
    scope: crate::auth::PersonalScope,
    (from, to): (&str, &str),
    (limit, offset): (i64, i64),
) -> Result<Vec<HelpEntry>> {
    // Scoped by the resident's commune, hamlet and (under assignment) household.
    let mut f = super::Filter::default();
    f.scope(scope, "r.", "household_id");
    f.add("hr.help_date >= ?", from);
    f.add("hr.help_date <= ?", to);
    let sql = format!(
        "{SELECT}{} ORDER BY hr.help_date DESC, hr.id DESC LIMIT {} OFFSET {}",
        f.where_sql(),
        limit.clamp(1, 10_000),
        offset.max(0)
    );
    db.fetch_all(&sql, &f.params).await
}

#[cfg(test)]
mod tests {
    use super::{moves_counts, next_status};

    #[test]
    fn only_a_first_earlier_or_completing_help_moves_counts() {
        // Never helped before, or earlier than the first help: the first month may move.
        assert!(moves_counts(None, "2026-05-10", None));
        assert!(moves_counts(Some("2026-05-11"), "2026-05-10", None));
        // The same day as the first help, or later, with no service done: nothing moves.
        assert!(!moves_counts(Some("2026-05-10"), "2026-05-10", None));
        assert!(!moves_counts(Some("2026-05-01"), "2026-05-10", None));
        assert!(!moves_counts(
            Some("2026-05-01"),
            "2026-05-10",
            Some("in_progress")
        ));
        // A service done (or done earlier than it was): counted from its month.
        assert!(moves_counts(Some("2026-05-01"), "2026-05-10", Some("done")));
    }

    #[test]
    fn help_moves_statuses_forward_only() {
        assert_eq!(next_status(None, true, "2026-05-10"), Some("done"));
        assert_eq!(next_status(None, false, "2026-05-10"), Some("in_progress"));
        assert_eq!(
            next_status(Some(("in_progress", "2026-05-01")), true, "2026-05-10"),
            Some("done")
        );
        assert_eq!(
            next_status(Some(("done", "2026-05-01")), false, "2026-05-10"),
            None
        );
        assert_eq!(
            next_status(Some(("done", "2026-05-01")), true, "2026-05-10"),
            None
        );
        // A done help that arrives late from an offline phone dates the status earlier.
        assert_eq!(
            next_status(Some(("done", "2026-05-20")), true, "2026-05-10"),
            Some("done")
        );
        assert_eq!(
            next_status(Some(("none", "2026-05-01")), false, "2026-05-10"),
            Some("in_progress")
        );
    }
}
