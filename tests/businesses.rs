//! Kinh tế số (issue 20) on both databases: businesses recorded through sync (twice, applied
//! once), two phones changing the same step conflict like residents and the hamlet head
//! chooses, the indicators hand-computed for a hamlet and rolling up by sums, the register
//! through the API (phones masked outside the team) and to Excel, and who may do what.

mod common;
use axum::http::StatusCode;
use calamine::Reader;
use common::{Client, app_on, backends, demo_db};
use congdongso::db::Db;
use serde_json::{Value, json};

const DAY: &str = "2026-11-20";

async fn scalar(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn sync(c: &mut Client, records: Value) -> Vec<Value> {
    let r = c
        .post_json(
            "/api/v1/sync",
            &json!({"device_id": "test-phone", "records": records}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["results"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

async fn figure(c: &mut Client, area: &str, period: &str, code: &str) -> (i64, i64) {
    let r = c
        .get(&format!("/api/v1/indicators?area={area}&period={period}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = r.json();
    let f = all
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("{code}"))
        .clone();
    (
        f["numerator"].as_i64().unwrap(),
        f["denominator"].as_i64().unwrap(),
    )
}

async fn sync_once_and_conflicts(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DAY);
    let mut phone = Client::login(app.clone(), "tovien03").await;
    let before = scalar(&db, "SELECT COUNT(*) FROM businesses").await;

    // Offline: a new business, then its shop on voso.vn (referring to the new one by its id).
    let batch = json!([
        {"id": uuid(1), "type": "business_new", "name": "Cơ sở bánh tráng Út Hiền",
         "owner_name": "Lê Thị Hiền", "kind": "producer", "products": "Bánh tráng phơi sương",
         "phone": "0912 345 678"},
        {"id": uuid(2), "type": "business_update", "business_id": uuid(1), "base_version": 1,
         "steps": {"ecommerce": {"done": true, "date": "2026-11-19", "platform": "voso",
                                  "link": "https://voso.vn/shop/banh-trang-ut-hien"}}}
    ]);
    let first = sync(&mut phone, batch.clone()).await;
    assert_eq!(statuses(&first), ["applied", "applied"], "{first:?}");
    let again = sync(&mut phone, batch).await;
    assert_eq!(statuses(&again), ["duplicate", "duplicate"], "{again:?}");
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM businesses").await,
        before + 1,
        "recorded once"
    );
    let id = first[0]["server_id"].as_i64().unwrap();
    let (on, platform, url_, phone_no, version): (Option<String>, Option<String>, Option<String>, Option<String>, i64) = db
        .fetch_one(
            &format!(
                "SELECT ecommerce_on, platform, shop_url, phone, version FROM businesses WHERE id = {id}"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(on.as_deref(), Some("2026-11-19"));
    assert_eq!(platform.as_deref(), Some("voso"));
    assert_eq!(
        url_.as_deref(),
        Some("https://voso.vn/shop/banh-trang-ut-hien")
    );
    assert_eq!(phone_no.as_deref(), Some("0912345678"));
    assert_eq!(version, 2);
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM business_changes WHERE business_id = {id}")
        )
        .await,
        3,
        "the step, the platform and the link in the history"
    );

    // The field app's data carries it with its steps and version.
    let data = phone.get("/api/v1/field/data").await.json();
    let b = data["businesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(b["steps"]["ecommerce"], "2026-11-19");
    assert_eq!(b["version"], 2);

    // A step already done keeps its first day: marking it again changes nothing.
    let r = sync(
        &mut phone,
        json!([{"id": uuid(3), "type": "business_update", "business_id": id, "base_version": 2,
                "steps": {"ecommerce": {"done": true, "date": "2026-11-20"}}}]),
    )
    .await;
    assert_eq!(statuses(&r), ["applied"]);
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT version FROM businesses WHERE id = {id}")
        )
        .await,
        2
    );

    // Two phones, both from version 2, offline: the hamlet head takes cashless and the shop
    // to postmart; the member takes cashless too and the shop to shopee. The member's arrives
    // second: cashless is done once (first day kept), the platform conflicts.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = sync(
        &mut head,
        json!([{"id": uuid(4), "type": "business_update", "business_id": id, "base_version": 2,
                "steps": {"cashless": {"done": true, "date": "2026-11-18"},
                          "ecommerce": {"done": true, "platform": "postmart"}}}]),
    )
    .await;
    assert_eq!(statuses(&r), ["applied"], "{r:?}");
    let r = sync(
        &mut phone,
        json!([{"id": uuid(5), "type": "business_update", "business_id": id, "base_version": 2,
                "steps": {"cashless": {"done": true, "date": "2026-11-20"},
                          "ecommerce": {"done": true, "platform": "shopee"}}}]),
    )
    .await;
    assert_eq!(statuses(&r), ["conflict"], "{r:?}");
    let msg = r[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("Sàn TMĐT") && msg.contains("Shopee") && msg.contains("Postmart.vn"),
        "{msg}"
    );
    let (platform, cashless): (Option<String>, Option<String>) = db
        .fetch_one(
            &format!("SELECT platform, cashless_on FROM businesses WHERE id = {id}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(platform.as_deref(), Some("postmart"), "nothing overwritten");
    assert_eq!(
        cashless.as_deref(),
        Some("2026-11-18"),
        "the first day kept"
    );

    // The hamlet head sees it on the business's page and picks the phone's value.
    let page = head.get(&format!("/businesses/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Xung đột") && page.body.contains("Shopee"));
    let cid = scalar(
        &db,
        &format!("SELECT id FROM business_conflicts WHERE business_id = {id}"),
    )
    .await;
    // A team member may not choose.
    let r = phone
        .post_form(
            &format!("/businesses/{id}/conflicts/{cid}"),
            &[("choice", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = head
        .post_form(
            &format!("/businesses/{id}/conflicts/{cid}"),
            &[("choice", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM businesses WHERE id = {id} AND platform = 'shopee'")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM business_conflicts WHERE id = {cid} AND status = 'accepted'"
            )
        )
        .await,
        1
    );

    // Another hamlet's phone cannot reach it; a bad step or link is rejected without a trace.
    let mut other = Client::login(app.clone(), "tovien01").await;
    let r = sync(
        &mut other,
        json!([{"id": uuid(6), "type": "business_update", "business_id": id, "base_version": 3,
                "steps": {"social": {"done": true}}}]),
    )
    .await;
    assert_eq!(statuses(&r), ["rejected"]);
    let r = sync(
        &mut phone,
        json!([{"id": uuid(7), "type": "business_update", "business_id": id, "base_version": 3,
                "steps": {"social": {"done": true}, "ecommerce": {"done": true, "link": "javascript:alert(1)"}}}]),
    )
    .await;
    assert_eq!(statuses(&r), ["rejected"]);
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM businesses WHERE id = {id} AND social_on IS NOT NULL")
        )
        .await,
        0,
        "the rejected record left nothing"
    );
}

#[tokio::test]
async fn businesses_recorded_through_sync_apply_once_and_two_phones_conflict() {
    for url in backends().await {
        sync_once_and_conflicts(url).await;
    }
}

async fn indicators_and_register(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DAY);
    // Ấp 3 starts empty: its demo businesses leave the register.
    db.execute(
        "UPDATE businesses SET active = 0 WHERE hamlet_id = (SELECT id FROM areas WHERE code = 'rach-kien-ap-03')",
        &[],
    )
    .await
    .unwrap();
    let mut head = Client::login(app.clone(), "truongap03").await;
    // Four businesses from the page (registered today, 20 November).
    let mut ids = Vec::new();
    for (name, kind) in [
        ("Tạp hóa Cô Ba", "household"),
        ("Cơ sở muối tôm Bảy Nhỏ", "producer"),
        ("HTX rau an toàn", "cooperative"),
        ("Quán cơm Tư", "household"),
    ] {
        let r = head
            .post_form(
                "/businesses",
                &[("name", name), ("kind", kind), ("phone", "0987654321")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        ids.push(
            r.headers["location"]
                .to_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    // A resident's business, from the resident's page: the owner is linked, not copied.
    let rid = common::first_resident_of(&app, "rach-kien-ap-03").await;
    let page = head.get(&format!("/residents/{rid}")).await;
    assert!(
        page.body.contains(&format!("/businesses/new?owner={rid}")),
        "{}",
        page.body
    );
    let form = head.get(&format!("/businesses/new?owner={rid}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"owner-resident\""));
    let other = common::first_resident_of(&app, "rach-kien-ap-01").await;
    assert_eq!(
        head.get(&format!("/businesses/new?owner={other}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another hamlet's resident"
    );
    let r = head
        .post_form(
            "/businesses",
            &[
                ("name", "Tiệm sửa xe"),
                ("kind", "household"),
                ("owner_resident_id", &rid.to_string()),
                ("owner_name", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let linked = r.headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT owner_resident_id FROM businesses WHERE id = {linked}")
        )
        .await,
        rid
    );
    let r = head
        .post_form(
            "/businesses",
            &[
                ("name", "Tiệm khác"),
                ("kind", "household"),
                ("owner_resident_id", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Its phone changed by the hamlet head: the history quotes it in full for the hamlet's
    // team and masked for the commune leader, whose search cannot find it either.
    let r = head
        .post_form(
            &format!("/businesses/{linked}/edit"),
            &[
                ("name", "Tiệm sửa xe"),
                ("kind", "household"),
                ("phone", "0911222333"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        head.get(&format!("/businesses/{linked}"))
            .await
            .body
            .contains("0911222333")
    );
    let mut chutich = Client::login(app.clone(), "chutich").await;
    let seen = chutich.get(&format!("/businesses/{linked}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        !seen.body.contains("0911222333") && !seen.body.contains("0911 222 333"),
        "{}",
        seen.body
    );
    assert!(
        !chutich
            .get("/businesses?q=0911222333")
            .await
            .body
            .contains("Tiệm sửa xe")
    );
    // The owner's own-data export lists it; erasing the owner leaves the business nameless.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let export = admin.get(&format!("/api/v1/residents/{rid}/data")).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    assert_eq!(
        export.json()["businesses"][0]["name"],
        "Tiệm sửa xe",
        "{}",
        export.body
    );
    let r = admin
        .post_form(&format!("/residents/{rid}/erase"), &[("confirm", "XÓA")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (owner, owner_id, phone): (Option<String>, Option<i64>, Option<String>) = db
        .fetch_one(
            &format!(
                "SELECT owner_name, owner_resident_id, phone FROM businesses WHERE id = {linked}"
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!((owner, owner_id, phone), (None, None, None));
    assert_eq!(
        scalar(&db, &format!("SELECT COUNT(*) FROM business_changes WHERE business_id = {linked} AND field = 'phone' AND new_value IS NOT NULL")).await,
        0
    );
    // Out of the register again, so the hand count below is of four.
    let r = head
        .post_form(&format!("/businesses/{linked}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Steps by hand: two shops (one on 10 Nov, one on 20 Nov), one e-invoice, three QR.
    let step = |id: &str, step: &'static str, date: &'static str, platform: &'static str| {
        let (id, app) = (id.to_string(), app.clone());
        async move {
            let mut head = Client::login(app, "truongap03").await;
            let r = head
                .post_form(
                    &format!("/businesses/{id}/steps"),
                    &[
                        ("step", step),
                        ("done", "1"),
                        ("date", date),
                        ("platform", platform),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
    };
    step(&ids[0], "ecommerce", "10/11/2026", "voso").await;
    step(&ids[1], "ecommerce", "20/11/2026", "postmart").await;
    step(&ids[1], "einvoice", "15/11/2026", "").await;
    for id in &ids[..3] {
        step(id, "cashless", "05/11/2026", "").await;
    }
    // A day in the future is refused with what to fix.
    let r = head
        .post_form(
            &format!("/businesses/{}/steps", ids[3]),
            &[("step", "social"), ("done", "1"), ("date", "21/11/2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không được sau hôm nay"));

    // November: 2/4 shops, 1/4 e-invoices, 3/4 cashless. October: the register was empty.
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let hamlet = "rach-kien-ap-03";
    assert_eq!(
        figure(&mut vhxh, hamlet, "2026-11", "businesses_ecommerce").await,
        (2, 4)
    );
    assert_eq!(
        figure(&mut vhxh, hamlet, "2026-11", "businesses_einvoice").await,
        (1, 4)
    );
    assert_eq!(
        figure(&mut vhxh, hamlet, "2026-11", "businesses_cashless").await,
        (3, 4)
    );
    assert_eq!(
        figure(&mut vhxh, hamlet, "2026-10", "businesses_ecommerce").await,
        (0, 0)
    );

    // Targets are data: the commune gives the Q3 task's indicator a target in its plan.
    let r = vhxh
        .post_form(
            "/plan/targets",
            &[
                ("year", "2026"),
                ("indicator", "businesses_ecommerce"),
                ("timing", "by"),
                ("quarter", "0"),
                ("target", "50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = vhxh
        .get("/api/v1/indicators?area=rach-kien-ap-03&period=2026-11")
        .await
        .json();
    let shop = all
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "businesses_ecommerce")
        .unwrap();
    assert_eq!(shop["target"].as_f64(), Some(50.0), "{shop}");
    assert_eq!(shop["met"], true, "2 of 4 is 50 %");

    // The commune's figure is the sum of its hamlets'.
    let hamlets: Vec<(String,)> = db
        .fetch_all(
            "SELECT code FROM areas WHERE level = 'hamlet' AND commune_id = (SELECT id FROM areas WHERE code = 'rach-kien') AND active = 1",
            &[],
        )
        .await
        .unwrap();
    for code in [
        "businesses_ecommerce",
        "businesses_einvoice",
        "businesses_cashless",
    ] {
        let mut sum = (0, 0);
        for (h,) in &hamlets {
            let f = figure(&mut vhxh, h, "2026-11", code).await;
            sum = (sum.0 + f.0, sum.1 + f.1);
        }
        let commune = figure(&mut vhxh, "rach-kien", "2026-11", code).await;
        assert_eq!(commune, sum, "{code}");
        assert!(
            commune.1 > 4,
            "the other hamlets' demo businesses count too"
        );
    }

    // The monthly report's section, read back from the Word file: 4 businesses, 4 new in
    // November, each step in the month and to date.
    let r = vhxh
        .get("/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-11&format=docx")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = congdongso::reports::docx::paragraphs_text(&r.bytes).unwrap();
    let said = p
        .iter()
        .find(|l| l.starts_with("Số cơ sở kinh doanh"))
        .unwrap_or_else(|| panic!("{p:?}"));
    assert!(
        said.contains("trong danh sách: 4, trong đó 4 cơ sở mới trong kỳ"),
        "{said}"
    );
    let row = |label: &str| {
        let i = p
            .iter()
            .position(|l| l == label)
            .unwrap_or_else(|| panic!("{label}: {p:?}"));
        (p[i + 1].clone(), p[i + 2].clone())
    };
    assert_eq!(row("Gian hàng trên sàn TMĐT"), ("2".into(), "2".into()));
    assert_eq!(row("Hóa đơn điện tử"), ("1".into(), "1".into()));
    assert_eq!(
        row("Nhận thanh toán không dùng tiền mặt (QR)"),
        ("3".into(), "3".into())
    );
    assert_eq!(
        row("Trang bán hàng trên mạng xã hội"),
        ("0".into(), "0".into())
    );
    // The commune's yearly report carries the section too, with every hamlet's businesses.
    let r = vhxh
        .get("/reports/file?area=rach-kien&kind=yearly&period=2026&format=docx")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = congdongso::reports::docx::paragraphs_text(&r.bytes).unwrap();
    let all = scalar(&db, "SELECT COUNT(*) FROM businesses WHERE active = 1").await;
    assert!(
        p.iter().any(|l| l.starts_with(&format!("Số cơ sở kinh doanh (hộ kinh doanh, cơ sở sản xuất, hợp tác xã, doanh nghiệp) trong danh sách: {all},"))),
        "{all}: {p:?}"
    );
    // October's report: none yet.
    let r = vhxh
        .get("/reports/file?area=rach-kien-ap-03&kind=monthly&period=2026-10&format=docx")
        .await;
    let p = congdongso::reports::docx::paragraphs_text(&r.bytes).unwrap();
    assert!(
        p.iter()
            .any(|l| l.contains("trong danh sách: 0, trong đó 0 cơ sở mới")),
        "{p:?}"
    );

    // The register through the API: full phones for the hamlet's team, masked for the leader;
    // finance and the province see none of it.
    let r = head.get("/api/v1/businesses").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 4);
    let shop = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Tạp hóa Cô Ba")
        .unwrap();
    assert_eq!(shop["steps"]["ecommerce"], "2026-11-10");
    assert_eq!(shop["platform"], "voso");
    assert_eq!(shop["phone"], "0987654321");
    let mut leader = Client::login(app.clone(), "chutich").await;
    let r = leader.get("/api/v1/businesses?area=rach-kien-ap-03").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.json()[0]["phone"], "0987654321");
    for who in ["kinhte", "so"] {
        let mut c = Client::login(app.clone(), who).await;
        assert_eq!(
            c.get("/api/v1/businesses").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            c.get("/businesses").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    // Another hamlet's head does not see ấp 3's.
    let mut head1 = Client::login(app.clone(), "truongap01").await;
    let r = head1.get("/api/v1/businesses?area=rach-kien-ap-03").await;
    assert!(
        r.status == StatusCode::NOT_FOUND
            || r.json()
                .as_array()
                .is_some_and(|a| a.iter().all(|b| b["hamlet"] != "rach-kien-ap-03")),
        "{}",
        r.body
    );
    assert_eq!(
        head1.get(&format!("/businesses/{}", ids[0])).await.status,
        StatusCode::NOT_FOUND
    );

    // The work list: those not yet on a platform.
    let page = head.get("/businesses?list=offline").await;
    assert!(page.body.contains("HTX rau an toàn") && page.body.contains("Quán cơm Tư"));
    assert!(!page.body.contains("Tạp hóa Cô Ba"));

    // The register to Excel, read back.
    let r = head.get("/businesses/export").await;
    assert_eq!(r.status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| c == "Tên cơ sở"))
        .expect("a header row");
    let body: Vec<&Vec<String>> = rows[header + 1..]
        .iter()
        .filter(|r| !r[2].is_empty())
        .collect();
    assert_eq!(body.len(), 4);
    let ba = body.iter().find(|r| r[2] == "Tạp hóa Cô Ba").unwrap();
    assert_eq!(ba[8], "10/11/2026");
    assert_eq!(ba[9], "Voso.vn");
    assert_eq!(ba[13], "05/11/2026");

    // Audited: five added (one taken out again), six steps.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'businesses' AND action = 'add'"
        )
        .await,
        5
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'businesses' AND action = 'set_step'"
        )
        .await,
        6
    );
}

#[tokio::test]
async fn business_indicators_by_hand_roll_up_by_sums_and_the_register_reads_back() {
    for url in backends().await {
        indicators_and_register(url).await;
    }
}

/// A business list as a commune keeps it: a title row, the export's columns in another order.
fn list_file(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "DANH SÁCH CƠ SỞ KINH DOANH XÃ RẠCH KIẾN")
        .unwrap();
    let headers = [
        "STT",
        "Tên cơ sở",
        "Ấp",
        "Loại",
        "Gian hàng TMĐT từ ngày",
        "Sàn TMĐT",
        "Hóa đơn điện tử",
        "Ghi chú",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(2, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let line = 3 + i as u32;
        ws.write(line, 0, (i + 1) as f64).unwrap();
        for (c, v) in r.iter().enumerate() {
            ws.write(line, c as u16 + 1, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import_case(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DAY);
    db.execute(
        "UPDATE businesses SET active = 0 WHERE hamlet_id = (SELECT id FROM areas WHERE code = 'rach-kien-ap-03')",
        &[],
    )
    .await
    .unwrap();
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let r = admin
        .post_form(
            "/businesses",
            &[
                ("hamlet", "rach-kien-ap-03"),
                ("name", "Tạp hóa Cô Ba"),
                ("kind", "household"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = list_file(&[
        // Known: its e-invoice from 12 November is new.
        [
            "TẠP HÓA CÔ BA",
            "Ấp 3",
            "Hộ kinh doanh",
            "",
            "",
            "12/11/2026",
            "",
        ],
        // New, already on postmart.
        [
            "Vườn bưởi Năm Roi",
            "ấp 03",
            "HKD",
            "01/10/2026",
            "Postmart.vn",
            "",
            "",
        ],
        ["Lò gạch", "Ấp 99", "", "", "", "", ""],
        ["Quán nước", "Ấp 3", "Nhà hàng", "", "", "", ""],
    ]);
    let preview = |file: Vec<u8>| {
        let app = app.clone();
        async move {
            let mut admin = Client::login(app, "vhxh").await;
            let r = admin
                .post_bytes("/import/businesses?name=co-so.xlsx", file)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let job = r.headers["location"].to_str().unwrap().to_string();
            let page = admin.get(&format!("{job}?wait=1")).await;
            assert!(page.body.contains("id=\"import-preview\""), "{}", page.body);
            (admin, job, page.body)
        }
    };
    let (mut admin, job, body) = preview(file.clone()).await;
    for want in [
        "Thêm mới: <strong>1</strong>",
        "Cập nhật: <strong>1</strong>",
        "Giữ nguyên (đã có, không đổi): <strong>0</strong>",
        "Bị từ chối: <strong>2</strong>",
        "xã không có ấp «Ấp 99»",
        "Ghi chú",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    // Nothing written by the preview.
    let named = "SELECT COUNT(*) FROM businesses WHERE name = 'Vườn bưởi Năm Roi'";
    assert_eq!(scalar(&db, named).await, 0);
    let r = admin.post_form(&format!("{job}/apply"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = admin.get(&format!("{job}?wait=1")).await;
    assert!(
        done.body.contains("Đã nhập: thêm 1 cơ sở, cập nhật 1"),
        "{}",
        done.body
    );
    assert_eq!(scalar(&db, named).await, 1);
    let (ecommerce, platform): (Option<String>, Option<String>) = db
        .fetch_one(
            "SELECT ecommerce_on, platform FROM businesses WHERE name = 'Vườn bưởi Năm Roi'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (ecommerce.as_deref(), platform.as_deref()),
        (Some("2026-10-01"), Some("postmart"))
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM businesses WHERE name = 'Tạp hóa Cô Ba' AND einvoice_on = '2026-11-12' AND active = 1").await,
        1
    );
    let mut head = Client::login(app.clone(), "truongap03").await;
    assert_eq!(
        figure(
            &mut head,
            "rach-kien-ap-03",
            "2026-11",
            "businesses_einvoice"
        )
        .await,
        (1, 2)
    );

    // The same file again: nothing to add or change.
    let (_, _, body) = preview(file).await;
    for want in [
        "Thêm mới: <strong>0</strong>",
        "Cập nhật: <strong>0</strong>",
        "Giữ nguyên (đã có, không đổi): <strong>2</strong>",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    // The hamlet head does not import.
    assert_eq!(
        head.post_bytes("/import/businesses?name=x.xlsx", list_file(&[]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_business_list_is_previewed_applied_and_imported_again_without_change() {
    for url in backends().await {
        import_case(url).await;
    }
}
