//! The commune's reports to the province: the commune admin writes and sends them (monthly,
//! quarterly, year-end), the province acknowledges or returns them; the province's report page
//! with the communes' completeness, its due day and its own report files.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{self, areas, commune_reports, report_data};
use crate::error::{AppError, Result};
use crate::indicators::{Period, period};
use crate::reports::build::Kind;
use crate::reports::figures::AreaFigures;
use crate::reports::province::{CommuneCompleteness, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/reports/commune-due-day", post(set_due_day))
        .route("/reports/commune/{commune}/{period}", get(show).post(save))
        .route(
            "/reports/commune/{commune}/{period}/acknowledge",
            post(acknowledge),
        )
        .route(
            "/reports/commune/{commune}/{period}/return",
            post(send_back),
        )
        .route("/reports/commune/{commune}/{period}/reopen", post(reopen))
}

/// The commune named, if the caller may read it (its own staff, its province, the operator).
async fn commune_of(s: &SharedState, caller: &Caller, code: &str) -> Result<areas::Area> {
    let commune = areas::visible_by_code(&s.db, caller, code).await?;
    if commune.level != "commune" {
        return Err(AppError::NotFound);
    }
    // A hamlet account never sees its commune's area, so this only narrows the commune's own
    // roles to those who work on its reports.
    if matches!(caller.role, Role::HamletHead | Role::TeamMember) {
        return Err(AppError::NotFound);
    }
    Ok(commune)
}

fn is_writer(caller: &Caller, commune: &areas::Area) -> bool {
    caller.role == Role::CommuneAdmin && caller.commune_id == Some(commune.id)
}

fn is_reviewer(caller: &Caller, commune: &areas::Area) -> bool {
    caller.role == Role::ProvinceViewer && commune.parent_id == Some(caller.area_id)
}

/// The period of a commune report: begun by today, and one in which the commune was open.
async fn period_of(s: &SharedState, commune: &areas::Area, code: &str) -> Result<Period> {
    let p = Period::parse(code)?;
    let today = s.settings.today();
    let now = period::month_of_date(&today).unwrap_or_else(period::current_month);
    if p.first_month() > now {
        return Err(AppError::invalid(
            "Chưa thể lập báo cáo cho kỳ chưa bắt đầu.",
        ));
    }
    let province = commune.parent_id.ok_or(AppError::NotFound)?;
    let open = commune_reports::communes_open_in(&s.db, province, p.first_month()..=p.last_month());
    if open.await?.iter().all(|c| c.id != commune.id) {
        return Err(AppError::invalid(format!(
            "Xã {} không hoạt động trong {}: không có báo cáo kỳ này.",
            commune.name,
            p.label_lower()
        )));
    }
    Ok(p)
}

