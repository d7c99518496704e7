//! The figures a report carries, as plain data. An approved hamlet report stores these as JSON,
//! so its figures stay as they were approved whatever happens to the data afterwards.

use crate::indicators::catalog::{Figure, Kind};
use serde::{Deserialize, Serialize};

/// A count under a label (an activity kind, a dossier kind).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub count: i64,
}

/// A service and how many residents completed it in the period and in all up to its end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceCount {
    pub code: String,
    pub name: String,
    pub done_in_period: i64,
    pub done_to_date: i64,
}

/// One indicator as it stood for the period (a frozen copy of an indicator-engine figure).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorLine {
    pub code: String,
    pub name: String,
    /// `ratio` or `count`.
    pub kind: String,
    pub numerator: i64,
    pub denominator: Option<i64>,
    pub value: Option<f64>,
    pub target: Option<i64>,
    pub target_when: Option<String>,
    pub met: Option<bool>,
}

impl From<&Figure> for IndicatorLine {
    fn from(f: &Figure) -> IndicatorLine {
        IndicatorLine {
            code: f.code.clone(),
            name: f.name.clone(),
            kind: match f.kind {
                Kind::Ratio => "ratio",
                Kind::Count => "count",
            }
            .to_string(),
            numerator: f.numerator,
            denominator: f.denominator,
            value: f.value,
            target: f.target,
            target_when: f.target_when.clone(),
            met: f.met,
        }
    }
}

impl IndicatorLine {
    pub fn is_ratio(&self) -> bool {
        self.kind == "ratio"
    }

    /// `79,9%` for a ratio, the count for a count, `–` with nothing to divide by.
    pub fn value_display(&self) -> String {
        match (self.is_ratio(), self.value) {
            (false, _) => crate::text::format_int(self.numerator),
            (true, Some(v)) => format!("{}%", crate::indicators::catalog::format_percent(v)),
            (true, None) => "–".to_string(),
        }
    }

    /// `799/1.000` for a ratio; empty for a count.
    pub fn fraction_display(&self) -> String {
        if !self.is_ratio() {
            return String::new();
        }
        format!(
            "{}/{}",
            crate::text::format_int(self.numerator),
            crate::text::format_int(self.denominator.unwrap_or(0))
        )
    }

    pub fn target_display(&self) -> String {
        match (self.target, self.is_ratio()) {
            (None, _) => "–".to_string(),
            (Some(t), true) => format!("{t}%"),
            (Some(t), false) => format!("≥ {t}"),
        }
    }

    pub fn judgement(&self) -> &'static str {
        match self.met {
            Some(true) => "Đạt",
            Some(false) => "Chưa đạt",
            None => "Theo dõi",
        }
    }
}

/// A business step: done in the period and by its end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepCount {
    pub code: String,
    pub label: String,
    pub done_in_period: i64,
    pub done_to_date: i64,
}

/// Everything a report says in numbers about one area (hamlet or commune) and one period.
/// Fields added later read as empty from reports approved before them (`serde(default)`), so
/// a stored copy never stops parsing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AreaFigures {
    pub area_code: String,
    pub area_name: String,
    /// `hamlet` or `commune`.
    pub level: String,
    /// The period code: `2026-05`, `2026-Q2`, `2026`.
    pub period: String,
    pub period_label: String,
    /// Activities of the period by kind (every kind listed, zeros included).
    pub activities: Vec<Count>,
    pub residents_reached: i64,
    /// Months of the period (begun by now) in which the team met the minimum, of months counted;
    /// for a commune: team-months.
    pub months_meeting_minimum: i64,
    pub months_counted: i64,
    pub minimum: i64,
    /// Help records (visits where someone was helped) in the period and in all up to its end.
    pub help_in_period: i64,
    pub help_to_date: i64,
    /// Distinct residents helped in the period.
    pub people_helped: i64,
    pub services: Vec<ServiceCount>,
    pub dossiers: Vec<Count>,
    pub dossiers_to_date: i64,
    /// Trainings held (activities of kind training, as recorded before the training register,
    /// and the register's sessions the area's team members attended) and propaganda sessions
    /// (meetings and information-security sessions) in the period.
    pub trainings: i64,
    /// The team members' attendances at those sessions (0 in reports frozen before it).
    #[serde(default)]
    pub training_attendances: i64,
    pub propaganda_sessions: i64,
    /// Household businesses in the register by the period's end, those registered in it, and
    /// each digital step done in the period and by its end (empty in reports frozen before).
    #[serde(default)]
    pub businesses: i64,
    #[serde(default)]
    pub businesses_new: i64,
    #[serde(default)]
    pub business_steps: Vec<StepCount>,
    /// Communications of the period by channel (broadcasts, posts, videos: times counted).
    pub communications: Vec<Count>,
    pub indicators: Vec<IndicatorLine>,
    /// The 12-month trend as it stood, kept with an approved report's figures.
    pub trend: Option<crate::reports::Chart>,
}

