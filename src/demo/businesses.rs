//! The demo's household businesses (issue 20): a few in every hamlet — rice paper, salted
//! shrimp, fruit, a grocery, a co-operative — registered through the year, about half brought
//! onto an e-commerce platform (mostly voso.vn and postmart.vn, the plan's), most taking QR
//! payment, fewer with e-invoices. Written through the same functions as the pages, so each
//! step has its history.

use super::calendar::{Calendar, iso};
use crate::db::Db;
use crate::db::businesses::{self as store, NewBusiness};
use crate::error::Result;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Name, kind, products.
const SHOPS: [(&str, &str, &str); 10] = [
    ("Cơ sở bánh tráng", "producer", "Bánh tráng phơi sương"),
    ("Cơ sở muối tôm", "producer", "Muối tôm, muối ớt"),
    ("Tạp hóa", "household", "Hàng tạp hóa"),
    ("Vườn mãng cầu", "household", "Mãng cầu Bà Đen"),
    ("Hợp tác xã nông nghiệp", "cooperative", "Gạo, rau an toàn"),
    ("Tiệm may", "household", "May đo quần áo"),
    ("Cơ sở mì", "producer", "Mì sợi, hủ tiếu"),
    ("Quán cà phê", "household", "Cà phê, nước giải khát"),
    (
        "Công ty TNHH chế biến nông sản",
        "enterprise",
        "Hạt điều rang muối",
    ),
    ("Lò bánh", "producer", "Bánh in, bánh pía"),
];

pub async fn write(db: &Db, commune: i64, cal: &Calendar, seed: u64) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xb1_5e55);
    let hamlets: Vec<(i64, String)> = db
        .fetch_all(
            "SELECT id, name FROM areas WHERE commune_id = $1 AND level = 'hamlet' AND active = 1 ORDER BY sort_order",
            &[commune.into()],
        )
        .await?;
    let heads: Vec<(i64, i64)> = db
        .fetch_all(
            "SELECT area_id, id FROM accounts WHERE commune_id = $1 AND role = 'hamlet_head'",
            &[commune.into()],
        )
        .await?;
    let mut tx = db.begin_write().await?;
    for (i, (hamlet, hamlet_name)) in hamlets.iter().enumerate() {
        let head = heads.iter().find(|(a, _)| a == hamlet).map(|(_, id)| *id);
        let n = 3 + (i % 4);
        for k in 0..n {
            let (name, kind, products) = SHOPS[(i * 3 + k) % SHOPS.len()];
            let owner = super::names::random_name(&mut rng, super::names::Gender::Male, 1975);
            let full_name = format!("{name} {}", owner.rsplit(' ').next().unwrap_or(""));
            let registered = cal.random_day(&mut rng);
            let phone = super::names::phone(&mut rng);
            let address = format!("{hamlet_name}, Rạch Kiến");
            let id = store::insert(
                &mut tx,
                commune,
                head,
                &NewBusiness {
                    hamlet_id: *hamlet,
                    name: &full_name,
                    owner_name: Some(&owner),
                    owner_resident_id: None,
                    kind,
                    products: Some(products),
                    address: Some(&address),
                    phone: Some(&phone),
                    registered_on: &registered,
                    import_key: None,
                },
            )
            .await?;
            // The steps, each on a day after the business was registered, up to today.
            let mut done: Vec<(&'static str, Option<String>)> = Vec::new();
            let after = |rng: &mut StdRng| {
                let from =
                    chrono::NaiveDate::parse_from_str(&registered, "%Y-%m-%d").unwrap_or(cal.start);
                let span = (cal.today - from).num_days().max(0);
                iso(from + chrono::Days::new(rng.gen_range(0..=span) as u64))
            };
            if rng.gen_bool(0.75) {
                done.push(("cashless_on", Some(after(&mut rng))));
            }
            if rng.gen_bool(0.5) {
                done.push(("ecommerce_on", Some(after(&mut rng))));
                let platform =
                    ["voso", "postmart", "voso", "shopee", "tiktok"][rng.gen_range(0..5)];
                done.push(("platform", Some(platform.to_string())));
                if rng.gen_bool(0.6) {
                    done.push(("listed_on", Some(after(&mut rng))));
                }
            }
            if rng.gen_bool(0.3) {
                done.push(("einvoice_on", Some(after(&mut rng))));
            }
            if rng.gen_bool(0.4) {
                done.push(("social_on", Some(after(&mut rng))));
            }
            if !done.is_empty() {
                let b = store::get_on(&mut tx, id)
                    .await?
                    .ok_or(crate::error::AppError::NotFound)?;
                store::apply(&mut tx, &b, &done, head, "web").await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