#[derive(Template)]
#[template(path = "commune_report.html")]
struct ReportPage {
    shell: Shell,
    commune: areas::Area,
    period: String,
    period_label: String,
    kind: &'static str,
    due: String,
    report: Option<commune_reports::CommuneReport>,
    status: String,
    status_label: &'static str,
    /// What the form shows: the saved text, or what the hamlets' reports gathered.
    texts: db::reports::Texts,
    texts_shown: bool,
    figures: AreaFigures,
    frozen: bool,
    can_write: bool,
    can_review: bool,
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, period_code)): Path<(String, String)>,
) -> Result<Response> {
    let commune = commune_of(&s, &caller, &code).await?;
    let p = period_of(&s, &commune, &period_code).await?;
    let today = s.settings.today();
    let report = commune_reports::get(&s.db, commune.id, &p.code()).await?;
    let frozen = report.as_ref().and_then(|r| r.frozen());
    let is_frozen = frozen.is_some();
    let figures = match frozen {
        Some(f) => f,
        None => db::reports::area_figures(&s.db, &commune, &p).await?,
    };
    // The province reads the commune's words once sent; a draft is still the commune's own.
    let texts_shown = caller.commune_id == Some(commune.id)
        || report.as_ref().is_some_and(|r| r.status != "draft");
    let texts = match &report {
        _ if !texts_shown => db::reports::Texts::default(),
        Some(r) => r.texts(),
        None => {
            // Prefilled from what the commune's report gathers from its hamlets.
            let who = report_data::Audience {
                today: &today,
                personal: caller.personal_scope().is_some(),
            };
            let n = report_data::input(&s.db, &commune, &p, commune_reports::kind_of(&p), who)
                .await?
                .narrative;
            db::reports::Texts {
                results: n.results,
                difficulties: n.difficulties,
                proposals: n.proposals,
                next_plan: n.next_plan,
            }
        }
    };
    let due = match (p, commune.parent_id) {
        (Period::Month(m), Some(province)) => crate::text::format_date(
            &commune_reports::due_days(&s.db, province)
                .await?
                .due_date(m),
        ),
        _ => String::new(),
    };
    let status = report
        .as_ref()
        .map_or("none".to_string(), |r| r.status.clone());
    let page = ReportPage {
        shell: Shell::new(
            &caller,
            format!("Báo cáo {} · {}", p.label_lower(), commune.titled_name()),
            "/reports",
        ),
        period: p.code(),
        period_label: p.label_lower(),
        kind: commune_reports::kind_of(&p).code(),
        due,
        status_label: status_label(&status),
        frozen: is_frozen,
        can_write: is_writer(&caller, &commune) && report.as_ref().is_none_or(|r| r.editable()),
        can_review: is_reviewer(&caller, &commune),
        status,
        report,
        texts,
        texts_shown,
        figures,
        commune,
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
    /// The box the admin ticks to confirm sending: a report sent cannot be changed until the
    /// province returns it.
    #[serde(default)]
    confirm: String,
}

const MAX_TEXT: usize = 8000;

async fn record(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    (commune, action, id): (i64, &str, i64),
    before: Option<&commune_reports::CommuneReport>,
    after: &serde_json::Value,
) -> Result<()> {
    super::audited(
        tx,
        caller,
        commune,
        (action, "commune_report", Some(id)),
        before,
        Some(after),
    )
    .await
}

async fn save(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, period_code)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> Result<Response> {
    let commune = commune_of(&s, &caller, &code).await?;
    if !is_writer(&caller, &commune) {
        return Err(AppError::Forbidden);
    }
    let p = period_of(&s, &commune, &period_code).await?;
    let submit = f.action == "submit";
    if submit && f.confirm != "yes" {
        return Err(AppError::invalid(
            "Hãy đánh dấu xác nhận đã rà soát nội dung trước khi gửi báo cáo lên Sở.",
        ));
    }
    // A quarter or a year is reported from its last month on: sent earlier, it would freeze a
    // part of the period as the whole (a draft may be written at any time).
    let now = period::month_of_date(&s.settings.today()).unwrap_or_else(period::current_month);
    if submit && p.last_month() > now {
        return Err(AppError::invalid(format!(
            "Báo cáo {} gửi được từ {}: kỳ báo cáo chưa đến tháng cuối.",
            p.label_lower(),
            Period::Month(p.last_month()).label_lower()
        )));
    }
    let text = |v: &str, what: &str| super::forms::long_text(v, what, MAX_TEXT);
    let texts = db::reports::Texts {
        results: text(&f.results, "Kết quả nổi bật")?,
        difficulties: text(&f.difficulties, "Khó khăn, vướng mắc")?,
        proposals: text(&f.proposals, "Đề xuất, kiến nghị")?,
        next_plan: text(&f.next_plan, "Phương hướng, nhiệm vụ")?,
    };
    let today = s.settings.today();
    let code = p.code();
    let mut tx = s.db.begin_write().await?;
    let (id, before) =
        commune_reports::save(&mut tx, (commune.id, &p), &texts, caller.account_id).await?;
    let action = if before.is_some() { "update" } else { "create" };
    let after = serde_json::to_value(&texts).unwrap_or_default();
    record(
        &mut tx,
        &caller,
        (commune.id, action, id),
        before.as_ref(),
        &after,
    )
    .await?;
    if submit {
        commune_reports::submit(&mut tx, commune.id, &code, &today, caller.account_id).await?;
        let after = serde_json::json!({"status": "submitted", "date": today});
        record(&mut tx, &caller, (commune.id, "submit", id), None, &after).await?;
    }
    tx.commit().await?;
    Ok(see_other(&format!(
        "/reports/commune/{}/{code}",
        commune.code
    )))
}

async fn acknowledge(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, period_code)): Path<(String, String)>,
) -> Result<Response> {
    let commune = commune_of(&s, &caller, &code).await?;
    if !is_reviewer(&caller, &commune) {
        return Err(AppError::Forbidden);
    }
    let p = Period::parse(&period_code)?;
    // Read before the write lock: the frozen copy is what the province saw a moment ago.
    let figures = commune_reports::to_freeze(&s.db, &commune, &p).await?;
    let today = s.settings.today();
    let code = p.code();
    let mut tx = s.db.begin_write().await?;
    let before = commune_reports::acknowledge(
        &mut tx,
        (commune.id, &code),
        &figures,
        (&today, caller.account_id),
    )
    .await?;
    let after = serde_json::json!({"status": "acknowledged", "date": today});
    record(
        &mut tx,
        &caller,
        (commune.id, "acknowledge", before.id),
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/reports/commune/{}/{code}",
        commune.code
    )))
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    comment: String,
}

