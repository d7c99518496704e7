//! Kinh phí pages (issue 19), the work of Phòng Kinh tế: the year's budget per source, the
//! monthly payment lists (finance prepares → the commune leader approves → finance marks it
//! paid), the sources, rates and rules, and the expenses with their scanned vouchers.
//! Who may do what: finance prepares and pays; the leader approves; the commune admin reads;
//! a hamlet head reads the lines of the hamlet's team. Every change is audited.

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::funding::{self as store, Adjustment, NewExpense, NewSource};
use crate::error::AppError;
use crate::funding::{self, Rules, Standing};
use crate::indicators::period::{self, Month, Period};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;

use super::forms::TypedBack;

type Result<T, E = AppError> = std::result::Result<T, E>;

/// A scanned voucher: a phone photo or a PDF scan, never more.
pub const MAX_VOUCHER: usize = 5 << 20;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/funding", get(overview))
        .route("/funding/setup", get(setup_page))
        .route("/funding/sources", post(add_source))
        .route("/funding/sources/{id}/allotment", post(set_allotment))
        .route("/funding/rates", post(add_rate))
        .route("/funding/rules", post(set_rules))
        .route("/funding/payments/{month}", get(list_page))
        .route("/funding/payments/{month}/file", get(list_file))
        .route("/funding/settlement", get(settlement_file))
        .route("/funding/payments/{month}/prepare", post(prepare))
        .route(
            "/funding/payments/{month}/adjustments",
            post(add_adjustment),
        )
        .route(
            "/funding/payments/{month}/adjustments/{line}/delete",
            post(remove_adjustment),
        )
        .route("/funding/payments/{month}/approve", post(approve))
        .route("/funding/payments/{month}/paid", post(mark_paid))
        .route("/funding/expenses", get(expenses_page).post(add_expense))
        .route(
            "/funding/expenses/{id}/voucher",
            get(voucher)
                .post(attach_voucher)
                .layer(DefaultBodyLimit::max(MAX_VOUCHER)),
        )
        .route("/funding/expenses/{id}/delete", post(remove_expense))
}

/// What the caller may do with the commune's money.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// Finance: prepares lists, marks them paid, keeps sources, rates and expenses.
    Keep,
    /// The commune leader: approves.
    Approve,
    /// The commune admin: reads.
    Read,
    /// A hamlet head: the lines of the hamlet's team only.
    Team(i64),
}

impl Access {
    pub fn keeps(&self) -> bool {
        *self == Access::Keep
    }
    pub fn approves(&self) -> bool {
        *self == Access::Approve
    }
    pub fn is_team(&self) -> bool {
        matches!(self, Access::Team(_))
    }
}

/// The commune and what the caller may do there; everyone else is refused.
pub fn access(c: &Caller) -> Result<(i64, Access)> {
    let commune = c.commune_id.ok_or(AppError::Forbidden)?;
    let a = match c.role {
        Role::Finance if c.area_level == "commune" => Access::Keep,
        Role::CommuneLeader if c.area_level == "commune" => Access::Approve,
        Role::CommuneAdmin if c.area_level == "commune" => Access::Read,
        Role::HamletHead => Access::Team(c.area_id),
        _ => return Err(AppError::Forbidden),
    };
    Ok((commune, a))
}

fn keeper(c: &Caller) -> Result<i64> {
    match access(c)? {
        (commune, Access::Keep) => Ok(commune),
        _ => Err(AppError::Forbidden),
    }
}

fn commune_reader(c: &Caller) -> Result<i64> {
    match access(c)? {
        (_, Access::Team(_)) => Err(AppError::Forbidden),
        (commune, _) => Ok(commune),
    }
}

fn parse_month(s: &str) -> Result<Month> {
    match Period::parse(s)? {
        Period::Month(m) => Ok(m),
        _ => Err(AppError::invalid("Chọn một tháng, ví dụ 2026-11.")),
    }
}

fn month_label(m: Month) -> String {
    format!("tháng {}/{}", period::month_number(m), period::year_of(m))
}

/// A source's row of the budget table.
pub struct BudgetRow {
    pub name: String,
    pub standing: Standing,
}

