//! The caller's own account: change the password (the only thing a temporary password allows),
//! see and end one's sessions, and — for roles that script the API — create and revoke one's
//! API tokens.

use super::api_errors::WriteErrors;
use super::api_input::ApiJson;
use super::{ApiCaller, ApiError, SESSION_COOKIE, SharedState, Shell, cookie, render, see_other};
use crate::auth::{self, Caller};
use crate::db::{accounts, audit, sessions, tokens};
use crate::error::AppError;
use crate::password_policy;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

type Result<T, E = AppError> = std::result::Result<T, E>;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/account", get(page))
        .route(
            "/account/password",
            get(password_page).post(password_submit),
        )
        .route("/account/sessions/end", post(end_session))
        .route("/account/sessions/end-others", post(end_other_sessions))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// The hash of the session the request came with: names "this session".
fn own_session(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).map(auth::sha256_hex)
}

async fn record(s: &SharedState, caller: &Caller, action: &str, what: &str) -> Result<()> {
    let mut tx = s.db.begin_write().await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: caller.commune_id,
            account_id: Some(caller.account_id),
            action,
            entity: "account",
            entity_id: Some(caller.account_id),
        },
        None::<&()>,
        Some(&serde_json::json!({ "what": what })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the caller's password after checking the current one and the policy; every other
/// session ends, the one it was made from stays.
async fn change_password(
    s: &SharedState,
    caller: &Caller,
    current: &str,
    new: &str,
    repeat: Option<&str>,
    keep: Option<&str>,
) -> Result<()> {
    let hash = accounts::password_hash(&s.db, caller.account_id).await?;
    let pw = current.to_string();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return Err(AppError::invalid("Mật khẩu hiện tại không đúng."));
    }
    if repeat.is_some_and(|r| r != new) {
        return Err(AppError::invalid(
            "Hai lần nhập mật khẩu mới không giống nhau; hãy nhập lại.",
        ));
    }
    if new == current {
        return Err(AppError::invalid(
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
        ));
    }
    password_policy::check(&caller.username, new)?;
    let pw = new.to_string();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let mut tx = s.db.begin_write().await?;
    accounts::change_own_password(&mut tx, caller.account_id, &hash, keep).await?;
    tx.commit().await?;
    record(s, caller, "change_password", "mật khẩu").await
}

struct SessionRow {
    id: String,
    device: String,
    created: String,
    this: bool,
}

struct TokenRow {
    id: i64,
    label: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "my_account.html")]
struct AccountPage {
    shell: Shell,
    username: String,
    role: &'static str,
    area: String,
    last_login: String,
    sessions: Vec<SessionRow>,
    uses_api: bool,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    notice: Option<&'static str>,
}

async fn account_page(
    s: &SharedState,
    caller: &Caller,
    headers: &HeaderMap,
    new_token: Option<String>,
    notice: Option<&'static str>,
) -> Result<Html<String>> {
    let own = own_session(headers).unwrap_or_default();
    let view = accounts::view(&s.db, caller.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sessions = sessions::for_account(&s.db, caller.account_id)
        .await?
        .into_iter()
        .map(|x| SessionRow {
            this: x.token_hash == own,
            id: x.token_hash,
            device: if x.device.is_empty() {
                "Không rõ thiết bị".into()
            } else {
                x.device
            },
            created: crate::text::format_time(x.created_at),
        })
        .collect();
    let uses_api = caller.role.uses_api();
    let tokens = if uses_api {
        tokens::list_for(&s.db, caller.account_id)
            .await?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                label: t.label,
                created: crate::text::format_time(t.created_at),
                last_used: t
                    .last_used_at
                    .map_or_else(|| "chưa dùng".into(), crate::text::format_time),
                revoked: t.revoked_at.is_some(),
            })
            .collect()
    } else {
        vec![]
    };
    render(&AccountPage {
        shell: Shell::new(caller, "Tài khoản của tôi", "/account"),
        username: caller.username.clone(),
        role: caller.role.label(),
        area: caller.area_name.clone(),
        last_login: view.last_login(),
        sessions,
        uses_api,
        tokens,
        new_token,
        notice,
    })
}

