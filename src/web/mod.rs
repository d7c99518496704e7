//! The web application: router, session and CSRF middleware, assets, page shell, errors.

mod accounts;
mod activities;
mod api;
mod api_doc;
mod api_errors;
mod api_input;
mod api_lists;
mod areas;
mod assets;
mod businesses;
mod client_addr;
mod commune_reports;
mod commune_settings;
mod communications;
mod csrf_mask;
mod exports;
mod field;
mod fieldadmin;
mod forms;
mod funding;
mod funding_api;
mod guide;
mod guides;
mod hamlet_scope;
mod home;
mod households;
mod imports;
mod indicators;
mod login;
mod maintenance;
mod my_account;
mod plan;
mod reminders;
pub mod reports;
mod request_form;
mod request_queue;
mod residents;
pub mod server;
mod service_cells;
mod shell;
mod teams;
pub mod tls;
mod trainings;
mod worklists;
mod yearend;

use crate::auth::Caller;
use crate::config::Settings;
use crate::crypto::Keys;
use crate::db::{self, Db};
use crate::error::AppError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub use request_form::PER_HAMLET_PER_HOUR as PUBLIC_REQUESTS_USUAL_PER_HOUR;
pub use shell::Shell;

pub struct AppState {
    pub db: Db,
    pub keys: Keys,
    pub settings: Settings,
    /// Imports being read, previewed or written.
    pub imports: imports::Jobs,
    /// One upload read at a time per commune.
    pub read_turns: imports::ReadTurns,
}

impl AppState {
    pub fn new(db: Db, keys: Keys, settings: Settings) -> AppState {
        AppState {
            db,
            keys,
            settings,
            imports: imports::Jobs::default(),
            read_turns: imports::ReadTurns::default(),
        }
    }
}

pub type SharedState = Arc<AppState>;

pub const SESSION_COOKIE: &str = "cds_session";
/// Double-submit cookie protecting the forms used before a session exists (login).
pub const PRE_CSRF_COOKIE: &str = "cds_csrf";

pub fn router(state: SharedState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(assets::routes())
        .merge(login::routes())
        .merge(accounts::routes())
        .merge(my_account::routes())
        .merge(commune_settings::routes())
        .merge(funding::routes())
        .merge(trainings::routes())
        .merge(guides::routes())
        .merge(businesses::routes())
        .merge(maintenance::routes())
        .merge(guide::routes())
        .merge(home::routes())
        .merge(areas::routes())
        .merge(teams::routes())
        .merge(households::routes())
        .merge(residents::routes())
        .merge(request_form::routes())
        .merge(request_queue::routes())
        .merge(api_doc::routes())
        .merge(field::routes())
        .merge(activities::routes())
        .merge(fieldadmin::routes())
        .merge(indicators::routes())
        .merge(worklists::routes())
        .merge(plan::routes())
        .merge(reports::routes())
        .merge(commune_reports::routes())
        .merge(communications::routes())
        .merge(exports::routes())
        .merge(imports::routes())
        .merge(yearend::routes())
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(middleware::from_fn(api_errors_as_json))
        .layer(compression())
        .with_state(state)
}

/// Text answers (pages, CSS, JS, JSON, SVG, CSV) compressed with brotli or gzip as the client
/// accepts: a phone on 3G pays for every byte. Files that are already compressed (Word, Excel,
/// PDF, images, zip) and raw downloads such as backups go as they are.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    let predicate = SizeAbove::new(256)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new(
            "application/vnd.openxmlformats",
        ))
        .and(NotForContentType::const_new("application/vnd.ms-excel"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("text/event-stream"));
    tower_http::compression::CompressionLayer::new()
        .quality(tower_http::CompressionLevel::Default)
        .compress_when(predicate)
}

