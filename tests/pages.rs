//! Create, edit and deactivate through the pages, within the caller's rights, with every change
//! audited and bad input shown back in Vietnamese with nothing lost.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db};
use congdongso::db::Db;

fn id_from(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{location}"))
}

async fn audit_count(db: &Db, entity: &str) -> i64 {
    db.scalar_i64(
        "SELECT COUNT(*) FROM audit_log WHERE entity = $1",
        &[entity.into()],
    )
    .await
    .unwrap()
}

async fn hamlets_and_teams(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let r = admin
        .post_form(
            "/areas",
            &[
                ("name", "Ấp 18"),
                ("code", "rach-kien-ap-18"),
                ("sort_order", "18"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let area = congdongso::db::areas::by_code(&db, "rach-kien-ap-18")
        .await
        .unwrap()
        .expect("created");
    let teams = congdongso::db::teams::for_area(&db, area.id).await.unwrap();
    assert_eq!(teams.len(), 1, "a new hamlet gets its team");
    // A bad code is shown back with the name kept.
    let bad = admin
        .post_form("/areas", &[("name", "Ấp Mới"), ("code", "Ấp 19")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Mã ấp chỉ gồm") && bad.body.contains("value=\"Ấp Mới\""));
    let dup = admin
        .post_form("/areas", &[("name", "Ấp 18b"), ("code", "rach-kien-ap-18")])
        .await;
    assert_eq!(
        dup.status,
        StatusCode::CONFLICT,
        "a duplicate code is refused"
    );
    assert!(dup.body.contains("trùng"));
    assert_eq!(
        admin
            .post_form(
                &format!("/areas/{}", area.id),
                &[("name", "Ấp 18 mới"), ("sort_order", "18")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        admin
            .post_form(&format!("/areas/{}/active", area.id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let closed = congdongso::db::areas::get(&db, area.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((closed.name.as_str(), closed.active), ("Ấp 18 mới", 0));
    assert_eq!(audit_count(&db, "area").await, 3);

    // The head of Ấp 3 manages Ấp 3's team, not Ấp 5's.
    let team3 = congdongso::db::teams::for_area(
        &db,
        congdongso::db::areas::by_code(&db, "rach-kien-ap-03")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()[0]
        .id;
    let team5 = congdongso::db::teams::for_area(
        &db,
        congdongso::db::areas::by_code(&db, "rach-kien-ap-05")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()[0]
        .id;
    let mut head = Client::login(app.clone(), "truongap03").await;
    let member = [
        ("full_name", "Đặng Thị Mới"),
        ("phone", "+84 912 345 678"),
        ("position", "member"),
        ("affiliation", "women_union"),
        ("joined_on", "01/03/2026"),
    ];
    let r = head
        .post_form(&format!("/teams/{team3}/members"), &member)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = head.get(&format!("/teams/{team3}")).await;
    assert!(
        page.body.contains("Đặng Thị Mới") && page.body.contains("0912345678"),
        "phone stored as 10 digits"
    );
    assert_eq!(
        head.post_form(&format!("/teams/{team5}/members"), &member)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad_phone = [
        ("full_name", "Lê Văn Sai"),
        ("phone", "12"),
        ("position", "member"),
        ("affiliation", "police"),
    ];
    let r = head
        .post_form(&format!("/teams/{team3}/members"), &bad_phone)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Số điện thoại «12» không hợp lệ") && r.body.contains("Lê Văn Sai"));
    let mid: i64 = db
        .scalar_i64(
            "SELECT id FROM members WHERE full_name = $1",
            &["Đặng Thị Mới".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        head.post_form(&format!("/members/{mid}/active"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        head.get(&format!("/teams/{team3}"))
            .await
            .body
            .contains("đã rời tổ")
    );
    let zalo = [
        ("name", "Tổ CNSCĐ Ấp 3"),
        ("zalo_link", "https://zalo.me/g/abc"),
        ("zalo_members", "120"),
        ("zalo_active", "1"),
    ];
    assert_eq!(
        head.post_form(&format!("/teams/{team3}"), &zalo)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        head.get(&format!("/teams/{team3}"))
            .await
            .body
            .contains("120 người")
    );
    // A team member reads the team but does not change it.
    let mut member_client = Client::login(app.clone(), "tovien03").await;
    assert_eq!(
        member_client.get(&format!("/teams/{team3}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        member_client
            .post_form(&format!("/teams/{team3}/members"), &member)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn hamlets_teams_and_members_are_managed_within_rights() {
    for url in backends().await {
        hamlets_and_teams(url).await;
    }
}

async fn households_and_residents(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let ap3 = congdongso::db::areas::by_code(&db, "rach-kien-ap-03")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let ap5 = congdongso::db::areas::by_code(&db, "rach-kien-ap-05")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let mut head = Client::login(app.clone(), "truongap03").await;
    // Not into another hamlet, even by editing the form.
    let r = head
        .post_form(
            "/households",
            &[("hamlet_id", &ap5), ("code", "RK-05-9999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = head
        .post_form(
            "/households",
            &[
                ("hamlet_id", &ap3),
                ("code", "RK-03-9999"),
                ("head_name", "Phan Văn Chủ"),
                ("address", "Tổ 1, Ấp 3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let hid = id_from(r.headers["location"].to_str().unwrap(), "/households/");
    let resident = [
        ("full_name", "Phan Văn Chủ"),
        ("birth", "1962"),
        ("gender", "male"),
        ("relation", "Chủ hộ"),
        ("cccd", "072 062 012 345"),
        ("phone", "0909.123.456"),
        ("has_smartphone", "1"),
        ("status", "living"),
    ];
    let r = head
        .post_form(&format!("/households/{hid}/residents"), &resident)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rid = id_from(r.headers["location"].to_str().unwrap(), "/residents/");
    let page = head.get(&format!("/residents/{rid}")).await;
    assert!(
        page.body.contains("0xx•••••••45"),
        "the citizen ID is shown masked"
    );
    assert!(!page.body.contains("072062012345"));
    let stored: (Option<String>,) = db
        .fetch_one(
            "SELECT cccd_enc FROM residents WHERE id = $1",
            &[rid.into()],
        )
        .await
        .unwrap();
    assert!(
        !stored.0.unwrap().contains("072062012345"),
        "and stored encrypted"
    );
    let revealed = head.post_form(&format!("/residents/{rid}/cccd"), &[]).await;
    assert!(revealed.body.contains("072062012345"));
    assert_eq!(
        db.scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal_cccd'",
            &[]
        )
        .await
        .unwrap(),
        1,
        "showing it in full is logged"
    );
    // Bad input is shown back with what was typed.
    let bad = [
        ("full_name", "Võ Thị Sai"),
        ("birth", "31/02/1990"),
        ("cccd", "123"),
        ("status", "living"),
    ];
    let r = head
        .post_form(&format!("/households/{hid}/residents"), &bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Ngày sinh không hợp lệ")
            && r.body.contains("Võ Thị Sai")
            && r.body.contains("31/02/1990")
    );
    // Edit keeps the citizen ID when the field is left empty; deactivate asks nothing of the data.
    let edit = [
        ("full_name", "Phan Văn Chủ"),
        ("birth", "05/06/1962"),
        ("status", "moved"),
        ("cccd", ""),
        ("phone", "0909123456"),
    ];
    assert_eq!(
        head.post_form(&format!("/residents/{rid}"), &edit)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let after = head.get(&format!("/api/v1/residents/{rid}")).await.json();
    assert_eq!(
        (
            after["birth_date"].as_str(),
            after["status"].as_str(),
            after["cccd"].as_str()
        ),
        (Some("1962-06-05"), Some("moved"), Some("0xx•••••••45"))
    );
    assert_eq!(after["version"], 2);
    assert_eq!(
        head.post_form(&format!("/residents/{rid}/active"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        head.get(&format!("/api/v1/residents/{rid}")).await.json()["active"],
        false
    );
    // A status change is kept in history, not overwritten.
    for status in ["in_progress", "done"] {
        let f = [
            ("service", "province_app"),
            ("status", status),
            ("date", "2026-05-10"),
        ];
        assert_eq!(
            head.post_form(&format!("/residents/{rid}/services"), &f)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    let history = db
        .scalar_i64(
            "SELECT COUNT(*) FROM service_status_history WHERE resident_id = $1",
            &[rid.into()],
        )
        .await
        .unwrap();
    assert_eq!(history, 2);
    let current: (String,) = db.fetch_one("SELECT status FROM resident_services WHERE resident_id = $1 AND service_code = 'province_app'", &[rid.into()]).await.unwrap();
    assert_eq!(current.0, "done");
    assert_eq!(
        head.post_form(&format!("/households/{hid}/active"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(audit_count(&db, "household").await, 2);
    assert!(audit_count(&db, "resident").await >= 5);
    // Phones are masked outside the resident's own hamlet team: the commune sees them whole,
    // nobody outside the commune sees them at all.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    assert_eq!(
        admin.get(&format!("/api/v1/residents/{rid}")).await.json()["phone"],
        "0909123456"
    );
}

#[tokio::test]
async fn households_and_residents_are_managed_within_rights() {
    for url in backends().await {
        households_and_residents(url).await;
    }
}
