//! The field app: an installable offline page for team members and hamlet heads, the data it
//! keeps on the phone, and the sync endpoint its queued records go to.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::{ApiQuery, body_bytes};
use super::assets;
use super::{ApiCaller, ApiError, SharedState, Shell, render};
use crate::auth::{Caller, PersonalScope, Role};
use crate::db::{self, Filter, activities, field_changes, services, sync};
use crate::error::AppError;
use crate::fieldwork;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
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

/// The worker carries the assets' hashed URLs, so it is written out rather than served as is.
fn text_asset(name: &str, content_type: &'static str) -> Response {
    match assets::text_with_urls(name) {
        Some(text) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                // Checked for a new version on every load.
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            text,
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

async fn service_worker() -> Response {
    text_asset("sw.js", "text/javascript; charset=utf-8")
}

async fn manifest() -> Response {
    text_asset("manifest.webmanifest", "application/manifest+json")
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
    /// Kept on the server: only whether the resident is an adult is sent.
    #[serde(skip)]
    birth_date: Option<String>,
}

/// A resident with the services that are not `none` (code → status).
#[derive(Serialize, ToSchema)]
pub(super) struct FieldResident {
    #[serde(flatten)]
    row: FieldResidentRow,
    services: HashMap<String, String>,
    /// 15 or older today, as the dashboard's work lists count adults.
    adult: bool,
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
    /// False for an automatic door-to-door round not yet confirmed: it does not count toward
    /// the monthly minimum until the hamlet head or the team leader confirms it.
    confirmed: bool,
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

/// Everything the phone keeps for offline work, or what changed since the phone's cursor.
#[derive(Serialize, ToSchema)]
pub(super) struct FieldData {
    /// Hand back as `?since=` to get only what changed after this answer.
    cursor: String,
    /// True: everything (first use, or a cursor the server cannot continue from); false: only
    /// the households changed since the cursor, and the lists below only if they changed.
    full: bool,
    account_id: i64,
    username: String,
    member_id: Option<i64>,
    hamlet: FieldHamlet,
    /// The commune assigns households to members.
    assignment_on: bool,
    /// yyyy-mm-dd on the server.
    today: String,
    /// Activities a team must hold each month.
    monthly_minimum: i64,
    /// Household id → the member it is assigned to (when assignment is on). JSON keys are
    /// strings: the id written in decimal. Absent from a change answer when unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<HashMap<String, i64>>)]
    assigned: Option<BTreeMap<i64, i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    services: Option<Vec<FieldService>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activity_kinds: Option<Vec<Choice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dossier_kinds: Option<Vec<Choice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<FieldMember>>,
    /// This month's activities. Absent from a change answer when unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    activities: Option<Vec<FieldActivity>>,
    /// The hamlet's businesses with their steps. Absent from a change answer when unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    businesses: Option<Vec<super::businesses::BusinessOut>>,
    /// Kinds of business, their digital steps and the e-commerce platforms, for the forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    business_kinds: Option<Vec<Choice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_steps: Option<Vec<Choice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platforms: Option<Vec<Choice>>,
    /// Every household (full), or each changed or new one.
    households: Vec<FieldHousehold>,
    /// The residents of the households above, with their service statuses.
    residents: Vec<FieldResident>,
    /// Households the phone must drop: they left the caller's scope (moved, deactivated,
    /// assigned to another member). Always empty in a full answer.
    removed_households: Vec<i64>,
}

/// The lists sent beside the households: small, and sent again only when they change.
#[derive(Serialize)]
struct FieldRest {
    /// Ordered, so the digest of the same assignment is the same.
    assigned: BTreeMap<i64, i64>,
    services: Vec<FieldService>,
    activity_kinds: Vec<Choice>,
    dossier_kinds: Vec<Choice>,
    members: Vec<FieldMember>,
    activities: Vec<FieldActivity>,
    businesses: Vec<super::businesses::BusinessOut>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DataQuery {
    /// The `cursor` of an earlier answer: only what changed since is sent.
    since: Option<String>,
}

/// Dữ liệu ứng dụng thực địa giữ trên điện thoại
///
/// Ấp của tài khoản (hoặc các hộ được giao), nhân khẩu với trạng thái dịch vụ, tổ, hoạt động
/// của tháng này. Với `since` (con trỏ `cursor` của lần trước): chỉ các hộ thay đổi từ đó và
/// các hộ phải bỏ (`removed_households`); `full: true` khi con trỏ không dùng được. `ETag` là
/// con trỏ: `If-None-Match` trả 304 khi không có gì thay đổi. Dành cho tổ viên và trưởng ấp.
#[utoipa::path(
    get,
    path = "/api/v1/field/data",
    tag = "Thực địa",
    params(DataQuery),
    responses(
        (status = 200, description = "Dữ liệu của ấp, hoặc phần thay đổi", body = FieldData,
            headers(("ETag" = String, description = "Con trỏ của câu trả lời, trong ngoặc kép"))),
        (status = 304, description = "Không có gì thay đổi từ `If-None-Match`"),
        ReadErrors
    )
)]
pub(super) async fn data(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<DataQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let scope = field_caller(&c)?;
    let hamlet_id = c.area_id;
    // Read before the data: a change committed in between is sent now and again next time,
    // never missed.
    let seq = field_changes::hamlet_seq(&s.db, hamlet_id).await?;
    let today = db::today();
    let rest = field_rest(&s, &c, scope).await?;
    let current = fieldwork::Cursor {
        hamlet_id,
        seq,
        // A new day starts over once: who is 15 or older (the work lists) moves with the date,
        // and the household lists carry it. A restored database (a new epoch) starts over too.
        scope: fieldwork::digest(
            format!(
                "{}|{}|{}|{:?}|{}|{}|{}",
                c.account_id,
                hamlet_id,
                c.assignment_on,
                c.member_id,
                c.role.as_str(),
                today,
                field_changes::epoch(&s.db).await?
            )
            .as_bytes(),
        ),
        rest: fieldwork::digest(
            &serde_json::to_vec(&(&rest, &today))
                .map_err(|e| AppError::Internal(format!("field data digest: {e}")))?,
        ),
    };
    let cursor = current.encode();
    let etag = format!("\"{cursor}\"");
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == etag);
    if unchanged {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, "no-cache".into()),
            ],
        )
            .into_response());
    }
    let since = q
        .since
        .as_deref()
        .and_then(fieldwork::Cursor::parse)
        .filter(|p| p.continues_into(&current));
    let (households, residents) =
        households_and_residents(&s, scope, hamlet_id, since.as_ref()).await?;
    let removed_households = match &since {
        Some(p) => {
            let sent: std::collections::HashSet<i64> = households.iter().map(|h| h.id).collect();
            let mut gone: Vec<i64> = field_changes::changed_since(&s.db, hamlet_id, p.seq, seq)
                .await?
                .into_iter()
                .filter(|id| !sent.contains(id))
                .collect();
            gone.sort_unstable();
            gone
        }
        None => vec![],
    };
    let rest_changed = since.as_ref().is_none_or(|p| p.rest != current.rest);
    let rest = rest_changed.then_some(rest);
    let (assigned, services, activity_kinds, dossier_kinds, members, activities, businesses) =
        match rest {
            Some(r) => (
                Some(r.assigned),
                Some(r.services),
                Some(r.activity_kinds),
                Some(r.dossier_kinds),
                Some(r.members),
                Some(r.activities),
                Some(r.businesses),
            ),
            None => (None, None, None, None, None, None, None),
        };
    let sent = businesses.is_some();
    let body = FieldData {
        cursor,
        full: since.is_none(),
        account_id: c.account_id,
        username: c.username.clone(),
        member_id: c.member_id,
        hamlet: FieldHamlet {
            id: hamlet_id,
            name: c.area_name.clone(),
        },
        assignment_on: c.assignment_on,
        today,
        monthly_minimum: fieldwork::MONTHLY_MINIMUM,
        assigned,
        services,
        activity_kinds,
        dossier_kinds,
        members,
        activities,
        businesses,
        business_kinds: sent.then(|| kinds(&crate::businesses::KINDS)),
        business_steps: sent.then(|| kinds(&crate::businesses::STEPS)),
        platforms: sent.then(|| kinds(&crate::businesses::PLATFORMS)),
        households,
        residents,
        removed_households,
    };
    Ok((
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        Json(body),
    )
        .into_response())
}