async fn send_back(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, period_code)): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response> {
    review_back(&s, &caller, (&code, &period_code), &f.comment, false).await
}

/// An acknowledged report opened again by the province, with the reason (a mistaken
/// acknowledgement, figures the commune must correct).
async fn reopen(
    State(s): State<SharedState>,
    caller: Caller,
    Path((code, period_code)): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response> {
    review_back(&s, &caller, (&code, &period_code), &f.comment, true).await
}

async fn review_back(
    s: &SharedState,
    caller: &Caller,
    (code, period_code): (&str, &str),
    comment: &str,
    reopen: bool,
) -> Result<Response> {
    let commune = commune_of(s, caller, code).await?;
    if !is_reviewer(caller, &commune) {
        return Err(AppError::Forbidden);
    }
    let code = Period::parse(period_code)?.code();
    let comment = super::forms::long_text(comment, "Ý kiến", MAX_TEXT)?;
    let mut tx = s.db.begin_write().await?;
    let before = commune_reports::send_back(
        &mut tx,
        (commune.id, &code),
        &comment,
        (reopen, caller.account_id),
    )
    .await?;
    let after = serde_json::json!({"status": "returned", "comment": comment});
    let action = if reopen { "reopen" } else { "return" };
    record(
        &mut tx,
        caller,
        (commune.id, action, before.id),
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/reports/commune/{}/{code}",
        commune.code
    )))
}

#[derive(Deserialize)]
struct DueDayForm {
    due_day: String,
}

