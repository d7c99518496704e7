//! What one resident or household contributes to the running counts.
//!
//! A person belongs to an indicator's numerator or denominator over a span of months: from the
//! latest of (adulthood, the service's done date, the hamlet's opening) until the earliest of
//! (moving away or dying, the hamlet's closing). Each span becomes a +1 step where it starts and
//! a −1 step where it ends, so the count at month m is the sum of steps up to m.

use super::period::{FLOOR, Month, NEVER, month_of_date};
use std::collections::BTreeMap;

/// Metric names in `indicator_counts`.
pub const ADULTS: &str = "adults";
pub const GUIDED: &str = "guided";
pub const NO_SMARTPHONE: &str = "no_smartphone";
pub const HOUSEHOLDS: &str = "households";
/// Services whose household coverage is an indicator.
pub const HOUSEHOLD_SERVICES: &[&str] = &["province_app", "zalo_group"];

pub fn service_metric(code: &str) -> String {
    format!("svc.{code}")
}
pub fn household_service_metric(code: &str) -> String {
    format!("hh.{code}")
}

/// The months a hamlet counts: from its opening to its closing.
#[derive(Clone, Copy, Debug)]
pub struct Open {
    pub from: Month,
    pub until: Month,
}

impl Open {
    pub const ALWAYS: Open = Open {
        from: FLOOR,
        until: NEVER,
    };

    /// From the hamlet's dates; a hamlet closed without a date never counts.
    pub fn of_hamlet(active: bool, opened_on: Option<&str>, closed_on: Option<&str>) -> Open {
        let from = opened_on.and_then(month_of_date).unwrap_or(FLOOR);
        let until = match closed_on.and_then(month_of_date) {
            Some(m) => m,
            None if !active => FLOOR,
            None => NEVER,
        };
        Open { from, until }
    }

    pub fn contains(&self, m: Month) -> bool {
        self.from <= m && m < self.until
    }
}

/// A resident as the engine sees it.
#[derive(Clone, Debug, Default)]
pub struct ResidentInput {
    /// Active resident of an active household: otherwise it counts nowhere.
    pub counted: bool,
    pub adult_from: Option<Month>,
    /// The month the resident moved away or died (`NEVER` while living here).
    pub leaves: Month,
    pub first_help: Option<Month>,
    pub no_smartphone: bool,
    /// Services done, with the month of the done status.
    pub done: Vec<(String, Month)>,
}

/// A +1/−1 step of one metric at one month.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    pub metric: String,
    pub month: Month,
    pub delta: i64,
}

fn span(steps: &mut Vec<Step>, metric: &str, from: Month, until: Month) {
    let from = from.max(FLOOR);
    if from >= until {
        return;
    }
    steps.push(Step {
        metric: metric.to_string(),
        month: from,
        delta: 1,
    });
    if until != NEVER {
        steps.push(Step {
            metric: metric.to_string(),
            month: until,
            delta: -1,
        });
    }
}

pub fn resident_steps(r: &ResidentInput, open: Open) -> Vec<Step> {
    let mut steps = Vec::new();
    let Some(adult) = r.adult_from.filter(|_| r.counted) else {
        return steps;
    };
    let from = adult.max(open.from);
    let until = r.leaves.min(open.until);
    span(&mut steps, ADULTS, from, until);
    if let Some(h) = r.first_help {
        span(&mut steps, GUIDED, from.max(h), until);
    }
    if r.no_smartphone {
        span(&mut steps, NO_SMARTPHONE, from, until);
    }
    for (code, done) in &r.done {
        span(&mut steps, &service_metric(code), from.max(*done), until);
    }
    steps
}

/// A household counts while at least one of its residents lives there, and has a service
/// while at least one living resident has it done: unions of the residents' spans.
pub fn household_steps(residents: &[ResidentInput], open: Open) -> Vec<Step> {
    let mut steps = Vec::new();
    let living: Vec<&ResidentInput> = residents.iter().filter(|r| r.counted).collect();
    let spans: Vec<(Month, Month)> = living.iter().map(|r| (open.from, r.leaves)).collect();
    union_steps(&mut steps, HOUSEHOLDS, spans, open);
    for code in HOUSEHOLD_SERVICES {
        let spans = living
            .iter()
            .filter_map(|r| {
                r.done
                    .iter()
                    .find(|(c, _)| c == code)
                    .map(|(_, m)| (open.from.max(*m), r.leaves))
            })
            .collect();
        union_steps(&mut steps, &household_service_metric(code), spans, open);
    }
    steps
}

fn union_steps(steps: &mut Vec<Step>, metric: &str, mut spans: Vec<(Month, Month)>, open: Open) {
    spans.retain(|(a, b)| a.max(&FLOOR) < b);
    spans.sort();
    let mut merged: Vec<(Month, Month)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    for (a, b) in merged {
        span(steps, metric, a.max(open.from), b.min(open.until));
    }
}

/// What the counts must change by when an entity's steps go from `old` to `new`, also when it
/// moved from one hamlet to another: keyed by (area, metric, month), zero entries dropped.
pub fn difference(
    old: &[(i64, Vec<Step>)],
    new: &[(i64, Vec<Step>)],
) -> BTreeMap<(i64, String, Month), i64> {
    let mut out: BTreeMap<(i64, String, Month), i64> = BTreeMap::new();
    for (sign, list) in [(-1, old), (1, new)] {
        for (area, steps) in list {
            for s in steps {
                *out.entry((*area, s.metric.clone(), s.month)).or_default() += sign * s.delta;
            }
        }
    }
    out.retain(|_, v| *v != 0);
    out
}

