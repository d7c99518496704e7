//! Hamlet monthly reports (draft → submitted → approved, or returned and submitted again),
//! their completeness per month, and the figures every report is built from.

use super::Db;
use super::areas::Area;
use crate::error::{AppError, Result};
use crate::fieldwork::{ACTIVITY_KINDS, DOSSIER_KINDS, MONTHLY_MINIMUM};
use crate::indicators::period::{self, Month, Period};
use crate::indicators::steps::Open;
use crate::reports::figures::{
    AreaFigures, Completeness, Count, HamletReportState, IndicatorLine, ServiceCount, Timeliness,
};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct MonthlyReport {
    pub id: i64,
    pub commune_id: i64,
    pub hamlet_id: i64,
    pub month: String,
    pub status: String,
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    pub next_plan: String,
    pub review_comment: String,
    /// The frozen figures (JSON), kept in the audit log's "before" when a report is reopened.
    pub figures: Option<String>,
    pub submitted_on: Option<String>,
    pub last_submitted_on: Option<String>,
    pub approved_on: Option<String>,
}

const COLS: &str = "id, commune_id, hamlet_id, month, status, results, difficulties, proposals, \
                    next_plan, review_comment, figures, submitted_on, last_submitted_on, approved_on";

impl MonthlyReport {
    /// The hamlet head may still write in it.
    pub fn editable(&self) -> bool {
        matches!(self.status.as_str(), "draft" | "returned")
    }

    /// The figures it was approved with.
    pub fn frozen(&self) -> Option<AreaFigures> {
        if self.status != "approved" {
            return None;
        }
        let stored = self.figures.as_deref()?;
        let figures = AreaFigures::from_json(stored);
        if figures.is_none() {
            // Only the report's id: its figures are aggregates, but logs stay free of content.
            tracing::warn!(
                report = self.id,
                "approved report's stored figures unreadable; showing live figures"
            );
        }
        figures
    }
}

/// The hamlet head's text of a report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Texts {
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    pub next_plan: String,
}

pub async fn get(db: &Db, hamlet_id: i64, month: &str) -> Result<Option<MonthlyReport>> {
    db.fetch_optional(
        &format!("SELECT {COLS} FROM monthly_reports WHERE hamlet_id = $1 AND month = $2"),
        &[hamlet_id.into(), month.into()],
    )
    .await
}

pub async fn for_hamlet(db: &Db, hamlet_id: i64) -> Result<Vec<MonthlyReport>> {
    db.fetch_all(
        &format!("SELECT {COLS} FROM monthly_reports WHERE hamlet_id = $1 ORDER BY month DESC"),
        &[hamlet_id.into()],
    )
    .await
}

/// The commune's hamlet reports of months `from..=to` (`yyyy-mm`) that were submitted or
/// approved, by month.
pub async fn sent_in(db: &Db, commune_id: i64, from: &str, to: &str) -> Result<Vec<MonthlyReport>> {
    db.fetch_all(
        &format!(
            "SELECT {COLS} FROM monthly_reports WHERE commune_id = $1 AND month >= $2 \
             AND month <= $3 AND status IN ('submitted', 'approved') ORDER BY month, hamlet_id"
        ),
        &[commune_id.into(), from.into(), to.into()],
    )
    .await
}

