//! The indicators of PRODUCT.md §4: their codes and names, targets, and how a figure is judged.

use super::period::{Period, month_number, roman};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// numerator / denominator, shown as a percentage.
    Ratio,
    /// A count (target: at least that many).
    Count,
}

#[derive(Clone, Debug, Serialize)]
pub struct Definition {
    pub code: String,
    pub name: String,
    pub kind: Kind,
}

fn def(code: &str, name: &str, kind: Kind) -> Definition {
    Definition {
        code: code.to_string(),
        name: name.to_string(),
        kind,
    }
}

/// Every indicator in the order of §4; `services` are the services in force (code, name), each
/// of which has its `adults_<service>` indicator; `app` is the province app's name.
pub fn definitions(services: &[(String, String)], app: &str) -> Vec<Definition> {
    use Kind::*;
    let mut v = vec![
        def(
            "adults_guided",
            "Người trưởng thành được hướng dẫn trực tiếp",
            Ratio,
        ),
        def(
            "households_province_app",
            &format!("Hộ có ít nhất 01 người cài đặt {app}"),
            Ratio,
        ),
        def(
            "adults_province_app",
            &format!("Người trưởng thành cài đặt, sử dụng {app}"),
            Ratio,
        ),
        def(
            "adults_digital_skills",
            "Người trưởng thành đạt phổ cập kỹ năng số trên VNeID",
            Ratio,
        ),
    ];
    for (code, name) in services {
        if code != "province_app" && code != "digital_skills" {
            v.push(def(
                &format!("adults_{code}"),
                &format!("Người trưởng thành: {name}"),
                Ratio,
            ));
        }
    }
    v.extend([
        def(
            "adults_without_smartphone",
            "Người trưởng thành chưa có điện thoại thông minh",
            Count,
        ),
        def("teams_consolidated", "Tổ CNSCĐ được kiện toàn", Ratio),
        def(
            "members_trained",
            "Thành viên Tổ được tập huấn trong kỳ",
            Ratio,
        ),
        def(
            "members_digital_skills",
            "Thành viên Tổ có chứng nhận kỹ năng số",
            Ratio,
        ),
        def("hamlets_zalo", "Ấp có Nhóm Zalo hoạt động", Ratio),
        def(
            "households_zalo_group",
            "Hộ có ít nhất 01 người tham gia nhóm Zalo của ấp",
            Ratio,
        ),
        def(
            "businesses_ecommerce",
            "Cơ sở kinh doanh có gian hàng trên sàn TMĐT",
            Ratio,
        ),
        def(
            "businesses_einvoice",
            "Cơ sở kinh doanh dùng hóa đơn điện tử",
            Ratio,
        ),
        def(
            "businesses_cashless",
            "Cơ sở kinh doanh nhận thanh toán không dùng tiền mặt",
            Ratio,
        ),
        def(
            "teams_monthly_activity",
            "Tổ hoạt động tối thiểu 4 lần/tháng",
            Ratio,
        ),
        def(
            "teams_security_session",
            "Tổ tổ chức ít nhất 01 buổi tuyên truyền an toàn thông tin",
            Ratio,
        ),
        def("reports_on_time", "Báo cáo tháng đúng hạn", Ratio),
        def(
            "teams_year_end_report",
            "Tổ có báo cáo đánh giá cuối năm",
            Ratio,
        ),
        def(
            "good_practices",
            "Mô hình, cách làm hay được đề xuất",
            Count,
        ),
    ]);
    v
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Reached by the end of the quarter (0: of the year).
    By,
    /// Within the quarter.
    In,
    /// In every period.
    Every,
}

