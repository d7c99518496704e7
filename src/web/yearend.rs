//! Year-end pages: the team's self-evaluation (the hamlet head submits it), award nominations
//! (the commune leader decides) and good practices proposed for replication.

mod scoring;

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{areas, members, teams, yearend};
use crate::error::{AppError, Result};
use crate::indicators::period;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/year-end", get(show))
        .route("/year-end/evaluation", post(save_evaluation))
        .route("/year-end/nominations", post(propose))
        .route("/year-end/nominations/{id}/decide", post(decide))
        .route("/year-end/practices", post(propose_practice))
        .merge(scoring::routes())
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i64>,
}

fn year_or_now(y: Option<i64>, today: &str) -> Result<i64> {
    let this_year = period::month_of_date(today)
        .map_or_else(|| period::year_of(period::current_month()), period::year_of);
    let year = y.unwrap_or(this_year);
    if !(period::FIRST_YEAR..=period::LAST_YEAR).contains(&year) {
        return Err(AppError::invalid("Năm không hợp lệ."));
    }
    Ok(year)
}

/// Year-end work is the commune's and its hamlets', and it names people: accounts without
/// personal data (province, finance, operator) have none of it.
fn commune_of(caller: &Caller) -> Result<i64> {
    Ok(caller.require_personal()?.commune_id)
}

/// Longest text accepted in a year-end field: it goes into a table cell of the report.
const MAX_TEXT: usize = 2000;

fn text_field(s: &str, what: &str) -> Result<String> {
    super::forms::long_text(s, what, MAX_TEXT)
}

struct TeamLine {
    team: teams::Team,
    evaluation: Option<yearend::Evaluation>,
}

impl TeamLine {
    fn submitted(&self) -> bool {
        self.evaluation
            .as_ref()
            .is_some_and(|e| e.status == "submitted")
    }
}

