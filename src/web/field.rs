//! The field app: an installable offline page for team members and hamlet heads, the data it
//! keeps on the phone, and the sync endpoint its queued records go to.

use super::assets::asset_response;
use super::{ApiCaller, ApiError, SharedState, Shell, render};
use crate::auth::{Caller, PersonalScope, Role};
use crate::db::{self, Filter, activities, services, sync};
use crate::error::AppError;
use crate::fieldwork;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/field", get(shell))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
        .route("/api/v1/field/data", get(data))
        .route("/api/v1/sync", post(sync_records))
}

/// At most this many records in one sync request; the phone sends the rest next time.
pub const MAX_BATCH: usize = 500;

fn field_caller(c: &Caller) -> Result<PersonalScope, AppError> {
    if !matches!(c.role, Role::HamletHead | Role::TeamMember) {
        return Err(AppError::Forbidden);
    }
    c.require_personal()
}

#[derive(Template)]
#[template(path = "field.html")]
struct FieldPage {
    shell: Shell,
    account_id: i64,
}

/// The page holds no personal data, so the service worker may keep it for offline use.
async fn shell(caller: Caller) -> Result<Html<String>, AppError> {
    if !matches!(caller.role, Role::HamletHead | Role::TeamMember) {
        return Err(AppError::invalid(
            "Ứng dụng thực địa dành cho tổ viên Tổ CNSCĐ và trưởng ấp. \
             Tài khoản của bạn xem số liệu ở các trang khác.",
        ));
    }
    render(&FieldPage {
        shell: Shell::new(&caller, "Thực địa", "/field"),
        account_id: caller.account_id,
    })
}

async fn service_worker() -> Response {
    let mut res = asset_response("sw.js");
    // The worker itself must be checked for updates on every load.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

async fn manifest() -> Response {
    let mut res = asset_response("manifest.webmanifest");
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/manifest+json"),
    );
    res
}

