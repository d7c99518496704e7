//! The JSON API under /api/v1: used by the field app and by scripts.

use super::login::{authenticate, session_cookie};
use super::{ApiCaller, ApiError, SESSION_COOKIE, SharedState, cookie};
use crate::db::residents::{self, ListFilter, Resident};
use crate::db::{areas, sessions};
use crate::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/areas", get(list_areas))
        .route("/api/v1/residents", get(list_residents))
        .route("/api/v1/residents/{id}", get(get_resident))
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(s): State<SharedState>,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|_| {
        AppError::invalid("Cần gửi JSON dạng {\"username\": \"…\", \"password\": \"…\"}.")
    })?;
    let (token, csrf) = authenticate(&s, &b.username, &b.password).await?;
    let mut res = Json(json!({ "csrf_token": csrf })).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&s, &token, sessions::SESSION_SECONDS),
    );
    Ok(res)
}

async fn logout(State(s): State<SharedState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&s.db, token).await?;
    }
    let mut res = Json(json!({ "ok": true })).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    res.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(res)
}

async fn me(ApiCaller(c): ApiCaller) -> Json<Value> {
    Json(json!({
        "account_id": c.account_id,
        "csrf_token": c.csrf_token,
        "member_id": c.member_id,
        "assignment_on": c.assignment_on,
        "username": c.username,
        "full_name": c.full_name,
        "role": c.role.as_str(),
        "area_id": c.area_id,
        "area_name": c.area_name,
        "personal_data": c.personal_scope().is_some(),
    }))
}

#[derive(Serialize)]
struct AreaOut {
    id: i64,
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
    parent_id: Option<i64>,
    active: bool,
}

async fn list_areas(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<AreaOut>>, ApiError> {
    let list = areas::visible_to(&s.db, &c).await?;
    let all = list.clone();
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let parent = match a.parent_id {
            Some(pid) => match all.iter().find(|p| p.id == pid) {
                Some(p) => Some(p.code.clone()),
                None => areas::get(&s.db, pid).await?.map(|p| p.code),
            },
            None => None,
        };
        out.push(AreaOut {
            id: a.id,
            code: a.code,
            name: a.name,
            level: a.level,
            parent,
            parent_id: a.parent_id,
            active: a.active == 1,
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
struct ResidentParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The hamlet an `area=` filter names, or none for the caller's whole commune; any other
/// area, or one outside the caller's scope, is not found.
pub(super) async fn hamlet_of(
    s: &SharedState,
    c: &crate::auth::Caller,
    scope: crate::auth::PersonalScope,
    code: &str,
) -> Result<Option<i64>, ApiError> {
    if code.is_empty() {
        return Ok(None);
    }
    let area = areas::visible_by_code(&s.db, c, code).await?;
    match area.level.as_str() {
        "hamlet" => Ok(Some(area.id)),
        "commune" if area.id == scope.commune_id => Ok(None),
        _ => Err(AppError::NotFound.into()),
    }
}

fn resident_json(c: &crate::auth::Caller, r: &Resident) -> Value {
    let phone = r.phone.as_ref().map(|p| {
        if c.sees_full_phone(r.hamlet_id) {
            p.clone()
        } else {
            crate::text::mask_phone(p)
        }
    });
    json!({
        "id": r.id,
        "full_name": r.full_name,
        "birth_date": r.birth_date,
        "birth_year": r.birth_year,
        "gender": r.gender,
        "household_id": r.household_id,
        "household_code": r.household_code,
        "hamlet_id": r.hamlet_id,
        "hamlet_name": r.hamlet_name,
        "relation": r.relation,
        "cccd": r.cccd_masked,
        "phone": phone,
        "has_smartphone": r.has_smartphone.map(|v| v == 1),
        "status": r.status,
        "active": r.active == 1,
        "version": r.version,
    })
}

async fn list_residents(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Query(p): Query<ResidentParams>,
) -> Result<Json<Value>, ApiError> {
    let scope = c.require_personal()?;
    let lf = ListFilter {
        q: &p.q,
        hamlet_id: hamlet_of(&s, &c, scope, &p.area).await?,
        ..Default::default()
    };
    let per_page = p.per_page.unwrap_or(50).clamp(1, 500);
    let page = residents::list(&s.db, scope, &lf, p.page.unwrap_or(1), per_page).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(|r| resident_json(&c, r)).collect::<Vec<_>>(),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    })))
}

async fn get_resident(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let scope = c.require_personal()?;
    let r = residents::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let statuses = residents::statuses(&s.db, &[id]).await?;
    let mut v = resident_json(&c, &r);
    v["services"] =
        json!(statuses
        .iter()
        .map(|st| json!({"code": st.service_code, "status": st.status, "date": st.status_date}))
        .collect::<Vec<_>>());
    Ok(Json(v))
}
