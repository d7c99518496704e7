//! The commune's settings in the web (commune admin; every change audited): the details its
//! reports' headers carry — issuing body, document symbol, place of the date line, signer,
//! recipients.

use super::{SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::db::{areas, commune_details};
use crate::error::AppError;
use crate::reports::input::{CommuneDetails, Letterhead};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
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
    render(&SettingsPage {
        shell: Shell::new(caller, "Thiết lập của xã", "/settings"),
        details,
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