impl Timing {
    pub fn parse(s: &str) -> Option<Timing> {
        match s {
            "by" => Some(Timing::By),
            "in" => Some(Timing::In),
            "every" => Some(Timing::Every),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Timing::By => "by",
            Timing::In => "in",
            Timing::Every => "every",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    pub indicator: String,
    pub timing: Timing,
    /// 1–4, or 0 for the whole year.
    pub quarter: i64,
    pub value: i64,
}

impl Target {
    pub fn new(indicator: &str, timing: Timing, quarter: i64, value: i64) -> Target {
        Target {
            indicator: indicator.to_string(),
            timing,
            quarter,
            value,
        }
    }

    /// "đến hết Quý II", "trong Quý III", "hằng kỳ".
    pub fn when(&self) -> String {
        let q = if self.quarter == 0 {
            "năm".to_string()
        } else {
            format!("Quý {}", roman(self.quarter))
        };
        match self.timing {
            Timing::By => format!("đến hết {q}"),
            Timing::In => format!("trong {q}"),
            Timing::Every => "mọi kỳ".to_string(),
        }
    }

    /// The last month of the year the target is due (12 for the year).
    fn deadline_month_number(&self) -> i64 {
        if self.quarter == 0 {
            12
        } else {
            self.quarter * 3
        }
    }
}

/// The plan's default targets (PRODUCT.md §4 and the seed's appendix).
pub fn default_targets() -> Vec<Target> {
    use Timing::*;
    vec![
        Target::new("adults_guided", By, 2, 80),
        Target::new("households_province_app", By, 2, 100),
        Target::new("adults_province_app", By, 0, 100),
        Target::new("adults_digital_skills", By, 3, 85),
        Target::new("adults_digital_skills", By, 0, 60),
        Target::new("teams_consolidated", By, 1, 100),
        Target::new("members_trained", By, 0, 100),
        Target::new("members_digital_skills", By, 0, 100),
        Target::new("hamlets_zalo", By, 1, 100),
        Target::new("households_zalo_group", By, 0, 100),
        Target::new("teams_monthly_activity", Every, 0, 100),
        Target::new("teams_security_session", In, 3, 100),
        Target::new("reports_on_time", Every, 0, 100),
        Target::new("teams_year_end_report", In, 4, 100),
        Target::new("good_practices", In, 4, 1),
    ]
}

/// The target a period is judged against: one for "within" the period's quarter first, then
/// the next "by" deadline at or after the reference month (the last one once all have passed),
/// then an every-period target.
pub fn target_in_force<'a>(
    targets: &'a [Target],
    code: &str,
    period: &Period,
) -> Option<&'a Target> {
    let mine: Vec<&Target> = targets.iter().filter(|t| t.indicator == code).collect();
    let last = month_number(period.last_month());
    let first = month_number(period.first_month());
    let within = mine.iter().find(|t| {
        t.timing == Timing::In
            && (t.quarter == 0 || {
                let (qa, qb) = (t.quarter * 3 - 2, t.quarter * 3);
                // The period lies in the quarter, or (a year) contains it.
                (first >= qa && last <= qb) || (first <= qa && last >= qb)
            })
    });
    if let Some(t) = within {
        return Some(t);
    }
    let mut by: Vec<&&Target> = mine.iter().filter(|t| t.timing == Timing::By).collect();
    by.sort_by_key(|t| t.deadline_month_number());
    if let Some(t) = by
        .iter()
        .find(|t| t.deadline_month_number() >= last)
        .or(by.last())
    {
        return Some(t);
    }
    mine.into_iter().find(|t| t.timing == Timing::Every)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Met,
    /// Not there yet, but at least the share of the target the elapsed months call for.
    OnTrack,
    Behind,
    /// The deadline has passed and the target was not reached.
    Missed,
    /// No target: tracked only.
    Tracked,
    NoData,
}

impl Progress {
    pub fn label(&self) -> &'static str {
        match self {
            Progress::Met => "Đạt",
            Progress::OnTrack => "Đúng tiến độ",
            Progress::Behind => "Chậm tiến độ",
            Progress::Missed => "Không đạt",
            Progress::Tracked => "Theo dõi",
            Progress::NoData => "Chưa có số liệu",
        }
    }
    pub fn css(&self) -> &'static str {
        match self {
            Progress::Met => "ok",
            Progress::OnTrack => "track",
            Progress::Behind | Progress::Missed => "behind",
            Progress::Tracked | Progress::NoData => "none",
        }
    }
}

/// One indicator's figure for one area and period.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub numerator: i64,
    pub denominator: Option<i64>,
    /// A percentage (one decimal) for ratios, the count for counts; null with no denominator.
    pub value: Option<f64>,
    pub target: Option<i64>,
    pub target_when: Option<String>,
    pub met: Option<bool>,
    pub progress: Progress,
}

impl Figure {
    /// Width of the progress bar, 0–100.
    pub fn bar(&self) -> i64 {
        match (self.kind, self.value, self.target) {
            (Kind::Ratio, Some(v), _) => v.round().clamp(0.0, 100.0) as i64,
            (Kind::Count, _, Some(t)) if t > 0 => (self.numerator * 100 / t).clamp(0, 100),
            _ => 0,
        }
    }
    /// The value as people read it: `45,3%`, or the count.
    pub fn display(&self) -> String {
        match (self.kind, self.value) {
            (Kind::Count, _) => crate::text::format_int(self.numerator),
            (Kind::Ratio, Some(v)) => format!("{}%", format_percent(v)),
            (Kind::Ratio, None) => "—".to_string(),
        }
    }
    pub fn target_display(&self) -> String {
        match (self.kind, self.target) {
            (_, None) => "—".to_string(),
            (Kind::Ratio, Some(t)) => format!("{t}%"),
            (Kind::Count, Some(t)) => format!("≥ {t}"),
        }
    }
}

