//! Kinh phí (issue 19): who is paid what for a month, from the commune's rates and the teams'
//! own records. Plain functions, without HTTP or SQL: the data layer gathers the inputs, this
//! module decides the lines, and the database keeps each line from being paid twice.
//!
//! The rules are data (resolutions differ by province): a rate is one of three kinds, from a
//! source, effective from a month; a new rate replaces the one before it from its month on.

use crate::error::{AppError, Result};
use crate::indicators::period::{self, Month};
use crate::text;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The kinds of rate, in the order pages show them.
pub const RATE_KINDS: [(&str, &str); 3] = [
    ("team_month", "Theo tổ, mỗi tháng"),
    ("member_month", "Theo thành viên, mỗi tháng"),
    ("person_day", "Theo người, mỗi ngày được huy động"),
];

/// Kinds of funding source.
pub const SOURCE_KINDS: [(&str, &str); 3] = [
    ("province", "Ngân sách tỉnh (nghị quyết hỗ trợ Tổ CNSCĐ)"),
    ("commune", "Ngân sách xã"),
    ("other", "Nguồn hợp pháp khác"),
];

/// Kinds of expense.
pub const EXPENSE_KINDS: [(&str, &str); 6] = [
    ("stationery", "Văn phòng phẩm"),
    ("telecoms", "Cước viễn thông"),
    ("water", "Nước uống"),
    ("printing", "In ấn tài liệu"),
    ("training", "Chi phí tập huấn"),
    ("other", "Chi khác"),
];

/// How a list was paid.
pub const PAY_METHODS: [(&str, &str); 2] = [("cash", "Tiền mặt"), ("transfer", "Chuyển khoản")];

/// Activity kinds a team is called out for by default (a person-day is paid for these).
pub const CALLED_OUT_DEFAULT: [&str; 2] = ["campaign", "dx_day"];

pub fn rate_kind_label(code: &str) -> &'static str {
    match code {
        "adjustment" => "Điều chỉnh",
        _ => crate::codes::label(&RATE_KINDS, code),
    }
}

/// The unit a rate is quoted in, after "đ/".
pub fn rate_unit(kind: &str) -> &'static str {
    match kind {
        "team_month" => "tổ/tháng",
        "member_month" => "người/tháng",
        _ => "người/ngày",
    }
}

/// An amount in đồng as Vietnamese write it: `300.000 đ`.
pub fn money(amount: i64) -> String {
    format!("{} đ", text::format_int(amount))
}

/// The largest amount accepted anywhere (a hundred billion đồng): keeps sums far from overflow.
pub const MAX_AMOUNT: i64 = 100_000_000_000;

/// Reads an amount typed as `300000`, `300.000` or `300,000 đ`.
pub fn parse_amount(s: &str, negative_ok: bool) -> Result<i64> {
    let t = s.trim().trim_end_matches('đ').trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits: String = digits
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    let bad = || {
        AppError::invalid(format!(
            "Số tiền «{}» không hợp lệ: nhập số đồng, ví dụ 300000 hoặc 300.000.",
            text::clean(&s.chars().take(20).collect::<String>())
        ))
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 12 {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    if n > MAX_AMOUNT || (neg && !negative_ok) {
        return Err(bad());
    }
    Ok(if neg { -n } else { n })
}

/// A rate as stored.
#[derive(Clone, Debug)]
pub struct Rate {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub kind: String,
    pub amount: i64,
    pub from: Month,
}

/// The rate of `kind` from `source` in force in `month`: the latest to take effect by then
/// (the later one entered wins within a month).
pub fn rate_in_force<'a>(
    rates: &'a [Rate],
    source: i64,
    kind: &str,
    month: Month,
) -> Option<&'a Rate> {
    rates
        .iter()
        .filter(|r| r.source_id == source && r.kind == kind && r.from <= month)
        .max_by_key(|r| (r.from, r.id))
}

/// A commune's top-up source may pay at most `cap_percent` of the province's rate of the same
/// kind in force that month; `Err` says what the cap is.
pub fn check_cap(
    amount: i64,
    cap_percent: Option<i64>,
    province_rate: Option<i64>,
) -> std::result::Result<(), String> {
    let (Some(cap), Some(base)) = (cap_percent, province_rate) else {
        return Ok(());
    };
    let limit = base.saturating_mul(cap) / 100;
    if amount > limit {
        return Err(format!(
            "Mức bổ sung của xã tối đa {cap}% mức của tỉnh ({}), tức {}.",
            money(base),
            money(limit)
        ));
    }
    Ok(())
}

