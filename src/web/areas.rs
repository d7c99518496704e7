//! Areas: the commune and its hamlets, with counts; commune admins add, rename and close hamlets.

use super::forms::{Field, FormPage, Values, rerender};
use super::{SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::db::areas::Area;
use crate::db::stats::{self, Counts};
use crate::db::{Db, areas, audit, teams};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/areas", get(list).post(create))
        .route("/areas/new", get(new_form))
        .route("/areas/{id}", post(update))
        .route("/areas/{id}/edit", get(edit_form))
        .route("/areas/{id}/active", post(set_active))
}

pub struct HamletRow {
    pub area: Area,
    pub counts: Counts,
    pub zalo: Option<bool>,
    pub team_id: Option<i64>,
}

pub struct CommuneBlock {
    pub commune: Area,
    pub total: Counts,
    pub hamlets: Vec<HamletRow>,
    pub can_edit: bool,
}

/// The communes the caller sees, each with its visible hamlets and their counts.
pub async fn commune_blocks(db: &Db, caller: &Caller) -> Result<Vec<CommuneBlock>, AppError> {
    let visible = areas::visible_to(db, caller).await?;
    let mut commune_ids: Vec<i64> = visible.iter().filter_map(|a| a.commune_id).collect();
    commune_ids.sort_unstable();
    commune_ids.dedup();
    let counts = stats::per_hamlet(db, &commune_ids).await?;
    let mut team_by_area: HashMap<i64, (i64, bool)> = HashMap::new();
    for cid in &commune_ids {
        for t in teams::for_commune(db, *cid).await? {
            team_by_area.insert(t.area_id, (t.id, t.zalo_active == 1));
        }
    }
    let mut blocks = Vec::new();
    for cid in &commune_ids {
        let commune = match visible.iter().find(|a| a.id == *cid) {
            Some(c) => c.clone(),
            None => areas::get(db, *cid).await?.ok_or(AppError::NotFound)?,
        };
        let hamlets: Vec<HamletRow> = visible
            .iter()
            .filter(|a| a.level == "hamlet" && a.commune_id == Some(*cid))
            .map(|a| HamletRow {
                area: a.clone(),
                counts: counts.get(&a.id).cloned().unwrap_or_default(),
                zalo: team_by_area.get(&a.id).map(|t| t.1),
                team_id: team_by_area.get(&a.id).map(|t| t.0),
            })
            .collect();
        let total = stats::sum(
            hamlets
                .iter()
                .filter(|h| h.area.active == 1)
                .map(|h| &h.counts),
        );
        blocks.push(CommuneBlock {
            can_edit: caller.can_edit_areas(commune.id),
            commune,
            total,
            hamlets,
        });
    }
    Ok(blocks)
}

#[derive(Template)]
#[template(path = "areas.html")]
struct AreasPage {
    shell: Shell,
    province: Option<Area>,
    blocks: Vec<CommuneBlock>,
    show_teams: bool,
}

async fn list(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    let visible = areas::visible_to(&s.db, &caller).await?;
    let province = visible.iter().find(|a| a.level == "province").cloned();
    let blocks = commune_blocks(&s.db, &caller).await?;
    render(&AreasPage {
        shell: Shell::new(&caller, "Địa bàn", "/areas"),
        province,
        blocks,
        show_teams: caller.personal_scope().is_some(),
    })
}