pub fn format_percent(v: f64) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    s.replace('.', ",")
}

/// Judges a figure against the target in force for the period.
pub fn evaluate(
    def: &Definition,
    numerator: i64,
    denominator: i64,
    target: Option<&Target>,
    period: &Period,
) -> Figure {
    let (denominator, value) = match def.kind {
        Kind::Ratio if denominator > 0 => (
            Some(denominator),
            Some((numerator as f64 * 1000.0 / denominator as f64).round() / 10.0),
        ),
        Kind::Ratio => (Some(denominator), None),
        Kind::Count => (None, Some(numerator as f64)),
    };
    // Integer comparisons: 79.96% is not 80%.
    let reached = |share_num: i64, share_den: i64, t: i64| match def.kind {
        Kind::Ratio => numerator * 100 * share_den >= t * denominator.unwrap_or(0) * share_num,
        Kind::Count => numerator * share_den >= t * share_num,
    };
    let met = match (target, value) {
        (Some(t), Some(_)) => Some(reached(1, 1, t.value)),
        _ => None,
    };
    let progress = match (target, met) {
        (None, _) => Progress::Tracked,
        (Some(_), None) => Progress::NoData,
        (Some(_), Some(true)) => Progress::Met,
        (Some(t), Some(false)) => {
            let elapsed = month_number(period.last_month());
            let due = match t.timing {
                Timing::Every => elapsed,
                _ => t.deadline_month_number(),
            };
            if deadline_passed(period, due) {
                Progress::Missed
            } else if t.timing == Timing::By && elapsed < due && reached(elapsed, due, t.value) {
                Progress::OnTrack
            } else {
                Progress::Behind
            }
        }
    };
    Figure {
        code: def.code.clone(),
        name: def.name.clone(),
        kind: def.kind,
        numerator,
        denominator,
        value,
        target: target.map(|t| t.value),
        target_when: target.map(Target::when),
        met,
        progress,
    }
}

/// The deadline (a month number of the period's year) lies before the month now running and
/// within the period looked at: too late to reach the target, whatever happens next.
fn deadline_passed(period: &Period, due: i64) -> bool {
    let year = super::period::year_of(period.last_month());
    let deadline = super::period::month(year, due);
    deadline < super::period::current_month() && deadline <= period.last_month()
}

/// The metrics (as summed by the engine) behind an indicator: numerator and denominator.
pub fn metrics_of(code: &str) -> (String, &'static str) {
    let pair = |n: &str, d: &'static str| (n.to_string(), d);
    match code {
        "adults_guided" => pair(super::steps::GUIDED, super::steps::ADULTS),
        "households_province_app" => pair("hh.province_app", super::steps::HOUSEHOLDS),
        "households_zalo_group" => pair("hh.zalo_group", super::steps::HOUSEHOLDS),
        "adults_without_smartphone" => pair(super::steps::NO_SMARTPHONE, ""),
        "teams_consolidated" => pair("team.consolidated", "team.hamlets"),
        "members_trained" => pair("mem.trained", "mem.active"),
        "members_digital_skills" => pair("mem.skills", "mem.active"),
        "hamlets_zalo" => pair("team.zalo", "team.hamlets"),
        "teams_security_session" => pair("team.security", "team.hamlets"),
        "teams_year_end_report" => pair("team.year_end", "team.hamlets"),
        "teams_monthly_activity" => pair("act.met", "act.months"),
        "reports_on_time" => pair("rep.on_time", "rep.expected"),
        "businesses_ecommerce" => pair("biz.ecommerce", "biz.all"),
        "businesses_einvoice" => pair("biz.einvoice", "biz.all"),
        "businesses_cashless" => pair("biz.cashless", "biz.all"),
        "good_practices" => pair("practices", ""),
        other => (
            super::steps::service_metric(other.strip_prefix("adults_").unwrap_or(other)),
            super::steps::ADULTS,
        ),
    }
}

