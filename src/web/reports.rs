//! Report pages: the hamlet's monthly report (write, submit; the commune approves, returns,
//! reopens), the month's completeness, and every report as Word, Excel or PDF.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{self, areas, report_data, reports};
use crate::error::{AppError, Result};
use crate::indicators::{Period, period};
use crate::reports::Format;
use crate::reports::build::Kind;
use crate::reports::figures::{AreaFigures, Completeness, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/file", get(file))
        .route("/reports/due-day", post(set_due_day))
        .route("/reports/{hamlet}/{month}", get(show).post(save))
        .route("/reports/{hamlet}/{month}/approve", post(approve))
        .route("/reports/{hamlet}/{month}/return", post(send_back))
        .route("/reports/{hamlet}/{month}/reopen", post(reopen))
}

fn parse_month(s: &str) -> Result<period::Month> {
    match Period::parse(s)? {
        Period::Month(m) => Ok(m),
        _ => Err(AppError::invalid(
            "Báo cáo tháng cần một tháng dạng năm-tháng, ví dụ 2026-05.",
        )),
    }
}

/// The last month whose report is due or being written: this month once its due day has come
/// close, otherwise still this month (a hamlet writes during the month it reports on).
fn default_month(today: &str) -> period::Month {
    period::month_of_date(today).unwrap_or_else(period::current_month)
}

#[derive(Deserialize, Default)]
struct IndexQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    area: String,
}

struct MonthLine {
    code: String,
    label: String,
    status: String,
    status_label: &'static str,
    submitted_on: String,
    timeliness: &'static str,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    shell: Shell,
    area: areas::Area,
    month: String,
    month_label: String,
    months: Vec<(String, String)>,
    completeness: Option<Completeness>,
    hamlet_months: Vec<MonthLine>,
    downloads: Vec<(String, String, String)>,
    due_day: u32,
    can_set_due_day: bool,
    /// The commune's own reports to the province (commune level only).
    commune_reports: Vec<super::commune_reports::Line>,
}

/// The area whose reports the caller reads: their own, or one they name and may see.
async fn area_of(s: &SharedState, caller: &Caller, code: &str) -> Result<areas::Area> {
    if code.trim().is_empty() {
        areas::get(&s.db, caller.area_id)
            .await?
            .ok_or(AppError::NotFound)
    } else {
        areas::visible_by_code(&s.db, caller, code.trim()).await
    }
}