fn commune_of(caller: &Caller) -> Result<i64, AppError> {
    match caller.commune_id {
        Some(c) if caller.can_edit_areas(c) => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

fn hamlet_form(
    caller: &Caller,
    heading: String,
    action: String,
    code: &str,
    name: &str,
    sort: &str,
    code_editable: bool,
) -> FormPage {
    let mut fields = vec![
        Field::text("name", "Tên ấp", name)
            .required()
            .placeholder("Ấp 18"),
    ];
    if code_editable {
        fields.push(
            Field::text("code", "Mã ấp", code)
                .required()
                .help("Chữ thường không dấu, số và dấu gạch ngang, ví dụ rach-kien-ap-18."),
        );
    }
    fields.push(Field::text("sort_order", "Thứ tự hiển thị", sort).kind("number"));
    FormPage {
        shell: Shell::new(caller, heading.clone(), "/areas"),
        heading,
        action,
        fields,
        submit: "Lưu",
        cancel_href: "/areas".into(),
        error: None,
    }
}

async fn new_form(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    let commune_id = commune_of(&caller)?;
    let commune = areas::get(&s.db, commune_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let n = areas::children(&s.db, commune_id).await?.len() + 1;
    hamlet_form(
        &caller,
        "Thêm ấp".into(),
        "/areas".into(),
        &format!("{}-ap-{n:02}", commune.code),
        "",
        &n.to_string(),
        true,
    )
    .render()
}

fn check_code(code: &str) -> Result<(), AppError> {
    if code.len() < 3
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid(
            "Mã ấp chỉ gồm chữ thường không dấu, số và dấu gạch ngang (ít nhất 3 ký tự).",
        ));
    }
    Ok(())
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let commune_id = commune_of(&caller)?;
    let v = Values(form);
    let (name, code) = (v.get("name"), v.get("code").to_lowercase());
    let result: Result<(), AppError> = async {
        if name.is_empty() {
            return Err(AppError::invalid("Tên ấp không được để trống."));
        }
        check_code(&code)?;
        let sort = v.int("sort_order", "Thứ tự")?.unwrap_or(0);
        let commune = areas::get(&s.db, commune_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut tx = s.db.begin_write().await?;
        let id = areas::insert(&mut tx, &code, &name, "hamlet", Some(&commune), sort).await?;
        // Every hamlet has its team from the start.
        teams::insert(
            &mut tx,
            commune_id,
            id,
            "hamlet",
            &format!("Tổ CNSCĐ {name}"),
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                commune_id: Some(commune_id),
                account_id: Some(caller.account_id),
                action: "create",
                entity: "area",
                entity_id: Some(id),
            },
            None::<&()>,
            Some(&serde_json::json!({"code": code, "name": name})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other("/areas")),
        Err(e) => rerender(
            hamlet_form(
                &caller,
                "Thêm ấp".into(),
                "/areas".into(),
                &code,
                &name,
                &v.get("sort_order"),
                true,
            ),
            e,
        ),
    }
}

async fn editable_hamlet(s: &SharedState, caller: &Caller, id: i64) -> Result<Area, AppError> {
    let area = areas::visible_by_id(&s.db, caller, id).await?;
    match area.commune_id {
        Some(c) if area.level == "hamlet" && caller.can_edit_areas(c) => Ok(area),
        _ => Err(AppError::Forbidden),
    }
}

async fn edit_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let a = editable_hamlet(&s, &caller, id).await?;
    hamlet_form(
        &caller,
        format!("Sửa {}", a.name),
        format!("/areas/{id}"),
        &a.code,
        &a.name,
        &a.sort_order.to_string(),
        false,
    )
    .render()
}

async fn update(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let a = editable_hamlet(&s, &caller, id).await?;
    let v = Values(form);
    let name = v.get("name");
    let checked = match v.int("sort_order", "Thứ tự") {
        Ok(_) if name.is_empty() => Err(AppError::invalid("Tên ấp không được để trống.")),
        other => other,
    };
    let sort = match checked {
        Ok(sort) => sort.unwrap_or(a.sort_order),
        Err(e) => {
            let page = hamlet_form(
                &caller,
                format!("Sửa {}", a.name),
                format!("/areas/{id}"),
                &a.code,
                &name,
                &v.get("sort_order"),
                false,
            );
            return rerender(page, e);
        }
    };
    let mut tx = s.db.begin_write().await?;
    areas::update(&mut tx, id, &name, sort).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: a.commune_id,
            account_id: Some(caller.account_id),
            action: "update",
            entity: "area",
            entity_id: Some(id),
        },
        Some(&a),
        Some(&serde_json::json!({"name": name, "sort_order": sort})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/areas"))
}

async fn set_active(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let a = editable_hamlet(&s, &caller, id).await?;
    let active = Values(form).checked("active");
    let mut tx = s.db.begin_write().await?;
    areas::set_active(&mut tx, id, active).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: a.commune_id,
            account_id: Some(caller.account_id),
            action: if active { "reopen" } else { "close" },
            entity: "area",
            entity_id: Some(id),
        },
        Some(&a),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/areas"))
}