/// Who qualifies, as the commune decided.
#[derive(Clone, Debug)]
pub struct Rules {
    /// A team is paid for a month only when it met the plan's monthly minimum of activities.
    pub team_needs_minimum: bool,
    /// Activity kinds that count as a call-out (a person-day is paid for attending one).
    pub called_out: Vec<String>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            team_needs_minimum: false,
            called_out: CALLED_OUT_DEFAULT.iter().map(|k| k.to_string()).collect(),
        }
    }
}

impl Rules {
    /// The rules written out, as the page shows them.
    pub fn explained(&self) -> Vec<String> {
        let kinds: Vec<&str> = self
            .called_out
            .iter()
            .map(|k| crate::fieldwork::activity_kind_label(k))
            .collect();
        vec![
            if self.team_needs_minimum {
                format!(
                    "Một tổ được chi cho một tháng khi tổ đã thành lập trong tháng đó, còn hoạt động, và có ít nhất {} hoạt động được ghi nhận trong tháng.",
                    crate::fieldwork::MONTHLY_MINIMUM
                )
            } else {
                "Một tổ được chi cho một tháng khi tổ đã thành lập trong tháng đó và còn hoạt động.".into()
            },
            "Một thành viên được chi cho một tháng khi là thành viên của tổ ít nhất một ngày trong tháng (tham gia trước hoặc trong tháng, chưa rời tổ trước ngày 1 của tháng).".into(),
            format!(
                "Một ngày công được chi khi thành viên có tên trong danh sách có mặt của một hoạt động được huy động ({}) trong ngày; mỗi người mỗi ngày chi một lần dù có nhiều hoạt động.",
                kinds.join(", ")
            ),
            "Một danh sách đã duyệt không thay đổi nữa; sai sót được điều chỉnh bằng dòng điều chỉnh ở tháng sau.".into(),
        ]
    }
}

/// A team as the computation needs it.
#[derive(Clone, Debug)]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// The month it was set up.
    pub from: Month,
    pub active: bool,
    /// Activities recorded, by month.
    pub activities: HashMap<Month, i64>,
}

/// A member as the computation needs it.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: i64,
    pub team_id: i64,
    pub name: String,
    /// `yyyy-mm-dd`; none: counted from the day the record was made (`created_on`).
    pub joined_on: Option<String>,
    pub created_on: String,
    pub left_on: Option<String>,
    pub active: bool,
}

impl Member {
    /// A member at least one day of the month.
    pub fn in_month(&self, m: Month) -> bool {
        let joined = self.joined_on.as_deref().unwrap_or(&self.created_on);
        let first = format!("{}-01", period::month_code(m));
        let last = period::last_day_iso(m);
        if joined > last.as_str() {
            return false;
        }
        match self.left_on.as_deref() {
            Some(left) => left >= first.as_str(),
            // Inactive with no date of leaving: when is unknown, so not paid.
            None => self.active,
        }
    }
}

/// A member present at a called-out activity.
#[derive(Clone, Debug)]
pub struct Presence {
    pub member_id: i64,
    /// `yyyy-mm-dd`
    pub day: String,
    pub activity_kind: String,
}

/// One line of a payment list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: String,
    pub team_id: i64,
    pub member_id: Option<i64>,
    /// The month paid for.
    pub month: Month,
    /// The day, for a person-day.
    pub day: Option<String>,
    pub source_id: i64,
    pub rate_id: Option<i64>,
    pub amount: i64,
    pub basis: String,
    /// What makes a line the same payment as another: none for an adjustment.
    pub pay_key: Option<String>,
}

/// The key that the database allows once among approved lines: the same source paying the
/// same team (or member) for the same month and kind, or the same person for the same day.
pub fn pay_key(
    kind: &str,
    source: i64,
    team: i64,
    member: Option<i64>,
    month: Month,
    day: Option<&str>,
) -> String {
    match (kind, member, day) {
        ("person_day", Some(m), Some(d)) => format!("day:{source}:m{m}:{d}"),
        ("member_month", Some(m), _) => {
            format!("member:{source}:m{m}:{}", period::month_code(month))
        }
        _ => format!("team:{source}:t{team}:{}", period::month_code(month)),
    }
}

fn month_label(m: Month) -> String {
    format!("{:02}/{}", period::month_number(m), period::year_of(m))
}

fn rate_text(r: &Rate) -> String {
    format!(
        "mức {}/{} từ tháng {} ({})",
        money(r.amount),
        rate_unit(&r.kind),
        month_label(r.from),
        r.source_name
    )
}

