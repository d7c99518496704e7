//! The commune's settings in the web: the details a commune admin sets for its reports'
//! headers are the ones its report files carry (read back from the .docx), audited, and only
//! the commune admin may set them. On SQLite and PostgreSQL.

mod common;
use axum::http::StatusCode;
use common::{Client, app_on, backends, demo_db};
use congdongso::reports::docx;

const DETAILS: &[(&str, &str)] = &[
    ("issuer", "UBND XÃ RẠCH KIẾN\nBAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ"),
    ("number_symbol", "BC-BCĐCĐS"),
    ("place", "Rạch Kiến, Tây Ninh"),
    ("signer_title", "KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN"),
    ("signer_name", "Trần Thị Thu Hà"),
    (
        "recipients",
        "Sở Khoa học và Công nghệ tỉnh Tây Ninh\n- Ban Chỉ đạo chuyển đổi số xã\nLưu: VT, VHXH.",
    ),
];

async fn letterhead(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), "2026-06-02");
    let mut vhxh = Client::login(app.clone(), "vhxh").await;

    let before = docx::paragraphs_text(&download(&mut vhxh).await).unwrap();
    assert!(
        before.iter().any(|p| p == "Số:      /BC-UBND"),
        "the default symbol before: {before:?}"
    );

    let page = vhxh.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Thông tin trên văn bản"),
        "{}",
        page.body
    );
    let r = vhxh.post_form("/settings/letterhead", DETAILS).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = vhxh.get("/settings?da-luu").await;
    assert!(page.body.contains("Trần Thị Thu Hà"), "saved values shown");

    let p = docx::paragraphs_text(&download(&mut vhxh).await).unwrap();
    let text = p.join("\n");
    for line in [
        "UBND XÃ RẠCH KIẾN",
        "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ",
        "Số:      /BC-BCĐCĐS",
        "KT. TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Trần Thị Thu Hà",
    ] {
        assert!(
            p.iter().any(|x| x == line),
            "«{line}» in the report:\n{text}"
        );
    }
    assert!(
        p.iter()
            .any(|x| x.starts_with("Rạch Kiến, Tây Ninh, ngày ")),
        "the place of the date line:\n{text}"
    );
    for r in [
        "Sở Khoa học và Công nghệ tỉnh Tây Ninh",
        "Ban Chỉ đạo chuyển đổi số xã",
        "Lưu: VT, VHXH.",
    ] {
        assert!(text.contains(r), "recipient «{r}»:\n{text}");
    }
    assert!(
        !text.contains("Thường trực HĐND xã"),
        "the default recipients replaced"
    );
    assert!(
        !text.contains("Số:      /BC-UBND"),
        "the default symbol replaced"
    );

    // A hamlet's report dates itself at the same place.
    let hamlet = vhxh
        .get("/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-05&format=docx")
        .await;
    assert_eq!(hamlet.status, StatusCode::OK);
    let hp = docx::paragraphs_text(&hamlet.bytes).unwrap();
    assert!(
        hp.iter()
            .any(|x| x.starts_with("Rạch Kiến, Tây Ninh, ngày ")),
        "{hp:?}"
    );

    // Audited, with what it was and what it became.
    let (n,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'set_setting' \
             AND entity = 'commune_settings' AND after_json LIKE '%BC-BCĐCĐS%'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);

    // A bad line comes back with what was typed and a message; nothing is saved.
    let r = vhxh
        .post_form(
            "/settings/letterhead",
            &[
                ("number_symbol", "BC UBND"),
                ("signer_name", "Nguyễn Văn B"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Ký hiệu văn bản viết liền"), "{}", r.body);
    assert!(r.body.contains("Nguyễn Văn B"), "what was typed stays");
    let p = docx::paragraphs_text(&download(&mut vhxh).await).unwrap();
    assert!(p.iter().any(|x| x == "Trần Thị Thu Hà"), "unchanged");

    // Emptied fields go back to the defaults.
    let r = vhxh.post_form("/settings/letterhead", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = docx::paragraphs_text(&download(&mut vhxh).await).unwrap();
    assert!(p.iter().any(|x| x == "Số:      /BC-UBND"));

    // Nobody else sets them: not the leader, a hamlet head, the province or finance.
    for who in ["chutich", "truongap03", "so", "kinhte"] {
        let mut c = Client::login(app.clone(), who).await;
        assert_eq!(
            c.get("/settings").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let r = c.post_form("/settings/letterhead", DETAILS).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
}

async fn download(c: &mut Client) -> Vec<u8> {
    let r = c
        .get("/reports/file?area=rach-kien&kind=monthly&period=2026-05&format=docx")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.bytes
}

#[tokio::test]
async fn the_commune_admins_letterhead_is_the_one_its_reports_carry() {
    for url in backends().await {
        letterhead(url).await;
    }
}