/// The budget table of a year, one row per source, with the totals last.
pub async fn budget(
    db: &crate::db::Db,
    commune: i64,
    year: i64,
) -> Result<(Vec<BudgetRow>, Standing)> {
    let sources = store::sources(db, commune, year).await?;
    let mut standing = store::standing(db, commune, year).await?;
    let mut total = Standing::default();
    let rows = sources
        .into_iter()
        .map(|s| {
            let st = standing.remove(&s.id).unwrap_or_default();
            total.allotted += st.allotted;
            total.approved += st.approved;
            total.paid += st.paid;
            total.spent += st.spent;
            BudgetRow {
                name: s.name,
                standing: st,
            }
        })
        .collect();
    Ok((rows, total))
}

#[derive(Template)]
#[template(path = "funding.html")]
struct OverviewPage {
    shell: Shell,
    year: i64,
    access: Access,
    rows: Vec<BudgetRow>,
    total: Standing,
    lists: Vec<(store::List, i64)>,
    this_month: String,
    this_month_label: String,
}

async fn overview(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let (commune, access) = access(&caller)?;
    let year = super::forms::year_param(&q)?;
    let (rows, total) = match access {
        Access::Team(_) => (vec![], Standing::default()),
        _ => budget(&s.db, commune, year).await?,
    };
    let mut lists = store::lists(&s.db, commune, year).await?;
    if let Access::Team(hamlet) = access {
        // A hamlet head sees the team's own total, not the commune's.
        for (l, total) in &mut lists {
            *total = store::lines(&s.db, l.id, Some(hamlet))
                .await?
                .iter()
                .map(|x| x.amount)
                .sum();
        }
    }
    let now = period::current_month();
    render(&OverviewPage {
        shell: Shell::new(&caller, "Kinh phí Tổ CNSCĐ", "/funding"),
        year,
        access,
        rows,
        total,
        lists,
        this_month: period::month_code(now),
        this_month_label: month_label(now),
    })
}

/// A line as the page shows it.
pub struct LineRow {
    pub id: i64,
    pub kind: &'static str,
    pub adjustment: bool,
    pub team: String,
    pub member: String,
    pub amount: i64,
    pub basis: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "funding_list.html")]
struct ListPage {
    shell: Shell,
    access: Access,
    month: String,
    label: String,
    list: Option<store::List>,
    lines: Vec<LineRow>,
    total: i64,
    by_source: Vec<(String, i64)>,
    overruns: Vec<String>,
    teams: Vec<(i64, String)>,
    /// The commune's members (id, name – team), for an adjustment to one person.
    members: Vec<(i64, String)>,
    sources: Vec<(i64, String)>,
    error: Option<String>,
    today: String,
    /// What was typed into the form that failed, shown again.
    typed: HashMap<String, String>,
}

impl TypedBack for ListPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn list_page(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
) -> Result<Response> {
    let m = parse_month(&month)?;
    Ok(list_view(&s, &caller, m, None, HashMap::new())
        .await?
        .into_response())
}

async fn list_view(
    s: &SharedState,
    caller: &Caller,
    m: Month,
    error: Option<String>,
    typed: HashMap<String, String>,
) -> Result<Html<String>> {
    let (commune, access) = access(caller)?;
    let list = store::list(&s.db, commune, m).await?;
    let team_area = match access {
        Access::Team(h) => Some(h),
        _ => None,
    };
    let stored = match &list {
        Some(l) => store::lines(&s.db, l.id, team_area).await?,
        None => vec![],
    };
    let mut by_source: Vec<(i64, String, i64)> = Vec::new();
    for l in &stored {
        match by_source.iter_mut().find(|(id, _, _)| *id == l.source_id) {
            Some(e) => e.2 += l.amount,
            None => by_source.push((l.source_id, l.source_name.clone(), l.amount)),
        }
    }
    let mut overruns = Vec::new();
    if list.as_ref().is_some_and(|l| l.status == "draft") && team_area.is_none() {
        let standing = store::standing(&s.db, commune, period::year_of(m)).await?;
        for (id, name, amount) in &by_source {
            let left = standing.get(id).map(Standing::remaining).unwrap_or(0);
            if *amount > left {
                overruns.push(format!(
                    "Nguồn «{name}»: danh sách này chi {} nhưng nguồn chỉ còn {} trong năm {}.",
                    funding::money(*amount),
                    funding::money(left),
                    period::year_of(m)
                ));
            }
        }
    }
    let lines: Vec<LineRow> = stored
        .iter()
        .map(|l| LineRow {
            id: l.id,
            kind: funding::rate_kind_label(&l.kind),
            adjustment: l.kind == "adjustment",
            team: l.team_name.clone(),
            member: l.member_name.clone().unwrap_or_default(),
            amount: l.amount,
            basis: l.basis.clone(),
            source: l.source_name.clone(),
        })
        .collect();
    let total = lines.iter().map(|l| l.amount).sum();
    let (teams, members, sources) = if access == Access::Keep {
        let teams: Vec<(i64, String)> = s
            .db
            .fetch_all(
                "SELECT id, name FROM teams WHERE commune_id = $1 AND active = 1 ORDER BY kind DESC, name",
                &[commune.into()],
            )
            .await?;
        let sources = store::sources(&s.db, commune, period::year_of(m))
            .await?
            .into_iter()
            .map(|x| (x.id, x.name))
            .collect();
        let members: Vec<(i64, String, String)> =
            s.db.fetch_all(
                "SELECT m.id, m.full_name, t.name FROM members m JOIN teams t ON t.id = m.team_id \
                 WHERE m.commune_id = $1 ORDER BY t.name, m.sort_key",
                &[commune.into()],
            )
            .await?;
        let members = members
            .into_iter()
            .map(|(id, name, team)| (id, format!("{name} – {team}")))
            .collect();
        (teams, members, sources)
    } else {
        (vec![], vec![], vec![])
    };
    render(&ListPage {
        shell: Shell::new(
            caller,
            format!("Danh sách chi {}", month_label(m)),
            "/funding",
        ),
        access,
        month: period::month_code(m),
        label: month_label(m),
        list,
        lines,
        total,
        by_source: by_source.into_iter().map(|(_, n, a)| (n, a)).collect(),
        overruns,
        teams,
        members,
        sources,
        error,
        today: s.settings.today(),
        typed,
    })
}