/// What a month's list is computed from.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub teams: Vec<Team>,
    pub members: Vec<Member>,
    pub presence: Vec<Presence>,
    pub rates: Vec<Rate>,
    pub rules: Rules,
    /// The keys of lines already in approved lists.
    pub paid: HashSet<String>,
}

/// The lines owed for `months` (the list's month, and earlier months still open for catch-up),
/// for every source with a rate in force, leaving out what `paid` (the keys of approved lines)
/// already holds. Lines come in a stable order: month, kind, team, member, day.
pub fn compute(months: &[Month], list_month: Month, input: &Inputs) -> Vec<Line> {
    let Inputs {
        teams,
        members,
        presence,
        rates,
        rules,
        paid,
    } = input;
    let sources: Vec<i64> = {
        let mut s: Vec<i64> = rates.iter().map(|r| r.source_id).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let team_of: HashMap<i64, &Team> = teams.iter().map(|t| (t.id, t)).collect();
    let member_of: HashMap<i64, &Member> = members.iter().map(|x| (x.id, x)).collect();
    let kinds = &rules.called_out;
    let mut lines = Vec::new();
    let mut push = |mut line: Line| {
        let key = line.pay_key.clone().unwrap_or_default();
        if paid.contains(&key) || line.amount == 0 {
            return;
        }
        if line.month != list_month {
            line.basis = format!("Bổ sung tháng {}: {}", month_label(line.month), line.basis);
        }
        lines.push(line);
    };
    for &m in months {
        for &source in &sources {
            if let Some(rate) = rate_in_force(rates, source, "team_month", m) {
                for t in teams {
                    if !t.active || t.from > m {
                        continue;
                    }
                    let n = t.activities.get(&m).copied().unwrap_or(0);
                    if rules.team_needs_minimum && n < crate::fieldwork::MONTHLY_MINIMUM {
                        continue;
                    }
                    push(Line {
                        kind: "team_month".into(),
                        team_id: t.id,
                        member_id: None,
                        month: m,
                        day: None,
                        source_id: source,
                        rate_id: Some(rate.id),
                        amount: rate.amount,
                        basis: format!(
                            "Tổ hoạt động tháng {} ({n} hoạt động); {}",
                            month_label(m),
                            rate_text(rate)
                        ),
                        pay_key: Some(pay_key("team_month", source, t.id, None, m, None)),
                    });
                }
            }
            if let Some(rate) = rate_in_force(rates, source, "member_month", m) {
                for mb in members {
                    if !mb.in_month(m) || !team_of.contains_key(&mb.team_id) {
                        continue;
                    }
                    let left = mb
                        .left_on
                        .as_deref()
                        .filter(|d| period::month_of_date(d) == Some(m))
                        .map(|d| format!(" (rời tổ ngày {})", text::format_date(d)))
                        .unwrap_or_default();
                    push(Line {
                        kind: "member_month".into(),
                        team_id: mb.team_id,
                        member_id: Some(mb.id),
                        month: m,
                        day: None,
                        source_id: source,
                        rate_id: Some(rate.id),
                        amount: rate.amount,
                        basis: format!(
                            "Thành viên tổ trong tháng {}{left}; {}",
                            month_label(m),
                            rate_text(rate)
                        ),
                        pay_key: Some(pay_key(
                            "member_month",
                            source,
                            mb.team_id,
                            Some(mb.id),
                            m,
                            None,
                        )),
                    });
                }
            }
            {
                // One line per person and day, whatever the number of call-outs that day.
                let mut days: BTreeMap<(i64, String), &Presence> = BTreeMap::new();
                for p in presence {
                    if period::month_of_date(&p.day) == Some(m) && kinds.contains(&p.activity_kind)
                    {
                        days.entry((p.member_id, p.day.clone())).or_insert(p);
                    }
                }
                for ((member_id, day), p) in days {
                    let Some(mb) = member_of.get(&member_id) else {
                        continue;
                    };
                    let Some(rate) = rate_in_force(rates, source, "person_day", m) else {
                        continue;
                    };
                    push(Line {
                        kind: "person_day".into(),
                        team_id: mb.team_id,
                        member_id: Some(member_id),
                        month: m,
                        day: Some(day.clone()),
                        source_id: source,
                        rate_id: Some(rate.id),
                        amount: rate.amount,
                        basis: format!(
                            "Có mặt «{}» ngày {}; {}",
                            crate::fieldwork::activity_kind_label(&p.activity_kind),
                            text::format_date(&day),
                            rate_text(rate)
                        ),
                        pay_key: Some(pay_key(
                            "person_day",
                            source,
                            mb.team_id,
                            Some(member_id),
                            m,
                            Some(&day),
                        )),
                    });
                }
            }
        }
    }
    let order = |k: &str| RATE_KINDS.iter().position(|(c, _)| *c == k).unwrap_or(9);
    lines.sort_by(|a, b| {
        (
            a.month,
            order(&a.kind),
            a.team_id,
            a.member_id,
            &a.day,
            a.source_id,
        )
            .cmp(&(
                b.month,
                order(&b.kind),
                b.team_id,
                b.member_id,
                &b.day,
                b.source_id,
            ))
    });
    lines
}

/// A source's standing for a year.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub allotted: i64,
    /// In lists approved (paid ones included).
    pub approved: i64,
    pub paid: i64,
    pub spent: i64,
}