async fn index(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<IndexQuery>,
) -> Result<Response> {
    let area = area_of(&s, &caller, &q.area).await?;
    let Some(commune_id) = area.commune_id else {
        // A province reads which communes reported, and writes its own reports.
        return super::commune_reports::province_index(&s, &caller, area, &q.month).await;
    };
    let today = s.settings.today();
    let m = if q.month.is_empty() {
        default_month(&today)
    } else {
        parse_month(&q.month)?
    };
    let year = period::year_of(m);
    let due_days = db::settings::due_days(&s.db, commune_id).await?;
    let due_day = due_days.current();
    let months: Vec<(String, String)> = (period::month(year, 1)..=period::month(year, 12))
        .map(|m| (period::month_code(m), Period::Month(m).label()))
        .collect();
    let mut page = IndexPage {
        shell: Shell::new(&caller, "Báo cáo", "/reports"),
        month: period::month_code(m),
        month_label: Period::Month(m).label(),
        months,
        completeness: None,
        hamlet_months: Vec::new(),
        downloads: Vec::new(),
        due_day,
        can_set_due_day: caller.role == Role::CommuneAdmin
            && caller.commune_id == Some(commune_id)
            && area.level == "commune",
        commune_reports: if area.level == "commune" {
            super::commune_reports::lines(&s, commune_id, m).await?
        } else {
            Vec::new()
        },
        area,
    };
    let quarter = Period::Quarter {
        year,
        quarter: period::quarter_of(m),
    };
    for (kind, p) in [
        (Kind::Monthly, Period::Month(m)),
        (Kind::Quarterly, quarter),
        (Kind::Yearly, Period::Year(year)),
    ] {
        page.downloads.push((
            kind.code().to_string(),
            p.code(),
            format!("Báo cáo {}", p.label_lower()),
        ));
    }
    if page.area.level == "commune" {
        page.completeness = Some(reports::completeness(&s.db, commune_id, m, &today).await?);
    } else {
        let reports = reports::for_hamlet(&s.db, page.area.id).await?;
        let now = default_month(&today);
        for mm in (period::month(year, 1)..=period::month(year, 12)).filter(|mm| *mm <= now) {
            let code = period::month_code(mm);
            let r = reports.iter().find(|r| r.month == code);
            let due = period::due_date(mm, due_days.for_month(&code));
            let t = crate::reports::figures::Timeliness::of(
                r.and_then(|r| r.submitted_on.as_deref()),
                &due,
                &today,
            );
            page.hamlet_months.push(MonthLine {
                label: Period::Month(mm).label(),
                status: r.map_or("none".to_string(), |r| r.status.clone()),
                status_label: status_label(r.map_or("none", |r| &r.status)),
                submitted_on: r
                    .and_then(|r| r.submitted_on.as_deref())
                    .map(crate::text::format_date)
                    .unwrap_or_default(),
                timeliness: t.label(),
                css: t.css(),
                code,
            });
        }
        page.hamlet_months.reverse();
    }
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    shell: Shell,
    hamlet: areas::Area,
    month: String,
    month_label: String,
    due: String,
    report: Option<reports::MonthlyReport>,
    status: String,
    status_label: &'static str,
    figures: AreaFigures,
    frozen: bool,
    can_write: bool,
    can_review: bool,
}

/// The hamlet the report is about, if the caller may read it.
async fn hamlet_of(s: &SharedState, caller: &Caller, code: &str) -> Result<areas::Area> {
    let hamlet = areas::visible_by_code(&s.db, caller, code).await?;
    if hamlet.level != "hamlet" {
        return Err(AppError::NotFound);
    }
    Ok(hamlet)
}

fn is_head_of(caller: &Caller, hamlet: &areas::Area) -> bool {
    caller.role == Role::HamletHead && caller.area_id == hamlet.id
}

