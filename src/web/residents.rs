//! Residents: search, detail with service statuses and history, create, edit, deactivate.

use super::forms::{Field, FormPage, Values, rerender};
use super::hamlet_scope::{
    ListParams, editable_household, hamlet_filter, hamlet_options, urlencode,
};
use super::service_cells::{StatusCell, status_cells};
use super::{SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::codes::RESIDENT_STATUSES;
use crate::db::residents::{self, ListFilter, Resident, ResidentEdit};
use crate::db::{Page, audit, services};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/residents", get(list))
        .route("/residents/{id}", get(show).post(update))
        .route("/residents/{id}/edit", get(edit_form))
        .route("/residents/{id}/active", post(set_active))
        .route("/residents/{id}/services", post(set_service))
        .route("/residents/{id}/cccd", post(reveal_cccd))
        .route("/residents/{id}/phone", post(reveal_phone))
        .route("/residents/{id}/consent", post(set_consent))
        .route("/residents/{id}/data", get(personal_data))
        .route("/residents/{id}/erase", post(erase))
        .route("/households/{id}/residents", post(create))
        .route("/households/{id}/residents/new", get(new_form))
}

pub struct Row {
    pub r: Resident,
    pub phone: String,
}

pub fn shown_phone(caller: &Caller, r: &Resident) -> String {
    match &r.phone {
        Some(p) if caller.sees_full_phone(r.hamlet_id) => p.clone(),
        Some(p) => crate::text::mask_phone(p),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "residents.html")]
struct ListPage {
    shell: Shell,
    page: Page<Row>,
    q: String,
    area: String,
    hamlets: Vec<(String, String)>,
    query_base: String,
}

