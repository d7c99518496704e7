//! Tests of `reports::pdf`.

use super::*;
use crate::reports::{Series, Signature};

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
