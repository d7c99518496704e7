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

/// The number of households the planner's statistics know of: PostgreSQL's `reltuples`,
/// SQLite's row count in `sqlite_stat1` (exact for a table this small).
async fn planned_households(db: &Db) -> i64 {
    let never_analysed = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
    if db.backend == congdongso::db::Backend::Sqlite && count(db, never_analysed).await == 0 {
        return 0;
    }
    let sql = if db.backend == congdongso::db::Backend::Postgres {
        "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = 'households'"
    } else {
        "SELECT COALESCE((SELECT CAST(substr(stat, 1, instr(stat, ' ') - 1) AS INTEGER) \
         FROM sqlite_stat1 WHERE tbl = 'households' AND idx IS NOT NULL ORDER BY idx LIMIT 1), 0)"
    };
    count(db, sql).await
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
        let summary = demo::generate_province_on(
            &db,
            &keys(),
            "mat-khau-tinh",
            (&OPTS, common::demo_day()),
            |d| seen.push(d.clone()),
        )
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
        // The planner's statistics describe the whole province, not the demo commune alone.
        assert_eq!(
            planned_households(&db).await,
            count(&db, "SELECT COUNT(*) FROM households").await,
            "{url}"
        );

        // Running again with a larger province adds only the missing commune.
        let more = ProvinceOptions {
            communes: 3,
            ..OPTS
        };
        let again = demo::generate_province_on(
            &db,
            &keys(),
            "mat-khau-tinh",
            (&more, common::demo_day()),
            |_| {},
        )
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

/// Everything a province reader sees for a period, as JSON: the figures (the API), the
/// dashboard's overview per commune and the 12-month trend.
async fn province_view(db: &Db, period: &str) -> serde_json::Value {
    let province = areas::by_code(db, demo::PROVINCE_CODE)
        .await
        .unwrap()
        .unwrap();
    let period = Period::parse(period).unwrap();
    let figures = indicators::figures(db, &province, &period).await.unwrap();
    let (total, children) = indicators::overview(db, &province, &period).await.unwrap();
    let children: Vec<_> = children
        .into_iter()
        .map(|(area, figures)| (area.code, figures))
        .collect();
    let trend = indicators::trend(db, &province, &period).await.unwrap();
    serde_json::json!({"figures": figures, "total": total, "children": children, "trend": trend})
}

/// The province's figures keep each commune's share between requests (migration 0011's
/// versions). After each kind of write, in one commune, the figures read through that kept
/// state equal a fresh read by a second connection with nothing kept, and they did change.
#[tokio::test]
async fn kept_province_figures_follow_every_write() {
    for url in backends().await {
        let db = migrated(&url).await;
        demo::generate_province_on(
            &db,
            &keys(),
            "mat-khau-tinh",
            (&OPTS, common::demo_day()),
            |_| {},
        )
        .await
        .unwrap();
        let commune = areas::by_code(&db, demo::COMMUNE_CODE)
            .await
            .unwrap()
            .unwrap()
            .id;
        let guided = congdongso::indicators::catalog::metrics_of("adults_guided").0;
        let first: i64 = db
            .scalar_i64(
                "SELECT MIN(month) FROM indicator_counts WHERE area_id = $1",
                &[commune.into()],
            )
            .await
            .unwrap();
        let hamlet: i64 = db
            .scalar_i64(
                "SELECT MIN(id) FROM areas WHERE commune_id = $1 AND level = 'hamlet'",
                &[commune.into()],
            )
            .await
            .unwrap();
        let writes: Vec<(&str, String)> = vec![
            (
                "an activity month unconfirmed (activity counts updated)",
                format!(
                    "UPDATE activities SET confirmed = 0 WHERE commune_id = {commune} \
                     AND activity_date >= '2026-10-01' AND activity_date < '2026-11-01'"
                ),
            ),
            (
                "members leave (members updated)",
                format!("UPDATE members SET left_on = '2026-01-02' WHERE commune_id = {commune}"),
            ),
            (
                "March's reports sent on time (monthly reports inserted)",
                format!(
                    "INSERT INTO monthly_reports (commune_id, hamlet_id, month, status, submitted_on, \
                     created_at, updated_at) SELECT commune_id, id, '2026-03', 'submitted', \
                     '2026-03-20', 0, 0 FROM areas WHERE commune_id = {commune} AND level = 'hamlet'"
                ),
            ),
            (
                "a count row added (running counts inserted)",
                format!(
                    "INSERT INTO indicator_counts (area_id, metric, month, n) \
                     VALUES ({commune}, '{guided}', {}, 7)",
                    first - 1
                ),
            ),
            (
                "the count row taken out (running counts deleted)",
                format!(
                    "DELETE FROM indicator_counts WHERE area_id = {commune} AND month = {}",
                    first - 1
                ),
            ),
            (
                "a good practice proposed (good practices inserted)",
                format!(
                    "INSERT INTO good_practices (commune_id, hamlet_id, title, proposed_on, created_at) \
                     VALUES ({commune}, {hamlet}, 'Mô hình mới', '2026-06-01', 0)"
                ),
            ),
            (
                "a hamlet closed (areas updated)",
                format!(
                    "UPDATE areas SET active = 0, closed_on = '2026-05-31' WHERE id = {hamlet}"
                ),
            ),
        ];
        for period in ["2026", "2026-11"] {
            // Read twice: the second read is served from what the first kept.
            province_view(&db, period).await;
        }
        for (what, sql) in writes {
            let before = province_view(&db, "2026").await;
            db.execute(&sql, &[]).await.unwrap();
            let fresh = Db::connect(&url).await.unwrap();
            for period in ["2026", "2026-11"] {
                let kept = province_view(&db, period).await;
                assert_eq!(
                    kept,
                    province_view(&fresh, period).await,
                    "{what} ({period}) on {url}"
                );
            }
            assert_ne!(
                province_view(&db, "2026").await,
                before,
                "the write changes the figures: {what} on {url}"
            );
            fresh.close().await;
        }
    }
}
