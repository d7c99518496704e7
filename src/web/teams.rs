//! Teams (Tổ CNSCĐ) and their members.

use super::forms::{Field, FormPage, Values, rerender};
use super::{SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::codes::{self, AFFILIATIONS, POSITIONS};
use crate::db::audit;
use crate::db::members::{self, Member, MemberEdit};
use crate::db::teams::{self, Team, TeamEdit};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/teams", get(list))
        .route("/teams/{id}", get(show).post(update))
        .route("/teams/{id}/edit", get(edit_form))
        .route("/teams/{id}/members", post(create_member))
        .route("/teams/{id}/members/new", get(new_member_form))
        .route("/members/{id}", post(update_member))
        .route("/members/{id}/edit", get(edit_member_form))
        .route("/members/{id}/active", post(set_member_active))
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    shell: Shell,
    teams: Vec<Team>,
}

async fn list(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let teams: Vec<Team> = match scope.hamlet_id {
        None => teams::for_commune(&s.db, scope.commune_id).await?,
        Some(h) => teams::for_area(&s.db, h).await?,
    };
    render(&TeamsPage {
        shell: Shell::new(&caller, "Tổ CNSCĐ", "/teams"),
        teams,
    })
}

/// The team, if the caller may see its members (personal data).
async fn visible_team(s: &SharedState, caller: &Caller, id: i64) -> Result<Team, AppError> {
    let scope = caller.require_personal()?;
    let team = teams::get(&s.db, id).await?.ok_or(AppError::NotFound)?;
    let inside =
        team.commune_id == scope.commune_id && scope.hamlet_id.is_none_or(|h| h == team.area_id);
    if inside {
        Ok(team)
    } else {
        Err(AppError::NotFound)
    }
}

async fn editable_team(s: &SharedState, caller: &Caller, id: i64) -> Result<Team, AppError> {
    let team = visible_team(s, caller, id).await?;
    if caller.can_edit_team(team.commune_id, team.area_id) {
        Ok(team)
    } else {
        Err(AppError::Forbidden)
    }
}

pub struct MemberRow {
    pub m: Member,
    pub phone: String,
    /// The username of the member's account, if they have one.
    pub account: Option<String>,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    shell: Shell,
    team: Team,
    members: Vec<MemberRow>,
    can_edit: bool,
    /// The commune admin creates a member's account from the member's line, in one step.
    can_make_accounts: bool,
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let team = visible_team(&s, &caller, id).await?;
    let full_phone = caller.sees_full_phone(team.area_id);
    let can_make_accounts = caller.may_list_accounts() && team.kind == "hamlet";
    let linked: HashMap<i64, String> = if can_make_accounts {
        crate::db::accounts::linked_to_team(&s.db, id)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let members = members::for_team(&s.db, id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            account: linked.get(&m.id).cloned(),
            phone: match &m.phone {
                Some(p) if full_phone => p.clone(),
                Some(p) => crate::text::mask_phone(p),
                None => String::new(),
            },
            m,
        })
        .collect();
    render(&TeamPage {
        shell: Shell::new(&caller, team.name.clone(), "/teams"),
        can_edit: caller.can_edit_team(team.commune_id, team.area_id),
        can_make_accounts,
        team,
        members,
    })
}

fn team_form(caller: &Caller, team: &Team, v: Option<&Values>) -> FormPage {
    let get = |k: &str, d: String| v.map_or(d, |v| v.get(k));
    FormPage {
        shell: Shell::new(caller, "Sửa Tổ CNSCĐ", "/teams"),
        heading: format!("Sửa {}", team.name),
        action: format!("/teams/{}", team.id),
        fields: vec![
            Field::text("name", "Tên tổ", get("name", team.name.clone())).required(),
            Field::text(
                "zalo_link",
                "Đường dẫn nhóm Zalo",
                get("zalo_link", team.zalo_link.clone().unwrap_or_default()),
            )
            .kind("url")
            .placeholder("https://zalo.me/g/…"),
            Field::text(
                "zalo_members",
                "Số thành viên nhóm Zalo",
                get(
                    "zalo_members",
                    team.zalo_members.map(|n| n.to_string()).unwrap_or_default(),
                ),
            )
            .kind("number"),
            Field::checkbox(
                "zalo_active",
                "Nhóm Zalo đang hoạt động",
                v.map_or(team.zalo_active == 1, |v| v.checked("zalo_active")),
            ),
            Field::text(
                "founded_on",
                "Ngày thành lập tổ (kinh phí hỗ trợ tính từ tháng này)",
                get(
                    "founded_on",
                    team.founded_on
                        .as_deref()
                        .map(crate::text::format_date)
                        .unwrap_or_default(),
                ),
            )
            .placeholder("dd/mm/yyyy"),
        ],
        submit: "Lưu",
        cancel_href: format!("/teams/{}", team.id),
        error: None,
    }
}

