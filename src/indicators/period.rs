//! Reporting periods (`2026-05`, `2026-Q2`, `2026`) and months as plain integers.
//!
//! Every reference date is the last day of a month, so "dated on or before the reference
//! date" is the same as "in that month or earlier": the engine works in whole months.

use crate::error::{AppError, Result};
use chrono::{Datelike, NaiveDate};

/// A calendar month as `year * 12 + (month - 1)`, so months compare and subtract as numbers.
pub type Month = i64;

/// The first month the engine answers for; everything earlier is kept in one bucket before it.
pub const FIRST_YEAR: i64 = 2020;
pub const LAST_YEAR: i64 = 2100;
pub const FLOOR: Month = FIRST_YEAR * 12 - 1;
/// "Never": an interval that has not ended, an event that has not happened.
pub const NEVER: Month = i64::MAX;

pub fn month(year: i64, month: i64) -> Month {
    year * 12 + (month - 1)
}

pub fn year_of(m: Month) -> i64 {
    m.div_euclid(12)
}

/// 1–12.
pub fn month_number(m: Month) -> i64 {
    m.rem_euclid(12) + 1
}

pub fn quarter_of(m: Month) -> i64 {
    (month_number(m) - 1) / 3 + 1
}

/// The month of an ISO date `yyyy-mm-dd` (or `yyyy-mm`).
pub fn month_of_date(date: &str) -> Option<Month> {
    let y: i64 = date.get(..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    (1..=12).contains(&m).then(|| month(y, m))
}

pub fn last_day(m: Month) -> NaiveDate {
    let next = m + 1;
    NaiveDate::from_ymd_opt(year_of(next) as i32, month_number(next) as u32, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN)
}

/// `yyyy-mm-dd` of the last day of the month.
pub fn last_day_iso(m: Month) -> String {
    last_day(m).format("%Y-%m-%d").to_string()
}

pub fn month_code(m: Month) -> String {
    format!("{}-{:02}", year_of(m), month_number(m))
}

/// The due date of a month's report: that day of the month, or its last day if shorter.
pub fn due_date(m: Month, day: u32) -> String {
    let last = last_day(m);
    let day = day.clamp(1, chrono::Datelike::day(&last));
    format!("{}-{day:02}", month_code(m))
}

/// The current month in Vietnam (UTC+7).
pub fn current_month() -> Month {
    let now = today();
    month(now.year() as i64, now.month() as i64)
}

/// A calendar day the whole process takes as today (`CONGDONGSO_TODAY`), set once at start.
static TODAY: std::sync::OnceLock<NaiveDate> = std::sync::OnceLock::new();

/// Makes `date` today for this process: a demonstration or training copy that replays a month
/// of the plan. Only the first call counts.
pub fn set_today(date: NaiveDate) {
    let _ = TODAY.set(date);
}

/// Today in Vietnam (UTC+7), or the day set with `set_today`.
pub fn today() -> NaiveDate {
    TODAY
        .get()
        .copied()
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive())
}

/// Today as `yyyy-mm-dd`, the form dates are stored and compared in.
pub fn today_iso() -> String {
    today().format("%Y-%m-%d").to_string()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Month(Month),
    Quarter { year: i64, quarter: i64 },
    Year(i64),
}

impl Period {
    /// Parses `2026-05`, `2026-Q2` or `2026`.
    pub fn parse(s: &str) -> Result<Period> {
        let s = s.trim();
        // The value is quoted back in the message: no more of it than a period can be.
        let s: &str = match s.char_indices().nth(20) {
            Some((i, _)) => &s[..i],
            None => s,
        };
        let bad = || {
            AppError::invalid(format!(
                "Kỳ «{s}» không hợp lệ: dùng tháng (2026-05), quý (2026-Q2) hoặc năm (2026)."
            ))
        };
        let year: i64 = s.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(AppError::invalid(format!(
                "Kỳ «{s}» nằm ngoài khoảng {FIRST_YEAR}–{LAST_YEAR}."
            )));
        }
        let rest = &s[4..];
        if rest.is_empty() {
            return Ok(Period::Year(year));
        }
        if let Some(q) = rest.strip_prefix("-Q").or_else(|| rest.strip_prefix("-q")) {
            let quarter: i64 = q.parse().map_err(|_| bad())?;
            if (1..=4).contains(&quarter) && q.len() == 1 {
                return Ok(Period::Quarter { year, quarter });
            }
            return Err(bad());
        }
        let m: i64 = rest
            .strip_prefix('-')
            .filter(|m| m.len() == 2)
            .and_then(|m| m.parse().ok())
            .ok_or_else(bad)?;
        if !(1..=12).contains(&m) {
            return Err(bad());
        }
        Ok(Period::Month(month(year, m)))
    }

    pub fn year(&self) -> i64 {
        match *self {
            Period::Month(m) => year_of(m),
            Period::Quarter { year, .. } | Period::Year(year) => year,
        }
    }

    pub fn first_month(&self) -> Month {
        match *self {
            Period::Month(m) => m,
            Period::Quarter { year, quarter } => month(year, quarter * 3 - 2),
            Period::Year(year) => month(year, 1),
        }
    }

    /// The month of the reference date.
    pub fn last_month(&self) -> Month {
        match *self {
            Period::Month(m) => m,
            Period::Quarter { year, quarter } => month(year, quarter * 3),
            Period::Year(year) => month(year, 12),
        }
    }

    pub fn months(&self) -> impl Iterator<Item = Month> {
        self.first_month()..=self.last_month()
    }

    pub fn reference_date(&self) -> String {
        last_day_iso(self.last_month())
    }

    pub fn code(&self) -> String {
        match *self {
            Period::Month(m) => month_code(m),
            Period::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Period::Year(year) => year.to_string(),
        }
    }

    pub fn label(&self) -> String {
        match *self {
            Period::Month(m) => format!("Tháng {}/{}", month_number(m), year_of(m)),
            Period::Quarter { year, quarter } => format!("Quý {}/{year}", roman(quarter)),
            Period::Year(year) => format!("Năm {year}"),
        }
    }

    /// The label inside a sentence: `tháng 5/2026`, `quý III/2026` (the numeral stays upper
    /// case), `năm 2026`.
    pub fn label_lower(&self) -> String {
        let label = self.label();
        let mut chars = label.chars();
        match chars.next() {
            Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
            None => label,
        }
    }

    /// The quarter a month period falls in, the period itself otherwise: the window of
    /// "at least one in the quarter" indicators.
    pub fn quarter_window(&self) -> (Month, Month) {
        match *self {
            Period::Month(m) => {
                let q = quarter_of(m);
                (month(year_of(m), q * 3 - 2), m)
            }
            _ => (self.first_month(), self.last_month()),
        }
    }

    pub fn current() -> Period {
        Period::Month(current_month())
    }
}

