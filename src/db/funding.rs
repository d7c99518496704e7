//! Kinh phí in the database (issue 19): sources and allotments, rates, the commune's rules,
//! payment lists and their lines, expenses. What is owed is decided by `crate::funding`; this
//! module gathers its inputs and keeps the lists. A line is frozen when its list is approved,
//! and the unique index on frozen lines' `pay_key` (migration 0016) refuses a second payment.

use super::{Db, Param};
use crate::error::{AppError, Result};
use crate::funding::{self, Inputs, Line, Member, Presence, Rate, Rules, Standing, Team};
use crate::indicators::period::{self, Month, Period};
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Source {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub doc_number: Option<String>,
    pub doc_date: Option<String>,
    pub cap_percent: Option<i64>,
    /// The allotment of the year asked for (0 when none is set).
    pub allotted: i64,
}

impl Source {
    pub fn kind_label(&self) -> &'static str {
        crate::codes::label(&funding::SOURCE_KINDS, &self.kind)
    }
}

/// The commune's sources with their allotments for `year`.
pub async fn sources(db: &Db, commune: i64, year: i64) -> Result<Vec<Source>> {
    db.fetch_all(
        "SELECT s.id, s.kind, s.name, s.doc_number, s.doc_date, s.cap_percent, \
         COALESCE(a.amount, 0) AS allotted FROM funding_sources s \
         LEFT JOIN funding_allotments a ON a.source_id = s.id AND a.year = $2 \
         WHERE s.commune_id = $1 AND s.active = 1 ORDER BY s.id",
        &[commune.into(), year.into()],
    )
    .await
}

