//! The demo on today's real date, on SQLite and PostgreSQL: a commune well into its year, with
//! the plan, the hamlets' reports up to last month (approved, late, missing, returned),
//! activities up to today, communications, online dossiers and, in the last quarter, the
//! year-end evaluations being drafted. `tests/demo_day.rs` checks the same on a fixed day.

mod common;
mod demo_checks;

use common::{backends, demo_db_on, demo_db_today};
use demo_checks::{a_commune_in_its_year, fingerprint};

#[tokio::test]
async fn the_demo_is_a_commune_in_its_year_today() {
    let today = congdongso::db::today();
    for url in backends().await {
        let db = demo_db_today(&url).await;
        a_commune_in_its_year(&db, &today).await;
    }
}

/// In January the hamlets have just reported on December: last year is the one behind the
/// commune, with its plan, and this year's plan is its copy.
#[tokio::test]
async fn in_january_the_year_behind_is_last_year() {
    let today = "2027-01-15";
    for url in backends().await {
        let db = demo_db_on(&url, today).await;
        demo_checks::last_month_has_every_kind_of_report(&db, today).await;
        demo_checks::the_year_of_reports(&db, today).await;
        let plans: Vec<(i64, i64)> = db
            .fetch_all(
                "SELECT p.year, COUNT(*) FROM plans p JOIN plan_tasks t ON t.plan_id = p.id \
                 WHERE t.status = 'done' GROUP BY p.year ORDER BY p.year",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(plans.len(), 1, "{plans:?}: only last year's tasks are done");
        assert_eq!(plans[0].0, 2026);
        assert!(plans[0].1 >= 10);
        let copied = db
            .scalar_i64(
                "SELECT COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id \
                 WHERE p.year = 2027",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(copied, congdongso::plan::TEMPLATE_TASKS.len() as i64);
        // No evaluation drafted in January: last year's were never seeded as submitted.
        let evaluations = db
            .scalar_i64("SELECT COUNT(*) FROM team_evaluations", &[])
            .await
            .unwrap();
        assert_eq!(evaluations, 0);
    }
}

/// The same day gives the same demo, on either database.
#[tokio::test]
async fn the_same_day_gives_the_same_demo() {
    let today = "2026-11-20";
    let mut seen = Vec::new();
    let mut urls = backends().await;
    urls.extend(backends().await.into_iter().take(1));
    for url in urls {
        let db = demo_db_on(&url, today).await;
        seen.push(fingerprint(&db).await);
    }
    assert!(seen[0].len() > 500, "{} rows", seen[0].len());
    for other in &seen[1..] {
        assert_eq!(&seen[0], other);
    }
}