/// The province moves the day of the following month by which communes report.
async fn set_due_day(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<DueDayForm>,
) -> Result<Response> {
    if caller.role != Role::ProvinceViewer || caller.area_level != "province" {
        return Err(AppError::Forbidden);
    }
    let province = caller.area_id;
    let day: u32 = f
        .due_day
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=28).contains(d))
        .ok_or_else(|| {
            AppError::invalid("Hạn gửi báo cáo là một ngày của tháng sau, từ 1 đến 28.")
        })?;
    let before = commune_reports::due_days(&s.db, province).await?;
    // The report of last month is due this month. Months already judged keep their day: last
    // month takes the new day only while neither its old nor its new due date has passed.
    let today = s.settings.today();
    let last = period::month_of_date(&today).unwrap_or_else(period::current_month) - 1;
    let old_due = before.due_date(last);
    let new_due = period::due_date(last + 1, day);
    let from = period::month_code(if today <= old_due && today <= new_due {
        last
    } else {
        last + 1
    });
    let mut tx = s.db.begin_write().await?;
    db::settings::set_due_day(&mut tx, province, day, (&from, &before)).await?;
    super::audited(
        &mut tx,
        &caller,
        province,
        ("update", "setting", None),
        Some(&serde_json::json!({ (commune_reports::DUE_DAY.key): before.current() })),
        Some(&serde_json::json!({ (commune_reports::DUE_DAY.key): day, "from": from })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/reports"))
}

/// A commune report's line on the commune's report page.
pub struct Line {
    pub period: String,
    pub label: String,
    pub status: String,
    pub status_label: &'static str,
    pub submitted_on: String,
}

/// The commune's reports to the province for the month chosen, its quarter and its year.
pub async fn lines(s: &SharedState, commune_id: i64, m: period::Month) -> Result<Vec<Line>> {
    let year = period::year_of(m);
    let mine = commune_reports::for_commune(&s.db, commune_id).await?;
    let today = s.settings.today();
    let now = period::month_of_date(&today).unwrap_or_else(period::current_month);
    Ok([
        Period::Month(m),
        Period::Quarter {
            year,
            quarter: period::quarter_of(m),
        },
        Period::Year(year),
    ]
    .into_iter()
    .filter(|p| p.first_month() <= now)
    .map(|p| {
        let r = mine.iter().find(|r| r.period == p.code());
        let status = r.map_or("none", |r| r.status.as_str()).to_string();
        Line {
            period: p.code(),
            label: p.label(),
            status_label: status_label(&status),
            status,
            submitted_on: r
                .and_then(|r| r.submitted_on.as_deref())
                .map(crate::text::format_date)
                .unwrap_or_default(),
        }
    })
    .collect())
}

#[derive(Template)]
#[template(path = "reports_province.html")]
struct ProvincePage {
    shell: Shell,
    area: areas::Area,
    month: String,
    month_label: String,
    months: Vec<(String, String)>,
    completeness: CommuneCompleteness,
    downloads: Vec<(String, String, String)>,
    due_day: u32,
    can_set_due_day: bool,
}

/// The province's report page: which communes sent the month's report, the due day, and the
/// province's own reports to download.
pub async fn province_index(
    s: &SharedState,
    caller: &Caller,
    area: areas::Area,
    month: &str,
) -> Result<Response> {
    let today = s.settings.today();
    let now = period::month_of_date(&today).unwrap_or_else(period::current_month);
    // The month most recently ended is the one whose reports are coming in.
    let m = if month.is_empty() {
        now - 1
    } else {
        match Period::parse(month)? {
            Period::Month(m) => m,
            _ => return Err(AppError::invalid("Hãy chọn một tháng, ví dụ 2026-05.")),
        }
    };
    let year = period::year_of(m);
    let months = (period::month(year, 1)..=period::month(year, 12))
        .map(|m| (period::month_code(m), Period::Month(m).label()))
        .collect();
    let mut downloads = Vec::new();
    for (kind, p) in [
        (Kind::Monthly, Period::Month(m)),
        (
            Kind::Quarterly,
            Period::Quarter {
                year,
                quarter: period::quarter_of(m),
            },
        ),
        (Kind::Yearly, Period::Year(year)),
    ] {
        downloads.push((
            kind.code().to_string(),
            p.code(),
            format!("Báo cáo {} của tỉnh", p.label_lower()),
        ));
    }
    let page = ProvincePage {
        shell: Shell::new(caller, "Báo cáo", "/reports"),
        month: period::month_code(m),
        month_label: Period::Month(m).label(),
        months,
        completeness: commune_reports::completeness(&s.db, area.id, m, &today).await?,
        downloads,
        due_day: commune_reports::due_days(&s.db, area.id).await?.current(),
        can_set_due_day: caller.role == Role::ProvinceViewer && caller.area_id == area.id,
        area,
    };
    Ok(render(&page)?.into_response())
}
