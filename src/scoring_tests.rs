//! The scored sheet against a fixture computed by hand.

use super::*;
use crate::indicators::period::month;

fn criterion(id: i64, max_points: i64, method: Method) -> Criterion {
    Criterion {
        id,
        position: id,
        name: format!("Tiêu chí {id}"),
        max_points,
        method,
        how: String::new(),
        evidence: String::new(),
        verifier: String::new(),
    }
}

fn team(id: i64, name: &str) -> TeamData {
    TeamData {
        team_id: id,
        team: name.to_string(),
        ..TeamData::default()
    }
}

/// 4 teams, 4 criteria: activities (25), reports on time (10), adults guided (15), manual (10).
fn fixture() -> Sheet {
    let criteria = vec![
        criterion(1, 25, Method::Auto(Measure::Activities)),
        criterion(2, 10, Method::Auto(Measure::ReportsOnTime)),
        criterion(3, 15, Method::Auto(Measure::AdultsGuided)),
        criterion(4, 10, Method::Manual),
    ];
    let a = TeamData {
        months_counted: 12,
        months_met: 11,
        reports_expected: 12,
        reports_on_time: 12,
        adults: 100,
        adults_guided: 90,
        guided_target: Some(80),
        ..team(1, "Tổ A")
    };
    let b = TeamData {
        months_counted: 12,
        months_met: 12,
        reports_expected: 12,
        reports_on_time: 9,
        adults: 100,
        adults_guided: 60,
        guided_target: Some(80),
        ..team(2, "Tổ B")
    };
    // Hamlet opened in July: 6 months counted, 3 met; nothing else yet.
    let c = TeamData {
        months_counted: 6,
        months_met: 3,
        ..team(3, "Tổ C")
    };
    let d = TeamData {
        team_id: 4,
        team: "Tổ D".into(),
        ..c.clone()
    };
    let manual = HashMap::from([
        (
            (4, 1),
            Manual {
                tenths: 59,
                note: "Zalo ấp ít tương tác".into(),
            },
        ),
        (
            (4, 2),
            Manual {
                tenths: 100,
                note: String::new(),
            },
        ),
    ]);
    sheet(2026, "2026-12-31", criteria, &[a, b, c, d], &manual)
}

#[test]
fn points_totals_and_ranks_are_the_hand_computed_ones() {
    let s = fixture();
    let by_name = |n: &str| s.teams.iter().find(|t| t.team == n).unwrap();
    let tenths =
        |n: &str| -> Vec<Option<i64>> { by_name(n).points.iter().map(|p| p.tenths).collect() };
    // A: 25 × 11/12 = 22,92 → 22,9; 10 × 12/12 = 10; 90% ≥ 80% → 15; manual 5,9.
    assert_eq!(tenths("Tổ A"), [Some(229), Some(100), Some(150), Some(59)]);
    assert_eq!(by_name("Tổ A").total, 538);
    // B: 25; 10 × 9/12 = 7,5; 15 × 60/80 = 11,25 → 11,3 (half up); manual 10.
    assert_eq!(tenths("Tổ B"), [Some(250), Some(75), Some(113), Some(100)]);
    assert_eq!(by_name("Tổ B").total, 538);
    // C: 25 × 3/6 = 12,5; no report due, no adult: 0; not scored by hand yet.
    assert_eq!(tenths("Tổ C"), [Some(125), Some(0), Some(0), None]);
    assert_eq!(by_name("Tổ C").total, 125);
    assert_eq!(by_name("Tổ C").points[3].basis, "Chưa chấm");
    assert_eq!(by_name("Tổ A").points[0].basis, "11/12 tháng đạt");
    assert_eq!(by_name("Tổ B").points[2].basis, "60,0% (mục tiêu 80%)");
    // A and B tie on 53,8: B has more on TC1 and ranks first; C and D are equal on every
    // criterion and share third place, in the commune's order.
    let order: Vec<(&str, i64)> = s.teams.iter().map(|t| (t.team.as_str(), t.rank)).collect();
    assert_eq!(order, [("Tổ B", 1), ("Tổ A", 2), ("Tổ C", 3), ("Tổ D", 3)]);
    assert_eq!(s.max_total(), 60);
    assert_eq!(by_name("Tổ B").total_display(), "53,8");
    assert_eq!(
        s.standing(2).unwrap(),
        "Xếp hạng 1/4 với 53,8/60 điểm trong bảng chấm điểm thi đua các Tổ CNSCĐ năm 2026."
    );
}

