//! Tests of `reports::docx`.

use super::*;
use crate::reports::{Series, Signature};
use std::collections::BTreeSet;

fn sample() -> Document {
    Document {
        issuer: vec!["UBND XÃ RẠCH KIẾN".into(), "TỔ CNSCĐ ẤP 3".into()],
        issuer_superior: 1,
        number: "Số: 05/BC-TCNSCĐ".into(),
        place_date: "Rạch Kiến, ngày 25 tháng 5 năm 2026".into(),
        title: "BÁO CÁO".into(),
        subtitle: "Kết quả hoạt động của Tổ công nghệ số cộng đồng tháng 5/2026".into(),
        addressee: "Ủy ban nhân dân xã Rạch Kiến".into(),
        blocks: vec![
            Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
            Block::Subheading("1. Hoạt động của Tổ".into()),
            Block::Paragraph(
                "Trong tháng, Tổ đã hướng dẫn người dân cài đặt VNeID.\n\
                 Tổ phối hợp với Đoàn thanh niên & Hội Phụ nữ tổ chức 3 buổi tập huấn."
                    .into(),
            ),
            Block::Table(ReportTable {
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
                        Cell::Text("Hộ gia đình chưa có điện thoại thông minh".into()),
                        Cell::Int(12),
                        Cell::Percent(None),
                    ],
                    vec![
                        Cell::Text("".into()),
                        Cell::Strong("Tổng cộng".into()),
                        Cell::Int(1246),
                        Cell::Percent(Some(80.0)),
                    ],
                ],
            }),
            Block::Chart(Chart {
                title: "Biểu đồ 1. Tỷ lệ qua các tháng".into(),
                labels: vec!["03/2026".into(), "04/2026".into(), "05/2026".into()],
                series: vec![
                    Series {
                        name: "Tài khoản VNeID".into(),
                        values: vec![Some(70.0), Some(75.46), Some(79.94)],
                    },
                    Series {
                        name: "Thanh toán không dùng tiền mặt".into(),
                        values: vec![None, Some(40.0), Some(42.5)],
                    },
                ],
            }),
        ],
        recipients: vec!["UBND xã".into(), "Lưu: VT".into()],
        signature: Signature {
            authority: vec!["TM. TỔ CNSCĐ".into(), "TỔ TRƯỞNG".into()],
            name: "Nguyễn Văn Ấn".into(),
        },
        short_name: "BC thang 05-2026 Ap 3".into(),
        date: "2026-05-25".into(),
    }
}

fn rendered() -> Vec<u8> {
    render(&sample()).expect("render docx")
}

#[test]
fn the_page_is_a4_with_the_decree_margins_and_times_new_roman() {
    let layout = layout_of(&rendered()).expect("layout");
    assert_eq!((layout.page_width, layout.page_height), (11906, 16838));
    assert_eq!(layout.margin_top, 1134);
    assert_eq!(layout.margin_bottom, 1134);
    assert_eq!(layout.margin_left, 1701);
    assert_eq!(layout.margin_right, 850);
    assert_eq!(
        layout.run_fonts,
        BTreeSet::from(["Times New Roman".to_string()])
    );
    assert_eq!(layout.runs_without_font, 0);
    assert_eq!(
        layout.default_fonts,
        BTreeSet::from(["Times New Roman".to_string()])
    );
}

