//! Gathers what a report is built from: figures (frozen where a hamlet report was approved),
//! the hamlets' reports and text, the plan's tasks, the year-end evaluations and nominations.

use super::Db;
use super::areas::{self, Area};
use super::reports;
use crate::error::{AppError, Result};
use crate::indicators::catalog;
use crate::indicators::period::{self, Month, Period};
use crate::reports::build::{
    EvaluationLine, HamletLine, Input, Kind, Letterhead, Narrative, NominationLine, PracticeLine,
    TaskLine,
};
use crate::reports::figures::AreaFigures;
use crate::reports::{Chart, Series};

/// The lines of the trend chart: the plan's headline shares, month by month.
pub const TREND: [(&str, &str); 4] = [
    ("adults_guided", "Được hướng dẫn trực tiếp"),
    ("households_province_app", "Hộ có Tây Ninh Smart"),
    ("adults_province_app", "Người TT cài Tây Ninh Smart"),
    ("adults_digital_skills", "Phổ cập kỹ năng số"),
];

/// The headline shares over the 12 months up to the period's end.
pub async fn trend(db: &Db, area: &Area, p: &Period) -> Result<Chart> {
    let to = p.last_month();
    let from = to - 11;
    let series = super::indicators::monthly_series(db, area, from, to).await?;
    let labels = (from..=to)
        .map(|m| format!("{}/{}", period::month_number(m), period::year_of(m) % 100))
        .collect();
    let lines = TREND
        .iter()
        .map(|(code, label)| {
            let (num, den) = catalog::metrics_of(code);
            Series {
                name: label.to_string(),
                values: series
                    .values()
                    .map(|t| {
                        let d = t.get(den).copied().unwrap_or(0);
                        (d > 0).then(|| t.get(&num).copied().unwrap_or(0) as f64 * 100.0 / d as f64)
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Chart {
        title: format!("Xu hướng 12 tháng đến {}", p.label().to_lowercase()),
        labels,
        series: lines,
    })
}

async fn signer(db: &Db, role: &str, area_id: i64) -> Result<String> {
    let row: Option<(Option<String>,)> = db
        .fetch_optional(
            "SELECT full_name FROM accounts WHERE role = $1 AND area_id = $2 AND active = 1 \
             ORDER BY id LIMIT 1",
            &[role.into(), area_id.into()],
        )
        .await?;
    Ok(row.and_then(|(n,)| n).unwrap_or_default())
}

/// Lines `Ấp 3: …` from each hamlet's text, for the commune's own report.
fn collect(
    parts: &[(String, reports::MonthlyReport)],
    pick: fn(&reports::MonthlyReport) -> &str,
) -> String {
    parts
        .iter()
        .filter(|(_, r)| !pick(r).trim().is_empty())
        .map(|(name, r)| format!("{name}: {}", pick(r).trim().replace('\n', " ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The months of the period whose report is already due or begun (no empty future months).
fn months_so_far(p: &Period, today: &str) -> Vec<Month> {
    let now = period::month_of_date(today).unwrap_or_else(period::current_month);
    p.months().filter(|m| *m <= now).collect()
}

/// Everything the report of `area` (hamlet or commune) for the period is built from.
pub async fn input(
    db: &Db,
    area: &Area,
    p: &Period,
    kind: Kind,
    who: Audience<'_>,
) -> Result<Input> {
    let today = who.today;
    let expected = match p {
        Period::Month(_) => Kind::Monthly,
        Period::Quarter { .. } => Kind::Quarterly,
        Period::Year(_) => Kind::Yearly,
    };
    if kind != expected {
        return Err(AppError::invalid(match kind {
            Kind::Monthly => "Báo cáo tháng cần kỳ dạng năm-tháng, ví dụ 2026-05.",
            Kind::Quarterly => "Báo cáo quý cần kỳ dạng năm-Qquý, ví dụ 2026-Q2.",
            Kind::Yearly => "Báo cáo năm cần kỳ là một năm, ví dụ 2026.",
        }));
    }
    let commune_id = area.commune_id.ok_or_else(|| {
        AppError::invalid("Báo cáo lập cho một ấp hoặc một xã: hãy chọn ấp hoặc xã.")
    })?;
    let commune = areas::get(db, commune_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let date = today.min(p.reference_date().as_str()).to_string();
    let date = if let Period::Month(m) = p {
        // A hamlet report is dated on its submission; the commune's at the month's end.
        date.max(format!("{}-01", period::month_code(*m)))
    } else {
        date
    };
    let hamlet_report = match (p, area.level.as_str()) {
        (Period::Month(m), "hamlet") => Some(reports::hamlet_month_figures(db, area, *m).await?),
        _ => None,
    };
    let (figures, report) = match hamlet_report {
        Some((f, r)) => (f, r),
        None => (reports::area_figures(db, area, p).await?, None),
    };
    let letterhead = if area.level == "hamlet" {
        let date = report
            .as_ref()
            .and_then(|r| r.last_submitted_on.clone())
            .unwrap_or(date);
        Letterhead::hamlet(
            &commune.name,
            &area.name,
            &signer(db, "hamlet_head", area.id).await?,
            &date,
        )
    } else {
        Letterhead::commune(
            &commune.name,
            &signer(db, "commune_leader", commune.id).await?,
            &date,
        )
    };
    let frozen_trend = figures.trend.clone();
    let mut input = Input::new(kind, letterhead, figures);
    input.trend = Some(match frozen_trend {
        Some(t) => t,
        None => trend(db, area, p).await?,
    });
    if let Some(r) = &report {
        input.narrative = Narrative {
            results: r.results.clone(),
            difficulties: r.difficulties.clone(),
            proposals: r.proposals.clone(),
            next_plan: r.next_plan.clone(),
        };
    }
    if area.level == "hamlet"
        && kind == Kind::Monthly
        && report.as_ref().is_none_or(|r| r.status != "approved")
    {
        input.draft_note = format!(
            "(Bản xem trước – báo cáo {}: số liệu tính đến thời điểm tải về, chưa được Phòng Văn hóa – Xã hội duyệt.)",
            crate::reports::figures::status_label(report.as_ref().map_or("none", |r| &r.status))
                .to_lowercase()
        );
    }
    if area.level == "commune" {
        let months = months_so_far(p, today);
        let mut texts = Vec::new();
        for m in &months {
            input
                .completeness
                .push(reports::completeness(db, commune.id, *m, today).await?);
        }
        // Every hamlet open at some time in the period: one closed in its middle still did work.
        let open = reports::hamlets_open_in(db, commune.id, p.first_month()..=p.last_month());
        for hamlet in open.await? {
            let name = hamlet.name.clone();
            let line = match p {
                Period::Month(m) => {
                    let (f, r) = reports::hamlet_month_figures(db, &hamlet, *m).await?;
                    let frozen = r.as_ref().and_then(|r| r.frozen()).is_some();
                    // A draft or a returned report is not the hamlet's word yet.
                    if let Some(r) =
                        r.filter(|r| matches!(r.status.as_str(), "submitted" | "approved"))
                    {
                        texts.push((name.clone(), r));
                    }
                    HamletLine { figures: f, frozen }
                }
                _ => HamletLine {
                    figures: reports::area_figures(db, &hamlet, p).await?,
                    frozen: false,
                },
            };
            input.hamlets.push(line);
        }
        input.narrative = Narrative {
            results: collect(&texts, |r| &r.results),
            difficulties: collect(&texts, |r| &r.difficulties),
            proposals: collect(&texts, |r| &r.proposals),
            next_plan: collect(&texts, |r| &r.next_plan),
        };
    }
    let plan = match kind {
        Kind::Monthly => None,
        _ => super::plans::get(db, commune.id, p.year()).await?,
    };
    if let Some(plan) = plan {
        let quarter = match p {
            Period::Quarter { quarter, .. } => Some(*quarter),
            _ => None,
        };
        input.tasks = super::plans::tasks(db, plan.id)
            .await?
            .into_iter()
            .filter(|t| quarter.is_none_or(|q| q == t.quarter))
            .map(|t| TaskLine {
                quarter: t.quarter,
                status: crate::plan::status_label(&t.status).to_string(),
                content: t.content,
                unit: t.unit_in_charge,
                expected: t.expected_results,
                note: t.note,
            })
            .collect();
    }
    if kind == Kind::Yearly {
        year_end(db, (area, &commune), p.year(), who.personal, &mut input).await?;
        if area.level == "commune" {
            // Team names and points only: no personal data, so every reader gets the sheet.
            input.scores = Some(super::scoring::sheet(db, &commune, p.year(), today).await?);
        }
    }
    Ok(input)
}

async fn year_end(
    db: &Db,
    (area, commune): (&Area, &Area),
    year: i64,
    personal: bool,
    input: &mut Input,
) -> Result<()> {
    let evaluations = super::yearend::evaluations(db, commune.id, year).await?;
    let teams = super::teams::for_commune(db, commune.id).await?;
    let team_name = |id: Option<i64>| {
        teams
            .iter()
            .find(|t| Some(t.id) == id)
            .map_or(String::new(), |t| t.name.clone())
    };
    for team in &teams {
        if team.kind != "hamlet"
            || team.active != 1
            || (area.level == "hamlet" && team.area_id != area.id)
        {
            continue;
        }
        // Only a submitted evaluation speaks for the team; a draft is still the head's.
        let e = evaluations
            .iter()
            .find(|e| e.team_id == team.id && e.status == "submitted");
        input.evaluations.push(EvaluationLine {
            team: team.name.clone(),
            rating: e
                .map_or("", |e| super::yearend::rating_label(&e.rating))
                .to_string(),
            results: e.map_or(String::new(), |e| e.results.clone()),
            submitted: e.is_some(),
        });
        if let Some(e) = e.filter(|_| area.level == "hamlet") {
            input.narrative = Narrative {
                results: e.results.clone(),
                difficulties: e.weaknesses.clone(),
                proposals: e.proposals.clone(),
                next_plan: String::new(),
            };
        }
    }
    if area.level == "commune" {
        // The year-end report's proposals for next year are the teams' own.
        let proposals: Vec<String> = evaluations
            .iter()
            .filter(|e| e.status == "submitted" && !e.proposals.trim().is_empty())
            .map(|e| {
                format!(
                    "{}: {}",
                    team_name(Some(e.team_id)),
                    e.proposals.trim().replace('\n', " ")
                )
            })
            .collect();
        if !proposals.is_empty() {
            input.narrative.proposals = proposals.join("\n");
        }
    }
    input.nominations = super::yearend::nominations(db, commune.id, year)
        .await?
        .into_iter()
        .filter(|n| n.status != "rejected")
        .filter(|n| {
            area.level == "commune"
                || teams
                    .iter()
                    .any(|t| Some(t.id) == n.team_id && t.area_id == area.id)
        })
        .map(|n| NominationLine {
            kind: n.kind_label().to_string(),
            status: n.status_label().to_string(),
            // A member's name is personal data: a reader outside the commune sees their team.
            nominee: if personal || n.kind == "team" {
                n.nominee.clone()
            } else {
                format!("Một thành viên {}", team_name(n.team_id))
            },
            reason: n.reason,
        })
        .collect();
    input.practices = super::yearend::practices(db, commune.id, year)
        .await?
        .into_iter()
        .filter(|g| area.level == "commune" || g.hamlet_id == Some(area.id))
        .map(|g| PracticeLine {
            title: g.title,
            hamlet: g.hamlet_name.unwrap_or_default(),
            description: g.description,
        })
        .collect();
    Ok(())
}

/// A hamlet's month as it is approved: the figures and the trend chart, to be stored.
pub async fn to_freeze(db: &Db, hamlet: &Area, m: Month) -> Result<AreaFigures> {
    let p = Period::Month(m);
    let mut figures = reports::area_figures(db, hamlet, &p).await?;
    figures.trend = Some(trend(db, hamlet, &p).await?);
    Ok(figures)
}

/// Who a report is written for: the day it is written, and whether the reader may see
/// personal data (a commune account, the operator at the command line) or not (the province).
#[derive(Clone, Copy, Debug)]
pub struct Audience<'a> {
    pub today: &'a str,
    pub personal: bool,
}

/// Builds a report and writes it in the format asked for: the pages and the command line take
/// this one path, so a file is the same whichever way it was asked for.
pub async fn file(
    db: &Db,
    area: &Area,
    p: &Period,
    kind: Kind,
    format: crate::reports::Format,
    who: Audience<'_>,
) -> Result<Vec<u8>> {
    let input = input(db, area, p, kind, who).await?;
    let doc = crate::reports::build::document(&input);
    // Writing a PDF or Word file is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || crate::reports::render(&doc, format))
        .await
        .map_err(|e| AppError::Internal(format!("report: {e}")))?
}
