//! The hamlet's queue of help requests (`/requests`): the team sees what is pending and what
//! was closed lately, the hamlet head gives a request to a member (or a member takes it), and
//! whoever helped closes it with the outcome, the resident it was for and the help recorded.
//! The requests come in through the public form (`request_form`) or from a member's phone.

use super::forms::Values;
use super::hamlet_scope::{hamlet_filter, hamlet_options, urlencode};
use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, PersonalScope, Role};
use crate::db::help_requests::{self, Closing, HelpRequest};
use crate::db::residents::{self, ListFilter};
use crate::db::{audit, help, members, services};
use crate::error::AppError;
use crate::text;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/requests", get(queue))
        .route("/requests/{id}", get(show))
        .route("/requests/{id}/assign", post(assign))
        .route("/requests/{id}/close", post(close))
}

pub const NOTE_MAX: usize = 500;

const OUTCOME_DONE: &str = "Đã hỗ trợ xong";
const OUTCOME_UNREACHED: &str = "Không liên hệ được";

// ---------------------------------------------------------------------------------------------
// Who may do what

/// May give the request to any member of the hamlet's team.
fn can_manage(caller: &Caller, r: &HelpRequest) -> bool {
    match caller.role {
        Role::CommuneAdmin => caller.commune_id == Some(r.commune_id),
        Role::HamletHead => {
            caller.commune_id == Some(r.commune_id) && caller.area_id == r.hamlet_id
        }
        _ => false,
    }
}

fn can_close(caller: &Caller, r: &HelpRequest) -> bool {
    match caller.role {
        Role::CommuneAdmin => caller.commune_id == Some(r.commune_id),
        Role::HamletHead | Role::TeamMember => {
            caller.commune_id == Some(r.commune_id) && caller.area_id == r.hamlet_id
        }
        _ => false,
    }
}

/// The caller's own member id, when they may take this open request for themself.
fn self_take(caller: &Caller, r: &HelpRequest) -> Option<i64> {
    let hamlet_team = matches!(caller.role, Role::HamletHead | Role::TeamMember)
        && caller.commune_id == Some(r.commune_id)
        && caller.area_id == r.hamlet_id;
    caller
        .member_id
        .filter(|_| hamlet_team && r.status == "open")
}

/// The request, if inside the caller's scope; any other is "not found".
async fn visible(
    s: &SharedState,
    caller: &Caller,
    id: i64,
) -> Result<(PersonalScope, HelpRequest), AppError> {
    let scope = caller.require_personal()?;
    let r = help_requests::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((scope, r))
}

fn shown_phone(caller: &Caller, r: &HelpRequest) -> (String, bool) {
    match &r.phone {
        Some(p) if caller.sees_full_phone(r.hamlet_id) => (p.clone(), true),
        Some(p) => (text::mask_phone(p), false),
        None => (String::new(), false),
    }
}

fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

// ---------------------------------------------------------------------------------------------
// The queue

#[derive(Deserialize, Default)]
struct QueueParams {
    #[serde(default)]
    area: String,
}

struct Row {
    r: HelpRequest,
    phone: String,
    phone_full: bool,
    created: String,
    closed: String,
    message: String,
    take: Option<i64>,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct QueuePage {
    shell: Shell,
    pending: Vec<Row>,
    closed: Vec<Row>,
    pending_limit: usize,
    commune_wide: bool,
    hamlets: Vec<(String, String)>,
    area: String,
    /// (hamlet name, path of its public form)
    links: Vec<(String, String)>,
    base_url: String,
}

const PENDING_LIMIT: i64 = 200;
const CLOSED_SHOWN: i64 = 20;

/// `scheme://host` of this site, for printing the public links; empty if the host is odd.
fn base_url(s: &SharedState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
    match host {
        Some(h) => {
            let scheme = if s.settings.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}")
        }
        None => String::new(),
    }
}

