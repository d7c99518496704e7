//! Gathers the province's own report: its figures, each commune's headline figures (grouped
//! queries, so 96 communes cost the same few queries as two), the communes' report status and
//! their submitted difficulties and proposals. Aggregates only: nothing here reads a person.

use super::Db;
use super::areas::Area;
use super::commune_reports::{self, CommuneReport};
use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month, Period};
use crate::reports::build::{Kind, Letterhead};
use crate::reports::figures::IndicatorLine;
use crate::reports::province::{CommuneLine, CommuneText, ProvinceInput};
use std::collections::HashMap;

/// Activities held and help given in the period, per commune of the province.
async fn per_commune(
    db: &Db,
    province: &Area,
    p: &Period,
) -> Result<(HashMap<i64, i64>, HashMap<i64, i64>)> {
    let from = format!("{}-01", period::month_code(p.first_month()));
    let params = || -> Vec<super::Param> {
        vec![
            from.clone().into(),
            p.reference_date().into(),
            province.id.into(),
        ]
    };
    let communes =
        "commune_id IN (SELECT id FROM areas WHERE level = 'commune' AND parent_id = $3)";
    let acts: Vec<(i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT commune_id, COUNT(*) FROM activities WHERE active = 1 AND confirmed = 1 \
                 AND activity_date >= $1 AND activity_date <= $2 AND {communes} GROUP BY commune_id"
            ),
            &params(),
        )
        .await?;
    let help: Vec<(i64, i64)> = db
        .fetch_all(
            &format!(
                "SELECT commune_id, COUNT(*) FROM help_records \
                 WHERE help_date >= $1 AND help_date <= $2 AND {communes} GROUP BY commune_id"
            ),
            &params(),
        )
        .await?;
    Ok((acts.into_iter().collect(), help.into_iter().collect()))
}

/// The period codes whose commune reports speak for the period: its months, and for a
/// quarter or year also its quarters and itself.
fn covered_periods(p: &Period) -> Vec<String> {
    let mut codes: Vec<String> = p.months().map(period::month_code).collect();
    if let Period::Year(y) = p {
        codes.extend((1..=4).map(|q| format!("{y}-Q{q}")));
    }
    if !matches!(p, Period::Month(_)) {
        codes.push(p.code());
    }
    codes
}

/// The months of the period that have ended by `today`: a commune reports on a month after it.
fn months_so_far(p: &Period, today: &str) -> Vec<Month> {
    let now = period::month_of_date(today).unwrap_or_else(period::current_month);
    p.months().filter(|m| *m < now).collect()
}

