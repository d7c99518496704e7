//! The JSON API's lists beyond residents: teams, members, households, activities, help records
//! and monthly reports, each within the caller's scope, with the pages' masking.

use super::api::{ListParams, Paged};
use super::api_errors::ReadErrors;
use super::api_input::{ApiPath, ApiQuery, paging};
use super::{ApiCaller, ApiError, SharedState};
use crate::db::activities::Activity;
use crate::db::help::HelpEntry;
use crate::db::{self, areas, households, members, reports, teams};
use crate::error::AppError;
use crate::indicators::{Period, period};
use crate::reports::figures::{AreaFigures, HamletReportState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

async fn scoped_teams(
    s: &SharedState,
    c: &crate::auth::Caller,
) -> Result<Vec<teams::Team>, ApiError> {
    let scope = c.require_personal()?;
    Ok(match scope.hamlet_id {
        None => teams::for_commune(&s.db, scope.commune_id).await?,
        Some(h) => teams::for_area(&s.db, h).await?,
    })
}

/// A team of the commune or hamlet.
#[derive(Serialize, ToSchema)]
pub(super) struct TeamOut {
    id: i64,
    name: String,
    /// commune (Tổ của xã) or hamlet (Tổ của ấp).
    kind: String,
    area_id: i64,
    area_name: String,
    zalo_link: Option<String>,
    zalo_members: Option<i64>,
    zalo_active: bool,
    active: bool,
    /// Active members.
    member_count: i64,
}

/// Các Tổ CNSCĐ trong phạm vi
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "Tổ CNSCĐ",
    responses((status = 200, description = "Các tổ", body = Vec<TeamOut>), ReadErrors)
)]
pub(super) async fn list_teams(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<TeamOut>>, ApiError> {
    let out = scoped_teams(&s, &c)
        .await?
        .into_iter()
        .map(|t| TeamOut {
            id: t.id,
            name: t.name,
            kind: t.kind,
            area_id: t.area_id,
            area_name: t.area_name,
            zalo_link: t.zalo_link,
            zalo_members: t.zalo_members,
            zalo_active: t.zalo_active == 1,
            active: t.active == 1,
            member_count: t.member_count,
        })
        .collect();
    Ok(Json(out))
}

/// A team member; the phone masked outside the caller's own hamlet.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberOut {
    id: i64,
    team_id: i64,
    full_name: String,
    phone: Option<String>,
    /// leader, deputy or member.
    position: String,
    affiliation: String,
    joined_on: Option<String>,
    left_on: Option<String>,
    active: bool,
}

