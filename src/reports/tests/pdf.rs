//! Tests of `reports::pdf`.

use super::*;
use crate::reports::{Series, Signature};
use printpdf::lopdf;

fn strings(s: &str) -> Vec<String> {
    s.split('|').map(String::from).collect()
}

/// `"40|-|52"`: a value per month, `-` where there is nothing to divide by.
fn values(s: &str) -> Vec<Option<f64>> {
    s.split('|').map(|v| v.parse().ok()).collect()
}

fn sample() -> Document {
    let mut rows: Vec<Vec<Cell>> = (1..=80)
        .map(|i| {
            let what = format!("Hộ gia đình được hướng dẫn cài đặt ứng dụng số {i}");
            let rate = Some(79.94).filter(|_| i % 7 != 0);
            vec![
                Cell::Text(i.to_string()),
                Cell::Text(what),
                Cell::Int(1234 * i),
                Cell::Percent(rate),
            ]
        })
        .collect();
    // Wraps within its column, and one "word" longer than the column is cut.
    rows[2][1] = Cell::Text(
        "Hộ được hướng dẫn cài đặt VNeID, mở tài khoản ngân hàng và thanh toán không \
         dùng tiền mặt tại chợ ấp; https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
            .into(),
    );
    let total = Cell::Strong("Tổng cộng".into());
    rows.push(vec![
        Cell::Text(String::new()),
        total,
        Cell::Int(1234),
        Cell::Percent(Some(79.9)),
    ]);
    let paragraph = "Trong tháng, Tổ đã tổ chức 12 buổi hướng dẫn tại nhà văn hóa ấp. \
        Người trưởng thành được hướng dẫn trực tiếp cách cài đặt VNeID, mở tài khoản thanh \
        toán và nộp hồ sơ dịch vụ công trực tuyến.\nCác thành viên phối hợp với Đoàn thanh \
        niên đến từng hộ.";
    let table = Table {
        title: "Bảng 1. Kết quả theo hộ".into(),
        columns: strings("TT|Nội dung|Số lượt|Tỷ lệ"),
        widths: vec![1, 6, 2, 2],
        rows,
    };
    let chart = Chart {
        title: "Tỷ lệ qua các tháng".into(),
        labels: strings("T6|T7|T8|T9|T10|T11|T12|T1|T2|T3|T4|T5"),
        series: vec![
            Series {
                name: "Dân số có danh tính số".into(),
                values: values("40|45.5|50|55|61|64|70|72.5|75|77|79|79.9"),
            },
            Series {
                name: "Hộ có tài khoản thanh toán".into(),
                values: values("-|20|25|-|33|35|40|-|-|52|58|60"),
            },
        ],
    };
    Document {
        issuer: strings("UBND XÃ RẠCH KIẾN|TỔ CNSCĐ ẤP 3"),
        issuer_superior: 1,
        number: "Số: 05/BC-TCNSCĐ".into(),
        place_date: "Rạch Kiến, ngày 25 tháng 5 năm 2026".into(),
        title: "BÁO CÁO".into(),
        subtitle: "Kết quả hoạt động Tổ công nghệ số cộng đồng ấp 3 tháng 5/2026".into(),
        addressee: "Ban Chỉ đạo chuyển đổi số xã Rạch Kiến".into(),
        blocks: vec![
            Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
            Block::Subheading("1. Hoạt động của Tổ".into()),
            Block::Paragraph(paragraph.into()),
            Block::Table(table),
            Block::Chart(chart),
            Block::Heading("II. PHƯƠNG HƯỚNG THÁNG TỚI".into()),
            Block::Paragraph("Tiếp tục hướng dẫn người dân sử dụng dịch vụ công.".into()),
        ],
        recipients: strings("UBND xã (b/c)|Lưu: Tổ CNSCĐ."),
        signature: Signature {
            authority: strings("TM. TỔ CÔNG NGHỆ SỐ|TỔ TRƯỞNG"),
            name: "Nguyễn Thị Hồng Nhung".into(),
        },
        short_name: "BC tháng 05-2026 Ấp 3".into(),
        date: "2026-05-25".into(),
    }
}