impl AreaFigures {
    pub fn activities_total(&self) -> i64 {
        self.activities.iter().map(|c| c.count).sum()
    }

    pub fn communications_total(&self) -> i64 {
        self.communications.iter().map(|c| c.count).sum()
    }

    pub fn dossiers_in_period(&self) -> i64 {
        self.dossiers.iter().map(|c| c.count).sum()
    }

    pub fn indicator(&self, code: &str) -> Option<&IndicatorLine> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Option<AreaFigures> {
        serde_json::from_str(s).ok()
    }
}

/// The state of one hamlet's monthly report, for completeness and the commune's tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Timeliness {
    /// Submitted by the due date.
    OnTime,
    /// Submitted after the due date.
    Late,
    /// Not submitted and the due date has passed.
    Missing,
    /// Not submitted yet, the due date still to come.
    NotYetDue,
}

impl Timeliness {
    /// `submitted_on` and `due` are `yyyy-mm-dd`; `today` likewise.
    pub fn of(submitted_on: Option<&str>, due: &str, today: &str) -> Timeliness {
        match submitted_on {
            Some(d) if d <= due => Timeliness::OnTime,
            Some(_) => Timeliness::Late,
            None if today > due => Timeliness::Missing,
            None => Timeliness::NotYetDue,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Trễ hạn",
            Timeliness::Missing => "Chưa nộp (quá hạn)",
            Timeliness::NotYetDue => "Chưa đến hạn",
        }
    }

    pub fn css(&self) -> &'static str {
        match self {
            Timeliness::OnTime => "ok",
            Timeliness::Late => "track",
            Timeliness::Missing => "behind",
            Timeliness::NotYetDue => "none",
        }
    }
}

/// One hamlet's line in a month's completeness table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HamletReportState {
    pub hamlet_code: String,
    pub hamlet_name: String,
    /// `none` when no report was started; else the workflow status.
    pub status: String,
    pub submitted_on: Option<String>,
    pub due: String,
    pub timeliness: Timeliness,
}

/// Completeness and timeliness of one month's hamlet reports in a commune.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    pub month: String,
    pub due: String,
    pub hamlets: Vec<HamletReportState>,
}

impl HamletReportState {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    pub fn submitted_display(&self) -> String {
        self.submitted_on
            .as_deref()
            .map(crate::text::format_date)
            .unwrap_or_default()
    }
}

impl Completeness {
    pub fn due_display(&self) -> String {
        crate::text::format_date(&self.due)
    }
    pub fn expected(&self) -> usize {
        self.hamlets.len()
    }
    fn count(&self, t: Timeliness) -> usize {
        self.hamlets.iter().filter(|h| h.timeliness == t).count()
    }
    pub fn on_time(&self) -> usize {
        self.count(Timeliness::OnTime)
    }
    pub fn late(&self) -> usize {
        self.count(Timeliness::Late)
    }
    pub fn missing(&self) -> usize {
        self.count(Timeliness::Missing)
    }
    pub fn not_yet_due(&self) -> usize {
        self.count(Timeliness::NotYetDue)
    }
    pub fn submitted(&self) -> usize {
        self.on_time() + self.late()
    }
}

/// A workflow status as shown.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "Đang soạn",
        "submitted" => "Đã nộp, chờ duyệt",
        "returned" => "Bị trả lại",
        "approved" => "Đã duyệt",
        _ => "Chưa lập",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeliness_is_judged_on_the_due_date() {
        let due = "2026-05-25";
        assert_eq!(
            Timeliness::of(Some("2026-05-25"), due, "2026-06-01"),
            Timeliness::OnTime
        );
        assert_eq!(
            Timeliness::of(Some("2026-05-26"), due, "2026-06-01"),
            Timeliness::Late
        );
        assert_eq!(Timeliness::of(None, due, "2026-05-26"), Timeliness::Missing);
        assert_eq!(
            Timeliness::of(None, due, "2026-05-25"),
            Timeliness::NotYetDue
        );
    }
}
