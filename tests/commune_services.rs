//! The commune's services list in the web (PRODUCT.md §3): a renamed service shows in the pages
//! and in `/api/v1/indicators`, the province app's name follows in the indicators' names, a
//! retired one is no longer recorded nor counted for periods starting later, and a new one
//! gets its `adults_<service>` indicator and counts. Another commune's list is untouched. On
//! SQLite and PostgreSQL.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db};
use congdongso::db::{self, indicators};
use serde_json::{Value, json};

fn figure<'a>(list: &'a Value, code: &str) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(|f| f["code"] == code)
}

async fn figures(c: &mut Client, area: &str) -> Value {
    let r = c.get(&format!("/api/v1/indicators?area={area}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn sync_help(c: &mut Client, id: &str, resident: i64, service: &str) -> Value {
    let r = c
        .post_json(
            "/api/v1/sync",
            &json!({"device_id": "phone", "records": [
                {"id": id, "type": "help", "resident_id": resident, "service": service,
                 "done": true, "date": db::today()}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["results"][0].clone()
}

async fn services(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let commune: (i64,) = db
        .fetch_one("SELECT id FROM areas WHERE code = 'rach-kien'", &[])
        .await
        .unwrap();
    let commune = commune.0;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let mut api = Client::new(app.clone());
    assert_eq!(
        api.api_login("vhxh", common::PASSWORD).await.status,
        StatusCode::OK
    );
    // A living adult of Ấp 3 who agreed to be recorded.
    let resident = db
        .scalar_i64(
            "SELECT r.id FROM residents r JOIN areas a ON a.id = r.hamlet_id \
             WHERE a.code = 'rach-kien-ap-03' AND r.status = 'living' AND r.consent = 1 \
             AND r.birth_year <= 1990 ORDER BY r.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();

    // Rename.
    let r = vhxh
        .post_form(
            "/settings/services/vssid",
            &[
                ("name", "Cài đặt VssID – BHXH số"),
                ("short_name", "VssID mới"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = vhxh.get(&format!("/residents/{resident}")).await;
    assert!(
        page.body.contains("Cài đặt VssID – BHXH số"),
        "resident page"
    );
    let f = figures(&mut api, "rach-kien").await;
    assert_eq!(
        figure(&f, "adults_vssid").unwrap()["name"],
        "Người trưởng thành: Cài đặt VssID – BHXH số"
    );

    // The province app's name, in the indicators' names.
    let r = vhxh
        .post_form("/settings/province-app", &[("app_name", "Tây Ninh Số")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let f = figures(&mut api, "rach-kien").await;
    assert_eq!(
        figure(&f, "adults_province_app").unwrap()["name"],
        "Người trưởng thành cài đặt, sử dụng Tây Ninh Số"
    );
    assert_eq!(
        figure(&f, "households_province_app").unwrap()["name"],
        "Hộ có ít nhất 01 người cài đặt Tây Ninh Số"
    );

    // Add: its indicator appears and counts what the field records.
    let r = vhxh
        .post_form(
            "/settings/services",
            &[
                ("code", "dong_thap_app"),
                ("name", "Cài đặt, sử dụng Đồng Tháp số"),
                ("short_name", "Đồng Tháp số"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let f = figures(&mut api, "rach-kien").await;
    let added = figure(&f, "adults_dong_thap_app").expect("the new service's indicator");
    assert_eq!(added["numerator"], 0);
    let mut member = Client::login(app.clone(), "tovien03").await;
    let done = sync_help(
        &mut member,
        "00000000-0000-4000-8000-000000000001",
        resident,
        "dong_thap_app",
    )
    .await;
    assert_eq!(done["status"], "applied", "{done}");
    let f = figures(&mut api, "rach-kien").await;
    assert_eq!(figure(&f, "adults_dong_thap_app").unwrap()["numerator"], 1);
    // A code already taken is refused.
    let r = vhxh
        .post_form(
            "/settings/services",
            &[
                ("code", "vneid"),
                ("name", "Trùng"),
                ("short_name", "Trùng"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Retire: nothing more recorded; not counted for periods starting after today; past
    // periods keep it.
    let r = vhxh
        .post_form("/settings/services/email/retire", &[("action", "retire")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let refused = sync_help(
        &mut member,
        "00000000-0000-4000-8000-000000000002",
        resident,
        "email",
    )
    .await;
    assert_eq!(refused["status"], "rejected", "{refused}");
    let page = vhxh.get(&format!("/residents/{resident}")).await;
    assert!(
        !page.body.contains("Tạo địa chỉ email"),
        "a retired service on the page"
    );
    let codes = |defs: Vec<congdongso::indicators::catalog::Definition>| {
        defs.into_iter().map(|d| d.code).collect::<Vec<_>>()
    };
    let later = codes(
        indicators::definitions(&db, Some(commune), "2099-01-01")
            .await
            .unwrap(),
    );
    assert!(!later.iter().any(|c| c == "adults_email"), "{later:?}");
    assert!(later.iter().any(|c| c == "adults_dong_thap_app"));
    let earlier = codes(
        indicators::definitions(&db, Some(commune), "2026-01-01")
            .await
            .unwrap(),
    );
    assert!(earlier.iter().any(|c| c == "adults_email"), "{earlier:?}");
    // Back in use.
    let r = vhxh
        .post_form(
            "/settings/services/email/retire",
            &[("action", "reinstate")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let later = codes(
        indicators::definitions(&db, Some(commune), "2099-01-01")
            .await
            .unwrap(),
    );
    assert!(later.iter().any(|c| c == "adults_email"));

    // The province reads the national list: no commune's name, no commune's own service.
    let mut so = Client::new(app.clone());
    assert_eq!(
        so.api_login("so", common::PASSWORD).await.status,
        StatusCode::OK
    );
    let f = figures(&mut so, "tay-ninh").await;
    assert!(figure(&f, "adults_dong_thap_app").is_none());
    assert_eq!(
        figure(&f, "adults_vssid").unwrap()["name"],
        "Người trưởng thành: VssID (Bảo hiểm xã hội số)"
    );

    // Audited; only the commune admin.
    let n = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'set_service'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(n, 5);
    let mut leader = Client::login(app.clone(), "chutich").await;
    let r = leader
        .post_form(
            "/settings/services/vneid",
            &[("name", "X"), ("short_name", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_commune_renames_retires_and_adds_services_and_the_indicators_follow() {
    for url in backends().await {
        services(url).await;
    }
}