#[test]
fn the_header_title_and_signature_read_back_in_order() {
    let text = paragraphs_text(&rendered()).expect("text");
    let position = |s: &str| {
        text.iter()
            .position(|p| p == s)
            .unwrap_or_else(|| panic!("no paragraph {s:?} in {text:#?}"))
    };
    let issuer = position("UBND XÃ RẠCH KIẾN");
    let body = position("TỔ CNSCĐ ẤP 3");
    let number = position("Số: 05/BC-TCNSCĐ");
    let nation = position("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    let motto = position("Độc lập - Tự do - Hạnh phúc");
    let date = position("Rạch Kiến, ngày 25 tháng 5 năm 2026");
    let title = position("BÁO CÁO");
    let subtitle = position("Kết quả hoạt động của Tổ công nghệ số cộng đồng tháng 5/2026");
    let addressee = position("Kính gửi: Ủy ban nhân dân xã Rạch Kiến");
    let heading = position("I. KẾT QUẢ THỰC HIỆN");
    let recipients = position("Nơi nhận:");
    let name = position("Nguyễn Văn Ấn");
    // The left column comes before the right one, then the body, then the bottom.
    assert!(issuer < body && body < number && number < nation);
    assert!(nation < motto && motto < date && date < title);
    assert!(title < subtitle && subtitle < addressee && addressee < heading);
    assert!(heading < recipients && recipients < name);
    assert_eq!(text[recipients + 1], "- UBND xã;");
    assert_eq!(text[recipients + 2], "- Lưu: VT.");
    assert!(position("TM. TỔ CNSCĐ") < position("TỔ TRƯỞNG"));
    assert!(position("TỔ TRƯỞNG") < name);
}

#[test]
fn paragraphs_and_table_cells_carry_the_vietnamese_figures() {
    let text = paragraphs_text(&rendered()).expect("text");
    let has = |s: &str| text.iter().any(|p| p == s);
    assert!(has("Trong tháng, Tổ đã hướng dẫn người dân cài đặt VNeID."));
    assert!(has(
        "Tổ phối hợp với Đoàn thanh niên & Hội Phụ nữ tổ chức 3 buổi tập huấn."
    ));
    assert!(has("Bảng 1. Kết quả theo ấp"));
    assert!(has("1.234"));
    assert!(has("79,9%"));
    assert!(has("1.246"));
    assert!(has("80,0%"));
    assert!(has("–"));
    assert!(has("Tổng cộng"));
    // The chart as a table: header row, then one row per series.
    let chart = text
        .iter()
        .position(|p| p == "Biểu đồ 1. Tỷ lệ qua các tháng")
        .expect("chart title");
    assert_eq!(
        &text[chart + 1..chart + 13],
        &[
            "Chỉ tiêu",
            "03/2026",
            "04/2026",
            "05/2026",
            "Tài khoản VNeID",
            "70,0%",
            "75,5%",
            "79,9%",
            "Thanh toán không dùng tiền mặt",
            "–",
            "40,0%",
            "42,5%",
        ]
    );
}

#[test]
fn runs_are_sized_and_styled_as_the_decree_asks() {
    let docx = docx_rs::read_docx(&rendered()).expect("read");
    let json: serde_json::Value = serde_json::from_str(&docx.json()).expect("json");
    let mut found = Vec::new();
    collect_runs(&json, &mut found);
    let look = |text: &str| {
        found
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("no run {text:?}"))
    };
    let size = |p: &serde_json::Value| p.pointer("/sz").and_then(|v| v.as_u64());
    let flag = |p: &serde_json::Value, key: &str| p.get(key).and_then(|v| v.as_bool());
    let bold = |p: &serde_json::Value| flag(p, "bold") == Some(true);
    let italic = |p: &serde_json::Value| flag(p, "italic") == Some(true);

    let nation = look("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    // At 13 pt bold it is wider than its column: 12 pt keeps it on one line.
    assert_eq!(size(&nation), Some(24));
    let room = (HEADER_RIGHT - 2 * CELL_PADDING) as f32 / 20.0;
    assert!(measure::text_width(NATION, true, 12.0) < room);
    assert!(bold(&nation));
    let motto = look("Độc lập - Tự do - Hạnh phúc");
    assert_eq!(size(&motto), Some(28));
    assert!(bold(&motto));
    let date = look("Rạch Kiến, ngày 25 tháng 5 năm 2026");
    assert!(italic(&date) && !bold(&date));
    assert_eq!(size(&date), Some(28));
    let superior = look("UBND XÃ RẠCH KIẾN");
    assert!(!bold(&superior));
    assert_eq!(size(&superior), Some(26));
    assert!(bold(&look("TỔ CNSCĐ ẤP 3")));
    assert!(bold(&look("BÁO CÁO")));
    let sub = look("1. Hoạt động của Tổ");
    assert!(bold(&sub) && italic(&sub));
    assert_eq!(size(&look("1.234")), Some(26));
    assert!(bold(&look("Tổng cộng")));
    let label = look("Nơi nhận:");
    assert!(bold(&label) && italic(&label));
    assert_eq!(size(&label), Some(24));
    assert_eq!(size(&look("- UBND xã;")), Some(22));
    let name = look("Nguyễn Văn Ấn");
    assert!(bold(&name));
    assert_eq!(size(&name), Some(28));
}

#[test]
fn the_short_rules_are_bottom_borders_only() {
    let docx = docx_rs::read_docx(&rendered()).expect("read");
    let json: serde_json::Value = serde_json::from_str(&docx.json()).expect("json");
    let mut borders = Vec::new();
    collect_paragraph_borders(&json, &mut borders);
    // Under the issuer, under the motto and under the subtitle.
    assert_eq!(borders.len(), 3, "{borders:#?}");
    for b in &borders {
        for side in ["left", "right", "top", "between", "bar"] {
            assert!(b.get(side).is_none_or(|v| v.is_null()), "{side} in {b}");
        }
        assert_eq!(
            b.pointer("/bottom/val").and_then(|v| v.as_str()),
            Some("single")
        );
    }
}

fn collect_paragraph_borders(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("type").and_then(|t| t.as_str()) == Some("paragraph")
                && let Some(b) = v.pointer("/data/property/borders")
                && !b.is_null()
            {
                out.push(b.clone());
            }
            map.values().for_each(|v| collect_paragraph_borders(v, out));
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_paragraph_borders(v, out));
        }
        _ => {}
    }
}