fn row(caller: &Caller, r: HelpRequest) -> Row {
    let (phone, phone_full) = shown_phone(caller, &r);
    Row {
        created: text::format_time(r.created_at),
        closed: r.closed_at.map(text::format_time).unwrap_or_default(),
        message: excerpt(r.message.as_deref().unwrap_or(""), 80),
        take: self_take(caller, &r),
        phone,
        phone_full,
        r,
    }
}

async fn queue(
    State(s): State<SharedState>,
    caller: Caller,
    headers: HeaderMap,
    Query(p): Query<QueueParams>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let commune_wide = scope.hamlet_id.is_none();
    let hamlet_id = if commune_wide {
        hamlet_filter(&s, &caller, &p.area).await?
    } else {
        None
    };
    let pending = help_requests::pending(&s.db, scope, hamlet_id, PENDING_LIMIT).await?;
    let closed = help_requests::recently_closed(&s.db, scope, hamlet_id, CLOSED_SHOWN).await?;
    let hamlets = hamlet_options(&s, &caller).await?;
    let links = hamlets
        .iter()
        .filter(|(id, _, _)| scope.hamlet_id.is_none_or(|h| h == *id))
        .filter(|(id, _, _)| hamlet_id.is_none_or(|h| h == *id))
        .map(|(_, code, name)| (name.clone(), format!("/yeu-cau/{}", urlencode(code))))
        .collect();
    render(&QueuePage {
        shell: Shell::new(&caller, "Yêu cầu hỗ trợ", "/requests"),
        pending_limit: PENDING_LIMIT as usize,
        pending: pending.into_iter().map(|r| row(&caller, r)).collect(),
        closed: closed.into_iter().map(|r| row(&caller, r)).collect(),
        commune_wide,
        hamlets: hamlets
            .into_iter()
            .map(|(_, code, name)| (code, name))
            .collect(),
        area: p.area,
        links,
        base_url: base_url(&s, &headers),
    })
}

// ---------------------------------------------------------------------------------------------
// One request: assign and close

struct Candidate {
    id: i64,
    name: String,
    detail: String,
    checked: bool,
}

/// What the close form said, kept when it is shown again.
#[derive(Default)]
struct CloseValues {
    resident_id: String,
    outcome: String,
    note: String,
    service: String,
}

#[derive(Template)]
#[template(path = "request.html")]
struct DetailPage {
    shell: Shell,
    r: HelpRequest,
    phone: String,
    phone_full: bool,
    created: String,
    closed: String,
    error: Option<String>,
    /// (member id, name, selected) of the hamlet team's active members, for the head/admin.
    members: Vec<(i64, String, bool)>,
    can_manage: bool,
    take: Option<i64>,
    can_close: bool,
    q: String,
    candidates: Vec<Candidate>,
    none_checked: bool,
    services: Vec<(String, String)>,
    form: CloseValues,
    note_max: usize,
}

#[derive(Deserialize, Default)]
struct DetailParams {
    q: Option<String>,
}

