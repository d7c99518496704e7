//! The JSON API under /api/v1: used by the field app and by scripts.

use super::api_errors::{ErrorBody, ReadErrors};
use super::api_input::{ApiPath, ApiQuery, paging};
use super::login::{authenticate, session_cookie};
use super::{ApiCaller, ApiError, SESSION_COOKIE, SharedState, cookie};
use crate::db::residents::{self, ListFilter, Resident};
use crate::db::{areas, sessions};
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The login of a script or the field app.
#[derive(Deserialize, ToSchema)]
pub(super) struct LoginBody {
    username: String,
    password: String,
}

/// A new session: its cookie is set; state changes send this token as `X-CSRF-Token`.
#[derive(Serialize, ToSchema)]
pub(super) struct LoginOut {
    csrf_token: String,
}

/// Đăng nhập
///
/// Đặt cookie phiên cds_session; các yêu cầu thay đổi dữ liệu sau đó gửi kèm X-CSRF-Token.
/// Gửi dạng application/json.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "Phiên",
    security(()),
    request_body = LoginBody,
    responses(
        (status = 200, description = "Đã đăng nhập", body = LoginOut),
        (status = 401, description = "Sai tên đăng nhập hoặc mật khẩu, hoặc kèm một mã truy cập \
            không hợp lệ", body = ErrorBody),
        (status = 403, description = "Không gửi dạng JSON (chống giả mạo)", body = ErrorBody),
        (status = 422, description = "Thiếu tên đăng nhập hoặc mật khẩu", body = ErrorBody),
        (status = 429, description = "Thử sai quá nhiều lần; chờ rồi thử lại", body = ErrorBody),
        (status = 500, description = "Lỗi hệ thống", body = ErrorBody),
    )
)]
pub(super) async fn login(
    State(s): State<SharedState>,
    super::client_addr::ClientKey(address): super::client_addr::ClientKey,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|_| {
        AppError::invalid("Cần gửi JSON dạng {\"username\": \"…\", \"password\": \"…\"}.")
    })?;
    let device = super::login::device_name(&headers);
    let (token, csrf) = authenticate(&s, &b.username, &b.password, &address, &device).await?;
    let mut res = Json(LoginOut { csrf_token: csrf }).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&s, &token, sessions::SESSION_SECONDS),
    );
    Ok(res)
}

/// The answer of a change that has nothing else to say.
#[derive(Serialize, ToSchema)]
pub(super) struct Done {
    ok: bool,
}

impl Done {
    pub(super) fn ok() -> Done {
        Done { ok: true }
    }
}

/// Đăng xuất
///
/// Kết thúc phiên của cookie (nếu có) và xoá dữ liệu của trang trên máy. Mã truy cập không
/// bị ảnh hưởng.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "Phiên",
    security(()),
    responses(
        (status = 200, description = "Đã đăng xuất", body = Done),
        (status = 401, description = "Kèm một mã truy cập không hợp lệ", body = ErrorBody),
        (status = 403, description = "Thiếu mã chống giả mạo X-CSRF-Token", body = ErrorBody),
        (status = 500, description = "Lỗi hệ thống", body = ErrorBody),
    )
)]
pub(super) async fn logout(
    State(s): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&s.db, token).await?;
    }
    let mut res = Json(Done { ok: true }).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    res.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(res)
}

/// Who is calling, with what rights.
#[derive(Serialize, ToSchema)]
pub(super) struct Me {
    account_id: i64,
    csrf_token: String,
    /// The team member this account is (hamlet heads and team members).
    member_id: Option<i64>,
    /// The commune assigns households to members.
    assignment_on: bool,
    /// Logged in with a temporary password: only `POST /api/v1/me/password` is allowed.
    must_change_password: bool,
    username: String,
    full_name: Option<String>,
    /// sysadmin, commune_admin, commune_leader, hamlet_head, team_member, finance,
    /// province_viewer.
    role: &'static str,
    area_id: i64,
    area_name: String,
    /// The account may see personal data (names, phones) of its area.
    personal_data: bool,
}

/// Tài khoản đang gọi
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "Phiên",
    responses((status = 200, description = "Tài khoản, vai trò, đơn vị", body = Me), ReadErrors)
)]
pub(super) async fn me(ApiCaller(c): ApiCaller) -> Json<Me> {
    Json(Me {
        personal_data: c.personal_scope().is_some(),
        role: c.role.as_str(),
        account_id: c.account_id,
        csrf_token: c.csrf_token,
        member_id: c.member_id,
        assignment_on: c.assignment_on,
        must_change_password: c.must_change_password,
        username: c.username,
        full_name: c.full_name,
        area_id: c.area_id,
        area_name: c.area_name,
    })
}

