//! Cẩm nang (issue 20) on both databases: the starter set, a guide found by a search without
//! diacritics, its pictures made small, printed as one A4 page (the PDF read back), a province
//! guide seen by two communes and hidden by one, the field app's package within its budget,
//! and who may write what.

mod common;
use axum::http::StatusCode;
use common::{Client, DEMO_DAY, add_account, add_commune, app_on, backends, demo_db};
use congdongso::auth::Role;
use congdongso::db::Db;
use printpdf::lopdf;

fn titles(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap().to_string())
        .collect()
}

/// A phone photo as uploaded: large, PNG.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 3 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn pdf_pages(bytes: &[u8]) -> usize {
    lopdf::Document::load_mem(bytes).unwrap().get_pages().len()
}

/// The text of a PDF as pdftotext reads it, when it is installed (CI installs it).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("cds-guide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("handout.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but pdftotext is missing"
            );
            None
        }
    }
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn search_pictures_and_handout(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DEMO_DAY);
    let mut member = Client::login(app.clone(), "tovien03").await;

    // The starter set: one guide of the province per service, each a sample; and the commune's own.
    let all = member.get("/api/v1/guides").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let all = all.json();
    let list = all.as_array().unwrap();
    let province: Vec<_> = list.iter().filter(|g| g["source"] == "province").collect();
    assert_eq!(province.len(), 12);
    assert!(province.iter().all(|g| g["sample"] == true));
    assert!(
        list.iter()
            .any(|g| g["source"] == "commune" && g["sample"] == false)
    );

    // Found without diacritics, by the title or by a step's words, and by service.
    for q in ["kich hoat dinh danh", "Kích HOẠT định danh", "ma pin 6 so"] {
        let r = member
            .get(&format!(
                "/api/v1/guides?q={}",
                percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            titles(&r.json()),
            ["Kích hoạt tài khoản định danh điện tử VNeID mức 2"],
            "{q}"
        );
    }
    let r = member.get("/api/v1/guides?service=vssid").await;
    assert_eq!(titles(&r.json()), ["Cài đặt VssID — Bảo hiểm xã hội số"]);
    let r = member.get("/api/v1/guides?q=khong%20co%20dau%20nay").await;
    assert_eq!(r.json(), serde_json::json!([]));
    // The page searches the same way.
    let page = member.get("/guides?q=zalo").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tham gia nhóm Zalo của ấp"));
    assert!(!page.body.contains("Kích hoạt tài khoản định danh"));

    // A team member reads but does not write.
    let r = member
        .post_form(
            "/guides",
            &[("title", "x"), ("service", "vneid"), ("steps", "a")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The commune admin writes one; what was typed comes back with the message on a mistake.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let bad = admin
        .post_form(
            "/guides",
            &[
                ("title", "Đổi ảnh đại diện trên Zalo"),
                ("service", "zalo_group"),
                ("steps", "\n  \n"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Cần ít nhất một bước"));
    assert!(bad.body.contains("Đổi ảnh đại diện trên Zalo"));
    let r = admin
        .post_form(
            "/guides",
            &[
                ("title", "Đổi ảnh đại diện trên Zalo"),
                ("service", "zalo_group"),
                (
                    "steps",
                    "1. Mở Zalo, chọn «Cá nhân»\n2. Bấm vào ảnh đại diện\n3. Chọn «Chụp ảnh mới» hoặc «Chọn ảnh trên máy»",
                ),
                ("tips", "Ảnh rõ mặt giúp người quen nhận ra."),
                ("checked_on", "15/11/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.headers["location"].to_str().unwrap().to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let r = member.get("/api/v1/guides?q=chup%20anh%20moi").await;
    let found = r.json();
    assert_eq!(titles(&found), ["Đổi ảnh đại diện trên Zalo"]);
    let steps = found[0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[0]["text"], "Mở Zalo, chọn «Cá nhân»",
        "the old numbering goes"
    );
    assert_eq!(found[0]["checked_on"], "2026-11-15");

    // A 2400 × 1800 photo becomes a small JPEG no wider than 640 px.
    let big = photo(2400, 1800);
    let r = admin
        .post_bytes(&format!("/guides/{id}/steps/2/picture"), big.clone())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin
        .post_bytes(
            &format!("/guides/{id}/steps/2/picture"),
            b"%PDF-1.4".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_bytes(&format!("/guides/{id}/steps/9/picture"), big)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "no step 9");
    let g = member.get("/api/v1/guides?q=chup%20anh%20moi").await.json();
    let url = g[0]["steps"][1]["picture"].as_str().unwrap().to_string();
    assert!(g[0]["steps"][0]["picture"].is_null());
    let pic = member.get(&url).await;
    assert_eq!(pic.status, StatusCode::OK);
    assert_eq!(pic.headers["content-type"], "image/jpeg");
    let shown = image::load_from_memory(&pic.bytes).unwrap();
    assert_eq!((shown.width(), shown.height()), (640, 480));
    assert!(pic.bytes.len() <= 160 << 10);
    assert_eq!(
        g[0]["steps"][1]["picture_bytes"].as_i64(),
        Some(pic.bytes.len() as i64)
    );

    // Printed: one A4 page, large type, the steps and the picture in it.
    let r = member.get(&format!("/guides/{id}/handout")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.bytes.starts_with(b"%PDF"));
    assert_eq!(pdf_pages(&r.bytes), 1);
    let doc = lopdf::Document::load_mem(&r.bytes).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|o| {
            o.as_stream().is_ok_and(|s| {
                s.dict.get(b"Subtype").and_then(lopdf::Object::as_name).ok() == Some(&b"Image"[..])
            })
        })
        .count();
    assert_eq!(images, 1, "the step's picture is on the page");
    if let Some(text) = pdf_text(&r.bytes) {
        for words in [
            "Đổi ảnh đại diện trên Zalo",
            "Mở Zalo, chọn «Cá nhân»",
            "Bấm vào ảnh đại diện",
            "Ảnh rõ mặt giúp người quen nhận ra.",
            "kiểm tra ngày 15/11/2026",
        ] {
            assert!(text.contains(words), "{words} in {text}");
        }
    }
    // The longest guide allowed (12 steps of 200 characters, both notes full, a picture on
    // every step) still fits one page.
    let step = "Bước dài ".repeat(22);
    let steps = (0..12).map(|_| step.trim()).collect::<Vec<_>>().join("\n");
    let note = "Ghi chú dài ".repeat(33);
    let r = admin
        .post_form(
            "/guides",
            &[
                ("title", &"Cẩm nang rất dài ".repeat(8)),
                ("topic", "Thử giới hạn"),
                ("steps", &steps),
                ("tips", note.trim()),
                ("mistakes", note.trim()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let long = r.headers["location"].to_str().unwrap().to_string();
    let tall = photo(360, 640);
    for n in 1..=12 {
        let r = admin
            .post_bytes(&format!("{long}/steps/{n}/picture"), tall.clone())
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = member.get(&format!("{long}/handout")).await;
    assert_eq!(pdf_pages(&r.bytes), 1);
    if let Some(text) = pdf_text(&r.bytes) {
        // The last words of the last note are on the page (nothing runs off its foot).
        assert!(text.contains("Cẩm nang của"), "{text}");
        assert_eq!(text.matches("chú").count(), 66, "{text}");
    }

    // The sample's handout says it is a sample.
    let vneid = scalar(
        &db,
        "SELECT id FROM guides WHERE commune_id IS NULL AND service_code = 'vneid'",
    )
    .await;
    let r = member.get(&format!("/guides/{vneid}/handout")).await;
    assert_eq!(pdf_pages(&r.bytes), 1);
    if let Some(text) = pdf_text(&r.bytes) {
        assert!(
            text.contains("Mẫu — cần kiểm tra lại trước khi dùng"),
            "{text}"
        );
    }

    // The commune admin may not change the province's guide, only hide it.
    let r = admin
        .post_form(
            &format!("/guides/{vneid}/edit"),
            &[("title", "x"), ("service", "vneid"), ("steps", "a")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Audited.
    let n = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'guides' AND entity_id = {id}"),
    )
    .await;
    assert_eq!(n, 2, "added and a picture attached");
}

#[tokio::test]
async fn a_guide_is_found_without_diacritics_its_pictures_made_small_and_it_prints_on_one_page() {
    for url in backends().await {
        search_pictures_and_handout(url).await;
    }
}

async fn province_and_communes(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DEMO_DAY);
    add_commune(&db, "xa-hai", "tay-ninh", None).await;
    add_account(&db, "so-camnang", Role::ProvinceViewer, "tay-ninh").await;

    // A province account publishes only once the sysadmin gives it the right.
    let mut so = Client::login(app.clone(), "so-camnang").await;
    let guide = [
        ("title", "Cập nhật Tây Ninh Smart phiên bản tháng 12"),
        ("service", "province_app"),
        ("steps", "Gỡ bản cũ\nTải bản mới\nĐăng nhập bằng VNeID"),
    ];
    assert_eq!(
        so.post_form("/guides", &guide).await.status,
        StatusCode::FORBIDDEN
    );
    let so_id = scalar(&db, "SELECT id FROM accounts WHERE username = 'so-camnang'").await;
    let mut sysadmin = Client::login(app.clone(), "quantri").await;
    let r = sysadmin
        .post_json(
            &format!("/api/v1/accounts/{so_id}"),
            &serde_json::json!({"publishes_guides": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = so.post_form("/guides", &guide).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM guides WHERE id = {id} AND commune_id IS NULL")
        )
        .await,
        1,
        "a guide of the province"
    );
    let mut rk = Client::login(app.clone(), "vhxh").await;
    let mut hai = Client::login(app.clone(), "xa-hai-admin").await;
    let q = "/api/v1/guides?q=phien%20ban%20thang%2012";
    for c in [&mut rk, &mut hai] {
        let r = c.get(q).await;
        assert_eq!(titles(&r.json()), [guide[0].1], "both communes see it");
    }

    // Rạch Kiến hides it: gone from its list, its field app and its search; xã Hai keeps it.
    let r = rk.post_form(&format!("/guides/{id}/hide"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(rk.get(q).await.json(), serde_json::json!([]));
    assert_eq!(titles(&hai.get(q).await.json()), [guide[0].1]);
    let mut member = Client::login(app.clone(), "tovien03").await;
    let field = member.get("/api/v1/field/guides").await.json();
    assert!(
        field["guides"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["id"].as_i64() != Some(id))
    );
    // The commune admin still finds it among the hidden, and shows it again.
    let page = rk.get("/guides").await;
    assert!(page.body.contains("id=\"hidden-guides\""));
    assert!(page.body.contains(guide[0].1));
    // Another commune cannot hide (or see) Rạch Kiến's own guide.
    let own = scalar(
        &db,
        "SELECT id FROM guides WHERE commune_id IS NOT NULL ORDER BY id LIMIT 1",
    )
    .await;
    assert_eq!(
        hai.post_form(&format!("/guides/{own}/hide"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hai.get(&format!("/guides/{own}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = rk.post_form(&format!("/guides/{id}/show"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(titles(&rk.get(q).await.json()), [guide[0].1]);

    // The sysadmin takes the right back on the account's page (the box unticked); the
    // province guide can no longer be changed by that account.
    let form = sysadmin.get(&format!("/accounts/{so_id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains("name=\"publishes_guides\" value=\"1\" checked"),
        "{}",
        form.body
    );
    let r = sysadmin
        .post_form(
            &format!("/accounts/{so_id}"),
            &[
                ("full_name", "Sở VH-TT cẩm nang"),
                ("role", "province_viewer"),
                ("area", "tay-ninh"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT publishes_guides FROM accounts WHERE id = {so_id}")
        )
        .await,
        0
    );
    assert_eq!(
        so.post_form(&format!("/guides/{id}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The sysadmin removes it: no commune sees it any more.
    let r = sysadmin
        .post_form(&format!("/guides/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(hai.get(q).await.json(), serde_json::json!([]));
}

#[tokio::test]
async fn a_province_guide_is_seen_by_two_communes_and_hidden_by_one() {
    for url in backends().await {
        province_and_communes(url).await;
    }
}

async fn field_package(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DEMO_DAY);
    let mut member = Client::login(app.clone(), "tovien03").await;
    let r = member.get("/api/v1/field/guides").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    assert_eq!(body["budget_bytes"], 2_000_000);
    let guides = body["guides"].as_array().unwrap();
    let vneid = guides.iter().find(|g| g["service"] == "vneid").unwrap();
    assert_eq!(vneid["steps"].as_array().unwrap().len(), 5);
    assert!(
        vneid["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["picture"].is_string())
    );
    let sum: i64 = guides
        .iter()
        .flat_map(|g| g["steps"].as_array().unwrap().iter())
        .filter_map(|s| s["picture_bytes"].as_i64())
        .sum();
    assert_eq!(body["pictures_bytes"].as_i64(), Some(sum));
    assert!(sum > 0 && sum <= 2_000_000);
    // Unchanged: 304 for the copy on the phone.
    let etag = r.headers["etag"].to_str().unwrap().to_string();
    let again = member
        .send(
            axum::http::Request::get("/api/v1/field/guides")
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // Over the budget: pictures are left out in order, the text never.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let steps = (1..=12)
        .map(|i| format!("Bước {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut made = Vec::new();
    for title in ["Nhiều ảnh", "Nhiều ảnh nữa"] {
        let r = admin
            .post_form(
                "/guides",
                &[
                    ("title", title),
                    ("topic", "Thử dung lượng"),
                    ("steps", &steps),
                ],
            )
            .await;
        made.push(r.headers["location"].to_str().unwrap().to_string());
    }
    // Noise compresses badly: each picture is near the stored limit.
    let noisy = {
        let mut x: u32 = 1;
        let img = image::RgbImage::from_fn(360, 360, |_, _| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    for at in &made {
        for n in 1..=12 {
            let r = admin
                .post_bytes(&format!("{at}/steps/{n}/picture"), noisy.clone())
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
    }
    let body = member.get("/api/v1/field/guides").await.json();
    let kept: i64 = body["pictures_bytes"].as_i64().unwrap();
    assert!(kept <= 2_000_000, "{kept}");
    assert!(body["pictures_left_out"].as_i64().unwrap() > 0);
    let many = body["guides"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["title"] == "Nhiều ảnh")
        .unwrap();
    assert_eq!(many["steps"].as_array().unwrap().len(), 12, "all the text");
    // Guides of a service come first: their pictures are kept before a topic's.
    assert!(
        body["guides"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["service"] == "vneid")
            .all(|g| g["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["picture"].is_string()))
    );
    // A province account has no field app.
    let mut so = Client::login(app.clone(), "so").await;
    assert_eq!(
        so.get("/api/v1/field/guides").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_field_app_carries_the_guides_within_its_budget() {
    for url in backends().await {
        field_package(url).await;
    }
}