#[derive(Serialize, sqlx::FromRow)]
struct HouseholdOut {
    id: i64,
    code: String,
    address: Option<String>,
    head_name: Option<String>,
    last_visit: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct ResidentRow {
    id: i64,
    household_id: i64,
    full_name: String,
    birth_year: Option<i64>,
    gender: Option<String>,
    phone: Option<String>,
    relation: Option<String>,
    has_smartphone: Option<i64>,
    status: String,
    version: i64,
    helped: i64,
}

#[derive(Serialize)]
struct ResidentOut {
    #[serde(flatten)]
    row: ResidentRow,
    services: HashMap<String, String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct MemberOut {
    id: i64,
    full_name: String,
    position: String,
}

#[derive(Serialize)]
struct ActivityOut {
    id: i64,
    kind: String,
    kind_label: &'static str,
    date: String,
    place: Option<String>,
    reached: i64,
    helped: i64,
}

#[derive(Serialize)]
struct Kind {
    code: &'static str,
    name: &'static str,
}

fn kinds(list: &[(&'static str, &'static str)]) -> Vec<Kind> {
    list.iter()
        .map(|(code, name)| Kind { code, name })
        .collect()
}

/// Everything the phone keeps for offline work: the caller's hamlet (or assigned households),
/// its residents with their statuses, the team, this month's activities.
async fn data(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let scope = field_caller(&c)?;
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    f.raw("h.active = 1");
    let households: Vec<HouseholdOut> = s
        .db
        .fetch_all(
            &format!(
                "SELECT h.id, h.code, h.address, h.head_name, \
                 (SELECT MAX(hr.help_date) FROM help_records hr JOIN residents r ON r.id = hr.resident_id \
                  WHERE r.household_id = h.id) AS last_visit \
                 FROM households h{} ORDER BY h.code",
                f.where_sql()
            ),
            &f.params,
        )
        .await?;
    let mut f = Filter::default();
    f.scope(scope, "r.", "household_id");
    f.raw("r.active = 1");
    let w = f.where_sql();
    let rows: Vec<ResidentRow> = s
        .db
        .fetch_all(
            &format!(
                "SELECT r.id, r.household_id, r.full_name, r.birth_year, r.gender, r.phone, r.relation, \
                 r.has_smartphone, r.status, r.version, \
                 (SELECT COUNT(*) FROM help_records hr WHERE hr.resident_id = r.id) AS helped \
                 FROM residents r{w} ORDER BY r.household_id, r.id"
            ),
            &f.params,
        )
        .await?;
    let statuses: Vec<(i64, String, String)> =
        s.db.fetch_all(
            &format!(
                "SELECT rs.resident_id, rs.service_code, rs.status FROM resident_services rs \
                 JOIN residents r ON r.id = rs.resident_id{w}"
            ),
            &f.params,
        )
        .await?;
    let mut by_resident: HashMap<i64, HashMap<String, String>> = HashMap::new();
    for (rid, code, status) in statuses {
        if status != "none" {
            by_resident.entry(rid).or_default().insert(code, status);
        }
    }
    let residents: Vec<ResidentOut> = rows
        .into_iter()
        .map(|row| ResidentOut {
            services: by_resident.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect();
    let hamlet_id = c.area_id;
    let team_id = activities::hamlet_team(&s.db, hamlet_id).await?;
    let members: Vec<MemberOut> = match team_id {
        Some(t) => {
            s.db.fetch_all(
                "SELECT id, full_name, position FROM members WHERE team_id = $1 AND active = 1 ORDER BY full_name",
                &[t.into()],
            )
            .await?
        }
        None => vec![],
    };
    let today = db::today();
    let month = &today[..7];
    let (from, to) = fieldwork::month_bounds(month).unwrap_or((today.clone(), today.clone()));
    let acts = activities::list(&s.db, scope.commune_id, Some(hamlet_id), &from, &to).await?;
    let services: Vec<serde_json::Value> = services::active(&s.db)
        .await?
        .into_iter()
        .map(
            |sv| serde_json::json!({"code": sv.code, "name": sv.name, "short_name": sv.short_name}),
        )
        .collect();
    let assignment: HashMap<i64, i64> = if c.assignment_on {
        db::assignments::for_hamlet(&s.db, hamlet_id)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    Ok(Json(serde_json::json!({
        "account_id": c.account_id,
        "username": c.username,
        "member_id": c.member_id,
        "hamlet": {"id": hamlet_id, "name": c.area_name},
        "assignment_on": c.assignment_on,
        "assigned": assignment,
        "today": today,
        "monthly_minimum": fieldwork::MONTHLY_MINIMUM,
        "services": services,
        "activity_kinds": kinds(&fieldwork::ACTIVITY_KINDS),
        "dossier_kinds": kinds(&fieldwork::DOSSIER_KINDS),
        "members": members,
        "activities": acts.iter().map(|a| ActivityOut {
            id: a.id,
            kind: a.kind.clone(),
            kind_label: a.kind_label(),
            date: a.activity_date.clone(),
            place: a.place.clone(),
            reached: a.reached(),
            helped: a.helped,
        }).collect::<Vec<_>>(),
        "households": households,
        "residents": residents,
    })))
}

#[derive(Deserialize)]
struct SyncBody {
    #[serde(default)]
    device_id: Option<String>,
    records: Vec<serde_json::Value>,
}

async fn sync_records(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let scope = field_caller(&c)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(AppError::invalid("Dữ liệu đồng bộ phải gửi dạng JSON.").into());
    }
    let body: SyncBody = serde_json::from_slice(&body).map_err(|_| {
        AppError::invalid(
            "Dữ liệu đồng bộ không đúng định dạng: cần {\"device_id\": …, \"records\": […]}.",
        )
    })?;
    if body.records.len() > MAX_BATCH {
        return Err(AppError::invalid(format!("Mỗi lần gửi tối đa {MAX_BATCH} bản ghi.")).into());
    }
    let device_id = body
        .device_id
        .as_deref()
        .map(|d| d.chars().take(64).collect::<String>());
    let ctx = sync::Context {
        account_id: c.account_id,
        scope,
        hamlet_id: c.area_id,
        member_id: c.member_id,
        team_id: activities::hamlet_team(&s.db, c.area_id).await?,
        today: db::today(),
        device_id: device_id.as_deref(),
        keys: &s.keys,
    };
    let mut results = Vec::with_capacity(body.records.len());
    for raw in &body.records {
        results.push(sync::apply(&s.db, &ctx, raw).await);
    }
    Ok(Json(serde_json::json!({ "results": results })).into_response())
}