/// Every run with text in the JSON form of a document, with its run property.
fn collect_runs(v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("type").and_then(|t| t.as_str()) == Some("run")
                && let Some(data) = map.get("data")
            {
                let text: String = data
                    .get("children")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.pointer("/data/text").and_then(|t| t.as_str()))
                    .collect();
                let property = data.get("runProperty").cloned().unwrap_or_default();
                out.push((text, property));
            }
            for value in map.values() {
                collect_runs(value, out);
            }
        }
        serde_json::Value::Array(items) => {
            for value in items {
                collect_runs(value, out);
            }
        }
        _ => {}
    }
}

#[test]
fn a_year_long_chart_uses_smaller_type_to_fit() {
    let mut doc = sample();
    doc.blocks = vec![Block::Chart(Chart {
        title: "Biểu đồ 2. Mười hai tháng".into(),
        labels: (1..=12).map(|m| format!("{m:02}/2026")).collect(),
        series: vec![Series {
            name: "Tài khoản VNeID".into(),
            values: (1..=12).map(|m| Some(60.0 + f64::from(m) * 1.66)).collect(),
        }],
    })];
    let bytes = render(&doc).expect("render");
    let text = paragraphs_text(&bytes).expect("text");
    assert!(text.iter().any(|p| p == "12/2026"));
    assert!(text.iter().any(|p| p == "79,9%"));
    let docx = docx_rs::read_docx(&bytes).expect("read");
    let json: serde_json::Value = serde_json::from_str(&docx.json()).expect("json");
    let mut found = Vec::new();
    collect_runs(&json, &mut found);
    let (_, property) = found.iter().find(|(t, _)| t == "79,9%").expect("run 79,9%");
    // 11 pt or less: as large as keeps "12/2026" and "79,9%" whole in 13 columns.
    let size = property.get("sz").and_then(|v| v.as_u64()).expect("size");
    assert!((18..=22).contains(&size), "{size}");
    let table = chart_as_table(match &doc.blocks[0] {
        Block::Chart(c) => c,
        _ => unreachable!(),
    });
    let (chosen, widths) = column_widths(&table, 13, true);
    assert_eq!(chosen as u64, size);
    let room = (widths[12] - 2 * NARROW_PADDING) as f32 / 20.0;
    assert!(room >= measure::text_width("12/2026", true, size as f32 / 2.0));
}

