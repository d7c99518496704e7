//! The resident import on both databases: a messy real-looking workbook gives exactly the
//! expected adds, updates and rejections, applies in one transaction, moves the indicators,
//! and a second import of the same file changes nothing.

mod common;
use common::{Client, app, backends, demo_db, keys};
use congdongso::db::{self, Db};
use congdongso::import::plan::Action;
use rust_xlsxwriter::{Format, Workbook};
use unicode_normalization::UnicodeNormalization;

enum C {
    T(&'static str),
    S(String),
    N(f64),
    D(f64),
    E,
}

fn workbook(rows: &[Vec<C>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                C::T(s) => {
                    ws.write_string(r, c, *s).unwrap();
                }
                C::S(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                C::N(n) => {
                    ws.write_number(r, c, *n).unwrap();
                }
                C::D(n) => {
                    ws.write_number_with_format(r, c, *n, &date).unwrap();
                }
                C::E => {}
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// A stored adult of Ấp 3 without a cashless account: the row that updates.
async fn someone_to_update(db: &Db) -> (i64, String, String, String) {
    db.fetch_one(
        "SELECT r.id, h.code, r.full_name, r.birth_date FROM residents r \
         JOIN households h ON h.id = r.household_id JOIN areas a ON a.id = r.hamlet_id \
         WHERE a.code = 'rach-kien-ap-03' AND r.active = 1 AND r.status = 'living' \
         AND r.birth_date IS NOT NULL AND r.birth_year <= 1990 \
         AND NOT EXISTS (SELECT 1 FROM resident_services s WHERE s.resident_id = r.id \
         AND s.service_code = 'cashless' AND s.status = 'done') ORDER BY r.id LIMIT 1",
        &[],
    )
    .await
    .unwrap()
}

fn messy_file(update: &(i64, String, String, String)) -> Vec<u8> {
    let (_, code, name, birth) = update;
    let dmy = format!("{}/{}/{}", &birth[8..10], &birth[5..7], &birth[..4]);
    // TCVN3 as a .VnTime PC typed it: "Trần Văn Cường".
    let tcvn3 = "TrÇn V¨n C\u{AD}êng";
    let nfd: String = "Lê Thị Bé".nfd().collect();
    use C::*;
    workbook(&[
        vec![T("DANH SÁCH NHÂN KHẨU ẤP 3 NĂM 2026")],
        vec![],
        // Headers in another order and spelling, with an unknown column.
        vec![
            T("STT"),
            T("HỌ VÀ TÊN"),
            T("ap"),
            T("Mã hộ"),
            T("ngay sinh"),
            T("Giới tính"),
            T("so cccd"),
            T("Số điện thoại"),
            T("VNeID mức 2"),
            T("Thanh toán không dùng tiền mặt"),
            T("Tham gia nhóm Zalo ấp"),
            T("Quan hệ với chủ hộ"),
            T("Màu áo"),
        ],
        // 4: new; ID typed as a number (leading zero lost), birth as a date cell.
        vec![
            N(1.0),
            T("Phạm Văn Nhập"),
            T("Ấp 3"),
            T("IMP-001"),
            D(31841.0),
            T("Nam"),
            N(72087001234.0),
            T("+84 912 000 111"),
            T("x"),
            T("Không"),
            E,
            T("Chủ hộ"),
            T("xanh"),
        ],
        // 5: new; NFD name, birth year alone, old 11-digit phone, ID with spaces.
        vec![
            N(2.0),
            S(nfd),
            T("ấp 03"),
            T("IMP-001"),
            T("1990"),
            T("Nữ"),
            T("072 190 000 222"),
            T("01681234567"),
            E,
            E,
            T("1"),
            T("Vợ"),
            E,
        ],
        // 6: broken in the middle: an ID of 5 digits.
        vec![
            N(3.0),
            T("Võ Thị Lỗi"),
            T("Ấp 3"),
            T("IMP-002"),
            T("01/01/1995"),
            T("Nữ"),
            T("12345"),
            E,
            E,
            E,
            E,
            E,
            E,
        ],
        // 7: new; TCVN3 name, hamlet as a bare number, d-m-yyyy date.
        vec![
            N(4.0),
            T(tcvn3),
            T("3"),
            T("IMP-003"),
            T("05-03-1960"),
            T("nam"),
            E,
            T("0909.123.456"),
            T("Có"),
            E,
            E,
            T("Chủ hộ"),
            E,
        ],
        // 8: the first row's person again (same ID).
        vec![
            N(5.0),
            T("Phạm Văn Nhập"),
            T("Ấp 3"),
            T("IMP-001"),
            T("05/03/1987"),
            T("Nam"),
            T("072087001234"),
            E,
            E,
            E,
            E,
            E,
            E,
        ],
        // 9: a stored resident, matched by household + name + birth: new cashless account.
        vec![
            N(6.0),
            S(name.to_uppercase()),
            T("Ấp 3"),
            S(code.clone()),
            S(dmy),
            E,
            E,
            E,
            E,
            T("Đã cài"),
            E,
            E,
            E,
        ],
        // 10: a hamlet the commune does not have.
        vec![
            N(7.0),
            T("Ngô Văn Xa"),
            T("Ấp 99"),
            T("IMP-009"),
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            E,
        ],
        // 11: new; a name typed with a VNI font ("Nguyễn Thị Hoàng"), ID with dots.
        vec![
            N(8.0),
            T("Nguyeãn Thò Hoaøng"),
            T("Ấp 3"),
            T("IMP-003"),
            T("1960"),
            T("Nữ"),
            T("072.160.000.444"),
            E,
            E,
            E,
            E,
            T("Vợ"),
            E,
        ],
        // 12: the ID's 4th digit says male, the row says female.
        vec![
            N(9.0),
            T("Lê Thị Khác"),
            T("Ấp 3"),
            T("IMP-004"),
            T("1987"),
            T("Nữ"),
            T("072087000555"),
            E,
            E,
            E,
            E,
            E,
            E,
        ],
    ])
}

async fn indicator(db: &Db, code: &str) -> (i64, i64) {
    let area = db::areas::by_code(db, "rach-kien-ap-03")
        .await
        .unwrap()
        .unwrap();
    let period = congdongso::indicators::Period::parse("2026").unwrap();
    let all = db::indicators::figures(db, &area, &period).await.unwrap();
    let i = all.iter().find(|i| i.code == code).unwrap();
    (i.numerator, i.denominator.unwrap_or(0))
}

async fn residents_in(db: &Db, hamlet: &str) -> i64 {
    db.scalar_i64(
        "SELECT COUNT(*) FROM residents r JOIN areas a ON a.id = r.hamlet_id WHERE a.code = $1 AND r.active = 1",
        &[hamlet.into()],
    )
    .await
    .unwrap()
}

async fn commune(db: &Db) -> i64 {
    db::areas::by_code(db, "rach-kien")
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn messy_import_case(url: String) {
    let db = demo_db(&url).await;
    let k = keys();
    let commune = commune(&db).await;
    let target = someone_to_update(&db).await;
    let file = messy_file(&target);
    let before = residents_in(&db, "rach-kien-ap-03").await;
    let cashless_before = indicator(&db, "adults_cashless").await;
    let vneid_before = indicator(&db, "adults_vneid").await;

    let prepared =
        db::imports::prepare_residents(&db, &k, commune, "ap3.xlsx", file.clone(), "2026-12-01")
            .await
            .unwrap();
    let p = &prepared.plan;
    let lines = |f: fn(&Action) -> bool| -> Vec<usize> {
        p.items
            .iter()
            .filter(|i| f(&i.action))
            .map(|i| i.line)
            .collect()
    };
    assert_eq!(
        lines(|a| matches!(a, Action::Add)),
        vec![4, 5, 7, 11],
        "{:?}",
        p.rejected
    );
    assert_eq!(lines(|a| matches!(a, Action::Update { .. })), vec![9]);
    assert_eq!(
        lines(|a| matches!(a, Action::Unchanged { .. })),
        Vec::<usize>::new()
    );
    let rejected: Vec<(usize, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![(6, "so cccd"), (8, "so cccd"), (10, "ap"), (12, "so cccd")]
    );
    assert!(
        p.rejected[0].reason.contains("12 chữ số"),
        "{}",
        p.rejected[0].reason
    );
    assert!(
        p.rejected[1].reason.contains("dòng 4"),
        "{}",
        p.rejected[1].reason
    );
    assert!(
        p.rejected[2].reason.contains("Ấp 99"),
        "{}",
        p.rejected[2].reason
    );
    assert!(
        p.rejected[3].reason.contains("giới tính"),
        "{}",
        p.rejected[3].reason
    );
    assert_eq!(p.ignored_columns, vec!["Màu áo".to_string()]);
    assert!(
        matches!(&p.items[3].action, Action::Update { id, changes } if *id == target.0 && changes == &vec!["dịch vụ số"])
    );
    assert_eq!(
        p.new_households.len(),
        2,
        "IMP-001 and IMP-003; IMP-002 and IMP-004 only had rejected rows"
    );

    let applied = db::imports::apply_residents(
        &db,
        &k,
        &db::imports::Source {
            commune_id: commune,
            account_id: None,
            file_name: "ap3.xlsx",
        },
        prepared,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (
            applied.added,
            applied.updated,
            applied.rejected,
            applied.households_added
        ),
        (4, 1, 4, 2)
    );
    assert_eq!(residents_in(&db, "rach-kien-ap-03").await, before + 4);

    // What was stored, cleaned.
    type Stored = (
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        String,
    );
    let stored: Vec<Stored> = db
        .fetch_all(
            "SELECT r.full_name, r.phone, r.cccd_masked, r.birth_year, r.birth_date, h.code FROM residents r \
             JOIN households h ON h.id = r.household_id WHERE h.code LIKE 'IMP-%' ORDER BY r.id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![
            (
                "Phạm Văn Nhập".into(),
                Some("0912000111".into()),
                Some("0xx•••••••34".into()),
                Some(1987),
                Some("1987-03-05".into()),
                "IMP-001".into()
            ),
            (
                "Lê Thị Bé".into(),
                Some("0381234567".into()),
                Some("0xx•••••••22".into()),
                Some(1990),
                None,
                "IMP-001".into()
            ),
            (
                "Trần Văn Cường".into(),
                Some("0909123456".into()),
                None,
                Some(1960),
                Some("1960-03-05".into()),
                "IMP-003".into()
            ),
            (
                "Nguyễn Thị Hoàng".into(),
                None,
                Some("0xx•••••••44".into()),
                Some(1960),
                None,
                "IMP-003".into()
            ),
        ]
    );
    let head: Option<String> = db
        .fetch_one(
            "SELECT head_name FROM households WHERE code = 'IMP-001'",
            &[],
        )
        .await
        .map(|(h,): (Option<String>,)| h)
        .unwrap();
    assert_eq!(head.as_deref(), Some("Phạm Văn Nhập"));
    // The citizen ID is found again by its hash.
    let found = db
        .scalar_i64(
            "SELECT COUNT(*) FROM residents WHERE cccd_hash = $1",
            &[k.match_hash("072087001234").into()],
        )
        .await
        .unwrap();
    assert_eq!(found, 1);

    // The indicators moved with the rows: two new adults with VNeID (rows 4 and 7), and one
    // more adult with a cashless account (row 9) among four more adults.
    let cashless = indicator(&db, "adults_cashless").await;
    let vneid = indicator(&db, "adults_vneid").await;
    assert_eq!(cashless, (cashless_before.0 + 1, cashless_before.1 + 4));
    assert_eq!(vneid, (vneid_before.0 + 2, vneid_before.1 + 4));
    // The same figures as a rebuild from scratch gives.
    let mut conn = db.pool.acquire().await.unwrap();
    db::indicator_sources::rebuild_commune(&mut conn, commune)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(indicator(&db, "adults_cashless").await, cashless);
    assert_eq!(indicator(&db, "adults_vneid").await, vneid);

    // Audited: one summary and one entry per written resident.
    let audits = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('import_add', 'import_update')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audits, 5);
    let summary: (String,) = db
        .fetch_one(
            "SELECT after_json FROM audit_log WHERE action = 'import' AND entity = 'residents'",
            &[],
        )
        .await
        .unwrap();
    assert!(
        summary.0.contains("\"added\":4") && summary.0.contains("ap3.xlsx"),
        "{}",
        summary.0
    );
    assert!(!summary.0.contains("072087001234"));

    // The same file again changes nothing.
    let again = db::imports::prepare_residents(&db, &k, commune, "ap3.xlsx", file, "2026-12-01")
        .await
        .unwrap();
    assert_eq!(
        (
            again.plan.adds(),
            again.plan.updates(),
            again.plan.unchanged(),
            again.plan.rejected.len()
        ),
        (0, 0, 5, 4),
        "{:?}",
        again
            .plan
            .items
            .iter()
            .map(|i| (i.line, &i.action))
            .collect::<Vec<_>>()
    );
    assert!(!again.plan.writes());
    assert!(again.plan.new_households.is_empty());
}

#[tokio::test]
async fn a_messy_file_imports_exactly_and_twice_changes_nothing() {
    for url in backends().await {
        messy_import_case(url).await;
    }
}

/// A failure while writing (here a value the database refuses, in the middle of the plan)
/// leaves nothing behind: no resident, no household, no audit.
async fn all_or_nothing_case(url: String) {
    let db = demo_db(&url).await;
    let k = keys();
    let commune = commune(&db).await;
    let target = someone_to_update(&db).await;
    let mut prepared = db::imports::prepare_residents(
        &db,
        &k,
        commune,
        "ap3.xlsx",
        messy_file(&target),
        "2026-12-01",
    )
    .await
    .unwrap();
    prepared.sheet.rows[1].gender = Some("không rõ");
    let residents = db
        .scalar_i64("SELECT COUNT(*) FROM residents", &[])
        .await
        .unwrap();
    let households = db
        .scalar_i64("SELECT COUNT(*) FROM households", &[])
        .await
        .unwrap();
    let audits = db
        .scalar_i64("SELECT COUNT(*) FROM audit_log", &[])
        .await
        .unwrap();
    let r = db::imports::apply_residents(
        &db,
        &k,
        &db::imports::Source {
            commune_id: commune,
            account_id: None,
            file_name: "ap3.xlsx",
        },
        prepared,
        &|_, _| {},
    )
    .await;
    assert!(r.is_err());
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM residents", &[])
            .await
            .unwrap(),
        residents
    );
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM households", &[])
            .await
            .unwrap(),
        households
    );
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM audit_log", &[])
            .await
            .unwrap(),
        audits
    );
    let services = db
        .scalar_i64(
            "SELECT COUNT(*) FROM resident_services WHERE resident_id = $1 AND service_code = 'cashless' AND status = 'done'",
            &[target.0.into()],
        )
        .await
        .unwrap();
    assert_eq!(services, 0, "the update's service was rolled back too");
    // The field-change triggers the apply held off came back with the rollback.
    let (hamlet,): (i64,) = db
        .fetch_one(
            "SELECT hamlet_id FROM residents WHERE id = $1",
            &[target.0.into()],
        )
        .await
        .unwrap();
    let seq = db::field_changes::hamlet_seq(&db, hamlet).await.unwrap();
    db.execute(
        "UPDATE residents SET notes = 'sau lần nhập hỏng' WHERE id = $1",
        &[target.0.into()],
    )
    .await
    .unwrap();
    assert!(db::field_changes::hamlet_seq(&db, hamlet).await.unwrap() > seq);
}

