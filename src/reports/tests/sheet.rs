//! Tests of `reports::sheet`.

use super::*;
use crate::reports::{Series, Signature};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::io::Cursor;

fn sample() -> Document {
    Document {
        issuer: vec!["UBND XÃ RẠCH KIẾN".into(), "TỔ CNSCĐ ẤP 3".into()],
        issuer_superior: 1,
        number: "Số: 05/BC-TCNSCĐ".into(),
        place_date: "Rạch Kiến, ngày 25 tháng 5 năm 2026".into(),
        title: "BÁO CÁO".into(),
        subtitle: "Kết quả hoạt động tháng 5/2026".into(),
        addressee: String::new(),
        blocks: vec![
            Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
            Block::Paragraph(
                "Tổ đã hướng dẫn người dân cài đặt VNeID.\n\nTổ tổ chức 3 buổi tập huấn.".into(),
            ),
            Block::Table(Table {
                title: "Bảng 1. Kết quả theo ấp".into(),
                columns: vec![
                    "STT".into(),
                    "Chỉ tiêu".into(),
                    "Số lượng".into(),
                    "Tỷ lệ".into(),
                ],
                widths: vec![1, 6, 2, 2],
                rows: vec![
                    vec![
                        Cell::Text("1".into()),
                        Cell::Text("Người dân có tài khoản định danh điện tử".into()),
                        Cell::Int(1234),
                        Cell::Percent(Some(79.94)),
                    ],
                    vec![
                        Cell::Text("2".into()),
                        Cell::Text("Hộ chưa có điện thoại thông minh".into()),
                        Cell::Int(12),
                        Cell::Percent(None),
                    ],
                    vec![
                        Cell::Text("".into()),
                        Cell::Strong("Tổng cộng".into()),
                        Cell::Int(1246),
                    ],
                ],
            }),
            Block::Subheading("2. Diễn biến".into()),
            Block::Chart(Chart {
                title: "Biểu đồ 1. Tỷ lệ qua các tháng".into(),
                labels: vec!["04/2026".into(), "05/2026".into()],
                series: vec![
                    Series {
                        name: "Tài khoản VNeID".into(),
                        values: vec![Some(75.5), Some(79.94)],
                    },
                    Series {
                        name: "Thanh toán không dùng tiền mặt".into(),
                        values: vec![None, Some(42.5)],
                    },
                ],
            }),
        ],
        recipients: vec!["UBND xã".into()],
        signature: Signature {
            authority: vec!["TỔ TRƯỞNG".into()],
            name: "Nguyễn Văn Ấn".into(),
        },
        short_name: "BC thang 05/2026 [Ap 3]: tong hop chi tiet".into(),
        date: "2026-05-25".into(),
    }
}

fn read_back(doc: &Document) -> (Vec<String>, calamine::Range<Data>) {
    let bytes = render(doc).expect("render xlsx");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("open xlsx");
    let names = wb.sheet_names();
    let range = wb.worksheet_range(&names[0]).expect("sheet");
    (names, range)
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<String> {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The row whose first cell is `first`.
fn row_of(range: &calamine::Range<Data>, first: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| text(range, *r, 0).as_deref() == Some(first))
        .unwrap_or_else(|| panic!("no row starting {first:?}"))
}

#[test]
fn the_sheet_is_named_from_the_short_name() {
    let (names, _) = read_back(&sample());
    assert_eq!(names, vec!["BC thang 05-2026 -Ap 3-- tong h".to_string()]);
    assert_eq!(names[0].chars().count(), 31);
    assert_eq!(sheet_name("  "), "Báo cáo");
    assert_eq!(sheet_name("'History'"), "Báo cáo");
    assert_eq!(sheet_name("Báo cáo tháng 5"), "Báo cáo tháng 5");
}

#[test]
fn the_top_rows_carry_title_issuer_and_date() {
    let (_, range) = read_back(&sample());
    assert_eq!(
        text(&range, 0, 0).as_deref(),
        Some("BÁO CÁO Kết quả hoạt động tháng 5/2026")
    );
    assert_eq!(text(&range, 1, 0).as_deref(), Some("TỔ CNSCĐ ẤP 3"));
    // The date sits in the last column of the widest table (4 columns).
    assert_eq!(
        text(&range, 1, 3).as_deref(),
        Some("Rạch Kiến, ngày 25 tháng 5 năm 2026")
    );
}

#[test]
fn blocks_follow_in_order_with_a_blank_row_between() {
    let (_, range) = read_back(&sample());
    let heading = row_of(&range, "I. KẾT QUẢ THỰC HIỆN");
    assert_eq!(heading, 3);
    // The paragraph's blank line is dropped; its two lines are two rows.
    assert_eq!(
        text(&range, heading + 2, 0).as_deref(),
        Some("Tổ đã hướng dẫn người dân cài đặt VNeID.")
    );
    assert_eq!(
        text(&range, heading + 3, 0).as_deref(),
        Some("Tổ tổ chức 3 buổi tập huấn.")
    );
    assert_eq!(row_of(&range, "Bảng 1. Kết quả theo ấp"), heading + 5);
    // Three data rows under the header, then one blank row.
    assert_eq!(row_of(&range, "2. Diễn biến"), row_of(&range, "STT") + 5);
}

#[test]
fn table_figures_are_numbers_and_text_stays_text() {
    let (_, range) = read_back(&sample());
    let header = row_of(&range, "STT");
    assert_eq!(text(&range, header, 1).as_deref(), Some("Chỉ tiêu"));
    assert_eq!(text(&range, header, 3).as_deref(), Some("Tỷ lệ"));
    let first = header + 1;
    assert_eq!(
        text(&range, first, 1).as_deref(),
        Some("Người dân có tài khoản định danh điện tử")
    );
    assert_eq!(range.get_value((first, 2)), Some(&Data::Float(1234.0)));
    assert_eq!(range.get_value((first, 3)), Some(&Data::Float(79.94)));
    // No percentage to show: the cell is left empty, not 0.
    assert_eq!(range.get_value((first + 1, 3)), Some(&Data::Empty));
    assert_eq!(text(&range, first + 2, 1).as_deref(), Some("Tổng cộng"));
    assert_eq!(range.get_value((first + 2, 2)), Some(&Data::Float(1246.0)));
}

#[test]
fn a_chart_is_written_as_its_figures() {
    let (_, range) = read_back(&sample());
    let title = row_of(&range, "Biểu đồ 1. Tỷ lệ qua các tháng");
    assert_eq!(text(&range, title + 1, 0).as_deref(), Some("Chỉ tiêu"));
    assert_eq!(text(&range, title + 1, 1).as_deref(), Some("04/2026"));
    assert_eq!(text(&range, title + 1, 2).as_deref(), Some("05/2026"));
    assert_eq!(
        text(&range, title + 2, 0).as_deref(),
        Some("Tài khoản VNeID")
    );
    assert_eq!(range.get_value((title + 2, 1)), Some(&Data::Float(75.5)));
    assert_eq!(range.get_value((title + 2, 2)), Some(&Data::Float(79.94)));
    assert_eq!(
        text(&range, title + 3, 0).as_deref(),
        Some("Thanh toán không dùng tiền mặt")
    );
    assert_eq!(range.get_value((title + 3, 1)), Some(&Data::Empty));
    assert_eq!(range.get_value((title + 3, 2)), Some(&Data::Float(42.5)));
}
