//! Residents (nhân khẩu) and their service statuses with history.

use super::write_group::WriteGroup;
use super::{Db, Filter, Page, Param};
use crate::auth::PersonalScope;
use crate::crypto::Keys;
use crate::error::{AppError, Result};
use crate::text;
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct Resident {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub hamlet_name: String,
    pub household_id: i64,
    pub household_code: String,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub cccd_masked: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub has_smartphone: Option<i64>,
    pub status: String,
    pub notes: Option<String>,
    pub active: i64,
    pub version: i64,
}

impl Resident {
    /// `dd/mm/yyyy`, or the year alone when only the year is known.
    pub fn birth_label(&self) -> String {
        match (&self.birth_date, self.birth_year) {
            (Some(d), _) => text::format_date(d),
            (None, Some(y)) => y.to_string(),
            _ => String::new(),
        }
    }
    pub fn gender_label(&self) -> &'static str {
        match self.gender.as_deref() {
            Some("male") => "Nam",
            Some("female") => "Nữ",
            _ => "",
        }
    }
    pub fn status_label(&self) -> &'static str {
        crate::codes::resident_status_label(&self.status)
    }
    pub fn smartphone_label(&self) -> &'static str {
        match self.has_smartphone {
            Some(1) => "Có",
            Some(_) => "Không",
            None => "Chưa rõ",
        }
    }
}

const SELECT: &str = "SELECT r.id, r.commune_id, r.hamlet_id, a.name AS hamlet_name, r.household_id, \
    h.code AS household_code, r.full_name, r.birth_date, r.birth_year, r.gender, r.cccd_masked, r.phone, \
    r.relation, r.has_smartphone, r.status, r.notes, r.active, r.version \
    FROM residents r JOIN areas a ON a.id = r.hamlet_id JOIN households h ON h.id = r.household_id";

#[derive(Default)]
pub struct ListFilter<'a> {
    pub hamlet_id: Option<i64>,
    pub household_id: Option<i64>,
    pub q: &'a str,
    pub include_inactive: bool,
    /// Leave off those who withdrew their consent (exports: a file travels).
    pub consented_only: bool,
}

