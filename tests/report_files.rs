//! Every report file read back: Word with a docx reader (header lines, Times New Roman, A4 and
//! the margins, the figures equal to the indicator API's), Excel cell by cell, PDF as text.

mod common;
use axum::http::StatusCode;
use calamine::{Data, Reader};
use common::{Client, app_on, backends, demo_db_on};
use congdongso::reports::docx;
use serde_json::Value;

const AP3: &str = "rach-kien-ap-03";

/// Ấp 3's May report drafted, submitted on the 20th and approved.
async fn approved_may(app: &axum::Router) {
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[
                ("results", "Ra quân hướng dẫn VNeID cho 40 hộ."),
                ("difficulties", "Sóng điện thoại yếu ở xóm Bàu Sen."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form(&format!("/reports/{AP3}/2026-05/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn download(c: &mut Client, area: &str, kind: &str, period: &str, format: &str) -> Vec<u8> {
    let r = c
        .get(&format!(
            "/reports/file?area={area}&kind={kind}&period={period}&format={format}"
        ))
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{area} {kind} {period} {format}: {}",
        r.body
    );
    let disposition = r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains(&format!(".{format}")), "{disposition}");
    r.bytes
}

/// `79.9` → `79,9%`, `48.0` → `48,0%`, as the report writes a percentage (one decimal always).
fn percent(v: f64) -> String {
    format!("{}%", format!("{v:.1}").replace('.', ","))
}

fn thousands(n: i64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Every indicator of the API appears in the document's table with the API's figures.
fn assert_figures_match(paragraphs: &[String], api: &Value) {
    for f in api.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        if f["kind"] == "ratio" && f["denominator"].as_i64().unwrap_or(0) == 0 {
            // Nothing to divide by: named under the table, not a "0/0" row in it.
            assert!(
                paragraphs
                    .iter()
                    .any(|p| p.starts_with("Chưa có số liệu để tính") && p.contains(name)),
                "«{name}» named as without figures"
            );
            assert!(!paragraphs.iter().any(|p| p == name), "«{name}» not tabled");
            continue;
        }
        let i = paragraphs
            .iter()
            .position(|p| p == name)
            .unwrap_or_else(|| panic!("indicator «{name}» in the report"));
        let n = f["numerator"].as_i64().unwrap();
        if f["kind"] == "ratio" {
            let d = f["denominator"].as_i64().unwrap_or(0);
            assert_eq!(
                paragraphs[i + 1],
                format!("{}/{}", thousands(n), thousands(d)),
                "{name}"
            );
            let value = f["value"].as_f64().map_or("–".to_string(), percent);
            assert_eq!(paragraphs[i + 2], value, "{name}");
        } else {
            assert_eq!(paragraphs[i + 1], thousands(n), "{name}");
        }
    }
}

async fn files(url: String) {
    // The demo as it stood on 20 May: the month's reports still to write.
    let db = demo_db_on(&url, "2026-05-20").await;
    approved_may(&app_on(db.clone(), "2026-05-20")).await;
    let app = app_on(db.clone(), "2026-06-01");
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let head_name: (Option<String>,) = db
        .fetch_one(
            "SELECT full_name FROM accounts WHERE username = 'truongap03'",
            &[],
        )
        .await
        .unwrap();
    let head_name = head_name.0.expect("the head has a name");

    // The hamlet's monthly report in Word.
    let bytes = download(&mut vhxh, AP3, "monthly", "2026-05", "docx").await;
    let layout = docx::layout_of(&bytes).unwrap();
    assert_eq!(
        (layout.page_width, layout.page_height),
        (11906, 16838),
        "A4"
    );
    let mm = |twips: i32| (twips as f64 * 25.4 / 1440.0).round();
    assert!(
        (20.0..=25.0).contains(&mm(layout.margin_top)),
        "top {}",
        layout.margin_top
    );
    assert!((20.0..=25.0).contains(&mm(layout.margin_bottom)));
    assert!((30.0..=35.0).contains(&mm(layout.margin_left)));
    assert!((15.0..=20.0).contains(&mm(layout.margin_right)));
    assert_eq!(
        layout.run_fonts.iter().cloned().collect::<Vec<_>>(),
        ["Times New Roman"],
        "Times New Roman everywhere"
    );
    let p = docx::paragraphs_text(&bytes).unwrap();
    for line in [
        "UBND XÃ RẠCH KIẾN",
        "BAN NHÂN DÂN ẤP 3",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Rạch Kiến, ngày 20 tháng 5 năm 2026",
        "BÁO CÁO",
        "Kết quả hoạt động Tổ công nghệ số cộng đồng Ấp 3 tháng 5/2026",
        "Kính gửi: Phòng Văn hóa – Xã hội xã Rạch Kiến",
        "TRƯỞNG ẤP",
        "Sóng điện thoại yếu ở xóm Bàu Sen.",
        head_name.as_str(),
    ] {
        assert!(p.iter().any(|x| x == line), "«{line}» in {p:#?}");
    }
    assert!(
        p.iter()
            .any(|x| x.starts_with("Số:") && x.ends_with("/BC-BNDA"))
    );
    assert!(p.iter().any(|x| x.starts_with("Nơi nhận")));
    let hamlet_api = vhxh
        .get(&format!("/api/v1/indicators?area={AP3}&period=2026-05"))
        .await
        .json();
    assert_figures_match(&p, &hamlet_api);
    let pdf = download(&mut vhxh, AP3, "monthly", "2026-05", "pdf").await;
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Kính gửi: Phòng Văn hóa – Xã hội xã Rạch Kiến"),
        "{flat}"
    );
    assert!(!flat.contains("Kính gửi: Kính gửi"));
    assert!(flat.contains("Sóng điện thoại yếu ở xóm Bàu Sen."));

    // The commune's monthly report: every hamlet, who reported on time, who is missing.
    let bytes = download(&mut vhxh, "rach-kien", "monthly", "2026-05", "docx").await;
    assert!(
        bytes.len() < 100_000,
        "the parts are deflated: {} bytes",
        bytes.len()
    );
    let p = docx::paragraphs_text(&bytes).unwrap();
    for line in [
        "ỦY BAN NHÂN DÂN",
        "XÃ RẠCH KIẾN",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    ] {
        assert!(p.iter().any(|x| x == line), "«{line}»");
    }
    let summary = p
        .iter()
        .find(|x| x.starts_with("Tháng 5/2026: 17 ấp phải báo cáo"))
        .expect("the completeness summary");
    assert!(
        summary.contains("đã nộp 1 (đúng hạn 1, trễ hạn 0); chưa nộp 16."),
        "{summary}"
    );
    assert!(
        summary.contains("Các ấp chưa báo cáo: Ấp 1, Ấp 2, Ấp 4,"),
        "{summary}"
    );
    assert!(!summary.contains("Ấp 3,"), "{summary}");
    let row = p.iter().position(|x| x == "Ấp 3").expect("Ấp 3's row");
    assert_eq!(p[row + 1..row + 4], ["Đã duyệt", "20/05/2026", "Đúng hạn"]);
    assert_eq!(
        p.iter().filter(|x| *x == "Chưa nộp (quá hạn)").count(),
        16,
        "every other hamlet is missing"
    );
    assert!(
        p.iter().any(|x| x == "Ấp 3 (đã duyệt)"),
        "the hamlet table marks frozen figures"
    );
    let commune_api = vhxh
        .get("/api/v1/indicators?area=rach-kien&period=2026-05")
        .await
        .json();
    assert_figures_match(&p, &commune_api);

    // Excel: the same tables, numbers as numbers.
    let bytes = download(&mut vhxh, "rach-kien", "monthly", "2026-05", "xlsx").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    // A sheet per section: the rows of all of them.
    let rows: Vec<Vec<Data>> = wb
        .sheet_names()
        .iter()
        .flat_map(|name| {
            let range = wb.worksheet_range(name).unwrap();
            range.rows().map(|r| r.to_vec()).collect::<Vec<_>>()
        })
        .collect();
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    };
    for f in commune_api.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        if f["kind"] == "ratio" && f["denominator"].as_i64().unwrap_or(0) == 0 {
            continue;
        }
        let row = rows
            .iter()
            .find(|r| r.iter().any(|c| text(c) == name))
            .unwrap_or_else(|| panic!("«{name}» in the sheet"));
        let at = row.iter().position(|c| text(c) == name).unwrap();
        if f["kind"] == "ratio" {
            // A ratio is two number columns (achieved, total), or one as text.
            let value = if matches!(row[at + 1], Data::String(_)) {
                at + 2
            } else {
                at + 3
            };
            match (&row[value], f["value"].as_f64()) {
                (Data::Float(v), Some(api)) => {
                    assert!((v - api).abs() < 1e-9, "{name}: {v} vs {api}")
                }
                (Data::Empty, None) => {}
                (cell, api) => panic!("{name}: {cell:?} vs {api:?}"),
            }
        } else {
            assert_eq!(
                row[at + 1],
                Data::Float(f["numerator"].as_f64().unwrap()),
                "{name}"
            );
        }
    }
    let ap3 = rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "Ấp 3") && r.iter().any(|c| text(c) == "Đúng hạn"))
        .expect("Ấp 3 on time in the sheet");
    // The submission date: a date cell (serial 46162) or, written as text, 20/05/2026.
    assert!(ap3.iter().any(
        |c| text(c) == "20/05/2026" || matches!(c, Data::DateTime(d) if d.as_f64() == 46162.0)
    ));

    // PDF: the same content, Vietnamese diacritics intact, the trend chart's title.
    let bytes = download(&mut vhxh, "rach-kien", "monthly", "2026-05", "pdf").await;
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for s in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Người trưởng thành được hướng dẫn trực tiếp",
        "Đúng hạn",
        "Chưa nộp (quá hạn)",
        "Xu hướng 12 tháng",
        "TM. ỦY BAN NHÂN DÂN",
    ] {
        assert!(flat.contains(s), "«{s}» in the PDF text:\n{flat}");
    }
}

