//! The year-end evaluation as a scored sheet, without HTTP or SQL: the commune's criteria (each
//! with maximum points, how it is scored, its evidence and who verifies it), the points of each
//! team — computed from the data for the automatic measures, given by the commune for the rest —
//! the totals and the ranking that feeds the award nominations for 10/10.
//!
//! Points are kept in tenths of a point (`i64`): a sheet rounded to one decimal adds up the same
//! way on every machine, and the tests compare exact numbers.

use crate::indicators::period::{self, Month};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A measure computed from the data. Each is defined exactly in `definition`, which the page
/// shows as the criterion's "cách chấm".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// max × months with at least 4 activities / months counted.
    Activities,
    /// max × the plan's targets (with a value) the hamlet met / those targets.
    TargetsMet,
    /// max × monthly reports submitted by the due date / reports expected.
    ReportsOnTime,
    /// max × quarters with an information-security session / quarters counted.
    SecuritySessions,
    /// max × (adults guided / adults) / the target share, at most max.
    AdultsGuided,
}

pub const MEASURES: [Measure; 5] = [
    Measure::Activities,
    Measure::TargetsMet,
    Measure::ReportsOnTime,
    Measure::SecuritySessions,
    Measure::AdultsGuided,
];

impl Measure {
    pub fn code(self) -> &'static str {
        match self {
            Measure::Activities => "activities",
            Measure::TargetsMet => "targets_met",
            Measure::ReportsOnTime => "reports_on_time",
            Measure::SecuritySessions => "security_sessions",
            Measure::AdultsGuided => "adults_guided",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        MEASURES.into_iter().find(|m| m.code() == s)
    }

    /// The name in the method list.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Activities => "Số tháng hoạt động tối thiểu 4 lần/tháng",
            Measure::TargetsMet => "Tỷ lệ chỉ tiêu của Kế hoạch đạt được",
            Measure::ReportsOnTime => "Báo cáo tháng đúng hạn",
            Measure::SecuritySessions => "Số quý có buổi tuyên truyền an toàn thông tin",
            Measure::AdultsGuided => "Người trưởng thành được hướng dẫn trực tiếp",
        }
    }

    /// Exactly how the points are computed, in the words shown on the page and in the report.
    pub fn definition(self) -> &'static str {
        match self {
            Measure::Activities => {
                "Điểm = điểm tối đa × số tháng Tổ có ít nhất 4 buổi hoạt động / số tháng tính điểm. \
                 Tháng tính điểm: tháng trong năm đã kết thúc tính đến ngày chấm, ấp đang hoạt động. \
                 Đủ 12 tháng đạt điểm tối đa; mỗi tháng không đủ 4 buổi mất một phần bằng nhau."
            }
            Measure::TargetsMet => {
                "Điểm = điểm tối đa × số chỉ tiêu của Kế hoạch mà ấp đạt / số chỉ tiêu có mục tiêu \
                 và có số liệu của ấp, theo số liệu cả năm (như trang Chỉ tiêu)."
            }
            Measure::ReportsOnTime => {
                "Điểm = điểm tối đa × số báo cáo tháng nộp đúng hạn / số báo cáo phải nộp \
                 (tháng đã đến hạn nộp, ấp đang hoạt động); lần nộp đầu tiên quyết định đúng hạn hay trễ."
            }
            Measure::SecuritySessions => {
                "Điểm = điểm tối đa × số quý có ít nhất 01 buổi tuyên truyền an toàn thông tin / số quý \
                 tính điểm. Quý tính điểm: quý đã kết thúc tính đến ngày chấm, ấp hoạt động ít nhất một \
                 tháng trong quý (cả năm là 4 quý)."
            }
            Measure::AdultsGuided => {
                "Điểm = điểm tối đa × (tỷ lệ người trưởng thành được hướng dẫn trực tiếp / mục tiêu của \
                 Kế hoạch), không quá điểm tối đa; Kế hoạch không đặt mục tiêu thì so với 100%."
            }
        }
    }
}

