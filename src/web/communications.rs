//! Communications (tuyên truyền): what was broadcast, posted or filmed each month, recorded by
//! the commune or a hamlet team and counted in the reports.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{areas, communications};
use crate::error::{AppError, Result};
use crate::indicators::{Period, period};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/communications", get(list).post(create))
        .route("/communications/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

#[derive(Template)]
#[template(path = "communications.html")]
struct ListPage {
    shell: Shell,
    month: String,
    month_label: String,
    months: Vec<(String, String)>,
    items: Vec<Row>,
    /// The times of the caller's area: a hamlet's own (as its report counts them), or the
    /// whole commune's; `shared` is the commune-wide times a hamlet also sees.
    total: i64,
    shared: i64,
    channels: [(&'static str, &'static str); 6],
    /// Hamlets a new record may be for (a commune admin: all, plus commune-wide).
    hamlets: Vec<areas::Area>,
    can_record: bool,
    is_commune: bool,
    today: String,
}

struct Row {
    c: communications::Communication,
    can_delete: bool,
}

/// The commune admin, or whoever recorded it within their own hamlet.
fn may_delete(caller: &Caller, c: &communications::Communication) -> bool {
    caller.role == Role::CommuneAdmin
        || (can_record(caller)
            && c.created_by == Some(caller.account_id)
            && c.hamlet_id == hamlet_scope(caller))
}

fn commune_of(caller: &Caller) -> Result<i64> {
    caller.commune_id.ok_or(AppError::Forbidden)
}

fn hamlet_scope(caller: &Caller) -> Option<i64> {
    (caller.area_level == "hamlet").then_some(caller.area_id)
}

fn can_record(caller: &Caller) -> bool {
    matches!(
        caller.role,
        Role::CommuneAdmin | Role::HamletHead | Role::TeamMember
    )
}

async fn list(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response> {
    let commune = commune_of(&caller)?;
    let today = s.settings.today();
    let m = if q.month.is_empty() {
        period::month_of_date(&today).unwrap_or_else(period::current_month)
    } else {
        match Period::parse(&q.month)? {
            Period::Month(m) => m,
            _ => return Err(AppError::invalid("Chọn một tháng, ví dụ 2026-05.")),
        }
    };
    let month = period::month_code(m);
    let items = communications::month(&s.db, commune, hamlet_scope(&caller), &month).await?;
    let year = period::year_of(m);
    let hamlets = if caller.role == Role::CommuneAdmin {
        areas::children(&s.db, commune)
            .await?
            .into_iter()
            .filter(|a| a.active == 1)
            .collect()
    } else {
        Vec::new()
    };
    let page = ListPage {
        shell: Shell::new(&caller, "Tuyên truyền", "/communications"),
        month_label: Period::Month(m).label(),
        months: (period::month(year, 1)..=period::month(year, 12))
            .map(|mm| (period::month_code(mm), Period::Month(mm).label()))
            .collect(),
        total: items
            .iter()
            .filter(|c| hamlet_scope(&caller).is_none() || c.hamlet_id.is_some())
            .map(|c| c.times)
            .sum(),
        shared: items
            .iter()
            .filter(|c| hamlet_scope(&caller).is_some() && c.hamlet_id.is_none())
            .map(|c| c.times)
            .sum(),
        items: items
            .into_iter()
            .map(|c| Row {
                can_delete: may_delete(&caller, &c),
                c,
            })
            .collect(),
        month,
        channels: communications::CHANNELS,
        hamlets,
        can_record: can_record(&caller),
        is_commune: caller.area_level == "commune",
        today,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct NewForm {
    channel: String,
    #[serde(default)]
    title: String,
    date: String,
    #[serde(default)]
    times: String,
    /// A commune admin's choice: a hamlet id, or empty for commune-wide.
    #[serde(default)]
    hamlet: String,
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<NewForm>,
) -> Result<Response> {
    if !can_record(&caller) {
        return Err(AppError::Forbidden);
    }
    let commune = commune_of(&caller)?;
    if communications::channel_label(&f.channel).is_empty() {
        return Err(AppError::invalid("Hãy chọn hình thức tuyên truyền."));
    }
    let title = crate::text::clean(&f.title);
    if title.is_empty() || title.chars().count() > 300 {
        return Err(AppError::invalid(
            "Hãy ghi nội dung tuyên truyền (tối đa 300 ký tự).",
        ));
    }
    let date = crate::text::parse_date(&f.date)
        .ok_or_else(|| AppError::invalid("Ngày không hợp lệ: ghi theo dạng dd/mm/yyyy."))?;
    if date > s.settings.today() {
        return Err(AppError::invalid(
            "Ngày tuyên truyền không thể ở tương lai.",
        ));
    }
    if period::month_of_date(&date).is_none_or(|m| period::year_of(m) < period::FIRST_YEAR) {
        return Err(AppError::invalid(format!(
            "Ngày {} quá xa: ghi đủ năm, ví dụ 12/05/2026.",
            crate::text::format_date(&date)
        )));
    }
    let times: i64 = match f.times.trim() {
        "" => 1,
        t => t
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AppError::invalid("Số lần là một số từ 1 đến 1000."))?,
    };
    let hamlet_id = match hamlet_scope(&caller) {
        Some(h) => Some(h),
        None if f.hamlet.trim().is_empty() => None,
        None => {
            let id: i64 = f
                .hamlet
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("Ấp không hợp lệ."))?;
            let a = areas::visible_by_id(&s.db, &caller, id).await?;
            if a.level != "hamlet" || a.commune_id != Some(commune) || a.active != 1 {
                return Err(AppError::invalid("Ấp không hợp lệ."));
            }
            Some(a.id)
        }
    };
    let mut tx = s.db.begin_write().await?;
    let record = communications::NewCommunication {
        hamlet_id,
        channel: &f.channel,
        title: &title,
        date: &date,
        times,
    };
    let id = communications::insert(&mut tx, commune, &record, caller.account_id).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("create", "communication", Some(id)),
        None::<&()>,
        Some(&serde_json::json!({"channel": f.channel, "title": title, "date": date, "times": times, "hamlet_id": hamlet_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/communications?month={}", &date[..7])))
}

async fn delete(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = commune_of(&caller)?;
    let c = communications::get(&s.db, commune, id).await?;
    if !may_delete(&caller, &c) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.begin_write().await?;
    communications::deactivate(&mut tx, commune, id).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("delete", "communication", Some(id)),
        Some(&c),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/communications?month={}",
        &c.comm_date[..7]
    )))
}