/// The report, locked until the transaction ends (on SQLite `BEGIN IMMEDIATE` already
/// serialises writers), so an approval and a return cannot both pass the status check.
async fn locked(
    conn: &mut AnyConnection,
    hamlet_id: i64,
    month: &str,
) -> Result<Option<MonthlyReport>> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    Ok(crate::db::query_as::<MonthlyReport>(&format!(
        "SELECT {COLS} FROM monthly_reports WHERE hamlet_id = $1 AND month = $2{lock}"
    ))
    .bind(hamlet_id)
    .bind(month.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

/// The report, locked, if it is in one of `states`; otherwise a message saying why `doing`
/// cannot be done now.
async fn in_state(
    conn: &mut AnyConnection,
    (hamlet_id, month): (i64, &str),
    states: &[&str],
    doing: &str,
) -> Result<MonthlyReport> {
    let r = locked(conn, hamlet_id, month)
        .await?
        .ok_or(AppError::NotFound)?;
    if !states.contains(&r.status.as_str()) {
        return Err(wrong_state(&r, doing));
    }
    Ok(r)
}

fn wrong_state(r: &MonthlyReport, doing: &str) -> AppError {
    AppError::invalid(format!(
        "Không thể {doing}: báo cáo tháng {} đang ở trạng thái «{}».",
        crate::reports::build::month_words(&r.month),
        crate::reports::figures::status_label(&r.status)
    ))
}

/// Saves the text of a draft (creating the report if it does not exist yet). Returns its id and
/// the report as it was before, for the audit log.
pub async fn save(
    conn: &mut AnyConnection,
    (commune_id, hamlet_id, month): (i64, i64, &str),
    t: &Texts,
    account: i64,
) -> Result<(i64, Option<MonthlyReport>)> {
    let now = super::now();
    // Created empty first: two first saves at once meet on the unique key, not in an error.
    let created = crate::db::query(
        "INSERT INTO monthly_reports (commune_id, hamlet_id, month, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $4) ON CONFLICT (hamlet_id, month) DO NOTHING",
    )
    .bind(commune_id)
    .bind(hamlet_id)
    .bind(month.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let r = locked(conn, hamlet_id, month)
        .await?
        .ok_or(AppError::NotFound)?;
    if !r.editable() {
        return Err(wrong_state(&r, "sửa báo cáo"));
    }
    crate::db::query(
        "UPDATE monthly_reports SET results = $1, difficulties = $2, proposals = $3, \
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

/// Submits a draft or a returned report. The first submission's date stays: timeliness is
/// judged on it.
pub async fn submit(
    conn: &mut AnyConnection,
    hamlet_id: i64,
    month: &str,
    today: &str,
    account: i64,
) -> Result<MonthlyReport> {
    let r = in_state(
        conn,
        (hamlet_id, month),
        &["draft", "returned"],
        "nộp báo cáo",
    )
    .await?;
    crate::db::query(
        "UPDATE monthly_reports SET status = 'submitted', submitted_on = COALESCE(submitted_on, $1), \
         last_submitted_on = $1, submitted_by = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(today.to_string())
    .bind(account)
    .bind(super::now())
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(r)
}

/// Approves a submitted report and freezes the figures it is approved with.
pub async fn approve(
    conn: &mut AnyConnection,
    hamlet_id: i64,
    month: &str,
    figures: &AreaFigures,
    (today, account): (&str, i64),
) -> Result<MonthlyReport> {
    let r = in_state(conn, (hamlet_id, month), &["submitted"], "duyệt báo cáo").await?;
    crate::db::query(
        "UPDATE monthly_reports SET status = 'approved', figures = $1, approved_on = $2, \
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

/// Sends a submitted report back with a comment (`reopen`: an approved one, with a reason;
/// its frozen figures are dropped and become live again until it is approved anew).
pub async fn send_back(
    conn: &mut AnyConnection,
    hamlet_id: i64,
    month: &str,
    comment: &str,
    (reopen, account): (bool, i64),
) -> Result<MonthlyReport> {
    let (from, doing) = if reopen {
        ("approved", "mở lại báo cáo")
    } else {
        ("submitted", "trả lại báo cáo")
    };
    let r = in_state(conn, (hamlet_id, month), &[from], doing).await?;
    if comment.trim().is_empty() {
        return Err(AppError::invalid(if reopen {
            "Hãy ghi lý do mở lại báo cáo đã duyệt."
        } else {
            "Hãy ghi ý kiến: trưởng ấp cần biết phải sửa gì."
        }));
    }
    crate::db::query(
        "UPDATE monthly_reports SET status = 'returned', review_comment = $1, figures = NULL, \
         approved_on = NULL, reviewed_by = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(comment.trim().to_string())
    .bind(account)
    .bind(super::now())
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(r)
}

/// The due date of month `m`'s report in the commune, `yyyy-mm-dd`.
pub async fn due_on(db: &Db, commune_id: i64, m: Month) -> Result<String> {
    let days = super::settings::due_days(db, commune_id).await?;
    Ok(period::due_date(m, days.for_month(&period::month_code(m))))
}

#[derive(sqlx::FromRow)]
struct HamletRow {
    #[sqlx(flatten)]
    area: Area,
    opened_on: Option<String>,
    closed_on: Option<String>,
}

/// The commune's hamlets open in any month of `months`, in their order.
pub async fn hamlets_open_in(
    db: &Db,
    commune_id: i64,
    months: std::ops::RangeInclusive<Month>,
) -> Result<Vec<Area>> {
    let rows: Vec<HamletRow> = db
        .fetch_all(
            "SELECT id, code, name, level, parent_id, commune_id, sort_order, active, opened_on, \
             closed_on FROM areas WHERE level = 'hamlet' AND commune_id = $1 ORDER BY sort_order, name",
            &[commune_id.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|h| {
            let open = Open::of_hamlet(
                h.area.active == 1,
                h.opened_on.as_deref(),
                h.closed_on.as_deref(),
            );
            months.clone().any(|m| open.contains(m))
        })
        .map(|h| h.area)
        .collect())
}

/// Which of the commune's hamlets reported for month `m`, and when.
pub async fn completeness(db: &Db, commune_id: i64, m: Month, today: &str) -> Result<Completeness> {
    let due = due_on(db, commune_id, m).await?;
    let month = period::month_code(m);
    let reports: Vec<(i64, String, Option<String>)> = db
        .fetch_all(
            "SELECT hamlet_id, status, submitted_on FROM monthly_reports \
             WHERE commune_id = $1 AND month = $2",
            &[commune_id.into(), month.clone().into()],
        )
        .await?;
    let reports: HashMap<i64, (String, Option<String>)> =
        reports.into_iter().map(|(h, s, d)| (h, (s, d))).collect();
    let hamlets = hamlets_open_in(db, commune_id, m..=m)
        .await?
        .into_iter()
        .map(|h| {
            let (id, code, name) = (h.id, h.code, h.name);
            let (status, submitted_on) = reports
                .get(&id)
                .cloned()
                .unwrap_or_else(|| ("none".to_string(), None));
            HamletReportState {
                hamlet_code: code,
                hamlet_name: name,
                timeliness: Timeliness::of(submitted_on.as_deref(), &due, today),
                status,
                submitted_on,
                due: due.clone(),
            }
        })
        .collect();
    Ok(Completeness {
        month,
        due,
        hamlets,
    })
}

/// Rows of a table with commune and hamlet columns that lie in a hamlet, commune or province.
/// Ids are the database's own integers, so they are inlined.
fn area_rows(area: &Area, commune_col: &str, hamlet_col: &str) -> Result<String> {
    match area.level.as_str() {
        "hamlet" => Ok(format!("{hamlet_col} = {}", area.id)),
        "commune" => Ok(format!("{commune_col} = {}", area.id)),
        "province" => Ok(format!(
            "{commune_col} IN (SELECT id FROM areas WHERE level = 'commune' AND parent_id = {})",
            area.id
        )),
        _ => Err(AppError::invalid(
            "Báo cáo lập cho một ấp hoặc một xã: hãy chọn ấp hoặc xã.",
        )),
    }
}

/// Everything a report says in numbers about a hamlet or commune for a period, live.
pub async fn area_figures(db: &Db, area: &Area, p: &Period) -> Result<AreaFigures> {
    let from = format!("{}-01", period::month_code(p.first_month()));
    let to = p.reference_date();
    let range = || -> Vec<super::Param> { vec![from.clone().into(), to.clone().into()] };
    let acts: Vec<(String, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT kind, COUNT(*), CAST(COALESCE(SUM(residents_reached), 0) AS BIGINT) \
                 FROM activities WHERE active = 1 AND confirmed = 1 AND activity_date >= $1 AND activity_date <= $2 \
                 AND {} GROUP BY kind",
                area_rows(area, "commune_id", "hamlet_id")?
            ),
            &range(),
        )
        .await?;
    let acts: HashMap<String, (i64, i64)> = acts.into_iter().map(|(k, n, r)| (k, (n, r))).collect();
    let count_of = |k: &str| acts.get(k).map_or(0, |a| a.0);
    let activities = ACTIVITY_KINDS
        .iter()
        .map(|(code, label)| Count {
            code: code.to_string(),
            label: label.to_string(),
            count: count_of(code),
        })
        .collect();
    let help_rows = area_rows(area, "commune_id", "hamlet_id")?;
    let (help_in_period, people_helped): (i64, i64) = db
        .fetch_one(
            &format!(
                "SELECT COUNT(*), COUNT(DISTINCT resident_id) FROM help_records \
                 WHERE help_date >= $1 AND help_date <= $2 AND {help_rows}"
            ),
            &range(),
        )
        .await?;
    let help_to_date = db
        .scalar_i64(
            &format!("SELECT COUNT(*) FROM help_records WHERE help_date <= $1 AND {help_rows}"),
            &[to.clone().into()],
        )
        .await?;
    let done: Vec<(String, i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT rs.service_code, \
                 CAST(SUM(CASE WHEN rs.status_date >= $1 THEN 1 ELSE 0 END) AS BIGINT), COUNT(*) \
                 FROM resident_services rs JOIN residents r ON r.id = rs.resident_id \
                 WHERE rs.status = 'done' AND rs.status_date <= $2 AND {} GROUP BY rs.service_code",
                area_rows(area, "rs.commune_id", "r.hamlet_id")?
            ),
            &range(),
        )
        .await?;
    let done: HashMap<String, (i64, i64)> = done.into_iter().map(|(c, a, b)| (c, (a, b))).collect();
    let services = super::services::in_force(db, area.commune_id, &from)
        .await?
        .into_iter()
        .map(|s| {
            let (in_period, to_date) = done.get(&s.code).copied().unwrap_or((0, 0));
            ServiceCount {
                code: s.code,
                name: s.name,
                done_in_period: in_period,
                done_to_date: to_date,
            }
        })
        .collect();
    let dossier_rows: Vec<(String, i64)> = db
        .fetch_all(
            &format!(
                "SELECT dossier_kind, COUNT(*) FROM help_records WHERE dossier_kind IS NOT NULL \
                 AND help_date >= $1 AND help_date <= $2 AND {help_rows} GROUP BY dossier_kind"
            ),
            &range(),
        )
        .await?;
    let dossier_rows: HashMap<String, i64> = dossier_rows.into_iter().collect();
    let dossiers = DOSSIER_KINDS
        .iter()
        .map(|(code, label)| Count {
            code: code.to_string(),
            label: label.to_string(),
            count: dossier_rows.get(*code).copied().unwrap_or(0),
        })
        .collect();
    let dossiers_to_date = db
        .scalar_i64(
            &format!(
                "SELECT COUNT(*) FROM help_records WHERE dossier_kind IS NOT NULL \
                 AND help_date <= $1 AND {help_rows}"
            ),
            &[to.clone().into()],
        )
        .await?;
    let comm: Vec<(String, i64)> = db
        .fetch_all(
            &format!(
                "SELECT channel, CAST(SUM(times) AS BIGINT) FROM communications WHERE active = 1 \
                 AND comm_date >= $1 AND comm_date <= $2 AND {help_rows} GROUP BY channel"
            ),
            &range(),
        )
        .await?;
    let comm: HashMap<String, i64> = comm.into_iter().collect();
    let communications = super::communications::CHANNELS
        .iter()
        .map(|(code, label)| Count {
            code: code.to_string(),
            label: label.to_string(),
            count: comm.get(*code).copied().unwrap_or(0),
        })
        .collect();
    // The training register's sessions (issue 20) the area's team members attended, and how
    // many attendances: a hamlet counts its own team's.
    let (sessions, training_attendances): (i64, i64) = db
        .fetch_one(
            &format!(
                "SELECT COUNT(DISTINCT t.id), COUNT(a.id) FROM trainings t \
                 JOIN training_attendees a ON a.training_id = t.id AND a.attended = 1 \
                 JOIN members m ON m.id = a.member_id JOIN teams tm ON tm.id = m.team_id \
                 WHERE t.active = 1 AND t.held_on >= $1 AND t.held_on <= $2 AND {}",
                area_rows(area, "t.commune_id", "tm.area_id")?
            ),
            &range(),
        )
        .await?;
    // Household businesses (kinh tế số): the register by the period's end and each step.
    let step_sums: String = crate::businesses::STEPS
        .iter()
        .map(|(code, _)| {
            format!(
                ", SUM(CASE WHEN {code}_on >= $1 AND {code}_on <= $2 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN {code}_on <= $2 THEN 1 ELSE 0 END)"
            )
        })
        .collect();
    let biz: Vec<Option<i64>> = {
        let row: BizRow = db
            .fetch_one(
                &format!(
                    "SELECT COUNT(*), SUM(CASE WHEN registered_on >= $1 THEN 1 ELSE 0 END){step_sums} \
                     FROM businesses WHERE active = 1 AND (registered_on IS NULL OR registered_on <= $2) AND {}",
                    area_rows(area, "commune_id", "hamlet_id")?
                ),
                &range(),
            )
            .await?;
        row.0
    };
    let business_steps = crate::businesses::STEPS
        .iter()
        .enumerate()
        .map(|(i, (code, label))| crate::reports::figures::StepCount {
            code: code.to_string(),
            label: label.to_string(),
            done_in_period: biz.get(2 + 2 * i).copied().flatten().unwrap_or(0),
            done_to_date: biz.get(3 + 2 * i).copied().flatten().unwrap_or(0),
        })
        .collect();
    let figures = super::indicators::figures(db, area, p).await?;
    let indicators: Vec<IndicatorLine> = figures.iter().map(IndicatorLine::from).collect();
    let monthly = indicators
        .iter()
        .find(|l| l.code == "teams_monthly_activity");
    Ok(AreaFigures {
        area_code: area.code.clone(),
        area_name: area.name.clone(),
        level: area.level.clone(),
        period: p.code(),
        period_label: p.label(),
        activities,
        residents_reached: acts.values().map(|a| a.1).sum(),
        months_meeting_minimum: monthly.map_or(0, |l| l.numerator),
        months_counted: monthly.and_then(|l| l.denominator).unwrap_or(0),
        minimum: MONTHLY_MINIMUM,
        help_in_period,
        help_to_date,
        people_helped,
        services,
        dossiers,
        dossiers_to_date,
        trainings: count_of("training") + sessions,
        training_attendances,
        propaganda_sessions: count_of("meeting_propaganda") + count_of("security_session"),
        businesses: biz.first().copied().flatten().unwrap_or(0),
        businesses_new: biz.get(1).copied().flatten().unwrap_or(0),
        business_steps,
        communications,
        indicators,
        trend: None,
    })
}

/// A month's report as the figures say it, frozen when approved.
pub async fn hamlet_month_figures(
    db: &Db,
    hamlet: &Area,
    m: Month,
) -> Result<(AreaFigures, Option<MonthlyReport>)> {
    let report = get(db, hamlet.id, &period::month_code(m)).await?;
    if let Some(f) = report.as_ref().and_then(|r| r.frozen()) {
        return Ok((f, report));
    }
    Ok((area_figures(db, hamlet, &Period::Month(m)).await?, report))
}

/// A row of numbers of any width (SUM gives NULL over no rows).
struct BizRow(Vec<Option<i64>>);

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for BizRow {
    fn from_row(row: &'r sqlx::any::AnyRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        (0..row.len())
            .map(|i| row.try_get::<Option<i64>, _>(i))
            .collect::<sqlx::Result<Vec<_>>>()
            .map(BizRow)
    }
}