/// How a criterion is scored: from the data, or by the commune.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Method {
    Auto(Measure),
    Manual,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "manual" => Some(Method::Manual),
            other => Measure::parse(other).map(Method::Auto),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Method::Manual => "manual",
            Method::Auto(m) => m.code(),
        }
    }
    pub fn label(self) -> String {
        match self {
            Method::Manual => "Xã chấm".to_string(),
            Method::Auto(m) => format!("Tự động từ dữ liệu: {}", m.label()),
        }
    }
    pub fn is_manual(self) -> bool {
        self == Method::Manual
    }
}

/// Every method a criterion may have, for the edit form: (code, label).
pub fn methods() -> Vec<(&'static str, String)> {
    std::iter::once(Method::Manual)
        .chain(MEASURES.into_iter().map(Method::Auto))
        .map(|m| (m.code(), m.label()))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Criterion {
    pub id: i64,
    /// The order on the sheet (smaller first).
    pub position: i64,
    pub name: String,
    pub max_points: i64,
    pub method: Method,
    /// How it is scored, in the commune's words (for an automatic measure, shown with the
    /// measure's own definition).
    pub how: String,
    pub evidence: String,
    pub verifier: String,
}

impl Criterion {
    /// The short column label of the sheet: `TC1`, `TC2`, … in the sheet's order.
    pub fn column(index: usize) -> String {
        format!("TC{}", index + 1)
    }
}

/// A criterion as the commune admin writes it: checked before it is stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriterionEdit {
    pub position: i64,
    pub name: String,
    pub max_points: i64,
    pub method: Method,
    pub how: String,
    pub evidence: String,
    pub verifier: String,
}

/// Longest text of a criterion's fields: it goes into a table cell of the report.
pub const MAX_CRITERION_TEXT: usize = 1000;

impl CriterionEdit {
    /// The criteria's rules, with the message shown when one is broken.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Hãy ghi tên tiêu chí.".into());
        }
        if self.name.chars().count() > 200 {
            return Err("Tên tiêu chí dài quá 200 ký tự; hãy viết gọn lại.".into());
        }
        if !(1..=1000).contains(&self.max_points) {
            return Err("Điểm tối đa của tiêu chí là một số nguyên từ 1 đến 1.000.".into());
        }
        if !(0..=1000).contains(&self.position) {
            return Err("Thứ tự của tiêu chí là một số từ 0 đến 1.000.".into());
        }
        for (text, what) in [
            (&self.how, "Cách chấm"),
            (&self.evidence, "Minh chứng"),
            (&self.verifier, "Đơn vị xác nhận"),
        ] {
            if text.chars().count() > MAX_CRITERION_TEXT {
                return Err(format!(
                    "{what} dài quá {MAX_CRITERION_TEXT} ký tự; hãy viết gọn lại."
                ));
            }
        }
        Ok(())
    }

    pub fn of_default(position: i64, d: &DefaultCriterion) -> CriterionEdit {
        CriterionEdit {
            position,
            name: d.name.to_string(),
            max_points: d.max_points,
            method: d.method,
            how: d.how.to_string(),
            evidence: d.evidence.to_string(),
            verifier: d.verifier.to_string(),
        }
    }

    pub fn of(c: &Criterion) -> CriterionEdit {
        CriterionEdit {
            position: c.position,
            name: c.name.clone(),
            max_points: c.max_points,
            method: c.method,
            how: c.how.clone(),
            evidence: c.evidence.clone(),
            verifier: c.verifier.clone(),
        }
    }
}

/// A criterion of the default set, from the commune plan (seeded when a commune has none).
pub struct DefaultCriterion {
    pub name: &'static str,
    pub max_points: i64,
    pub method: Method,
    pub how: &'static str,
    pub evidence: &'static str,
    pub verifier: &'static str,
}

const VHXH: &str = "Phòng Văn hóa – Xã hội";
const UBND: &str = "UBND xã";

