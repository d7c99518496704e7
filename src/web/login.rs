//! Login and logout, for pages and for the API, with throttling of repeated failures.

use super::client_addr::ClientKey;
use super::{PRE_CSRF_COOKIE, SESSION_COOKIE, SharedState, Shell, cookie, render, see_other};
use crate::auth;
use crate::db::{accounts, sessions};
use crate::error::AppError;
use crate::text;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    error: Option<String>,
    username: String,
}

/// A hash to verify against when the username does not exist, so both cases take as long.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| auth::hash_password(&auth::random_token()).unwrap_or_default())
        .clone()
}

/// Checks the password, with throttling per (username, client address) and per address
/// (`address`: the keyed hash of `ClientKey`); on success starts a session.
pub async fn authenticate(
    state: &SharedState,
    username: &str,
    password: &str,
    address: &str,
    device: &str,
) -> Result<(String, String), AppError> {
    let key = text::fold(username);
    let wait = sessions::login_wait(&state.db, &key, address).await?;
    if wait > 0 {
        return Err(AppError::TooManyAttempts(format!(
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {wait} giây."
        )));
    }
    let account = accounts::by_username(&state.db, username.trim()).await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(dummy_hash);
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    match account {
        Some(a) if ok && a.active == 1 => {
            sessions::clear_failures(&state.db, &key, address).await?;
            sessions::create(&state.db, a.id, device).await
        }
        _ => {
            sessions::record_failure(&state.db, &key, address).await?;
            Err(AppError::BadCredentials(
                "Tên đăng nhập hoặc mật khẩu không đúng.".into(),
            ))
        }
    }
}

/// A short name for the browser and system in a `User-Agent`, so the owner of a session can
/// tell it apart ("Chrome · Android"); the header itself is not kept.
pub fn device_name(headers: &HeaderMap) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let browser = [
        ("Zalo", "Zalo"),
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("CocCoc", "Cốc Cốc"),
        ("coc_coc", "Cốc Cốc"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("python", "Python"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => String::new(),
    }
}

pub fn session_cookie(state: &SharedState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie is ASCII")
}

/// The double-submit token for a form used before a session exists: the one in the
/// browser's `cds_csrf` cookie, or a new one with the `Set-Cookie` header that stores it.
/// Under HTTPS (`secure_cookies`) it is `Secure` like the session's.
pub(super) fn pre_session_csrf(
    state: &SharedState,
    headers: &HeaderMap,
) -> (String, Option<HeaderValue>) {
    match cookie(headers, PRE_CSRF_COOKIE) {
        Some(t) if t.len() >= 32 => (t.to_string(), None),
        _ => {
            let token = auth::random_token();
            let secure = if state.settings.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let set = HeaderValue::from_str(&format!(
                "{PRE_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
            ))
            .expect("cookie is ASCII");
            (token, Some(set))
        }
    }
}

async fn login_page(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (token, set) = pre_session_csrf(&state, &headers);
    let page = render(&LoginPage {
        shell: Shell::public("Đăng nhập", token),
        error: None,
        username: String::new(),
    })?;
    let mut res = page.into_response();
    if let Some(set) = set {
        res.headers_mut().insert(header::SET_COOKIE, set);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

async fn login_submit(
    State(state): State<SharedState>,
    headers: axum::http::HeaderMap,
    ClientKey(address): ClientKey,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    // The form sent a disguise of the cookie's token; the page again shows a new disguise of
    // the token itself.
    let pre_csrf = cookie(&headers, PRE_CSRF_COOKIE)
        .map(str::to_string)
        .unwrap_or(f.csrf);
    let device = device_name(&headers);
    match authenticate(&state, &f.username, &f.password, &address, &device).await {
        Ok((token, _csrf)) => {
            let mut res = see_other("/");
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&state, &token, sessions::SESSION_SECONDS),
            );
            Ok(res)
        }
        Err(e @ (AppError::BadCredentials(_) | AppError::TooManyAttempts(_))) => {
            let status = e.status();
            let page = render(&LoginPage {
                shell: Shell::public("Đăng nhập", pre_csrf),
                error: Some(e.user_message()),
                username: f.username,
            })?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(&state.db, token).await?;
    }
    let mut res = see_other("/login");
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    // Field phones cache personal data; the browser drops it on logout.
    res.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(res)
}