/// A form's failure shown on the list page with what went wrong (422), what was typed kept.
async fn list_error(
    s: &SharedState,
    caller: &Caller,
    m: Month,
    e: AppError,
    form: Option<&HashMap<String, String>>,
) -> Result<Response> {
    match e {
        AppError::Invalid(msg) => {
            let typed = form.cloned().unwrap_or_default();
            let page = list_view(s, caller, m, Some(msg), typed).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        other => Err(other),
    }
}

async fn audit(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    commune: i64,
    (action, entity, id): (&str, &str, Option<i64>),
    after: serde_json::Value,
) -> Result<()> {
    super::audited(
        tx,
        caller,
        commune,
        (action, entity, id),
        None::<&serde_json::Value>,
        Some(&after),
    )
    .await
}

async fn prepare(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let m = parse_month(&month)?;
    if m > period::current_month() {
        return list_error(
            &s,
            &caller,
            m,
            AppError::invalid(
                "Chưa đến tháng này: chỉ lập danh sách cho tháng hiện tại hoặc đã qua.",
            ),
            None,
        )
        .await;
    }
    let mut tx = s.db.begin_write().await?;
    let id = match store::prepare(&s.db, &mut tx, commune, m, caller.account_id).await {
        Ok(id) => id,
        Err(e) => return list_error(&s, &caller, m, e, None).await,
    };
    audit(
        &mut tx,
        &caller,
        commune,
        ("prepare", "payment_lists", Some(id)),
        serde_json::json!({"month": period::month_code(m)}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/funding/payments/{}",
        period::month_code(m)
    )))
}

async fn list_of(s: &SharedState, commune: i64, m: Month) -> Result<store::List> {
    store::list(&s.db, commune, m)
        .await?
        .ok_or_else(|| AppError::invalid("Danh sách tháng này chưa được lập."))
}

async fn add_adjustment(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    keeper(&caller)?;
    let m = parse_month(&month)?;
    match adjustment_with(&s, &caller, m, &f).await {
        Ok(_) => Ok(see_other(&format!(
            "/funding/payments/{}",
            period::month_code(m)
        ))),
        Err(e) => list_error(&s, &caller, m, e, Some(&f)).await,
    }
}

