//! Households: list, detail with every resident's service statuses, create, edit, deactivate.

use super::forms::{Field, FormPage, Values, rerender};
use super::hamlet_scope::{
    ListParams, editable_household, hamlet_filter, hamlet_options, urlencode,
};
use super::service_cells::{StatusCell, status_cells};
use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, PersonalScope};
use crate::db::households::{self, Household, HouseholdEdit, ListFilter};
use crate::db::residents::{self, Resident};
use crate::db::{Page, areas, audit, services};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/households", get(list).post(create))
        .route("/households/new", get(new_form))
        .route("/households/{id}", get(show).post(update))
        .route("/households/{id}/edit", get(edit_form))
        .route("/households/{id}/active", post(set_active))
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    shell: Shell,
    page: Page<Household>,
    q: String,
    area: String,
    hamlets: Vec<(String, String)>,
    can_create: bool,
    query_base: String,
}

async fn list(
    State(s): State<SharedState>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let hamlet_id = hamlet_filter(&s, &caller, &p.area).await?;
    let page = households::list(
        &s.db,
        scope,
        &ListFilter {
            hamlet_id,
            q: &p.q,
            include_inactive: false,
        },
        p.page.unwrap_or(1),
        50,
    )
    .await?;
    let hamlets = hamlet_options(&s, &caller).await?;
    render(&ListPage {
        shell: Shell::new(&caller, "Hộ", "/households"),
        query_base: format!("area={}&q={}", urlencode(&p.area), urlencode(&p.q)),
        can_create: can_create_any(&caller, scope),
        page,
        q: p.q,
        area: p.area,
        hamlets: hamlets
            .into_iter()
            .map(|(_, code, name)| (code, name))
            .collect(),
    })
}

fn can_create_any(caller: &Caller, scope: PersonalScope) -> bool {
    match scope.hamlet_id {
        Some(h) => caller.can_edit_residents(scope.commune_id, h),
        None => caller.can_edit_areas(scope.commune_id),
    }
}

pub struct ResidentLine {
    pub r: Resident,
    pub cells: Vec<StatusCell>,
}

#[derive(Template)]
#[template(path = "household.html")]
struct ShowPage {
    shell: Shell,
    h: Household,
    services: Vec<services::Service>,
    residents: Vec<ResidentLine>,
    can_edit: bool,
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let h = households::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = residents::list(
        &s.db,
        scope,
        &residents::ListFilter {
            household_id: Some(id),
            include_inactive: true,
            ..Default::default()
        },
        1,
        100,
    )
    .await?;
    let services = services::current(&s.db, Some(h.commune_id)).await?;
    let ids: Vec<i64> = list.items.iter().map(|r| r.id).collect();
    let statuses = residents::statuses(&s.db, &ids).await?;
    let residents = list
        .items
        .into_iter()
        .map(|r| ResidentLine {
            cells: status_cells(&services, &statuses, r.id),
            r,
        })
        .collect();
    render(&ShowPage {
        shell: Shell::new(&caller, format!("Hộ {}", h.code), "/households"),
        can_edit: caller.can_edit_residents(h.commune_id, h.hamlet_id),
        h,
        services,
        residents,
    })
}

async fn household_form(
    s: &SharedState,
    caller: &Caller,
    heading: String,
    action: String,
    cancel: String,
    e: &HouseholdEdit,
) -> Result<FormPage, AppError> {
    let options: Vec<(String, String)> = hamlet_options(s, caller)
        .await?
        .into_iter()
        .filter(|(id, _, _)| {
            caller
                .commune_id
                .is_some_and(|c| caller.can_edit_residents(c, *id))
        })
        .map(|(id, _, name)| (id.to_string(), name))
        .collect();
    Ok(FormPage {
        shell: Shell::new(caller, heading.clone(), "/households"),
        heading,
        action,
        fields: vec![
            Field::select_owned("hamlet_id", "Ấp", e.hamlet_id.to_string(), options).required(),
            Field::text("code", "Mã hộ", e.code.clone()).required(),
            Field::text(
                "head_name",
                "Họ tên chủ hộ",
                e.head_name.clone().unwrap_or_default(),
            ),
            Field::text("address", "Địa chỉ", e.address.clone().unwrap_or_default()),
        ],
        submit: "Lưu",
        cancel_href: cancel,
        error: None,
    })
}