#[tokio::test]
async fn a_failed_apply_writes_nothing() {
    for url in backends().await {
        all_or_nothing_case(url).await;
    }
}

async fn members_case(url: String) {
    let db = demo_db(&url).await;
    let commune = commune(&db).await;
    let existing: (String,) = db
        .fetch_one(
            "SELECT m.full_name FROM members m JOIN teams t ON t.id = m.team_id JOIN areas a ON a.id = t.area_id \
             WHERE a.code = 'rach-kien-ap-03' AND m.active = 1 ORDER BY m.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    use C::*;
    let file = workbook(&[
        vec![
            T("Họ và tên"),
            T("Ấp"),
            T("Chức danh"),
            T("Đơn vị"),
            T("Số điện thoại"),
        ],
        vec![
            T("Trương Thị Mới"),
            T("Ấp 3"),
            T("Tổ viên"),
            T("Đoàn Thanh niên"),
            N(987111222.0),
        ],
        vec![S(existing.0.clone()), T("ấp 03"), E, E, T("0987 333 444")],
        vec![T("Lý Văn Sai"), T("Ấp 3"), T("Bí thư"), E, E],
    ]);
    let plan = db::imports::prepare_members(&db, commune, "to.xlsx", &file)
        .await
        .unwrap();
    use congdongso::import::members::MemberAction;
    assert_eq!(plan.count(|a| *a == MemberAction::Add), 1);
    assert_eq!(plan.count(|a| matches!(a, MemberAction::Update(_))), 1);
    assert_eq!(plan.rejected.len(), 1);
    assert_eq!(plan.rejected[0].line, 4);
    let src = db::imports::Source {
        commune_id: commune,
        account_id: None,
        file_name: "to.xlsx",
    };
    let applied = db::imports::apply_members(&db, &src, &plan).await.unwrap();
    assert_eq!((applied.added, applied.updated), (1, 1));
    let phone: (Option<String>, String) = db
        .fetch_one(
            "SELECT phone, affiliation FROM members WHERE full_name = 'Trương Thị Mới'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(phone, (Some("0987111222".into()), "youth_union".into()));
    let again = db::imports::prepare_members(&db, commune, "to.xlsx", &file)
        .await
        .unwrap();
    assert_eq!(again.count(|a| matches!(a, MemberAction::Unchanged(_))), 2);
}

#[tokio::test]
async fn member_lists_import_and_reimport_unchanged() {
    for url in backends().await {
        members_case(url).await;
    }
}

/// The page: template download, upload, preview, confirm, by the commune admin only.
async fn page_case(url: String) {
    let db = demo_db(&url).await;
    let target = someone_to_update(&db).await;
    let app = app(db.clone());
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let page = admin.get("/import").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tải tệp mẫu"));
    let tpl = admin.get("/import/template.xlsx").await;
    assert_eq!(tpl.status, 200);
    assert!(tpl.bytes.starts_with(b"PK"));
    let mut head = Client::login(app.clone(), "truongap03").await;
    assert_eq!(head.get("/import").await.status, 403);

    let r = admin
        .post_bytes("/import/residents?name=ap3.xlsx", messy_file(&target))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.headers["location"].to_str().unwrap().to_string();
    // `wait=1` answers once the job has finished (the page itself refreshes while it runs).
    let preview = admin.get(&format!("{job}?wait=1")).await;
    assert!(
        preview.body.contains("id=\"import-preview\""),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("Thêm mới: <strong>4</strong>"),
        "{}",
        preview.body
    );
    assert!(
        preview
            .body
            .contains("<td class=\"num\">6</td><td>so cccd</td>"),
        "{}",
        preview.body
    );
    // A page with a confirmation, CSRF-protected.
    let r = admin.post_raw_form(&format!("{job}/apply"), &[]).await;
    assert_eq!(r.status, 403);
    let before = residents_in(&db, "rach-kien-ap-03").await;
    let r = admin.post_form(&format!("{job}/apply"), &[]).await;
    assert_eq!(r.status, 303);
    let done = admin.get(&format!("{job}?wait=1")).await;
    assert!(done.body.contains("Đã nhập"), "{}", done.body);
    assert_eq!(residents_in(&db, "rach-kien-ap-03").await, before + 4);
}

#[tokio::test]
async fn the_import_page_previews_then_applies() {
    for url in backends().await {
        page_case(url).await;
    }
}

/// The API for scripts: preview with `dry_run=true`, else applied in the same call.
async fn api_case(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let csv = "Họ và tên;Ấp;Ngày sinh;Số điện thoại\nĐinh Văn Máy;Ấp 3;1980;0168 123 4567\nAi Đó;Ấp 42;;\n"
        .as_bytes()
        .to_vec();
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_bytes("/api/v1/imports/residents?name=a.csv", csv.clone())
        .await;
    assert_eq!(r.status, 403);
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let before = residents_in(&db, "rach-kien-ap-03").await;
    let r = admin
        .post_bytes(
            "/api/v1/imports/residents?name=a.csv&dry_run=true",
            csv.clone(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(
        (j["applied"].as_bool(), j["added"].as_i64()),
        (Some(false), Some(1))
    );
    assert_eq!(j["rejected"][0]["line"], 3);
    assert_eq!(j["rejected"][0]["column"], "Ấp");
    assert_eq!(residents_in(&db, "rach-kien-ap-03").await, before);
    let j = admin
        .post_bytes("/api/v1/imports/residents?name=a.csv", csv.clone())
        .await
        .json();
    assert_eq!(
        (j["applied"].as_bool(), j["added"].as_i64()),
        (Some(true), Some(1))
    );
    assert_eq!(residents_in(&db, "rach-kien-ap-03").await, before + 1);
    // The planner's statistics describe the table as the import left it.
    let (all,): (i64,) = db
        .fetch_one("SELECT COUNT(*) FROM residents", &[])
        .await
        .unwrap();
    assert_eq!(common::planner_rows(&db, "residents").await, all);
    let phone: (Option<String>,) = db
        .fetch_one(
            "SELECT phone FROM residents WHERE full_name = 'Đinh Văn Máy'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(phone.0.as_deref(), Some("0381234567"));
    let j = admin
        .post_bytes("/api/v1/imports/residents?name=a.csv", csv)
        .await
        .json();
    assert_eq!(
        (j["applied"].as_bool(), j["unchanged"].as_i64()),
        (Some(false), Some(1))
    );
    // The same person with a citizen ID now: the update fills it in.
    let with_id = "Họ và tên;Ấp;Ngày sinh;Số CCCD\nĐinh Văn Máy;Ấp 3;1980;072080000321\n"
        .as_bytes()
        .to_vec();
    let j = admin
        .post_bytes("/api/v1/imports/residents?name=a.csv", with_id)
        .await
        .json();
    assert_eq!(
        (j["applied"].as_bool(), j["updated"].as_i64()),
        (Some(true), Some(1)),
        "{j}"
    );
    let (masked,): (Option<String>,) = db
        .fetch_one(
            "SELECT cccd_masked FROM residents WHERE full_name = 'Đinh Văn Máy'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(masked.as_deref(), Some("0xx•••••••21"));
    let r = admin
        .post_bytes(
            "/api/v1/imports/residents?name=a.csv",
            b"x,y\n1,2\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].as_str().unwrap().contains("Họ và tên"));
}

#[tokio::test]
async fn scripts_import_through_the_api() {
    for url in backends().await {
        api_case(url).await;
    }
}

/// A list of thousands of rows takes the bulk path (the commune's counts recomputed at once):
/// the indicators move by exactly what the rows add.
/// 3,001 residents of Ấp 5 in 1,001 new households, every other one with VNeID; with
/// `smartphones`, every one marked as having a smartphone.
fn bulk_csv(smartphones: bool) -> Vec<u8> {
    let mut csv = String::from("Mã hộ,Ấp,Họ và tên,Ngày sinh,VNeID mức 2");
    csv.push_str(if smartphones {
        ",Điện thoại thông minh\n"
    } else {
        "\n"
    });
    for i in 0..3001 {
        csv.push_str(&format!(
            "BULK-{:04},Ấp 5,Người Số {},{}/01/1970,{}{}\n",
            i / 3,
            ["Một", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy"][i % 7],
            i % 28 + 1,
            if i % 2 == 0 { "x" } else { "" },
            if smartphones { ",x" } else { "" }
        ));
    }
    csv.into_bytes()
}

/// Something that grows when the residents table is analysed: PostgreSQL's count of
/// `ANALYZE` runs on it; on SQLite its rows of `sqlite_stat1`, forgotten first when `forget`.
async fn residents_statistics(db: &Db, forget: bool) -> i64 {
    if db.backend == congdongso::db::Backend::Postgres {
        return db
            .scalar_i64(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'residents'",
                &[],
            )
            .await
            .unwrap();
    }
    if forget {
        db.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'residents'", &[])
            .await
            .unwrap();
    }
    db.scalar_i64(
        "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'residents'",
        &[],
    )
    .await
    .unwrap()
}

async fn bulk_case(url: String) {
    let db = demo_db(&url).await;
    let k = keys();
    let commune = commune(&db).await;
    let area = db::areas::by_code(&db, "rach-kien-ap-05")
        .await
        .unwrap()
        .unwrap();
    let period = congdongso::indicators::Period::parse("2026").unwrap();
    let vneid = |figs: Vec<congdongso::indicators::catalog::Figure>| {
        let f = figs.into_iter().find(|f| f.code == "adults_vneid").unwrap();
        (f.numerator, f.denominator.unwrap_or(0))
    };
    let before = vneid(db::indicators::figures(&db, &area, &period).await.unwrap());
    let p =
        db::imports::prepare_residents(&db, &k, commune, "bulk.csv", bulk_csv(false), "2026-12-01")
            .await
            .unwrap();
    assert_eq!(p.plan.rejected.len(), 0, "{:?}", p.plan.rejected.first());
    let added = p.plan.adds() as i64;
    let with_vneid = p
        .plan
        .items
        .iter()
        .filter(|i| i.services_done.contains(&"vneid"))
        .count() as i64;
    let src = db::imports::Source {
        commune_id: commune,
        account_id: None,
        file_name: "bulk.csv",
    };
    let seq_before = db::field_changes::hamlet_seq(&db, area.id).await.unwrap();
    let analysed_before = residents_statistics(&db, true).await;
    let progress = std::sync::Mutex::new(Vec::new());
    db::imports::apply_residents(&db, &k, &src, p, &|d, t| {
        progress.lock().unwrap().push((d, t));
    })
    .await
    .unwrap();
    // The planner learns the new sizes at once, not when autovacuum next runs (if it does).
    assert!(
        residents_statistics(&db, false).await > analysed_before,
        "{url}: the import left the residents unanalysed"
    );
    let steps = progress.into_inner().unwrap();
    assert!(
        steps.len() >= 3 && steps.last() == Some(&(added as usize, added as usize)),
        "{steps:?}"
    );
    let after = vneid(db::indicators::figures(&db, &area, &period).await.unwrap());
    assert_eq!(after, (before.0 + with_vneid, before.1 + added));
    // Counted from what the import held, not read back: the same counts and sources as a
    // rebuild of the commune from scratch.
    type Source = (String, i64, i64, i64, Option<i64>, String);
    let kept = async || {
        let counts: Vec<(i64, String, i64, i64)> = db
            .fetch_all(
                "SELECT area_id, metric, month, n FROM indicator_counts WHERE n <> 0 \
                 ORDER BY area_id, metric, month",
                &[],
            )
            .await
            .unwrap();
        let sources: Vec<Source> = db
            .fetch_all(
                "SELECT kind, entity_id, commune_id, hamlet_id, parent_id, steps \
                 FROM indicator_sources ORDER BY kind, entity_id",
                &[],
            )
            .await
            .unwrap();
        (counts, sources)
    };
    let imported = kept().await;
    let mut tx = db.begin_write().await.unwrap();
    db::indicator_sources::rebuild_commune(&mut tx, commune)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let rebuilt = kept().await;
    assert_eq!(imported.0, rebuilt.0, "counts");
    let differs: Vec<_> = imported
        .1
        .iter()
        .zip(rebuilt.1.iter())
        .filter(|(a, b)| a != b)
        .take(3)
        .collect();
    assert!(
        differs.is_empty() && imported.1.len() == rebuilt.1.len(),
        "sources differ from a rebuild's ({} against {}): {differs:?}",
        imported.1.len(),
        rebuilt.1.len()
    );

    // The phones learn of every new household through one change number for the whole import
    // (the triggers held off, the households stamped once at the end)…
    let seq = db::field_changes::hamlet_seq(&db, area.id).await.unwrap();
    assert_eq!(
        seq,
        seq_before + 1,
        "one stamp for the import, not one a row"
    );
    let mut changed = db::field_changes::changed_since(&db, area.id, seq_before, seq)
        .await
        .unwrap();
    changed.sort_unstable();
    let bulk: Vec<(i64,)> = db
        .fetch_all(
            "SELECT id FROM households WHERE code LIKE 'BULK-%' ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(bulk.len(), 1001);
    assert_eq!(changed, bulk.iter().map(|(id,)| *id).collect::<Vec<_>>());
    // …and the triggers are back for the next write.
    db.execute(
        "UPDATE residents SET notes = 'sau khi nhập' WHERE household_id = $1",
        &[bulk[0].0.into()],
    )
    .await
    .unwrap();
    assert!(db::field_changes::hamlet_seq(&db, area.id).await.unwrap() > seq);
    let again = db::field_changes::changed_since(&db, area.id, seq, i64::MAX)
        .await
        .unwrap();
    assert_eq!(again, vec![bulk[0].0]);

    // Thousands of stored residents changed at once take the rebuild: every one of them now
    // has a smartphone.
    let p =
        db::imports::prepare_residents(&db, &k, commune, "bulk.csv", bulk_csv(true), "2026-12-01")
            .await
            .unwrap();
    assert_eq!((p.plan.adds(), p.plan.updates()), (0, 3001));
    db::imports::apply_residents(&db, &k, &src, p, &|_, _| {})
        .await
        .unwrap();
    let phones = db
        .scalar_i64(
            "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id \
             WHERE h.code LIKE 'BULK-%' AND r.has_smartphone = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(phones, 3001);
    assert_eq!(
        vneid(db::indicators::figures(&db, &area, &period).await.unwrap()),
        after
    );
}

#[tokio::test]
async fn thousands_of_new_rows_are_counted_as_written_and_changes_rebuilt() {
    for url in backends().await {
        bulk_case(url).await;
    }
}

/// A second upload replaces the account's waiting preview; another account's stays.
async fn one_preview_case(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let csv = || "Họ và tên,Ấp\nNgười Chờ,Ấp 3\n".as_bytes().to_vec();
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let first = admin
        .post_bytes("/import/residents?name=a.csv", csv())
        .await;
    let first = first.headers["location"].to_str().unwrap().to_string();
    assert_eq!(admin.get(&format!("{first}?wait=1")).await.status, 200);
    let second = admin
        .post_bytes("/import/residents?name=b.csv", csv())
        .await;
    let second = second.headers["location"].to_str().unwrap().to_string();
    assert_eq!(admin.get(&format!("{second}?wait=1")).await.status, 200);
    assert_eq!(
        admin.get(&first).await.status,
        404,
        "replaced by the new upload"
    );
    // Someone else's preview is not theirs to see.
    let mut other = Client::login(app.clone(), "kinhte").await;
    assert!(matches!(
        other.get(&second).await.status.as_u16(),
        403 | 404
    ));
}

#[tokio::test]
async fn one_waiting_preview_per_account() {
    for url in backends().await {
        one_preview_case(url).await;
    }
}

/// A preview applied after the commune's data changed is refused, not applied half-stale.
async fn stale_case(url: String) {
    let db = demo_db(&url).await;
    let k = keys();
    let commune = commune(&db).await;
    let src = db::imports::Source {
        commune_id: commune,
        account_id: None,
        file_name: "a.csv",
    };
    let both = "Họ và tên,Ấp,Ngày sinh\nCũ Văn Một,Ấp 3,1970\nCũ Văn Hai,Ấp 3,1971\n";
    let old = db::imports::prepare_residents(
        &db,
        &k,
        commune,
        "a.csv",
        both.as_bytes().to_vec(),
        "2026-12-01",
    )
    .await
    .unwrap();
    assert_eq!(old.plan.adds(), 2);
    let one = "Họ và tên,Ấp,Ngày sinh\nCũ Văn Một,Ấp 3,1970\n";
    let first = db::imports::prepare_residents(
        &db,
        &k,
        commune,
        "b.csv",
        one.as_bytes().to_vec(),
        "2026-12-01",
    )
    .await
    .unwrap();
    db::imports::apply_residents(&db, &k, &src, first, &|_, _| {})
        .await
        .unwrap();
    let before = residents_in(&db, "rach-kien-ap-03").await;
    let err = db::imports::apply_residents(&db, &k, &src, old, &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("đã thay đổi") || format!("{err:?}").contains("đã thay đổi"),
        "{err:?}"
    );
    assert_eq!(residents_in(&db, "rach-kien-ap-03").await, before);
}

#[tokio::test]
async fn a_stale_preview_is_refused() {
    for url in backends().await {
        stale_case(url).await;
    }
}

/// Batched resident updates write only over the version read; a stale one writes nothing.
async fn versioned_update_case(url: String) {
    use congdongso::db::Param;
    let db = demo_db(&url).await;
    let (id, version, household, hamlet): (i64, i64, i64, i64) = db
        .fetch_one(
            "SELECT id, version, household_id, hamlet_id FROM residents WHERE cccd_hash IS NOT NULL \
             ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let row = |version: i64, name: &str| -> Vec<Param> {
        vec![
            id.into(),
            version.into(),
            household.into(),
            hamlet.into(),
            name.into(),
            congdongso::text::fold(name).into(),
            congdongso::text::sort_key(name).into(),
            Param::NullText,
            Some(1980i64).into(),
            Param::NullText,
            Param::NullText,
            Param::NullText,
            Param::NullInt,
            Param::NullText,
            Param::NullText,
            Param::NullText,
            Param::NullText,
        ]
    };
    let mut tx = db.pool.begin().await.unwrap();
    let stale =
        db::imports::update_residents(&mut tx, &mut vec![row(version - 1, "Cũ Quá")], 1).await;
    assert!(stale.is_err());
    drop(tx);
    let name: (String,) = db
        .fetch_one(
            "SELECT full_name FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_ne!(name.0, "Cũ Quá");
    let mut tx = db.pool.begin().await.unwrap();
    db::imports::update_residents(&mut tx, &mut vec![row(version, "Mới Đúng")], 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after: (String, i64, Option<i64>) = db
        .fetch_one(
            "SELECT full_name, version, birth_year FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(after, ("Mới Đúng".to_string(), version + 1, Some(1980)));
    let (kept,): (Option<String>,) = db
        .fetch_one(
            "SELECT cccd_masked FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert!(
        kept.is_some(),
        "no citizen ID in the update keeps the stored one"
    );
}

#[tokio::test]
async fn batched_updates_check_the_version() {
    for url in backends().await {
        versioned_update_case(url).await;
    }
}

/// Uploads are read one at a time per commune: while another file holds the commune's turn, a
/// new upload waits, and its page says how many files are ahead; then it is read.
async fn queue_case(url: String) {
    use congdongso::config::Settings;
    use congdongso::web::{self, AppState};
    use std::sync::Arc;
    let db = demo_db(&url).await;
    let state = Arc::new(AppState::new(
        db.clone(),
        common::keys(),
        Settings::for_tests("unused"),
    ));
    let app = web::router(state.clone());
    let commune = db::areas::by_code(&db, "rach-kien")
        .await
        .unwrap()
        .unwrap()
        .id;
    // Another file of the commune being read: it holds the turn.
    let turns = state.read_turns.of(commune);
    let reading = turns.wait(turns.ticket()).await.unwrap();
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let sent = admin
        .post_bytes(
            "/import/residents?name=cho.csv",
            "Họ và tên,Ấp\nNgười Xếp Hàng,Ấp 3\n".as_bytes().to_vec(),
        )
        .await;
    let job = sent.headers["location"].to_str().unwrap().to_string();
    let waiting = admin.get(&job).await;
    assert!(
        waiting.body.contains("id=\"import-waiting\"") && waiting.body.contains("1 tệp khác"),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("http-equiv=\"refresh\""));
    // Its turn comes when the other file is done.
    drop(reading);
    let preview = admin.get(&format!("{job}?wait=1")).await;
    assert!(
        preview.body.contains("id=\"import-preview\""),
        "{}",
        preview.body
    );
}

#[tokio::test]
async fn uploads_wait_their_turn_per_commune() {
    for url in backends().await {
        queue_case(url).await;
    }
}

/// A list saved by LibreOffice as .xls and as .ods (what a commune PC may have) passes the
/// size checks made before reading and reads as the same .xlsx does: shared strings, dates,
/// numbers, Vietnamese text.
#[tokio::test]
async fn a_list_saved_as_xls_or_ods_reads_like_the_xlsx() {
    let has_soffice = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_soffice {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but soffice is missing (.ci/run installs LibreOffice)"
        );
        eprintln!("skipped: soffice is not installed");
        return;
    }
    let mut rows = vec![vec![
        C::T("Mã hộ"),
        C::T("Ấp"),
        C::T("Họ và tên"),
        C::T("Ngày sinh"),
        C::T("Số điện thoại"),
        C::T("VNeID mức 2"),
    ]];
    let surnames = ["Trần", "Nguyễn", "Lê", "Phạm"];
    let middles = ["Thị", "Văn", "Ngọc", "Minh", "Hữu"];
    let given = [
        "Ánh", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nguyệt", "Oanh",
        "Phúc", "Quân", "Sơn", "Tâm", "Uyên", "Vy", "Xuân", "Yến", "Đức",
    ];
    for i in 0..400u32 {
        let n = i as usize;
        rows.push(vec![
            C::S(format!("XL-{:04}", i / 4)),
            C::T("Ấp 3"),
            C::S(format!(
                "{} {} {}",
                surnames[n % 4],
                middles[(n / 4) % 5],
                given[n / 20]
            )),
            C::D(25569.0 + f64::from(i) * 17.0),
            C::S(format!("09{:08}", 12_345_000 + i)),
            C::T(if i % 2 == 0 { "Có" } else { "Không" }),
        ]);
    }
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("danh-sach.xlsx");
    std::fs::write(&xlsx, workbook(&rows)).unwrap();
    for format in ["xls", "ods"] {
        // A profile of its own, so runs in parallel do not lock one another's.
        let profile = format!(
            "-env:UserInstallation=file://{}/lo-profile",
            dir.path().display()
        );
        let out = std::process::Command::new("soffice")
            .args([
                profile.as_str(),
                "--headless",
                "--convert-to",
                format,
                "--outdir",
            ])
            .arg(dir.path())
            .arg(&xlsx)
            .output()
            .unwrap();
        assert!(
            out.status.success() && dir.path().join(format!("danh-sach.{format}")).exists(),
            "soffice to {format}: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let url = backends().await.remove(0);
    let db = demo_db(&url).await;
    let mut admin = Client::login(app(db), "vhxh").await;
    let mut seen = Vec::new();
    for format in ["xlsx", "xls", "ods"] {
        let bytes = std::fs::read(dir.path().join(format!("danh-sach.{format}"))).unwrap();
        let r = admin
            .post_bytes(
                &format!("/api/v1/imports/residents?name=danh-sach.{format}&dry_run=true"),
                bytes,
            )
            .await;
        assert_eq!(r.status, 200, "{format}: {}", r.body);
        let j = r.json();
        assert_eq!(j["added"], 400, "{format}: {}", r.body);
        assert_eq!(
            j["rejected"].as_array().unwrap().len(),
            0,
            "{format}: {}",
            r.body
        );
        seen.push((j["added"].clone(), j["new_households"].clone()));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
}
