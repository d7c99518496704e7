//! The commune's own reports to the province (draft → submitted → acknowledged, or returned
//! and submitted again), the province's due day for them, and their completeness per month:
//! the hamlets' workflow one level up.

use super::Db;
use super::areas::Area;
use super::reports::Texts;
use super::settings::{DueDaySetting, DueDays};
use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month, Period};
use crate::indicators::steps::Open;
use crate::reports::build::Kind;
use crate::reports::figures::{AreaFigures, Timeliness};
use crate::reports::province::{CommuneCompleteness, CommuneReportState, status_label};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct CommuneReport {
    pub id: i64,
    pub commune_id: i64,
    pub kind: String,
    pub period: String,
    pub status: String,
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    pub next_plan: String,
    pub review_comment: String,
    /// The frozen figures (JSON) once acknowledged.
    pub figures: Option<String>,
    pub submitted_on: Option<String>,
    pub last_submitted_on: Option<String>,
    pub acknowledged_on: Option<String>,
}

const COLS: &str = "id, commune_id, kind, period, status, results, difficulties, proposals, \
                    next_plan, review_comment, figures, submitted_on, last_submitted_on, acknowledged_on";

impl CommuneReport {
    /// The commune admin may still write in it.
    pub fn editable(&self) -> bool {
        matches!(self.status.as_str(), "draft" | "returned")
    }

    /// The commune has sent it (the province reads its words).
    pub fn sent(&self) -> bool {
        matches!(self.status.as_str(), "submitted" | "acknowledged")
    }

    /// The figures it was acknowledged with.
    pub fn frozen(&self) -> Option<AreaFigures> {
        if self.status != "acknowledged" {
            return None;
        }
        let figures = AreaFigures::from_json(self.figures.as_deref()?);
        if figures.is_none() {
            tracing::warn!(
                report = self.id,
                "acknowledged commune report's stored figures unreadable; showing live figures"
            );
        }
        figures
    }

    pub fn texts(&self) -> Texts {
        Texts {
            results: self.results.clone(),
            difficulties: self.difficulties.clone(),
            proposals: self.proposals.clone(),
            next_plan: self.next_plan.clone(),
        }
    }

    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
}

/// The report kind a period asks for.
pub fn kind_of(p: &Period) -> Kind {
    match p {
        Period::Month(_) => Kind::Monthly,
        Period::Quarter { .. } => Kind::Quarterly,
        Period::Year(_) => Kind::Yearly,
    }
}

pub async fn get(db: &Db, commune_id: i64, period: &str) -> Result<Option<CommuneReport>> {
    db.fetch_optional(
        &format!("SELECT {COLS} FROM commune_reports WHERE commune_id = $1 AND period = $2"),
        &[commune_id.into(), period.into()],
    )
    .await
}

pub async fn for_commune(db: &Db, commune_id: i64) -> Result<Vec<CommuneReport>> {
    db.fetch_all(
        &format!("SELECT {COLS} FROM commune_reports WHERE commune_id = $1 ORDER BY period DESC"),
        &[commune_id.into()],
    )
    .await
}

/// The reports of every commune of the province for these period codes, one query.
pub async fn of_province(
    db: &Db,
    province_id: i64,
    periods: &[String],
) -> Result<Vec<CommuneReport>> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<super::Param> = vec![province_id.into()];
    let marks: Vec<String> = periods
        .iter()
        .map(|p| {
            params.push(p.clone().into());
            format!("${}", params.len())
        })
        .collect();
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM commune_reports WHERE period IN ({}) AND commune_id IN \
             (SELECT id FROM areas WHERE level = 'commune' AND parent_id = $1) \
             ORDER BY commune_id, period",
            marks.join(", ")
        ),
        &params,
    )
    .await
}