fn parse(v: &Values) -> HouseholdEdit {
    HouseholdEdit {
        hamlet_id: v.int("hamlet_id", "Ấp").ok().flatten().unwrap_or(0),
        code: v.get("code"),
        address: v.opt("address"),
        head_name: v.opt("head_name"),
    }
}

/// The hamlet must be an open hamlet of the caller's commune that they may edit (the form's
/// list is only a convenience: a crafted request can name any area id).
async fn check(
    s: &SharedState,
    caller: &Caller,
    commune_id: i64,
    e: &HouseholdEdit,
) -> Result<(), AppError> {
    if e.code.is_empty() {
        return Err(AppError::invalid("Mã hộ không được để trống."));
    }
    let area = areas::get(&s.db, e.hamlet_id).await?;
    let fits = area
        .is_some_and(|a| a.level == "hamlet" && a.active == 1 && a.commune_id == Some(commune_id));
    if !fits || !caller.can_edit_residents(commune_id, e.hamlet_id) {
        return Err(AppError::invalid("Chọn một ấp bạn được quản lý."));
    }
    Ok(())
}

async fn new_form(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let blank = HouseholdEdit {
        hamlet_id: scope.hamlet_id.unwrap_or(0),
        code: String::new(),
        address: None,
        head_name: None,
    };
    household_form(
        &s,
        &caller,
        "Thêm hộ".into(),
        "/households".into(),
        "/households".into(),
        &blank,
    )
    .await?
    .render()
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let scope = caller.require_personal()?;
    let e = parse(&Values(form));
    let result: Result<i64, AppError> = async {
        check(&s, &caller, scope.commune_id, &e).await?;
        let mut tx = s.db.begin_write().await?;
        let id = households::insert(&mut tx, scope.commune_id, &e).await?;
        audit::record(
            &mut tx,
            entry(&caller, scope.commune_id, "create", id),
            None::<&()>,
            Some(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/households/{id}"))),
        Err(err) => {
            let page = household_form(
                &s,
                &caller,
                "Thêm hộ".into(),
                "/households".into(),
                "/households".into(),
                &e,
            )
            .await?;
            rerender(page, err)
        }
    }
}

fn entry<'a>(caller: &Caller, commune_id: i64, action: &'a str, id: i64) -> audit::Entry<'a> {
    audit::Entry {
        commune_id: Some(commune_id),
        account_id: Some(caller.account_id),
        action,
        entity: "household",
        entity_id: Some(id),
    }
}

async fn edit_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let h = editable_household(&s, &caller, id).await?;
    let e = HouseholdEdit {
        hamlet_id: h.hamlet_id,
        code: h.code.clone(),
        address: h.address.clone(),
        head_name: h.head_name.clone(),
    };
    household_form(
        &s,
        &caller,
        format!("Sửa hộ {}", h.code),
        format!("/households/{id}"),
        format!("/households/{id}"),
        &e,
    )
    .await?
    .render()
}

async fn update(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let h = editable_household(&s, &caller, id).await?;
    let e = parse(&Values(form));
    let result: Result<(), AppError> = async {
        check(&s, &caller, h.commune_id, &e).await?;
        let mut tx = s.db.begin_write().await?;
        households::update(&mut tx, id, &e).await?;
        audit::record(
            &mut tx,
            entry(&caller, h.commune_id, "update", id),
            Some(&h),
            Some(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/households/{id}"))),
        Err(err) => {
            let page = household_form(
                &s,
                &caller,
                format!("Sửa hộ {}", h.code),
                format!("/households/{id}"),
                format!("/households/{id}"),
                &e,
            )
            .await?;
            rerender(page, err)
        }
    }
}

async fn set_active(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let h = editable_household(&s, &caller, id).await?;
    let active = Values(form).checked("active");
    let mut tx = s.db.begin_write().await?;
    households::set_active(&mut tx, id, active).await?;
    let action = if active { "reactivate" } else { "deactivate" };
    audit::record(
        &mut tx,
        entry(&caller, h.commune_id, action, id),
        Some(&h),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/households/{id}")))
}