/// Residents in the caller's scope, searched ignoring diacritics, in Vietnamese name order.
pub async fn list(
    db: &Db,
    scope: PersonalScope,
    lf: &ListFilter<'_>,
    page: i64,
    per_page: i64,
) -> Result<Page<Resident>> {
    let mut f = Filter::default();
    f.scope(scope, "r.", "household_id");
    if let Some(h) = lf.hamlet_id {
        f.add("r.hamlet_id = ?", h);
    }
    if let Some(h) = lf.household_id {
        f.add("r.household_id = ?", h);
    }
    if !lf.include_inactive {
        f.raw("r.active = 1");
    }
    if lf.consented_only && !scope.consented_only {
        f.raw("r.consent = 1");
    }
    f.search("r.search_text", lf.q);
    let w = f.where_sql();
    let total = db
        .scalar_i64(&format!("SELECT COUNT(*) FROM residents r{w}"), &f.params)
        .await?;
    let page = page.clamp(1, 1_000_000);
    let limit = f.push(per_page);
    let offset = f.push((page - 1) * per_page);
    let items = db
        .fetch_all(
            &format!("{SELECT}{w} ORDER BY r.sort_key, r.id LIMIT {limit} OFFSET {offset}"),
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

/// The resident, if inside the caller's scope.
pub async fn get(db: &Db, scope: PersonalScope, id: i64) -> Result<Option<Resident>> {
    let mut f = Filter::default();
    f.scope(scope, "r.", "household_id");
    f.add("r.id = ?", id);
    db.fetch_optional(&format!("{SELECT}{}", f.where_sql()), &f.params)
        .await
}

/// The full citizen ID; callers must log that it was shown.
pub async fn reveal_cccd(db: &Db, keys: &Keys, scope: PersonalScope, id: i64) -> Result<String> {
    let mut f = Filter::default();
    f.scope(scope, "", "household_id");
    f.add("id = ?", id);
    let row: Option<(Option<String>,)> = db
        .fetch_optional(
            &format!("SELECT cccd_enc FROM residents{}", f.where_sql()),
            &f.params,
        )
        .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((None,)) => Ok(String::new()),
        Some((Some(enc),)) => keys.decrypt(&enc),
    }
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct ServiceStatus {
    pub resident_id: i64,
    pub service_code: String,
    pub status: String,
    pub status_date: String,
}

/// Current statuses of many residents in one query.
pub async fn statuses(db: &Db, resident_ids: &[i64]) -> Result<Vec<ServiceStatus>> {
    if resident_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for chunk in resident_ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Param> = chunk.iter().map(|&i| i.into()).collect();
        let rows: Vec<ServiceStatus> = db
            .fetch_all(
                &format!(
                    "SELECT resident_id, service_code, status, status_date FROM resident_services \
                     WHERE resident_id IN ({})",
                    placeholders.join(", ")
                ),
                &params,
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

#[derive(sqlx::FromRow, Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub service_code: String,
    pub status: String,
    pub status_date: String,
    pub recorded_by: Option<String>,
    pub recorded_at: i64,
}

pub async fn history(db: &Db, resident_id: i64) -> Result<Vec<HistoryEntry>> {
    db.fetch_all(
        "SELECT h.service_code, h.status, h.status_date, a.username AS recorded_by, h.recorded_at \
         FROM service_status_history h LEFT JOIN accounts a ON a.id = h.recorded_by \
         WHERE h.resident_id = $1 ORDER BY h.recorded_at DESC, h.id DESC",
        &[resident_id.into()],
    )
    .await
}

/// What a form or an import says about a resident.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ResidentEdit {
    pub household_id: i64,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    /// Plain 12-digit citizen ID; `None` keeps the stored one on update.
    #[serde(skip)]
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub has_smartphone: Option<i64>,
    pub status: String,
    pub notes: Option<String>,
}

impl ResidentEdit {
    pub fn validate(&self) -> Result<()> {
        if self.full_name.trim().is_empty() {
            return Err(AppError::invalid("Họ và tên không được để trống."));
        }
        if self.birth_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
            return Err(AppError::invalid("Năm sinh không hợp lệ."));
        }
        if crate::codes::resident_status_label(&self.status).is_empty() {
            return Err(AppError::invalid("Tình trạng cư trú không hợp lệ."));
        }
        Ok(())
    }
}

fn birth_year_of(e: &ResidentEdit) -> Option<i64> {
    e.birth_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse().ok())
        .or(e.birth_year)
}

pub async fn insert(
    conn: &mut AnyConnection,
    keys: &Keys,
    commune_id: i64,
    hamlet_id: i64,
    e: &ResidentEdit,
) -> Result<i64> {
    e.validate()?;
    let now = super::now();
    let (enc, hash, masked) = cccd_columns(keys, e.cccd.as_deref());
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO residents (commune_id, hamlet_id, household_id, full_name, search_text, sort_key, \
         birth_date, birth_year, gender, cccd_enc, cccd_hash, cccd_masked, phone, relation, has_smartphone, \
         status, notes, consent, active, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, 1, 1, $18, $18) \
         RETURNING id",
    )
    .bind(commune_id)
    .bind(hamlet_id)
    .bind(e.household_id)
    .bind(e.full_name.clone())
    .bind(text::fold(&e.full_name))
    .bind(text::sort_key(&e.full_name))
    .bind(e.birth_date.clone())
    .bind(birth_year_of(e))
    .bind(e.gender.clone())
    .bind(enc)
    .bind(hash)
    .bind(masked)
    .bind(e.phone.clone())
    .bind(e.relation.clone())
    .bind(e.has_smartphone)
    .bind(e.status.clone())
    .bind(e.notes.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    super::indicator_sources::refresh_residents(conn, &[id]).await?;
    Ok(id)
}

pub fn cccd_columns(
    keys: &Keys,
    cccd: Option<&str>,
) -> (Option<String>, Option<String>, Option<String>) {
    match cccd {
        Some(c) if !c.is_empty() => (
            Some(keys.encrypt(c)),
            Some(keys.match_hash(c)),
            Some(text::mask_cccd(c)),
        ),
        _ => (None, None, None),
    }
}