#[derive(Template)]
#[template(path = "yearend.html")]
struct YearEndPage {
    shell: Shell,
    year: i64,
    teams: Vec<TeamLine>,
    /// The hamlet head's own team and its evaluation, editable until submitted.
    own: Option<TeamLine>,
    /// Each nomination with its team's place on the scored sheet (`Hạng 2/17 · 86,5 điểm`).
    nominations: Vec<(yearend::Nomination, String)>,
    practices: Vec<yearend::Practice>,
    nominees: Vec<(String, String)>,
    ratings: [(&'static str, &'static str); 4],
    can_propose: bool,
    can_decide: bool,
    /// The scored sheet, for commune accounts and hamlet heads.
    sheet: Option<SheetView>,
    /// The ranked teams the caller may nominate in one step.
    ranked: Vec<RankedTeam>,
    can_score: bool,
    methods: Vec<(&'static str, String)>,
}

struct CriterionView {
    column: String,
    c: crate::scoring::Criterion,
    method_code: &'static str,
    method_label: String,
    /// The exact computation of an automatic measure; empty for a manual criterion.
    definition: &'static str,
}

struct CellView {
    points: String,
    /// What the points rest on, or the commune's note.
    basis: String,
    column: String,
    name: String,
    max_points: i64,
}

struct SheetRow {
    rank: i64,
    team: String,
    /// One per criterion, in the sheet's order.
    cells: Vec<CellView>,
    total: String,
    own: bool,
}

struct ScoreRow {
    team_id: i64,
    team: String,
    value: String,
    note: String,
}

/// The admin's form for one manual criterion: every team's points at once.
struct ScoreForm {
    id: i64,
    column: String,
    name: String,
    max_points: i64,
    rows: Vec<ScoreRow>,
}

struct SheetView {
    reference: String,
    max_total: i64,
    criteria: Vec<CriterionView>,
    rows: Vec<SheetRow>,
    forms: Vec<ScoreForm>,
    /// Nothing stored yet: the set the commune would start from.
    provisional: bool,
    tie_rule: &'static str,
}

struct RankedTeam {
    rank: i64,
    team_id: i64,
    team: String,
    total: String,
    standing: String,
}

fn sheet_view(
    sheet: &crate::scoring::Sheet,
    manual: &std::collections::HashMap<(i64, i64), crate::scoring::Manual>,
    (provisional, own_hamlet_team): (bool, Option<i64>),
    can_score: bool,
) -> SheetView {
    use crate::scoring::{Criterion, Method, format_tenths};
    let criteria = sheet
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| CriterionView {
            column: Criterion::column(i),
            c: c.clone(),
            method_code: c.method.code(),
            method_label: c.method.label(),
            definition: match c.method {
                Method::Auto(m) => m.definition(),
                Method::Manual => "",
            },
        })
        .collect();
    let rows = sheet
        .teams
        .iter()
        .map(|t| SheetRow {
            rank: t.rank,
            team: t.team.clone(),
            cells: t
                .points
                .iter()
                .zip(&sheet.criteria)
                .enumerate()
                .map(|(i, (p, c))| CellView {
                    points: p.tenths.map_or("–".to_string(), format_tenths),
                    basis: p.basis.clone(),
                    column: Criterion::column(i),
                    name: c.name.clone(),
                    max_points: c.max_points,
                })
                .collect(),
            total: format_tenths(t.total),
            own: Some(t.team_id) == own_hamlet_team,
        })
        .collect();
    // Teams in a fixed order for scoring, not the ranking's: the admin works down the list.
    let mut in_order: Vec<&crate::scoring::TeamLine> = sheet.teams.iter().collect();
    in_order.sort_by_key(|t| t.team_id);
    let forms = if can_score && !provisional {
        sheet
            .criteria
            .iter()
            .enumerate()
            .filter(|(_, c)| c.method.is_manual())
            .map(|(i, c)| ScoreForm {
                id: c.id,
                column: Criterion::column(i),
                name: c.name.clone(),
                max_points: c.max_points,
                rows: in_order
                    .iter()
                    .map(|t| {
                        let m = manual.get(&(c.id, t.team_id));
                        ScoreRow {
                            team_id: t.team_id,
                            team: t.team.clone(),
                            value: m.map_or(String::new(), |m| format_tenths(m.tenths)),
                            note: m.map_or(String::new(), |m| m.note.clone()),
                        }
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    SheetView {
        reference: crate::text::format_date(&sheet.reference_date),
        max_total: sheet.max_total(),
        criteria,
        rows,
        forms,
        provisional,
        tie_rule: crate::scoring::TIE_RULE,
    }
}

async fn show(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let commune = commune_of(&caller)?;
    let year = year_or_now(q.year, &s.settings.today())?;
    let evaluations = yearend::evaluations(&s.db, commune, year).await?;
    let all_teams: Vec<teams::Team> = teams::for_commune(&s.db, commune)
        .await?
        .into_iter()
        .filter(|t| t.kind == "hamlet" && t.active == 1)
        .collect();
    let in_scope = |t: &teams::Team| caller.area_level == "commune" || t.area_id == caller.area_id;
    let lines: Vec<TeamLine> = all_teams
        .iter()
        .filter(|t| in_scope(t))
        .map(|t| TeamLine {
            team: t.clone(),
            evaluation: evaluations.iter().find(|e| e.team_id == t.id).cloned(),
        })
        .collect();
    let own = if caller.role == Role::HamletHead {
        lines
            .iter()
            .find(|l| l.team.area_id == caller.area_id)
            .map(|l| TeamLine {
                team: l.team.clone(),
                evaluation: l.evaluation.clone(),
            })
    } else {
        None
    };
    let can_propose = matches!(caller.role, Role::CommuneAdmin | Role::HamletHead);
    let mut nominees = Vec::new();
    if can_propose {
        for t in all_teams.iter().filter(|t| in_scope(t)) {
            nominees.push((format!("team:{}", t.id), format!("Tập thể: {}", t.name)));
            for m in members::for_team(&s.db, t.id).await? {
                if m.active == 1 {
                    nominees.push((
                        format!("member:{}", m.id),
                        format!("Cá nhân: {} ({})", m.full_name, t.name),
                    ));
                }
            }
        }
    }
    // The scored sheet: commune accounts and hamlet heads read it, the admin keeps it. The
    // admin's first look at a year seeds its criteria (not a future year's: nothing to score).
    let today = s.settings.today();
    let can_score = caller.role == Role::CommuneAdmin;
    let sees_sheet = caller.area_level == "commune" || caller.role == Role::HamletHead;
    // Checked first without a write lock: the admin opens this page often, the seed happens once.
    if can_score
        && year <= year_or_now(None, &today)?
        && !crate::db::scoring::seeded(&s.db, commune, year).await?
    {
        let mut tx = s.db.begin_write().await?;
        scoring::seed_audited(&mut tx, &caller, commune, year).await?;
        tx.commit().await?;
    }
    let sheet = if sees_sheet {
        let area = areas::get(&s.db, commune)
            .await?
            .ok_or(AppError::NotFound)?;
        Some(crate::db::scoring::sheet(&s.db, &area, year, &today).await?)
    } else {
        None
    };
    let own_team = own.as_ref().map(|o| o.team.id);
    let ranked: Vec<RankedTeam> = match &sheet {
        Some(sh) if can_propose => sh
            .teams
            .iter()
            .filter(|l| all_teams.iter().any(|t| t.id == l.team_id && in_scope(t)))
            .map(|l| RankedTeam {
                rank: l.rank,
                team_id: l.team_id,
                team: l.team.clone(),
                total: crate::scoring::format_tenths(l.total),
                standing: sh.standing(l.team_id).unwrap_or_default(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let rank_of = |team: Option<i64>| match (&sheet, team) {
        (Some(sh), Some(t)) => sh.line_of(t).map_or(String::new(), |l| {
            format!(
                "Hạng {}/{} · {} điểm",
                l.rank,
                sh.teams.len(),
                crate::scoring::format_tenths(l.total)
            )
        }),
        _ => String::new(),
    };
    let sheet_view = match &sheet {
        Some(sh) => {
            let provisional = !crate::db::scoring::seeded(&s.db, commune, year).await?;
            let manual = crate::db::scoring::manual_scores(&s.db, commune, year).await?;
            Some(sheet_view(sh, &manual, (provisional, own_team), can_score))
        }
        None => None,
    };
    let page = YearEndPage {
        shell: Shell::new(&caller, format!("Đánh giá cuối năm {year}"), "/reports"),
        year,
        teams: lines,
        own,
        // A hamlet sees its own team's nominations; the commune sees all.
        nominations: yearend::nominations(&s.db, commune, year)
            .await?
            .into_iter()
            .filter(|n| {
                caller.area_level == "commune"
                    || all_teams
                        .iter()
                        .any(|t| Some(t.id) == n.team_id && t.area_id == caller.area_id)
            })
            .map(|n| {
                let rank = if n.kind == "team" {
                    rank_of(n.team_id)
                } else {
                    String::new()
                };
                (n, rank)
            })
            .collect(),
        practices: yearend::practices(&s.db, commune, year)
            .await?
            .into_iter()
            .filter(|p| caller.area_level == "commune" || p.hamlet_id == Some(caller.area_id))
            .collect(),
        nominees,
        ratings: yearend::RATINGS,
        can_propose,
        can_decide: caller.role == Role::CommuneLeader,
        sheet: sheet_view,
        ranked,
        can_score,
        methods: crate::scoring::methods(),
    };
    Ok(render(&page)?.into_response())
}

async fn audited(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    (commune, action, entity, id): (i64, &str, &str, i64),
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Result<()> {
    super::audited(
        tx,
        caller,
        commune,
        (action, entity, Some(id)),
        before,
        Some(after),
    )
    .await
}

#[derive(Deserialize)]
struct EvaluationForm {
    year: i64,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    results: String,
    #[serde(default)]
    strengths: String,
    #[serde(default)]
    weaknesses: String,
    #[serde(default)]
    proposals: String,
    #[serde(default)]
    action: String,
}

async fn save_evaluation(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<EvaluationForm>,
) -> Result<Response> {
    if caller.role != Role::HamletHead {
        return Err(AppError::Forbidden);
    }
    let commune = commune_of(&caller)?;
    let year = year_or_now(Some(f.year), &s.settings.today())?;
    let team = teams::for_area(&s.db, caller.area_id)
        .await?
        .into_iter()
        .find(|t| t.kind == "hamlet" && t.active == 1)
        .ok_or_else(|| AppError::invalid("Ấp chưa có Tổ CNSCĐ để đánh giá."))?;
    let edit = yearend::EvaluationEdit {
        rating: f.rating.trim().to_string(),
        results: text_field(&f.results, "Kết quả nổi bật")?,
        strengths: text_field(&f.strengths, "Ưu điểm")?,
        weaknesses: text_field(&f.weaknesses, "Hạn chế, khó khăn")?,
        proposals: text_field(&f.proposals, "Đề xuất")?,
    };
    let submit = f.action == "submit";
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    let (id, before) = yearend::save_evaluation(
        &mut tx,
        (commune, team.id, year),
        &edit,
        (submit, &today, caller.account_id),
    )
    .await?;
    let mut after = serde_json::to_value(&edit).unwrap_or_default();
    after["status"] = serde_json::json!(if submit { "submitted" } else { "draft" });
    audited(
        &mut tx,
        &caller,
        (
            commune,
            if submit { "submit" } else { "update" },
            "team_evaluation",
            id,
        ),
        before.and_then(|b| serde_json::to_value(b).ok()).as_ref(),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#evaluation")))
}

#[derive(Deserialize)]
struct NominationForm {
    year: i64,
    nominee: String,
    #[serde(default)]
    reason: String,
}

async fn propose(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<NominationForm>,
) -> Result<Response> {
    if !matches!(caller.role, Role::CommuneAdmin | Role::HamletHead) {
        return Err(AppError::Forbidden);
    }
    let commune = commune_of(&caller)?;
    let year = year_or_now(Some(f.year), &s.settings.today())?;
    let bad = || AppError::invalid("Hãy chọn tập thể hoặc cá nhân được đề xuất.");
    let (kind, id) = f.nominee.split_once(':').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    // The nominee must be a team or member the caller may propose: in the commune, and for a
    // hamlet head in their own hamlet.
    let (kind, team_id, member_id, name, team_area) = match kind {
        "team" => {
            let t = teams::get(&s.db, id)
                .await?
                .filter(|t| t.commune_id == commune && t.active == 1)
                .ok_or_else(bad)?;
            ("team", Some(t.id), None, t.name, t.area_id)
        }
        "member" => {
            let m = members::get(&s.db, id)
                .await?
                .filter(|m| m.commune_id == commune && m.active == 1)
                .ok_or_else(bad)?;
            let t = teams::get(&s.db, m.team_id).await?.ok_or_else(bad)?;
            ("individual", Some(t.id), Some(m.id), m.full_name, t.area_id)
        }
        _ => return Err(bad()),
    };
    if caller.role == Role::HamletHead && team_area != caller.area_id {
        return Err(AppError::Forbidden);
    }
    let reason = text_field(&f.reason, "Thành tích, lý do đề xuất")?;
    let mut tx = s.db.begin_write().await?;
    let n = yearend::NewNomination {
        year,
        kind,
        team_id,
        member_id,
        nominee: &name,
        reason: &reason,
    };
    let nid = yearend::propose(&mut tx, commune, &n, caller.account_id).await?;
    audited(
        &mut tx,
        &caller,
        (commune, "create", "award_nomination", nid),
        None,
        &serde_json::json!({"year": year, "kind": kind, "nominee": name, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("/year-end?year={year}#nominations")))
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
}

async fn decide(
    State(s): State<SharedState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response> {
    if caller.role != Role::CommuneLeader {
        return Err(AppError::Forbidden);
    }
    let commune = commune_of(&caller)?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("Hãy chọn đồng ý hoặc không đồng ý.")),
    };
    let before = yearend::nomination(&s.db, commune, id).await?;
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    yearend::decide(&mut tx, commune, id, approve, (&today, caller.account_id)).await?;
    audited(
        &mut tx,
        &caller,
        (commune, "decide", "award_nomination", id),
        serde_json::to_value(&before).ok().as_ref(),
        &serde_json::json!({"status": if approve { "approved" } else { "rejected" }}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/year-end?year={}#nominations",
        before.year
    )))
}

#[derive(Deserialize)]
struct PracticeForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

async fn propose_practice(
    State(s): State<SharedState>,
    caller: Caller,
    Form(f): Form<PracticeForm>,
) -> Result<Response> {
    if !matches!(caller.role, Role::CommuneAdmin | Role::HamletHead) {
        return Err(AppError::Forbidden);
    }
    let commune = commune_of(&caller)?;
    let hamlet = (caller.role == Role::HamletHead).then_some(caller.area_id);
    let title = crate::text::clean(&f.title);
    if title.chars().count() > 200 {
        return Err(AppError::invalid(
            "Tên mô hình, cách làm dài quá 200 ký tự; hãy viết gọn lại.",
        ));
    }
    let description = text_field(&f.description, "Cách làm")?;
    let today = s.settings.today();
    let mut tx = s.db.begin_write().await?;
    let id = yearend::propose_practice(
        &mut tx,
        (commune, hamlet),
        (&title, &description),
        (&today, caller.account_id),
    )
    .await?;
    audited(
        &mut tx,
        &caller,
        (commune, "create", "good_practice", id),
        None,
        &serde_json::json!({"title": title, "description": description}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/year-end?year={}#practices",
        &today[..4]
    )))
}