/// The report, locked until the transaction ends (on SQLite `BEGIN IMMEDIATE` already
/// serialises writers), so an acknowledgement and a return cannot both pass the status check.
async fn locked(
    conn: &mut AnyConnection,
    commune_id: i64,
    period: &str,
) -> Result<Option<CommuneReport>> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    Ok(crate::db::query_as::<CommuneReport>(&format!(
        "SELECT {COLS} FROM commune_reports WHERE commune_id = $1 AND period = $2{lock}"
    ))
    .bind(commune_id)
    .bind(period.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

async fn in_state(
    conn: &mut AnyConnection,
    (commune_id, period): (i64, &str),
    states: &[&str],
    doing: &str,
) -> Result<CommuneReport> {
    let r = locked(conn, commune_id, period)
        .await?
        .ok_or(AppError::NotFound)?;
    if !states.contains(&r.status.as_str()) {
        return Err(wrong_state(&r, doing));
    }
    Ok(r)
}

fn wrong_state(r: &CommuneReport, doing: &str) -> AppError {
    let label = Period::parse(&r.period).map_or(r.period.clone(), |p| p.label_lower());
    AppError::invalid(format!(
        "Không thể {doing}: báo cáo {label} của xã đang ở trạng thái «{}».",
        r.status_label()
    ))
}

/// Saves the text of a draft (creating the report if needed). Returns its id and the report
/// as it was before, for the audit log.
pub async fn save(
    conn: &mut AnyConnection,
    (commune_id, p): (i64, &Period),
    t: &Texts,
    account: i64,
) -> Result<(i64, Option<CommuneReport>)> {
    let now = super::now();
    let code = p.code();
    // Created empty first: two first saves at once meet on the unique key, not in an error.
    let created = crate::db::query(
        "INSERT INTO commune_reports (commune_id, kind, period, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $4) ON CONFLICT (commune_id, period) DO NOTHING",
    )
    .bind(commune_id)
    .bind(kind_of(p).code().to_string())
    .bind(code.clone())
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let r = locked(conn, commune_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !r.editable() {
        return Err(wrong_state(&r, "sửa báo cáo"));
    }
    crate::db::query(
        "UPDATE commune_reports SET results = $1, difficulties = $2, proposals = $3, \
         next_plan = $4, updated_by = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(t.results.clone())
    .bind(t.difficulties.clone())
    .bind(t.proposals.clone())
    .bind(t.next_plan.clone())
    .bind(account)
    .bind(now)
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok((r.id, (!created).then_some(r)))
}

/// Sends a draft or returned report to the province. The first submission's date stays:
/// timeliness is judged on it.
pub async fn submit(
    conn: &mut AnyConnection,
    commune_id: i64,
    period: &str,
    today: &str,
    account: i64,
) -> Result<CommuneReport> {
    let r = in_state(
        conn,
        (commune_id, period),
        &["draft", "returned"],
        "gửi báo cáo",
    )
    .await?;
    crate::db::query(
        "UPDATE commune_reports SET status = 'submitted', \
         submitted_on = COALESCE(submitted_on, $1), last_submitted_on = $1, submitted_by = $2, \
         updated_at = $3 WHERE id = $4",
    )
    .bind(today.to_string())
    .bind(account)
    .bind(super::now())
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(r)
}

/// The province acknowledges a submitted report and freezes the figures it saw.
pub async fn acknowledge(
    conn: &mut AnyConnection,
    (commune_id, period): (i64, &str),
    figures: &AreaFigures,
    (today, account): (&str, i64),
) -> Result<CommuneReport> {
    let r = in_state(
        conn,
        (commune_id, period),
        &["submitted"],
        "tiếp nhận báo cáo",
    )
    .await?;
    crate::db::query(
        "UPDATE commune_reports SET status = 'acknowledged', figures = $1, acknowledged_on = $2, \
         reviewed_by = $3, review_comment = '', updated_at = $4 WHERE id = $5",
    )
    .bind(figures.to_json())
    .bind(today.to_string())
    .bind(account)
    .bind(super::now())
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(r)
}

/// The province returns a submitted report with a comment saying what to correct (`reopen`:
/// an acknowledged one, with the reason; its frozen figures are dropped, kept in the audit's
/// "before", and are live again until it is acknowledged anew).
pub async fn send_back(
    conn: &mut AnyConnection,
    (commune_id, period): (i64, &str),
    comment: &str,
    (reopen, account): (bool, i64),
) -> Result<CommuneReport> {
    let (from, doing) = if reopen {
        ("acknowledged", "mở lại báo cáo")
    } else {
        ("submitted", "trả lại báo cáo")
    };
    let r = in_state(conn, (commune_id, period), &[from], doing).await?;
    if comment.trim().is_empty() {
        return Err(AppError::invalid(if reopen {
            "Hãy ghi lý do mở lại báo cáo đã tiếp nhận."
        } else {
            "Hãy ghi ý kiến: xã cần biết phải sửa gì trước khi gửi lại."
        }));
    }
    crate::db::query(
        "UPDATE commune_reports SET status = 'returned', review_comment = $1, figures = NULL, \
         acknowledged_on = NULL, reviewed_by = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(comment.trim().to_string())
    .bind(account)
    .bind(super::now())
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(r)
}

/// The commune's figures for the period as the province acknowledges them, with the trend.
pub async fn to_freeze(db: &Db, commune: &Area, p: &Period) -> Result<AreaFigures> {
    let mut figures = super::reports::area_figures(db, commune, p).await?;
    figures.trend = Some(super::indicators::trend(db, commune, p).await?);
    Ok(figures)
}

/// The commune-level figures a commune's report shows: frozen once the province acknowledged
/// it, otherwise the live ones passed in.
pub async fn frozen_or(db: &Db, area: &Area, p: &Period, live: AreaFigures) -> Result<AreaFigures> {
    if area.level != "commune" {
        return Ok(live);
    }
    Ok(get(db, area.id, &p.code())
        .await?
        .and_then(|r| r.frozen())
        .unwrap_or(live))
}

/// Replaces the gathered text of a commune's report by the commune admin's own, once the
/// admin has written it (the page prefills it from the gathered text; an empty section stays
/// as gathered).
pub async fn own_texts(
    db: &Db,
    area: &Area,
    p: &Period,
    (input, reader_in_commune): (&mut crate::reports::build::Input, bool),
) -> Result<()> {
    let Some(r) = get(db, area.id, &p.code()).await? else {
        return Ok(());
    };
    // A draft (or a returned report being corrected) is the commune's own until it is sent:
    // the province reads the gathered words until then.
    if r.sent() || reader_in_commune {
        let narrative = &mut input.narrative;
        for (to, from) in [
            (&mut narrative.results, &r.results),
            (&mut narrative.difficulties, &r.difficulties),
            (&mut narrative.proposals, &r.proposals),
            (&mut narrative.next_plan, &r.next_plan),
        ] {
            if !from.trim().is_empty() {
                *to = from.clone();
            }
        }
    }
    // Once sent, the report carries the day it was (last) sent, as the copy the province has.
    if let Some(d) = r.last_submitted_on.clone().filter(|_| r.sent()) {
        input.letterhead.date = d;
    }
    Ok(())
}

// ---- The province's due day for the communes' monthly reports ----

/// The day of the following month by which a commune's monthly report is due, kept under the
/// province's id in `commune_settings` with its history, as the hamlets' due day is. The 5th by
/// default: the hamlets report by the 25th, the commune gathers and approves in the days
/// after, and the province reads the month early in the next.
pub const DUE_DAY: DueDaySetting = DueDaySetting {
    key: "commune_report_due_day",
    default: 5,
    next_month: true,
};

/// The province's due day for its communes' reports, over time.
pub async fn due_days(db: &Db, province_id: i64) -> Result<DueDays> {
    super::settings::due_days_of(db, province_id, DUE_DAY).await
}

// ---- Completeness one level up ----

#[derive(sqlx::FromRow)]
struct CommuneRow {
    #[sqlx(flatten)]
    area: Area,
    opened_on: Option<String>,
    closed_on: Option<String>,
}

/// The province's communes open in any month of `months`, in their order. A commune's dates
/// work as a hamlet's: one set up mid-year is not expected to report before its first month.
pub async fn communes_open_in(
    db: &Db,
    province_id: i64,
    months: std::ops::RangeInclusive<Month>,
) -> Result<Vec<Area>> {
    let rows: Vec<CommuneRow> = db
        .fetch_all(
            "SELECT id, code, name, level, parent_id, commune_id, sort_order, active, opened_on, \
             closed_on FROM areas WHERE level = 'commune' AND parent_id = $1 ORDER BY sort_order, code",
            &[province_id.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            let open = Open::of_hamlet(
                c.area.active == 1,
                c.opened_on.as_deref(),
                c.closed_on.as_deref(),
            );
            months.clone().any(|m| open.contains(m))
        })
        .map(|c| c.area)
        .collect())
}

/// Which of the province's communes sent month `m`'s report, and when.
pub async fn completeness(
    db: &Db,
    province_id: i64,
    m: Month,
    today: &str,
) -> Result<CommuneCompleteness> {
    let due = due_days(db, province_id).await?.due_date(m);
    let month = period::month_code(m);
    let reports: HashMap<i64, CommuneReport> =
        of_province(db, province_id, std::slice::from_ref(&month))
            .await?
            .into_iter()
            .map(|r| (r.commune_id, r))
            .collect();
    let communes = communes_open_in(db, province_id, m..=m)
        .await?
        .into_iter()
        .map(|c| {
            let r = reports.get(&c.id);
            let submitted_on = r.and_then(|r| r.submitted_on.clone());
            CommuneReportState {
                timeliness: Timeliness::of(submitted_on.as_deref(), &due, today),
                status: r.map_or("none".to_string(), |r| r.status.clone()),
                submitted_on,
                due: due.clone(),
                code: c.code,
                name: c.name,
            }
        })
        .collect();
    Ok(CommuneCompleteness {
        month,
        due,
        communes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commune_report_is_due_in_the_following_month() {
        let none = DueDays::of(DUE_DAY, Vec::new());
        assert_eq!(none.due_date(period::month(2026, 11)), "2026-12-05");
        assert_eq!(none.due_date(period::month(2026, 12)), "2027-01-05");
        let moved = DueDays::of(
            DUE_DAY,
            [
                (DUE_DAY.key.to_string(), "10".to_string()),
                (
                    "commune_report_due_day@0000-00".to_string(),
                    "5".to_string(),
                ),
                (
                    "commune_report_due_day@2026-09".to_string(),
                    "10".to_string(),
                ),
            ],
        );
        assert_eq!(moved.due_date(period::month(2026, 8)), "2026-09-05");
        assert_eq!(moved.due_date(period::month(2026, 9)), "2026-10-10");
        assert_eq!(moved.current(), 10);
    }
}