/// Adds an adjustment line to the draft list of `m` from a form's (or the API's) fields.
pub(super) async fn adjustment_with(
    s: &SharedState,
    caller: &Caller,
    m: Month,
    f: &HashMap<String, String>,
) -> Result<i64> {
    let commune = keeper(caller)?;
    let list = list_of(s, commune, m).await?;
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
    let int = |k: &str| get(k).parse::<i64>().ok();
    let team_id = int("team_id").ok_or_else(|| AppError::invalid("Chọn tổ được điều chỉnh."))?;
    let source_id = int("source_id").ok_or_else(|| AppError::invalid("Chọn nguồn kinh phí."))?;
    let amount = funding::parse_amount(get("amount"), true)?;
    if amount == 0 {
        return Err(AppError::invalid(
            "Số tiền điều chỉnh phải khác 0 (âm để thu hồi).",
        ));
    }
    let of = if get("for_month").is_empty() {
        m
    } else {
        parse_month(get("for_month"))?
    };
    let reason = crate::text::clean(get("reason"));
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(AppError::invalid(
            "Ghi lý do điều chỉnh (tối đa 300 ký tự).",
        ));
    }
    let adj = Adjustment {
        team_id,
        member_id: int("member_id"),
        month: of,
        source_id,
        amount,
        reason: &reason,
    };
    let mut tx = s.db.begin_write().await?;
    let id = store::add_adjustment(&s.db, &mut tx, commune, list.id, &adj).await?;
    audit(
        &mut tx,
        caller,
        commune,
        ("add_adjustment", "payment_lines", Some(id)),
        serde_json::json!({"list": list.id, "team": team_id, "amount": amount, "month": period::month_code(of), "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn remove_adjustment(
    State(s): State<SharedState>,
    caller: Caller,
    Path((month, line)): Path<(String, i64)>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let m = parse_month(&month)?;
    let list = list_of(&s, commune, m).await?;
    let mut tx = s.db.begin_write().await?;
    if let Err(e) = store::remove_adjustment(&mut tx, commune, list.id, line).await {
        return list_error(&s, &caller, m, e, None).await;
    }
    audit(
        &mut tx,
        &caller,
        commune,
        ("remove_adjustment", "payment_lines", Some(line)),
        serde_json::json!({"list": list.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/funding/payments/{}",
        period::month_code(m)
    )))
}

async fn approve(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let (commune, access) = access(&caller)?;
    if access != Access::Approve {
        return Err(AppError::Forbidden);
    }
    let m = parse_month(&month)?;
    let result = async {
        let list = list_of(&s, commune, m).await?;
        let lines = store::lines(&s.db, list.id, None).await?;
        // What the leader read is what is approved: a list prepared again or adjusted after
        // the page was opened is shown again first.
        let total: i64 = lines.iter().map(|l| l.amount).sum();
        let seen = (
            f.get("seen_prepared_at").and_then(|v| v.parse::<i64>().ok()),
            f.get("seen_total").and_then(|v| v.parse::<i64>().ok()),
            f.get("seen_lines").and_then(|v| v.parse::<usize>().ok()),
        );
        if seen != (Some(list.prepared_at), Some(total), Some(lines.len())) {
            return Err(AppError::invalid(
                "Danh sách vừa được lập lại hoặc sửa sau khi bạn mở trang. Hãy xem lại danh sách dưới đây rồi duyệt.",
            ));
        }
        let standing = store::standing(&s.db, commune, period::year_of(m)).await?;
        // Approving past a source's allotment needs the leader to say so.
        if !funding::overruns(&store::as_lines(&lines), &standing).is_empty() && !f.contains_key("overrun_ok") {
            return Err(AppError::invalid(
                "Danh sách vượt số còn lại của nguồn kinh phí (xem cảnh báo). Nếu vẫn duyệt, đánh dấu «Tôi biết danh sách vượt dự toán» rồi duyệt lại.",
            ));
        }
        let mut tx = s.db.begin_write().await?;
        store::approve(&mut tx, commune, list.id, caller.account_id).await?;
        audit(
            &mut tx,
            &caller,
            commune,
            ("approve", "payment_lists", Some(list.id)),
            serde_json::json!({"month": period::month_code(m), "total": total, "lines": lines.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/funding/payments/{}",
            period::month_code(m)
        ))),
        Err(e) => list_error(&s, &caller, m, e, None).await,
    }
}

async fn mark_paid(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let m = parse_month(&month)?;
    let result = async {
        let list = list_of(&s, commune, m).await?;
        let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
        let on = day_until_today(get("paid_on"), &s.settings.today(), "Ngày chi")?;
        let method = get("method");
        if !funding::PAY_METHODS.iter().any(|(c, _)| *c == method) {
            return Err(AppError::invalid("Chọn hình thức chi: tiền mặt hoặc chuyển khoản."));
        }
        let voucher = crate::text::clean(get("voucher_no"));
        if voucher.is_empty() || voucher.chars().count() > 60 {
            return Err(AppError::invalid("Nhập số chứng từ chi (phiếu chi, ủy nhiệm chi)."));
        }
        let mut tx = s.db.begin_write().await?;
        store::mark_paid(&mut tx, commune, list.id, (&on, method, &voucher)).await?;
        audit(
            &mut tx,
            &caller,
            commune,
            ("mark_paid", "payment_lists", Some(list.id)),
            serde_json::json!({"month": period::month_code(m), "paid_on": on, "method": method, "voucher_no": voucher}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/funding/payments/{}",
            period::month_code(m)
        ))),
        Err(e) => list_error(&s, &caller, m, e, Some(&f)).await,
    }
}

/// A day typed as `dd/mm/yyyy` (or `yyyy-mm-dd`) within the product's years and not after
/// `today`: a two-digit year ("26") would otherwise be the year 26.
pub(super) fn day_until_today(typed: &str, today: &str, what: &str) -> Result<String> {
    let bad = || {
        AppError::invalid(format!(
            "{what} không hợp lệ: nhập ngày dạng dd/mm/yyyy, ví dụ 05/11/2026."
        ))
    };
    let day = crate::text::parse_date(typed).ok_or_else(bad)?;
    let year: i64 = day[..4].parse().map_err(|_| bad())?;
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&year) {
        return Err(bad());
    }
    if day.as_str() > today {
        return Err(AppError::invalid(format!("{what} không được sau hôm nay.")));
    }
    Ok(day)
}