/// An area the caller may see.
#[derive(Serialize, ToSchema)]
pub(super) struct AreaOut {
    id: i64,
    code: String,
    name: String,
    /// province, commune or hamlet.
    level: String,
    /// The code of the area above.
    parent: Option<String>,
    parent_id: Option<i64>,
    active: bool,
}

/// Các đơn vị (tỉnh, xã, ấp) tài khoản được xem
#[utoipa::path(
    get,
    path = "/api/v1/areas",
    tag = "Đơn vị",
    responses((status = 200, description = "Các đơn vị", body = Vec<AreaOut>), ReadErrors)
)]
pub(super) async fn list_areas(
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

/// A filtered page of a list of people or households.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// Mã ấp (hoặc mã xã của tài khoản) để lọc; bỏ trống là cả phạm vi của tài khoản.
    #[serde(default)]
    pub area: String,
    /// Tìm theo tên, không phân biệt dấu và hoa thường.
    #[serde(default)]
    pub q: String,
    /// Trang, từ 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Số dòng mỗi trang, 1–500 (mặc định 50).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// One page of a list and where it stands in the whole.
#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn of<U>(page: crate::db::Page<U>, f: impl FnMut(&U) -> T) -> Paged<T> {
        Paged {
            items: page.items.iter().map(f).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
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

/// A resident as the caller may see them: the citizen ID masked, the phone masked outside the
/// caller's own hamlet.
#[derive(Serialize, ToSchema)]
pub(super) struct ResidentOut {
    id: i64,
    full_name: String,
    birth_date: Option<String>,
    birth_year: Option<i64>,
    gender: Option<String>,
    household_id: i64,
    household_code: String,
    hamlet_id: i64,
    hamlet_name: String,
    relation: Option<String>,
    /// Số CCCD đã che.
    cccd: Option<String>,
    phone: Option<String>,
    has_smartphone: Option<bool>,
    status: String,
    active: bool,
    version: i64,
}

fn resident_out(c: &crate::auth::Caller, r: &Resident) -> ResidentOut {
    let phone = r.phone.as_ref().map(|p| {
        if c.sees_full_phone(r.hamlet_id) {
            p.clone()
        } else {
            crate::text::mask_phone(p)
        }
    });
    ResidentOut {
        id: r.id,
        full_name: r.full_name.clone(),
        birth_date: r.birth_date.clone(),
        birth_year: r.birth_year,
        gender: r.gender.clone(),
        household_id: r.household_id,
        household_code: r.household_code.clone(),
        hamlet_id: r.hamlet_id,
        hamlet_name: r.hamlet_name.clone(),
        relation: r.relation.clone(),
        cccd: r.cccd_masked.clone(),
        phone,
        has_smartphone: r.has_smartphone.map(|v| v == 1),
        status: r.status.clone(),
        active: r.active == 1,
        version: r.version,
    }
}

/// Danh sách nhân khẩu (theo trang)
#[utoipa::path(
    get,
    path = "/api/v1/residents",
    tag = "Nhân khẩu",
    params(ListParams),
    responses(
        (status = 200, description = "Một trang nhân khẩu", body = Paged<ResidentOut>),
        ReadErrors
    )
)]
pub(super) async fn list_residents(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Paged<ResidentOut>>, ApiError> {
    let scope = c.require_personal()?;
    let (page, per_page) = paging(p.page, p.per_page, 50, 500)?;
    let lf = ListFilter {
        q: &p.q,
        hamlet_id: hamlet_of(&s, &c, scope, &p.area).await?,
        ..Default::default()
    };
    let page = residents::list(&s.db, scope, &lf, page, per_page).await?;
    Ok(Json(Paged::of(page, |r| resident_out(&c, r))))
}

/// A service's status for one resident.
#[derive(Serialize, ToSchema)]
pub(super) struct ServiceStatus {
    code: String,
    status: String,
    date: String,
}

/// A resident with the status of every service.
#[derive(Serialize, ToSchema)]
pub(super) struct ResidentDetail {
    #[serde(flatten)]
    resident: ResidentOut,
    services: Vec<ServiceStatus>,
}

/// Một nhân khẩu, với trạng thái từng dịch vụ
#[utoipa::path(
    get,
    path = "/api/v1/residents/{id}",
    tag = "Nhân khẩu",
    params(("id" = i64, Path, description = "Mã số nhân khẩu")),
    responses((status = 200, description = "Nhân khẩu", body = ResidentDetail), ReadErrors)
)]
pub(super) async fn get_resident(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ResidentDetail>, ApiError> {
    let scope = c.require_personal()?;
    let r = residents::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let statuses = residents::statuses(&s.db, &[id]).await?;
    Ok(Json(ResidentDetail {
        resident: resident_out(&c, &r),
        services: statuses
            .into_iter()
            .map(|st| ServiceStatus {
                code: st.service_code,
                status: st.status,
                date: st.status_date,
            })
            .collect(),
    }))
}