/// The plan's own yardsticks, 100 points in all: at least 4 activities a month, the targets of
/// the appendix, the monthly report by the 25th, a security session in Q3, 80% of adults guided
/// in person; the commune judges consolidation and the 10/10 response.
pub const DEFAULT_CRITERIA: &[DefaultCriterion] = &[
    DefaultCriterion {
        name: "Duy trì hoạt động tối thiểu 4 lần/tháng",
        max_points: 25,
        method: Method::Auto(Measure::Activities),
        how: "Đủ 12 tháng, mỗi tháng tối thiểu 4 buổi hoạt động: 25 điểm; mỗi tháng không đủ trừ một phần.",
        evidence: "Sổ ghi chép buổi hoạt động của Tổ (ngày, hình thức, thành viên tham gia, số người dân được hướng dẫn).",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Hoàn thành các chỉ tiêu của Kế hoạch",
        max_points: 25,
        method: Method::Auto(Measure::TargetsMet),
        how: "Theo tỷ lệ chỉ tiêu của Kế hoạch năm mà ấp đạt được.",
        evidence: "Số liệu chỉ tiêu của ấp trên Cộng Đồng Số; danh sách người dân, hộ đã được hướng dẫn.",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Người dân trưởng thành được hướng dẫn trực tiếp (tối thiểu 80%)",
        max_points: 15,
        method: Method::Auto(Measure::AdultsGuided),
        how: "Đạt mục tiêu 80% người dân trưởng thành được hướng dẫn trực tiếp: 15 điểm; chưa đạt tính theo tỷ lệ.",
        evidence: "Danh sách lượt hỗ trợ, hướng dẫn người dân của Tổ.",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Tổ chức tuyên truyền về an toàn thông tin, nhận diện lừa đảo",
        max_points: 10,
        method: Method::Auto(Measure::SecuritySessions),
        how: "Mỗi quý tổ chức ít nhất 01 buổi tuyên truyền về an toàn thông tin, bảo vệ dữ liệu cá nhân.",
        evidence: "Buổi hoạt động loại tuyên truyền an toàn thông tin (ngày, địa điểm, số người tham dự).",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Báo cáo tháng đúng hạn (chậm nhất ngày 25 hằng tháng)",
        max_points: 10,
        method: Method::Auto(Measure::ReportsOnTime),
        how: "Nộp đủ, đúng hạn báo cáo tháng: 10 điểm; báo cáo trễ hoặc không nộp trừ theo tỷ lệ.",
        evidence: "Báo cáo tháng của Trưởng ấp trên Cộng Đồng Số (ngày nộp).",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Kiện toàn Tổ CNSCĐ, duy trì Nhóm Zalo ấp hoạt động",
        max_points: 5,
        method: Method::Manual,
        how: "Tổ có tổ trưởng, tối thiểu 3 thành viên hoạt động; Nhóm Zalo ấp hoạt động thường xuyên.",
        evidence: "Quyết định kiện toàn Tổ; danh sách thành viên; Nhóm Zalo ấp.",
        verifier: VHXH,
    },
    DefaultCriterion {
        name: "Hưởng ứng Ngày Chuyển đổi số quốc gia (10/10), mô hình, cách làm hay",
        max_points: 10,
        method: Method::Manual,
        how: "Tổ chức hoạt động hưởng ứng Ngày 10/10; có mô hình, cách làm hay được đề xuất nhân rộng.",
        evidence: "Báo cáo đánh giá cuối năm của Tổ; hồ sơ mô hình, cách làm hay; hình ảnh hoạt động.",
        verifier: UBND,
    },
];

/// What the data says of one team for the year, as the automatic measures read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TeamData {
    pub team_id: i64,
    pub team: String,
    pub months_counted: i64,
    pub months_met: i64,
    pub quarters_counted: i64,
    pub quarters_with_security: i64,
    pub targets_with_value: i64,
    pub targets_met: i64,
    pub reports_expected: i64,
    pub reports_on_time: i64,
    pub adults: i64,
    pub adults_guided: i64,
    /// The plan's target share of adults guided (a percentage), if it sets one.
    pub guided_target: Option<i64>,
}

/// One team's activities in a month: how many, and how many information-security sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthActivity {
    pub all: i64,
    pub security: i64,
}

