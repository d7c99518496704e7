//! The commune's settings in the web (commune admin; every change audited): the details its
//! reports' headers carry — issuing body, document symbol, place of the date line, signer,
//! recipients — and its services list (rename, retire, add; the province app's name), which
//! the `adults_<service>` indicators follow (PRODUCT.md §3).

use super::{SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::db::{areas, commune_details, services};
use crate::error::AppError;
use crate::reports::input::{CommuneDetails, Letterhead};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;

type Result<T, E = AppError> = std::result::Result<T, E>;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/settings", get(page))
        .route("/settings/letterhead", post(save_letterhead))
        .route("/settings/province-app", post(set_province_app))
        .route("/settings/services", post(add_service))
        .route("/settings/services/{code}", post(rename_service))
        .route("/settings/services/{code}/retire", post(retire_service))
}

/// The commune the caller administers.
fn commune_of(caller: &Caller) -> Result<i64> {
    match caller.commune_id {
        Some(c) if caller.can_edit_areas(c) => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    details: CommuneDetails,
    services: Vec<services::Listed>,
    app_name: String,
    /// What a report carries when a field is left empty.
    defaults: Letterhead,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn settings_page(
    s: &SharedState,
    caller: &Caller,
    details: Option<CommuneDetails>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let commune_id = commune_of(caller)?;
    let commune = areas::get(&s.db, commune_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let details = match details {
        Some(d) => d,
        None => commune_details::get(&s.db, commune_id).await?,
    };
    let services = services::listed(&s.db, commune_id).await?;
    let app_name = services
        .iter()
        .find(|sv| sv.code == PROVINCE_APP)
        .map(|sv| sv.short_name.clone())
        .unwrap_or_default();
    render(&SettingsPage {
        shell: Shell::new(caller, "Thiết lập của xã", "/settings"),
        details,
        services,
        app_name,
        defaults: Letterhead::commune(&commune.name, "", ""),
        notice,
        error,
    })
}

async fn page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let notice = q
        .contains_key("da-luu")
        .then_some("Đã lưu. Các báo cáo lập từ nay dùng thông tin mới.");
    settings_page(&s, &caller, None, notice, None).await
}

#[derive(Deserialize)]
struct LetterheadForm {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    number_symbol: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    signer_title: String,
    #[serde(default)]
    signer_name: String,
    #[serde(default)]
    recipients: String,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| crate::text::clean(l.trim().trim_start_matches(['-', '–']).trim()))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The form's fields, checked: short lines, a symbol that fits a `Số:` line.
fn parse(f: &LetterheadForm) -> std::result::Result<CommuneDetails, String> {
    let d = CommuneDetails {
        issuer: lines(&f.issuer),
        number_symbol: crate::text::clean(&f.number_symbol),
        place: crate::text::clean(&f.place),
        signer_title: lines(&f.signer_title),
        signer_name: crate::text::clean(&f.signer_name),
        recipients: lines(&f.recipients),
    };
    if d.issuer.len() > 4 || d.signer_title.len() > 4 {
        return Err("Cơ quan ban hành và chức vụ người ký mỗi phần tối đa 4 dòng.".into());
    }
    if d.recipients.len() > 20 {
        return Err("Nơi nhận tối đa 20 dòng.".into());
    }
    let too_long = d
        .issuer
        .iter()
        .chain(&d.signer_title)
        .chain(&d.recipients)
        .chain([&d.place, &d.signer_name, &d.number_symbol])
        .any(|l| l.chars().count() > 120);
    if too_long {
        return Err("Mỗi dòng tối đa 120 ký tự.".into());
    }
    if d.number_symbol.chars().any(char::is_whitespace) {
        return Err("Ký hiệu văn bản viết liền, không có khoảng trắng, ví dụ BC-UBND.".into());
    }
    Ok(d)
}

async fn save_letterhead(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<LetterheadForm>,
) -> Result<Response> {
    let commune_id = commune_of(&caller)?;
    let details = match parse(&f) {
        Ok(d) => d,
        Err(e) => {
            // Nothing typed is lost: the page comes back with the fields as they were sent.
            let typed = CommuneDetails {
                issuer: f.issuer.lines().map(str::to_string).collect(),
                number_symbol: f.number_symbol.clone(),
                place: f.place.clone(),
                signer_title: f.signer_title.lines().map(str::to_string).collect(),
                signer_name: f.signer_name.clone(),
                recipients: f.recipients.lines().map(str::to_string).collect(),
            };
            let page = settings_page(&s, &caller, Some(typed), None, Some(e)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let before = commune_details::get(&s.db, commune_id).await?;
    let mut tx = s.db.begin_write().await?;
    commune_details::save(&mut tx, commune_id, &details).await?;
    super::audited(
        &mut tx,
        &caller,
        commune_id,
        ("set_setting", "commune_settings", Some(commune_id)),
        Some(&details_json(&before)),
        Some(&details_json(&details)),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/settings?da-luu"))
}

fn details_json(d: &CommuneDetails) -> serde_json::Value {
    serde_json::json!({
        "letterhead": {
            "issuer": d.issuer,
            "number_symbol": d.number_symbol,
            "place": d.place,
            "signer_title": d.signer_title,
            "signer_name": d.signer_name,
            "recipients": d.recipients,
        }
    })
}

/// The service whose short name is the province app's name.
const PROVINCE_APP: &str = "province_app";

/// A service's name and short name from a form, checked.
fn names(f: &HashMap<String, String>) -> Result<(String, String)> {
    let name = crate::text::clean(f.get("name").map_or("", String::as_str));
    let short = crate::text::clean(f.get("short_name").map_or("", String::as_str));
    if name.is_empty() || short.is_empty() {
        return Err(AppError::invalid(
            "Cần tên dịch vụ và tên ngắn (tên ngắn hiện trên nút ở ứng dụng thực địa).",
        ));
    }
    if name.chars().count() > 120 || short.chars().count() > 30 {
        return Err(AppError::invalid(
            "Tên dịch vụ tối đa 120 ký tự, tên ngắn tối đa 30 ký tự.",
        ));
    }
    Ok((name, short))
}

/// A service of the commune's list, or 404.
async fn known(s: &SharedState, commune_id: i64, code: &str) -> Result<(String, String)> {
    services::name_in(&s.db, commune_id, code)
        .await?
        .ok_or(AppError::NotFound)
}

async fn audit_service(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    commune_id: i64,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Result<()> {
    super::audited(
        tx,
        caller,
        commune_id,
        ("set_service", "services", None),
        before,
        Some(after),
    )
    .await
}

async fn rename_service(
    State(s): State<SharedState>,
    caller: Caller,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune_id = commune_of(&caller)?;
    let (old_name, old_short) = known(&s, commune_id, &code).await?;
    let (name, short) = names(&f)?;
    let mut tx = s.db.begin_write().await?;
    services::rename(&mut tx, commune_id, &code, (&name, &short)).await?;
    audit_service(
        &mut tx,
        &caller,
        commune_id,
        Some(&serde_json::json!({"code": code, "name": old_name, "short_name": old_short})),
        &serde_json::json!({"code": code, "name": name, "short_name": short}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/settings?da-luu#services"))
}

/// The province app's name: the short name of `province_app`, and its long name with it.
async fn set_province_app(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    // Only the commune admin (checked again where the name is written).
    commune_of(&caller)?;
    let app = crate::text::clean(f.get("app_name").map_or("", String::as_str));
    if app.is_empty() || app.chars().count() > 30 {
        return Err(AppError::invalid(
            "Nhập tên ứng dụng của tỉnh (tối đa 30 ký tự), ví dụ: Tây Ninh Smart.",
        ));
    }
    let mut form = HashMap::new();
    form.insert("name".to_string(), format!("Cài đặt, sử dụng {app}"));
    form.insert("short_name".to_string(), app);
    rename_service(State(s), caller, Path(PROVINCE_APP.to_string()), Form(form)).await
}

async fn retire_service(
    State(s): State<SharedState>,
    caller: Caller,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune_id = commune_of(&caller)?;
    known(&s, commune_id, &code).await?;
    let on = match f.get("action").map(String::as_str) {
        Some("retire") => Some(s.settings.today()),
        Some("reinstate") => None,
        _ => return Err(AppError::invalid("Chọn ngừng theo dõi hoặc theo dõi lại.")),
    };
    let mut tx = s.db.begin_write().await?;
    services::set_retired(&mut tx, commune_id, &code, on.as_deref()).await?;
    audit_service(
        &mut tx,
        &caller,
        commune_id,
        None,
        &serde_json::json!({"code": code, "retired_on": on}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/settings?da-luu#services"))
}

/// A service code: lower-case letters, digits and `_`, starting with a letter.
fn valid_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

async fn add_service(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune_id = commune_of(&caller)?;
    let code = f.get("code").map_or("", |c| c.trim()).to_string();
    if !valid_code(&code) {
        return Err(AppError::invalid(
            "Mã dịch vụ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ, \
             ví dụ: dong_thap_app.",
        ));
    }
    let (name, short) = names(&f)?;
    let mut tx = s.db.begin_write().await?;
    services::add(&mut tx, commune_id, &code, (&name, &short)).await?;
    audit_service(
        &mut tx,
        &caller,
        commune_id,
        None,
        &serde_json::json!({"code": code, "name": name, "short_name": short, "added": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/settings?da-luu#services"))
}
