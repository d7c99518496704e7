//! The field app: an installable offline page for team members and hamlet heads, the data it
//! keeps on the phone, and the sync endpoint its queued records go to.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::body_bytes;
use super::assets::asset_response;
use super::{ApiCaller, ApiError, SharedState, Shell, render};
use crate::auth::{Caller, PersonalScope, Role};
use crate::db::{self, Filter, activities, services, sync};
use crate::error::AppError;
use crate::fieldwork;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/field", get(shell))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
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

/// A household the phone may visit.
#[derive(Serialize, sqlx::FromRow, ToSchema)]
pub(super) struct FieldHousehold {
    id: i64,
    code: String,
    address: Option<String>,
    head_name: Option<String>,
    /// The last day someone of the household was helped; none yet: null.
    last_visit: Option<String>,
}

#[derive(Serialize, sqlx::FromRow, ToSchema)]
pub(super) struct FieldResidentRow {
    id: i64,
    household_id: i64,
    full_name: String,
    birth_year: Option<i64>,
    gender: Option<String>,
    phone: Option<String>,
    relation: Option<String>,
    /// 1 yes, 0 no, null unknown.
    has_smartphone: Option<i64>,
    status: String,
    /// For `resident_update`'s `base_version`.
    version: i64,
    /// Help records so far.
    helped: i64,
}

/// A resident with the services that are not `none` (code → status).
#[derive(Serialize, ToSchema)]
pub(super) struct FieldResident {
    #[serde(flatten)]
    row: FieldResidentRow,
    services: HashMap<String, String>,
}

#[derive(Serialize, sqlx::FromRow, ToSchema)]
pub(super) struct FieldMember {
    id: i64,
    full_name: String,
    position: String,
}

/// An activity of the team this month.
#[derive(Serialize, ToSchema)]
pub(super) struct FieldActivity {
    id: i64,
    kind: String,
    kind_label: &'static str,
    date: String,
    place: Option<String>,
    reached: i64,
    helped: i64,
}

/// A code and the Vietnamese name shown for it.
#[derive(Serialize, ToSchema)]
pub(super) struct Choice {
    code: &'static str,
    name: &'static str,
}

fn kinds(list: &[(&'static str, &'static str)]) -> Vec<Choice> {
    list.iter()
        .map(|(code, name)| Choice { code, name })
        .collect()
}

/// A service the teams help with.
#[derive(Serialize, ToSchema)]
pub(super) struct FieldService {
    code: String,
    name: String,
    short_name: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FieldHamlet {
    id: i64,
    name: String,
}

/// Everything the phone keeps for offline work.
#[derive(Serialize, ToSchema)]
pub(super) struct FieldData {
    account_id: i64,
    username: String,
    member_id: Option<i64>,
    hamlet: FieldHamlet,
    /// The commune assigns households to members.
    assignment_on: bool,
    /// Household id → the member it is assigned to (when assignment is on). JSON keys are
    /// strings: the id written in decimal.
    #[schema(value_type = HashMap<String, i64>)]
    assigned: HashMap<i64, i64>,
    /// yyyy-mm-dd on the server.
    today: String,
    /// Activities a team must hold each month.
    monthly_minimum: i64,
    services: Vec<FieldService>,
    activity_kinds: Vec<Choice>,
    dossier_kinds: Vec<Choice>,
    members: Vec<FieldMember>,
    activities: Vec<FieldActivity>,
    households: Vec<FieldHousehold>,
    residents: Vec<FieldResident>,
}

/// Dữ liệu ứng dụng thực địa giữ trên điện thoại
///
/// Ấp của tài khoản (hoặc các hộ được giao), nhân khẩu với trạng thái dịch vụ, tổ, hoạt động
/// của tháng này. Dành cho tổ viên và trưởng ấp.
#[utoipa::path(
    get,
    path = "/api/v1/field/data",
    tag = "Thực địa",
    responses((status = 200, description = "Dữ liệu của ấp", body = FieldData), ReadErrors)
)]
pub(super) async fn data(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<FieldData>, ApiError> {
    let scope = field_caller(&c)?;
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    f.raw("h.active = 1");
    let households: Vec<FieldHousehold> = s
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
    let rows: Vec<FieldResidentRow> = s
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
    let residents: Vec<FieldResident> = rows
        .into_iter()
        .map(|row| FieldResident {
            services: by_resident.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect();
    let hamlet_id = c.area_id;
    let team_id = activities::hamlet_team(&s.db, hamlet_id).await?;
    let members: Vec<FieldMember> = match team_id {
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
    let services = services::active(&s.db)
        .await?
        .into_iter()
        .map(|sv| FieldService {
            code: sv.code,
            name: sv.name,
            short_name: sv.short_name,
        })
        .collect();
    let assignment: HashMap<i64, i64> = if c.assignment_on {
        db::assignments::for_hamlet(&s.db, hamlet_id)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    Ok(Json(FieldData {
        account_id: c.account_id,
        username: c.username.clone(),
        member_id: c.member_id,
        hamlet: FieldHamlet {
            id: hamlet_id,
            name: c.area_name.clone(),
        },
        assignment_on: c.assignment_on,
        assigned: assignment,
        today,
        monthly_minimum: fieldwork::MONTHLY_MINIMUM,
        services,
        activity_kinds: kinds(&fieldwork::ACTIVITY_KINDS),
        dossier_kinds: kinds(&fieldwork::DOSSIER_KINDS),
        members,
        activities: acts
            .iter()
            .map(|a| FieldActivity {
                id: a.id,
                kind: a.kind.clone(),
                kind_label: a.kind_label(),
                date: a.activity_date.clone(),
                place: a.place.clone(),
                reached: a.reached(),
                helped: a.helped,
            })
            .collect(),
        households,
        residents,
    }))
}

/// The most a sync request may carry: 500 records of a few hundred bytes fit many times over.
const MAX_SYNC_BYTES: usize = 2 << 20;

/// A queue of records from a phone.
#[derive(Deserialize, ToSchema)]
pub(super) struct SyncBody {
    /// The phone, for the audit log (at most 64 characters kept).
    #[serde(default)]
    device_id: Option<String>,
    /// At most 500. Each is read on its own, so one malformed record is answered `rejected`
    /// without holding up the others.
    #[schema(value_type = Vec<fieldwork::SyncRecord>, max_items = 500)]
    records: Vec<serde_json::Value>,
}

/// What became of each record, in the order sent.
#[derive(Serialize, ToSchema)]
pub(super) struct SyncOut {
    results: Vec<sync::Outcome>,
}

/// Gửi hàng đợi bản ghi từ điện thoại
///
/// Các loại: help, dossier, activity, resident_update, resident_new, household_new,
/// help_request. Mỗi bản ghi được trả lời applied, duplicate, conflict hoặc rejected kèm lời
/// nhắn tiếng Việt; gửi lại một bản ghi (cùng id) không ghi hai lần. Dành cho tổ viên và
/// trưởng ấp.
#[utoipa::path(
    post,
    path = "/api/v1/sync",
    tag = "Thực địa",
    request_body = SyncBody,
    responses((status = 200, description = "Kết quả từng bản ghi", body = SyncOut), WriteErrors)
)]
pub(super) async fn sync_records(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<SyncOut>, ApiError> {
    let scope = field_caller(&c)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(AppError::invalid("Dữ liệu đồng bộ phải gửi dạng JSON.").into());
    }
    let body = body_bytes(body, MAX_SYNC_BYTES, "Dữ liệu đồng bộ").await?;
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
    Ok(Json(SyncOut { results }))
}
