//! Tests of `reports::build`.

use super::*;
use crate::reports::figures::{
    AreaFigures, Completeness, Count, HamletReportState, IndicatorLine, ServiceCount, Timeliness,
};
use crate::reports::{Cell, Table};

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
        training_attendances: 0,
        propaganda_sessions: 1,
        businesses: 0,
        businesses_new: 0,
        business_steps: vec![],
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

/// The section numbers of a document in order: `["I", "1", "2", …, "II", …]`.
fn numbers(d: &Document) -> Vec<String> {
    d.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(t) | Block::Subheading(t) => Some(
                t.split_once(". ")
                    .map_or(String::new(), |(n, _)| n.to_string()),
            ),
            _ => None,
        })
        .collect()
}

/// Headings run I, II, III… and each heading's sub-headings 1, 2, 3… with no gap.
fn assert_numbered_without_gaps(d: &Document) {
    let (mut heading, mut sub) = (0, 0);
    for n in numbers(d) {
        if n.chars().all(|c| c.is_ascii_digit()) {
            sub += 1;
            assert_eq!(n, sub.to_string(), "{:?}", numbers(d));
        } else {
            heading += 1;
            sub = 0;
            assert_eq!(n, roman_numeral(heading), "{:?}", numbers(d));
        }
    }
    assert!(heading >= 4, "{:?}", numbers(d));
}

fn commune_input(kind: Kind, period: &str) -> Input {
    let mut f = figures("commune");
    f.area_name = "Rạch Kiến".into();
    f.period = period.into();
    let mut input = Input::new(
        kind,
        Letterhead::commune("Rạch Kiến", "Đỗ Hồng Đăng", "2026-12-02"),
        f,
    );
    let state = |month: &str, name: &str, t: Timeliness| HamletReportState {
        hamlet_code: name.into(),
        hamlet_name: name.into(),
        status: "submitted".into(),
        submitted_on: Some(format!("{month}-20")),
        due: format!("{month}-25"),
        timeliness: t,
    };
    input.completeness = ["2026-07", "2026-08", "2026-09"]
        .iter()
        .map(|m| Completeness {
            month: m.to_string(),
            due: format!("{m}-25"),
            hamlets: if *m == "2026-07" {
                vec![state(m, "Ấp 1", Timeliness::Late)]
            } else {
                vec![
                    state(m, "Ấp 1", Timeliness::OnTime),
                    state(m, "Ấp 2", Timeliness::Missing),
                ]
            },
        })
        .collect();
    input.narrative.results = "Ấp 1: tốt.".into();
    input
}

#[test]
fn sections_are_numbered_without_gaps_in_every_kind() {
    let hamlet = Input::new(
        Kind::Monthly,
        Letterhead::hamlet("Rạch Kiến", "Ấp 3", "Lê Văn Tư", "2026-05-20"),
        figures("hamlet"),
    );
    let monthly = document(&hamlet);
    assert_numbered_without_gaps(&monthly);
    // The hamlet's monthly report: six sub-sections of results (the sixth the businesses),
    // then difficulties.
    assert_eq!(
        numbers(&monthly),
        ["I", "1", "2", "3", "4", "5", "6", "II", "III", "IV"]
    );
    for kind in [Kind::Monthly, Kind::Quarterly, Kind::Yearly] {
        let d = document(&commune_input(kind, "2026-Q3"));
        assert_numbered_without_gaps(&d);
    }
    let yearly = document(&commune_input(Kind::Yearly, "2026"));
    // The year-end's fifth section has its numeral.
    assert!(
        numbers(&yearly).contains(&"V".to_string()),
        "{:?}",
        numbers(&yearly)
    );
    assert!(texts(&yearly).contains("V. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO"));
}

