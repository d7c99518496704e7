//! The consent register in the demo: the first residents of every hamlet gave their consent on
//! paper at the start of the year, and one resident of Ấp 16 withdrew it by phone ten days ago,
//! so a newcomer sees both on the residents' pages (and the withdrawn one absent from Ấp 16's
//! lists).

use super::calendar::{Calendar, iso};
use crate::db::Db;
use crate::db::consents::{self, NewConsent};
use crate::error::Result;

/// Residents per hamlet whose signed consent the demo records.
const SIGNED_PER_HAMLET: usize = 3;
/// The hamlet where someone withdrew (not one the tests' phones and lists lean on).
const WITHDRAWN_IN: usize = 16;

pub async fn write(db: &Db, commune_id: i64, cal: &Calendar) -> Result<()> {
    let today = cal.today_iso();
    let start_of_year = format!("{}-01-15", &today[..4]).min(today.clone());
    let withdrawn_on = iso(cal.today - chrono::Duration::days(10));
    let admin: Option<(i64,)> = db
        .fetch_optional("SELECT id FROM accounts WHERE username = 'vhxh'", &[])
        .await?;
    let admin = admin.map(|(id,)| id);
    // (resident, hamlet code, household head?) in hamlet order.
    let people: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT r.id, a.code, CASE WHEN h.head_name = r.full_name THEN 1 ELSE 0 END \
             FROM residents r JOIN areas a ON a.id = r.hamlet_id \
             JOIN households h ON h.id = r.household_id \
             WHERE r.commune_id = $1 AND r.active = 1 AND r.status = 'living' \
             ORDER BY a.sort_order, a.code, r.id",
            &[commune_id.into()],
        )
        .await?;
    let withdrawn_hamlet = super::hamlet_code(WITHDRAWN_IN);
    // The last resident of the hamlet who does not head a household withdraws.
    let withdrawn = people
        .iter()
        .rev()
        .find(|(_, code, head)| *code == withdrawn_hamlet && *head == 0)
        .map(|(id, _, _)| *id);
    let mut tx = db.begin_write().await?;
    let mut per_hamlet: std::collections::HashMap<&str, usize> = Default::default();
    for (id, code, _) in &people {
        let n = per_hamlet.entry(code.as_str()).or_default();
        if *n >= SIGNED_PER_HAMLET {
            continue;
        }
        *n += 1;
        consents::record(
            &mut tx,
            &NewConsent {
                commune_id,
                resident_id: *id,
                given: true,
                on_date: &start_of_year,
                method: "paper",
                note: Some("Phiếu đồng ý ký khi khảo sát đầu năm."),
                account_id: admin,
            },
        )
        .await?;
    }
    if let Some(id) = withdrawn {
        consents::record(
            &mut tx,
            &NewConsent {
                commune_id,
                resident_id: id,
                given: false,
                on_date: &withdrawn_on,
                method: "phone",
                note: Some("Gọi lên xã, không muốn được ghi nhận thông tin nữa."),
                account_id: admin,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