#[tokio::test]
async fn report_files_read_back_with_the_apis_figures() {
    for url in backends().await {
        files(url).await;
    }
}

async fn quarter_and_year(url: String) {
    // The demo on 20 October: the commune made its plan for the year in January.
    let db = demo_db_on(&url, "2026-10-20").await;
    let app = app_on(db.clone(), "2026-10-20");
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let (task,): (String,) = db
        .fetch_one(
            "SELECT content FROM plan_tasks WHERE quarter = 2 ORDER BY sort_order, id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let bytes = download(&mut vhxh, "rach-kien", "quarterly", "2026-Q2", "docx").await;
    let p = docx::paragraphs_text(&bytes).unwrap();
    assert!(p.iter().any(|x| x == &task), "the quarter's task «{task}»");
    assert!(p.iter().any(|x| x.contains("quý II/2026")), "{p:#?}");
    let q2_api = vhxh
        .get("/api/v1/indicators?area=rach-kien&period=2026-Q2")
        .await
        .json();
    assert_figures_match(&p, &q2_api);

    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            "/year-end/evaluation",
            &[
                ("year", "2026"),
                ("rating", "good"),
                (
                    "results",
                    "Tổ đã hướng dẫn trực tiếp 90% người trưởng thành.",
                ),
                (
                    "proposals",
                    "Thêm một buổi hỗ trợ tại nhà văn hóa mỗi tuần.",
                ),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = head
        .post_form(
            "/year-end/practices",
            &[
                ("title", "Tổ CNSCĐ tại chợ phiên"),
                ("description", "Hỗ trợ người dân ngay tại chợ."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (member_id, member_name): (i64, String) = db
        .fetch_one(
            "SELECT m.id, m.full_name FROM members m JOIN teams t ON t.id = m.team_id \
             JOIN areas a ON a.id = t.area_id WHERE a.code = $1 AND m.active = 1 ORDER BY m.id LIMIT 1",
            &[AP3.into()],
        )
        .await
        .unwrap();
    let r = head
        .post_form(
            "/year-end/nominations",
            &[
                ("year", "2026"),
                ("nominee", &format!("member:{member_id}")),
                ("reason", "Hướng dẫn 300 người cài VNeID."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for format in ["docx", "pdf", "xlsx"] {
        let bytes = download(&mut vhxh, "rach-kien", "yearly", "2026", format).await;
        let all = match format {
            "docx" => docx::paragraphs_text(&bytes).unwrap().join("\n"),
            "pdf" => pdf_extract::extract_text_from_mem(&bytes)
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            _ => {
                let mut wb: calamine::Xlsx<_> =
                    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
                wb.sheet_names()
                    .iter()
                    .flat_map(|name| {
                        let range = wb.worksheet_range(name).unwrap();
                        range
                            .rows()
                            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        };
        for s in [
            "Tổng kết hoạt động",
            "Hoàn thành tốt nhiệm vụ",
            "Tổ CNSCĐ tại chợ phiên",
            "Thêm một buổi hỗ trợ tại nhà văn hóa mỗi tuần.",
        ] {
            assert!(all.contains(s), "{format}: «{s}» in\n{all}");
        }
    }
    // Hamlet and quarter reports, and a wrong combination, through the same route.
    let bytes = download(&mut head, AP3, "quarterly", "2026-Q3", "pdf").await;
    assert!(bytes.starts_with(b"%PDF"));
    let r = head
        .get("/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-Q3&format=docx")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Báo cáo tháng cần kỳ dạng năm-tháng"),
        "{}",
        r.body
    );
    let r = head
        .get("/reports/file?area=rach-kien-ap-01&kind=monthly&period=2026-05&format=docx")
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another hamlet's report is not the head's"
    );
    let mut so = Client::login(app.clone(), "so").await;
    let list = so.get("/reports").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("href=\"/reports?area=rach-kien\""),
        "{}",
        list.body
    );
    let commune_page = so.get("/reports?area=rach-kien&month=2026-05").await;
    assert!(commune_page.body.contains("id=\"hamlet-reports\""));
    let bytes = download(&mut so, "rach-kien", "monthly", "2026-05", "docx").await;
    assert!(
        !bytes.is_empty(),
        "the province reads the commune's reports"
    );
    // A nominated member's name stays in the commune: the province reads their team.
    let commune_copy =
        docx::paragraphs_text(&download(&mut vhxh, "rach-kien", "yearly", "2026", "docx").await)
            .unwrap()
            .join("\n");
    assert!(commune_copy.contains(&member_name), "{commune_copy}");
    let province_copy =
        docx::paragraphs_text(&download(&mut so, "rach-kien", "yearly", "2026", "docx").await)
            .unwrap()
            .join("\n");
    assert!(!province_copy.contains(&member_name), "{province_copy}");
    assert!(
        province_copy.contains("Một thành viên Tổ"),
        "{province_copy}"
    );
    assert!(province_copy.contains("Hướng dẫn 300 người cài VNeID."));
}

#[tokio::test]
async fn quarterly_and_year_end_reports() {
    for url in backends().await {
        quarter_and_year(url).await;
    }
}