pub fn roman(q: i64) -> &'static str {
    match q {
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        5 => "V",
        6 => "VI",
        7 => "VII",
        8 => "VIII",
        9 => "IX",
        10 => "X",
        11 => "XI",
        12 => "XII",
        _ => "",
    }
}

/// The month from which a person counts as an adult (15 or more on the reference date).
/// With only a birth year, age is the reference year minus the birth year.
pub fn adult_from(birth_date: Option<&str>, birth_year: Option<i64>) -> Option<Month> {
    const AGE: i64 = 15;
    if let Some(d) = birth_date.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        let m = month(d.year() as i64 + AGE, d.month() as i64);
        // Born on the 29th of February: fifteen only on the 1st of March in a common year.
        return Some(if last_day(m).day() >= d.day() {
            m
        } else {
            m + 1
        });
    }
    birth_year.map(|y| month(y + AGE, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_period_forms() {
        assert_eq!(
            Period::parse("2026-05").unwrap(),
            Period::Month(month(2026, 5))
        );
        assert_eq!(
            Period::parse("2026-Q2").unwrap(),
            Period::Quarter {
                year: 2026,
                quarter: 2
            }
        );
        assert_eq!(Period::parse("2026").unwrap(), Period::Year(2026));
        for bad in [
            "2026-13", "2026-Q5", "2026-5", "26", "1999", "2026-Q", "abc", "2026-05x",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_in_a_sentence_keep_the_quarter_numeral() {
        let q3 = Period::Quarter {
            year: 2026,
            quarter: 3,
        };
        assert_eq!(q3.label_lower(), "quý III/2026");
        assert_eq!(Period::Month(month(2026, 5)).label_lower(), "tháng 5/2026");
        assert_eq!(Period::Year(2026).label_lower(), "năm 2026");
    }

    #[test]
    fn reference_dates_are_the_last_day() {
        assert_eq!(
            Period::parse("2026-02").unwrap().reference_date(),
            "2026-02-28"
        );
        assert_eq!(
            Period::parse("2028-02").unwrap().reference_date(),
            "2028-02-29"
        );
        assert_eq!(
            Period::parse("2026-Q2").unwrap().reference_date(),
            "2026-06-30"
        );
        assert_eq!(
            Period::parse("2026").unwrap().reference_date(),
            "2026-12-31"
        );
        assert_eq!(Period::parse("2026-Q3").unwrap().label(), "Quý III/2026");
        assert_eq!(
            Period::parse("2026-05").unwrap().quarter_window(),
            (month(2026, 4), month(2026, 5))
        );
    }

    #[test]
    fn adulthood_starts_in_the_month_of_the_fifteenth_birthday() {
        // Turns 15 on 31 May 2026: 15 on the reference date 31/05/2026.
        assert_eq!(adult_from(Some("2011-05-31"), None), Some(month(2026, 5)));
        assert_eq!(adult_from(Some("2011-06-01"), None), Some(month(2026, 6)));
        // Birth year only: reference year minus birth year.
        assert_eq!(adult_from(None, Some(2011)), Some(month(2026, 1)));
        assert_eq!(adult_from(Some("2012-02-29"), None), Some(month(2027, 3)));
        assert_eq!(adult_from(Some("2008-02-29"), None), Some(month(2023, 3)));
        assert_eq!(
            adult_from(Some("2009-02-29"), Some(2009)),
            Some(month(2024, 1))
        );
        assert_eq!(adult_from(None, None), None);
    }
}