#[test]
fn writes_a_searchable_multi_page_report() {
    let bytes = render(&sample()).expect("render");
    assert!(bytes.starts_with(b"%PDF-"));
    if let Ok(path) = std::env::var("PDF_SAMPLE_OUT") {
        std::fs::write(path, &bytes).expect("write sample");
    }
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("extract");
    // Wrapped lines come back with line breaks where the spaces were.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = "UBND XÃ RẠCH KIẾN|TỔ CNSCĐ ẤP 3|Số: 05/BC-TCNSCĐ\
        |CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập - Tự do - Hạnh phúc\
        |Rạch Kiến, ngày 25 tháng 5 năm 2026|BÁO CÁO\
        |Kết quả hoạt động Tổ công nghệ số cộng đồng ấp 3 tháng 5/2026\
        |Kính gửi: Ban Chỉ đạo chuyển đổi số xã Rạch Kiến|I. KẾT QUẢ THỰC HIỆN\
        |1. Hoạt động của Tổ|Người trưởng thành được hướng dẫn trực tiếp\
        |Bảng 1. Kết quả theo hộ|Nội dung|1.234|98.720|79,9%|Tổng cộng\
        |Tỷ lệ qua các tháng|Dân số có danh tính số|Hộ có tài khoản thanh toán|0%|25%|100%\
        |T12|Nơi nhận:|- UBND xã (b/c);|- Lưu: Tổ CNSCĐ.|TM. TỔ CÔNG NGHỆ SỐ|TỔ TRƯỞNG\
        |Nguyễn Thị Hồng Nhung";
    for s in expected.split('|') {
        assert!(text.contains(s), "missing {s:?} in {text}");
    }
    let doc = pdf_extract::Document::load_mem(&bytes).expect("load");
    let pages = doc.get_pages().len();
    assert!(pages > 1, "{pages} page(s)");
    // The header row is repeated on the pages the table runs onto.
    assert!(text.matches("Số lượt").count() > 1);
}

#[test]
fn wraps_on_real_widths_and_cuts_words_longer_than_a_line() {
    let w = Writer::new().expect("writer");
    let ty = Ty(Regular, TABLE);
    let lines = w.wrap("một hai ba bốn năm sáu bảy tám chín mười", ty, 60.0, 60.0);
    assert!(lines.len() > 2 && lines.iter().all(|l| w.width(l, ty) <= 60.01));
    assert_eq!(lines.join(" "), "một hai ba bốn năm sáu bảy tám chín mười");
    let long = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html";
    let cut = w.wrap(long, ty, 40.0, 40.0);
    assert!(cut.len() > 2 && cut.iter().all(|l| w.width(l, ty) <= 40.01));
    assert_eq!(cut.concat(), long);
    // Decomposed input (as some keyboards type it) is composed before it is measured.
    assert_eq!(w.wrap("Nguye\u{302}\u{303}n", ty, WIDTH, WIDTH), ["Nguyễn"]);
}

#[test]
fn fonts_are_compressed_and_the_title_is_unicode() {
    let bytes = render(&sample()).expect("render");
    // Subset fonts: only the glyphs the report uses are embedded.
    assert!(bytes.len() < 150_000, "{} bytes", bytes.len());
    let doc = pdf_extract::Document::load_mem(&bytes).expect("load");
    let info = doc.trailer.get(b"Info").and_then(|i| doc.dereference(i));
    let title = info
        .expect("info")
        .1
        .as_dict()
        .and_then(|d| d.get(b"Title"));
    let title = title.and_then(|t| t.as_str()).expect("title");
    let units: Vec<u16> = title
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(
        String::from_utf16_lossy(&units),
        "\u{feff}BC tháng 05-2026 Ấp 3"
    );
}

