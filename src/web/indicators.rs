//! The indicators API and the dashboards built on it.

use super::api_errors::ReadErrors;
use super::api_input::ApiQuery;
use super::{ApiCaller, ApiError, SharedState, Shell, render, see_other};
use crate::auth::Caller;
use crate::charts;
use crate::db::{self, areas, areas::Area};
use crate::error::{AppError, Result};
use crate::indicators::{Figure, Period};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/province", get(province))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AreaPeriod {
    /// Mã đơn vị (tỉnh, xã, ấp); mặc định đơn vị của tài khoản.
    #[serde(default)]
    pub area: String,
    /// Kỳ: tháng 2026-05, quý 2026-Q2 hoặc năm 2026; mặc định tháng này.
    #[serde(default)]
    #[param(example = "2026-Q2")]
    pub period: String,
}

impl AreaPeriod {
    /// The area (the caller's own when none is given; any other only if the caller may see
    /// it) and the period (this month when none is given).
    pub async fn resolve(&self, db: &db::Db, caller: &Caller) -> Result<(Area, Period)> {
        let area = if self.area.trim().is_empty() {
            areas::visible_by_id(db, caller, caller.area_id).await?
        } else {
            areas::visible_by_code(db, caller, self.area.trim()).await?
        };
        let period = if self.period.trim().is_empty() {
            Period::current()
        } else {
            Period::parse(&self.period)?
        };
        Ok((area, period))
    }
}

/// One indicator of an area and a period, as PRODUCT.md §4 defines it.
#[derive(Serialize, ToSchema)]
pub(super) struct IndicatorOut {
    code: String,
    name: String,
    numerator: i64,
    /// None for counts; a ratio with nobody to count has 0.
    denominator: Option<i64>,
    /// A percentage with one decimal for ratios, the count for counts; null with no
    /// denominator.
    value: Option<f64>,
    target: Option<i64>,
    met: Option<bool>,
    kind: crate::indicators::catalog::Kind,
    progress: crate::indicators::catalog::Progress,
    /// When the target is due, as the plan says it.
    target_when: Option<String>,
    area: String,
    period: String,
    /// The day the figures stand at, yyyy-mm-dd.
    reference_date: String,
}

/// Các chỉ tiêu của một đơn vị trong một kỳ
///
/// Tính trực tiếp từ dữ liệu, không có độ trễ.
#[utoipa::path(
    get,
    path = "/api/v1/indicators",
    tag = "Chỉ tiêu",
    params(AreaPeriod),
    responses((status = 200, description = "Các chỉ tiêu", body = Vec<IndicatorOut>), ReadErrors)
)]
pub(super) async fn api_indicators(
    State(s): State<SharedState>,
    ApiCaller(c): ApiCaller,
    ApiQuery(q): ApiQuery<AreaPeriod>,
) -> Result<Json<Vec<IndicatorOut>>, ApiError> {
    // Read-mostly: on a replica when one is configured and up to date.
    let db = s.db.reader(c.account_id);
    let (area, period) = q.resolve(&db, &c).await?;
    let figures = db::indicators::figures(&db, &area, &period).await?;
    Ok(Json(
        figures
            .into_iter()
            .map(|f| IndicatorOut {
                code: f.code,
                name: f.name,
                numerator: f.numerator,
                denominator: f.denominator,
                value: f.value,
                target: f.target,
                met: f.met,
                kind: f.kind,
                progress: f.progress,
                target_when: f.target_when,
                area: area.code.clone(),
                period: period.code(),
                reference_date: period.reference_date(),
            })
            .collect(),
    ))
}

/// The periods offered in the selector: the last twelve months, the quarters of this year and
/// last, and the two years.
fn period_options(selected: &Period) -> Vec<(String, String, bool)> {
    let now = crate::indicators::period::current_month();
    let year = crate::indicators::period::year_of(now);
    let mut list: Vec<Period> = (0..12).map(|i| Period::Month(now - i)).collect();
    for y in [year, year - 1] {
        for q in (1..=4).rev() {
            list.push(Period::Quarter {
                year: y,
                quarter: q,
            });
        }
        list.push(Period::Year(y));
    }
    if !list.contains(selected) {
        list.insert(0, *selected);
    }
    list.into_iter()
        .map(|p| (p.code(), p.label(), p == *selected))
        .collect()
}