async fn detail_page(
    s: &SharedState,
    caller: &Caller,
    scope: PersonalScope,
    r: HelpRequest,
    q: Option<String>,
    form: Option<CloseValues>,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let error = error.map(|e| e.user_message());
    let manage = can_manage(caller, &r) && !r.is_closed();
    let closable = can_close(caller, &r) && !r.is_closed();
    let members = if manage {
        members::active_in_hamlet(&s.db, r.hamlet_id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.full_name, Some(m.id) == r.assigned_member_id))
            .collect()
    } else {
        vec![]
    };
    let form = form.unwrap_or_else(|| CloseValues {
        resident_id: r.resident_id.map(|i| i.to_string()).unwrap_or_default(),
        service: r.service_code.clone().unwrap_or_default(),
        ..Default::default()
    });
    let q = q.unwrap_or_else(|| r.requester_name.clone());
    let mut candidates = Vec::new();
    let mut services = Vec::new();
    if closable {
        let mut found = residents::list(
            &s.db,
            scope,
            &ListFilter {
                hamlet_id: Some(r.hamlet_id),
                q: &q,
                ..Default::default()
            },
            1,
            10,
        )
        .await?
        .items;
        // The resident already linked (a member recorded the request) is always offered.
        if let Some(rid) = r.resident_id
            && !found.iter().any(|x| x.id == rid)
            && let Some(x) = residents::get(&s.db, scope, rid).await?
        {
            found.insert(0, x);
        }
        // Residents with the phone the request came from are offered first.
        let same_phone = |x: &residents::Resident| x.phone.is_some() && x.phone == r.phone;
        found.sort_by_key(|x| !same_phone(x));
        let full = caller.sees_full_phone(r.hamlet_id);
        candidates = found
            .into_iter()
            .map(|x| {
                let mut detail = vec![format!("hộ {}", x.household_code)];
                let born = x.birth_label();
                if !born.is_empty() {
                    detail.push(format!("sinh {born}"));
                }
                if let Some(p) = &x.phone {
                    detail.push(if full { p.clone() } else { text::mask_phone(p) });
                }
                if same_phone(&x) {
                    detail.push("trùng số điện thoại của yêu cầu".into());
                }
                Candidate {
                    checked: form.resident_id == x.id.to_string(),
                    id: x.id,
                    name: x.full_name,
                    detail: detail.join(" · "),
                }
            })
            .collect();
        services = services::current(&s.db, Some(r.commune_id))
            .await?
            .into_iter()
            .map(|sv| (sv.code, sv.name))
            .collect();
        services.push((
            String::new(),
            "Việc khác (không ghi nhận nền tảng số)".into(),
        ));
    }
    let (phone, phone_full) = shown_phone(caller, &r);
    let page = DetailPage {
        shell: Shell::new(caller, format!("Yêu cầu hỗ trợ #{}", r.id), "/requests"),
        phone,
        phone_full,
        created: text::format_time(r.created_at),
        closed: r.closed_at.map(text::format_time).unwrap_or_default(),
        error,
        members,
        can_manage: manage,
        take: if manage { None } else { self_take(caller, &r) },
        can_close: closable,
        q,
        // "Not in the list" stays chosen when the form comes back with an error.
        none_checked: form.resident_id.is_empty() && !form.outcome.is_empty(),
        candidates,
        services,
        form,
        note_max: NOTE_MAX,
        r,
    };
    Ok((status, render(&page)?).into_response())
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(p): Query<DetailParams>,
) -> Result<Response, AppError> {
    let (scope, r) = visible(&s, &caller, id).await?;
    detail_page(&s, &caller, scope, r, p.q, None, None).await
}

#[derive(Serialize)]
struct AssignAudit<'a> {
    status: &'a str,
    assigned_member_id: Option<i64>,
}

/// The member the request goes to, if the caller may give it to them.
async fn check_assign(
    s: &SharedState,
    caller: &Caller,
    r: &HelpRequest,
    member_id: Option<i64>,
) -> Result<i64, AppError> {
    if r.is_closed() {
        return Err(AppError::invalid("Yêu cầu này đã đóng."));
    }
    let manage = can_manage(caller, r);
    let own_team = caller.role == Role::TeamMember
        && caller.commune_id == Some(r.commune_id)
        && caller.area_id == r.hamlet_id;
    if !manage && !own_team {
        return Err(AppError::Forbidden);
    }
    let Some(m) = member_id else {
        return Err(AppError::invalid("Chọn thành viên nhận yêu cầu."));
    };
    if !manage {
        // A team member takes requests for themself only, and not one a colleague holds.
        if caller.member_id != Some(m) {
            return Err(AppError::Forbidden);
        }
        if r.assigned_member_id.is_some_and(|a| a != m) {
            return Err(AppError::invalid(format!(
                "Yêu cầu này đã giao cho {}. Nếu cần đổi người, hãy báo trưởng ấp.",
                r.member_name.as_deref().unwrap_or("thành viên khác")
            )));
        }
    }
    if !members::active_in_hamlet(&s.db, r.hamlet_id)
        .await?
        .iter()
        .any(|x| x.id == m)
    {
        return Err(AppError::invalid(format!(
            "Thành viên được chọn không thuộc Tổ CNSCĐ {} hoặc đã rời tổ.",
            r.hamlet_name
        )));
    }
    Ok(m)
}