#[test]
fn shares_round_half_up_to_a_tenth() {
    assert_eq!(share_tenths(5, 1, 4), 13); // 1,25 → 1,3
    assert_eq!(share_tenths(25, 1, 8), 31); // 3,125 → 3,1
    assert_eq!(share_tenths(25, 11, 12), 229);
    assert_eq!(share_tenths(10, 0, 0), 0);
    assert_eq!(share_tenths(10, 5, 4), 100, "never above the maximum");
}

#[test]
fn months_and_quarters_are_counted_as_defined() {
    let per_month: BTreeMap<Month, MonthActivity> = [
        (3, 4, 0),
        (4, 5, 0),
        (5, 3, 1),
        (6, 4, 0),
        (7, 4, 0),
        (9, 4, 1),
        (10, 6, 1),
    ]
    .into_iter()
    .map(|(m, all, security)| (month(2026, m), MonthActivity { all, security }))
    .collect();
    let opened_in_march = |m: Month| m >= month(2026, 3);
    // On 10/10: January to September have ended; the hamlet was open from March (7 months),
    // 5 of them with 4 activities or more (not May, not August). Q1–Q3 have ended and the
    // hamlet was open in each; Q2 and Q3 had a security session. October's counts later.
    assert_eq!(
        activity_counts(2026, "2026-10-10", opened_in_march, &per_month),
        (7, 5, 3, 2)
    );
    assert_eq!(
        activity_counts(2026, "2026-12-31", |_| true, &per_month),
        (12, 6, 4, 3)
    );
    // The last day of a month ends it.
    assert_eq!(
        activity_counts(2026, "2026-03-31", |_| true, &per_month),
        (3, 1, 1, 0)
    );
}

#[test]
fn manual_points_are_checked_with_a_vietnamese_message() {
    assert_eq!(parse_points("7,5", "Zalo", 10), Ok(Some(75)));
    assert_eq!(parse_points(" 10 ", "Zalo", 10), Ok(Some(100)));
    assert_eq!(parse_points("0", "Zalo", 10), Ok(Some(0)));
    assert_eq!(parse_points("", "Zalo", 10), Ok(None));
    let over = parse_points("10,5", "Zalo", 10).unwrap_err();
    assert!(over.contains("tối đa 10 điểm"), "{over}");
    assert!(
        parse_points("7,55", "Zalo", 10)
            .unwrap_err()
            .contains("một chữ số thập phân")
    );
    assert!(parse_points("-1", "Zalo", 10).is_err());
    assert!(parse_points("bảy", "Zalo", 10).is_err());
}

#[test]
fn the_reference_date_stops_at_today_within_the_year() {
    assert_eq!(reference_date(2026, "2026-10-10"), "2026-10-10");
    assert_eq!(reference_date(2025, "2026-10-10"), "2025-12-31");
}

#[test]
fn the_default_set_is_the_plans_and_adds_up_to_100() {
    assert_eq!(
        DEFAULT_CRITERIA.iter().map(|c| c.max_points).sum::<i64>(),
        100
    );
    for m in MEASURES {
        assert_eq!(Method::parse(m.code()), Some(Method::Auto(m)));
        assert!(
            DEFAULT_CRITERIA.iter().any(|c| c.method == Method::Auto(m)),
            "{m:?} is used by default"
        );
    }
    assert_eq!(Method::parse("manual"), Some(Method::Manual));
    assert_eq!(Method::parse("other"), None);
}