async fn list(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let hamlet_id = hamlet_filter(&s, &caller, &p.area).await?;
    let page = residents::list(
        &s.db,
        scope,
        &ListFilter {
            hamlet_id,
            q: &p.q,
            ..Default::default()
        },
        p.page.unwrap_or(1),
        50,
    )
    .await?;
    let page = Page {
        items: page
            .items
            .into_iter()
            .map(|r| Row {
                phone: shown_phone(&caller, &r),
                r,
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    };
    render(&ListPage {
        shell: Shell::new(&caller, "Nhân khẩu", "/residents"),
        query_base: format!("area={}&q={}", urlencode(&p.area), urlencode(&p.q)),
        page,
        q: p.q,
        area: p.area,
        hamlets: hamlet_options(&s, &caller)
            .await?
            .into_iter()
            .map(|(_, c, n)| (c, n))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "resident.html")]
struct ShowPage {
    shell: Shell,
    r: Resident,
    phone: String,
    cells: Vec<StatusCell>,
    history: Vec<(String, &'static str, String, String)>,
    help: Vec<crate::db::help::HelpEntry>,
    can_edit: bool,
    can_record: bool,
    /// The commune admin may export or erase the resident's own data.
    can_own_data: bool,
    service_options: Vec<(String, String)>,
    status_options: Vec<(&'static str, &'static str)>,
    today: String,
    cccd_full: Option<String>,
    /// The phone is shown masked and may be revealed (logged).
    phone_masked: bool,
    /// Consenting to be recorded (or withdrawn), since when, and the history.
    consent: (bool, Option<String>),
    consents: Vec<crate::db::consents::ConsentEntry>,
    consent_methods: Vec<(&'static str, &'static str)>,
}

async fn visible(s: &SharedState, caller: &Caller, id: i64) -> Result<Resident, AppError> {
    let scope = caller.require_personal()?;
    residents::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_page(
    s: &SharedState,
    caller: &Caller,
    id: i64,
    cccd_full: Option<String>,
    phone_full: bool,
) -> Result<Html<String>, AppError> {
    let r = visible(s, caller, id).await?;
    let phone_masked = r.phone.is_some() && !caller.sees_full_phone(r.hamlet_id) && !phone_full;
    let services = services::current(&s.db, Some(r.commune_id)).await?;
    let statuses = residents::statuses(&s.db, &[id]).await?;
    let names: HashMap<String, String> = services
        .iter()
        .map(|sv| (sv.code.clone(), sv.short_name.clone()))
        .collect();
    let history = residents::history(&s.db, id)
        .await?
        .into_iter()
        .map(|h| {
            (
                names
                    .get(&h.service_code)
                    .cloned()
                    .unwrap_or(h.service_code),
                services::status_label(&h.status),
                crate::text::format_date(&h.status_date),
                h.recorded_by.unwrap_or_default(),
            )
        })
        .collect();
    render(&ShowPage {
        shell: Shell::new(caller, r.full_name.clone(), "/residents"),
        phone: if phone_full {
            r.phone.clone().unwrap_or_default()
        } else {
            shown_phone(caller, &r)
        },
        phone_masked,
        consent: crate::db::consents::current(&s.db, id).await?,
        consents: crate::db::consents::history(&s.db, id).await?,
        consent_methods: crate::codes::CONSENT_METHODS.to_vec(),
        cells: status_cells(&services, &statuses, id),
        history,
        help: crate::db::help::for_resident(&s.db, id).await?,
        can_edit: caller.can_edit_residents(r.commune_id, r.hamlet_id),
        can_record: caller.can_record_services(r.commune_id, r.hamlet_id),
        can_own_data: caller.role == crate::auth::Role::CommuneAdmin
            && caller.commune_id == Some(r.commune_id),
        service_options: services
            .iter()
            .map(|sv| (sv.code.clone(), sv.name.clone()))
            .collect(),
        status_options: services::STATUSES.to_vec(),
        today: crate::db::today(),
        cccd_full,
        r,
    })
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    show_page(&s, &caller, id, None, false).await
}

/// Shows the full citizen ID once, and records who saw it.
async fn reveal_cccd(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let r = visible(&s, &caller, id).await?;
    if !caller.can_edit_residents(r.commune_id, r.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    let full = residents::reveal_cccd(&s.db, &s.keys, scope, id).await?;
    log_seen(&s, &caller, r.commune_id, "reveal_cccd", id).await?;
    show_page(&s, &caller, id, Some(full), false).await
}

/// Records that the caller saw something shown masked (a citizen ID, a phone) in full.
async fn log_seen(
    s: &SharedState,
    caller: &Caller,
    commune_id: i64,
    action: &str,
    id: i64,
) -> Result<(), AppError> {
    let mut tx = s.db.begin_write().await?;
    audit::record(
        &mut tx,
        entry(caller, commune_id, action, id),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Shows a masked phone number in full once (the commune leader, say, calling a resident),
/// and records who saw it, as for a citizen ID.
async fn reveal_phone(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let r = visible(&s, &caller, id).await?;
    log_seen(&s, &caller, r.commune_id, "reveal_phone", id).await?;
    show_page(&s, &caller, id, None, true).await
}

/// The commune's admin answers a resident's requests about their own data.
async fn own_data_request(s: &SharedState, caller: &Caller, id: i64) -> Result<Resident, AppError> {
    let r = visible(s, caller, id).await?;
    if caller.role != crate::auth::Role::CommuneAdmin || caller.commune_id != Some(r.commune_id) {
        return Err(AppError::Forbidden);
    }
    Ok(r)
}

/// Everything held about the resident, as a JSON file to hand over on request.
async fn personal_data(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = own_data_request(&s, &caller, id).await?;
    let data = crate::db::personal::export(&s.db, &s.keys, id).await?;
    let mut tx = s.db.begin_write().await?;
    audit::record(
        &mut tx,
        entry(&caller, r.commune_id, "export_personal_data", id),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    let body =
        serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(format!("export: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"du-lieu-nhan-khau-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    confirm: String,
}

/// Erases what identifies the resident; the figures stay as they were.
async fn erase(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> Result<Response, AppError> {
    let r = own_data_request(&s, &caller, id).await?;
    if crate::text::fold(&f.confirm) != "xoa" {
        return Err(AppError::invalid(
            "Gõ chữ XÓA vào ô xác nhận để xóa dữ liệu cá nhân của người này.",
        ));
    }
    let mut tx = s.db.begin_write().await?;
    crate::db::personal::erase(&mut tx, id).await?;
    audit::record(
        &mut tx,
        entry(&caller, r.commune_id, "erase_personal_data", id),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/residents/{id}")))
}

fn entry<'a>(caller: &Caller, commune_id: i64, action: &'a str, id: i64) -> audit::Entry<'a> {
    audit::Entry {
        commune_id: Some(commune_id),
        account_id: Some(caller.account_id),
        action,
        entity: "resident",
        entity_id: Some(id),
    }
}

/// Records the resident's consent to be recorded, or its withdrawal: the commune admin, the
/// hamlet head and the hamlet's members, on the resident's page.
async fn set_consent(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = visible(&s, &caller, id).await?;
    if !caller.can_record_services(r.commune_id, r.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let v = Values(form);
    let given = match v.get("given").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return Err(AppError::invalid(
                "Chọn người này đồng ý hay rút lại đồng ý.",
            ));
        }
    };
    let date = v.date("date", "Ngày")?.unwrap_or_else(crate::db::today);
    let method = v.get("method");
    crate::db::consents::check(&method, &date, &crate::db::today())?;
    let note = super::forms::long_text(&v.get("note"), "Ghi chú", 500)?;
    let mut tx = s.db.begin_write().await?;
    crate::db::consents::record(
        &mut tx,
        &crate::db::consents::NewConsent {
            commune_id: r.commune_id,
            resident_id: id,
            given,
            on_date: &date,
            method: &method,
            note: Some(note.as_str()).filter(|n| !n.is_empty()),
            account_id: Some(caller.account_id),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        entry(
            &caller,
            r.commune_id,
            if given { "consent" } else { "withdraw_consent" },
            id,
        ),
        None::<&()>,
        Some(&serde_json::json!({"given": given, "date": date, "method": method})),
    )
    .await?;
    tx.commit().await?;
    // After a withdrawal the hamlet's team no longer sees the person: back to the list.
    let visible_after = given || !caller.require_personal()?.consented_only;
    Ok(see_other(&if visible_after {
        format!("/residents/{id}")
    } else {
        format!("/households/{}", r.household_id)
    }))
}

async fn set_service(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = visible(&s, &caller, id).await?;
    if !caller.can_record_services(r.commune_id, r.hamlet_id) {
        return Err(AppError::Forbidden);
    }
    let v = Values(form);
    let service = v.get("service");
    let status = v.get("status");
    let date = v.date("date", "Ngày")?.unwrap_or_else(crate::db::today);
    let known = services::current(&s.db, Some(r.commune_id)).await?;
    if !known.iter().any(|sv| sv.code == service)
        || !services::STATUSES.iter().any(|(c, _)| *c == status)
    {
        return Err(AppError::invalid(
            "Chọn nền tảng số và trạng thái trong danh sách.",
        ));
    }
    if date > crate::db::today() {
        return Err(AppError::invalid("Ngày không được sau hôm nay."));
    }
    let mut tx = s.db.begin_write().await?;
    residents::set_service_status(
        &mut tx,
        r.commune_id,
        id,
        &service,
        &status,
        &date,
        Some(caller.account_id),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        entry(&caller, r.commune_id, "set_service_status", id),
        None::<&()>,
        Some(&serde_json::json!({"service": service, "status": status, "date": date})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/residents/{id}")))
}

fn resident_form(
    caller: &Caller,
    heading: String,
    action: String,
    cancel: String,
    e: &ResidentEdit,
    birth: &str,
) -> FormPage {
    let smartphone = match e.has_smartphone {
        Some(1) => "1",
        Some(_) => "0",
        None => "",
    };
    FormPage {
        shell: Shell::new(caller, heading.clone(), "/residents"),
        heading,
        action,
        fields: vec![
            Field::text("full_name", "Họ và tên", e.full_name.clone()).required(),
            Field::text("birth", "Ngày sinh", birth)
                .placeholder("dd/mm/yyyy")
                .help("Ngày/tháng/năm, hoặc chỉ năm sinh nếu không rõ ngày."),
            Field::select(
                "gender",
                "Giới tính",
                e.gender.clone().unwrap_or_default(),
                &[("", "—"), ("male", "Nam"), ("female", "Nữ")],
            ),
            Field::text(
                "relation",
                "Quan hệ với chủ hộ",
                e.relation.clone().unwrap_or_default(),
            )
            .placeholder("Chủ hộ, Vợ, Con…"),
            Field::text("cccd", "Số CCCD", "")
                .placeholder("12 chữ số")
                .help("Để trống nếu không đổi. Số CCCD được mã hóa khi lưu."),
            Field::text(
                "phone",
                "Số điện thoại",
                e.phone.clone().unwrap_or_default(),
            )
            .kind("tel"),
            Field::select(
                "has_smartphone",
                "Có điện thoại thông minh",
                smartphone,
                &[("", "Chưa rõ"), ("1", "Có"), ("0", "Không")],
            ),
            Field::select(
                "status",
                "Tình trạng cư trú",
                e.status.clone(),
                &RESIDENT_STATUSES,
            ),
            Field::text("notes", "Ghi chú", e.notes.clone().unwrap_or_default()).kind("textarea"),
        ],
        submit: "Lưu",
        cancel_href: cancel,
        error: None,
    }
}

/// Reads the form; returns what was typed even when it is invalid, so nothing is lost.
fn parse(v: &Values, household_id: i64) -> (ResidentEdit, String, Result<(), AppError>) {
    let birth = v.get("birth");
    let mut check: Result<(), AppError> = Ok(());
    let (birth_date, birth_year) = if birth.is_empty() {
        (None, None)
    } else if birth.len() == 4 && birth.chars().all(|c| c.is_ascii_digit()) {
        (None, birth.parse().ok())
    } else {
        match crate::text::parse_date(&birth) {
            Some(d) => (Some(d), None),
            None => {
                check = Err(AppError::invalid(
                    "Ngày sinh không hợp lệ: nhập ngày/tháng/năm (ví dụ 05/03/1980) hoặc chỉ năm sinh.",
                ));
                (None, None)
            }
        }
    };
    let cccd = match v.opt("cccd") {
        None => None,
        Some(c) => match crate::crypto::normalize_cccd(&c) {
            Some(c) => Some(c),
            None => {
                check = check.and(Err(AppError::invalid("Số CCCD phải có đúng 12 chữ số.")));
                None
            }
        },
    };
    let phone = match v.phone("phone") {
        Ok(p) => p,
        Err(e) => {
            check = check.and(Err(e));
            v.opt("phone")
        }
    };
    let e = ResidentEdit {
        household_id,
        full_name: v.get("full_name"),
        birth_date,
        birth_year,
        gender: v.opt("gender").filter(|g| g == "male" || g == "female"),
        cccd,
        phone,
        relation: v.opt("relation"),
        has_smartphone: v.opt("has_smartphone").and_then(|x| x.parse().ok()),
        status: v.opt("status").unwrap_or_else(|| "living".into()),
        notes: v.opt("notes"),
    };
    let check = check.and_then(|_| e.validate());
    (e, birth, check)
}

async fn new_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(hid): Path<i64>,
) -> Result<Html<String>, AppError> {
    let h = editable_household(&s, &caller, hid).await?;
    let blank = ResidentEdit {
        household_id: hid,
        status: "living".into(),
        ..Default::default()
    };
    resident_form(
        &caller,
        format!("Thêm nhân khẩu – hộ {}", h.code),
        format!("/households/{hid}/residents"),
        format!("/households/{hid}"),
        &blank,
        "",
    )
    .render()
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Path(hid): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let h = editable_household(&s, &caller, hid).await?;
    let (e, birth, check) = parse(&Values(form), hid);
    let result: Result<i64, AppError> = async {
        check?;
        let mut tx = s.db.begin_write().await?;
        let id = residents::insert(&mut tx, &s.keys, h.commune_id, h.hamlet_id, &e).await?;
        audit::record(
            &mut tx,
            entry(&caller, h.commune_id, "create", id),
            None::<&()>,
            Some(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/residents/{id}"))),
        Err(err) => rerender(
            resident_form(
                &caller,
                format!("Thêm nhân khẩu – hộ {}", h.code),
                format!("/households/{hid}/residents"),
                format!("/households/{hid}"),
                &e,
                &birth,
            ),
            err,
        ),
    }
}

async fn editable(s: &SharedState, caller: &Caller, id: i64) -> Result<Resident, AppError> {
    let r = visible(s, caller, id).await?;
    if caller.can_edit_residents(r.commune_id, r.hamlet_id) {
        Ok(r)
    } else {
        Err(AppError::Forbidden)
    }
}

fn edit_of(r: &Resident) -> ResidentEdit {
    ResidentEdit {
        household_id: r.household_id,
        full_name: r.full_name.clone(),
        birth_date: r.birth_date.clone(),
        birth_year: r.birth_year,
        gender: r.gender.clone(),
        cccd: None,
        phone: r.phone.clone(),
        relation: r.relation.clone(),
        has_smartphone: r.has_smartphone,
        status: r.status.clone(),
        notes: r.notes.clone(),
    }
}

async fn edit_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let r = editable(&s, &caller, id).await?;
    resident_form(
        &caller,
        format!("Sửa {}", r.full_name),
        format!("/residents/{id}"),
        format!("/residents/{id}"),
        &edit_of(&r),
        &r.birth_label(),
    )
    .render()
}

async fn update(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = editable(&s, &caller, id).await?;
    let (e, birth, check) = parse(&Values(form), r.household_id);
    let result: Result<(), AppError> = async {
        check?;
        let mut tx = s.db.begin_write().await?;
        let before = residents::tracked(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        residents::update(&mut tx, &s.keys, id, r.hamlet_id, &e).await?;
        let after = [
            ("phone", e.phone.clone()),
            ("has_smartphone", e.has_smartphone.map(|v| v.to_string())),
            ("status", Some(e.status.clone())),
        ]
        .map(|(f, v)| (f, before.value(f), v));
        residents::log_changes(
            &mut tx,
            &before,
            before.version + 1,
            &after,
            Some(caller.account_id),
        )
        .await?;
        audit::record(
            &mut tx,
            entry(&caller, r.commune_id, "update", id),
            Some(&r),
            Some(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/residents/{id}"))),
        Err(err) => rerender(
            resident_form(
                &caller,
                format!("Sửa {}", r.full_name),
                format!("/residents/{id}"),
                format!("/residents/{id}"),
                &e,
                &birth,
            ),
            err,
        ),
    }
}

async fn set_active(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = editable(&s, &caller, id).await?;
    let active = Values(form).checked("active");
    let mut tx = s.db.begin_write().await?;
    residents::set_active(&mut tx, id, active).await?;
    let action = if active { "reactivate" } else { "deactivate" };
    audit::record(
        &mut tx,
        entry(&caller, r.commune_id, action, id),
        Some(&r),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/residents/{id}")))
}