pub(super) struct FigureRow {
    pub code: String,
    pub name: String,
    pub value: String,
    pub fraction: String,
    pub target: String,
    pub when: String,
    pub bar: i64,
    pub status: &'static str,
    pub css: &'static str,
}

impl From<&Figure> for FigureRow {
    fn from(f: &Figure) -> FigureRow {
        FigureRow {
            code: f.code.clone(),
            name: f.name.clone(),
            value: f.display(),
            fraction: match f.denominator {
                Some(d) => format!(
                    "{}/{}",
                    crate::text::format_int(f.numerator),
                    crate::text::format_int(d)
                ),
                None => String::new(),
            },
            target: f.target_display(),
            when: f.target_when.clone().unwrap_or_default(),
            bar: f.bar(),
            status: f.progress.label(),
            css: f.progress.css(),
        }
    }
}

/// One child area in a ranking or the province table: a few headline figures.
pub(super) struct RankRow {
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub adults: String,
    pub cells: Vec<FigureRow>,
}

/// The headline indicators of ranking tables.
const HEADLINE: [&str; 6] = [
    "adults_guided",
    "households_province_app",
    "adults_province_app",
    "adults_digital_skills",
    "teams_monthly_activity",
    "reports_on_time",
];

const HEADLINE_LABELS: [&str; 6] = [
    "Được hướng dẫn",
    "Hộ có Tây Ninh Smart",
    "Cài Tây Ninh Smart",
    "Kỹ năng số",
    "Hoạt động ≥ 4 buổi",
    "Báo cáo đúng hạn",
];