/// The text runs (one TJ each: a line, or a table cell's line) of each page with their
/// baseline, decoded through the fonts' ToUnicode maps: what a text extractor gets, with
/// the spaces the file really contains.
fn runs_of(bytes: &[u8]) -> Vec<Vec<(f32, String)>> {
    use std::collections::HashMap;
    let doc = lopdf::Document::load_mem(bytes).expect("load");
    let mut pages = Vec::new();
    for (_, page) in doc.get_pages() {
        let maps: HashMap<Vec<u8>, HashMap<u16, char>> = page_fonts(&doc, page)
            .into_iter()
            .map(|(name, font)| (name, to_unicode(&doc, font)))
            .collect();
        let content = doc.get_page_content(page).expect("content");
        let content = lopdf::content::Content::decode(&content).expect("decode");
        let (mut font, mut y, mut runs) = (Vec::new(), 0.0, Vec::new());
        for op in content.operations {
            match op.operator.as_str() {
                "Tf" => font = op.operands[0].as_name().expect("font").to_vec(),
                "Tm" => y = op.operands[5].as_float().expect("y"),
                "TJ" => {
                    let map = &maps[&font];
                    let mut text = String::new();
                    for item in op.operands[0].as_array().expect("array") {
                        if let Ok(bytes) = item.as_str() {
                            let gids = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                            text.extend(gids.map(|g| map.get(&g).copied().unwrap_or('?')));
                        }
                    }
                    runs.push((y, text));
                }
                _ => {}
            }
        }
        pages.push(runs);
    }
    pages
}

/// The fonts of a page by resource name (printpdf refers to its font dictionary indirectly,
/// which lopdf's `get_page_fonts` does not follow).
fn page_fonts(doc: &lopdf::Document, page: lopdf::ObjectId) -> Vec<(Vec<u8>, &lopdf::Dictionary)> {
    fn deref<'a>(doc: &'a lopdf::Document, o: &'a Object) -> Option<&'a lopdf::Dictionary> {
        match o {
            Object::Reference(id) => doc.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        }
    }
    let (resources, ids) = doc.get_page_resources(page);
    let mut all: Vec<&lopdf::Dictionary> = resources.into_iter().collect();
    all.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    let mut out = Vec::new();
    for r in all {
        let Some(fonts) = r.get(b"Font").ok().and_then(|f| deref(doc, f)) else {
            continue;
        };
        for (name, font) in fonts.iter() {
            if let Some(font) = deref(doc, font) {
                out.push((name.clone(), font));
            }
        }
    }
    out
}

fn to_unicode(
    doc: &lopdf::Document,
    font: &lopdf::Dictionary,
) -> std::collections::HashMap<u16, char> {
    let id = font
        .get(b"ToUnicode")
        .and_then(Object::as_reference)
        .expect("ToUnicode");
    let stream = doc
        .get_object(id)
        .and_then(Object::as_stream)
        .expect("stream");
    let text = String::from_utf8(stream.decompressed_content().expect("inflate")).expect("utf8");
    let hex = |s: &str| u32::from_str_radix(s.trim_matches(['<', '>']), 16).ok();
    text.lines()
        .filter_map(|l| {
            let (gid, code) = l.trim().split_once(' ')?;
            let gid = u16::try_from(hex(gid)?).ok()?;
            Some((gid, char::from_u32(hex(code)?)?))
        })
        .collect()
}

#[test]
fn spaces_are_real_and_the_number_keeps_its_blank() {
    let mut doc = sample();
    doc.number = "Số:      /BC-UBND".into();
    let runs = runs_of(&render(&doc).expect("render"));
    let all: Vec<&String> = runs.iter().flatten().map(|(_, t)| t).collect();
    // The room where the number is written by hand survives, spaces and all.
    assert!(all.iter().any(|t| *t == "Số:      /BC-UBND"), "{all:#?}");
    assert!(
        all.iter()
            .any(|t| t.starts_with("Kết quả hoạt động Tổ công nghệ")),
        "{all:#?}"
    );
    // Justified lines too: the space glyph is there, widened by an offset.
    let justified = all
        .iter()
        .find(|t| t.starts_with("Trong tháng, Tổ đã tổ chức"));
    assert!(
        justified.is_some_and(|t| t.contains(" 12 buổi ")),
        "{all:#?}"
    );
}

