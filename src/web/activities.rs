//! Team activities: the month view against the minimum of 4, a new activity, one activity
//! with the members present and the help given during it.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{self, activities, audit, help, members};
use crate::error::AppError;
use crate::fieldwork::{self, ACTIVITY_KINDS};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/new", get(new_form))
        .route("/activities/calendar", get(calendar))
        .route("/activities/{id}", get(show))
        .route("/activities/{id}/confirm", axum::routing::post(confirm))
}

/// May confirm an automatic round of this hamlet team: the hamlet's head, or the team's
/// leader (a member account whose member is the team's Tổ trưởng).
async fn can_confirm(
    s: &SharedState,
    caller: &Caller,
    a: &activities::Activity,
) -> Result<bool, AppError> {
    match caller.role {
        Role::HamletHead => Ok(caller.area_id == a.hamlet_id),
        Role::TeamMember => match caller.member_id {
            Some(m) => Ok(members::get(&s.db, m).await?.is_some_and(|m| {
                m.team_id == a.team_id && m.position == "leader" && m.active == 1
            })),
            None => Ok(false),
        },
        _ => Ok(false),
    }
}

/// Confirms an automatic door-to-door round: one tap from the month's list, or with the place
/// and the members present from the round's page.
async fn confirm(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let scope = caller.require_personal()?;
    let a = activities::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_confirm(&s, &caller, &a).await? {
        return Err(AppError::Forbidden);
    }
    let present: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let place = pairs
        .iter()
        .find(|(k, _)| k == "place")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(200).collect::<String>());
    let back = pairs
        .iter()
        .find(|(k, _)| k == "back")
        .is_some_and(|(_, v)| v == "list");
    // The round's page sends the whole list of members present; the one-tap button none.
    let given = pairs.iter().any(|(k, _)| k == "members_given");
    let members = given.then_some(present.as_slice());
    let mut tx = s.db.begin_write().await?;
    if activities::confirm(&mut tx, id, a.hamlet_id, place.as_deref(), members).await? {
        audit::record(
            &mut tx,
            audit::Entry {
                commune_id: Some(scope.commune_id),
                account_id: Some(caller.account_id),
                action: "confirm",
                entity: "activity",
                entity_id: Some(id),
            },
            None::<&()>,
            Some(&serde_json::json!({"place": place, "members": present})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(if back {
        see_other(&format!(
            "/activities?month={}#activities",
            &a.activity_date[..7]
        ))
    } else {
        see_other(&format!("/activities/{id}"))
    })
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ActivitiesPage {
    shell: Shell,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    teams: Vec<activities::TeamMonth>,
    items: Vec<activities::Activity>,
    minimum: i64,
    can_create: bool,
    /// The caller may confirm automatic rounds (hamlet head, team leader).
    can_confirm: bool,
}

fn month_label(month: &str) -> String {
    format!("{}/{}", &month[5..7], &month[..4])
}

fn shift_month(month: &str, delta: i32) -> String {
    let y: i32 = month[..4].parse().unwrap_or(2026);
    let m: i32 = month[5..7].parse().unwrap_or(1);
    let n = y * 12 + (m - 1) + delta;
    format!("{:04}-{:02}", n.div_euclid(12), n.rem_euclid(12) + 1)
}

/// May record activities for the hamlet: its head and members, and the commune admin.
fn can_create(caller: &Caller) -> bool {
    matches!(
        caller.role,
        Role::HamletHead | Role::TeamMember | Role::CommuneAdmin
    )
}

async fn list(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let today = db::today();
    let month = q
        .month
        .filter(|m| fieldwork::month_bounds(m).is_some())
        .unwrap_or_else(|| today[..7].to_string());
    let (from, to) = fieldwork::month_bounds(&month).ok_or(AppError::NotFound)?;
    let teams =
        activities::month_by_team(&s.db, scope.commune_id, scope.hamlet_id, &from, &to).await?;
    let items = activities::list(&s.db, scope.commune_id, scope.hamlet_id, &from, &to).await?;
    let mut can_confirm = false;
    if let Some(a) = items.iter().find(|a| a.confirmed == 0) {
        can_confirm = self::can_confirm(&s, &caller, a).await?;
    }
    render(&ActivitiesPage {
        shell: Shell::new(&caller, "Buổi hoạt động", "/activities"),
        month_label: month_label(&month),
        prev: shift_month(&month, -1),
        next: shift_month(&month, 1),
        month: month.clone(),
        teams,
        items,
        minimum: fieldwork::MONTHLY_MINIMUM,
        can_create: can_create(&caller),
        can_confirm,
    })
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct ActivityForm {
    shell: Shell,
    error: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    hamlets: Vec<(i64, String)>,
    members: Vec<members::Member>,
    values: HashMap<String, String>,
    checked: Vec<i64>,
}

impl ActivityForm {
    fn value(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
    fn is_kind(&self, code: &str) -> bool {
        self.value("kind") == code
    }
    fn is_checked(&self, id: &i64) -> bool {
        self.checked.contains(id)
    }
}

/// The hamlets the caller may record activities for, with their team.
pub(super) async fn hamlet_choices(
    s: &SharedState,
    caller: &Caller,
) -> Result<Vec<(i64, String)>, AppError> {
    let scope = caller.require_personal()?;
    let areas = db::areas::visible_to(&s.db, caller).await?;
    Ok(areas
        .into_iter()
        .filter(|a| a.level == "hamlet" && a.active == 1)
        .filter(|a| scope.hamlet_id.is_none_or(|h| h == a.id))
        .map(|a| (a.id, a.name))
        .collect())
}

async fn form_page(
    s: &SharedState,
    caller: &Caller,
    values: HashMap<String, String>,
    checked: Vec<i64>,
    error: Option<String>,
) -> Result<ActivityForm, AppError> {
    let hamlets = hamlet_choices(s, caller).await?;
    let hamlet = values
        .get("hamlet_id")
        .and_then(|v| v.parse::<i64>().ok())
        .or_else(|| hamlets.first().map(|h| h.0));
    let members = match hamlet {
        Some(h) => members::active_in_hamlet(&s.db, h).await?,
        None => vec![],
    };
    Ok(ActivityForm {
        shell: Shell::new(caller, "Ghi buổi hoạt động", "/activities"),
        error,
        kinds: ACTIVITY_KINDS.to_vec(),
        hamlets,
        members,
        values,
        checked,
    })
}

async fn new_form(State(s): State<SharedState>, caller: Caller) -> Result<Html<String>, AppError> {
    if !can_create(&caller) {
        return Err(AppError::Forbidden);
    }
    let mut values = HashMap::new();
    values.insert("activity_date".to_string(), db::today());
    let checked = caller.member_id.into_iter().collect();
    render(&form_page(&s, &caller, values, checked, None).await?)
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !can_create(&caller) {
        return Err(AppError::Forbidden);
    }
    let scope = caller.require_personal()?;
    let checked: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let values: HashMap<String, String> =
        pairs.into_iter().filter(|(k, _)| k != "member").collect();
    let v = |k: &str| {
        values
            .get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let result: Result<i64, AppError> = async {
        let hamlet_id: i64 = v("hamlet_id")
            .parse()
            .map_err(|_| AppError::invalid("Chọn ấp."))?;
        if !hamlet_choices(&s, &caller).await?.iter().any(|h| h.0 == hamlet_id) {
            return Err(AppError::invalid("Chọn một ấp trong danh sách."));
        }
        let team_id = activities::hamlet_team(&s.db, hamlet_id)
            .await?
            .ok_or_else(|| AppError::invalid("Ấp này chưa có Tổ CNSCĐ."))?;
        let kind = v("kind");
        if fieldwork::activity_kind_label(&kind).is_empty() {
            return Err(AppError::invalid("Chọn loại hoạt động."));
        }
        let date = crate::text::parse_date(&v("activity_date"))
            .ok_or_else(|| AppError::invalid("Ngày không hợp lệ (ngày/tháng/năm)."))?;
        let date = fieldwork::check_date(&date, &db::today())?;
        let place = fieldwork::clean_text(Some(&v("place")), 200, "Địa điểm")?;
        let notes = fieldwork::clean_text(Some(&v("notes")), 2000, "Ghi chú")?;
        let reached: i64 = match v("residents_reached").as_str() {
            "" => 0,
            n => n
                .parse()
                .ok()
                .filter(|n| (0..=100_000).contains(n))
                .ok_or_else(|| AppError::invalid("Số người được tiếp cận phải là số không âm."))?,
        };
        let team_members: Vec<i64> = members::active_in_hamlet(&s.db, hamlet_id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let present: Vec<i64> = checked
            .iter()
            .copied()
            .filter(|m| team_members.contains(m))
            .collect();
        let mut tx = s.db.begin_write().await?;
        let id = activities::insert(
            &mut tx,
            &activities::NewActivity {
                client_id: None,
                commune_id: scope.commune_id,
                hamlet_id,
                team_id,
                kind: &kind,
                date: &date,
                place: place.as_deref(),
                residents_reached: reached,
                notes: notes.as_deref(),
                created_by: Some(caller.account_id),
                confirmed: true,
            },
            &present,
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                commune_id: Some(scope.commune_id),
                account_id: Some(caller.account_id),
                action: "create",
                entity: "activity",
                entity_id: Some(id),
            },
            None::<&()>,
            Some(&serde_json::json!({"kind": kind, "date": date, "members": present, "reached": reached})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/activities/{id}"))),
        Err(e @ AppError::Invalid(_)) => {
            let msg = e.user_message();
            let page = form_page(&s, &caller, values, checked, Some(msg)).await?;
            let html = render(&page)?;
            Ok(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    shell: Shell,
    a: activities::Activity,
    present: Vec<activities::Present>,
    help: Vec<help::HelpEntry>,
    /// Shown with the confirmation form of an unconfirmed round.
    team: Vec<members::Member>,
    can_confirm: bool,
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let a = activities::get(&s.db, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let present = activities::members_present(&s.db, id).await?;
    let mut help = help::for_activity(&s.db, id).await?;
    // A member who sees only assigned households sees only help given to them.
    if let Some(m) = scope.assigned_to {
        let theirs: std::collections::HashSet<i64> = db::assignments::of_member(&s.db, m)
            .await?
            .into_iter()
            .collect();
        help.retain(|h| theirs.contains(&h.household_id));
    }
    let can_confirm = a.confirmed == 0 && can_confirm(&s, &caller, &a).await?;
    let team = if can_confirm {
        members::for_team(&s.db, a.team_id)
            .await?
            .into_iter()
            .filter(|m| m.active == 1)
            .collect()
    } else {
        vec![]
    };
    render(&ActivityPage {
        shell: Shell::new(&caller, a.kind_label(), "/activities"),
        a,
        present,
        help,
        team,
        can_confirm,
    })
}

#[derive(Deserialize)]
struct CalendarQuery {
    month: Option<String>,
    hamlet: Option<i64>,
}

/// One day cell of the month grid; `day` is 0 for the padding before the 1st.
struct DayCell {
    day: u32,
    /// Id, label, and whether it counts (an automatic round not yet confirmed does not).
    items: Vec<(i64, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    hamlets: Vec<(i64, String)>,
    hamlet: i64,
    hamlet_name: String,
    weeks: Vec<Vec<DayCell>>,
    count: i64,
    unconfirmed: i64,
    minimum: i64,
}

/// A hamlet team's month as a calendar, against the minimum of 4 activities.
async fn calendar(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<CalendarQuery>,
) -> Result<Html<String>, AppError> {
    let scope = caller.require_personal()?;
    let hamlets = hamlet_choices(&s, &caller).await?;
    let (hamlet, hamlet_name) = q
        .hamlet
        .and_then(|h| hamlets.iter().find(|(id, _)| *id == h))
        .or(hamlets.first())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let today = db::today();
    let month = q
        .month
        .filter(|m| fieldwork::month_bounds(m).is_some())
        .unwrap_or_else(|| today[..7].to_string());
    let (from, to) = fieldwork::month_bounds(&month).ok_or(AppError::NotFound)?;
    let items = activities::list(&s.db, scope.commune_id, Some(hamlet), &from, &to).await?;
    let first = chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d")
        .map_err(|e| AppError::Internal(format!("month start: {e}")))?;
    let last: u32 = to[8..10].parse().unwrap_or(28);
    // Weeks start on Monday, as Vietnamese calendars do.
    let pad = chrono::Datelike::weekday(&first).num_days_from_monday();
    let mut cells: Vec<DayCell> = (0..pad)
        .map(|_| DayCell {
            day: 0,
            items: vec![],
        })
        .collect();
    for day in 1..=last {
        let date = format!("{month}-{day:02}");
        cells.push(DayCell {
            day,
            items: items
                .iter()
                .filter(|a| a.activity_date == date)
                .map(|a| (a.id, a.kind_label(), a.confirmed == 1))
                .collect(),
        });
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(DayCell {
            day: 0,
            items: vec![],
        });
    }
    let mut weeks = Vec::new();
    let mut it = cells.into_iter().peekable();
    while it.peek().is_some() {
        weeks.push(it.by_ref().take(7).collect());
    }
    render(&CalendarPage {
        shell: Shell::new(&caller, "Lịch hoạt động", "/activities"),
        month_label: month_label(&month),
        prev: shift_month(&month, -1),
        next: shift_month(&month, 1),
        month,
        hamlets,
        hamlet,
        hamlet_name,
        weeks,
        count: items.iter().filter(|a| a.confirmed == 1).count() as i64,
        unconfirmed: items.iter().filter(|a| a.confirmed == 0).count() as i64,
        minimum: fieldwork::MONTHLY_MINIMUM,
    })
}
