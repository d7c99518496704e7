//! What the commune's quarterly and year-end reports say in words: the hamlets' submitted
//! texts of the period, by hamlet (approved first), and the teams' year-end evaluations —
//! never "no difficulties" when the hamlets wrote some.

mod common;
use axum::http::StatusCode;
use common::{Client, app_on, backends, demo_db};
use congdongso::db::{Db, areas, report_data};
use congdongso::indicators::Period;
use congdongso::reports::build::Kind;

const TODAY: &str = "2026-10-02";

async fn send(
    app: &axum::Router,
    head: &str,
    hamlet: &str,
    month: &str,
    texts: (&str, &str),
    submit: bool,
) {
    let mut c = Client::login(app.clone(), head).await;
    let actions: &[&str] = if submit {
        &["save", "submit"]
    } else {
        &["save"]
    };
    for action in actions {
        let r = c
            .post_form(
                &format!("/reports/{hamlet}/{month}"),
                &[
                    ("results", ""),
                    ("difficulties", texts.0),
                    ("proposals", texts.1),
                    ("next_plan", ""),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{month} {action}: {}",
            r.body
        );
    }
}

async fn commune_input(db: &Db, p: Period, kind: Kind) -> congdongso::reports::build::Input {
    let commune = areas::by_code(db, "rach-kien").await.unwrap().unwrap();
    let who = report_data::Audience {
        today: TODAY,
        personal: true,
    };
    report_data::input(db, &commune, &p, kind, who)
        .await
        .unwrap()
}

async fn gathered(url: String) {
    let db = demo_db(&url).await;
    // The demo's commune reports carry the admin's own words, which would stand in for the
    // gathered ones (tests/commune_reports.rs): here the commune has written none. Nor have
    // the hamlets: the demo's monthly reports go too, so the words gathered are the test's.
    for table in ["commune_reports", "monthly_reports"] {
        db.execute(&format!("DELETE FROM {table}"), &[])
            .await
            .unwrap();
    }
    let app = app_on(db.clone(), TODAY);
    let (ap3, ap5) = ("rach-kien-ap-03", "rach-kien-ap-05");
    send(
        &app,
        "truongap03",
        ap3,
        "2026-07",
        ("Sóng yếu ở xóm trong.", "Xin thêm điện thoại."),
        true,
    )
    .await;
    // The same words again in August: one line for both months.
    send(
        &app,
        "truongap03",
        ap3,
        "2026-08",
        ("Sóng yếu ở xóm trong.", ""),
        true,
    )
    .await;
    // A draft is still the head's, not the hamlet's word.
    send(
        &app,
        "truongap03",
        ap3,
        "2026-09",
        ("Bản nháp chưa nộp.", "Nháp."),
        false,
    )
    .await;
    send(
        &app,
        "truongap05",
        ap5,
        "2026-08",
        ("Người cao tuổi ngại cài ứng dụng.", "Mở lớp buổi tối."),
        true,
    )
    .await;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form(&format!("/reports/{ap5}/2026-08/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let q3 = commune_input(&db, Period::parse("2026-Q3").unwrap(), Kind::Quarterly).await;
    assert_eq!(
        q3.narrative.difficulties,
        "Ấp 3 (tháng 7/2026, 8/2026; báo cáo chưa duyệt): Sóng yếu ở xóm trong.\n\
         Ấp 5 (tháng 8/2026): Người cao tuổi ngại cài ứng dụng."
    );
    assert_eq!(
        q3.narrative.proposals,
        "Ấp 3 (tháng 7/2026; báo cáo chưa duyệt): Xin thêm điện thoại.\n\
         Ấp 5 (tháng 8/2026): Mở lớp buổi tối."
    );
    // August alone: one report a hamlet, no month to name.
    let aug = commune_input(&db, Period::parse("2026-08").unwrap(), Kind::Monthly).await;
    assert_eq!(
        aug.narrative.difficulties,
        "Ấp 3 (báo cáo chưa duyệt): Sóng yếu ở xóm trong.\nẤp 5: Người cao tuổi ngại cài ứng dụng."
    );
    // A quarter nobody reported in says so, without claiming there was nothing.
    let q2 = commune_input(&db, Period::parse("2026-Q2").unwrap(), Kind::Quarterly).await;
    assert_eq!(
        q2.narrative.difficulties,
        "Chưa có báo cáo tháng nào của các ấp được nộp trong kỳ nên chưa tổng hợp được khó khăn, vướng mắc."
    );
    // Reports sent that state no difficulty: said as such, with how many were read.
    send(
        &app,
        "truongap07",
        "rach-kien-ap-07",
        "2026-09",
        ("", ""),
        true,
    )
    .await;
    let sept = commune_input(&db, Period::parse("2026-09").unwrap(), Kind::Monthly).await;
    assert_eq!(
        sept.narrative.difficulties,
        "Các báo cáo tháng đã nộp trong kỳ (1 báo cáo của 1 ấp) không nêu khó khăn, vướng mắc."
    );
    // A hamlet's own quarter counts its own reports only: Ấp 7 sent one (saying nothing),
    // Ấp 9 none — it is not told the commune's count.
    for (hamlet, expected) in [
        (
            "rach-kien-ap-07",
            "Các báo cáo tháng đã nộp trong kỳ (1 báo cáo) không nêu khó khăn, vướng mắc.",
        ),
        (
            "rach-kien-ap-09",
            "Chưa có báo cáo tháng nào được nộp trong kỳ nên chưa tổng hợp được khó khăn, vướng mắc.",
        ),
    ] {
        let area = areas::by_code(&db, hamlet).await.unwrap().unwrap();
        let who = report_data::Audience {
            today: TODAY,
            personal: true,
        };
        let q = report_data::input(
            &db,
            &area,
            &Period::parse("2026-Q3").unwrap(),
            Kind::Quarterly,
            who,
        )
        .await
        .unwrap();
        assert_eq!(q.narrative.difficulties, expected, "{hamlet}");
    }
    let area = areas::by_code(&db, ap3).await.unwrap().unwrap();
    let who = report_data::Audience {
        today: TODAY,
        personal: true,
    };
    let q = report_data::input(
        &db,
        &area,
        &Period::parse("2026-Q3").unwrap(),
        Kind::Quarterly,
        who,
    )
    .await
    .unwrap();
    assert_eq!(
        q.narrative.difficulties,
        "Báo cáo (tháng 7/2026, 8/2026; báo cáo chưa duyệt): Sóng yếu ở xóm trong."
    );

    // The year: the months' words and the teams' own year-end evaluation.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            "/year-end/evaluation",
            &[
                ("year", "2026"),
                ("rating", "excellent"),
                ("results", "95% người trưởng thành được hướng dẫn."),
                ("weaknesses", "Thiếu thiết bị trình chiếu."),
                ("proposals", "Trang bị loa kéo cho tổ."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let year = commune_input(&db, Period::Year(2026), Kind::Yearly).await;
    let lines: Vec<&str> = year.narrative.difficulties.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(
        lines[0],
        "Ấp 3 (tháng 7/2026, 8/2026; báo cáo chưa duyệt): Sóng yếu ở xóm trong."
    );
    assert_eq!(
        lines[1],
        "Ấp 5 (tháng 8/2026): Người cao tuổi ngại cài ứng dụng."
    );
    assert!(
        lines[2].ends_with("Ấp 3 (tự đánh giá cuối năm): Thiếu thiết bị trình chiếu."),
        "{}",
        lines[2]
    );
    assert!(
        year.narrative
            .proposals
            .ends_with("Ấp 3 (tự đánh giá cuối năm): Trang bị loa kéo cho tổ."),
        "{}",
        year.narrative.proposals
    );

    // And the file says it: the Word file's paragraphs carry the lines under their headings.
    let commune = areas::by_code(&db, "rach-kien").await.unwrap().unwrap();
    let who = report_data::Audience {
        today: TODAY,
        personal: false,
    };
    let bytes = report_data::file(
        &db,
        &commune,
        &Period::parse("2026-Q3").unwrap(),
        Kind::Quarterly,
        congdongso::reports::Format::Docx,
        who,
    )
    .await
    .unwrap();
    let paragraphs = congdongso::reports::docx::paragraphs_text(&bytes).unwrap();
    let at = paragraphs
        .iter()
        .position(|p| p.ends_with("KHÓ KHĂN, VƯỚNG MẮC"))
        .expect("difficulties heading");
    assert_eq!(
        paragraphs[at + 1],
        "Ấp 3 (tháng 7/2026, 8/2026; báo cáo chưa duyệt): Sóng yếu ở xóm trong."
    );
    assert_eq!(
        paragraphs[at + 2],
        "Ấp 5 (tháng 8/2026): Người cao tuổi ngại cài ứng dụng."
    );
    assert!(!paragraphs.iter().any(|p| p.contains("Không có khó khăn")));
    assert!(!paragraphs.iter().any(|p| p.contains("Bản nháp chưa nộp")));
    // Dated the day it is made, not the period's last day.
    assert!(
        paragraphs
            .iter()
            .any(|p| p.contains("ngày 02 tháng 10 năm 2026")),
        "{paragraphs:?}"
    );
}

#[tokio::test]
async fn the_periods_difficulties_and_proposals_are_the_hamlets_submitted_words() {
    for url in backends().await {
        gathered(url).await;
    }
}

/// The commune's own words for its report to the province: its draft is its own, the
/// province reads them once sent, and the file is then dated the day it was sent.
async fn own_words(url: String) {
    let db = demo_db(&url).await;
    // Neither the commune nor the hamlets have reported yet: the words are the test's.
    for table in ["commune_reports", "monthly_reports"] {
        db.execute(&format!("DELETE FROM {table}"), &[])
            .await
            .unwrap();
    }
    let app = app_on(db.clone(), TODAY);
    send(
        &app,
        "truongap03",
        "rach-kien-ap-03",
        "2026-08",
        ("Sóng yếu.", ""),
        true,
    )
    .await;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let form = |action: &'static str| {
        vec![
            ("results", ""),
            ("difficulties", "Xã tổng hợp: sóng yếu ở ven sông."),
            ("proposals", ""),
            ("next_plan", ""),
            ("confirm", "yes"),
            ("action", action),
        ]
    };
    let r = vhxh
        .post_form("/reports/commune/rach-kien/2026-Q3", &form("save"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let commune = areas::by_code(&db, "rach-kien").await.unwrap().unwrap();
    let q3 = Period::parse("2026-Q3").unwrap();
    let read = |personal: bool, today: &'static str| {
        let (db, commune, q3) = (db.clone(), commune.clone(), q3);
        async move {
            let who = report_data::Audience { today, personal };
            report_data::input(&db, &commune, &q3, Kind::Quarterly, who)
                .await
                .unwrap()
        }
    };
    // The draft: the commune sees its words, the province the hamlets' gathered ones.
    assert_eq!(
        read(true, TODAY).await.narrative.difficulties,
        "Xã tổng hợp: sóng yếu ở ven sông."
    );
    assert_eq!(
        read(false, TODAY).await.narrative.difficulties,
        "Ấp 3 (tháng 8/2026; báo cáo chưa duyệt): Sóng yếu."
    );
    // A quarter still running cannot be sent: it would freeze part of it as the whole.
    let r = vhxh
        .post_form("/reports/commune/rach-kien/2026-Q4", &form("submit"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("chưa đến tháng cuối"), "{}", r.body);
    let r = vhxh
        .post_form("/reports/commune/rach-kien/2026-Q3", &form("submit"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Sent: the province reads the commune's words, and a later download keeps the date sent.
    let later = read(false, "2026-10-20").await;
    assert_eq!(
        later.narrative.difficulties,
        "Xã tổng hợp: sóng yếu ở ven sông."
    );
    assert_eq!(later.letterhead.date, TODAY);
}

#[tokio::test]
async fn the_communes_own_words_reach_the_province_once_sent() {
    for url in backends().await {
        own_words(url).await;
    }
}

async fn names(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), TODAY);
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    for (area, kind, period, plain, full) in [
        (
            "rach-kien-ap-03",
            "monthly",
            "2026-09",
            "bao-cao-thang-9-2026-ap-3.docx",
            "B%C3%A1o%20c%C3%A1o%20th%C3%A1ng%209-2026%20%E1%BA%A4p%203.docx",
        ),
        (
            "rach-kien",
            "quarterly",
            "2026-Q3",
            "bao-cao-quy-3-2026-rach-kien.docx",
            "B%C3%A1o%20c%C3%A1o%20qu%C3%BD%20III-2026%20R%E1%BA%A1ch%20Ki%E1%BA%BFn.docx",
        ),
    ] {
        let r = vhxh
            .get(&format!(
                "/reports/file?area={area}&kind={kind}&period={period}&format=docx"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let disposition = r.headers["content-disposition"].to_str().unwrap();
        assert_eq!(
            disposition,
            format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{full}")
        );
    }
    // The hamlet's dashboard names it once: "Ấp 3", not "Ấp Ấp 3"; the commune keeps "Xã".
    let page = vhxh.get("/dashboard?area=rach-kien-ap-03").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<h1>Ấp 3 · "),
        "{}",
        &page.body[..page.body.len().min(3000)]
    );
    assert!(!page.body.contains("Ấp Ấp"));
    let page = vhxh.get("/dashboard?area=rach-kien").await;
    assert!(page.body.contains("<h1>Xã Rạch Kiến · "));
}

#[tokio::test]
async fn reports_download_under_vietnamese_names_and_hamlets_are_named_once() {
    for url in backends().await {
        names(url).await;
    }
}
