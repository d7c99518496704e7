//! The JSON API's lists beyond residents: teams, members, households, activities, help records
//! and monthly reports, each within the caller's scope, with the pages' masking.

use super::{ApiCaller, ApiError, SharedState};
use crate::db::{self, areas, households, members, reports, teams};
use crate::error::AppError;
use crate::indicators::{Period, period};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/v1/teams", get(list_teams))
        .route("/api/v1/members", get(list_members))
        .route("/api/v1/households", get(list_households))
        .route("/api/v1/activities", get(list_activities))
        .route("/api/v1/help", get(list_help))
        .route("/api/v1/reports", get(list_reports))
        .route("/api/v1/reports/{hamlet}/{month}", get(get_report))
        .route("/api/v1/openapi.json", get(openapi))
}

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

async fn list_teams(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Value>, ApiError> {
    let out: Vec<Value> = scoped_teams(&s, &c)
        .await?
        .iter()
        .map(|t| {
            json!({
                "id": t.id, "name": t.name, "kind": t.kind, "area_id": t.area_id,
                "area_name": t.area_name, "zalo_link": t.zalo_link, "zalo_members": t.zalo_members,
                "zalo_active": t.zalo_active == 1, "active": t.active == 1,
                "member_count": t.member_count,
            })
        })
        .collect();
    Ok(Json(json!(out)))
}

async fn list_members(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Value>, ApiError> {
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
            out.push(json!({
                "id": m.id, "team_id": m.team_id, "full_name": m.full_name, "phone": phone,
                "position": m.position, "affiliation": m.affiliation,
                "joined_on": m.joined_on, "left_on": m.left_on, "active": m.active == 1,
            }));
        }
    }
    Ok(Json(json!(out)))
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn list_households(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let scope = c.require_personal()?;
    let lf = households::ListFilter {
        q: &p.q,
        hamlet_id: super::api::hamlet_of(&s, &c, scope, &p.area).await?,
        include_inactive: false,
    };
    let per_page = p.per_page.unwrap_or(50).clamp(1, 500);
    let page = households::list(&s.db, scope, &lf, p.page.unwrap_or(1), per_page).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(|h| json!({
            "id": h.id, "code": h.code, "hamlet_id": h.hamlet_id, "hamlet_name": h.hamlet_name,
            "address": h.address, "head_name": h.head_name, "resident_count": h.resident_count,
            "active": h.active == 1,
        })).collect::<Vec<_>>(),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    })))
}

#[derive(Deserialize)]
struct MonthParams {
    #[serde(default)]
    month: String,
}

fn month_of(p: &MonthParams) -> Result<period::Month, ApiError> {
    if p.month.is_empty() {
        return Ok(period::current_month());
    }
    match Period::parse(&p.month)? {
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

async fn list_activities(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(p): Query<MonthParams>,
) -> Result<Json<Value>, ApiError> {
    let scope = c.require_personal()?;
    let (from, to) = bounds(month_of(&p)?);
    let items = db::activities::list(&s.db, scope.commune_id, scope.hamlet_id, &from, &to).await?;
    Ok(Json(json!(items)))
}

#[derive(Deserialize)]
struct HelpParams {
    #[serde(default)]
    month: String,
    /// Pages of `per_page` records (at most 10,000), newest first; the answer stays a list.
    #[serde(default = "first_page")]
    page: i64,
    #[serde(default = "all_of_a_month")]
    per_page: i64,
}

fn first_page() -> i64 {
    1
}

fn all_of_a_month() -> i64 {
    10_000
}

async fn list_help(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(p): Query<HelpParams>,
) -> Result<Json<Value>, ApiError> {
    let scope = c.require_personal()?;
    let (from, to) = bounds(month_of(&MonthParams { month: p.month })?);
    let per_page = p.per_page.clamp(1, 10_000);
    let offset = (p.page.max(1) - 1).saturating_mul(per_page);
    let items = db::help::in_period(&s.db, scope, (&from, &to), (per_page, offset)).await?;
    Ok(Json(json!(items)))
}

/// A month's hamlet reports of a commune: completeness, each hamlet's status. No personal
/// data: province accounts may read it for any commune they see.
async fn list_reports(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
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
    let m = month_of(&MonthParams { month: p.month })?;
    let mut c_ = reports::completeness(&s.db, commune, m, &s.settings.today()).await?;
    if area.level == "hamlet" {
        c_.hamlets.retain(|h| h.hamlet_code == area.code);
    }
    Ok(Json(json!({
        "month": c_.month,
        "due": c_.due,
        "expected": c_.expected(),
        "submitted": c_.submitted(),
        "on_time": c_.on_time(),
        "late": c_.late(),
        "missing": c_.missing(),
        "hamlets": c_.hamlets,
    })))
}

#[derive(Deserialize)]
struct ReportParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    month: String,
}

/// One hamlet's monthly report: its status and text, and its figures (frozen once approved).
async fn get_report(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Path((code, month)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let hamlet = areas::visible_by_code(&s.db, &c, &code).await?;
    if hamlet.level != "hamlet" {
        return Err(AppError::NotFound.into());
    }
    let m = month_of(&MonthParams { month })?;
    let (figures, report) = reports::hamlet_month_figures(&s.db, &hamlet, m).await?;
    Ok(Json(json!({
        "hamlet": hamlet.code,
        "month": period::month_code(m),
        "status": report.as_ref().map_or("none", |r| r.status.as_str()),
        "frozen": report.as_ref().and_then(|r| r.frozen()).is_some(),
        "submitted_on": report.as_ref().and_then(|r| r.submitted_on.clone()),
        "approved_on": report.as_ref().and_then(|r| r.approved_on.clone()),
        "results": report.as_ref().map(|r| r.results.clone()),
        "difficulties": report.as_ref().map(|r| r.difficulties.clone()),
        "proposals": report.as_ref().map(|r| r.proposals.clone()),
        "next_plan": report.as_ref().map(|r| r.next_plan.clone()),
        "review_comment": report.as_ref().map(|r| r.review_comment.clone()),
        "figures": figures,
    })))
}

/// The API's description, OpenAPI 3.1; `tests/openapi.rs` checks it against the router.
async fn openapi() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}
