//! The commune's yearly plan: quarterly tasks with their status, and the targets as data.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{self, areas, plans};
use crate::error::{AppError, Result};
use crate::indicators::catalog::{self, Target, Timing};
use crate::indicators::{Period, period};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/plan", get(show).post(create))
        .route("/plan/tasks", post(add_task))
        .route("/plan/tasks/{id}", post(update_task))
        .route("/plan/targets", post(add_target))
        .route("/plan/targets/{id}", post(set_target))
        .route("/plan/targets/{id}/delete", post(delete_target))
}

#[derive(Deserialize, Default)]
struct PlanQuery {
    year: Option<i64>,
    #[serde(default)]
    area: String,
}

/// The commune whose plan the caller reads: their own, or (province accounts) one they name.
async fn commune_of(s: &SharedState, caller: &Caller, area: &str) -> Result<areas::Area> {
    let area = if area.trim().is_empty() {
        // Everyone in a commune reads its plan, hamlet teams included: it is their work.
        match caller.commune_id {
            Some(c) => areas::get(&s.db, c).await?.ok_or(AppError::NotFound)?,
            None => {
                return Err(AppError::invalid(
                    "Chọn một xã để xem kế hoạch (thêm ?area=mã-xã vào địa chỉ).",
                ));
            }
        }
    } else {
        areas::visible_by_code(&s.db, caller, area.trim()).await?
    };
    match area.level.as_str() {
        "commune" => Ok(area),
        "hamlet" => match area.commune_id {
            Some(c) => areas::visible_by_id(&s.db, caller, c).await,
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::invalid(
            "Kế hoạch lập cho từng xã: hãy chọn một xã.",
        )),
    }
}