async fn page(
    State(s): State<SharedState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let notice = q
        .contains_key("doi-mat-khau")
        .then_some("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.");
    account_page(&s, &caller, &headers, None, notice).await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    /// Logged in with a temporary password: say why this page came up.
    forced: bool,
    error: Option<String>,
    min_chars: usize,
}

async fn password_page(caller: Caller) -> Result<Html<String>> {
    render(&PasswordPage {
        shell: Shell::new(&caller, "Đổi mật khẩu", "/account"),
        forced: caller.must_change_password,
        error: None,
        min_chars: password_policy::MIN_CHARS,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

async fn password_submit(
    State(s): State<SharedState>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response> {
    let keep = own_session(&headers);
    match change_password(
        &s,
        &caller,
        &f.current_password,
        &f.new_password,
        Some(&f.repeat_password),
        keep.as_deref(),
    )
    .await
    {
        Ok(()) => {
            // A first password after a temporary one leads to the day's work.
            let to = if caller.must_change_password {
                "/"
            } else {
                "/account?doi-mat-khau=1"
            };
            Ok(see_other(to))
        }
        Err(e) if e.status().is_client_error() => {
            let page = render(&PasswordPage {
                shell: Shell::new(&caller, "Đổi mật khẩu", "/account"),
                forced: caller.must_change_password,
                error: Some(e.user_message()),
                min_chars: password_policy::MIN_CHARS,
            })?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    session: String,
}

async fn end_session(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<EndForm>,
) -> Result<Response> {
    if !sessions::end_own(&s.db, caller.account_id, &f.session).await? {
        return Err(AppError::invalid(
            "Phiên này đã kết thúc hoặc không phải của bạn.",
        ));
    }
    record(&s, &caller, "end_session", "một phiên đăng nhập").await?;
    Ok(see_other("/account"))
}

async fn end_other_sessions(
    State(s): State<SharedState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response> {
    let keep = own_session(&headers).unwrap_or_default();
    sessions::end_others(&s.db, caller.account_id, &keep).await?;
    record(&s, &caller, "end_sessions", "các phiên khác").await?;
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    label: String,
}

async fn create_token(
    State(s): State<SharedState>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response> {
    if !caller.role.uses_api() {
        return Err(AppError::Forbidden);
    }
    let label = crate::text::clean(&f.label);
    if label.is_empty() {
        return Err(AppError::invalid(
            "Hãy ghi mã truy cập này dùng cho việc gì (ví dụ «xuất số liệu hằng tháng»).",
        ));
    }
    let (_, token) = tokens::create_for(&s.db, caller.account_id, &label).await?;
    record(&s, &caller, "create_token", &label).await?;
    let page = account_page(&s, &caller, &headers, Some(token), None).await?;
    Ok((StatusCode::OK, page).into_response())
}

async fn revoke_token(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !tokens::revoke_own(&s.db, caller.account_id, id).await? {
        return Err(AppError::invalid(
            "Không có mã truy cập này đang dùng được trong tài khoản của bạn.",
        ));
    }
    record(&s, &caller, "revoke_token", &id.to_string()).await?;
    Ok(see_other("/account"))
}

/// A new password for the caller.
#[derive(Deserialize, ToSchema)]
pub(super) struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Đổi mật khẩu của mình
///
/// Cần mật khẩu hiện tại (kể cả mật khẩu tạm). Mật khẩu mới: ít nhất 10 ký tự, không chứa tên
/// đăng nhập, không nằm trong danh sách mật khẩu phổ biến. Các phiên khác kết thúc.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "Phiên",
    request_body = PasswordBody,
    responses((status = 200, description = "Đã đổi", body = super::api::Done), WriteErrors)
)]
pub(super) async fn api_password(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PasswordBody>,
) -> Result<Json<super::api::Done>, ApiError> {
    let keep = own_session(&headers);
    change_password(
        &s,
        &c,
        &b.current_password,
        &b.new_password,
        None,
        keep.as_deref(),
    )
    .await?;
    Ok(Json(super::api::Done::ok()))
}