/// Every indicator's figure from the summed metrics.
pub fn figures(
    defs: &[Definition],
    totals: &std::collections::HashMap<String, i64>,
    targets: &[Target],
    period: &Period,
) -> Vec<Figure> {
    let get = |m: &str| totals.get(m).copied().unwrap_or(0);
    defs.iter()
        .map(|d| {
            let (num, den) = metrics_of(&d.code);
            evaluate(
                d,
                get(&num),
                get(den),
                target_in_force(targets, &d.code, period),
                period,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn every_indicator_of_the_specification_is_defined() {
        let services: Vec<(String, String)> = ["vneid", "province_app", "digital_skills", "email"]
            .iter()
            .map(|c| (c.to_string(), c.to_uppercase()))
            .collect();
        let codes: Vec<String> = definitions(&services, "Tây Ninh Smart")
            .into_iter()
            .map(|d| d.code)
            .collect();
        for c in [
            "adults_guided",
            "households_province_app",
            "adults_province_app",
            "adults_digital_skills",
            "adults_vneid",
            "adults_email",
            "adults_without_smartphone",
            "teams_consolidated",
            "hamlets_zalo",
            "households_zalo_group",
            "businesses_ecommerce",
            "teams_monthly_activity",
            "teams_security_session",
            "reports_on_time",
            "teams_year_end_report",
            "good_practices",
        ] {
            assert_eq!(codes.iter().filter(|x| *x == c).count(), 1, "{c}");
        }
    }

    #[test]
    fn the_next_deadline_is_in_force() {
        let t = default_targets();
        let skills = |s| {
            target_in_force(&t, "adults_digital_skills", &p(s))
                .unwrap()
                .value
        };
        assert_eq!(skills("2026-05"), 85);
        assert_eq!(skills("2026-Q3"), 85);
        assert_eq!(skills("2026-10"), 60);
        assert_eq!(skills("2026"), 60);
        let guided = |s| target_in_force(&t, "adults_guided", &p(s)).unwrap().value;
        assert_eq!(guided("2026-11"), 80, "a passed deadline stays in force");
        let security = |s| target_in_force(&t, "teams_security_session", &p(s)).map(|t| t.value);
        assert_eq!(security("2026-08"), Some(100));
        assert_eq!(security("2026"), Some(100));
        assert_eq!(security("2026-05"), None);
        assert!(target_in_force(&t, "adults_vneid", &p("2026")).is_none());
        assert_eq!(
            target_in_force(&t, "reports_on_time", &p("2026-02"))
                .unwrap()
                .value,
            100
        );
    }

    #[test]
    fn figures_are_judged_exactly() {
        let d = def("adults_guided", "x", Kind::Ratio);
        let t = Target::new("adults_guided", Timing::By, 2, 80);
        // 7996 of 10000 is 80.0% rounded, but not 80%.
        let f = evaluate(&d, 7996, 10000, Some(&t), &p("2026-06"));
        assert_eq!(f.value, Some(80.0));
        assert_eq!(f.met, Some(false));
        // June is over (these tests run after 2026): the deadline passed unmet.
        assert_eq!(f.progress, Progress::Missed);
        assert_eq!(f.progress.label(), "Không đạt");
        // The same shortfall before the deadline is only behind.
        let ahead = Target::new("adults_guided", Timing::By, 2, 80);
        let f = evaluate(&d, 10, 100, Some(&ahead), &p("2100-01"));
        assert_eq!(f.progress, Progress::Behind);
        // A year looked at in December: "80% by the end of Q2" unmet is not reached.
        assert_eq!(
            evaluate(&d, 50, 100, Some(&t), &p("2026")).progress,
            Progress::Missed
        );
        let f = evaluate(&d, 8000, 10000, Some(&t), &p("2026-06"));
        assert_eq!((f.met, f.progress), (Some(true), Progress::Met));
        // In March, half of the way to June: 40% is on track, 39% behind.
        assert_eq!(
            evaluate(&d, 40, 100, Some(&t), &p("2026-03")).progress,
            Progress::OnTrack
        );
        assert_eq!(
            evaluate(&d, 39, 100, Some(&t), &p("2026-03")).progress,
            Progress::Behind
        );
        let f = evaluate(&d, 0, 0, Some(&t), &p("2026-03"));
        assert_eq!((f.value, f.met, f.progress), (None, None, Progress::NoData));
        let c = def("good_practices", "x", Kind::Count);
        let t = Target::new("good_practices", Timing::In, 4, 1);
        let f = evaluate(&c, 2, 0, Some(&t), &p("2026-Q4"));
        assert_eq!(
            (f.denominator, f.value, f.met),
            (None, Some(2.0), Some(true))
        );
        assert_eq!(f.display(), "2");
        assert_eq!(format_percent(45.3), "45,3");
    }
}