fn admin_commune(caller: &Caller) -> Result<i64> {
    match (caller.role, caller.commune_id) {
        (Role::CommuneAdmin, Some(c)) => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

struct TaskView {
    task: plans::Task,
}

struct QuarterView {
    quarter: i64,
    label: String,
    period_code: String,
    tasks: Vec<TaskView>,
    expected: Vec<String>,
    /// The targets due in this quarter, judged on the quarter's figures.
    results: Vec<super::indicators::FigureRow>,
}

struct TargetView {
    id: i64,
    name: String,
    when: String,
    value: i64,
    unit: &'static str,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    shell: Shell,
    commune: areas::Area,
    year: i64,
    years: Vec<i64>,
    plan: Option<plans::Plan>,
    has_previous: bool,
    quarters: Vec<QuarterView>,
    targets: Vec<TargetView>,
    can_edit: bool,
    statuses: [(&'static str, &'static str); 3],
    indicators: Vec<(String, String)>,
    area_param: String,
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<PlanQuery>,
) -> Result<Response> {
    let commune = commune_of(&s, &caller, &q.area).await?;
    let this_year = period::year_of(period::current_month());
    let year = q.year.unwrap_or(this_year);
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&year) {
        return Err(AppError::invalid("Năm kế hoạch không hợp lệ."));
    }
    let plan = plans::get(&s.db, commune.id, year).await?;
    let has_previous = plans::get(&s.db, commune.id, year - 1).await?.is_some();
    let defs =
        db::indicators::definitions(&s.db, Some(commune.id), &format!("{year}-01-01")).await?;
    let name_of = |code: &str| {
        defs.iter()
            .find(|d| d.code == code)
            .map_or(code.to_string(), |d| d.name.clone())
    };
    let (tasks, target_rows) = match &plan {
        Some(p) => (
            plans::tasks(&s.db, p.id).await?,
            plans::targets(&s.db, p.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let targets: Vec<Target> = match &plan {
        Some(_) => target_rows.iter().filter_map(|t| t.to_target()).collect(),
        None => catalog::default_targets(),
    };
    let mut quarters = Vec::new();
    for q in 1..=4 {
        let qp = Period::Quarter { year, quarter: q };
        let due: Vec<&Target> = targets
            .iter()
            .filter(|t| t.timing != Timing::Every && (t.quarter == q || (q == 4 && t.quarter == 0)))
            .collect();
        let results = if due.is_empty() || qp.first_month() > period::current_month() {
            Vec::new()
        } else {
            let figures = db::indicators::figures(&s.db, &commune, &qp).await?;
            figures
                .iter()
                .filter(|f| due.iter().any(|t| t.indicator == f.code))
                .map(super::indicators::FigureRow::from)
                .collect()
        };
        let qtasks: Vec<TaskView> = tasks
            .iter()
            .filter(|t| t.quarter == q)
            .map(|t| TaskView { task: t.clone() })
            .collect();
        let mut expected: Vec<String> = Vec::new();
        for t in &qtasks {
            if !t.task.expected_results.is_empty() && !expected.contains(&t.task.expected_results) {
                expected.push(t.task.expected_results.clone());
            }
        }
        quarters.push(QuarterView {
            quarter: q,
            label: format!("Quý {}", period::roman(q)),
            period_code: qp.code(),
            tasks: qtasks,
            expected,
            results,
        });
    }
    let target_views = target_rows
        .iter()
        .filter_map(|row| {
            let t = row.to_target()?;
            let kind = defs.iter().find(|d| d.code == t.indicator).map(|d| d.kind);
            Some(TargetView {
                id: row.id,
                name: name_of(&t.indicator),
                when: t.when(),
                value: t.value,
                unit: if kind == Some(catalog::Kind::Count) {
                    ""
                } else {
                    "%"
                },
            })
        })
        .collect();
    let can_edit = caller.role == Role::CommuneAdmin && caller.commune_id == Some(commune.id);
    let page = PlanPage {
        shell: Shell::new(&caller, format!("Kế hoạch năm {year}"), "/plan"),
        area_param: if q.area.is_empty() {
            String::new()
        } else {
            format!("&area={}", commune.code)
        },
        commune,
        year,
        years: (this_year - 2..=this_year + 1).collect(),
        plan,
        has_previous,
        quarters,
        targets: target_views,
        can_edit,
        statuses: crate::plan::TASK_STATUSES,
        indicators: defs
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct YearForm {
    year: i64,
}

async fn create(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<YearForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&f.year) {
        return Err(AppError::invalid("Năm kế hoạch không hợp lệ."));
    }
    if plans::get(&s.db, commune, f.year).await?.is_some() {
        return Err(AppError::invalid(format!(
            "Xã đã có kế hoạch năm {}.",
            f.year
        )));
    }
    let mut tx = s.db.begin_write().await?;
    let (id, copied) = plans::create(&mut tx, commune, f.year, Some(caller.account_id)).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("create", "plan", Some(id)),
        None::<&()>,
        Some(&serde_json::json!({"year": f.year, "copied_from_previous_year": copied})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/plan?year={}", f.year)))
}

#[derive(Deserialize)]
struct TaskForm {
    status: String,
    #[serde(default)]
    note: String,
}

async fn update_task(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let before = plans::task(&s.db, commune, id).await?;
    let year = plan_year(&s, before.plan_id).await?;
    let mut tx = s.db.begin_write().await?;
    plans::update_task(&mut tx, id, &f.status, &f.note, caller.account_id).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("update", "plan_task", Some(id)),
        Some(&serde_json::json!({"status": before.status, "note": before.note})),
        Some(&serde_json::json!({"status": f.status, "note": f.note.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/plan?year={year}#task-{id}")))
}

#[derive(Deserialize)]
struct NewTaskForm {
    year: i64,
    quarter: i64,
    content: String,
    #[serde(default)]
    unit_in_charge: String,
    #[serde(default)]
    expected_results: String,
}

async fn add_task(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<NewTaskForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let plan = plans::get(&s.db, commune, f.year)
        .await?
        .ok_or_else(|| AppError::invalid(format!("Chưa có kế hoạch năm {}.", f.year)))?;
    let mut tx = s.db.begin_write().await?;
    let id = plans::insert_task(
        &mut tx,
        plan.id,
        commune,
        f.quarter,
        1000,
        &f.content,
        &f.unit_in_charge,
        &f.expected_results,
    )
    .await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("create", "plan_task", Some(id)),
        None::<&()>,
        Some(&serde_json::json!({"quarter": f.quarter, "content": f.content.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/plan?year={}#task-{id}", f.year)))
}

/// Checks a target value against its indicator: a share is 0–100%.
fn check_value(defs: &[catalog::Definition], indicator: &str, value: &str) -> Result<i64> {
    let def = defs
        .iter()
        .find(|d| d.code == indicator)
        .ok_or_else(|| AppError::invalid("Chỉ tiêu không có trong danh mục."))?;
    let v: i64 = value
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("Mục tiêu phải là một số nguyên, ví dụ 80."))?;
    match def.kind {
        catalog::Kind::Ratio if !(0..=100).contains(&v) => {
            Err(AppError::invalid("Mục tiêu tỷ lệ phải từ 0 đến 100 (%)."))
        }
        _ if v < 0 => Err(AppError::invalid("Mục tiêu không được âm.")),
        _ => Ok(v),
    }
}

async fn add_target(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let year: i64 = field("year")
        .parse()
        .map_err(|_| AppError::invalid("Năm kế hoạch không hợp lệ."))?;
    let plan = plans::get(&s.db, commune, year)
        .await?
        .ok_or_else(|| AppError::invalid(format!("Chưa có kế hoạch năm {year}.")))?;
    let defs = db::indicators::definitions(&s.db, Some(commune), &format!("{year}-01-01")).await?;
    let value = check_value(&defs, field("indicator"), field("target"))?;
    let timing = Timing::parse(field("timing"))
        .ok_or_else(|| AppError::invalid("Chọn thời hạn: đến hết kỳ, trong quý hoặc mọi kỳ."))?;
    let quarter: i64 = field("quarter").parse().unwrap_or(-1);
    let quarter = match timing {
        Timing::Every => 0,
        Timing::In if (1..=4).contains(&quarter) => quarter,
        Timing::By if (0..=4).contains(&quarter) => quarter,
        _ => return Err(AppError::invalid("Chọn quý (hoặc cả năm) cho mục tiêu.")),
    };
    let target = Target::new(field("indicator"), timing, quarter, value);
    let mut tx = s.db.begin_write().await?;
    plans::upsert_target(&mut tx, plan.id, commune, &target).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("set", "plan_target", Some(plan.id)),
        None::<&()>,
        Some(&target),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/plan?year={year}#targets")))
}

#[derive(Deserialize)]
struct TargetForm {
    target: String,
}

async fn set_target(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<TargetForm>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let (plan_id, before) = plans::target_plan(&s.db, commune, id).await?;
    let defs = db::indicators::definitions(&s.db, Some(commune), &period::today_iso()).await?;
    let value = check_value(&defs, &before.indicator, &f.target)?;
    let mut tx = s.db.begin_write().await?;
    plans::set_target_value(&mut tx, commune, id, value).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("update", "plan_target", Some(id)),
        Some(&before),
        Some(&serde_json::json!({"target": value})),
    )
    .await?;
    tx.commit().await?;
    let year = plan_year(&s, plan_id).await?;
    Ok(see_other(&format!("/plan?year={year}#targets")))
}

async fn plan_year(s: &SharedState, plan_id: i64) -> Result<i64> {
    s.db.scalar_i64("SELECT year FROM plans WHERE id = $1", &[plan_id.into()])
        .await
}

async fn delete_target(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = admin_commune(&caller)?;
    let (plan_id, before) = plans::target_plan(&s.db, commune, id).await?;
    let mut tx = s.db.begin_write().await?;
    plans::delete_target(&mut tx, plan_id, id).await?;
    super::audited(
        &mut tx,
        &caller,
        commune,
        ("delete", "plan_target", Some(id)),
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    let year = plan_year(&s, plan_id).await?;
    Ok(see_other(&format!("/plan?year={year}#targets")))
}
