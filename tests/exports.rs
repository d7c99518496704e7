//! List exports read back: the caller's scope only, citizen IDs masked, phones full only in the
//! commune admin's files (PRODUCT.md §8: a file travels further than a screen), the same rows in
//! Excel and CSV.

mod common;
use axum::http::StatusCode;
use calamine::{Data, Reader};
use common::{Client, app, backends, demo_db};
use congdongso::db::Db;

fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    wb.worksheet_range(&name)
        .unwrap()
        .rows()
        .skip(3)
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn csv_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn count(db: &Db, sql: &str) -> usize {
    db.scalar_i64(sql, &[]).await.unwrap() as usize
}

async fn exports(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head.get("/residents/export?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = sheet_rows(r.bytes);
    let in_hamlet = count(
        &db,
        "SELECT COUNT(*) FROM residents r JOIN areas a ON a.id = r.hamlet_id \
         WHERE a.code = 'rach-kien-ap-03' AND r.active = 1",
    )
    .await;
    assert_eq!(rows.len(), in_hamlet, "the head's hamlet only");
    assert!(rows.iter().all(|r| r[1] == "Ấp 3"));
    assert!(
        rows.iter()
            .filter(|r| !r[5].is_empty())
            .all(|r| r[5].contains('•')),
        "citizen IDs masked"
    );
    assert!(
        rows.iter().any(|r| !r[6].is_empty())
            && rows
                .iter()
                .filter(|r| !r[6].is_empty())
                .all(|r| r[6].contains('•')),
        "phones masked in the hamlet head's file, even the own hamlet's"
    );
    let csv = head.get("/residents/export?format=csv").await;
    assert_eq!(
        csv.headers["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = csv_rows(csv.bytes);
    assert_eq!(csv.len(), rows.len(), "the same rows in CSV");
    assert_eq!(csv[0][2], rows[0][2]);
    // Another hamlet's list is out of scope.
    let r = head
        .get("/residents/export?area=rach-kien-ap-01&format=xlsx")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The commune sees every hamlet; a filter narrows it.
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let all = sheet_rows(vhxh.get("/residents/export").await.bytes);
    assert!(
        all.iter().any(|r| r[6].len() == 10 && !r[6].contains('•')),
        "the commune admin's file has phones in full"
    );
    // The commune leader's file is masked.
    let mut leader = Client::login(app.clone(), "chutich").await;
    let led = sheet_rows(leader.get("/residents/export").await.bytes);
    assert_eq!(led.len(), all.len());
    assert!(
        led.iter()
            .filter(|r| !r[6].is_empty())
            .all(|r| r[6].contains('•')),
        "phones masked in the commune leader's file"
    );
    // Everyone followed, but the demo's resident who withdrew their consent.
    assert_eq!(
        all.len(),
        count(
            &db,
            "SELECT COUNT(*) FROM residents WHERE active = 1 AND consent = 1"
        )
        .await
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM residents WHERE active = 1 AND consent = 0"
        )
        .await
            > 0,
        "the demo has someone who withdrew"
    );
    let ap1 = sheet_rows(
        vhxh.get("/residents/export?area=rach-kien-ap-01&format=xlsx")
            .await
            .bytes,
    );
    assert!(!ap1.is_empty() && ap1.iter().all(|r| r[1] == "Ấp 1"));
    let households = sheet_rows(vhxh.get("/households/export?format=xlsx").await.bytes);
    assert_eq!(
        households.len(),
        count(&db, "SELECT COUNT(*) FROM households WHERE active = 1").await
    );
    let may = sheet_rows(
        vhxh.get("/activities/export?month=2026-05&format=xlsx")
            .await
            .bytes,
    );
    assert_eq!(
        may.len(),
        count(
            &db,
            "SELECT COUNT(*) FROM activities WHERE active = 1 AND activity_date >= '2026-05-01' \
             AND activity_date <= '2026-05-31'"
        )
        .await
    );
    assert!(may.iter().all(|r| r[0].ends_with("/05/2026")), "{may:?}");
    // This month's automatic rounds waiting for confirmation are listed as not counted.
    let month = congdongso::db::today()[..7].to_string();
    let now = sheet_rows(
        vhxh.get(&format!("/activities/export?month={month}&format=xlsx"))
            .await
            .bytes,
    );
    let waiting = now
        .iter()
        .filter(|r| r.last().is_some_and(|c| c.starts_with("Chưa")))
        .count();
    assert_eq!(
        waiting,
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM activities WHERE active = 1 AND confirmed = 0 \
                 AND SUBSTR(activity_date, 1, 7) = '{month}'"
            )
        )
        .await
    );
    let head_may = sheet_rows(head.get("/activities/export?month=2026-05").await.bytes);
    assert!(head_may.iter().all(|r| r[1] == "Ấp 3"));
    // Members: the head's own team with full phones; the commune every team.
    let team_rows = sheet_rows(head.get("/members/export?format=xlsx").await.bytes);
    assert_eq!(
        team_rows.len(),
        count(
            &db,
            "SELECT COUNT(*) FROM members m JOIN teams t ON t.id = m.team_id \
             JOIN areas a ON a.id = t.area_id WHERE a.code = 'rach-kien-ap-03' AND m.active = 1"
        )
        .await
    );
    assert!(
        team_rows
            .iter()
            .filter(|r| !r[4].is_empty())
            .all(|r| r[4].contains('•')),
        "phones masked in the hamlet head's file"
    );
    let all_members = sheet_rows(vhxh.get("/members/export").await.bytes);
    assert!(
        all_members
            .iter()
            .any(|r| r[4].len() == 10 && !r[4].contains('•')),
        "the commune admin's file has phones in full"
    );
    assert_eq!(
        all_members.len(),
        count(&db, "SELECT COUNT(*) FROM members WHERE active = 1").await
    );
    // The head's work list as CSV, the same rows as the page's Excel.
    let xlsx_list = sheet_rows(
        head.get("/worklists/rach-kien-ap-03?list=unguided&format=xlsx")
            .await
            .bytes,
    );
    let csv_list = csv_rows(
        head.get("/worklists/rach-kien-ap-03?list=unguided&format=csv")
            .await
            .bytes,
    );
    assert_eq!(csv_list.len(), xlsx_list.len());
    assert!(!csv_list.is_empty());
    // Accounts without personal data get none.
    let mut so = Client::login(app.clone(), "so").await;
    assert_eq!(
        so.get("/residents/export").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vhxh.get("/residents/export?format=pdf").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn list_exports_keep_scope_and_masking() {
    for url in backends().await {
        exports(url).await;
    }
}
