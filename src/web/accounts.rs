//! Accounts managed in the web: the operator manages every account, the commune admin those of
//! the commune (hamlet heads, team members, the leader, finance). Create, change, reset the
//! password (a one-time password shown once), deactivate and reactivate; every change audited,
//! and a reset or a deactivation ends the account's sessions and tokens. Pages and JSON API.

use super::api_errors::{ReadErrors, WriteErrors};
use super::api_input::{ApiJson, ApiPath};
use super::forms::{Field, FormPage, Values, rerender};
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::{self, Caller, Role};
use crate::db::accounts::{self, AccountEdit, AccountView, NewAccount};
use crate::db::{areas, audit, members, teams};
use crate::error::AppError;
use crate::password_policy;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/accounts", get(list_page).post(create_submit))
        .route("/accounts/new", get(new_form))
        .route("/accounts/{id}", post(edit_submit))
        .route("/accounts/{id}/edit", get(edit_form))
        .route("/accounts/{id}/reset-password", post(reset_submit))
        .route("/accounts/{id}/active", post(active_submit))
        .route("/members/{id}/account", post(member_account_submit))
}

type Result<T, E = AppError> = std::result::Result<T, E>;

/// Which accounts the caller may see: every one (operator) or the commune's.
fn listed_commune(caller: &Caller) -> Result<Option<i64>> {
    if !caller.may_list_accounts() {
        return Err(AppError::Forbidden);
    }
    Ok(match caller.role {
        Role::Sysadmin => None,
        _ => caller.commune_id,
    })
}

/// The account, if the caller may see it; otherwise not found.
async fn visible(s: &SharedState, caller: &Caller, id: i64) -> Result<AccountView> {
    let commune = listed_commune(caller)?;
    accounts::view(&s.db, id)
        .await?
        .filter(|a| commune.is_none() || a.commune_id == commune)
        .ok_or(AppError::NotFound)
}

/// The account, if the caller may change it: within the caller's rights, and not the
/// caller's own (that is the own-account page, so nobody locks themselves out).
async fn managed(s: &SharedState, caller: &Caller, id: i64) -> Result<AccountView> {
    let a = visible(s, caller, id).await?;
    if a.id == caller.account_id {
        return Err(AppError::invalid(
            "Đây là tài khoản của bạn: đổi mật khẩu ở trang «Tài khoản của tôi».",
        ));
    }
    let role = a.role().ok_or(AppError::Forbidden)?;
    if !caller.may_manage_account(role, a.commune_id) {
        return Err(AppError::Forbidden);
    }
    Ok(a)
}

fn parse_role(role: &str) -> Result<Role> {
    Role::parse(role.trim()).ok_or_else(|| {
        AppError::invalid(format!(
            "Vai trò «{role}» không có. Chọn một trong: {}.",
            Role::ALL.map(|r| r.as_str()).join(", ")
        ))
    })
}

/// Checks that the caller may give an account `role` at the area with `area_code`.
async fn check_target(s: &SharedState, caller: &Caller, role: Role, area_code: &str) -> Result<()> {
    let area = accounts::area_for(&s.db, role, area_code).await?;
    if !caller.may_manage_account(role, accounts::commune_of(&area)) {
        return Err(match caller.role {
            Role::CommuneAdmin => AppError::invalid(format!(
                "Phòng Văn hóa – Xã hội chỉ tạo được tài khoản trưởng ấp, thành viên tổ, lãnh đạo \
                 UBND xã và Phòng Kinh tế trong xã của mình (không được: «{}» tại «{}»).",
                role.label(),
                area.name
            )),
            _ => AppError::Forbidden,
        });
    }
    Ok(())
}

async fn record(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    action: &str,
    before: Option<&AccountView>,
    after: Option<&AccountView>,
) -> Result<()> {
    let commune_id = after.or(before).and_then(|a| a.commune_id);
    let id = after.or(before).map(|a| a.id);
    audit::record(
        tx,
        audit::Entry {
            commune_id,
            account_id: Some(caller.account_id),
            action,
            entity: "account",
            entity_id: id,
        },
        before,
        after,
    )
    .await
}

/// What a new account needs: the same for the page, the API and the team page's one step.
pub(super) struct Create {
    pub username: String,
    pub full_name: Option<String>,
    pub role: String,
    pub area: String,
    pub member_id: Option<i64>,
}