/// Months and quarters of `year` counted for a team by `reference` (`yyyy-mm-dd`): a month
/// counts once it has ended on or before the reference date and the hamlet was open in it; a
/// quarter once it has ended and the hamlet was open in at least one of its months. Returns
/// (months counted, months with ≥ 4 activities, quarters counted, quarters with a session).
pub fn activity_counts(
    year: i64,
    reference: &str,
    open: impl Fn(Month) -> bool,
    per_month: &BTreeMap<Month, MonthActivity>,
) -> (i64, i64, i64, i64) {
    let ended = |m: Month| period::last_day_iso(m).as_str() <= reference;
    let (mut months, mut met, mut quarters, mut secure) = (0, 0, 0, 0);
    for q in 1..=4 {
        let qm: Vec<Month> = (q * 3 - 2..=q * 3)
            .map(|n| period::month(year, n))
            .collect();
        let mut any_open = false;
        let mut any_security = false;
        for m in &qm {
            if !open(*m) {
                continue;
            }
            any_open = true;
            let a = per_month.get(m).copied().unwrap_or_default();
            any_security |= a.security > 0;
            if ended(*m) {
                months += 1;
                met += (a.all >= crate::fieldwork::MONTHLY_MINIMUM) as i64;
            }
        }
        if any_open && ended(qm[2]) {
            quarters += 1;
            secure += any_security as i64;
        }
    }
    (months, met, quarters, secure)
}

/// `max × num / den` in tenths, rounded half up; nothing to divide by gives 0.
pub fn share_tenths(max: i64, num: i64, den: i64) -> i64 {
    if den <= 0 {
        return 0;
    }
    let num = num.clamp(0, den);
    (max * 10 * num * 2 + den) / (2 * den)
}

/// The points of an automatic measure for a team, in tenths, and what they rest on.
pub fn auto_points(measure: Measure, max: i64, d: &TeamData) -> (i64, String) {
    match measure {
        Measure::Activities => (
            share_tenths(max, d.months_met, d.months_counted),
            format!("{}/{} tháng đạt", d.months_met, d.months_counted),
        ),
        Measure::TargetsMet => (
            share_tenths(max, d.targets_met, d.targets_with_value),
            format!("{}/{} chỉ tiêu đạt", d.targets_met, d.targets_with_value),
        ),
        Measure::ReportsOnTime => (
            share_tenths(max, d.reports_on_time, d.reports_expected),
            format!(
                "{}/{} báo cáo đúng hạn",
                d.reports_on_time, d.reports_expected
            ),
        ),
        Measure::SecuritySessions => (
            share_tenths(max, d.quarters_with_security, d.quarters_counted),
            format!(
                "{}/{} quý có buổi an toàn thông tin",
                d.quarters_with_security, d.quarters_counted
            ),
        ),
        Measure::AdultsGuided => {
            let target = d.guided_target.filter(|t| *t > 0).unwrap_or(100);
            // (guided / adults) / (target / 100), capped at 1.
            let num = (d.adults_guided * 100).min(d.adults * target);
            let share = if d.adults > 0 {
                crate::text::decimal_comma(d.adults_guided as f64 * 100.0 / d.adults as f64)
            } else {
                "–".to_string()
            };
            (
                share_tenths(max, num, d.adults * target),
                format!("{share}% (mục tiêu {target}%)"),
            )
        }
    }
}

/// A manual score: tenths of a point and the commune's note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manual {
    pub tenths: i64,
    pub note: String,
}

/// One criterion's points for one team.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Points {
    /// None: a manual criterion the commune has not scored yet (counts as 0 in the total).
    pub tenths: Option<i64>,
    /// What the points rest on (`10/12 tháng đạt`), or the commune's note.
    pub basis: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamLine {
    pub team_id: i64,
    pub team: String,
    /// One per criterion, in the sheet's order.
    pub points: Vec<Points>,
    pub total: i64,
    /// 1 is first; teams equal on every criterion share a rank (1, 2, 2, 4).
    pub rank: i64,
}

impl TeamLine {
    pub fn total_display(&self) -> String {
        format_tenths(self.total)
    }
    fn key(&self) -> (i64, Vec<i64>) {
        (
            self.total,
            self.points.iter().map(|p| p.tenths.unwrap_or(0)).collect(),
        )
    }
}

/// The scored sheet of a commune's teams for a year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sheet {
    pub year: i64,
    /// The day the data is read up to: the year's last day, or today within the year.
    pub reference_date: String,
    pub criteria: Vec<Criterion>,
    /// Ranked: first place first.
    pub teams: Vec<TeamLine>,
}

/// How the ranking breaks ties, as the page and the report state it.
pub const TIE_RULE: &str = "Xếp hạng theo tổng điểm từ cao xuống thấp; bằng tổng điểm thì Tổ có \
     điểm cao hơn ở tiêu chí xếp trước (TC1, rồi TC2, …) xếp trên; bằng nhau ở mọi tiêu chí thì \
     đồng hạng.";

