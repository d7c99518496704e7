//! The demo's calendar: everything the demo dates (services, help, activities, reports, the
//! plan's progress) is placed relative to the day it is seeded on, so a newcomer always opens a
//! commune in the middle of its year, whatever today is (and whatever `CONGDONGSO_TODAY` says).

use crate::indicators::period::{self, Month};
use chrono::{Datelike, NaiveDate};
use rand::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub today: NaiveDate,
    /// The first day of the demo's history: 1 January of the year whose months the hamlets have
    /// reported on so far (last month's year). In January that is the year before, so the
    /// commune still has a whole year behind it.
    pub start: NaiveDate,
}

impl Calendar {
    pub fn on(today: NaiveDate) -> Calendar {
        let last = Calendar::month_of(today) - 1;
        let start = NaiveDate::from_ymd_opt(period::year_of(last) as i32, 1, 1).unwrap_or(today);
        Calendar { today, start }
    }

    fn month_of(d: NaiveDate) -> Month {
        period::month(d.year() as i64, d.month() as i64)
    }

    /// Today's year: the year of the plan in force and of ages.
    pub fn year(&self) -> i32 {
        self.today.year()
    }

    pub fn today_iso(&self) -> String {
        iso(self.today)
    }

    pub fn this_month(&self) -> Month {
        Calendar::month_of(self.today)
    }

    /// The last month whose report is due by now.
    pub fn last_month(&self) -> Month {
        self.this_month() - 1
    }

    pub fn first_month(&self) -> Month {
        Calendar::month_of(self.start)
    }

    /// The months of the demo's history, this one included.
    pub fn months(&self) -> std::ops::RangeInclusive<Month> {
        self.first_month()..=self.this_month()
    }

    /// A day of the demo's history, from its first day to today. It takes one number from the
    /// generator whatever the span, so what is generated after it does not move with today.
    pub fn random_day(&self, rng: &mut impl Rng) -> String {
        let days = (self.today - self.start).num_days().max(0) + 1;
        let x: f64 = rng.r#gen();
        let offset = ((x * days as f64) as i64).min(days - 1);
        iso(self.start + chrono::Duration::days(offset))
    }

    /// The years of the demo's history, oldest first (two in January, else one).
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.start.year()..=self.year()
    }

    /// `day` of month `m` (clamped to the month's length) as `yyyy-mm-dd`.
    pub fn day_of(m: Month, day: u32) -> NaiveDate {
        let last = period::last_day(m);
        last.with_day(day.clamp(1, last.day())).unwrap_or(last)
    }

    /// Whether a day has come by today.
    pub fn has_come(&self, d: NaiveDate) -> bool {
        d <= self.today
    }
}

pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_history_starts_in_january_of_last_months_year() {
        let c = Calendar::on(day("2026-12-04"));
        assert_eq!(iso(c.start), "2026-01-01");
        assert_eq!(period::month_code(c.last_month()), "2026-11");
        assert_eq!(c.months().count(), 12);
        let c = Calendar::on(day("2027-03-10"));
        assert_eq!(iso(c.start), "2027-01-01");
        assert_eq!(period::month_code(c.last_month()), "2027-02");
        // In January the hamlets have just reported on December: the history is last year's.
        let c = Calendar::on(day("2027-01-15"));
        assert_eq!(iso(c.start), "2026-01-01");
        assert_eq!(c.years().collect::<Vec<_>>(), [2026, 2027]);
        assert_eq!(c.months().count(), 13);
        assert_eq!(iso(Calendar::day_of(c.last_month() - 10, 31)), "2026-02-28");
    }

    #[test]
    fn random_days_stay_in_the_history() {
        let c = Calendar::on(day("2027-03-10"));
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let days: Vec<String> = (0..500).map(|_| c.random_day(&mut rng)).collect();
        assert!(
            days.iter()
                .all(|d| d.as_str() >= "2027-01-01" && d.as_str() <= "2027-03-10")
        );
        assert!(days.iter().any(|d| d == "2027-01-01"));
        assert!(days.iter().any(|d| d == "2027-03-10"));
    }
}