impl Standing {
    /// What is left to commit: the allotment less what lists approved and expenses spent.
    pub fn remaining(&self) -> i64 {
        self.allotted - self.approved - self.spent
    }
}

/// Sources a draft list would take past their allotment: (source id, the list's share, what
/// remains before it).
pub fn overruns(lines: &[Line], standing: &HashMap<i64, Standing>) -> Vec<(i64, i64, i64)> {
    let mut by_source: BTreeMap<i64, i64> = BTreeMap::new();
    for l in lines {
        *by_source.entry(l.source_id).or_default() += l.amount;
    }
    by_source
        .into_iter()
        .filter_map(|(s, amount)| {
            let left = standing.get(&s).map(Standing::remaining).unwrap_or(0);
            (amount > left).then_some((s, amount, left))
        })
        .collect()
}

/// The months a list for `month` covers: from the commune's first list (never before January
/// of the same year) to `month`. Items of those months not yet paid are caught up; earlier
/// months belong to before the commune kept its payments here.
pub fn window(month: Month, first_list: Option<Month>) -> Vec<Month> {
    let jan = period::month(period::year_of(month), 1);
    let from = first_list.map_or(month, |f| f.max(jan)).min(month);
    (from..=month).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        period::month_of_date(s).unwrap()
    }

    #[test]
    fn amounts_read_as_typed() {
        assert_eq!(parse_amount("300.000", false).unwrap(), 300_000);
        assert_eq!(parse_amount("300,000 đ", false).unwrap(), 300_000);
        assert_eq!(parse_amount("-50000", true).unwrap(), -50_000);
        assert!(parse_amount("-50000", false).is_err());
        assert!(parse_amount("ba trăm", false).is_err());
        assert!(parse_amount("9999999999999", false).is_err());
    }

    #[test]
    fn a_member_who_left_mid_month_is_paid_that_month_only() {
        let mb = Member {
            id: 1,
            team_id: 1,
            name: "A".into(),
            joined_on: Some("2026-03-10".into()),
            created_on: "2026-01-01".into(),
            left_on: Some("2026-11-15".into()),
            active: false,
        };
        assert!(!mb.in_month(m("2026-02")));
        assert!(mb.in_month(m("2026-03")));
        assert!(mb.in_month(m("2026-11")));
        assert!(!mb.in_month(m("2026-12")));
    }

    #[test]
    fn the_latest_rate_by_its_month_is_in_force() {
        let r = |id, amount, from: &str| Rate {
            id,
            source_id: 1,
            source_name: "NQ".into(),
            kind: "team_month".into(),
            amount,
            from: m(from),
        };
        let rates = vec![r(1, 300_000, "2026-01"), r(2, 600_000, "2026-07")];
        assert_eq!(
            rate_in_force(&rates, 1, "team_month", m("2026-06"))
                .unwrap()
                .amount,
            300_000
        );
        assert_eq!(
            rate_in_force(&rates, 1, "team_month", m("2026-07"))
                .unwrap()
                .amount,
            600_000
        );
        assert!(rate_in_force(&rates, 1, "team_month", m("2025-12")).is_none());
        assert!(rate_in_force(&rates, 2, "team_month", m("2026-07")).is_none());
    }

    #[test]
    fn a_top_up_over_its_cap_is_refused() {
        assert!(check_cap(600_000, Some(200), Some(300_000)).is_ok());
        assert!(check_cap(600_001, Some(200), Some(300_000)).is_err());
        assert!(check_cap(900_000, None, Some(300_000)).is_ok());
    }

    #[test]
    fn the_window_catches_up_within_the_year_since_the_first_list() {
        assert_eq!(window(m("2026-11"), None), vec![m("2026-11")]);
        assert_eq!(window(m("2026-11"), Some(m("2026-09"))).len(), 3);
        assert_eq!(
            window(m("2026-02"), Some(m("2025-06"))),
            vec![m("2026-01"), m("2026-02")]
        );
    }
}