impl Sheet {
    /// The sum of the criteria's maximum points.
    pub fn max_total(&self) -> i64 {
        self.criteria.iter().map(|c| c.max_points).sum()
    }
    pub fn line_of(&self, team_id: i64) -> Option<&TeamLine> {
        self.teams.iter().find(|t| t.team_id == team_id)
    }
    /// `Xếp hạng 2/17 với 86,5/100 điểm trong bảng chấm điểm năm 2026`: a nomination's reason.
    pub fn standing(&self, team_id: i64) -> Option<String> {
        self.line_of(team_id).map(|l| {
            format!(
                "Xếp hạng {}/{} với {}/{} điểm trong bảng chấm điểm thi đua các Tổ CNSCĐ năm {}.",
                l.rank,
                self.teams.len(),
                format_tenths(l.total),
                self.max_total(),
                self.year
            )
        })
    }
}

/// The reference date of a year's sheet: its last day, or `today` while the year runs.
pub fn reference_date(year: i64, today: &str) -> String {
    let end = format!("{year}-12-31");
    if today < end.as_str() {
        today.to_string()
    } else {
        end
    }
}

/// Scores every team on every criterion and ranks them. `teams` come in the commune's order,
/// which also orders teams sharing a rank.
pub fn sheet(
    year: i64,
    reference_date: &str,
    criteria: Vec<Criterion>,
    teams: &[TeamData],
    manual: &HashMap<(i64, i64), Manual>,
) -> Sheet {
    let mut lines: Vec<TeamLine> = teams
        .iter()
        .map(|d| {
            let points: Vec<Points> = criteria
                .iter()
                .map(|c| match c.method {
                    Method::Auto(m) => {
                        let (tenths, basis) = auto_points(m, c.max_points, d);
                        Points {
                            tenths: Some(tenths),
                            basis,
                        }
                    }
                    Method::Manual => match manual.get(&(c.id, d.team_id)) {
                        Some(s) => Points {
                            tenths: Some(s.tenths.min(c.max_points * 10)),
                            basis: s.note.clone(),
                        },
                        None => Points {
                            tenths: None,
                            basis: "Chưa chấm".to_string(),
                        },
                    },
                })
                .collect();
            TeamLine {
                team_id: d.team_id,
                team: d.team.clone(),
                total: points.iter().filter_map(|p| p.tenths).sum(),
                points,
                rank: 0,
            }
        })
        .collect();
    // Stable: teams equal on everything keep the commune's order.
    lines.sort_by_key(|l| std::cmp::Reverse(l.key()));
    for i in 0..lines.len() {
        lines[i].rank = if i > 0 && lines[i].key() == lines[i - 1].key() {
            lines[i - 1].rank
        } else {
            i as i64 + 1
        };
    }
    Sheet {
        year,
        reference_date: reference_date.to_string(),
        criteria,
        teams: lines,
    }
}

/// `205` → `20,5`; one decimal always, so a column of points lines up.
pub fn format_tenths(t: i64) -> String {
    crate::text::decimal_comma(t as f64 / 10.0)
}

/// A score typed by the commune: `7`, `7,5` or `7.5`, between 0 and the maximum, at most one
/// decimal. Empty: no score. The error is the message shown.
pub fn parse_points(s: &str, criterion: &str, max: i64) -> Result<Option<i64>, String> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "Điểm «{s}» của tiêu chí «{criterion}» không hợp lệ: ghi số từ 0 đến {max}, ví dụ 7 hoặc 7,5."
        )
    };
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 6 {
        return Err(bad());
    }
    if frac.len() > 1 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "Điểm của tiêu chí «{criterion}» chỉ ghi tối đa một chữ số thập phân (ví dụ 7,5)."
        ));
    }
    let tenths = whole.parse::<i64>().map_err(|_| bad())? * 10 + frac.parse::<i64>().unwrap_or(0);
    if tenths > max * 10 {
        return Err(format!(
            "Tiêu chí «{criterion}» tối đa {max} điểm: không chấm quá điểm tối đa."
        ));
    }
    Ok(Some(tenths))
}

#[cfg(test)]
#[path = "scoring_tests.rs"]
mod tests;
