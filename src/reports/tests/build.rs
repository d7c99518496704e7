//! Tests of `reports::build`.

use super::*;
use crate::reports::figures::{Count, HamletReportState, IndicatorLine, ServiceCount, Timeliness};

fn figures(level: &str) -> AreaFigures {
    AreaFigures {
        area_code: "rach-kien-ap-03".into(),
        area_name: "Ấp 3".into(),
        level: level.into(),
        period: "2026-05".into(),
        period_label: "Tháng 5/2026".into(),
        activities: vec![Count {
            code: "door_to_door".into(),
            label: "Đi từng ngõ, gõ từng nhà".into(),
            count: 3,
        }],
        residents_reached: 40,
        months_meeting_minimum: 0,
        months_counted: 1,
        minimum: 4,
        help_in_period: 12,
        help_to_date: 120,
        people_helped: 10,
        services: vec![ServiceCount {
            code: "vneid".into(),
            name: "VNeID mức 2".into(),
            done_in_period: 5,
            done_to_date: 1234,
        }],
        dossiers: vec![],
        dossiers_to_date: 0,
        trainings: 0,
        propaganda_sessions: 1,
        communications: vec![],
        indicators: vec![IndicatorLine {
            code: "adults_guided".into(),
            name: "Người trưởng thành được hướng dẫn trực tiếp".into(),
            kind: "ratio".into(),
            numerator: 799,
            denominator: Some(1000),
            value: Some(79.9),
            target: Some(80),
            target_when: None,
            met: Some(false),
        }],
        trend: None,
    }
}

fn texts(d: &Document) -> String {
    let mut s = String::new();
    for b in &d.blocks {
        match b {
            Block::Heading(t) | Block::Subheading(t) | Block::Paragraph(t) => s += t,
            Block::Table(t) => {
                for r in &t.rows {
                    for c in r {
                        s += &c.display();
                        s += "|";
                    }
                }
            }
            Block::Chart(_) => {}
        }
        s += "\n";
    }
    s
}

#[test]
fn dates_take_leading_zeros_as_the_decree_asks() {
    assert_eq!(
        place_date("Rạch Kiến", "2026-02-05"),
        "Rạch Kiến, ngày 05 tháng 02 năm 2026"
    );
    assert_eq!(
        place_date("Rạch Kiến", "2026-05-25"),
        "Rạch Kiến, ngày 25 tháng 5 năm 2026"
    );
}

#[test]
fn a_hamlet_report_carries_its_figures_and_the_minimum_check() {
    let mut input = Input::new(
        Kind::Monthly,
        Letterhead::hamlet("Rạch Kiến", "Ấp 3", "Lê Văn Tư", "2026-05-20"),
        figures("hamlet"),
    );
    input.narrative.difficulties = "Sóng yếu ở xóm trong.".into();
    let d = document(&input);
    assert_eq!(d.issuer[1], "BAN NHÂN DÂN ẤP 3");
    assert_eq!(d.title, "BÁO CÁO");
    assert!(d.subtitle.contains("Ấp 3 tháng 5/2026"), "{}", d.subtitle);
    let t = texts(&d);
    assert!(t.contains("chưa đạt yêu cầu tối thiểu 4 lần/tháng"), "{t}");
    assert!(t.contains("1.234|"), "to-date services grouped: {t}");
    assert!(t.contains("79,9%|"), "{t}");
    assert!(t.contains("Chưa đạt|"));
    assert!(t.contains("Sóng yếu ở xóm trong."));
    assert_eq!(d.signature.name, "Lê Văn Tư");
}

#[test]
fn a_commune_report_names_missing_hamlets() {
    let mut f = figures("commune");
    f.area_name = "Rạch Kiến".into();
    let mut input = Input::new(
        Kind::Monthly,
        Letterhead::commune("Rạch Kiến", "Đỗ Hồng Đăng", "2026-05-31"),
        f,
    );
    let state = |name: &str, t: Timeliness, on: Option<&str>| HamletReportState {
        hamlet_code: name.into(),
        hamlet_name: name.into(),
        status: if on.is_some() { "approved" } else { "none" }.into(),
        submitted_on: on.map(String::from),
        due: "2026-05-25".into(),
        timeliness: t,
    };
    input.completeness = vec![Completeness {
        month: "2026-05".into(),
        due: "2026-05-25".into(),
        hamlets: vec![
            state("Ấp 3", Timeliness::OnTime, Some("2026-05-20")),
            state("Ấp 4", Timeliness::Missing, None),
        ],
    }];
    let t = texts(&document(&input));
    assert!(t.contains("2 ấp phải báo cáo"), "{t}");
    assert!(t.contains("đúng hạn 1"));
    assert!(t.contains("Các ấp chưa báo cáo: Ấp 4."));
    assert!(t.contains("Ấp 3|Đã duyệt|20/05/2026|Đúng hạn|"), "{t}");
}
