//! The synthetic province generator at a small size, on SQLite and PostgreSQL: distinct
//! communes under the demo province, citizen IDs unique across them, and the province's
//! figures the sums of its communes'.

mod common;
use common::{backends, keys, migrated};
use congdongso::db::{Db, areas, indicators};
use congdongso::demo::{self, ProvinceOptions};
use congdongso::indicators::{Figure, Period};
use std::collections::HashMap;

const OPTS: ProvinceOptions = ProvinceOptions {
    communes: 2,
    hamlets_per_commune: 2,
    households_per_hamlet: 3,
    seed: 5,
};

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn heads(db: &Db, commune_id: i64) -> Vec<(String,)> {
    db.fetch_all(
        "SELECT head_name FROM households WHERE commune_id = $1 ORDER BY id LIMIT 6",
        &[commune_id.into()],
    )
    .await
    .unwrap()
}

async fn figures_of(db: &Db, code: &str, period: &Period) -> HashMap<String, Figure> {
    let area = areas::by_code(db, code).await.unwrap().unwrap();
    indicators::figures(db, &area, period)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.code.clone(), f))
        .collect()
}

#[tokio::test]
async fn generates_distinct_communes_that_sum_to_the_province() {
    for url in backends().await {
        let db = migrated(&url).await;
        let mut seen = Vec::new();
        let summary = demo::generate_province(&db, &keys(), "mat-khau-tinh", &OPTS, |d| {
            seen.push(d.clone())
        })
        .await
        .unwrap();
        assert_eq!((summary.communes, summary.written), (2, 2), "{url}");
        let (code, name, _) = demo::commune_names(2);
        let order: Vec<(usize, &str)> = seen.iter().map(|d| (d.index, d.code.as_str())).collect();
        assert_eq!(order, [(1, "rach-kien"), (2, code.as_str())]);
        // The demo commune keeps its 17 hamlets and accounts; the added one has neither more
        // hamlets than asked nor accounts.
        assert_eq!(seen[0].households, 17 * 3);
        assert_eq!(seen[1].households, 2 * 3);
        let added = areas::by_code(&db, &code).await.unwrap().unwrap();
        assert_eq!(
            (added.name.as_str(), added.level.as_str()),
            (name.as_str(), "commune")
        );
        let province = areas::by_code(&db, demo::PROVINCE_CODE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(added.parent_id, Some(province.id));
        let hamlets = areas::children(&db, added.id).await.unwrap();
        let codes: Vec<&str> = hamlets.iter().map(|h| h.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                demo::hamlet_code_of(&code, 1),
                demo::hamlet_code_of(&code, 2)
            ]
        );
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM accounts WHERE commune_id = {}",
                    added.id
                )
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM households WHERE commune_id = {} \
                     AND address LIKE '%xã {name}' AND code NOT LIKE 'RK-%'",
                    added.id
                )
            )
            .await,
            6
        );
        // Other people (another seed), and no citizen ID issued twice in the province.
        let demo_commune = areas::by_code(&db, demo::COMMUNE_CODE)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(
            heads(&db, added.id).await,
            heads(&db, demo_commune.id).await,
            "{url}"
        );
        let ids = "SELECT COUNT(*) FROM residents WHERE cccd_hash IS NOT NULL";
        let distinct = "SELECT COUNT(DISTINCT cccd_hash) FROM residents";
        assert_eq!(count(&db, ids).await, count(&db, distinct).await);

        // Running again with a larger province adds only the missing commune.
        let more = ProvinceOptions {
            communes: 3,
            ..OPTS
        };
        let again = demo::generate_province(&db, &keys(), "mat-khau-tinh", &more, |_| {})
            .await
            .unwrap();
        assert_eq!((again.communes, again.written), (3, 1), "{url}");
        assert_eq!(count(&db, ids).await, count(&db, distinct).await);

        // Each commune's counts are in place, and the province adds them up: for a month, a
        // quarter and the year (months met, reports on time and security sessions are read
        // per hamlet over several months).
        let communes = [
            demo::COMMUNE_CODE.to_string(),
            code,
            demo::commune_names(3).0,
        ];
        for period in ["2026-Q3", "2026", "2026-11"] {
            let period = Period::parse(period).unwrap();
            let province_figures = figures_of(&db, demo::PROVINCE_CODE, &period).await;
            let mut parts = Vec::new();
            for c in &communes {
                parts.push(figures_of(&db, c, &period).await);
            }
            assert!(
                parts.iter().all(|p| p["adults_guided"].numerator > 0),
                "{url}"
            );
            assert!(
                parts[0]["teams_monthly_activity"].numerator > 0,
                "the demo commune's teams met the minimum in some months: {url}"
            );
            for (metric, f) in &province_figures {
                let numerator: i64 = parts.iter().map(|p| p[metric].numerator).sum();
                let denominator: Option<i64> = parts.iter().map(|p| p[metric].denominator).sum();
                assert_eq!(f.numerator, numerator, "{metric} {period:?} on {url}");
                assert_eq!(f.denominator, denominator, "{metric} {period:?} on {url}");
            }
        }
        let period = Period::parse("2026-11").unwrap();
        let province_figures = figures_of(&db, demo::PROVINCE_CODE, &period).await;
        let mut parts = Vec::new();
        for c in &communes {
            parts.push(figures_of(&db, c, &period).await);
        }
        // The dashboards' one-pass overview gives the same sums, in total and per commune.
        let (total, children) = indicators::overview(&db, &province, &period).await.unwrap();
        let guided = |figures: &[Figure]| {
            let f = figures.iter().find(|f| f.code == "adults_guided").unwrap();
            (f.numerator, f.denominator)
        };
        let p = &province_figures["adults_guided"];
        assert_eq!(guided(&total), (p.numerator, p.denominator), "{url}");
        assert_eq!(children.len(), 3);
        for ((child, figures), part) in children.iter().zip(&parts) {
            let c = &part["adults_guided"];
            assert_eq!(
                guided(figures),
                (c.numerator, c.denominator),
                "{}",
                child.code
            );
        }
    }
}