/// Tổ viên của các tổ trong phạm vi
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "Tổ CNSCĐ",
    responses((status = 200, description = "Các tổ viên", body = Vec<MemberOut>), ReadErrors)
)]
pub(super) async fn list_members(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<MemberOut>>, ApiError> {
    let mut out = Vec::new();
    for t in scoped_teams(&s, &c).await? {
        let full = c.sees_full_phone(t.area_id);
        for m in members::for_team(&s.db, t.id).await? {
            let phone = m.phone.as_ref().map(|p| {
                if full {
                    p.clone()
                } else {
                    crate::text::mask_phone(p)
                }
            });
            out.push(MemberOut {
                id: m.id,
                team_id: m.team_id,
                full_name: m.full_name,
                phone,
                position: m.position,
                affiliation: m.affiliation,
                joined_on: m.joined_on,
                left_on: m.left_on,
                active: m.active == 1,
            });
        }
    }
    Ok(Json(out))
}

/// A household of the caller's scope.
#[derive(Serialize, ToSchema)]
pub(super) struct HouseholdOut {
    id: i64,
    code: String,
    hamlet_id: i64,
    hamlet_name: String,
    address: Option<String>,
    head_name: Option<String>,
    /// Residents living in it.
    resident_count: i64,
    active: bool,
}

/// Danh sách hộ (theo trang)
#[utoipa::path(
    get,
    path = "/api/v1/households",
    tag = "Hộ",
    params(ListParams),
    responses(
        (status = 200, description = "Một trang hộ", body = Paged<HouseholdOut>),
        ReadErrors
    )
)]
pub(super) async fn list_households(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Paged<HouseholdOut>>, ApiError> {
    let scope = c.require_personal()?;
    let (page, per_page) = paging(p.page, p.per_page, 50, 500)?;
    let lf = households::ListFilter {
        q: &p.q,
        hamlet_id: super::api::hamlet_of(&s, &c, scope, &p.area).await?,
        include_inactive: false,
    };
    let page = households::list(&s.db, scope, &lf, page, per_page).await?;
    Ok(Json(Paged::of(page, |h| HouseholdOut {
        id: h.id,
        code: h.code.clone(),
        hamlet_id: h.hamlet_id,
        hamlet_name: h.hamlet_name.clone(),
        address: h.address.clone(),
        head_name: h.head_name.clone(),
        resident_count: h.resident_count,
        active: h.active == 1,
    })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct MonthParams {
    /// Tháng dạng yyyy-mm; mặc định tháng này.
    #[serde(default)]
    #[param(example = "2026-05")]
    month: String,
}

fn month_of(month: &str) -> Result<period::Month, ApiError> {
    if month.is_empty() {
        return Ok(period::current_month());
    }
    match Period::parse(month)? {
        Period::Month(m) => Ok(m),
        _ => Err(AppError::invalid("Cần một tháng dạng năm-tháng, ví dụ 2026-05.").into()),
    }
}

fn bounds(m: period::Month) -> (String, String) {
    (
        format!("{}-01", period::month_code(m)),
        period::last_day_iso(m),
    )
}

/// Hoạt động của các tổ trong tháng
#[utoipa::path(
    get,
    path = "/api/v1/activities",
    tag = "Hoạt động",
    params(MonthParams),
    responses((status = 200, description = "Các hoạt động", body = Vec<Activity>), ReadErrors)
)]
pub(super) async fn list_activities(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(p): ApiQuery<MonthParams>,
) -> Result<Json<Vec<Activity>>, ApiError> {
    let scope = c.require_personal()?;
    let (from, to) = bounds(month_of(&p.month)?);
    let items = db::activities::list(&s.db, scope.commune_id, scope.hamlet_id, &from, &to).await?;
    Ok(Json(items))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct HelpParams {
    /// Tháng dạng yyyy-mm; mặc định tháng này.
    #[serde(default)]
    #[param(example = "2026-05")]
    month: String,
    /// Trang, từ 1; mới nhất trước. Câu trả lời vẫn là một danh sách.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<i64>,
    /// Số bản ghi mỗi trang, 1–10.000 (mặc định 10.000: cả tháng).
    #[param(minimum = 1, maximum = 10000)]
    per_page: Option<i64>,
}

/// Lượt hỗ trợ của tháng
#[utoipa::path(
    get,
    path = "/api/v1/help",
    tag = "Hoạt động",
    params(HelpParams),
    responses((status = 200, description = "Các lượt hỗ trợ", body = Vec<HelpEntry>), ReadErrors)
)]
pub(super) async fn list_help(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(p): ApiQuery<HelpParams>,
) -> Result<Json<Vec<HelpEntry>>, ApiError> {
    let scope = c.require_personal()?;
    let (page, per_page) = paging(p.page, p.per_page, 10_000, 10_000)?;
    let (from, to) = bounds(month_of(&p.month)?);
    let offset = (page - 1).saturating_mul(per_page);
    let items = db::help::in_period(&s.db, scope, (&from, &to), (per_page, offset)).await?;
    Ok(Json(items))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ReportParams {
    /// Mã xã (hoặc ấp); mặc định đơn vị của tài khoản.
    #[serde(default)]
    area: String,
    /// Tháng dạng yyyy-mm; mặc định tháng này.
    #[serde(default)]
    #[param(example = "2026-05")]
    month: String,
}

/// A month's hamlet reports of a commune: how many were expected, sent, on time.
#[derive(Serialize, ToSchema)]
pub(super) struct ReportsOut {
    month: String,
    /// The due date, yyyy-mm-dd.
    due: String,
    expected: usize,
    submitted: usize,
    on_time: usize,
    late: usize,
    missing: usize,
    hamlets: Vec<HamletReportState>,
}

/// Báo cáo tháng của các ấp: đủ, đúng hạn
///
/// Không có dữ liệu cá nhân: tài khoản của tỉnh đọc được cho mọi xã mình xem.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "Báo cáo",
    params(ReportParams),
    responses((status = 200, description = "Tình hình nộp báo cáo", body = ReportsOut), ReadErrors)
)]
pub(super) async fn list_reports(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Json<ReportsOut>, ApiError> {
    let area = if p.area.is_empty() {
        areas::get(&s.db, c.area_id)
            .await?
            .ok_or(AppError::NotFound)?
    } else {
        areas::visible_by_code(&s.db, &c, &p.area).await?
    };
    let commune = area
        .commune_id
        .ok_or_else(|| AppError::invalid("Cần chọn một xã (area=mã-xã)."))?;
    let m = month_of(&p.month)?;
    let mut c_ = reports::completeness(&s.db, commune, m, &s.settings.today()).await?;
    if area.level == "hamlet" {
        c_.hamlets.retain(|h| h.hamlet_code == area.code);
    }
    Ok(Json(ReportsOut {
        expected: c_.expected(),
        submitted: c_.submitted(),
        on_time: c_.on_time(),
        late: c_.late(),
        missing: c_.missing(),
        month: c_.month,
        due: c_.due,
        hamlets: c_.hamlets,
    }))
}

/// One hamlet's monthly report: its status and words, and its figures (frozen once approved).
#[derive(Serialize, ToSchema)]
pub(super) struct ReportOut {
    hamlet: String,
    month: String,
    /// none (not started), draft, submitted, returned or approved.
    status: String,
    /// The figures are those frozen when the report was approved.
    frozen: bool,
    submitted_on: Option<String>,
    approved_on: Option<String>,
    results: Option<String>,
    difficulties: Option<String>,
    proposals: Option<String>,
    next_plan: Option<String>,
    review_comment: Option<String>,
    figures: AreaFigures,
}

/// Báo cáo tháng của một ấp, với số liệu
#[utoipa::path(
    get,
    path = "/api/v1/reports/{hamlet}/{month}",
    tag = "Báo cáo",
    params(
        ("hamlet" = String, Path, description = "Mã ấp", example = "rach-kien-ap-03"),
        ("month" = String, Path, description = "Tháng dạng yyyy-mm", example = "2026-05"),
    ),
    responses((status = 200, description = "Báo cáo và số liệu", body = ReportOut), ReadErrors)
)]
pub(super) async fn get_report(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath((code, month)): ApiPath<(String, String)>,
) -> Result<Json<ReportOut>, ApiError> {
    let hamlet = areas::visible_by_code(&s.db, &c, &code).await?;
    if hamlet.level != "hamlet" {
        return Err(AppError::NotFound.into());
    }
    let m = month_of(&month)?;
    let (figures, report) = reports::hamlet_month_figures(&s.db, &hamlet, m).await?;
    let text =
        |f: fn(&db::reports::MonthlyReport) -> &String| report.as_ref().map(|r| f(r).clone());
    Ok(Json(ReportOut {
        hamlet: hamlet.code.clone(),
        month: period::month_code(m),
        status: report
            .as_ref()
            .map_or_else(|| "none".to_string(), |r| r.status.clone()),
        frozen: report.as_ref().and_then(|r| r.frozen()).is_some(),
        submitted_on: report.as_ref().and_then(|r| r.submitted_on.clone()),
        approved_on: report.as_ref().and_then(|r| r.approved_on.clone()),
        results: text(|r| &r.results),
        difficulties: text(|r| &r.difficulties),
        proposals: text(|r| &r.proposals),
        next_plan: text(|r| &r.next_plan),
        review_comment: text(|r| &r.review_comment),
        figures,
    }))
}
