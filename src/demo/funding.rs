//! The demo's money (issue 19): the province's resolution and a commune top-up, rates that
//! change at mid-year, the monthly payment lists of every past month prepared by finance,
//! approved by the chairman and paid, this month's list waiting for approval, and the year's
//! expenses. Written through the same functions as the Kinh phí pages.

use super::calendar::{Calendar, iso};
use crate::db::Db;
use crate::db::funding::{self as store, NewExpense, NewSource};
use crate::error::Result;
use crate::indicators::period;

/// A one-page scanned receipt stand-in: a valid, tiny PDF.
const RECEIPT_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 298 421]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

async fn account(db: &Db, username: &str) -> Result<i64> {
    db.scalar_i64(
        "SELECT COALESCE((SELECT id FROM accounts WHERE username = $1), 0)",
        &[username.into()],
    )
    .await
}

pub async fn write(db: &Db, commune: i64, cal: &Calendar) -> Result<()> {
    let finance = account(db, "kinhte").await?;
    let leader = account(db, "chutich").await?;
    let first = cal.first_month();
    let year = period::year_of(first);
    let mut tx = db.begin_write().await?;
    // The teams were set up the autumn before the demo's year (the plan's decision).
    crate::db::query("UPDATE teams SET founded_on = $1 WHERE commune_id = $2")
        .bind(format!("{}-10-15", year - 1))
        .bind(commune)
        .execute(&mut *tx)
        .await?;
    let province = store::add_source(
        &mut tx,
        commune,
        &NewSource {
            kind: "province",
            name: "Nghị quyết số 26/2025/NQ-HĐND của HĐND tỉnh",
            doc_number: Some("26/2025/NQ-HĐND"),
            doc_date: Some("2025-07-10"),
            cap_percent: None,
        },
    )
    .await?;
    let top_up = store::add_source(
        &mut tx,
        commune,
        &NewSource {
            kind: "commune",
            name: "Ngân sách xã bổ sung",
            doc_number: None,
            doc_date: None,
            cap_percent: Some(200),
        },
    )
    .await?;
    for y in cal.years() {
        store::set_allotment(&mut tx, province, y.into(), 90_000_000).await?;
        store::set_allotment(&mut tx, top_up, y.into(), 40_000_000).await?;
    }
    tx.commit().await?;
    let july = period::month(year, 7);
    let mut tx = db.begin_write().await?;
    for (source, kind, amount, from) in [
        (province, "team_month", 300_000, first),
        (province, "person_day", 50_000, first),
        (top_up, "team_month", 100_000, first),
        // From July the commune doubles its top-up, within twice the province's rate.
        (top_up, "team_month", 200_000, july.max(first)),
    ] {
        store::add_rate(db, &mut tx, commune, (source, kind, amount, from)).await?;
    }
    tx.commit().await?;

    // Every past month: prepared, approved, paid on the 10th of the next month by transfer.
    for m in cal.months() {
        let mut tx = db.begin_write().await?;
        let id = store::prepare(db, &mut tx, commune, m, finance).await?;
        tx.commit().await?;
        if m == cal.this_month() {
            break;
        }
        let mut tx = db.begin_write().await?;
        store::approve(&mut tx, commune, id, leader).await?;
        let paid_on = iso(Calendar::day_of(m + 1, 10));
        if Calendar::day_of(m + 1, 10) <= cal.today {
            let voucher = format!("UNC-{:02}/{}", period::month_number(m), period::year_of(m));
            store::mark_paid(&mut tx, commune, id, (&paid_on, "transfer", &voucher)).await?;
        }
        tx.commit().await?;
    }

    // Expenses: stationery and telecoms each quarter, water on call-out days, printing.
    let mut tx = db.begin_write().await?;
    let mut n = 0;
    for m in cal.months() {
        let day = Calendar::day_of(m, 5);
        if day > cal.today {
            continue;
        }
        let month = period::month_number(m);
        let items: Vec<(&str, i64, &str)> = match month % 3 {
            1 => vec![
                ("stationery", 850_000, "Giấy, bút, sổ ghi chép cho các tổ"),
                (
                    "telecoms",
                    1_200_000,
                    "Cước 3G/4G quý cho điện thoại của tổ trưởng",
                ),
            ],
            2 => vec![(
                "printing",
                1_500_000,
                "In tờ rơi hướng dẫn cài đặt ứng dụng, mã QR",
            )],
            _ => vec![("water", 600_000, "Nước uống buổi ra quân tại các ấp")],
        };
        for (kind, amount, description) in items {
            n += 1;
            let voucher = (n % 2 == 1).then(|| {
                (
                    "phieu-chi.pdf".to_string(),
                    "application/pdf",
                    RECEIPT_PDF.to_vec(),
                )
            });
            store::add_expense(
                db,
                &mut tx,
                commune,
                finance,
                NewExpense {
                    source_id: if kind == "telecoms" { top_up } else { province },
                    spent_on: &iso(day),
                    kind,
                    amount,
                    voucher_no: Some(&format!("PC-{n:03}")),
                    description,
                    voucher,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