/// A source of the commune, or 404.
pub async fn source(db: &Db, commune: i64, id: i64) -> Result<Source> {
    db.fetch_optional(
        "SELECT s.id, s.kind, s.name, s.doc_number, s.doc_date, s.cap_percent, 0 AS allotted \
         FROM funding_sources s WHERE s.commune_id = $1 AND s.id = $2 AND s.active = 1",
        &[commune.into(), id.into()],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub struct NewSource<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub doc_number: Option<&'a str>,
    pub doc_date: Option<&'a str>,
    pub cap_percent: Option<i64>,
}

pub async fn add_source(conn: &mut AnyConnection, commune: i64, s: &NewSource<'_>) -> Result<i64> {
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO funding_sources (commune_id, kind, name, doc_number, doc_date, cap_percent, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(commune)
    .bind(s.kind)
    .bind(s.name)
    .bind(s.doc_number)
    .bind(s.doc_date)
    .bind(s.cap_percent)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Sets a source's allotment for a year.
pub async fn set_allotment(
    conn: &mut AnyConnection,
    source: i64,
    year: i64,
    amount: i64,
) -> Result<()> {
    crate::db::query("DELETE FROM funding_allotments WHERE source_id = $1 AND year = $2")
        .bind(source)
        .bind(year)
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "INSERT INTO funding_allotments (source_id, year, amount) VALUES ($1, $2, $3)",
    )
    .bind(source)
    .bind(year)
    .bind(amount)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RateRow {
    id: i64,
    source_id: i64,
    source_name: String,
    kind: String,
    amount: i64,
    from_month: String,
}

/// Every rate of the commune, oldest first.
pub async fn rates(db: &Db, commune: i64) -> Result<Vec<Rate>> {
    let rows: Vec<RateRow> = db
        .fetch_all(
            "SELECT r.id, r.source_id, s.name AS source_name, r.kind, r.amount, r.from_month \
             FROM funding_rates r JOIN funding_sources s ON s.id = r.source_id \
             WHERE r.commune_id = $1 ORDER BY r.from_month, r.id",
            &[commune.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Rate {
                id: r.id,
                source_id: r.source_id,
                source_name: r.source_name,
                kind: r.kind,
                amount: r.amount,
                from: period::month_of_date(&r.from_month)?,
            })
        })
        .collect())
}

/// Adds a rate from a month on. Refused for a month already in an approved list (those are
/// never repriced) and, for a capped top-up, above its cap.
pub async fn add_rate(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    (source, kind, amount, from): (i64, &str, i64, Month),
) -> Result<i64> {
    let src = self::source(db, commune, source).await?;
    let (last,): (Option<String>,) = crate::db::query_as(
        "SELECT MAX(month) FROM payment_lists WHERE commune_id = $1 AND status <> 'draft'",
    )
    .bind(commune)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(last) = last.as_deref().and_then(period::month_of_date)
        && from <= last
    {
        return Err(AppError::invalid(format!(
            "Tháng {} đã có danh sách chi được duyệt; mức mới chỉ áp dụng từ tháng {} trở đi.",
            period::month_code(last),
            period::month_code(last + 1)
        )));
    }
    if src.cap_percent.is_some() {
        let all = rates(db, commune).await?;
        let sources = sources(db, commune, period::year_of(from)).await?;
        let province = sources.iter().find(|s| s.kind == "province").map(|s| s.id);
        let base = province
            .and_then(|p| funding::rate_in_force(&all, p, kind, from))
            .map(|r| r.amount);
        funding::check_cap(amount, src.cap_percent, base).map_err(AppError::invalid)?;
    }
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO funding_rates (commune_id, source_id, kind, amount, from_month, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(commune)
    .bind(source)
    .bind(kind)
    .bind(amount)
    .bind(period::month_code(from))
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn rules(db: &Db, commune: i64) -> Result<Rules> {
    let row: Option<(i64, String)> = db
        .fetch_optional(
            "SELECT team_needs_minimum, called_out FROM funding_rules WHERE commune_id = $1",
            &[commune.into()],
        )
        .await?;
    Ok(match row {
        Some((min, kinds)) => Rules {
            team_needs_minimum: min == 1,
            called_out: kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
        },
        None => Rules::default(),
    })
}

pub async fn set_rules(conn: &mut AnyConnection, commune: i64, r: &Rules) -> Result<()> {
    crate::db::query("DELETE FROM funding_rules WHERE commune_id = $1")
        .bind(commune)
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "INSERT INTO funding_rules (commune_id, team_needs_minimum, called_out, updated_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(commune)
    .bind(i64::from(r.team_needs_minimum))
    .bind(r.called_out.join(","))
    .bind(super::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a list for `month` is computed from, and the months it covers.
/// `list`: the list being made, whose own lines do not count as taken.
pub async fn inputs(
    db: &Db,
    commune: i64,
    month: Month,
    list: Option<i64>,
) -> Result<(Vec<Month>, Inputs)> {
    // Catch-up reaches back to the first approved list only: a draft made by mistake for an
    // old month must not widen it.
    let first: Option<(Option<String>,)> = db
        .fetch_optional(
            "SELECT MIN(month) FROM payment_lists WHERE commune_id = $1 AND status <> 'draft'",
            &[commune.into()],
        )
        .await?;
    let first = first
        .and_then(|(m,)| m)
        .and_then(|m| period::month_of_date(&m));
    let months = funding::window(month, first);
    let from = format!("{}-01", period::month_code(months[0]));
    let to = period::last_day_iso(month);
    type TeamRow = (i64, String, Option<String>, i64, i64, Option<String>);
    let teams: Vec<TeamRow> = db
        .fetch_all(
            "SELECT t.id, t.name, t.founded_on, t.created_at, t.active, \
             (SELECT MIN(a.activity_date) FROM activities a WHERE a.team_id = t.id AND a.active = 1) \
             FROM teams t WHERE t.commune_id = $1 ORDER BY t.id",
            &[commune.into()],
        )
        .await?;
    let counts: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT team_id, SUBSTR(activity_date, 1, 7), COUNT(*) FROM activities \
             WHERE commune_id = $1 AND active = 1 AND activity_date >= $2 AND activity_date <= $3 \
             GROUP BY team_id, SUBSTR(activity_date, 1, 7)",
            &[commune.into(), from.as_str().into(), to.as_str().into()],
        )
        .await?;
    let mut activity: HashMap<i64, HashMap<Month, i64>> = HashMap::new();
    for (team, m, n) in counts {
        if let Some(m) = period::month_of_date(&m) {
            activity.entry(team).or_default().insert(m, n);
        }
    }
    let teams = teams
        .into_iter()
        .map(|(id, name, founded, created, active, first_activity)| {
            let created = day_of(created);
            let set_up = [
                founded.as_deref(),
                first_activity.as_deref(),
                Some(created.as_str()),
            ]
            .into_iter()
            .flatten()
            .filter_map(period::month_of_date)
            .min()
            .unwrap_or(month);
            Team {
                id,
                name,
                from: set_up,
                active: active == 1,
                activities: activity.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    type MemberRow = (i64, i64, String, Option<String>, i64, Option<String>, i64);
    let members: Vec<MemberRow> = db
        .fetch_all(
            "SELECT id, team_id, full_name, joined_on, created_at, left_on, active FROM members \
             WHERE commune_id = $1 ORDER BY sort_key, id",
            &[commune.into()],
        )
        .await?;
    let members = members
        .into_iter()
        .map(
            |(id, team_id, name, joined_on, created, left_on, active)| Member {
                id,
                team_id,
                name,
                joined_on,
                created_on: day_of(created),
                left_on,
                active: active == 1,
            },
        )
        .collect();
    let presence: Vec<(i64, String, String)> = db
        .fetch_all(
            "SELECT m.member_id, a.activity_date, a.kind FROM activity_members m \
             JOIN activities a ON a.id = m.activity_id \
             WHERE a.commune_id = $1 AND a.active = 1 AND a.activity_date >= $2 AND a.activity_date <= $3",
            &[commune.into(), from.as_str().into(), to.as_str().into()],
        )
        .await?;
    let presence = presence
        .into_iter()
        .map(|(member_id, day, activity_kind)| Presence {
            member_id,
            day,
            activity_kind,
        })
        .collect();
    // Taken: what approved lists paid, and what other drafts hold (an earlier month's draft
    // keeps its own items; the later list does not repeat them).
    let paid: Vec<(String,)> = db
        .fetch_all(
            "SELECT pay_key FROM payment_lines WHERE commune_id = $1 AND pay_key IS NOT NULL \
             AND (frozen = 1 OR list_id <> $2)",
            &[commune.into(), list.unwrap_or(0).into()],
        )
        .await?;
    Ok((
        months,
        Inputs {
            teams,
            members,
            presence,
            rates: rates(db, commune).await?,
            rules: rules(db, commune).await?,
            paid: paid.into_iter().map(|(k,)| k).collect::<HashSet<_>>(),
        },
    ))
}

/// The day (`yyyy-mm-dd`, Vietnam's time) of a Unix time.
fn day_of(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts + 7 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A payment list's head.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct List {
    pub id: i64,
    pub commune_id: i64,
    pub month: String,
    pub status: String,
    pub prepared_at: i64,
    pub approved_at: Option<i64>,
    pub paid_on: Option<String>,
    pub paid_method: Option<String>,
    pub voucher_no: Option<String>,
    pub prepared_by_name: Option<String>,
    pub approved_by_name: Option<String>,
}

impl List {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "Chờ duyệt",
        "approved" => "Đã duyệt, chờ chi",
        "paid" => "Đã chi",
        _ => "Chưa lập",
    }
}

const LIST_COLS: &str = "l.id, l.commune_id, l.month, l.status, l.prepared_at, l.approved_at, \
    l.paid_on, l.paid_method, l.voucher_no, p.full_name AS prepared_by_name, \
    a.full_name AS approved_by_name FROM payment_lists l \
    LEFT JOIN accounts p ON p.id = l.prepared_by LEFT JOIN accounts a ON a.id = l.approved_by";

pub async fn list(db: &Db, commune: i64, month: Month) -> Result<Option<List>> {
    db.fetch_optional(
        &format!("SELECT {LIST_COLS} WHERE l.commune_id = $1 AND l.month = $2"),
        &[commune.into(), period::month_code(month).into()],
    )
    .await
}

/// The commune's lists of a year, with their totals, newest first.
pub async fn lists(db: &Db, commune: i64, year: i64) -> Result<Vec<(List, i64)>> {
    let heads: Vec<List> = db
        .fetch_all(
            &format!(
                "SELECT {LIST_COLS} WHERE l.commune_id = $1 AND l.month LIKE $2 ORDER BY l.month DESC"
            ),
            &[commune.into(), format!("{year}-%").into()],
        )
        .await?;
    let totals: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT list_id, CAST(SUM(amount) AS BIGINT) FROM payment_lines WHERE commune_id = $1 GROUP BY list_id",
            &[commune.into()],
        )
        .await?;
    let totals: HashMap<i64, i64> = totals.into_iter().collect();
    Ok(heads
        .into_iter()
        .map(|l| {
            let t = totals.get(&l.id).copied().unwrap_or(0);
            (l, t)
        })
        .collect())
}

/// A line as stored, with the names to show.
#[derive(sqlx::FromRow, Clone, Debug, serde::Serialize)]
pub struct StoredLine {
    pub id: i64,
    pub kind: String,
    pub team_id: i64,
    pub team_name: String,
    pub team_area_id: i64,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub month: String,
    pub day: Option<String>,
    pub source_id: i64,
    pub source_name: String,
    pub amount: i64,
    pub basis: String,
}

/// Stored lines as the budget check reads them.
pub fn as_lines(lines: &[StoredLine]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            kind: l.kind.clone(),
            team_id: l.team_id,
            member_id: l.member_id,
            month: period::month_of_date(&l.month).unwrap_or(0),
            day: l.day.clone(),
            source_id: l.source_id,
            rate_id: None,
            amount: l.amount,
            basis: String::new(),
            pay_key: None,
        })
        .collect()
}

/// The lines of a list; `team_area` keeps only one hamlet's team (a hamlet head's view).
pub async fn lines(db: &Db, list_id: i64, team_area: Option<i64>) -> Result<Vec<StoredLine>> {
    let mut params: Vec<Param> = vec![list_id.into()];
    let mut filter = String::new();
    if let Some(a) = team_area {
        params.push(a.into());
        filter = " AND t.area_id = $2".into();
    }
    db.fetch_all(
        &format!(
            "SELECT x.id, x.kind, x.team_id, x.team_name, t.area_id AS team_area_id, x.member_id, \
             x.member_name, x.month, x.day, x.source_id, s.name AS source_name, x.amount, x.basis \
             FROM payment_lines x JOIN teams t ON t.id = x.team_id \
             JOIN funding_sources s ON s.id = x.source_id WHERE x.list_id = $1{filter} \
             ORDER BY x.id"
        ),
        &params,
    )
    .await
}

/// Makes (or makes again) the draft list of a month from the data as it stands now. The
/// adjustment lines finance added are kept. Refused once the list is approved.
pub async fn prepare(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    month: Month,
    account: i64,
) -> Result<i64> {
    let approved = || {
        AppError::invalid(format!(
            "Danh sách tháng {} đã được duyệt, không lập lại được; sai sót được điều chỉnh ở danh sách tháng sau.",
            period::month_code(month)
        ))
    };
    let id = match list(db, commune, month).await? {
        Some(l) if l.status != "draft" => return Err(approved()),
        Some(l) => {
            // Locked and checked again inside the transaction: an approval committed meanwhile
            // must not see its frozen lines replaced.
            let n = crate::db::query(
                "UPDATE payment_lists SET prepared_by = $1, prepared_at = $2 \
                 WHERE id = $3 AND commune_id = $4 AND status = 'draft'",
            )
            .bind(account)
            .bind(super::now())
            .bind(l.id)
            .bind(commune)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(approved());
            }
            crate::db::query(
                "DELETE FROM payment_lines WHERE list_id = $1 AND kind <> 'adjustment'",
            )
            .bind(l.id)
            .execute(&mut *conn)
            .await?;
            l.id
        }
        None => {
            let made: std::result::Result<(i64,), sqlx::Error> = crate::db::query_as(
                "INSERT INTO payment_lists (commune_id, month, status, prepared_by, prepared_at) \
                 VALUES ($1, $2, 'draft', $3, $4) RETURNING id",
            )
            .bind(commune)
            .bind(period::month_code(month))
            .bind(account)
            .bind(super::now())
            .fetch_one(&mut *conn)
            .await;
            match made {
                Ok((id,)) => id,
                // Two people preparing the same new month at once: one list, the other retries.
                Err(e) if crate::error::is_unique_violation(&e) => {
                    return Err(AppError::invalid(
                        "Danh sách tháng này vừa được lập ở nơi khác; hãy tải lại trang.",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let (months, input) = inputs(db, commune, month, Some(id)).await?;
    let computed = funding::compute(&months, month, &input);
    insert_lines(conn, commune, id, &computed, &input).await?;
    Ok(id)
}

async fn insert_lines(
    conn: &mut AnyConnection,
    commune: i64,
    list_id: i64,
    lines: &[Line],
    input: &Inputs,
) -> Result<()> {
    let team_name: HashMap<i64, &str> = input
        .teams
        .iter()
        .map(|t| (t.id, t.name.as_str()))
        .collect();
    let member_name: HashMap<i64, &str> = input
        .members
        .iter()
        .map(|m| (m.id, m.name.as_str()))
        .collect();
    let mut rows = super::batch::Rows::new(
        "payment_lines",
        "list_id, commune_id, kind, team_id, team_name, member_id, member_name, month, day, \
         source_id, rate_id, amount, basis, pay_key, frozen",
    );
    for l in lines {
        rows.push(vec![
            list_id.into(),
            commune.into(),
            l.kind.as_str().into(),
            l.team_id.into(),
            team_name.get(&l.team_id).copied().unwrap_or("").into(),
            l.member_id.into(),
            l.member_id
                .and_then(|m| member_name.get(&m).map(|n| n.to_string()))
                .into(),
            period::month_code(l.month).into(),
            l.day.clone().into(),
            l.source_id.into(),
            l.rate_id.into(),
            l.amount.into(),
            l.basis.as_str().into(),
            l.pay_key.clone().into(),
            0i64.into(),
        ])?;
    }
    rows.finish(conn).await
}

/// The draft list, locked for this transaction (checked again inside it, so an approval
/// committed meanwhile is seen), or why it cannot be changed.
async fn lock_draft(conn: &mut AnyConnection, commune: i64, list_id: i64) -> Result<()> {
    let n = crate::db::query(
        "UPDATE payment_lists SET prepared_at = prepared_at \
         WHERE id = $1 AND commune_id = $2 AND status = 'draft'",
    )
    .bind(list_id)
    .bind(commune)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::invalid(
            "Danh sách đã được duyệt nên không sửa được; hãy thêm dòng điều chỉnh vào danh sách tháng sau.",
        ));
    }
    Ok(())
}

/// A correction: an amount (negative to take back) for a team or a member, with its reason.
pub struct Adjustment<'a> {
    pub team_id: i64,
    pub member_id: Option<i64>,
    pub month: Month,
    pub source_id: i64,
    pub amount: i64,
    pub reason: &'a str,
}

pub async fn add_adjustment(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    list_id: i64,
    a: &Adjustment<'_>,
) -> Result<i64> {
    lock_draft(conn, commune, list_id).await?;
    source(db, commune, a.source_id).await?;
    let team: Option<(String,)> = db
        .fetch_optional(
            "SELECT name FROM teams WHERE id = $1 AND commune_id = $2",
            &[a.team_id.into(), commune.into()],
        )
        .await?;
    let (team_name,) = team.ok_or_else(|| AppError::invalid("Chọn một tổ của xã."))?;
    let member_name = match a.member_id {
        Some(m) => {
            let row: Option<(String,)> = db
                .fetch_optional(
                    "SELECT full_name FROM members WHERE id = $1 AND team_id = $2",
                    &[m.into(), a.team_id.into()],
                )
                .await?;
            Some(
                row.ok_or_else(|| AppError::invalid("Thành viên không thuộc tổ đã chọn."))?
                    .0,
            )
        }
        None => None,
    };
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO payment_lines (list_id, commune_id, kind, team_id, team_name, member_id, member_name, \
         month, source_id, amount, basis, frozen) \
         VALUES ($1, $2, 'adjustment', $3, $4, $5, $6, $7, $8, $9, $10, 0) RETURNING id",
    )
    .bind(list_id)
    .bind(commune)
    .bind(a.team_id)
    .bind(team_name)
    .bind(a.member_id)
    .bind(member_name)
    .bind(period::month_code(a.month))
    .bind(a.source_id)
    .bind(a.amount)
    .bind(format!("Điều chỉnh tháng {}: {}", period::month_code(a.month), a.reason))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn remove_adjustment(
    conn: &mut AnyConnection,
    commune: i64,
    list_id: i64,
    line: i64,
) -> Result<()> {
    lock_draft(conn, commune, list_id).await?;
    let n = crate::db::query(
        "DELETE FROM payment_lines WHERE id = $1 AND list_id = $2 AND kind = 'adjustment'",
    )
    .bind(line)
    .bind(list_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Approves a draft: the status changes first (locking the list against a concurrent
/// prepare), then its lines are frozen, and the database refuses any line already paid.
pub async fn approve(
    conn: &mut AnyConnection,
    commune: i64,
    list_id: i64,
    account: i64,
) -> Result<()> {
    let n = crate::db::query(
        "UPDATE payment_lists SET status = 'approved', approved_by = $1, approved_at = $2 \
         WHERE id = $3 AND commune_id = $4 AND status = 'draft'",
    )
    .bind(account)
    .bind(super::now())
    .bind(list_id)
    .bind(commune)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::invalid(
            "Danh sách đã được duyệt (có thể vừa được duyệt ở nơi khác).",
        ));
    }
    let frozen = crate::db::query("UPDATE payment_lines SET frozen = 1 WHERE list_id = $1")
        .bind(list_id)
        .execute(&mut *conn)
        .await;
    match frozen {
        Err(e) if crate::error::is_unique_violation(&e) => Err(AppError::invalid(
            "Danh sách có dòng đã được chi ở một danh sách đã duyệt khác (cùng tổ hoặc người, cùng tháng hoặc ngày, cùng nguồn). Hãy lập lại danh sách rồi duyệt.",
        )),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

/// Marks an approved list paid.
pub async fn mark_paid(
    conn: &mut AnyConnection,
    commune: i64,
    list_id: i64,
    (on, method, voucher): (&str, &str, &str),
) -> Result<()> {
    let n = crate::db::query(
        "UPDATE payment_lists SET status = 'paid', paid_on = $1, paid_method = $2, voucher_no = $3 \
         WHERE id = $4 AND commune_id = $5 AND status = 'approved'",
    )
    .bind(on)
    .bind(method)
    .bind(voucher)
    .bind(list_id)
    .bind(commune)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::invalid(
            "Chỉ danh sách đã được duyệt và chưa chi mới đánh dấu đã chi được.",
        ));
    }
    Ok(())
}

/// Each source's standing for a year: allotted, in approved lists, paid, spent on expenses.
pub async fn standing(db: &Db, commune: i64, year: i64) -> Result<HashMap<i64, Standing>> {
    let mut out: HashMap<i64, Standing> = HashMap::new();
    for s in sources(db, commune, year).await? {
        out.insert(
            s.id,
            Standing {
                allotted: s.allotted,
                ..Standing::default()
            },
        );
    }
    let like = format!("{year}-%");
    let lines: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT x.source_id, l.status, CAST(SUM(x.amount) AS BIGINT) FROM payment_lines x \
             JOIN payment_lists l ON l.id = x.list_id \
             WHERE l.commune_id = $1 AND l.month LIKE $2 AND l.status <> 'draft' \
             GROUP BY x.source_id, l.status",
            &[commune.into(), like.as_str().into()],
        )
        .await?;
    for (source, status, amount) in lines {
        let s = out.entry(source).or_default();
        s.approved += amount;
        if status == "paid" {
            s.paid += amount;
        }
    }
    let spent: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT source_id, CAST(SUM(amount) AS BIGINT) FROM expenses \
             WHERE commune_id = $1 AND active = 1 AND spent_on LIKE $2 GROUP BY source_id",
            &[commune.into(), like.as_str().into()],
        )
        .await?;
    for (source, amount) in spent {
        out.entry(source).or_default().spent += amount;
    }
    Ok(out)
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Expense {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub spent_on: String,
    pub kind: String,
    pub amount: i64,
    pub voucher_no: Option<String>,
    pub description: String,
    pub voucher_name: Option<String>,
}

impl Expense {
    pub fn kind_label(&self) -> &'static str {
        crate::codes::label(&funding::EXPENSE_KINDS, &self.kind)
    }
}

pub async fn expenses(db: &Db, commune: i64, year: i64) -> Result<Vec<Expense>> {
    db.fetch_all(
        "SELECT e.id, e.source_id, s.name AS source_name, e.spent_on, e.kind, e.amount, e.voucher_no, \
         e.description, e.voucher_name FROM expenses e JOIN funding_sources s ON s.id = e.source_id \
         WHERE e.commune_id = $1 AND e.active = 1 AND e.spent_on LIKE $2 ORDER BY e.spent_on DESC, e.id DESC",
        &[commune.into(), format!("{year}-%").into()],
    )
    .await
}

pub struct NewExpense<'a> {
    pub source_id: i64,
    pub spent_on: &'a str,
    pub kind: &'a str,
    pub amount: i64,
    pub voucher_no: Option<&'a str>,
    pub description: &'a str,
    /// The scanned voucher: file name, content type, bytes.
    pub voucher: Option<(String, &'static str, Vec<u8>)>,
}

pub async fn add_expense(
    db: &Db,
    conn: &mut AnyConnection,
    commune: i64,
    account: i64,
    e: NewExpense<'_>,
) -> Result<i64> {
    source(db, commune, e.source_id).await?;
    let (name, kind, bytes) = match e.voucher {
        Some((n, k, b)) => (Some(n), Some(k), Some(b)),
        None => (None, None, None),
    };
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO expenses (commune_id, source_id, spent_on, kind, amount, voucher_no, description, \
         voucher_name, voucher_type, voucher, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(commune)
    .bind(e.source_id)
    .bind(e.spent_on)
    .bind(e.kind)
    .bind(e.amount)
    .bind(e.voucher_no)
    .bind(e.description)
    .bind(name)
    .bind(kind)
    .bind(bytes)
    .bind(account)
    .bind(super::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// An expense's scanned voucher: file name, content type, bytes.
pub async fn voucher(db: &Db, commune: i64, id: i64) -> Result<(String, String, Vec<u8>)> {
    type Stored = (Option<String>, Option<String>, Option<Vec<u8>>);
    let row: Option<Stored> = db
        .fetch_optional(
            "SELECT voucher_name, voucher_type, voucher FROM expenses \
             WHERE id = $1 AND commune_id = $2 AND active = 1",
            &[id.into(), commune.into()],
        )
        .await?;
    match row {
        Some((Some(n), Some(t), Some(b))) => Ok((n, t, b)),
        _ => Err(AppError::NotFound),
    }
}

/// Removes an expense entered by mistake (kept in the table, out of every sum).
pub async fn remove_expense(conn: &mut AnyConnection, commune: i64, id: i64) -> Result<()> {
    super::deactivate(conn, "expenses", commune, id).await
}

/// The payment list of a month as a file to sign, dated `today`.
pub async fn payment_file(
    db: &Db,
    commune: i64,
    month: Month,
    today: &str,
    format: crate::reports::Format,
) -> Result<Vec<u8>> {
    use crate::reports::funding::{PaidLine, PaymentSheet, payment_list};
    let l = list(db, commune, month)
        .await?
        .ok_or_else(|| AppError::invalid("Danh sách tháng này chưa được lập."))?;
    let lines = lines(db, l.id, None)
        .await?
        .into_iter()
        .map(|x| {
            let month = period::month_of_date(&x.month)
                .map(|m| format!("{:02}/{}", period::month_number(m), period::year_of(m)))
                .unwrap_or_default();
            let what = match x.kind.as_str() {
                "team_month" => format!("Hỗ trợ tổ tháng {month}"),
                "member_month" => format!("Hỗ trợ thành viên tháng {month}"),
                "person_day" => format!(
                    "Ngày công huy động {}",
                    crate::text::format_date(x.day.as_deref().unwrap_or(""))
                ),
                _ => x.basis.clone(),
            };
            PaidLine {
                team: x.team_name,
                member: x.member_name.unwrap_or_default(),
                amount: x.amount,
                basis: format!("{what} ({})", x.source_name),
            }
        })
        .collect();
    let sheet = PaymentSheet {
        letterhead: super::report_data::commune_letterhead(db, commune, today).await?,
        month_words: format!(
            "tháng {}/{}",
            period::month_number(month),
            period::year_of(month)
        ),
        status: l.status_label().to_string(),
        lines,
    };
    crate::reports::render(&payment_list(&sheet), format)
}

/// What a settlement covers: the months of `p`, figures as `settlement_figures` reads them.
pub struct Settled {
    pub sources: Vec<crate::reports::funding::SourceFigures>,
    pub teams: Vec<crate::reports::funding::TeamFigures>,
    pub expenses: Vec<(String, i64)>,
    pub lists: (usize, usize),
}

/// The approved and paid lists of the period's months, by source and by team and kind, and
/// the period's expenses by kind.
pub async fn settled(db: &Db, commune: i64, p: &Period) -> Result<Settled> {
    use crate::reports::funding::{SourceFigures, TeamFigures};
    let from = period::month_code(p.first_month());
    let to = period::month_code(p.last_month());
    let sources = sources(db, commune, p.year()).await?;
    let by_source: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT x.source_id, l.status, CAST(SUM(x.amount) AS BIGINT) FROM payment_lines x \
             JOIN payment_lists l ON l.id = x.list_id WHERE l.commune_id = $1 \
             AND l.month >= $2 AND l.month <= $3 AND l.status <> 'draft' GROUP BY x.source_id, l.status",
            &[commune.into(), from.as_str().into(), to.as_str().into()],
        )
        .await?;
    let first_day = format!("{from}-01");
    let last_day = period::last_day_iso(p.last_month());
    let spent: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT source_id, kind, CAST(SUM(amount) AS BIGINT) FROM expenses WHERE commune_id = $1 \
             AND active = 1 AND spent_on >= $2 AND spent_on <= $3 GROUP BY source_id, kind",
            &[commune.into(), first_day.as_str().into(), last_day.as_str().into()],
        )
        .await?;
    // From January to the period's end, for what remains.
    let year_start = format!("{}-01", p.year());
    let used: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT x.source_id, CAST(SUM(x.amount) AS BIGINT) FROM payment_lines x \
             JOIN payment_lists l ON l.id = x.list_id WHERE l.commune_id = $1 \
             AND l.month >= $2 AND l.month <= $3 AND l.status <> 'draft' GROUP BY x.source_id \
             UNION ALL SELECT source_id, CAST(SUM(amount) AS BIGINT) FROM expenses \
             WHERE commune_id = $1 AND active = 1 AND spent_on >= $4 AND spent_on <= $5 \
             GROUP BY source_id",
            &[
                commune.into(),
                year_start.as_str().into(),
                to.as_str().into(),
                format!("{year_start}-01").into(),
                last_day.as_str().into(),
            ],
        )
        .await?;
    let sources = sources
        .into_iter()
        .map(|s| {
            let to_date: i64 = used.iter().filter(|r| r.0 == s.id).map(|r| r.1).sum();
            let remaining = s.allotted - to_date;
            let approved = by_source.iter().filter(|r| r.0 == s.id).map(|r| r.2).sum();
            let paid = by_source
                .iter()
                .filter(|r| r.0 == s.id && r.1 == "paid")
                .map(|r| r.2)
                .sum();
            let spent = spent.iter().filter(|r| r.0 == s.id).map(|r| r.2).sum();
            SourceFigures {
                name: s.name,
                allotted: s.allotted,
                approved,
                paid,
                spent,
                remaining,
            }
        })
        .collect();
    let by_team: Vec<(String, String, i64)> = db
        .fetch_all(
            "SELECT x.team_name, x.kind, CAST(SUM(x.amount) AS BIGINT) FROM payment_lines x \
             JOIN payment_lists l ON l.id = x.list_id WHERE l.commune_id = $1 \
             AND l.month >= $2 AND l.month <= $3 AND l.status <> 'draft' \
             GROUP BY x.team_name, x.kind ORDER BY x.team_name",
            &[commune.into(), from.as_str().into(), to.as_str().into()],
        )
        .await?;
    let mut teams: Vec<TeamFigures> = Vec::new();
    for (name, kind, amount) in by_team {
        let i = match kind.as_str() {
            "team_month" => 0,
            "member_month" => 1,
            "person_day" => 2,
            _ => 3,
        };
        match teams.iter_mut().find(|t| t.name == name) {
            Some(t) => t.by_kind[i] += amount,
            None => {
                let mut by_kind = [0; 4];
                by_kind[i] = amount;
                teams.push(TeamFigures { name, by_kind });
            }
        }
    }
    let mut expenses: Vec<(String, i64)> = Vec::new();
    for (code, label) in funding::EXPENSE_KINDS {
        let n: i64 = spent.iter().filter(|r| r.1 == code).map(|r| r.2).sum();
        if n != 0 {
            expenses.push((label.to_string(), n));
        }
    }
    let counts: Vec<(String,)> = db
        .fetch_all(
            "SELECT status FROM payment_lists WHERE commune_id = $1 AND month >= $2 AND month <= $3 \
             AND status <> 'draft'",
            &[commune.into(), from.as_str().into(), to.as_str().into()],
        )
        .await?;
    let paid = counts.iter().filter(|(s,)| s == "paid").count();
    Ok(Settled {
        sources,
        teams,
        expenses,
        lists: (counts.len(), paid),
    })
}

/// The settlement report of a quarter or a year (a month too) as a file, dated `today`.
pub async fn settlement_file(
    db: &Db,
    commune: i64,
    p: &Period,
    today: &str,
    format: crate::reports::Format,
) -> Result<Vec<u8>> {
    let s = settled(db, commune, p).await?;
    let doc = crate::reports::funding::settlement(&crate::reports::funding::Settlement {
        letterhead: super::report_data::commune_letterhead(db, commune, today).await?,
        period_words: p.label_lower(),
        sources: s.sources,
        teams: s.teams,
        expenses: s.expenses,
        lists: s.lists,
    });
    crate::reports::render(&doc, format)
}