/// Everything the province's report for the period is built from.
pub async fn input(
    db: &Db,
    province: &Area,
    p: &Period,
    kind: Kind,
    today: &str,
) -> Result<ProvinceInput> {
    if province.level != "province" {
        return Err(AppError::invalid("Báo cáo của Sở lập cho một tỉnh."));
    }
    if commune_reports::kind_of(p) != kind {
        return Err(AppError::invalid(match kind {
            Kind::Monthly => "Báo cáo tháng cần kỳ dạng năm-tháng, ví dụ 2026-05.",
            Kind::Quarterly => "Báo cáo quý cần kỳ dạng năm-Qquý, ví dụ 2026-Q2.",
            Kind::Yearly => "Báo cáo năm cần kỳ là một năm, ví dụ 2026.",
        }));
    }
    let figures = super::reports::area_figures(db, province, p).await?;
    let trend = super::indicators::trend(db, province, p).await?;
    // One pass of the indicator engine gives every commune's indicators.
    let (_, communes) = super::indicators::overview(db, province, p).await?;
    let (acts, help) = per_commune(db, province, p).await?;
    let reports = commune_reports::of_province(db, province.id, &covered_periods(p)).await?;
    let code = p.code();
    let own: HashMap<i64, &CommuneReport> = reports
        .iter()
        .filter(|r| r.period == code)
        .map(|r| (r.commune_id, r))
        .collect();
    let names: HashMap<i64, String> = communes
        .iter()
        .map(|(c, _)| (c.id, c.name.clone()))
        .collect();
    // Communes open at some time in the period: one opened later or closed before is not one
    // of the province's communes for it.
    let open: Vec<i64> =
        commune_reports::communes_open_in(db, province.id, p.first_month()..=p.last_month())
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
    let lines = communes
        .into_iter()
        .filter(|(c, _)| c.level == "commune" && open.contains(&c.id))
        .map(|(c, figs)| {
            let r = own.get(&c.id);
            let mut line = CommuneLine {
                activities: acts.get(&c.id).copied().unwrap_or(0),
                help_in_period: help.get(&c.id).copied().unwrap_or(0),
                indicators: figs.iter().map(IndicatorLine::from).collect(),
                report_status: r.map_or("none".to_string(), |r| r.status.clone()),
                submitted_on: r.and_then(|r| r.submitted_on.clone()),
                frozen: false,
                code: c.code,
                name: c.name,
            };
            // The province acknowledged these figures: they stay as acknowledged.
            if let Some(f) = r.and_then(|r| r.frozen()) {
                line.activities = f.activities_total();
                line.help_in_period = f.help_in_period;
                line.indicators = f.indicators;
                line.frozen = true;
            }
            line
        })
        .collect::<Vec<_>>();
    let several = !matches!(p, Period::Month(_));
    let sent: Vec<&CommuneReport> = reports.iter().filter(|r| r.sent()).collect();
    let has = |commune: i64, period: &str| {
        sent.iter()
            .any(|r| r.commune_id == commune && r.period == period)
    };
    // A commune's words once: its report for the period itself when it sent one, else its
    // quarters', and a month's only when its quarter's report was not sent (a quarter's text
    // is written from the same months).
    let speaks = |r: &CommuneReport| {
        if r.period == code {
            return true;
        }
        if has(r.commune_id, &code) {
            return false;
        }
        match Period::parse(&r.period) {
            Ok(Period::Month(m)) => !has(
                r.commune_id,
                &format!("{}-Q{}", period::year_of(m), period::quarter_of(m)),
            ),
            _ => true,
        }
    };
    let texts = sent
        .iter()
        .filter(|r| speaks(r))
        .map(|r| CommuneText {
            commune: names.get(&r.commune_id).cloned().unwrap_or_default(),
            period_label: if several {
                Period::parse(&r.period).map_or(r.period.clone(), |p| p.label())
            } else {
                String::new()
            },
            difficulties: r.difficulties.clone(),
            proposals: r.proposals.clone(),
        })
        .collect();
    let mut completeness = Vec::new();
    for m in months_so_far(p, today) {
        completeness.push(commune_reports::completeness(db, province.id, m, today).await?);
    }
    Ok(ProvinceInput {
        kind,
        letterhead: Letterhead::province(&province.name, today),
        figures,
        trend: Some(trend),
        communes: lines,
        completeness,
        texts,
    })
}

/// The province's report written in the format asked for, through the same writers as every
/// other report.
pub async fn file(
    db: &Db,
    province: &Area,
    p: &Period,
    kind: Kind,
    format: crate::reports::Format,
    today: &str,
) -> Result<Vec<u8>> {
    let input = input(db, province, p, kind, today).await?;
    let doc = crate::reports::province::document(&input);
    tokio::task::spawn_blocking(move || crate::reports::render(&doc, format))
        .await
        .map_err(|e| AppError::Internal(format!("report: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_gathers_its_months_and_itself() {
        let q = Period::Quarter {
            year: 2026,
            quarter: 3,
        };
        assert_eq!(
            covered_periods(&q),
            ["2026-07", "2026-08", "2026-09", "2026-Q3"]
        );
        assert_eq!(covered_periods(&Period::Year(2026)).len(), 12 + 4 + 1);
    }
}