async fn assign(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (scope, r) = visible(&s, &caller, id).await?;
    let v = Values(form);
    let checked = match v.int("member_id", "Thành viên") {
        Ok(m) => check_assign(&s, &caller, &r, m).await,
        Err(e) => Err(e),
    };
    let member = match checked {
        Ok(m) => m,
        Err(e @ AppError::Invalid(_)) => {
            return detail_page(&s, &caller, scope, r, None, None, Some(e)).await;
        }
        Err(e) => return Err(e),
    };
    let mut tx = s.db.begin_write().await?;
    if !help_requests::assign(&mut tx, id, member).await? {
        tx.rollback().await?;
        let e = AppError::invalid("Yêu cầu này vừa được đóng.");
        return detail_page(&s, &caller, scope, r, None, None, Some(e)).await;
    }
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(r.commune_id),
            account_id: Some(caller.account_id),
            action: "assign",
            entity: "help_request",
            entity_id: Some(id),
        },
        Some(&AssignAudit {
            status: &r.status,
            assigned_member_id: r.assigned_member_id,
        }),
        Some(&AssignAudit {
            status: "assigned",
            assigned_member_id: Some(member),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/requests/{id}")))
}

/// What closing will write.
struct ClosePlan {
    resident_id: Option<i64>,
    /// The service to record a done help for (only with a resident and outcome done).
    help_service: Option<String>,
    note: String,
    done: bool,
}

#[derive(Serialize)]
struct CloseAudit<'a> {
    status: &'a str,
    outcome: Option<&'a str>,
    resident_id: Option<i64>,
    help_id: Option<i64>,
    close_note: Option<&'a str>,
}

async fn check_close(
    s: &SharedState,
    scope: PersonalScope,
    r: &HelpRequest,
    f: &CloseValues,
) -> Result<ClosePlan, AppError> {
    if r.is_closed() {
        return Err(AppError::invalid("Yêu cầu này đã đóng."));
    }
    let done = match f.outcome.as_str() {
        "done" => true,
        "unreached" => false,
        _ => {
            return Err(AppError::invalid(
                "Chọn kết quả: «Đã hỗ trợ xong» hoặc «Không liên hệ được».",
            ));
        }
    };
    if f.note.chars().count() > NOTE_MAX {
        return Err(AppError::invalid(format!(
            "Ghi chú dài quá {NOTE_MAX} ký tự."
        )));
    }
    if !done && f.note.is_empty() {
        return Err(AppError::invalid(
            "Khi không liên hệ được, hãy ghi chú lý do (ví dụ: gọi nhiều lần không nghe máy, \
             sai số điện thoại).",
        ));
    }
    let resident_id = if f.resident_id.is_empty() {
        None
    } else {
        let rid: i64 = f
            .resident_id
            .parse()
            .map_err(|_| AppError::invalid("Chọn nhân khẩu trong danh sách."))?;
        match residents::get(&s.db, scope, rid).await? {
            Some(x) if x.hamlet_id == r.hamlet_id => Some(x.id),
            _ => {
                return Err(AppError::invalid(format!(
                    "Nhân khẩu được chọn không thuộc {}.",
                    r.hamlet_name
                )));
            }
        }
    };
    let service = if f.service.is_empty() {
        None
    } else if Some(&f.service) == r.service_code.as_ref()
        || services::current(&s.db, Some(r.commune_id))
            .await?
            .iter()
            .any(|sv| sv.code == f.service)
    {
        Some(f.service.clone())
    } else {
        return Err(AppError::invalid(
            "Chọn nền tảng số đã hỗ trợ trong danh sách.",
        ));
    };
    Ok(ClosePlan {
        help_service: service.filter(|_| done && resident_id.is_some()),
        resident_id,
        note: f.note.clone(),
        done,
    })
}