/// Creates the account with a temporary password; returns it and the password (shown once).
pub(super) async fn create(
    s: &SharedState,
    caller: &Caller,
    c: Create,
) -> Result<(AccountView, String)> {
    let role = parse_role(&c.role)?;
    check_target(s, caller, role, &c.area).await?;
    let username = accounts::check_username(&c.username)?;
    let full_name = match (c.full_name.filter(|n| !n.trim().is_empty()), c.member_id) {
        (Some(n), _) => Some(crate::text::clean(&n)),
        (None, Some(m)) => members::get(&s.db, m).await?.map(|m| m.full_name),
        (None, None) => None,
    };
    let temporary = password_policy::temporary(&username);
    let pw = temporary.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let mut tx = s.db.begin_write().await?;
    let id = accounts::insert(
        &s.db,
        &mut tx,
        &NewAccount {
            username: &username,
            password_hash: &hash,
            role,
            area_code: &c.area,
            full_name: full_name.as_deref(),
            member_id: c.member_id,
            temporary: true,
        },
    )
    .await?;
    let view = accounts::view_on(&mut tx, id).await?;
    record(&mut tx, caller, "create", None, Some(&view)).await?;
    tx.commit().await?;
    Ok((view, temporary))
}

/// A new temporary password for the account; its sessions and tokens end.
pub(super) async fn reset(
    s: &SharedState,
    caller: &Caller,
    id: i64,
) -> Result<(AccountView, String)> {
    let before = managed(s, caller, id).await?;
    let temporary = password_policy::temporary(&before.username);
    let pw = temporary.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let mut tx = s.db.begin_write().await?;
    accounts::reset_password(&mut tx, id, &hash).await?;
    let mut after = before.clone();
    after.must_change_password = 1;
    record(
        &mut tx,
        caller,
        "reset_password",
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((after, temporary))
}

pub(super) async fn set_active(
    s: &SharedState,
    caller: &Caller,
    id: i64,
    active: bool,
) -> Result<AccountView> {
    let before = managed(s, caller, id).await?;
    let mut tx = s.db.begin_write().await?;
    accounts::set_active(&mut tx, id, active).await?;
    let mut after = before.clone();
    after.active = i64::from(active);
    let action = if active { "activate" } else { "deactivate" };
    record(&mut tx, caller, action, Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

pub(super) struct Edit {
    pub full_name: Option<String>,
    pub role: String,
    pub area: String,
    pub member_id: Option<i64>,
    /// Only the sysadmin sets it, and only a province account keeps it.
    pub publishes_guides: Option<bool>,
}

pub(super) async fn edit(
    s: &SharedState,
    caller: &Caller,
    id: i64,
    e: Edit,
) -> Result<AccountView> {
    let before = managed(s, caller, id).await?;
    let role = parse_role(&e.role)?;
    check_target(s, caller, role, &e.area).await?;
    let full_name = e
        .full_name
        .map(|n| crate::text::clean(&n))
        .filter(|n| !n.is_empty());
    let mut tx = s.db.begin_write().await?;
    accounts::update(
        &s.db,
        &mut tx,
        id,
        &AccountEdit {
            full_name: full_name.as_deref(),
            role,
            area_code: &e.area,
            member_id: e.member_id,
        },
    )
    .await?;
    if caller.role == Role::Sysadmin {
        let on = e.publishes_guides.unwrap_or(before.publishes_guides == 1);
        crate::db::guides::set_publisher(&mut tx, id, on && role == Role::ProvinceViewer).await?;
    }
    let after = accounts::view_on(&mut tx, id).await?;
    record(&mut tx, caller, "update", Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

// ---- Pages ----

struct Row {
    a: AccountView,
    manageable: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    can_create: bool,
}

async fn list_page(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>> {
    let commune = listed_commune(&caller)?;
    let rows = accounts::list(&s.db, commune)
        .await?
        .into_iter()
        .map(|a| Row {
            manageable: a.id != caller.account_id
                && a.role()
                    .is_some_and(|r| caller.may_manage_account(r, a.commune_id)),
            a,
        })
        .collect();
    render(&ListPage {
        shell: Shell::new(&caller, "Tài khoản người dùng", "/accounts"),
        rows,
        can_create: true,
    })
}

/// The roles the caller may give, as form options.
fn role_options(caller: &Caller) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .filter(|r| caller.role == Role::Sysadmin || r.commune_managed())
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect()
}

async fn area_options(s: &SharedState, caller: &Caller) -> Result<Vec<(String, String)>> {
    Ok(areas::visible_to(&s.db, caller)
        .await?
        .into_iter()
        .map(|a| {
            let label = format!("{} ({})", a.name, a.level_label().to_lowercase());
            (a.code, label)
        })
        .collect())
}

/// The commune's active members, to link an account to: none for the operator, who has no
/// commune.
async fn member_options(s: &SharedState, caller: &Caller) -> Result<Vec<(String, String)>> {
    let mut out = vec![(String::new(), "(không gắn với thành viên)".to_string())];
    let Some(commune) = caller.commune_id else {
        return Ok(out);
    };
    for t in teams::for_commune(&s.db, commune).await? {
        for m in members::for_team(&s.db, t.id).await? {
            if m.active == 1 {
                out.push((m.id.to_string(), format!("{} — {}", m.full_name, t.name)));
            }
        }
    }
    Ok(out)
}

async fn account_form(
    s: &SharedState,
    caller: &Caller,
    existing: Option<&AccountView>,
    v: Option<&Values>,
) -> Result<FormPage> {
    let get = |k: &str, d: String| v.map_or(d, |v| v.get(k));
    let mut fields = Vec::new();
    if existing.is_none() {
        fields.push(
            Field::text("username", "Tên đăng nhập", get("username", String::new()))
                .required()
                .help("3–40 ký tự: chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
        );
    }
    fields.push(Field::text(
        "full_name",
        "Họ và tên",
        get(
            "full_name",
            existing
                .and_then(|a| a.full_name.clone())
                .unwrap_or_default(),
        ),
    ));
    fields.push(
        Field::select_owned(
            "role",
            "Vai trò",
            get(
                "role",
                existing.map_or_else(|| "team_member".to_string(), |a| a.role.clone()),
            ),
            role_options(caller),
        )
        .required(),
    );
    fields.push(
        Field::select_owned(
            "area",
            "Đơn vị",
            get(
                "area",
                existing.map(|a| a.area_code.clone()).unwrap_or_default(),
            ),
            area_options(s, caller).await?,
        )
        .required()
        .help("Trưởng ấp và thành viên tổ gắn với ấp; lãnh đạo xã và Phòng Kinh tế gắn với xã."),
    );
    if caller.commune_id.is_some() {
        fields.push(
            Field::select_owned(
                "member_id",
                "Là thành viên Tổ CNSCĐ",
                get(
                    "member_id",
                    existing
                        .and_then(|a| a.member_id)
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                ),
                member_options(s, caller).await?,
            )
            .help("Để ghi công hỗ trợ của thành viên khi làm việc trên ứng dụng thực địa."),
        );
    }
    // The sysadmin lets a province account publish guides for every commune.
    if caller.role == Role::Sysadmin
        && let Some(a) = existing.filter(|a| a.role == "province_viewer")
    {
        let on = v.map_or(a.publishes_guides == 1, |v| {
            v.get("publishes_guides") == "1"
        });
        fields.push(Field::checkbox(
            "publishes_guides",
            "Được soạn cẩm nang của tỉnh (mọi xã đều thấy)",
            on,
        ));
    }
    let (heading, action, submit) = match existing {
        None => (
            "Tạo tài khoản".to_string(),
            "/accounts".to_string(),
            "Tạo tài khoản",
        ),
        Some(a) => (
            format!("Sửa tài khoản {}", a.username),
            format!("/accounts/{}", a.id),
            "Lưu",
        ),
    };
    Ok(FormPage {
        shell: Shell::new(caller, heading.clone(), "/accounts"),
        heading,
        action,
        fields,
        submit,
        cancel_href: "/accounts".into(),
        error: None,
    })
}

async fn new_form(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>> {
    listed_commune(&caller)?;
    account_form(&s, &caller, None, None).await?.render()
}

/// The page that shows a one-time password, once.
#[derive(Template)]
#[template(path = "account_password_shown.html")]
struct PasswordShown {
    shell: Shell,
    account: AccountView,
    password: String,
    created: bool,
    back: String,
}

fn shown(
    caller: &Caller,
    account: AccountView,
    password: String,
    created: bool,
    back: &str,
) -> Result<Response> {
    let page = render(&PasswordShown {
        shell: Shell::new(
            caller,
            if created {
                "Đã tạo tài khoản"
            } else {
                "Đã đặt lại mật khẩu"
            },
            "/accounts",
        ),
        account,
        password,
        created,
        back: back.to_string(),
    })?;
    Ok((StatusCode::OK, page).into_response())
}

fn values(form: HashMap<String, String>) -> Values {
    Values(form)
}

async fn create_submit(
    State(s): State<SharedState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    listed_commune(&caller)?;
    let v = values(form);
    let input = match v.int("member_id", "Thành viên") {
        Ok(member_id) => Ok(Create {
            username: v.get("username"),
            full_name: v.opt("full_name"),
            role: v.get("role"),
            area: v.get("area"),
            member_id,
        }),
        Err(e) => Err(e),
    };
    let result = match input {
        Ok(input) => create(&s, &caller, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((account, password)) => shown(&caller, account, password, true, "/accounts"),
        Err(e) => rerender(account_form(&s, &caller, None, Some(&v)).await?, e),
    }
}

async fn edit_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let a = managed(&s, &caller, id).await?;
    account_form(&s, &caller, Some(&a), None).await?.render()
}

async fn edit_submit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let a = managed(&s, &caller, id).await?;
    let v = values(form);
    let result = match v.int("member_id", "Thành viên") {
        Ok(member_id) => {
            // The operator's form has no member field: keep the link it had.
            let member_id = if caller.commune_id.is_some() {
                member_id
            } else {
                a.member_id
            };
            edit(
                &s,
                &caller,
                id,
                Edit {
                    full_name: v.opt("full_name"),
                    role: v.get("role"),
                    area: v.get("area"),
                    member_id,
                    publishes_guides: Some(v.get("publishes_guides") == "1"),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/accounts")),
        Err(e) => rerender(account_form(&s, &caller, Some(&a), Some(&v)).await?, e),
    }
}

async fn reset_submit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (account, password) = reset(&s, &caller, id).await?;
    shown(&caller, account, password, false, "/accounts")
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn active_submit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response> {
    set_active(&s, &caller, id, f.active == "1").await?;
    Ok(see_other("/accounts"))
}

/// One step from a member's line on the team page: an account for the member, in the team's
/// hamlet, as a team member, with a username made from the name.
async fn member_account_submit(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let member = members::get(&s.db, id).await?.ok_or(AppError::NotFound)?;
    if member.active != 1 {
        return Err(AppError::invalid(format!(
            "{} đã rời tổ: không tạo tài khoản.",
            member.full_name
        )));
    }
    let team = teams::get(&s.db, member.team_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if caller.commune_id != Some(team.commune_id) || !caller.may_list_accounts() {
        return Err(AppError::NotFound);
    }
    let area = areas::get(&s.db, team.area_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if area.level != "hamlet" {
        return Err(AppError::invalid(format!(
            "{} thuộc tổ cấp xã: hãy tạo tài khoản ở trang «Tài khoản người dùng» và chọn ấp.",
            member.full_name
        )));
    }
    let username = accounts::username_for(&s.db, &member.full_name).await?;
    let (account, password) = create(
        &s,
        &caller,
        Create {
            username,
            full_name: Some(member.full_name.clone()),
            role: Role::TeamMember.as_str().to_string(),
            area: area.code,
            member_id: Some(member.id),
        },
    )
    .await?;
    shown(
        &caller,
        account,
        password,
        true,
        &format!("/teams/{}", team.id),
    )
}

// ---- API ----

/// An account as the API shows it (never its password).
#[derive(Serialize, ToSchema)]
pub(super) struct AccountOut {
    id: i64,
    username: String,
    full_name: Option<String>,
    /// sysadmin, commune_admin, commune_leader, finance, hamlet_head, team_member,
    /// province_viewer.
    role: String,
    /// The code of the account's area.
    area: String,
    area_name: String,
    /// The team member the account is.
    member_id: Option<i64>,
    member_name: Option<String>,
    active: bool,
    /// Logged in with a temporary password that must still be changed.
    must_change_password: bool,
    /// The last login, Unix seconds.
    last_login_at: Option<i64>,
    created_at: i64,
}

impl From<AccountView> for AccountOut {
    fn from(a: AccountView) -> Self {
        AccountOut {
            id: a.id,
            username: a.username,
            full_name: a.full_name,
            role: a.role,
            area: a.area_code,
            area_name: a.area_name,
            member_id: a.member_id,
            member_name: a.member_name,
            active: a.active == 1,
            must_change_password: a.must_change_password == 1,
            last_login_at: a.last_login_at,
            created_at: a.created_at,
        }
    }
}

/// Danh sách tài khoản
///
/// Quản trị hệ thống: mọi tài khoản; Phòng Văn hóa – Xã hội: các tài khoản của xã.
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "Tài khoản",
    responses((status = 200, description = "Các tài khoản", body = Vec<AccountOut>), ReadErrors)
)]
pub(super) async fn api_list(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
) -> Result<Json<Vec<AccountOut>>, ApiError> {
    let commune = listed_commune(&c)?;
    let list = accounts::list(&s.db, commune).await?;
    Ok(Json(list.into_iter().map(AccountOut::from).collect()))
}

/// A new account.
#[derive(Deserialize, ToSchema)]
pub(super) struct CreateBody {
    username: String,
    #[serde(default)]
    full_name: Option<String>,
    role: String,
    /// The code of the area (a hamlet for hamlet heads and team members, the commune for the
    /// leader and finance).
    area: String,
    /// Link the account to this team member.
    #[serde(default)]
    member_id: Option<i64>,
}

/// The account created, and its one-time password (shown only here).
#[derive(Serialize, ToSchema)]
pub(super) struct Created {
    #[serde(flatten)]
    account: AccountOut,
    temporary_password: String,
}

/// Tạo tài khoản
///
/// Trả về mật khẩu tạm (chỉ một lần); đăng nhập bằng nó chỉ được đổi mật khẩu.
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "Tài khoản",
    request_body = CreateBody,
    responses((status = 201, description = "Đã tạo", body = Created), WriteErrors)
)]
pub(super) async fn api_create(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    listed_commune(&c)?;
    let (account, temporary_password) = create(
        &s,
        &c,
        Create {
            username: b.username,
            full_name: b.full_name,
            role: b.role,
            area: b.area,
            member_id: b.member_id,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            account: account.into(),
            temporary_password,
        }),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub(super) struct Reset {
    temporary_password: String,
}

/// Đặt lại mật khẩu
///
/// Mật khẩu tạm mới (chỉ một lần); mọi phiên và mã truy cập của tài khoản kết thúc.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}/reset-password",
    tag = "Tài khoản",
    params(("id" = i64, Path, description = "Mã số tài khoản")),
    responses((status = 200, description = "Mật khẩu tạm", body = Reset), WriteErrors)
)]
pub(super) async fn api_reset(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Reset>, ApiError> {
    let (_, temporary_password) = reset(&s, &c, id).await?;
    Ok(Json(Reset { temporary_password }))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct ActiveBody {
    active: bool,
}

/// Khóa hoặc mở lại tài khoản
///
/// Khóa thì mọi phiên và mã truy cập của tài khoản kết thúc.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}/active",
    tag = "Tài khoản",
    params(("id" = i64, Path, description = "Mã số tài khoản")),
    request_body = ActiveBody,
    responses((status = 200, description = "Tài khoản", body = AccountOut), WriteErrors)
)]
pub(super) async fn api_active(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ActiveBody>,
) -> Result<Json<AccountOut>, ApiError> {
    let a = set_active(&s, &c, id, b.active).await?;
    Ok(Json(a.into()))
}

/// What to change; a field left out keeps its value (`member_id: null` unlinks the member).
#[derive(Deserialize, ToSchema)]
pub(super) struct EditBody {
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    area: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    member_id: Option<Option<i64>>,
    /// Tài khoản tỉnh được soạn cẩm nang cho mọi xã (chỉ quản trị hệ thống đặt).
    #[serde(default)]
    publishes_guides: Option<bool>,
}

/// Tells a field sent as `null` (Some(None)) from one left out (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// Sửa tài khoản
///
/// Họ tên, vai trò, đơn vị và thành viên gắn với tài khoản, trong quyền của người sửa.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}",
    tag = "Tài khoản",
    params(("id" = i64, Path, description = "Mã số tài khoản")),
    request_body = EditBody,
    responses((status = 200, description = "Tài khoản", body = AccountOut), WriteErrors)
)]
pub(super) async fn api_edit(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EditBody>,
) -> Result<Json<AccountOut>, ApiError> {
    let now = visible(&s, &c, id).await?;
    let a = edit(
        &s,
        &c,
        id,
        Edit {
            full_name: b.full_name.or(now.full_name),
            role: b.role.unwrap_or(now.role),
            area: b.area.unwrap_or(now.area_code),
            member_id: b.member_id.unwrap_or(now.member_id),
            publishes_guides: b.publishes_guides,
        },
    )
    .await?;
    Ok(Json(a.into()))
}