#[derive(Template)]
#[template(path = "funding_setup.html")]
struct SetupPage {
    shell: Shell,
    keeps: bool,
    year: i64,
    sources: Vec<store::Source>,
    rates: Vec<funding::Rate>,
    rules: Rules,
    rules_text: Vec<String>,
    called_out_choices: Vec<(&'static str, &'static str, bool)>,
    this_month: String,
    error: Option<String>,
    typed: HashMap<String, String>,
}

impl TypedBack for SetupPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn setup_view(
    s: &SharedState,
    caller: &Caller,
    year: i64,
    error: Option<String>,
    typed: HashMap<String, String>,
) -> Result<Html<String>> {
    let commune = commune_reader(caller)?;
    let keeps = keeper(caller).is_ok();
    let rules = store::rules(&s.db, commune).await?;
    let called_out_choices = crate::fieldwork::ACTIVITY_KINDS
        .iter()
        .map(|(c, l)| (*c, *l, rules.called_out.iter().any(|k| k == c)))
        .collect();
    render(&SetupPage {
        shell: Shell::new(caller, "Nguồn, định mức và điều kiện chi", "/funding"),
        keeps,
        year,
        sources: store::sources(&s.db, commune, year).await?,
        rates: store::rates(&s.db, commune).await?,
        rules_text: rules.explained(),
        rules,
        called_out_choices,
        this_month: period::month_code(period::current_month()),
        error,
        typed,
    })
}

async fn setup_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let year = super::forms::year_param(&q)?;
    setup_view(&s, &caller, year, None, HashMap::new()).await
}