fn table_of(columns: &[&str], widths: Vec<u16>, rows: Vec<Vec<Cell>>) -> ReportTable {
    ReportTable {
        title: String::new(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        widths,
        rows,
    }
}

#[test]
fn widths_fill_the_text_width_in_proportion() {
    let t = table_of(
        &["STT", "Chỉ tiêu", "Số lượng", "Tỷ lệ"],
        vec![1, 6, 2, 2],
        vec![],
    );
    let (size, widths) = column_widths(&t, 4, false);
    assert_eq!(size, 26);
    assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH);
    // Nothing too narrow for its words: the hints hold (to the twip).
    assert!(widths[1].abs_diff(TEXT_WIDTH * 6 / 11) <= 1, "{widths:?}");
    let (_, widths) = column_widths(&table_of(&[], vec![], vec![]), 3, false);
    assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH);
}

#[test]
fn narrow_columns_keep_numbers_and_words_whole() {
    // The indicator table of the issue: "13.386/29.24 / 6", "ST/T" and "10,7 / %".
    let t = table_of(
        &[
            "STT",
            "Chỉ tiêu",
            "Số lượng",
            "Kết quả",
            "Mục tiêu",
            "Đánh giá",
        ],
        vec![1, 19, 8, 2, 5, 5],
        vec![vec![
            Cell::Int(1),
            Cell::Text("Người dân có tài khoản định danh điện tử".into()),
            Cell::Ratio(13386, 29246),
            Cell::Percent(Some(10.7)),
            Cell::Text("80%".into()),
            Cell::Text("Chưa đạt".into()),
        ]],
    );
    let (size, widths) = column_widths(&t, 6, false);
    assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH);
    let room = |i: usize| (widths[i] - 2 * CELL_PADDING) as f32 / 20.0;
    let at = |s: &str, bold: bool| measure::text_width(s, bold, size as f32 / 2.0);
    assert!(room(0) >= at("STT", true), "{widths:?}");
    assert!(room(2) >= at("13.386/29.246", false), "{widths:?}");
    assert!(room(3) >= at("10,7%", false), "{widths:?}");
    // The room came from the widest column.
    assert!(widths[1] < TEXT_WIDTH * 19 / 40, "{widths:?}");
    // The .docx carries those widths in its grid.
    let mut doc = sample();
    doc.blocks = vec![Block::Table(t)];
    let xml = part(&render(&doc).expect("render"), "word/document.xml").expect("document");
    let grid: String = widths
        .iter()
        .map(|w| format!(r#"<w:gridCol w:w="{w}" w:type="dxa" />"#))
        .collect();
    assert!(xml.contains(&grid), "{grid} in {xml}");
}

#[test]
fn header_rows_repeat_and_rows_do_not_split() {
    let xml = part(&rendered(), "word/document.xml").expect("document");
    // One header row per data table (the table and the chart), none in the frames.
    assert_eq!(xml.matches("<w:tblHeader />").count(), 2, "{xml}");
    assert!(!xml.contains(r#"w:val="1" w:hRule="atLeast""#));
    // Every row is kept whole: 1 + 3 (table), 1 + 2 (chart), and the two frames.
    assert_eq!(xml.matches("<w:cantSplit />").count(), 4 + 3 + 2, "{xml}");
    // The header row keeps with the first data row; the title with the header.
    let header = xml.split("<w:tblHeader />").nth(1).expect("a header row");
    let row = &header[..header.find("</w:tr>").expect("end of row")];
    assert_eq!(row.matches("<w:keepNext />").count(), 4, "{row}");
}

#[test]
fn the_signature_block_stays_whole_with_the_closing_paragraph() {
    let mut doc = sample();
    doc.blocks
        .push(Block::Paragraph("Trên đây là báo cáo./.".into()));
    let xml = part(&render(&doc).expect("render"), "word/document.xml").expect("document");
    let closing = xml.find("Trên đây là báo cáo./.").expect("closing");
    let paragraph = &xml[xml[..closing].rfind("<w:p ").expect("paragraph start")..closing];
    assert!(paragraph.contains("<w:keepNext />"), "{paragraph}");
    let footer = &xml[xml.rfind("<w:tbl>").expect("footer table")..];
    assert!(footer.contains("<w:cantSplit />"), "{footer}");
    assert!(footer.contains("Nguyễn Văn Ấn") && footer.contains("Nơi nhận:"));
}

#[test]
fn pages_after_the_first_are_numbered_at_the_top() {
    let bytes = rendered();
    let xml = part(&bytes, "word/document.xml").expect("document");
    assert!(xml.contains("<w:titlePg />"), "a different first page");
    assert!(xml.contains(r#"<w:headerReference w:type="default""#));
    assert!(xml.contains(r#"<w:headerReference w:type="first""#));
    let headers: Vec<String> = (1..=2)
        .map(|i| part(&bytes, &format!("word/header{i}.xml")).expect("header"))
        .collect();
    let numbered: Vec<&String> = headers.iter().filter(|h| h.contains("PAGE")).collect();
    assert_eq!(numbered.len(), 1, "{headers:#?}");
    assert!(numbered[0].contains(r#"<w:jc w:val="center" />"#));
}

#[test]
fn the_issuing_body_is_bold_and_its_superior_is_not() {
    let mut doc = sample();
    doc.issuer = vec!["ỦY BAN NHÂN DÂN".into(), "XÃ RẠCH KIẾN".into()];
    doc.issuer_superior = 0;
    let docx = docx_rs::read_docx(&render(&doc).expect("render")).expect("read");
    let json: serde_json::Value = serde_json::from_str(&docx.json()).expect("json");
    let mut found = Vec::new();
    collect_runs(&json, &mut found);
    for line in ["ỦY BAN NHÂN DÂN", "XÃ RẠCH KIẾN"] {
        let (_, p) = found.iter().find(|(t, _)| t == line).expect(line);
        assert_eq!(
            p.get("bold").and_then(|v| v.as_bool()),
            Some(true),
            "{line}"
        );
    }
}

#[test]
fn properties_carry_the_date_the_issuer_the_title_and_the_language() {
    let bytes = rendered();
    let core = part(&bytes, "docProps/core.xml").expect("core");
    assert!(
        core.contains(">2026-05-25T05:00:00Z</dcterms:created>"),
        "{core}"
    );
    assert!(
        core.contains(">2026-05-25T05:00:00Z</dcterms:modified>"),
        "{core}"
    );
    assert!(
        core.contains("<dc:creator>TỔ CNSCĐ ẤP 3</dc:creator>"),
        "{core}"
    );
    assert!(core.contains("<cp:lastModifiedBy>TỔ CNSCĐ ẤP 3</cp:lastModifiedBy>"));
    assert!(core.contains(
        "<dc:title>Kết quả hoạt động của Tổ công nghệ số cộng đồng tháng 5/2026</dc:title>"
    ));
    let styles = part(&bytes, "word/styles.xml").expect("styles");
    let defaults = &styles[styles.find("<w:rPrDefault>").expect("defaults")..];
    let defaults = &defaults[..defaults.find("</w:rPrDefault>").expect("end")];
    assert!(defaults.contains(r#"<w:lang w:val="vi-VN""#), "{defaults}");
    // The file still opens.
    assert!(paragraphs_text(&bytes).is_ok());
}

#[test]
fn a_bare_document_still_renders() {
    let doc = Document {
        issuer: vec![],
        issuer_superior: 1,
        number: String::new(),
        place_date: String::new(),
        title: "BÁO CÁO".into(),
        subtitle: String::new(),
        addressee: String::new(),
        blocks: vec![Block::Table(ReportTable {
            title: String::new(),
            columns: vec![],
            widths: vec![],
            rows: vec![],
        })],
        recipients: vec![],
        signature: Signature::default(),
        short_name: String::new(),
        date: "2026-05-25".into(),
    };
    let text = paragraphs_text(&render(&doc).expect("render")).expect("text");
    assert!(text.iter().any(|p| p == "BÁO CÁO"));
    assert!(!text.iter().any(|p| p.starts_with("Kính gửi")));
}
