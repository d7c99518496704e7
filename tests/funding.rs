//! Kinh phí (issue 19) on both databases: a month computed by hand equal to the list line by
//! line (two rates changing mid-year, a team that did not qualify, a member who left mid-month,
//! a called-out day with attendance), approved months frozen, the database refusing a second
//! payment, adjustments, the budget and `/api/v1/funding/summary` equal to the lines' sums,
//! the workflow through the pages, and who may do what.

mod common;
use axum::http::StatusCode;
use common::{Client, PASSWORD, app_on, backends, demo_db};
use congdongso::auth::Role;
use congdongso::db::Db;
use congdongso::db::funding::{self as store, NewSource};
use congdongso::funding::Rules;
use congdongso::indicators::period;

/// The commune the hand-computed case runs in: beside the demo commune, under its province.
struct Fixture {
    commune: i64,
    t1: i64,
    t2: i64,
    a: i64,
    b: i64,
    c: i64,
    s1: i64,
    s2: i64,
}

async fn exec(db: &Db, sql: &str) {
    db.execute(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn id_of(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn activity(db: &Db, f: &Fixture, team: i64, kind: &str, day: &str, present: &[i64]) -> i64 {
    let hamlet = id_of(db, &format!("SELECT area_id FROM teams WHERE id = {team}")).await;
    exec(
        db,
        &format!(
            "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, residents_reached, active, created_at) \
             VALUES ({}, {hamlet}, {team}, '{kind}', '{day}', 10, 1, 0)",
            f.commune
        ),
    )
    .await;
    let id = id_of(db, "SELECT MAX(id) FROM activities").await;
    for m in present {
        exec(
            db,
            &format!(
                "INSERT INTO activity_members (activity_id, member_id, commune_id) VALUES ({id}, {m}, {})",
                f.commune
            ),
        )
        .await;
    }
    id
}

async fn member(
    db: &Db,
    commune: i64,
    team: i64,
    name: &str,
    joined: &str,
    left: Option<&str>,
) -> i64 {
    let (left_sql, active) = match left {
        Some(d) => (format!("'{d}'"), 0),
        None => ("NULL".to_string(), 1),
    };
    exec(
        db,
        &format!(
            "INSERT INTO members (commune_id, team_id, full_name, search_text, sort_key, position, affiliation, \
             joined_on, left_on, active, created_at, updated_at) \
             VALUES ({commune}, {team}, '{name}', '{name}', '{name}', 'member', 'youth_union', '{joined}', {left_sql}, {active}, 0, 0)"
        ),
    )
    .await;
    id_of(db, "SELECT MAX(id) FROM members").await
}

async fn fixture(db: &Db) -> Fixture {
    let province = id_of(db, "SELECT id FROM areas WHERE code = 'tay-ninh'").await;
    exec(
        db,
        &format!(
            "INSERT INTO areas (code, name, level, parent_id, sort_order, active, created_at, updated_at) \
             VALUES ('xa-thu', 'Xã Thử', 'commune', {province}, 9, 1, 0, 0)"
        ),
    )
    .await;
    let commune = id_of(db, "SELECT id FROM areas WHERE code = 'xa-thu'").await;
    exec(
        db,
        &format!("UPDATE areas SET commune_id = id WHERE id = {commune}"),
    )
    .await;
    let mut hamlets = vec![];
    for n in 1..=2 {
        exec(
            db,
            &format!(
                "INSERT INTO areas (code, name, level, parent_id, commune_id, sort_order, active, created_at, updated_at) \
                 VALUES ('xa-thu-ap-{n}', 'Ấp Thử {n}', 'hamlet', {commune}, {commune}, {n}, 1, 0, 0)"
            ),
        )
        .await;
        hamlets.push(
            id_of(
                db,
                &format!("SELECT id FROM areas WHERE code = 'xa-thu-ap-{n}'"),
            )
            .await,
        );
    }
    let mut teams = vec![];
    for (n, h) in hamlets.iter().enumerate() {
        exec(
            db,
            &format!(
                "INSERT INTO teams (commune_id, area_id, kind, name, active, created_at, updated_at, founded_on) \
                 VALUES ({commune}, {h}, 'hamlet', 'Tổ CNSCĐ ấp Thử {}', 1, 1767225600, 0, '2025-10-01')",
                n + 1
            ),
        )
        .await;
        teams.push(id_of(db, "SELECT MAX(id) FROM teams").await);
    }
    let (t1, t2) = (teams[0], teams[1]);
    let a = member(db, commune, t1, "Nguyễn Văn An", "2025-10-01", None).await;
    let b = member(
        db,
        commune,
        t1,
        "Trần Thị Bình",
        "2025-10-01",
        Some("2026-07-15"),
    )
    .await;
    let c = member(db, commune, t2, "Lê Văn Cường", "2026-07-20", None).await;
    let mut tx = db.begin_write().await.unwrap();
    let s1 = store::add_source(
        &mut tx,
        commune,
        &NewSource {
            kind: "province",
            name: "NQ 27/2023/NQ-HĐND",
            doc_number: Some("27/2023/NQ-HĐND"),
            doc_date: Some("2023-07-01"),
            cap_percent: None,
        },
    )
    .await
    .unwrap();
    let s2 = store::add_source(
        &mut tx,
        commune,
        &NewSource {
            kind: "commune",
            name: "Ngân sách xã",
            doc_number: None,
            doc_date: None,
            cap_percent: Some(200),
        },
    )
    .await
    .unwrap();
    store::set_allotment(&mut tx, s1, 2026, 3_000_000)
        .await
        .unwrap();
    store::set_allotment(&mut tx, s2, 2026, 1_000_000)
        .await
        .unwrap();
    store::set_rules(
        &mut tx,
        commune,
        &Rules {
            team_needs_minimum: true,
            ..Rules::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let m = |s: &str| period::month_of_date(s).unwrap();
    for (source, kind, amount, from) in [
        (s1, "team_month", 300_000, "2026-01"),
        (s1, "member_month", 60_000, "2026-01"),
        (s1, "person_day", 150_000, "2026-01"),
        (s2, "team_month", 100_000, "2026-01"),
        // Both change at mid-year.
        (s1, "team_month", 600_000, "2026-07"),
        (s2, "team_month", 200_000, "2026-07"),
    ] {
        let mut tx = db.begin_write().await.unwrap();
        store::add_rate(db, &mut tx, commune, (source, kind, amount, m(from)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let f = Fixture {
        commune,
        t1,
        t2,
        a,
        b,
        c,
        s1,
        s2,
    };
    // June: team 1 meets the minimum of 4, team 2 holds nothing.
    for d in ["2026-06-03", "2026-06-10", "2026-06-17", "2026-06-24"] {
        activity(db, &f, t1, "door_to_door", d, &[a]).await;
    }
    // July: team 1 five activities, one a call-out (ra quân) with A and B present; team 2 only two.
    activity(db, &f, t1, "campaign", "2026-07-05", &[a, b]).await;
    for d in ["2026-07-06", "2026-07-13", "2026-07-20", "2026-07-27"] {
        activity(db, &f, t1, "door_to_door", d, &[a]).await;
    }
    for d in ["2026-07-21", "2026-07-28"] {
        activity(db, &f, t2, "door_to_door", d, &[c]).await;
    }
    f
}

/// A line as compared: kind, team, member, month, day, source, amount.
type Key = (String, i64, Option<i64>, String, Option<String>, i64, i64);

async fn lines_of(db: &Db, commune: i64, month: &str) -> Vec<Key> {
    let m = period::month_of_date(month).unwrap();
    let list = store::list(db, commune, m).await.unwrap().expect("a list");
    let mut v: Vec<Key> = store::lines(db, list.id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                l.kind,
                l.team_id,
                l.member_id,
                l.month,
                l.day,
                l.source_id,
                l.amount,
            )
        })
        .collect();
    v.sort();
    v
}

async fn prepare(db: &Db, commune: i64, month: &str) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = store::prepare(
        db,
        &mut tx,
        commune,
        period::month_of_date(month).unwrap(),
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn approve(db: &Db, commune: i64, id: i64) -> congdongso::error::Result<()> {
    let mut tx = db.begin_write().await?;
    store::approve(&mut tx, commune, id, 0).await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn k(
    kind: &str,
    team: i64,
    member: Option<i64>,
    month: &str,
    day: Option<&str>,
    source: i64,
    amount: i64,
) -> Key {
    (
        kind.into(),
        team,
        member,
        month.into(),
        day.map(str::to_string),
        source,
        amount,
    )
}

async fn hand_computed_months(url: String) {
    let db = demo_db(&url).await;
    let f = fixture(&db).await;
    let june = prepare(&db, f.commune, "2026-06").await;
    let mut want = vec![
        k("team_month", f.t1, None, "2026-06", None, f.s1, 300_000),
        k("team_month", f.t1, None, "2026-06", None, f.s2, 100_000),
        k(
            "member_month",
            f.t1,
            Some(f.a),
            "2026-06",
            None,
            f.s1,
            60_000,
        ),
        k(
            "member_month",
            f.t1,
            Some(f.b),
            "2026-06",
            None,
            f.s1,
            60_000,
        ),
    ];
    want.sort();
    assert_eq!(
        lines_of(&db, f.commune, "2026-06").await,
        want,
        "June, by hand"
    );
    approve(&db, f.commune, june).await.unwrap();

    let july = prepare(&db, f.commune, "2026-07").await;
    let mut want = vec![
        // The new rates from July; team 2 held 2 activities, under the minimum of 4: not paid.
        k("team_month", f.t1, None, "2026-07", None, f.s1, 600_000),
        k("team_month", f.t1, None, "2026-07", None, f.s2, 200_000),
        // B left on 15 July: paid for July; C joined on 20 July: paid for July.
        k(
            "member_month",
            f.t1,
            Some(f.a),
            "2026-07",
            None,
            f.s1,
            60_000,
        ),
        k(
            "member_month",
            f.t1,
            Some(f.b),
            "2026-07",
            None,
            f.s1,
            60_000,
        ),
        k(
            "member_month",
            f.t2,
            Some(f.c),
            "2026-07",
            None,
            f.s1,
            60_000,
        ),
        // The ra quân of 5 July, A and B present.
        k(
            "person_day",
            f.t1,
            Some(f.a),
            "2026-07",
            Some("2026-07-05"),
            f.s1,
            150_000,
        ),
        k(
            "person_day",
            f.t1,
            Some(f.b),
            "2026-07",
            Some("2026-07-05"),
            f.s1,
            150_000,
        ),
    ];
    want.sort();
    let got = lines_of(&db, f.commune, "2026-07").await;
    assert_eq!(got, want, "July, by hand");
    assert_eq!(got.iter().map(|l| l.6).sum::<i64>(), 1_280_000);
    approve(&db, f.commune, july).await.unwrap();

    // Approved months are frozen: activities and rates change, July's list does not.
    let before = lines_of(&db, f.commune, "2026-07").await;
    exec(
        &db,
        &format!(
            "UPDATE activities SET active = 0 WHERE team_id = {} AND kind = 'campaign'",
            f.t1
        ),
    )
    .await;
    let mut tx = db.begin_write().await.unwrap();
    let refused = store::add_rate(
        &db,
        &mut tx,
        f.commune,
        (
            f.s1,
            "team_month",
            900_000,
            period::month_of_date("2026-07").unwrap(),
        ),
    )
    .await;
    assert!(refused.is_err(), "an approved month is never repriced");
    store::add_rate(
        &db,
        &mut tx,
        f.commune,
        (
            f.s1,
            "team_month",
            900_000,
            period::month_of_date("2026-08").unwrap(),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        lines_of(&db, f.commune, "2026-07").await,
        before,
        "July unchanged"
    );
    let mut tx = db.begin_write().await.unwrap();
    let again = store::prepare(
        &db,
        &mut tx,
        f.commune,
        period::month_of_date("2026-07").unwrap(),
        0,
    )
    .await;
    assert!(again.is_err(), "an approved list is not prepared again");
    drop(tx);

    // A call-out recorded late (C present on 25 July) is caught up in August's list, once.
    activity(&db, &f, f.t2, "dx_day", "2026-07-25", &[f.c]).await;
    let august = prepare(&db, f.commune, "2026-08").await;
    let aug = lines_of(&db, f.commune, "2026-08").await;
    assert!(
        aug.contains(&k(
            "person_day",
            f.t2,
            Some(f.c),
            "2026-07",
            Some("2026-07-25"),
            f.s1,
            150_000
        )),
        "{aug:?}"
    );
    assert!(
        !aug.iter().any(|l| l.3 == "2026-07" && l.0 != "person_day"),
        "July's paid lines are not paid again: {aug:?}"
    );
    // August: the new province rate of 900,000 for team 1? It held no activity in August.
    assert!(!aug.iter().any(|l| l.0 == "team_month"), "{aug:?}");

    // An adjustment: take back B's July allowance paid in error, then approve.
    let mut tx = db.begin_write().await.unwrap();
    store::add_adjustment(
        &db,
        &mut tx,
        f.commune,
        august,
        &store::Adjustment {
            team_id: f.t1,
            member_id: Some(f.b),
            month: period::month_of_date("2026-07").unwrap(),
            source_id: f.s1,
            amount: -60_000,
            reason: "Đã nghỉ từ giữa tháng, thu hồi",
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let aug = lines_of(&db, f.commune, "2026-08").await;
    assert!(aug.contains(&k(
        "adjustment",
        f.t1,
        Some(f.b),
        "2026-07",
        None,
        f.s1,
        -60_000
    )));

    // The database refuses the same line twice among approved lists, whatever the code does.
    let key: String = db
        .fetch_one::<(String,)>(
            &format!("SELECT pay_key FROM payment_lines WHERE list_id = {june} AND kind = 'team_month' AND source_id = {}", f.s1),
            &[],
        )
        .await
        .unwrap()
        .0;
    let dup = db
        .execute(
            &format!(
                "INSERT INTO payment_lines (list_id, commune_id, kind, team_id, team_name, month, source_id, amount, basis, pay_key, frozen) \
                 VALUES ({august}, {}, 'team_month', {}, 'x', '2026-06', {}, 300000, 'x', '{key}', 1)",
                f.commune, f.t1, f.s1
            ),
            &[],
        )
        .await;
    assert!(
        dup.is_err(),
        "a second approved payment of the same line is refused by the database"
    );
    // Slipped into a draft, it stops the approval of the whole list.
    exec(
        &db,
        &format!(
            "INSERT INTO payment_lines (list_id, commune_id, kind, team_id, team_name, month, source_id, amount, basis, pay_key, frozen) \
             VALUES ({august}, {}, 'team_month', {}, 'x', '2026-06', {}, 300000, 'x', '{key}', 0)",
            f.commune, f.t1, f.s1
        ),
    )
    .await;
    let refused = approve(&db, f.commune, august).await;
    assert!(
        refused.is_err(),
        "approving a list with a line already paid is refused"
    );
    let status: (String,) = db
        .fetch_one(
            &format!("SELECT status FROM payment_lists WHERE id = {august}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(status.0, "draft");
    exec(
        &db,
        &format!("DELETE FROM payment_lines WHERE list_id = {august} AND pay_key = '{key}'"),
    )
    .await;
    approve(&db, f.commune, august).await.unwrap();

    // The budget equals the sums of the lines, through the API.
    let mut tx = db.begin_write().await.unwrap();
    store::mark_paid(&mut tx, f.commune, june, ("2026-07-10", "cash", "PC-01"))
        .await
        .unwrap();
    store::add_expense(
        &db,
        &mut tx,
        f.commune,
        0,
        store::NewExpense {
            source_id: f.s1,
            spent_on: "2026-07-30",
            kind: "water",
            amount: 250_000,
            voucher_no: Some("PC-02"),
            description: "Nước uống buổi ra quân",
            voucher: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let sum = |rows: &[Key], source: i64| {
        rows.iter()
            .filter(|l| l.5 == source)
            .map(|l| l.6)
            .sum::<i64>()
    };
    let (jun, jul, aug) = (
        lines_of(&db, f.commune, "2026-06").await,
        lines_of(&db, f.commune, "2026-07").await,
        lines_of(&db, f.commune, "2026-08").await,
    );
    let approved_s1 = sum(&jun, f.s1) + sum(&jul, f.s1) + sum(&aug, f.s1);
    let approved_s2 = sum(&jun, f.s2) + sum(&jul, f.s2) + sum(&aug, f.s2);
    let mut tx = db.begin_write().await.unwrap();
    congdongso::db::accounts::create(
        &db,
        &mut tx,
        "kinhtethu",
        &congdongso::auth::hash_password(PASSWORD).unwrap(),
        Role::Finance,
        "xa-thu",
        Some("Kế toán xã Thử"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let app = app_on(db.clone(), "2026-11-20");
    let mut finance = Client::login(app.clone(), "kinhtethu").await;
    let r = finance
        .get("/api/v1/funding/summary?area=xa-thu&year=2026")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let src = |name: &str| {
        j["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    let p = src("NQ 27/2023/NQ-HĐND");
    assert_eq!(p["allotted"], 3_000_000);
    assert_eq!(p["approved"], approved_s1);
    assert_eq!(p["paid"], sum(&jun, f.s1));
    assert_eq!(p["spent"], 250_000);
    assert_eq!(p["remaining"], 3_000_000 - approved_s1 - 250_000);
    assert_eq!(src("Ngân sách xã")["approved"], approved_s2);
    assert_eq!(j["approved"], approved_s1 + approved_s2);
    let r = finance
        .get("/api/v1/funding/payments?area=xa-thu&month=2026-07")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["status"], "approved");
    assert_eq!(j["total"], 1_280_000);
    assert_eq!(j["lines"].as_array().unwrap().len(), 7);
    assert!(
        j["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["member_name"] == "Trần Thị Bình")
    );
    // The settlement report of the year, as the command line writes it, read back from the
    // .docx and the .xlsx: the province source's row equals the API's figures.
    let dir = tempfile::tempdir().unwrap();
    let want = [
        3_000_000,
        approved_s1,
        sum(&jun, f.s1),
        250_000,
        3_000_000 - approved_s1 - 250_000,
    ];
    for format in ["docx", "xlsx"] {
        let out = dir.path().join(format!("quyet-toan.{format}"));
        let run = common::bin()
            .args([
                "report",
                "settlement",
                "--area",
                "xa-thu",
                "--period",
                "2026",
            ])
            .args(["--format", format, "--output"])
            .arg(&out)
            .args(["--database-url", &url])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let bytes = std::fs::read(&out).unwrap();
        if format == "docx" {
            let p = congdongso::reports::docx::paragraphs_text(&bytes).unwrap();
            let i = p
                .iter()
                .position(|x| x == "NQ 27/2023/NQ-HĐND")
                .expect("the source's row");
            let got: Vec<String> = p[i + 1..i + 6].to_vec();
            let want: Vec<String> = want
                .iter()
                .map(|n| congdongso::text::format_int(*n))
                .collect();
            assert_eq!(got, want, "docx");
            assert!(p.iter().any(|x| x.contains(
                "Quyết toán kinh phí hỗ trợ hoạt động Tổ công nghệ số cộng đồng năm 2026"
            )));
        } else {
            use calamine::{Data, Reader};
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
            // One sheet per section: the source's row is in one of them.
            let sheets: Vec<_> = wb.worksheets().into_iter().map(|(_, r)| r).collect();
            let row: Vec<Data> = sheets
                .iter()
                .flat_map(|sh| sh.rows())
                .find(|r| {
                    r.iter()
                        .any(|c| matches!(c, Data::String(s) if s == "NQ 27/2023/NQ-HĐND"))
                })
                .expect("the source's row")
                .to_vec();
            let i = row
                .iter()
                .position(|c| matches!(c, Data::String(s) if s == "NQ 27/2023/NQ-HĐND"))
                .unwrap();
            let got: Vec<i64> = row[i + 1..i + 6]
                .iter()
                .map(|c| match c {
                    Data::Float(f) => *f as i64,
                    Data::Int(n) => *n,
                    other => panic!("not a number: {other:?}"),
                })
                .collect();
            assert_eq!(got, want.to_vec(), "xlsx");
        }
    }
    // July's list to be signed: every recipient's line, the total, a column for signatures.
    let out = dir.path().join("ky-nhan.docx");
    let run = common::bin()
        .args([
            "report", "payments", "--area", "xa-thu", "--period", "2026-07",
        ])
        .args(["--format", "docx", "--output"])
        .arg(&out)
        .args(["--database-url", &url])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = congdongso::reports::docx::paragraphs_text(&std::fs::read(&out).unwrap()).unwrap();
    assert!(text.iter().any(|x| x == "Ký nhận"), "{text:?}");
    assert!(
        text.iter()
            .any(|x| x == "Trần Thị Bình – Tổ CNSCĐ ấp Thử 1"),
        "{text:?}"
    );
    assert!(text.iter().any(|x| x == "1.280.000"), "{text:?}");
    // The page offers the same file.
    let r = finance
        .get("/funding/payments/2026-07/file?format=pdf")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"%PDF"));

    // A month's draft keeps its own items: the next month's list does not repeat them.
    activity(&db, &f, f.t2, "campaign", "2026-09-03", &[f.c]).await;
    prepare(&db, f.commune, "2026-09").await;
    prepare(&db, f.commune, "2026-10").await;
    let sep = lines_of(&db, f.commune, "2026-09").await;
    assert!(
        sep.contains(&k(
            "person_day",
            f.t2,
            Some(f.c),
            "2026-09",
            Some("2026-09-03"),
            f.s1,
            150_000
        )),
        "{sep:?}"
    );
    let oct = lines_of(&db, f.commune, "2026-10").await;
    assert!(
        !oct.iter().any(|l| l.3 == "2026-09"),
        "September's draft keeps its items: {oct:?}"
    );

    // A member who comes back joins again from today: the months away are not paid.
    let mut tx = db.begin_write().await.unwrap();
    congdongso::db::members::set_active(&mut tx, f.b, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (joined, left): (Option<String>, Option<String>) = db
        .fetch_one(
            &format!("SELECT joined_on, left_on FROM members WHERE id = {}", f.b),
            &[],
        )
        .await
        .unwrap();
    assert_eq!((joined, left), (Some(congdongso::db::today()), None));

    // Another commune's finance does not see this one.
    let mut other = Client::login(app.clone(), "kinhte").await;
    let r = other
        .get("/api/v1/funding/payments?area=xa-thu&month=2026-07")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_month_computed_by_hand_equals_the_list_and_approved_months_stay_frozen() {
    for url in backends().await {
        hand_computed_months(url).await;
    }
}

async fn workflow_and_roles(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), "2026-11-20");
    // The demo: past months paid, last month's waiting for payment or paid, this month's draft.
    let mut finance = Client::login(app.clone(), "kinhte").await;
    let r = finance.get("/api/v1/funding/payments?month=2026-10").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "paid");
    assert!(r.json()["total"].as_i64().unwrap() > 0);
    let r = finance.get("/api/v1/funding/payments?month=2026-11").await;
    assert_eq!(r.json()["status"], "draft", "{}", r.body);

    // Finance prepares November again on the page; the leader approves; finance marks it paid.
    let r = finance.get("/funding").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"budget\""));
    let r = finance
        .post_form("/funding/payments/2026-11/prepare", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // An adjustment to one member, from the page; a zero amount comes back with a message.
    let (team, member): (i64, i64) = db
        .fetch_one(
            "SELECT t.id, MIN(m.id) FROM teams t JOIN members m ON m.team_id = t.id \
             JOIN areas a ON a.id = t.area_id WHERE a.code = 'rach-kien-ap-01' GROUP BY t.id",
            &[],
        )
        .await
        .unwrap();
    let source = db
        .scalar_i64("SELECT MIN(id) FROM funding_sources", &[])
        .await
        .unwrap()
        .to_string();
    let (team, member) = (team.to_string(), member.to_string());
    let adjust = |amount: &'static str| {
        vec![
            ("team_id", team.clone()),
            ("member_id", member.clone()),
            ("source_id", source.clone()),
            ("for_month", "2026-10".to_string()),
            ("amount", amount.to_string()),
            ("reason", "Bổ sung ngày công ra quân bị sót".to_string()),
        ]
    };
    let form = adjust("0");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = finance
        .post_form("/funding/payments/2026-11/adjustments", &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("khác 0"), "{}", r.body);
    let form = adjust("50.000");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = finance
        .post_form("/funding/payments/2026-11/adjustments", &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = finance.get("/api/v1/funding/payments?month=2026-11").await;
    assert!(
        r.json()["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "adjustment" && l["amount"] == 50_000 && l["month"] == "2026-10"),
        "{}",
        r.body
    );
    let r = finance
        .post_form("/funding/payments/2026-11/approve", &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "finance does not approve");
    let mut leader = Client::login(app.clone(), "chutich").await;
    let r = leader
        .post_form("/funding/payments/2026-11/prepare", &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the leader does not prepare"
    );
    let r = leader.get("/funding/payments/2026-11").await;
    assert!(r.body.contains("id=\"approve-form\""), "{}", r.body);
    // The page carries what the leader read; the list as it stands now is what is approved.
    let hidden = |name: &str| {
        let at = r
            .body
            .find(&format!("name=\"{name}\" value=\""))
            .expect(name);
        let rest = &r.body[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    let (at, total, lines) = (
        hidden("seen_prepared_at"),
        hidden("seen_total"),
        hidden("seen_lines"),
    );
    let stale = leader
        .post_form(
            "/funding/payments/2026-11/approve",
            &[
                ("overrun_ok", "1"),
                ("seen_prepared_at", &at),
                ("seen_total", "1"),
                ("seen_lines", &lines),
            ],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a list changed since it was read"
    );
    assert!(stale.body.contains("xem lại"), "{}", stale.body);
    let seen = [
        ("overrun_ok", "1"),
        ("seen_prepared_at", at.as_str()),
        ("seen_total", total.as_str()),
        ("seen_lines", lines.as_str()),
    ];
    let r = leader
        .post_form("/funding/payments/2026-11/approve", &seen)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = leader
        .post_form("/funding/payments/2026-11/approve", &seen)
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approved once only"
    );
    let r = finance
        .post_form(
            "/funding/payments/2026-11/paid",
            &[
                ("paid_on", "20/11/2026"),
                ("method", "cash"),
                ("voucher_no", "PC-11/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = finance.get("/api/v1/funding/payments?month=2026-11").await;
    assert_eq!(r.json()["status"], "paid");
    assert_eq!(r.json()["voucher_no"], "PC-11/2026");
    let audited = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'payment_lists' AND action IN ('prepare', 'approve', 'mark_paid')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audited, 3, "every step audited");

    // The team's founding day is kept on the team's page (it is paid from that month).
    let team_id = team.clone();
    let r = admin_edit_team(&app, &team_id, "31/02/2026").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin_edit_team(&app, &team_id, "01/03/2025").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let founded = db
        .fetch_one::<(Option<String>,)>(
            &format!("SELECT founded_on FROM teams WHERE id = {team_id}"),
            &[],
        )
        .await
        .unwrap()
        .0;
    assert_eq!(founded.as_deref(), Some("2025-03-01"));

    // A hamlet head sees the team's own lines only; the province the totals only.
    let mut head = Client::login(app.clone(), "truongap01").await;
    let r = head.get("/api/v1/funding/payments?month=2026-11").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let teams: std::collections::BTreeSet<String> = r.json()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["team"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(teams.len(), 1, "one team: {teams:?}");
    let r = head.get("/api/v1/funding/summary").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut province = Client::login(app.clone(), "so").await;
    let r = province
        .get("/api/v1/funding/payments?area=rach-kien&month=2026-11")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["total"].as_i64().unwrap() > 0);
    assert_eq!(
        r.json()["lines"].as_array().unwrap().len(),
        0,
        "no lines, no names for the province"
    );
    let r = province.get("/api/v1/funding/summary?area=rach-kien").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = province.get("/funding").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The commune admin reads and changes nothing; a team member sees nothing.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    assert_eq!(
        admin.get("/funding/payments/2026-11").await.status,
        StatusCode::OK
    );
    let r = admin
        .post_form(
            "/funding/expenses",
            &[
                ("source_id", "1"),
                ("spent_on", "01/11/2026"),
                ("kind", "water"),
                ("amount", "1000"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut member = Client::login(app.clone(), "tovien01").await;
    assert_eq!(member.get("/funding").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        member.get("/api/v1/funding/summary").await.status,
        StatusCode::FORBIDDEN
    );

    // Expenses: a bad amount comes back with a message; a voucher is kept and read back.
    let src = db
        .scalar_i64("SELECT MIN(id) FROM funding_sources", &[])
        .await
        .unwrap()
        .to_string();
    let r = finance
        .post_form(
            "/funding/expenses",
            &[
                ("source_id", &src),
                ("spent_on", "02/11/2026"),
                ("kind", "printing"),
                ("amount", "ba trăm"),
                ("description", "In tờ rơi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không hợp lệ"));
    let r = finance
        .post_form(
            "/funding/expenses",
            &[
                ("source_id", &src),
                ("spent_on", "02/11/2026"),
                ("kind", "printing"),
                ("amount", "1.250.000"),
                ("description", "In tờ rơi mã QR"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = db
        .scalar_i64("SELECT MAX(id) FROM expenses", &[])
        .await
        .unwrap();
    let r = finance
        .post_bytes(
            &format!("/funding/expenses/{id}/voucher?name=phieu.txt"),
            b"not a scan".to_vec(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only PDF or images"
    );
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let r = finance
        .post_bytes(
            &format!("/funding/expenses/{id}/voucher?name=phieu.pdf"),
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin.get(&format!("/funding/expenses/{id}/voucher")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, pdf);
    let big = vec![0u8; congdongso_max_voucher() + 1];
    let r = finance
        .post_bytes(&format!("/funding/expenses/{id}/voucher?name=big.pdf"), big)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = finance.get("/funding/expenses?year=2026").await;
    assert!(r.body.contains("In tờ rơi mã QR"));
    // An expense entered by mistake leaves every list and sum.
    let commune = db
        .scalar_i64("SELECT id FROM areas WHERE code = 'rach-kien'", &[])
        .await
        .unwrap();
    let spent = |db: Db| async move {
        congdongso::db::funding::standing(&db, commune, 2026)
            .await
            .unwrap()
            .values()
            .map(|s| s.spent)
            .sum::<i64>()
    };
    let before = spent(db.clone()).await;
    let r = finance
        .post_form(&format!("/funding/expenses/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(spent(db.clone()).await, before - 1_250_000);
    let r = finance.get("/funding/expenses?year=2026").await;
    assert!(!r.body.contains("In tờ rơi mã QR"));
}

async fn admin_edit_team(app: &axum::Router, team: &str, founded: &str) -> common::Resp {
    let mut admin = Client::login(app.clone(), "vhxh").await;
    admin
        .post_form(
            &format!("/teams/{team}"),
            &[("name", "Tổ CNSCĐ Ấp 1"), ("founded_on", founded)],
        )
        .await
}

fn congdongso_max_voucher() -> usize {
    5 << 20
}

#[tokio::test]
async fn the_list_goes_from_finance_to_the_leader_and_back_and_each_role_sees_its_share() {
    for url in backends().await {
        workflow_and_roles(url).await;
    }
}