pub async fn update(
    conn: &mut AnyConnection,
    keys: &Keys,
    id: i64,
    hamlet_id: i64,
    e: &ResidentEdit,
) -> Result<()> {
    e.validate()?;
    crate::db::query(
        "UPDATE residents SET household_id = $1, hamlet_id = $2, full_name = $3, search_text = $4, sort_key = $5, \
         birth_date = $6, birth_year = $7, gender = $8, phone = $9, relation = $10, has_smartphone = $11, \
         status_date = CASE WHEN status = $12 THEN status_date WHEN $12 = 'living' THEN NULL ELSE $16 END, \
         status = $12, notes = $13, version = version + 1, updated_at = $14 WHERE id = $15",
    )
    .bind(e.household_id)
    .bind(hamlet_id)
    .bind(e.full_name.clone())
    .bind(text::fold(&e.full_name))
    .bind(text::sort_key(&e.full_name))
    .bind(e.birth_date.clone())
    .bind(birth_year_of(e))
    .bind(e.gender.clone())
    .bind(e.phone.clone())
    .bind(e.relation.clone())
    .bind(e.has_smartphone)
    .bind(e.status.clone())
    .bind(e.notes.clone())
    .bind(super::now())
    .bind(id)
    .bind(super::today())
    .execute(&mut *conn)
    .await?;
    super::indicator_sources::refresh_residents(conn, &[id]).await?;
    if let Some(c) = e.cccd.as_deref().filter(|c| !c.is_empty()) {
        let (enc, hash, masked) = cccd_columns(keys, Some(c));
        crate::db::query(
            "UPDATE residents SET cccd_enc = $1, cccd_hash = $2, cccd_masked = $3 WHERE id = $4",
        )
        .bind(enc)
        .bind(hash)
        .bind(masked)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<()> {
    crate::db::query(
        "UPDATE residents SET active = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(active as i64)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    super::indicator_sources::refresh_residents(conn, &[id]).await
}

/// Sets one service status and appends it to the history; nothing is overwritten there.
#[allow(clippy::too_many_arguments)] // each is one column of the history row
pub async fn set_service_status(
    conn: &mut AnyConnection,
    commune_id: i64,
    resident_id: i64,
    service_code: &str,
    status: &str,
    status_date: &str,
    account_id: Option<i64>,
    help_id: Option<i64>,
) -> Result<()> {
    write_service_status(
        conn,
        commune_id,
        resident_id,
        service_code,
        status,
        status_date,
        account_id,
        help_id,
    )
    .await?;
    super::indicator_sources::refresh_residents(conn, &[resident_id]).await
}

/// `set_service_status` without the count refresh, for a writer that refreshes the residents
/// it touched once, before it commits.
#[allow(clippy::too_many_arguments)] // each is one column of the history row
pub async fn write_service_status(
    conn: &mut AnyConnection,
    commune_id: i64,
    resident_id: i64,
    service_code: &str,
    status: &str,
    status_date: &str,
    account_id: Option<i64>,
    help_id: Option<i64>,
) -> Result<()> {
    let now = super::now();
    crate::db::query(
        "INSERT INTO service_status_history (commune_id, resident_id, service_code, status, status_date, recorded_by, recorded_at, help_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(commune_id)
    .bind(resident_id)
    .bind(service_code.to_string())
    .bind(status.to_string())
    .bind(status_date.to_string())
    .bind(account_id)
    .bind(now)
    .bind(help_id)
    .execute(&mut *conn)
    .await?;
    crate::db::query(
        "INSERT INTO resident_services (commune_id, resident_id, service_code, status, status_date, recorded_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (resident_id, service_code) DO UPDATE SET status = excluded.status, \
         status_date = excluded.status_date, recorded_by = excluded.recorded_by, updated_at = excluded.updated_at",
    )
    .bind(commune_id)
    .bind(resident_id)
    .bind(service_code.to_string())
    .bind(status.to_string())
    .bind(status_date.to_string())
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The tracked fields of a resident as the change log stores them.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Tracked {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub household_id: i64,
    pub version: i64,
    pub active: i64,
    pub phone: Option<String>,
    pub has_smartphone: Option<i64>,
    pub status: String,
    pub consent: i64,
}

impl Tracked {
    pub fn value(&self, field: &str) -> Option<String> {
        match field {
            "phone" => self.phone.clone(),
            "has_smartphone" => self.has_smartphone.map(|v| v.to_string()),
            "status" => Some(self.status.clone()),
            _ => None,
        }
    }
}

/// The resident's tracked fields, locked until the transaction ends (SQLite's `BEGIN IMMEDIATE`
/// already serialises writers), so two writers cannot both build on the same version.
pub async fn tracked(conn: &mut AnyConnection, id: i64) -> Result<Option<Tracked>> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    Ok(crate::db::query_as(&format!(
        "SELECT id, commune_id, hamlet_id, household_id, version, active, phone, has_smartphone, status, consent \
         FROM residents WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// `tracked` for many residents in one query, locked in id order (two batches naming the same
/// residents wait for each other instead of deadlocking).
pub async fn tracked_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Tracked>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let set = super::id_set::IdSet::new(conn, chunk);
        let rows: Vec<Tracked> = crate::db::query_as(&format!(
            "SELECT id, commune_id, hamlet_id, household_id, version, active, phone, has_smartphone, status, consent \
             FROM residents WHERE {} ORDER BY id{lock}",
            set.sql("id", 1)
        ))
        .bind(set.text())
        .fetch_all(&mut *conn)
        .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The current status of each (resident, service) pair that has one, in one query.
pub async fn service_statuses(
    conn: &mut AnyConnection,
    pairs: &[(i64, String)],
) -> Result<Vec<(i64, String, String, String)>> {
    let mut residents: Vec<i64> = pairs.iter().map(|(r, _)| *r).collect();
    residents.sort_unstable();
    residents.dedup();
    let wanted: std::collections::HashSet<&(i64, String)> = pairs.iter().collect();
    let mut out = Vec::new();
    for chunk in residents.chunks(500) {
        let set = super::id_set::IdSet::new(conn, chunk);
        let rows: Vec<(i64, String, String, String)> = crate::db::query_as(&format!(
            "SELECT resident_id, service_code, status, status_date FROM resident_services \
             WHERE {}",
            set.sql("resident_id", 1)
        ))
        .bind(set.text())
        .fetch_all(&mut *conn)
        .await?;
        out.extend(
            rows.into_iter()
                .filter(|(r, s, _, _)| wanted.contains(&(*r, s.clone()))),
        );
    }
    Ok(out)
}

/// A service status a help moved, written with the others of its batch by `write_statuses`.
#[derive(Clone, Debug)]
pub struct StatusWrite {
    pub commune_id: i64,
    pub resident_id: i64,
    pub service_code: String,
    pub status: &'static str,
    pub status_date: String,
    pub account_id: Option<i64>,
    pub help_id: Option<i64>,
}

/// `write_service_status` for many, added to `group`: every step into the history, and each
/// pair's last step as its current status, in two statements per hundred rows.
pub fn write_statuses(group: &mut WriteGroup, rows: &[StatusWrite]) {
    let now = super::now();
    for chunk in rows.chunks(100) {
        let sql = format!(
            "INSERT INTO service_status_history (commune_id, resident_id, service_code, status, \
             status_date, recorded_by, help_id, recorded_at) VALUES {}",
            super::value_rows(chunk.len(), 7, 1)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 7 + 1);
        for w in chunk {
            params.extend([
                w.commune_id.into(),
                w.resident_id.into(),
                w.service_code.clone().into(),
                w.status.into(),
                w.status_date.clone().into(),
                w.account_id.into(),
                w.help_id.into(),
            ]);
        }
        params.push(now.into());
        group.push(sql, params);
    }
    // One row per pair in an upsert: the last step wins.
    let mut last: Vec<&StatusWrite> = Vec::new();
    for w in rows.iter().rev() {
        if !last
            .iter()
            .any(|l| l.resident_id == w.resident_id && l.service_code == w.service_code)
        {
            last.push(w);
        }
    }
    last.reverse();
    for chunk in last.chunks(100) {
        let sql = format!(
            "INSERT INTO resident_services (commune_id, resident_id, service_code, status, \
             status_date, recorded_by, updated_at) VALUES {} \
             ON CONFLICT (resident_id, service_code) DO UPDATE SET status = excluded.status, \
             status_date = excluded.status_date, recorded_by = excluded.recorded_by, \
             updated_at = excluded.updated_at",
            super::value_rows(chunk.len(), 6, 1)
        );
        let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 6 + 1);
        for w in chunk {
            params.extend([
                w.commune_id.into(),
                w.resident_id.into(),
                w.service_code.clone().into(),
                w.status.into(),
                w.status_date.clone().into(),
                w.account_id.into(),
            ]);
        }
        params.push(now.into());
        group.push(sql, params);
    }
}

/// The tracked fields someone other than `account_id` changed after `version` (a member who
/// edits twice before their phone refreshed does not conflict with themself).
pub async fn changed_since(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    account_id: i64,
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<(String,)> = crate::db::query_as(
        "SELECT DISTINCT field FROM resident_changes WHERE resident_id = $1 AND version > $2 \
         AND (account_id IS NULL OR account_id <> $3)",
    )
    .bind(id)
    .bind(version)
    .bind(account_id)
    // Planned each time: the change log starts empty, and a plan kept from then would scan
    // it whole as it grows (see `sync::earlier_many`).
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(f,)| f).collect())
}

/// Writes tracked fields as one new version, and logs each change with that version.
pub async fn apply_tracked(
    conn: &mut AnyConnection,
    before: &Tracked,
    changes: &[(&str, Option<String>)],
    account_id: Option<i64>,
) -> Result<i64> {
    let version = before.version + 1;
    for (field, value) in changes {
        let sql = match *field {
            "phone" => "UPDATE residents SET phone = $1 WHERE id = $2",
            // The date a resident moved away or died is the day it was recorded.
            "status" => {
                crate::db::query(
                    "UPDATE residents SET status = $1, \
                     status_date = CASE WHEN $1 = 'living' THEN NULL ELSE $3 END WHERE id = $2",
                )
                .bind(value.clone())
                .bind(before.id)
                .bind(super::today())
                .execute(&mut *conn)
                .await?;
                continue;
            }
            "has_smartphone" => {
                crate::db::query("UPDATE residents SET has_smartphone = $1 WHERE id = $2")
                    .bind(value.as_deref().and_then(|v| v.parse::<i64>().ok()))
                    .bind(before.id)
                    .execute(&mut *conn)
                    .await?;
                continue;
            }
            other => return Err(AppError::Internal(format!("untracked field {other}"))),
        };
        crate::db::query(sql)
            .bind(value.clone())
            .bind(before.id)
            .execute(&mut *conn)
            .await?;
    }
    crate::db::query("UPDATE residents SET version = $1, updated_at = $2 WHERE id = $3")
        .bind(version)
        .bind(super::now())
        .bind(before.id)
        .execute(&mut *conn)
        .await?;
    let changed: Vec<(&str, Option<String>, Option<String>)> = changes
        .iter()
        .map(|(f, v)| (*f, before.value(f), v.clone()))
        .collect();
    log_changes(conn, before, version, &changed, account_id).await?;
    super::indicator_sources::refresh_residents(conn, &[before.id]).await?;
    Ok(version)
}

/// Logs tracked-field changes made at `version`, so an offline edit from an older version
/// can tell whether the same field moved since.
pub async fn log_changes(
    conn: &mut AnyConnection,
    r: &Tracked,
    version: i64,
    changes: &[(&str, Option<String>, Option<String>)],
    account_id: Option<i64>,
) -> Result<()> {
    for (field, old, new) in changes.iter().filter(|(_, o, n)| o != n) {
        crate::db::query(
            "INSERT INTO resident_changes (commune_id, resident_id, version, field, old_value, new_value, account_id, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(r.commune_id)
        .bind(r.id)
        .bind(version)
        .bind(field.to_string())
        .bind(old.clone())
        .bind(new.clone())
        .bind(account_id)
        .bind(super::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