/// Steps as stored in `indicator_sources.steps`: `metric month delta` lines.
pub fn encode(steps: &[Step]) -> String {
    let mut s = String::new();
    for st in steps {
        s.push_str(&format!("{} {} {}\n", st.metric, st.month, st.delta));
    }
    s
}

pub fn decode(s: &str) -> Vec<Step> {
    s.lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            Some(Step {
                metric: parts.next()?.to_string(),
                month: parts.next()?.parse().ok()?,
                delta: parts.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// The value of each metric at month `m` from the steps (for tests and checks).
pub fn value_at(steps: &[Step], metric: &str, m: Month) -> i64 {
    steps
        .iter()
        .filter(|s| s.metric == metric && s.month <= m)
        .map(|s| s.delta)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::period::month;
    use super::*;

    fn adult(born: i64) -> ResidentInput {
        ResidentInput {
            counted: true,
            adult_from: Some(month(born + 15, 1)),
            leaves: NEVER,
            ..Default::default()
        }
    }

    #[test]
    fn a_resident_counts_from_adulthood_until_leaving() {
        let mut r = adult(2011); // adult from January 2026
        r.leaves = month(2026, 8);
        r.first_help = Some(month(2026, 4));
        r.done = vec![("vneid".into(), month(2026, 6))];
        let s = resident_steps(&r, Open::ALWAYS);
        assert_eq!(value_at(&s, ADULTS, month(2025, 12)), 0);
        assert_eq!(value_at(&s, ADULTS, month(2026, 1)), 1);
        assert_eq!(value_at(&s, GUIDED, month(2026, 3)), 0);
        assert_eq!(value_at(&s, GUIDED, month(2026, 4)), 1);
        assert_eq!(value_at(&s, "svc.vneid", month(2026, 5)), 0);
        assert_eq!(value_at(&s, "svc.vneid", month(2026, 7)), 1);
        // Moved away in August: gone from every count from August on.
        for metric in [ADULTS, GUIDED, "svc.vneid"] {
            assert_eq!(value_at(&s, metric, month(2026, 8)), 0, "{metric}");
        }
    }

    #[test]
    fn old_events_fall_into_the_floor_bucket() {
        let mut r = adult(1950);
        r.first_help = Some(month(2015, 3));
        let s = resident_steps(&r, Open::ALWAYS);
        assert!(s.iter().all(|st| st.month == FLOOR));
        assert_eq!(value_at(&s, GUIDED, month(2020, 1)), 1);
    }

    #[test]
    fn a_closed_hamlet_stops_counting() {
        let r = adult(1980);
        let open = Open {
            from: FLOOR,
            until: month(2026, 7),
        };
        let s = resident_steps(&r, open);
        assert_eq!(value_at(&s, ADULTS, month(2026, 6)), 1);
        assert_eq!(value_at(&s, ADULTS, month(2026, 7)), 0);
    }

    #[test]
    fn uncounted_or_ageless_residents_contribute_nothing() {
        let mut r = adult(1980);
        r.counted = false;
        assert!(resident_steps(&r, Open::ALWAYS).is_empty());
        let r = ResidentInput {
            counted: true,
            leaves: NEVER,
            ..Default::default()
        };
        assert!(resident_steps(&r, Open::ALWAYS).is_empty());
    }

    #[test]
    fn households_are_unions_of_their_residents() {
        let mut a = adult(1980);
        a.done = vec![("province_app".into(), month(2026, 2))];
        a.leaves = month(2026, 5);
        let mut b = adult(2015); // a child counts for the household
        b.done = vec![("province_app".into(), month(2026, 9))];
        let s = household_steps(&[a.clone(), b], Open::ALWAYS);
        let app = household_service_metric("province_app");
        assert_eq!(value_at(&s, HOUSEHOLDS, month(2026, 12)), 1);
        assert_eq!(value_at(&s, &app, month(2026, 1)), 0);
        assert_eq!(value_at(&s, &app, month(2026, 3)), 1);
        assert_eq!(value_at(&s, &app, month(2026, 6)), 0);
        assert_eq!(value_at(&s, &app, month(2026, 9)), 1);
        // Nobody living in it: no household.
        let s = household_steps(&[a], Open::ALWAYS);
        assert_eq!(value_at(&s, HOUSEHOLDS, month(2026, 4)), 1);
        assert_eq!(value_at(&s, HOUSEHOLDS, month(2026, 5)), 0);
        assert!(household_steps(&[], Open::ALWAYS).is_empty());
    }

    #[test]
    fn differences_move_counts_between_hamlets() {
        let s = resident_steps(&adult(1980), Open::ALWAYS);
        let d = difference(&[(1, s.clone())], &[(2, s.clone())]);
        assert_eq!(d.get(&(1, ADULTS.to_string(), FLOOR)), Some(&-1));
        assert_eq!(d.get(&(2, ADULTS.to_string(), FLOOR)), Some(&1));
        assert!(difference(&[(1, s.clone())], &[(1, s.clone())]).is_empty());
        assert_eq!(decode(&encode(&s)), s);
    }
}
