//! The year-end report's scored sheet: the criteria (maximum points, how each is scored, its
//! evidence, who verifies it) and the teams' points, totals and ranks.

use super::document::{Block, Cell, Table};
use super::input::Input;
use crate::scoring::{Criterion, Method, TIE_RULE};

/// The blocks of the sheet under the subsection numbered `numeral` (e.g. `4.`); none when the
/// report has no sheet (a hamlet's report).
pub(super) fn blocks(input: &Input, numeral: &str) -> Vec<Block> {
    let Some(sheet) = &input.scores else {
        return Vec::new();
    };
    let mut out = vec![
        Block::Subheading(format!(
            "{numeral} Kết quả chấm điểm, xếp hạng các Tổ CNSCĐ"
        )),
        Block::Paragraph(format!(
            "Số liệu tính đến ngày {}; tổng điểm tối đa {} điểm. Tiêu chí tính tự động lấy từ dữ liệu \
             hoạt động, báo cáo và chỉ tiêu của các ấp; các tiêu chí còn lại do xã chấm. {TIE_RULE}",
            crate::text::format_date(&sheet.reference_date),
            sheet.max_total()
        )),
    ];
    if sheet.criteria.is_empty() {
        out.push(Block::Paragraph(
            "Xã chưa có tiêu chí chấm điểm đang áp dụng.".into(),
        ));
        return out;
    }
    out.push(Block::Table(Table {
        title: "Tiêu chí chấm điểm".into(),
        columns: [
            "TC",
            "Tiêu chí",
            "Điểm tối đa",
            "Cách chấm",
            "Minh chứng",
            "Đơn vị xác nhận",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![2, 5, 2, 7, 5, 3],
        rows: sheet
            .criteria
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let how = match c.method {
                    Method::Auto(m) => format!("{} (Tự động) {}", c.how, m.definition()),
                    Method::Manual => format!("{} (Xã chấm)", c.how),
                };
                vec![
                    Cell::Text(Criterion::column(i)),
                    Cell::Text(c.name.clone()),
                    Cell::Int(c.max_points),
                    Cell::Text(how.trim().to_string()),
                    Cell::Text(c.evidence.clone()),
                    Cell::Text(c.verifier.clone()),
                ]
            })
            .collect(),
    }));
    if sheet.teams.is_empty() {
        out.push(Block::Paragraph(
            "Xã chưa có Tổ CNSCĐ ấp để chấm điểm.".into(),
        ));
        return out;
    }
    let mut columns = vec!["Hạng".to_string(), "Tổ CNSCĐ".to_string()];
    let mut widths = vec![2, 5];
    for i in 0..sheet.criteria.len() {
        columns.push(Criterion::column(i));
        widths.push(2);
    }
    columns.push(format!("Tổng điểm (/{})", sheet.max_total()));
    widths.push(3);
    out.push(Block::Table(Table {
        title: "Bảng điểm, xếp hạng các Tổ CNSCĐ".into(),
        columns,
        widths,
        rows: sheet
            .teams
            .iter()
            .map(|t| {
                let mut row = vec![Cell::Int(t.rank), Cell::Text(t.team.clone())];
                // Points keep one decimal (`22,9`), as numbers Excel can add up.
                let points = |tenths: i64| tenths as f64 / 10.0;
                row.extend(t.points.iter().map(|p| Cell::Decimal(p.tenths.map(points))));
                row.push(Cell::Decimal(Some(points(t.total))));
                row
            })
            .collect(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::input::{Input, Kind, Letterhead};
    use crate::scoring::{Manual, Measure, TeamData, sheet};
    use std::collections::HashMap;

    #[test]
    fn the_sheet_is_two_tables_with_ranks_and_totals() {
        let criteria = vec![
            Criterion {
                id: 1,
                position: 1,
                name: "Hoạt động".into(),
                max_points: 25,
                method: Method::Auto(Measure::Activities),
                how: String::new(),
                evidence: "Sổ hoạt động".into(),
                verifier: "Phòng Văn hóa – Xã hội".into(),
            },
            Criterion {
                id: 2,
                position: 2,
                name: "Zalo".into(),
                max_points: 5,
                method: Method::Manual,
                how: String::new(),
                evidence: String::new(),
                verifier: "UBND xã".into(),
            },
        ];
        let teams = [
            TeamData {
                team_id: 1,
                team: "Tổ CNSCĐ Ấp 1".into(),
                months_counted: 12,
                months_met: 11,
                ..TeamData::default()
            },
            TeamData {
                team_id: 2,
                team: "Tổ CNSCĐ Ấp 2".into(),
                months_counted: 12,
                months_met: 12,
                ..TeamData::default()
            },
        ];
        let manual = HashMap::from([(
            (2, 1),
            Manual {
                tenths: 45,
                note: String::new(),
            },
        )]);
        let mut input = Input::new(
            Kind::Yearly,
            Letterhead::default(),
            crate::reports::figures::AreaFigures::default(),
        );
        assert!(blocks(&input, "4.").is_empty(), "no sheet, no section");
        input.scores = Some(sheet(2026, "2026-12-31", criteria, &teams, &manual));
        let b = blocks(&input, "4.");
        let Block::Table(points) = &b[3] else {
            panic!("{b:?}")
        };
        assert_eq!(points.columns.last().unwrap(), "Tổng điểm (/30)");
        // Ấp 1: 22,9 + 4,5 = 27,4; Ấp 2: 25 + not scored = 25.
        assert_eq!(
            points.rows[0],
            vec![
                Cell::Int(1),
                Cell::Text("Tổ CNSCĐ Ấp 1".into()),
                Cell::Decimal(Some(22.9)),
                Cell::Decimal(Some(4.5)),
                Cell::Decimal(Some(27.4)),
            ]
        );
        assert_eq!(points.rows[1][0], Cell::Int(2));
        assert_eq!(points.rows[1][3], Cell::Decimal(None));
        assert_eq!(points.rows[1][3].display(), "–");
    }
}