/// The caller's households (all, or those changed after the cursor) with their residents.
async fn households_and_residents(
    s: &SharedState,
    scope: PersonalScope,
    hamlet_id: i64,
    since: Option<&fieldwork::Cursor>,
) -> Result<(Vec<FieldHousehold>, Vec<FieldResident>), AppError> {
    let changed = |f: &mut Filter, column: &str| {
        if let Some(p) = since {
            let h = f.push(hamlet_id);
            let n = f.push(p.seq);
            f.raw(&format!(
                "{column} IN (SELECT household_id FROM field_changes WHERE hamlet_id = {h} AND seq > {n})"
            ));
        }
    };
    let mut f = Filter::default();
    f.scope(scope, "h.", "id");
    f.raw("h.active = 1");
    changed(&mut f, "h.id");
    let households: Vec<FieldHousehold> = s
        .db
        .fetch_all(
            &format!(
                "SELECT h.id, h.code, h.address, {} AS head_name, \
                 (SELECT MAX(hr.help_date) FROM help_records hr JOIN residents r ON r.id = hr.resident_id \
                  WHERE r.household_id = h.id) AS last_visit \
                 FROM households h{} ORDER BY h.code",
                crate::db::consents::HEAD_NAME,
                f.where_sql()
            ),
            &f.params,
        )
        .await?;
    let mut f = Filter::default();
    f.scope(scope, "r.", "household_id");
    f.raw("r.active = 1");
    // Residents of a deactivated household leave with it.
    f.raw("r.household_id IN (SELECT id FROM households WHERE active = 1)");
    changed(&mut f, "r.household_id");
    let w = f.where_sql();
    let rows: Vec<FieldResidentRow> = s
        .db
        .fetch_all(
            &format!(
                "SELECT r.id, r.household_id, r.full_name, r.birth_year, r.gender, r.phone, r.relation, \
                 r.has_smartphone, r.status, r.version, r.birth_date, \
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
    let today = db::today();
    let residents = rows
        .into_iter()
        .map(|row| FieldResident {
            services: by_resident.remove(&row.id).unwrap_or_default(),
            adult: fieldwork::is_adult(row.birth_date.as_deref(), row.birth_year, &today),
            row,
        })
        .collect();
    Ok((households, residents))
}

/// Services, members, this month's activities and the assignment: the small lists.
async fn field_rest(
    s: &SharedState,
    c: &Caller,
    scope: PersonalScope,
) -> Result<FieldRest, AppError> {
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
    let services = services::current(&s.db, Some(scope.commune_id))
        .await?
        .into_iter()
        .map(|sv| FieldService {
            code: sv.code,
            name: sv.name,
            short_name: sv.short_name,
        })
        .collect();
    let assigned: BTreeMap<i64, i64> = if c.assignment_on {
        db::assignments::for_hamlet(&s.db, hamlet_id)
            .await?
            .into_iter()
            .collect()
    } else {
        BTreeMap::new()
    };
    let code = crate::db::areas::get(&s.db, hamlet_id)
        .await?
        .map(|a| a.code)
        .unwrap_or_default();
    let businesses =
        crate::db::businesses::list(&s.db, scope, &crate::db::businesses::Query::default())
            .await?
            .iter()
            .map(|b| super::businesses::business_out(c, b, code.clone()))
            .collect();
    Ok(FieldRest {
        businesses,
        assigned,
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
                confirmed: a.confirmed == 1,
            })
            .collect(),
    })
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
        team_id: None,
        today: db::today(),
        device_id: device_id.as_deref(),
        keys: &s.keys,
    };
    let results = sync::apply_all(&s.db, &ctx, &body.records).await;
    Ok(Json(SyncOut { results }))
}