async fn setup_error(
    s: &SharedState,
    caller: &Caller,
    e: AppError,
    form: &HashMap<String, String>,
) -> Result<Response> {
    match e {
        AppError::Invalid(msg) => {
            // The year the form was about (an allotment), else this one.
            let year = form
                .get("year")
                .and_then(|y| y.trim().parse::<i64>().ok())
                .filter(|y| (period::FIRST_YEAR..=period::LAST_YEAR).contains(y))
                .unwrap_or_else(|| period::year_of(period::current_month()));
            let page = setup_view(s, caller, year, Some(msg), form.clone()).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        other => Err(other),
    }
}

async fn add_source(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    keeper(&caller)?;
    match source_with(&s, &caller, &f).await {
        Ok(_) => Ok(see_other("/funding/setup")),
        Err(e) => setup_error(&s, &caller, e, &f).await,
    }
}

/// Adds a funding source (and this year's allotment) from a form's or the API's fields.
pub(super) async fn source_with(
    s: &SharedState,
    caller: &Caller,
    f: &HashMap<String, String>,
) -> Result<i64> {
    let commune = keeper(caller)?;
    let get = |k: &str| crate::text::clean(f.get(k).map_or("", String::as_str));
    let kind = get("kind");
    if !funding::SOURCE_KINDS.iter().any(|(c, _)| *c == kind) {
        return Err(AppError::invalid("Chọn loại nguồn."));
    }
    let name = get("name");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid(
            "Nhập tên nguồn (tối đa 200 ký tự), ví dụ: Nghị quyết số 26/2025/NQ-HĐND.",
        ));
    }
    let doc_number = get("doc_number");
    let doc_date = match get("doc_date").as_str() {
        "" => None,
        d => Some(
            crate::text::parse_date(d)
                .filter(|d| ("2000".."2101").contains(&&d[..4]))
                .ok_or_else(|| AppError::invalid("Ngày ban hành không hợp lệ (dd/mm/yyyy)."))?,
        ),
    };
    let cap = match get("cap_percent").as_str() {
        "" => None,
        c => Some(
            c.parse::<i64>()
                .ok()
                .filter(|c| (1..=1000).contains(c))
                .ok_or_else(|| {
                    AppError::invalid("Mức trần là phần trăm từ 1 đến 1000, ví dụ 200.")
                })?,
        ),
    };
    let year = period::year_of(period::current_month());
    let allotted = match get("allotted").as_str() {
        "" => 0,
        a => funding::parse_amount(a, false)?,
    };
    let mut tx = s.db.begin_write().await?;
    let id = store::add_source(
        &mut tx,
        commune,
        &NewSource {
            kind: &kind,
            name: &name,
            doc_number: (!doc_number.is_empty()).then_some(doc_number.as_str()),
            doc_date: doc_date.as_deref(),
            cap_percent: cap,
        },
    )
    .await?;
    store::set_allotment(&mut tx, id, year, allotted).await?;
    audit(
        &mut tx,
        caller,
        commune,
        ("add_source", "funding_sources", Some(id)),
        serde_json::json!({"kind": kind, "name": name, "doc_number": doc_number, "doc_date": doc_date, "cap_percent": cap, "year": year, "allotted": allotted}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn set_allotment(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let result = async {
        store::source(&s.db, commune, id).await?;
        let year = match f.get("year").map(|y| y.trim()) {
            Some(y) => match Period::parse(y)? {
                Period::Year(y) => y,
                _ => return Err(AppError::invalid("Chọn một năm, ví dụ 2026.")),
            },
            None => period::year_of(period::current_month()),
        };
        let amount = funding::parse_amount(f.get("amount").map_or("", String::as_str), false)?;
        let mut tx = s.db.begin_write().await?;
        store::set_allotment(&mut tx, id, year, amount).await?;
        audit(
            &mut tx,
            &caller,
            commune,
            ("set_allotment", "funding_sources", Some(id)),
            serde_json::json!({"year": year, "amount": amount}),
        )
        .await?;
        tx.commit().await?;
        Ok(year)
    }
    .await;
    match result {
        Ok(year) => Ok(see_other(&format!("/funding/setup?year={year}"))),
        Err(e) => setup_error(&s, &caller, e, &f).await,
    }
}

async fn add_rate(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    keeper(&caller)?;
    match rate_with(&s, &caller, &f).await {
        Ok(_) => Ok(see_other("/funding/setup#rates")),
        Err(e) => setup_error(&s, &caller, e, &f).await,
    }
}

/// Adds a rate from a month on, from a form's or the API's fields.
pub(super) async fn rate_with(
    s: &SharedState,
    caller: &Caller,
    f: &HashMap<String, String>,
) -> Result<i64> {
    let commune = keeper(caller)?;
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
    let source = get("source_id")
        .parse::<i64>()
        .map_err(|_| AppError::invalid("Chọn nguồn kinh phí của định mức."))?;
    let kind = get("kind");
    if !funding::RATE_KINDS.iter().any(|(c, _)| *c == kind) {
        return Err(AppError::invalid("Chọn loại định mức."));
    }
    let amount = funding::parse_amount(get("amount"), false)?;
    let from = parse_month(get("from_month"))?;
    let mut tx = s.db.begin_write().await?;
    let id = store::add_rate(&s.db, &mut tx, commune, (source, kind, amount, from)).await?;
    audit(
        &mut tx,
        caller,
        commune,
        ("add_rate", "funding_rates", Some(id)),
        serde_json::json!({"source": source, "kind": kind, "amount": amount, "from_month": period::month_code(from)}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn set_rules(State(s): State<SharedState>, caller: Caller, body: Bytes) -> Result<Response> {
    let commune = keeper(&caller)?;
    // Several `called_out` boxes share one name: read the form as pairs.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let called_out: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "called_out")
        .map(|(_, v)| v.clone())
        .filter(|v| crate::fieldwork::ACTIVITY_KINDS.iter().any(|(c, _)| c == v))
        .collect();
    let rules = Rules {
        team_needs_minimum: pairs
            .iter()
            .any(|(k, v)| k == "team_needs_minimum" && v == "1"),
        called_out,
    };
    let mut tx = s.db.begin_write().await?;
    store::set_rules(&mut tx, commune, &rules).await?;
    audit(
        &mut tx,
        &caller,
        commune,
        ("set_rules", "funding_rules", Some(commune)),
        serde_json::json!({"team_needs_minimum": rules.team_needs_minimum, "called_out": rules.called_out}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/funding/setup#rules"))
}

#[derive(Template)]
#[template(path = "funding_expenses.html")]
struct ExpensesPage {
    shell: Shell,
    keeps: bool,
    year: i64,
    expenses: Vec<store::Expense>,
    total: i64,
    sources: Vec<(i64, String)>,
    kinds: &'static [(&'static str, &'static str)],
    today: String,
    error: Option<String>,
    max_voucher_mb: usize,
    typed: HashMap<String, String>,
}

impl TypedBack for ExpensesPage {
    fn typed_fields(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

async fn expenses_view(
    s: &SharedState,
    caller: &Caller,
    year: i64,
    error: Option<String>,
    typed: HashMap<String, String>,
) -> Result<Html<String>> {
    let commune = commune_reader(caller)?;
    let expenses = store::expenses(&s.db, commune, year).await?;
    let total = expenses.iter().map(|e| e.amount).sum();
    render(&ExpensesPage {
        shell: Shell::new(caller, "Chi hoạt động", "/funding"),
        keeps: keeper(caller).is_ok(),
        year,
        expenses,
        total,
        sources: store::sources(&s.db, commune, year)
            .await?
            .into_iter()
            .map(|x| (x.id, x.name))
            .collect(),
        kinds: &funding::EXPENSE_KINDS,
        today: crate::text::format_date(&s.settings.today()),
        error,
        max_voucher_mb: MAX_VOUCHER >> 20,
        typed,
    })
}

async fn expenses_page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    let year = super::forms::year_param(&q)?;
    expenses_view(&s, &caller, year, None, HashMap::new()).await
}

async fn add_expense(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response> {
    keeper(&caller)?;
    match expense_with(&s, &caller, &f).await {
        Ok((_, on)) => Ok(see_other(&format!("/funding/expenses?year={}", &on[..4]))),
        Err(AppError::Invalid(msg)) => {
            let year = period::year_of(period::current_month());
            let page = expenses_view(&s, &caller, year, Some(msg), f.clone()).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Records an expense from a form's or the API's fields; its id and day.
pub(super) async fn expense_with(
    s: &SharedState,
    caller: &Caller,
    f: &HashMap<String, String>,
) -> Result<(i64, String)> {
    let commune = keeper(caller)?;
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
    let source_id = get("source_id")
        .parse::<i64>()
        .map_err(|_| AppError::invalid("Chọn nguồn kinh phí."))?;
    let spent_on = day_until_today(get("spent_on"), &s.settings.today(), "Ngày chi")?;
    let kind = get("kind");
    if !funding::EXPENSE_KINDS.iter().any(|(c, _)| *c == kind) {
        return Err(AppError::invalid("Chọn nội dung chi."));
    }
    let amount = funding::parse_amount(get("amount"), false)?;
    if amount == 0 {
        return Err(AppError::invalid("Số tiền chi phải lớn hơn 0."));
    }
    let description = crate::text::clean(get("description"));
    if description.is_empty() || description.chars().count() > 300 {
        return Err(AppError::invalid("Ghi nội dung chi (tối đa 300 ký tự)."));
    }
    let voucher_no = crate::text::clean(get("voucher_no"));
    if voucher_no.chars().count() > 60 {
        return Err(AppError::invalid("Số chứng từ tối đa 60 ký tự."));
    }
    let mut tx = s.db.begin_write().await?;
    let id = store::add_expense(
        &s.db,
        &mut tx,
        commune,
        caller.account_id,
        NewExpense {
            source_id,
            spent_on: &spent_on,
            kind,
            amount,
            voucher_no: (!voucher_no.is_empty()).then_some(voucher_no.as_str()),
            description: &description,
            voucher: None,
        },
    )
    .await?;
    audit(
        &mut tx,
        caller,
        commune,
        ("add_expense", "expenses", Some(id)),
        serde_json::json!({"source": source_id, "spent_on": spent_on, "kind": kind, "amount": amount, "voucher_no": voucher_no, "description": description}),
    )
    .await?;
    tx.commit().await?;
    Ok((id, spent_on))
}

/// What a voucher file is, from its first bytes (never from its name): PDF, JPEG or PNG.
pub fn voucher_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

#[derive(Deserialize)]
struct NameQuery {
    #[serde(default)]
    name: String,
}

async fn attach_voucher(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<NameQuery>,
    body: Bytes,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let kind = voucher_type(&body).ok_or_else(|| {
        AppError::invalid("Chứng từ phải là tệp PDF hoặc ảnh JPEG, PNG (ảnh chụp, bản quét).")
    })?;
    let name: String = q
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let name = if name.is_empty() {
        format!("chung-tu-{id}")
    } else {
        name
    };
    let mut tx = s.db.begin_write().await?;
    let n = crate::db::query(
        "UPDATE expenses SET voucher_name = $1, voucher_type = $2, voucher = $3 \
         WHERE id = $4 AND commune_id = $5 AND active = 1 AND voucher IS NULL",
    )
    .bind(&name)
    .bind(kind)
    .bind(body.to_vec())
    .bind(id)
    .bind(commune)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::invalid(
            "Không đính kèm được: khoản chi không còn, hoặc đã có tệp chứng từ.",
        ));
    }
    audit(
        &mut tx,
        &caller,
        commune,
        ("attach_voucher", "expenses", Some(id)),
        serde_json::json!({"name": name, "type": kind, "bytes": body.len()}),
    )
    .await?;
    tx.commit().await?;
    // Back to the expense's own year.
    let (on,): (String,) =
        s.db.fetch_one("SELECT spent_on FROM expenses WHERE id = $1", &[id.into()])
            .await?;
    Ok(see_other(&format!("/funding/expenses?year={}", &on[..4])))
}

async fn voucher(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = commune_reader(&caller)?;
    let (name, kind, bytes) = store::voucher(&s.db, commune, id).await?;
    let ascii: String = crate::text::fold(&name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn remove_expense(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response> {
    let commune = keeper(&caller)?;
    let mut tx = s.db.begin_write().await?;
    store::remove_expense(&mut tx, commune, id).await?;
    audit(
        &mut tx,
        &caller,
        commune,
        ("remove_expense", "expenses", Some(id)),
        serde_json::json!({"removed": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/funding/expenses"))
}

#[derive(Deserialize)]
struct FileQuery {
    #[serde(default)]
    format: String,
    #[serde(default)]
    period: String,
}

fn format_of(q: &FileQuery) -> Result<crate::reports::Format> {
    crate::reports::Format::parse(if q.format.is_empty() {
        "docx"
    } else {
        &q.format
    })
    .ok_or_else(|| AppError::invalid("Định dạng phải là docx, xlsx hoặc pdf."))
}

/// A file to download under a name without diacritics and the Vietnamese one (RFC 6266).
pub(super) fn download(
    bytes: Vec<u8>,
    format: crate::reports::Format,
    plain: &str,
    shown: &str,
) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(shown, percent_encoding::NON_ALPHANUMERIC);
    (
        [
            (header::CONTENT_TYPE, format.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{plain}.{ext}\"; filename*=UTF-8''{encoded}.{ext}",
                    ext = format.extension()
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The month's payment list to be signed (danh sách ký nhận), for the commune's offices.
async fn list_file(
    State(s): State<SharedState>,
    caller: Caller,
    Path(month): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response> {
    let commune = commune_reader(&caller)?;
    let m = parse_month(&month)?;
    let format = format_of(&q)?;
    let bytes = store::payment_file(&s.db, commune, m, &s.settings.today(), format).await?;
    let (n, y) = (period::month_number(m), period::year_of(m));
    Ok(download(
        bytes,
        format,
        &format!("danh-sach-ky-nhan-thang-{n}-{y}"),
        &format!("Danh sách ký nhận tháng {n}-{y}"),
    ))
}

/// The settlement report of a quarter or a year.
async fn settlement_file(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<FileQuery>,
) -> Result<Response> {
    let commune = commune_reader(&caller)?;
    let format = format_of(&q)?;
    let p = if q.period.trim().is_empty() {
        Period::Year(period::year_of(period::current_month()))
    } else {
        Period::parse(&q.period)?
    };
    let bytes = store::settlement_file(&s.db, commune, &p, &s.settings.today(), format).await?;
    let plain = crate::reports::build::file_name("quyet toan kinh phi", &p, "x");
    let plain = plain
        .trim_start_matches("bao-cao-")
        .trim_end_matches(".x")
        .to_string();
    Ok(download(
        bytes,
        format,
        &format!("quyet-toan-kinh-phi-{plain}"),
        &format!("Quyết toán kinh phí {}", p.label_lower().replace('/', "-")),
    ))
}