/// The session (if any) loaded once per request and stored for the extractors.
#[derive(Clone)]
struct CurrentCaller(Option<Caller>);

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Loads the session, enforces CSRF on every state change, and adds security headers.
async fn session_layer(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    // Scripts call the API with a token; pages only ever take the session cookie.
    let bearer = is_api(&path).then(|| bearer_token(req.headers())).flatten();
    let by_token = bearer.is_some();
    let caller = match (bearer, cookie(req.headers(), SESSION_COOKIE)) {
        (Some(token), _) => match db::tokens::load(&state.db, &token).await {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                return error_response(
                    AppError::BadCredentials(
                        "Mã truy cập (token) không hợp lệ hoặc đã bị thu hồi.".into(),
                    ),
                    true,
                );
            }
            Err(e) => return error_response(e, true),
        },
        (None, Some(token)) => match db::sessions::load(&state.db, token).await {
            Ok(c) => c,
            Err(e) => return error_response(e, is_api(&path)),
        },
        (None, None) => None,
    };
    // A temporary password (new account, reset) allows nothing but changing it: pages lead to
    // the change form, the API answers 403.
    if caller.as_ref().is_some_and(|c| c.must_change_password)
        && !allowed_before_password_change(&path)
    {
        return if is_api(&path) {
            error_response(AppError::PasswordChangeRequired, true)
        } else {
            see_other("/account/password")
        };
    }
    // A browser never adds an Authorization header by itself, so a token request cannot be
    // forged from another site: it needs no CSRF token.
    let req = if is_state_change(req.method()) && !by_token {
        match check_csrf(req, caller.as_ref(), &path).await {
            Ok(req) => req,
            Err(e) => return error_response(e, is_api(&path)),
        }
    } else {
        req
    };
    let mut req = req;
    // Whoever changes something reads from the primary for a while after (see `Db::reader`).
    let writer = caller
        .as_ref()
        .filter(|_| is_state_change(req.method()))
        .map(|c| c.account_id);
    req.extensions_mut().insert(CurrentCaller(caller));
    let mut res = next.run(req).await;
    if let Some(account) = writer {
        state.db.note_write(account);
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    // No page uses the camera, microphone, location or payment: a script injected somehow
    // still cannot ask for them.
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if state.settings.secure_cookies {
        // Served over HTTPS: the browser keeps to HTTPS for a year.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // Pages carry personal data: no shared or disk caches.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// What an account with a temporary password may still reach: the change form, logging out,
/// who it is, and the files the pages need.
fn allowed_before_password_change(path: &str) -> bool {
    matches!(
        path,
        "/account/password"
            | "/logout"
            | "/login"
            | "/healthz"
            | "/api/v1/me"
            | "/api/v1/me/password"
            | "/api/v1/logout"
            | "/api/v1/login"
            | "/api/v1/openapi.json"
    ) || path.starts_with("/assets/")
        || path.starts_with("/huong-dan")
}

fn is_state_change(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn csrf_error() -> AppError {
    AppError::Csrf(
        "Yêu cầu không hợp lệ hoặc phiên làm việc đã hết hạn (mã chống giả mạo CSRF sai). \
         Hãy tải lại trang rồi thử lại."
            .into(),
    )
}

/// Cross-site requests are refused outright; same-site ones must carry the token, either in
/// `X-CSRF-Token` or as the `_csrf` field of a form.
async fn check_csrf(
    req: Request,
    caller: Option<&Caller>,
    path: &str,
) -> Result<Request, AppError> {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return Err(csrf_error());
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(csrf_error());
        }
    }
    // Logging out without a session changes nothing; an expired session must still get out.
    if caller.is_none() && (path == "/logout" || path == "/api/v1/logout") {
        return Ok(req);
    }
    let is_login = path == "/login" || path == "/api/v1/login";
    if is_login && path.starts_with("/api/") {
        // A cross-site page cannot send JSON without a CORS preflight, which we never allow.
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        return if json { Ok(req) } else { Err(csrf_error()) };
    }
    let expected = match caller {
        Some(c) if !is_login => c.csrf_token.clone(),
        _ => cookie(headers, PRE_CSRF_COOKIE)
            .map(str::to_string)
            .ok_or_else(csrf_error)?,
    };
    if let Some(token) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if csrf_mask::matches(token, &expected) {
            Ok(req)
        } else {
            Err(csrf_error())
        };
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(csrf_error());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| AppError::invalid("Dữ liệu gửi lên quá lớn."))?;
    let token = form_urlencoded_value(&bytes, "_csrf");
    match token {
        Some(t) if csrf_mask::matches(&t, &expected) => {
            Ok(Request::from_parts(parts, bytes.into()))
        }
        _ => Err(csrf_error()),
    }
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

impl FromRequestParts<SharedState> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &SharedState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<CurrentCaller>()
            .and_then(|c| c.0.clone())
            .ok_or(AppError::Unauthenticated)
    }
}

/// The caller, for API handlers: failures answer JSON.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<SharedState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &SharedState) -> Result<Self, ApiError> {
        Caller::from_request_parts(parts, s)
            .await
            .map(ApiCaller)
            .map_err(ApiError)
    }
}

/// The caller if logged in, for pages that also serve visitors.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<SharedState> for MaybeCaller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &SharedState) -> Result<Self, AppError> {
        Ok(MaybeCaller(
            parts
                .extensions
                .get::<CurrentCaller>()
                .and_then(|c| c.0.clone()),
        ))
    }
}

pub fn error_response(e: AppError, api: bool) -> Response {
    if api {
        ApiError(e).into_response()
    } else {
        e.into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        self.log();
        let status = self.status();
        let page = shell::error_page(status, &self.user_message());
        (status, Html(page)).into_response()
    }
}

/// An error answered as JSON: `{"error": "…"}`.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError(AppError::Db(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let body = api_errors::ErrorBody {
            error: self.0.user_message(),
        };
        (status, Json(body)).into_response()
    }
}

/// Under /api/ every error is `{"error": "…"}`, including the ones answered before a handler
/// runs (an unknown route, a method not allowed, a body over the limit): a script can always
/// read why.
async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let message = match status {
        StatusCode::NOT_FOUND => AppError::NotFound.user_message(),
        StatusCode::METHOD_NOT_ALLOWED => {
            "Phương thức này không dùng được cho đường dẫn này (xem /api/v1/openapi.json).".into()
        }
        StatusCode::PAYLOAD_TOO_LARGE => "Dữ liệu gửi lên quá lớn.".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Kiểu dữ liệu gửi lên không đúng (cần Content-Type: application/json).".into()
        }
        s if s.is_server_error() => AppError::Internal(String::new()).user_message(),
        _ => "Yêu cầu không hợp lệ (sai tham số hoặc sai dạng dữ liệu).".into(),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&api_errors::ErrorBody { error: message }).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Renders a template into a page, or an error page if the template fails.
pub fn render<T: askama::Template>(t: &T) -> Result<Html<String>, AppError> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// Audits a change made through a page: the caller, the commune, (action, entity, entity id),
/// before and after, in the transaction of the change.
pub(crate) async fn audited<B: serde::Serialize, A: serde::Serialize>(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    commune: i64,
    (action, entity, entity_id): (&str, &str, Option<i64>),
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), AppError> {
    db::audit::record(
        tx,
        db::audit::Entry {
            commune_id: Some(commune),
            account_id: Some(caller.account_id),
            action,
            entity,
            entity_id,
        },
        before,
        after,
    )
    .await
}

/// A redirect after a successful POST (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