/// The stored note starts with the outcome, so the record reads the same everywhere
/// ("Không liên hệ được: gọi 3 lần không nghe máy").
fn close_note(done: bool, note: &str) -> String {
    let outcome = if done {
        OUTCOME_DONE
    } else {
        OUTCOME_UNREACHED
    };
    if note.is_empty() {
        outcome.to_string()
    } else {
        format!("{outcome}: {note}")
    }
}

async fn close(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (scope, r) = visible(&s, &caller, id).await?;
    if !can_close(&caller, &r) {
        return Err(AppError::Forbidden);
    }
    let v = Values(form);
    let f = CloseValues {
        resident_id: v.get("resident_id"),
        outcome: v.get("outcome"),
        note: v.get("note"),
        // A form without the field closes with the service the resident asked for.
        service: if v.0.contains_key("service") {
            v.get("service")
        } else {
            r.service_code.clone().unwrap_or_default()
        },
    };
    let plan = match check_close(&s, scope, &r, &f).await {
        Ok(p) => p,
        Err(e @ AppError::Invalid(_)) => {
            return detail_page(&s, &caller, scope, r, None, Some(f), Some(e)).await;
        }
        Err(e) => return Err(e),
    };
    let member = r.assigned_member_id.or(caller.member_id);
    let today = crate::db::today();
    let mut tx = s.db.begin_write().await?;
    let help_id = match (&plan.help_service, plan.resident_id) {
        (Some(service), Some(resident_id)) => {
            let hid = help::insert(
                &mut tx,
                &help::NewHelp {
                    client_id: None,
                    commune_id: r.commune_id,
                    hamlet_id: r.hamlet_id,
                    resident_id,
                    member_id: member,
                    account_id: Some(caller.account_id),
                    service_code: Some(service),
                    dossier_kind: None,
                    done: true,
                    date: &today,
                    activity_id: None,
                },
            )
            .await?;
            audit::record(
                &mut tx,
                audit::Entry {
                    commune_id: Some(r.commune_id),
                    account_id: Some(caller.account_id),
                    action: "create",
                    entity: "help_record",
                    entity_id: Some(hid),
                },
                None::<&()>,
                Some(&serde_json::json!({
                    "resident_id": resident_id,
                    "member_id": member,
                    "service_code": service,
                    "done": true,
                    "help_date": today,
                    "help_request_id": id,
                })),
            )
            .await?;
            Some(hid)
        }
        _ => None,
    };
    let note = close_note(plan.done, &plan.note);
    let closed = help_requests::close(
        &mut tx,
        id,
        &Closing {
            resident_id: plan.resident_id,
            help_id,
            member_id: member,
            note: Some(&note),
        },
    )
    .await?;
    if !closed {
        tx.rollback().await?;
        let e = AppError::invalid("Yêu cầu này vừa được đóng.");
        return detail_page(&s, &caller, scope, r, None, Some(f), Some(e)).await;
    }
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: Some(r.commune_id),
            account_id: Some(caller.account_id),
            action: "close",
            entity: "help_request",
            entity_id: Some(id),
        },
        Some(&CloseAudit {
            status: &r.status,
            outcome: None,
            resident_id: r.resident_id,
            help_id: r.help_id,
            close_note: r.close_note.as_deref(),
        }),
        Some(&CloseAudit {
            status: "closed",
            outcome: Some(if plan.done { "done" } else { "unreached" }),
            resident_id: plan.resident_id.or(r.resident_id),
            help_id,
            close_note: Some(&note),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/requests/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_starts_with_the_outcome() {
        assert_eq!(close_note(true, ""), "Đã hỗ trợ xong");
        assert_eq!(
            close_note(false, "gọi 3 lần không nghe máy"),
            "Không liên hệ được: gọi 3 lần không nghe máy"
        );
    }
}
