//! Tests of `reports::sheet`.

use super::*;
use crate::reports::{Series, Signature};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::io::{Cursor, Read};

fn sample() -> Document {
    let months: Vec<String> = (1..=12).map(|m| format!("Tháng {m}/2026")).collect();
    let mut wide_columns = vec!["Ấp".to_string()];
    wide_columns.extend(months.iter().cloned());
    let wide_row: Vec<Cell> = std::iter::once(Cell::Text("Ấp 3".into()))
        .chain((1..=12).map(|m| Cell::Text(if m < 6 { "Đã duyệt" } else { "Chưa lập" }.into())))
        .collect();
    Document {
        issuer: vec!["UBND XÃ RẠCH KIẾN".into(), "BAN NHÂN DÂN ẤP 3".into()],
        issuer_superior: 1,
        number: "Số:      /BC-BNDA".into(),
        place_date: "Rạch Kiến, ngày 25 tháng 5 năm 2026".into(),
        title: "BÁO CÁO".into(),
        subtitle: "Kết quả hoạt động tháng 5/2026".into(),
        addressee: "Phòng Văn hóa – Xã hội xã Rạch Kiến".into(),
        blocks: vec![
            Block::Paragraph("Số liệu chưa chốt.".into()),
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
                    "Ngày nộp".into(),
                ],
                widths: vec![1, 6, 2, 2, 2],
                rows: vec![
                    vec![
                        Cell::Int(1),
                        Cell::Text("Người dân có tài khoản định danh điện tử".into()),
                        Cell::Ratio(13386, 29246),
                        Cell::Percent(Some(45.77)),
                        Cell::Date("2026-05-20".into()),
                    ],
                    vec![
                        Cell::Int(2),
                        Cell::Text("Hộ chưa có điện thoại thông minh".into()),
                        Cell::Int(12),
                        Cell::Percent(None),
                        Cell::Date(String::new()),
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
            Block::Heading("II. TÌNH HÌNH BÁO CÁO CỦA CÁC ẤP".into()),
            Block::Table(Table {
                title: "Các tháng".into(),
                columns: wide_columns,
                widths: vec![],
                rows: vec![wide_row],
            }),
            Block::Heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO".into()),
            Block::Paragraph("Tiếp tục.".into()),
            Block::Heading("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO".into()),
        ],
        recipients: vec!["UBND xã".into()],
        signature: Signature {
            authority: vec!["TRƯỞNG ẤP".into()],
            name: "Nguyễn Văn Ấn".into(),
        },
        short_name: "BC thang 05/2026 [Ap 3]: tong hop chi tiet".into(),
        date: "2026-05-25".into(),
    }
}

struct Book {
    bytes: Vec<u8>,
    names: Vec<String>,
    sheets: Vec<calamine::Range<Data>>,
}

fn read_back(doc: &Document) -> Book {
    let bytes = render(doc).expect("render xlsx");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("open xlsx");
    let names = wb.sheet_names();
    let sheets = names
        .iter()
        .map(|n| wb.worksheet_range(n).expect("sheet"))
        .collect();
    Book {
        bytes,
        names,
        sheets,
    }
}

/// A part of the package, e.g. `xl/worksheets/sheet2.xml`.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut text = String::new();
    let mut file = zip.by_name(name).expect(name);
    file.read_to_string(&mut text).expect("read");
    text
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<String> {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The row where some cell reads `s`.
fn row_of(range: &calamine::Range<Data>, s: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| (0..range.width() as u32).any(|c| text(range, *r, c).as_deref() == Some(s)))
        .unwrap_or_else(|| panic!("no row with {s:?}"))
}

#[test]
fn a_sheet_per_section_with_short_unique_names() {
    let book = read_back(&sample());
    assert_eq!(
        book.names,
        [
            "BC thang 05-2026 -Ap 3-- tong h",
            "I. Kết quả thực hiện",
            "II. Tình hình báo cáo của các",
            "III. Phương hướng, nhiệm vụ năm",
            "IV. Phương hướng, nhiệm vụ năm",
        ]
    );
    assert!(book.names.iter().all(|n| n.chars().count() <= 31));
    assert_eq!(sheet_name("  "), "Báo cáo");
    assert_eq!(sheet_name("'History'"), "Báo cáo");
    assert_eq!(unique_name("Báo cáo", &["báo cáo".into()]), "Báo cáo (2)");
    let long = "x".repeat(31);
    assert_eq!(
        unique_name(&long, std::slice::from_ref(&long))
            .chars()
            .count(),
        31
    );
    // Each section's sheet starts with its heading.
    assert_eq!(
        text(&book.sheets[1], 0, 0).as_deref(),
        Some("I. KẾT QUẢ THỰC HIỆN")
    );
}

#[test]
fn the_first_sheet_carries_the_letterhead_and_title() {
    let book = read_back(&sample());
    let first = &book.sheets[0];
    let lines: Vec<String> = (0..first.height() as u32)
        .filter_map(|r| text(first, r, 0))
        .collect();
    assert_eq!(
        lines,
        [
            "UBND XÃ RẠCH KIẾN",
            "BAN NHÂN DÂN ẤP 3",
            "Số:      /BC-BNDA",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Rạch Kiến, ngày 25 tháng 5 năm 2026",
            "BÁO CÁO",
            "Kết quả hoạt động tháng 5/2026",
            "Kính gửi: Phòng Văn hóa – Xã hội xã Rạch Kiến",
            "Số liệu chưa chốt.",
        ]
    );
    // The superior body's line is regular, the body's own line bold.
    let xml = part(&book.bytes, "xl/worksheets/sheet1.xml");
    assert!(!is_bold(&book.bytes, &xml, "A1"));
    assert!(is_bold(&book.bytes, &xml, "A2"));
}

/// Whether the cell `at` of a sheet's XML is set in a bold font (through styles.xml).
fn is_bold(bytes: &[u8], sheet: &str, at: &str) -> bool {
    let cell = &sheet[sheet.find(&format!("<c r=\"{at}\"")).expect("cell")..];
    let cell = &cell[..cell.find('>').expect("end")];
    let style: usize = cell
        .split(" s=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map_or(0, |s| s.parse().expect("style"));
    let styles = part(bytes, "xl/styles.xml");
    let section = |tag: &str| {
        let s = &styles[styles.find(&format!("<{tag}")).expect(tag)..];
        s[..s.find(&format!("</{tag}>")).expect("end")].to_string()
    };
    let xfs = section("cellXfs");
    let xf = xfs.split("<xf ").nth(style + 1).expect("xf");
    let font: usize = xf
        .split("fontId=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("fontId")
        .parse()
        .expect("font");
    let fonts = section("fonts");
    fonts
        .split("<font>")
        .nth(font + 1)
        .expect("font")
        .contains("<b/>")
}

#[test]
fn ratios_are_two_numbers_percentages_numbers_dates_dates() {
    let book = read_back(&sample());
    let sheet = &book.sheets[1];
    let header = row_of(sheet, "STT");
    let headers: Vec<String> = (0..6).filter_map(|c| text(sheet, header, c)).collect();
    assert_eq!(
        headers,
        [
            "STT",
            "Chỉ tiêu",
            "Số lượng (đạt)",
            "Số lượng (tổng số)",
            "Tỷ lệ",
            "Ngày nộp"
        ]
    );
    let first = header + 1;
    assert_eq!(sheet.get_value((first, 0)), Some(&Data::Float(1.0)));
    assert_eq!(sheet.get_value((first, 2)), Some(&Data::Float(13386.0)));
    assert_eq!(sheet.get_value((first, 3)), Some(&Data::Float(29246.0)));
    assert_eq!(sheet.get_value((first, 4)), Some(&Data::Float(45.77)));
    match sheet.get_value((first, 5)) {
        Some(Data::DateTime(d)) => {
            let serial = d.as_f64();
            // 2026-05-20 is day 46162 of Excel's calendar.
            assert_eq!(serial, 46162.0);
        }
        other => panic!("not a date: {other:?}"),
    }
    // A count in the ratio column goes to its first half; no percentage and no date: empty.
    assert_eq!(sheet.get_value((first + 1, 2)), Some(&Data::Float(12.0)));
    assert_eq!(sheet.get_value((first + 1, 3)), Some(&Data::Empty));
    assert_eq!(sheet.get_value((first + 1, 4)), Some(&Data::Empty));
    assert_eq!(sheet.get_value((first + 1, 5)), Some(&Data::Empty));
    assert_eq!(text(sheet, first + 2, 1).as_deref(), Some("Tổng cộng"));
    // The date is shown dd/mm/yyyy.
    assert!(part(&book.bytes, "xl/styles.xml").contains("formatCode=\"dd/mm/yyyy\""));
}

#[test]
fn a_chart_is_written_as_its_figures() {
    let book = read_back(&sample());
    let sheet = &book.sheets[1];
    let title = row_of(sheet, "Biểu đồ 1. Tỷ lệ qua các tháng");
    // Tables without a row number start in column B: column A holds only the numbers.
    assert_eq!(text(sheet, title + 1, 1).as_deref(), Some("Chỉ tiêu"));
    assert_eq!(text(sheet, title + 1, 2).as_deref(), Some("04/2026"));
    assert_eq!(
        text(sheet, title + 2, 1).as_deref(),
        Some("Tài khoản VNeID")
    );
    assert_eq!(sheet.get_value((title + 2, 2)), Some(&Data::Float(75.5)));
    assert_eq!(sheet.get_value((title + 2, 3)), Some(&Data::Float(79.94)));
    assert_eq!(sheet.get_value((title + 3, 2)), Some(&Data::Empty));
}

/// The width Excel is told for column `col` (0-based) of a sheet's XML.
fn column_width(sheet: &str, col: usize) -> f64 {
    let n = col + 1;
    let tag = sheet
        .split("<col ")
        .skip(1)
        .find(|c| {
            let attr = |name: &str| -> usize {
                c.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            };
            attr("min") <= n && n <= attr("max")
        })
        .expect("column");
    tag.split("width=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("width")
}

#[test]
fn columns_are_sized_to_their_content() {
    let book = read_back(&sample());
    let xml = part(&book.bytes, "xl/worksheets/sheet2.xml");
    let stt = column_width(&xml, 0);
    assert!(stt <= 6.0, "STT column {stt} wide");
    let label = column_width(&xml, 1);
    assert!((20.0..=45.0).contains(&label), "label column {label} wide");
    let ratio = column_width(&xml, 2);
    assert!((6.0..=14.0).contains(&ratio), "count column {ratio} wide");
}

#[test]
fn every_sheet_prints_on_a4_one_page_wide() {
    let book = read_back(&sample());
    for i in 1..=book.names.len() {
        let xml = part(&book.bytes, &format!("xl/worksheets/sheet{i}.xml"));
        assert!(
            xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
            "sheet {i}: {xml}"
        );
        let setup = &xml[xml.find("<pageSetup ").expect("page setup")..];
        let setup = &setup[..setup.find("/>").expect("end")];
        assert!(setup.contains("paperSize=\"9\""), "sheet {i}: {setup}");
        assert!(setup.contains("fitToHeight=\"0\""), "sheet {i}: {setup}");
        // The twelve-month table of section II needs landscape; the others fit portrait.
        let landscape = if i == 3 { "landscape" } else { "portrait" };
        assert!(
            setup.contains(&format!("orientation=\"{landscape}\"")),
            "sheet {i}: {setup}"
        );
    }
    // A sheet with one table repeats its header row on each printed page.
    let workbook = part(&book.bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"2\">"),
        "{workbook}"
    );
    assert!(!workbook.contains("localSheetId=\"1\">"), "{workbook}");
}