#[test]
fn pages_after_the_first_carry_their_number_at_the_top() {
    let runs = runs_of(&render(&sample()).expect("render"));
    assert!(runs.len() > 2, "{} pages", runs.len());
    for (i, page) in runs.iter().enumerate() {
        // Above the top margin there is only the page number.
        let above: Vec<&String> = page
            .iter()
            .filter(|(y, _)| *y > TOP)
            .map(|(_, t)| t)
            .collect();
        if i == 0 {
            assert!(above.is_empty(), "page 1: {above:?}");
        } else {
            assert_eq!(above, [&(i + 1).to_string()], "page {}", i + 1);
        }
    }
}

#[test]
fn fonts_have_their_real_names() {
    let bytes = render(&sample()).expect("render");
    let doc = lopdf::Document::load_mem(&bytes).expect("load");
    let mut names = std::collections::BTreeSet::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        for key in [&b"BaseFont"[..], b"FontName"] {
            if let Ok(name) = dict.get(key).and_then(Object::as_name) {
                names.insert(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    let faces: std::collections::BTreeSet<&str> = names
        .iter()
        .map(|n| n.split_once('+').expect("subset tag").1)
        .collect();
    assert_eq!(
        faces,
        [
            "LiberationSerif",
            "LiberationSerif-Bold",
            "LiberationSerif-Italic"
        ]
        .into()
    );
    for name in &names {
        let (tag, _) = name.split_once('+').expect("tag");
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "{name}"
        );
    }
}

#[test]
fn the_issuing_body_is_bold_and_its_superior_regular() {
    let mut doc = sample();
    doc.issuer = strings("ỦY BAN NHÂN DÂN|XÃ RẠCH KIẾN");
    doc.issuer_superior = 0;
    let bytes = render(&doc).expect("render");
    let pdf = lopdf::Document::load_mem(&bytes).expect("load");
    let (_, page) = pdf.get_pages().into_iter().next().expect("page 1");
    let fonts = page_fonts(&pdf, page);
    let bold: Vec<u8> = fonts
        .iter()
        .find(|(_, f)| {
            f.get(b"BaseFont")
                .and_then(Object::as_name)
                .is_ok_and(|n| n.ends_with(b"+LiberationSerif-Bold"))
        })
        .map(|(name, _)| name.clone())
        .expect("bold font");
    let content = pdf.get_page_content(page).expect("content");
    let content = lopdf::content::Content::decode(&content).expect("decode");
    let runs = runs_of(&bytes);
    // The first two runs of page 1 are the issuer's lines; both are set in bold.
    let fonts_used: Vec<Vec<u8>> = content
        .operations
        .iter()
        .filter(|op| op.operator == "Tf")
        .map(|op| op.operands[0].as_name().expect("name").to_vec())
        .take(2)
        .collect();
    assert_eq!(runs[0][0].1, "ỦY BAN NHÂN DÂN");
    assert_eq!(runs[0][1].1, "XÃ RẠCH KIẾN");
    assert_eq!(fonts_used, [bold.clone(), bold]);
}

#[test]
fn table_columns_are_wide_enough_for_their_numbers() {
    let mut doc = sample();
    let table = Table {
        title: "Bảng 2. Chỉ tiêu".into(),
        columns: strings("STT|Chỉ tiêu|Số lượng|Kết quả"),
        widths: vec![1, 19, 4, 2],
        rows: vec![vec![
            Cell::Int(1),
            Cell::Text("Người dân có tài khoản định danh điện tử".into()),
            Cell::Ratio(13386, 29246),
            Cell::Percent(Some(10.7)),
        ]],
    };
    doc.blocks = vec![Block::Table(table)];
    let runs = runs_of(&render(&doc).expect("render"));
    let all: Vec<&String> = runs.iter().flatten().map(|(_, t)| t).collect();
    for whole in ["STT", "13.386/29.246", "10,7%"] {
        assert!(all.iter().any(|t| *t == whole), "«{whole}» cut: {all:#?}");
    }
    // Header words wrap whole, if at all.
    assert!(all.iter().any(|t| t.ends_with("lượng")), "{all:#?}");
}