async fn edit_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let team = editable_team(&s, &caller, id).await?;
    team_form(&caller, &team, None).render()
}

async fn update(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let team = editable_team(&s, &caller, id).await?;
    let v = Values(form);
    let parsed: Result<TeamEdit, AppError> = (|| {
        let name = v.get("name");
        if name.is_empty() {
            return Err(AppError::invalid("Tên tổ không được để trống."));
        }
        let zalo_link = v.opt("zalo_link");
        if zalo_link
            .as_ref()
            .is_some_and(|l| !l.starts_with("https://"))
        {
            return Err(AppError::invalid(
                "Đường dẫn nhóm Zalo phải bắt đầu bằng https://",
            ));
        }
        let founded_on = match v.opt("founded_on") {
            None => None,
            Some(d) => Some(
                crate::text::parse_date(&d)
                    .filter(|d| ("2000".."2101").contains(&&d[..4]))
                    .ok_or_else(|| {
                        AppError::invalid("Ngày thành lập tổ không hợp lệ: nhập dd/mm/yyyy.")
                    })?,
            ),
        };
        Ok(TeamEdit {
            name,
            zalo_link,
            zalo_members: v.int("zalo_members", "Số thành viên nhóm Zalo")?,
            zalo_active: v.checked("zalo_active"),
            founded_on,
        })
    })();
    let edit = match parsed {
        Ok(e) => e,
        Err(e) => return rerender(team_form(&caller, &team, Some(&v)), e),
    };
    let mut tx = s.db.begin_write().await?;
    teams::update(&mut tx, id, &edit).await?;
    audit::record(
        &mut tx,
        entry(&caller, team.commune_id, "update", "team", id),
        Some(&team),
        Some(&edit),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/teams/{id}")))
}

fn entry<'a>(
    caller: &Caller,
    commune_id: i64,
    action: &'a str,
    entity: &'a str,
    id: i64,
) -> audit::Entry<'a> {
    audit::Entry {
        commune_id: Some(commune_id),
        account_id: Some(caller.account_id),
        action,
        entity,
        entity_id: Some(id),
    }
}

fn member_form(
    caller: &Caller,
    heading: String,
    action: String,
    cancel: String,
    m: &MemberEdit,
) -> FormPage {
    FormPage {
        shell: Shell::new(caller, heading.clone(), "/teams"),
        heading,
        action,
        fields: vec![
            Field::text("full_name", "Họ và tên", m.full_name.clone()).required(),
            Field::text(
                "phone",
                "Số điện thoại",
                m.phone.clone().unwrap_or_default(),
            )
            .kind("tel"),
            Field::select("position", "Chức danh", m.position.clone(), &POSITIONS),
            Field::select(
                "affiliation",
                "Thuộc lực lượng",
                m.affiliation.clone(),
                &AFFILIATIONS,
            ),
            Field::text(
                "affiliation_detail",
                "Tên doanh nghiệp / đơn vị (nếu có)",
                m.affiliation_detail.clone().unwrap_or_default(),
            )
            .placeholder("VNPT, Viettel, …"),
            Field::text(
                "joined_on",
                "Ngày tham gia",
                m.joined_on.clone().unwrap_or_default(),
            )
            .kind("date"),
        ],
        submit: "Lưu",
        cancel_href: cancel,
        error: None,
    }
}