fn ranking(children: Vec<(Area, Vec<Figure>)>) -> Vec<RankRow> {
    let mut rows: Vec<(Option<f64>, RankRow)> = children
        .into_iter()
        .map(|(a, figs)| {
            let find = |code: &str| figs.iter().find(|f| f.code == code);
            let guided = find("adults_guided");
            let row = RankRow {
                rank: 0,
                code: a.code.clone(),
                name: a.name.clone(),
                adults: guided
                    .and_then(|g| g.denominator)
                    .map(crate::text::format_int)
                    .unwrap_or_default(),
                cells: HEADLINE
                    .iter()
                    .filter_map(|c| find(c).map(FigureRow::from))
                    .collect(),
            };
            (guided.and_then(|g| g.value), row)
        })
        .collect();
    // Highest share guided first; areas with no adults last.
    rows.sort_by(|a, b| {
        b.0.unwrap_or(-1.0)
            .partial_cmp(&a.0.unwrap_or(-1.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, mut r))| {
            r.rank = i + 1;
            r
        })
        .collect()
}

async fn trend_chart(db: &db::Db, area: &Area, period: &Period) -> Result<String> {
    let chart = db::indicators::trend(db, area, period).await?;
    let lines: Vec<charts::Series> = chart
        .series
        .into_iter()
        .map(|s| charts::Series {
            label: s.name,
            values: s.values,
        })
        .collect();
    Ok(charts::percent_lines(
        &format!("Xu hướng 12 tháng đến {}", period.label()),
        &chart.labels,
        &lines,
    ))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    area: Area,
    period: Period,
    reference: String,
    options: Vec<(String, String, bool)>,
    figures: Vec<FigureRow>,
    chart: String,
    ranking: Vec<RankRow>,
    headline: [&'static str; 6],
    /// Work-list links of a hamlet the caller may see personal data of: (list, label, count).
    worklists: Vec<(&'static str, &'static str, String)>,
    parent_code: Option<String>,
    /// The month whose hamlet report the page links to: the period's last month.
    month_code: String,
    month_label: String,
    /// The teams' work in the period: what the indicators (cumulative, or "4 a month" at the
    /// month's end) do not show while a month is under way.
    pulse: Pulse,
}

/// Confirmed activities, those awaiting confirmation, teams with at least one, help given and
/// online dossiers, in the period.
#[derive(Default)]
struct Pulse {
    activities: i64,
    unconfirmed: i64,
    teams_active: usize,
    teams: usize,
    help: i64,
    dossiers: i64,
}

async fn dashboard(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<AreaPeriod>,
) -> Result<Response> {
    let db = s.db.reader(caller.account_id);
    let (area, period) = q.resolve(&db, &caller).await?;
    if area.level == "province" {
        return Ok(see_other(&format!(
            "/province?area={}&period={}",
            area.code,
            period.code()
        )));
    }
    let (figures, ranking) = if area.level == "commune" {
        let (total, children) = db::indicators::overview(&db, &area, &period).await?;
        (total, ranking(children))
    } else {
        (
            db::indicators::figures(&db, &area, &period).await?,
            Vec::new(),
        )
    };
    let worklists = if area.level == "hamlet" && caller.personal_scope().is_some() {
        let gap = |code: &str| {
            figures
                .iter()
                .find(|f| f.code == code)
                .map(|f| match f.denominator {
                    Some(d) => crate::text::format_int(d - f.numerator),
                    None => crate::text::format_int(f.numerator),
                })
                .unwrap_or_default()
        };
        super::worklists::LISTS
            .iter()
            .map(|(list, label, indicator)| (*list, *label, gap(indicator)))
            .collect()
    } else {
        Vec::new()
    };
    let pulse = match area.commune_id {
        Some(commune) => {
            let hamlet = (area.level == "hamlet").then_some(area.id);
            let from = format!(
                "{}-01",
                crate::indicators::period::month_code(period.first_month())
            );
            let teams = db::activities::month_by_team(
                &db,
                commune,
                hamlet,
                &from,
                &period.reference_date(),
            )
            .await?;
            Pulse {
                activities: teams.iter().map(|t| t.activities).sum(),
                unconfirmed: teams.iter().map(|t| t.unconfirmed).sum(),
                teams_active: teams.iter().filter(|t| t.activities > 0).count(),
                teams: teams.len(),
                help: teams.iter().map(|t| t.help).sum(),
                dossiers: teams.iter().map(|t| t.dossiers).sum(),
            }
        }
        None => Pulse::default(),
    };
    let parent_code = match area.parent_id {
        Some(p) => areas::visible_by_id(&db, &caller, p)
            .await
            .ok()
            .map(|a| a.code),
        None => None,
    };
    let page = DashboardPage {
        shell: Shell::new(&caller, format!("Chỉ tiêu · {}", area.name), "/dashboard"),
        month_code: crate::indicators::period::month_code(period.last_month()),
        month_label: crate::reports::build::month_words(&crate::indicators::period::month_code(
            period.last_month(),
        )),
        reference: as_of(&period),
        options: period_options(&period),
        chart: trend_chart(&db, &area, &period).await?,
        figures: figures.iter().map(FigureRow::from).collect(),
        ranking,
        headline: HEADLINE_LABELS,
        worklists,
        parent_code,
        pulse,
        area,
        period,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "province.html")]
struct ProvincePage {
    shell: Shell,
    area: Area,
    period: Period,
    reference: String,
    options: Vec<(String, String, bool)>,
    figures: Vec<FigureRow>,
    chart: String,
    communes: Vec<RankRow>,
    headline: [&'static str; 6],
}

impl ProvincePage {
    /// The kind of the province's own report for the period shown, for its file links.
    fn report_kind(&self) -> &'static str {
        db::commune_reports::kind_of(&self.period).code()
    }
}

/// Every commune's figures for the province: sums only, no personal data.
async fn province(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<AreaPeriod>,
) -> Result<Response> {
    let db = s.db.reader(caller.account_id);
    let (area, period) = if q.area.trim().is_empty() && caller.area_level != "province" {
        return Err(AppError::Forbidden);
    } else {
        q.resolve(&db, &caller).await?
    };
    if area.level != "province" {
        return Err(AppError::NotFound);
    }
    let (figures, communes) = db::indicators::overview(&db, &area, &period).await?;
    let communes = ranking(communes);
    let page = ProvincePage {
        shell: Shell::new(&caller, format!("Toàn tỉnh · {}", area.name), "/province"),
        reference: as_of(&period),
        options: period_options(&period),
        chart: trend_chart(&db, &area, &period).await?,
        figures: figures.iter().map(FigureRow::from).collect(),
        communes,
        headline: HEADLINE_LABELS,
        area,
        period,
    };
    Ok(render(&page)?.into_response())
}

/// The day the figures stand at: today while the period is running, else its last day.
fn as_of(period: &crate::indicators::period::Period) -> String {
    let today = db::today();
    let end = period.reference_date();
    crate::text::format_date(if today < end { &today } else { &end })
}
