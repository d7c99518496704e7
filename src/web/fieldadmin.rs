//! What the hamlet head and the commune manage around field work: conflicts between offline
//! edits, and the assignment of households to members.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{self, Filter, assignments, audit, conflicts, members, residents, settings};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/conflicts", get(list_conflicts))
        .route("/conflicts/{id}", post(resolve_conflict))
        .route("/assignments", get(assignment_page).post(assign))
        .route("/settings/assignment", post(set_assignment))
}

/// Conflicts are decided by the hamlet head, or the commune admin.
fn may_resolve(caller: &Caller) -> bool {
    matches!(caller.role, Role::HamletHead | Role::CommuneAdmin)
}

#[derive(Template)]
#[template(path = "conflicts.html")]
struct ConflictsPage {
    shell: Shell,
    items: Vec<conflicts::Conflict>,
}

async fn list_conflicts(
    State(s): State<SharedState>,
    caller: Caller,
) -> Result<Html<String>, AppError> {
    if !may_resolve(&caller) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    render(&ConflictsPage {
        shell: Shell::new(&caller, "Xung đột dữ liệu", "/conflicts"),
        items: conflicts::open(&s.db, scope).await?,
    })
}

/// `choice=accept` writes the phone's value; `choice=keep` keeps the server's.
async fn resolve_conflict(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if !may_resolve(&caller) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    let c = conflicts::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.status != "open" {
        return Err(AppError::invalid("Xung đột này đã được xử lý."));
    }
    let choice = form.get("choice").map(String::as_str).unwrap_or("");
    let status = match choice {
        "accept" => "accepted",
        "keep" => "rejected",
        _ => {
            return Err(AppError::invalid(
                "Chọn giữ giá trị hiện tại hoặc dùng giá trị mới.",
            ));
        }
    };
    let mut tx = s.db.begin_write().await?;
    // Closed first, inside the transaction: of two decisions sent at once only one acts.
    if !conflicts::close(&mut tx, id, status, caller.account_id).await? {
        return Err(AppError::invalid("Xung đột này đã được xử lý."));
    }
    if status == "accepted" {
        let r = residents::tracked(&mut tx, c.resident_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let field = crate::fieldwork::TRACKED_FIELDS
            .into_iter()
            .find(|f| *f == c.field)
            .ok_or_else(|| AppError::Internal("unknown conflict field".into()))?;
        residents::apply_tracked(
            &mut tx,
            &r,
            &[(field, c.proposed_value.clone())],
            Some(caller.account_id),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(c.commune_id),
            account_id: Some(caller.account_id),
            action: "resolve_conflict",
            entity: "resident",
            entity_id: Some(c.resident_id),
        },
        Some(&serde_json::json!({"field": c.field, "value": c.current_value})),
        Some(
            &serde_json::json!({"field": c.field, "choice": status, "proposed": c.proposed_value}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/conflicts"))
}

#[derive(Deserialize)]
struct AssignQuery {
    q: Option<String>,
    hamlet: Option<i64>,
    page: Option<i64>,
}

/// Households a page of the assignment list shows.
const ASSIGN_PER_PAGE: i64 = 50;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    head_name: Option<String>,
    address: Option<String>,
    member_name: Option<String>,
}

#[derive(Template)]
#[template(path = "assignments.html")]
struct AssignmentsPage {
    shell: Shell,
    enabled: bool,
    is_admin: bool,
    hamlet_id: Option<i64>,
    hamlets: Vec<(i64, String)>,
    q: String,
    rows: Vec<Row>,
    members: Vec<members::Member>,
    counts: Vec<(String, i64)>,
    /// Households matching the search, over all pages.
    total: i64,
    page: i64,
    pages: i64,
}

/// The hamlet whose households the caller assigns: their own, or one the commune admin picks.
impl AssignmentsPage {
    fn is_hamlet(&self, id: &i64) -> bool {
        self.hamlet_id == Some(*id)
    }
}

async fn hamlet_for(
    s: &SharedState,
    caller: &Caller,
    requested: Option<i64>,
) -> Result<(Option<i64>, Vec<(i64, String)>), AppError> {
    let scope = caller.require_personal()?;
    let hamlets = super::activities::hamlet_choices(s, caller).await?;
    let chosen = match scope.hamlet_id {
        Some(h) => Some(h),
        None => requested.filter(|r| hamlets.iter().any(|h| h.0 == *r)),
    };
    Ok((chosen, hamlets))
}

async fn assignment_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<AssignQuery>,
) -> Result<Html<String>, AppError> {
    if !matches!(caller.role, Role::HamletHead | Role::CommuneAdmin) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    let enabled = settings::is_on(&s.db, scope.commune_id, settings::ASSIGNMENT).await?;
    let (hamlet_id, hamlets) = hamlet_for(&s, &caller, q.hamlet).await?;
    let text = q.q.unwrap_or_default();
    let mut total = 0;
    let mut page = 1;
    // The households are listed only while assignment is on: off, there is nothing to assign.
    let (rows, team_members, counts) = match hamlet_id.filter(|_| enabled) {
        Some(h) => {
            let mut f = Filter::default();
            f.add("h.hamlet_id = ?", h);
            f.raw("h.active = 1");
            f.search("h.search_text", &text);
            total =
                s.db.scalar_i64(
                    &format!("SELECT COUNT(*) FROM households h{}", f.where_sql()),
                    &f.params,
                )
                .await?;
            let pages = (total + ASSIGN_PER_PAGE - 1) / ASSIGN_PER_PAGE;
            page = q.page.unwrap_or(1).clamp(1, pages.max(1));
            let limit = f.push(ASSIGN_PER_PAGE);
            let offset = f.push((page - 1) * ASSIGN_PER_PAGE);
            let rows: Vec<Row> = s
                .db
                .fetch_all(
                    &format!(
                        "SELECT h.id, h.code, h.head_name, h.address, m.full_name AS member_name \
                         FROM households h LEFT JOIN household_assignments ha ON ha.household_id = h.id \
                         LEFT JOIN members m ON m.id = ha.member_id{} ORDER BY h.code LIMIT {limit} OFFSET {offset}",
                        f.where_sql()
                    ),
                    &f.params,
                )
                .await?;
            let ms = members::active_in_hamlet(&s.db, h).await?;
            let counts: Vec<(String, i64)> = s
                .db
                .fetch_all(
                    "SELECT m.full_name, COUNT(*) FROM household_assignments ha JOIN members m ON m.id = ha.member_id \
                     JOIN households h ON h.id = ha.household_id WHERE h.hamlet_id = $1 GROUP BY m.full_name ORDER BY m.full_name",
                    &[h.into()],
                )
                .await?;
            (rows, ms, counts)
        }
        None => (vec![], vec![], vec![]),
    };
    render(&AssignmentsPage {
        shell: Shell::new(&caller, "Giao hộ cho thành viên", "/assignments"),
        enabled,
        is_admin: caller.role == Role::CommuneAdmin,
        hamlet_id,
        hamlets,
        q: text,
        rows,
        members: team_members,
        counts,
        total,
        page,
        pages: ((total + ASSIGN_PER_PAGE - 1) / ASSIGN_PER_PAGE).max(1),
    })
}

/// Assigns the checked households (`household` fields) to `member_id` (empty: unassign).
async fn assign(
    State(s): State<SharedState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !matches!(caller.role, Role::HamletHead | Role::CommuneAdmin) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let (hamlet_id, _) =
        hamlet_for(&s, &caller, get("hamlet").and_then(|v| v.parse().ok())).await?;
    let hamlet_id = hamlet_id.ok_or_else(|| AppError::invalid("Chọn ấp."))?;
    let member_id: Option<i64> = get("member_id")
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| AppError::invalid("Chọn thành viên."))
        })
        .transpose()?;
    if let Some(m) = member_id {
        let team = db::activities::hamlet_team(&s.db, hamlet_id).await?;
        let member = members::get(&s.db, m).await?;
        if member.is_none_or(|mm| Some(mm.team_id) != team || mm.active != 1) {
            return Err(AppError::invalid("Thành viên không thuộc Tổ CNSCĐ của ấp."));
        }
    }
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "household")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(AppError::invalid("Chọn ít nhất một hộ."));
    }
    let mut tx = s.db.begin_write().await?;
    for id in &ids {
        let row: Option<(i64, i64)> =
            crate::db::query_as("SELECT commune_id, hamlet_id FROM households WHERE id = $1")
                .bind(*id)
                .fetch_optional(&mut *tx)
                .await?;
        if row != Some((scope.commune_id, hamlet_id)) {
            return Err(AppError::NotFound);
        }
        assignments::set(&mut tx, scope.commune_id, *id, member_id, caller.account_id).await?;
    }
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(scope.commune_id),
            account_id: Some(caller.account_id),
            action: "assign_households",
            entity: "member",
            entity_id: member_id,
        },
        None::<&()>,
        Some(&ids),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/assignments?hamlet={hamlet_id}")))
}

/// The commune turns assignment on or off (`enabled=on|off`).
async fn set_assignment(
    State(s): State<SharedState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let commune_id = caller.commune_id.ok_or(AppError::Forbidden)?;
    if !caller.can_edit_areas(commune_id) {
        return Err(AppError::Forbidden);
    }
    let value = match form.get("enabled").map(String::as_str) {
        Some("on") => "on",
        Some("off") => "off",
        _ => return Err(AppError::invalid("Chọn bật hoặc tắt.")),
    };
    let mut tx = s.db.begin_write().await?;
    settings::set(&mut tx, commune_id, settings::ASSIGNMENT, value).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(commune_id),
            account_id: Some(caller.account_id),
            action: "set_setting",
            entity: "commune_settings",
            entity_id: Some(commune_id),
        },
        None::<&()>,
        Some(&serde_json::json!({"assignment": value})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/assignments"))
}
