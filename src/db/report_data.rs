//! Gathers what a report is built from: figures (frozen where a hamlet report was approved),
//! the hamlets' reports and text, the plan's tasks, the year-end evaluations and nominations.

use super::Db;
use super::areas::{self, Area};
use super::reports;
use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month, Period};
use crate::reports::build::{
    EvaluationLine, HamletLine, Input, Kind, Letterhead, Narrative, NominationLine, PracticeLine,
    TaskLine,
};
use crate::reports::figures::AreaFigures;

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

/// The hamlets' own words over a period, line by line, before they become the report's text.
#[derive(Default)]
struct Gathered {
    results: Vec<String>,
    difficulties: Vec<String>,
    proposals: Vec<String>,
    next_plan: Vec<String>,
    /// Reports taken (submitted or approved) and of how many hamlets.
    sent: usize,
    hamlets_sent: usize,
}

/// `[(month, approved, text)]` of one hamlet → `tháng 9/2026, 10/2026: …` lines, one per
/// distinct text (heads often repeat last month's words), approved reports first.
fn hamlet_lines(who: &str, many_months: bool, texts: &[(String, bool, String)]) -> Vec<String> {
    let mut groups: Vec<(Vec<&str>, bool, &str)> = Vec::new();
    for approved in [true, false] {
        for (month, a, text) in texts.iter().filter(|t| t.1 == approved) {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|g| g.1 == *a && g.2 == text) {
                Some(g) => g.0.push(month),
                None => groups.push((vec![month], *a, text)),
            }
        }
    }
    groups
        .into_iter()
        .map(|(months, approved, text)| {
            let mut notes = Vec::new();
            if many_months {
                let months: Vec<String> = months
                    .iter()
                    .map(|m| crate::reports::build::month_words(m))
                    .collect();
                notes.push(format!("tháng {}", months.join(", ")));
            }
            if !approved {
                notes.push("báo cáo chưa duyệt".to_string());
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            format!(
                "{who}{notes}: {}",
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })
        .collect()
}

/// Every hamlet report of the period that was submitted or approved (a draft or a returned
/// report is not the hamlet's word yet), by hamlet in the hamlets' order.
async fn gather(db: &Db, commune_id: i64, hamlets: &[Area], p: &Period) -> Result<Gathered> {
    let sent = reports::sent_in(
        db,
        commune_id,
        &period::month_code(p.first_month()),
        &period::month_code(p.last_month()),
    )
    .await?;
    let many_months = p.first_month() != p.last_month();
    let mut g = Gathered::default();
    for hamlet in hamlets {
        let mine: Vec<&reports::MonthlyReport> =
            sent.iter().filter(|r| r.hamlet_id == hamlet.id).collect();
        if mine.is_empty() {
            continue;
        }
        // Only the reports of the hamlets the report covers (a hamlet's year: its own).
        g.sent += mine.len();
        g.hamlets_sent += 1;
        // A hamlet's own report names no hamlet; the commune's names each.
        let who = if hamlets.len() == 1 && many_months {
            "Báo cáo".to_string()
        } else {
            hamlet.name.clone()
        };
        let texts = |pick: fn(&reports::MonthlyReport) -> &str| {
            let t: Vec<(String, bool, String)> = mine
                .iter()
                .map(|r| (r.month.clone(), r.status == "approved", pick(r).to_string()))
                .collect();
            hamlet_lines(&who, many_months, &t)
        };
        g.results.extend(texts(|r| &r.results));
        g.difficulties.extend(texts(|r| &r.difficulties));
        g.proposals.extend(texts(|r| &r.proposals));
        if !many_months {
            g.next_plan.extend(texts(|r| &r.next_plan));
        }
    }
    Ok(g)
}

impl Gathered {
    /// The report's text: the lines gathered, or a sentence saying why there are none —
    /// never "nothing" when nobody has said yet.
    fn narrative(self, commune: bool) -> Narrative {
        let whose = if commune { "của các ấp " } else { "" };
        let none = |what: &str| {
            if self.sent == 0 {
                format!(
                    "Chưa có báo cáo tháng nào {whose}được nộp trong kỳ nên chưa tổng hợp được {what}."
                )
            } else if commune {
                format!(
                    "Các báo cáo tháng đã nộp trong kỳ ({} báo cáo của {} ấp) không nêu {what}.",
                    self.sent, self.hamlets_sent
                )
            } else {
                format!(
                    "Các báo cáo tháng đã nộp trong kỳ ({} báo cáo) không nêu {what}.",
                    self.sent
                )
            }
        };
        let text = |lines: &[String], what: &str| {
            if lines.is_empty() {
                none(what)
            } else {
                lines.join("\n")
            }
        };
        Narrative {
            results: self.results.join("\n"),
            difficulties: text(&self.difficulties, "khó khăn, vướng mắc"),
            proposals: text(&self.proposals, "đề xuất, kiến nghị"),
            next_plan: self.next_plan.join("\n"),
        }
    }
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
    // A report is dated the day it is made; a hamlet's, the day it was last submitted.
    let date = today.to_string();
    let hamlet_report = match (p, area.level.as_str()) {
        (Period::Month(m), "hamlet") => Some(reports::hamlet_month_figures(db, area, *m).await?),
        _ => None,
    };
    let (figures, report) = match hamlet_report {
        Some((f, r)) => (f, r),
        None => (reports::area_figures(db, area, p).await?, None),
    };
    // Once the province acknowledged the commune's report, its figures stay as acknowledged.
    let figures = super::commune_reports::frozen_or(db, area, p, figures).await?;
    let details = super::commune_details::get(db, commune.id).await?;
    let letterhead = if area.level == "hamlet" {
        let date = report
            .as_ref()
            .and_then(|r| r.last_submitted_on.clone())
            .unwrap_or(date);
        let mut lh = Letterhead::hamlet(
            &commune.name,
            &area.name,
            &signer(db, "hamlet_head", area.id).await?,
            &date,
        );
        // The hamlet's date line names the same place as the commune's.
        if !details.place.trim().is_empty() {
            lh.place = details.place.trim().to_string();
        }
        lh
    } else {
        Letterhead::commune(
            &commune.name,
            &signer(db, "commune_leader", commune.id).await?,
            &date,
        )
        .with_details(&details)
    };
    let frozen_trend = figures.trend.clone();
    let mut input = Input::new(kind, letterhead, figures);
    input.trend = Some(match frozen_trend {
        Some(t) => t,
        None => super::indicators::trend(db, area, p).await?,
    });
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
    // Every hamlet open at some time in the period: one closed in its middle still did work.
    let hamlets = if area.level == "commune" {
        reports::hamlets_open_in(db, commune.id, p.first_month()..=p.last_month()).await?
    } else {
        vec![area.clone()]
    };
    // A hamlet's monthly report speaks for itself; every other report gathers the months'.
    let mut gathered = if area.level == "hamlet" && kind == Kind::Monthly {
        None
    } else {
        Some(gather(db, commune.id, &hamlets, p).await?)
    };
    if let Some(r) = &report {
        input.narrative = Narrative {
            results: r.results.clone(),
            difficulties: r.difficulties.clone(),
            proposals: r.proposals.clone(),
            next_plan: r.next_plan.clone(),
        };
    }
    if area.level == "commune" {
        for m in months_so_far(p, today) {
            input
                .completeness
                .push(reports::completeness(db, commune.id, m, today).await?);
        }
        for hamlet in &hamlets {
            let line = match p {
                Period::Month(m) => {
                    let (f, r) = reports::hamlet_month_figures(db, hamlet, *m).await?;
                    let frozen = r.as_ref().and_then(|r| r.frozen()).is_some();
                    HamletLine { figures: f, frozen }
                }
                _ => HamletLine {
                    figures: reports::area_figures(db, hamlet, p).await?,
                    frozen: false,
                },
            };
            input.hamlets.push(line);
        }
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
        let g = gathered.get_or_insert_with(Gathered::default);
        year_end(db, (area, &commune), p.year(), who.personal, &mut input, g).await?;
        if area.level == "commune" {
            // Team names and points only: no personal data, so every reader gets the sheet.
            input.scores = Some(super::scoring::sheet(db, &commune, p.year(), today).await?);
        }
    }
    if let Some(g) = gathered {
        input.narrative = g.narrative(area.level == "commune");
    }
    if area.level == "commune" {
        // The commune admin's own text of the report sent to the province, once written.
        super::commune_reports::own_texts(db, area, p, (&mut input, who.personal)).await?;
    }
    Ok(input)
}

async fn year_end(
    db: &Db,
    (area, commune): (&Area, &Area),
    year: i64,
    personal: bool,
    input: &mut Input,
    gathered: &mut Gathered,
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
        // The team's own year: its difficulties and proposals join the months' (its results,
        // for a hamlet's year, stand for the months').
        if let Some(e) = e {
            let who = format!("{} (tự đánh giá cuối năm)", team.name);
            let line = |t: &str| {
                let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                (!t.is_empty()).then(|| format!("{who}: {t}"))
            };
            if area.level == "hamlet" && !e.results.trim().is_empty() {
                gathered.results = vec![e.results.trim().to_string()];
            }
            gathered.difficulties.extend(line(&e.weaknesses));
            gathered.proposals.extend(line(&e.proposals));
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
    figures.trend = Some(super::indicators::trend(db, hamlet, &p).await?);
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
    if area.level == "province" {
        return super::province_report::file(db, area, p, kind, format, who.today).await;
    }
    let input = input(db, area, p, kind, who).await?;
    let doc = crate::reports::build::document(&input);
    // Writing a PDF or Word file is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || crate::reports::render(&doc, format))
        .await
        .map_err(|e| AppError::Internal(format!("report: {e}")))?
}

/// The commune's letterhead for a paper dated `date`: its details from the settings, signed by
/// the commune's leader.
pub async fn commune_letterhead(db: &Db, commune_id: i64, date: &str) -> Result<Letterhead> {
    let commune = super::areas::get(db, commune_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let details = super::commune_details::get(db, commune_id).await?;
    Ok(Letterhead::commune(
        &commune.name,
        &signer(db, "commune_leader", commune_id).await?,
        date,
    )
    .with_details(&details))
}