#[test]
fn numerals_and_renumbering() {
    assert_eq!(roman_numeral(4), "IV");
    assert_eq!(roman_numeral(5), "V");
    assert_eq!(roman_numeral(9), "IX");
    assert_eq!(roman_numeral(14), "XIV");
    let mut blocks = vec![
        Block::Heading("VII. KHÓ KHĂN".into()),
        Block::Subheading("7. Tình hình".into()),
        Block::Subheading("Kết quả nổi bật".into()),
        Block::Paragraph("3. Không phải tiêu đề".into()),
    ];
    number_sections(&mut blocks);
    assert_eq!(blocks[0], Block::Heading("I. KHÓ KHĂN".into()));
    assert_eq!(blocks[1], Block::Subheading("1. Tình hình".into()));
    assert_eq!(blocks[2], Block::Subheading("2. Kết quả nổi bật".into()));
    assert_eq!(blocks[3], Block::Paragraph("3. Không phải tiêu đề".into()));
}

#[test]
fn a_quarter_shows_one_hamlet_by_month_grid() {
    let d = document(&commune_input(Kind::Quarterly, "2026-Q3"));
    let grids: Vec<&Table> = d
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) if t.title.starts_with("Tình hình báo cáo") => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(grids.len(), 1, "one grid, not a table a month");
    let g = grids[0];
    assert_eq!(g.columns, ["STT", "Ấp", "T7", "T8", "T9", "Đúng hạn"]);
    let row = |i: usize| g.rows[i].iter().map(Cell::display).collect::<Vec<_>>();
    // Ấp 2 was not expected in July: its cell is blank, not "missing".
    assert_eq!(row(0), ["1", "Ấp 1", "T", "Đ", "Đ", "2"]);
    assert_eq!(row(1), ["2", "Ấp 2", "", "C", "C", "0"]);
    assert_eq!(row(2), ["", "Đúng hạn", "0", "1", "1", "2"]);
    let t = texts(&d);
    assert!(
        t.contains(
            "phải nộp 5 báo cáo tháng; đã nộp 3 (đúng hạn 2, trễ hạn 1); quá hạn chưa nộp 2."
        ),
        "{t}"
    );
}

#[test]
fn counts_are_written_once_and_empty_shares_are_named_not_tabled() {
    let mut f = figures("hamlet");
    f.indicators.push(IndicatorLine {
        code: "adults_without_smartphone".into(),
        name: "Người trưởng thành chưa có điện thoại thông minh".into(),
        kind: "count".into(),
        numerator: 37,
        denominator: None,
        value: None,
        target: None,
        target_when: None,
        met: None,
    });
    f.indicators.push(IndicatorLine {
        code: "businesses_ecommerce".into(),
        name: "Cơ sở kinh doanh có gian hàng trên sàn TMĐT".into(),
        kind: "ratio".into(),
        numerator: 0,
        denominator: Some(0),
        value: None,
        target: None,
        target_when: None,
        met: None,
    });
    let input = Input::new(
        Kind::Monthly,
        Letterhead::hamlet("Rạch Kiến", "Ấp 3", "Lê Văn Tư", "2026-05-20"),
        f,
    );
    let t = texts(&document(&input));
    assert!(
        t.contains("2|Người trưởng thành chưa có điện thoại thông minh|37||–|Theo dõi|"),
        "{t}"
    );
    assert!(
        t.contains("1|Người trưởng thành được hướng dẫn trực tiếp|799/1.000|79,9%|80,0%|Chưa đạt|"),
        "{t}"
    );
    assert!(!t.contains("0/0"), "{t}");
    assert!(t.contains(
        "Chưa có số liệu để tính các chỉ tiêu: Cơ sở kinh doanh có gian hàng trên sàn TMĐT."
    ));
}

#[test]
fn file_names_are_vietnamese_words() {
    use crate::indicators::{Period, period};
    let may = Period::Month(period::month(2026, 5));
    assert_eq!(
        file_name("Ấp 3", &may, "docx"),
        "bao-cao-thang-5-2026-ap-3.docx"
    );
    let q3 = Period::Quarter {
        year: 2026,
        quarter: 3,
    };
    assert_eq!(
        file_name("Rạch Kiến", &q3, "pdf"),
        "bao-cao-quy-3-2026-rach-kien.pdf"
    );
    assert_eq!(
        display_file_name("Rạch Kiến", &q3, "pdf"),
        "Báo cáo quý III-2026 Rạch Kiến.pdf"
    );
    assert_eq!(
        file_name("Tây Ninh", &Period::Year(2026), "xlsx"),
        "bao-cao-nam-2026-tay-ninh.xlsx"
    );
}