fn parse_member(v: &Values) -> (MemberEdit, Result<(), AppError>) {
    let mut check = Ok(());
    let phone = match v.phone("phone") {
        Ok(p) => p,
        Err(e) => {
            check = Err(e);
            v.opt("phone")
        }
    };
    let joined_on = match v.date("joined_on", "Ngày tham gia") {
        Ok(d) => d,
        Err(e) => {
            check = check.and(Err(e));
            v.opt("joined_on")
        }
    };
    let m = MemberEdit {
        full_name: v.get("full_name"),
        phone,
        position: v.get("position"),
        affiliation: v.get("affiliation"),
        affiliation_detail: v.opt("affiliation_detail"),
        joined_on,
    };
    if m.full_name.is_empty() {
        check = check.and(Err(AppError::invalid("Họ và tên không được để trống.")));
    }
    if codes::label(&POSITIONS, &m.position).is_empty()
        || codes::label(&AFFILIATIONS, &m.affiliation).is_empty()
    {
        check = check.and(Err(AppError::invalid(
            "Chọn chức danh và lực lượng trong danh sách.",
        )));
    }
    (m, check)
}

async fn new_member_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let team = editable_team(&s, &caller, id).await?;
    let blank = MemberEdit {
        full_name: String::new(),
        phone: None,
        position: "member".into(),
        affiliation: "youth_union".into(),
        affiliation_detail: None,
        joined_on: Some(crate::db::today()),
    };
    member_form(
        &caller,
        format!("Thêm thành viên – {}", team.name),
        format!("/teams/{id}/members"),
        format!("/teams/{id}"),
        &blank,
    )
    .render()
}

async fn create_member(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let team = editable_team(&s, &caller, id).await?;
    let (m, check) = parse_member(&Values(form));
    if let Err(e) = check {
        let page = member_form(
            &caller,
            format!("Thêm thành viên – {}", team.name),
            format!("/teams/{id}/members"),
            format!("/teams/{id}"),
            &m,
        );
        return rerender(page, e);
    }
    let mut tx = s.db.begin_write().await?;
    let mid = members::insert(&mut tx, team.commune_id, id, &m).await?;
    audit::record(
        &mut tx,
        entry(&caller, team.commune_id, "create", "member", mid),
        None::<&()>,
        Some(&m),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/teams/{id}")))
}

async fn editable_member(
    s: &SharedState,
    caller: &Caller,
    id: i64,
) -> Result<(Member, Team), AppError> {
    let m = members::get(&s.db, id).await?.ok_or(AppError::NotFound)?;
    let team = editable_team(s, caller, m.team_id).await?;
    Ok((m, team))
}

fn member_edit_of(m: &Member) -> MemberEdit {
    MemberEdit {
        full_name: m.full_name.clone(),
        phone: m.phone.clone(),
        position: m.position.clone(),
        affiliation: m.affiliation.clone(),
        affiliation_detail: m.affiliation_detail.clone(),
        joined_on: m.joined_on.clone(),
    }
}

async fn edit_member_form(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let (m, team) = editable_member(&s, &caller, id).await?;
    member_form(
        &caller,
        format!("Sửa thành viên {}", m.full_name),
        format!("/members/{id}"),
        format!("/teams/{}", team.id),
        &member_edit_of(&m),
    )
    .render()
}

async fn update_member(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (old, team) = editable_member(&s, &caller, id).await?;
    let (m, check) = parse_member(&Values(form));
    if let Err(e) = check {
        let page = member_form(
            &caller,
            format!("Sửa thành viên {}", old.full_name),
            format!("/members/{id}"),
            format!("/teams/{}", team.id),
            &m,
        );
        return rerender(page, e);
    }
    let mut tx = s.db.begin_write().await?;
    members::update(&mut tx, id, &m).await?;
    audit::record(
        &mut tx,
        entry(&caller, team.commune_id, "update", "member", id),
        Some(&old),
        Some(&m),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/teams/{}", team.id)))
}

async fn set_member_active(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (old, team) = editable_member(&s, &caller, id).await?;
    let active = Values(form).checked("active");
    let mut tx = s.db.begin_write().await?;
    members::set_active(&mut tx, id, active).await?;
    let action = if active { "reactivate" } else { "deactivate" };
    audit::record(
        &mut tx,
        entry(&caller, team.commune_id, action, "member", id),
        Some(&old),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/teams/{}", team.id)))
}