fn is_reviewer(caller: &Caller, hamlet: &areas::Area) -> bool {
    caller.role == Role::CommuneAdmin
        && caller.commune_id.is_some()
        && caller.commune_id == hamlet.commune_id
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, month)): Path<(String, String)>,
) -> Result<Response> {
    let hamlet = hamlet_of(&s, &caller, &code).await?;
    let m = parse_month(&month)?;
    let (figures, report) = reports::hamlet_month_figures(&s.db, &hamlet, m).await?;
    let commune = hamlet.commune_id.ok_or(AppError::NotFound)?;
    let due = reports::due_on(&s.db, commune, m).await?;
    let status = report
        .as_ref()
        .map_or("none".to_string(), |r| r.status.clone());
    let page = ReportPage {
        shell: Shell::new(
            &caller,
            format!(
                "Báo cáo {} · {}",
                Period::Month(m).label_lower(),
                hamlet.name
            ),
            "/reports",
        ),
        month: period::month_code(m),
        month_label: Period::Month(m).label(),
        due: crate::text::format_date(&due),
        status_label: status_label(&status),
        frozen: report.as_ref().is_some_and(|r| r.frozen().is_some()),
        can_write: is_head_of(&caller, &hamlet) && report.as_ref().is_none_or(|r| r.editable()),
        can_review: is_reviewer(&caller, &hamlet),
        status,
        report,
        figures,
        hamlet,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    results: String,
    #[serde(default)]
    difficulties: String,
    #[serde(default)]
    proposals: String,
    #[serde(default)]
    next_plan: String,
    #[serde(default)]
    action: String,
}

const MAX_TEXT: usize = 8000;

fn clean_text(s: &str, what: &str) -> Result<String> {
    super::forms::long_text(s, what, MAX_TEXT)
}

async fn record(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    (commune, action, id): (i64, &str, i64),
    before: Option<&reports::MonthlyReport>,
    after: &serde_json::Value,
) -> Result<()> {
    super::audited(
        tx,
        caller,
        commune,
        (action, "monthly_report", Some(id)),
        before,
        Some(after),
    )
    .await
}

async fn save(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, month)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> Result<Response> {
    let hamlet = hamlet_of(&s, &caller, &code).await?;
    if !is_head_of(&caller, &hamlet) {
        return Err(AppError::Forbidden);
    }
    let m = parse_month(&month)?;
    let today = s.settings.today();
    if m > default_month(&today) {
        return Err(AppError::invalid(
            "Chưa thể lập báo cáo cho tháng chưa bắt đầu.",
        ));
    }
    let commune = hamlet.commune_id.ok_or(AppError::NotFound)?;
    if reports::hamlets_open_in(&s.db, commune, m..=m)
        .await?
        .iter()
        .all(|h| h.id != hamlet.id)
    {
        return Err(AppError::invalid(format!(
            "{} không hoạt động trong {}: không có báo cáo tháng này.",
            hamlet.name,
            Period::Month(m).label_lower()
        )));
    }
    let texts = reports::Texts {
        results: clean_text(&f.results, "Kết quả nổi bật")?,
        difficulties: clean_text(&f.difficulties, "Khó khăn, vướng mắc")?,
        proposals: clean_text(&f.proposals, "Đề xuất, kiến nghị")?,
        next_plan: clean_text(&f.next_plan, "Phương hướng tháng tới")?,
    };
    let month = period::month_code(m);
    let mut tx = s.db.begin_write().await?;
    let (id, before) = reports::save(
        &mut tx,
        (commune, hamlet.id, &month),
        &texts,
        caller.account_id,
    )
    .await?;
    record(
        &mut tx,
        &caller,
        (
            commune,
            if before.is_some() { "update" } else { "create" },
            id,
        ),
        before.as_ref(),
        &serde_json::to_value(&texts).unwrap_or_default(),
    )
    .await?;
    if f.action == "submit" {
        reports::submit(&mut tx, hamlet.id, &month, &today, caller.account_id).await?;
        record(
            &mut tx,
            &caller,
            (commune, "submit", id),
            None,
            &serde_json::json!({"status": "submitted", "date": today}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other(&format!("/reports/{}/{month}", hamlet.code)))
}

async fn approve(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, month)): Path<(String, String)>,
) -> Result<Response> {
    let hamlet = hamlet_of(&s, &caller, &code).await?;
    if !is_reviewer(&caller, &hamlet) {
        return Err(AppError::Forbidden);
    }
    let m = parse_month(&month)?;
    let month = period::month_code(m);
    let commune = hamlet.commune_id.ok_or(AppError::NotFound)?;
    // The figures are read before the write lock: the frozen copy is what the reviewer saw
    // a moment ago, computed by the same code as the live page.
    let figures = report_data::to_freeze(&s.db, &hamlet, m).await?;
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    let before = reports::approve(
        &mut tx,
        hamlet.id,
        &month,
        &figures,
        (&today, caller.account_id),
    )
    .await?;
    record(
        &mut tx,
        &caller,
        (commune, "approve", before.id),
        Some(&before),
        &serde_json::json!({"status": "approved", "date": today}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/reports/{}/{month}", hamlet.code)))
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    comment: String,
}

async fn review_back(
    s: SharedState,
    caller: Caller,
    (code, month): (String, String),
    comment: &str,
    reopen: bool,
) -> Result<Response> {
    let hamlet = hamlet_of(&s, &caller, &code).await?;
    if !is_reviewer(&caller, &hamlet) {
        return Err(AppError::Forbidden);
    }
    let month = period::month_code(parse_month(&month)?);
    let commune = hamlet.commune_id.ok_or(AppError::NotFound)?;
    let comment = clean_text(comment, "Ý kiến")?;
    let mut tx = s.db.begin_write().await?;
    let before = reports::send_back(
        &mut tx,
        hamlet.id,
        &month,
        &comment,
        (reopen, caller.account_id),
    )
    .await?;
    record(
        &mut tx,
        &caller,
        (commune, if reopen { "reopen" } else { "return" }, before.id),
        Some(&before),
        &serde_json::json!({"status": "returned", "comment": comment}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/reports/{}/{month}", hamlet.code)))
}

async fn send_back(
    State(s): State<SharedState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response> {
    review_back(s, caller, path, &f.comment, false).await
}

async fn reopen(
    State(s): State<SharedState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response> {
    review_back(s, caller, path, &f.comment, true).await
}

#[derive(Deserialize)]
struct DueDayForm {
    due_day: String,
}

async fn set_due_day(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<DueDayForm>,
) -> Result<Response> {
    let commune = match (caller.role, caller.commune_id) {
        (Role::CommuneAdmin, Some(c)) => c,
        _ => return Err(AppError::Forbidden),
    };
    let day: u32 = f
        .due_day
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| {
            AppError::invalid("Hạn nộp báo cáo là một ngày trong tháng, từ 1 đến 31.")
        })?;
    let before = db::settings::due_days(&s.db, commune).await?;
    // Months already judged keep their day. This month takes the new day only while neither
    // its old nor its new due date has passed: otherwise reports already sent, or already
    // missing, would change their verdict after the fact.
    let today = s.settings.today();
    let now = default_month(&today);
    let old_due = period::due_date(now, before.for_month(&period::month_code(now)));
    let new_due = period::due_date(now, day);
    let from = period::month_code(if today <= old_due && today <= new_due {
        now
    } else {
        now + 1
    });
    let mut tx = s.db.begin_write().await?;
    db::settings::set_due_day(&mut tx, commune, day, (&from, &before)).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("update", "setting", None),
        Some(&serde_json::json!({"report_due_day": before.current()})),
        Some(&serde_json::json!({"report_due_day": day, "from": from})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/reports"))
}

#[derive(Deserialize)]
struct FileQuery {
    #[serde(default)]
    area: String,
    kind: String,
    period: String,
    format: String,
}

/// What RFC 5987 lets stand unencoded in `filename*` besides letters and digits (those that
/// can occur in a report's name).
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Any report as a file: a hamlet's or the commune's, for a month, quarter or year.
async fn file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<FileQuery>,
) -> Result<Response> {
    let area = area_of(&s, &caller, &q.area).await?;
    let kind = Kind::parse(&q.kind)
        .ok_or_else(|| AppError::invalid("Loại báo cáo phải là monthly, quarterly hoặc yearly."))?;
    let format = Format::parse(&q.format)
        .ok_or_else(|| AppError::invalid("Định dạng phải là docx, xlsx hoặc pdf."))?;
    let p = Period::parse(&q.period)?;
    let today = s.settings.today();
    let who = report_data::Audience {
        today: &today,
        personal: caller.personal_scope().is_some(),
    };
    // The figures of a report file may come from a replica (they stand at its reference day).
    let bytes = report_data::file(
        &s.db.reader(caller.account_id),
        &area,
        &p,
        kind,
        format,
        who,
    )
    .await?;
    let name = crate::reports::build::file_name(&area.name, &p, format.extension());
    // Browsers take the Vietnamese name (RFC 6266 `filename*`); older ones the plain one.
    let full = crate::reports::build::display_file_name(&area.name, &p, format.extension());
    let encoded = percent_encoding::utf8_percent_encode(&full, ATTR_CHAR);
    Ok((
        [
            (header::CONTENT_TYPE, format.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
