//! The demo seeded on a fixed day of another year (`CONGDONGSO_TODAY=2027-03-10`: the year is
//! 2027, last month February), on SQLite and PostgreSQL: the same commune in its year as
//! `tests/demo.rs` finds on today's real date, every page reading the same day.

mod common;
mod demo_checks;

const TODAY: &str = "2027-03-10";

fn fix_today() {
    // The dashboards' calendar is process-wide: every test of this file sets the same day, so
    // the demo is seeded on it too.
    congdongso::indicators::period::set_today(demo_checks::day(TODAY));
}

#[tokio::test]
async fn the_demo_is_a_commune_in_its_year_on_a_fixed_day() {
    fix_today();
    assert_eq!(congdongso::db::today(), TODAY);
    for url in common::backends().await {
        // Seeded as `serve --demo` seeds it, on the day set as today.
        let db = common::demo_db_today(&url).await;
        demo_checks::a_commune_in_its_year(&db, TODAY).await;
        // The first quarter is under way; the rest of the plan waits.
        let statuses: Vec<(i64, String, i64)> = db
            .fetch_all(
                "SELECT t.quarter, t.status, COUNT(*) FROM plan_tasks t \
                 JOIN plans p ON p.id = t.plan_id WHERE p.year = 2027 \
                 GROUP BY t.quarter, t.status ORDER BY t.quarter, t.status",
                &[],
            )
            .await
            .unwrap();
        assert!(
            statuses
                .iter()
                .all(|(q, s, _)| (*q == 1) == (s != "not_started")),
            "{statuses:?}"
        );
        let years: Vec<(i64,)> = db
            .fetch_all("SELECT DISTINCT year FROM plans", &[])
            .await
            .unwrap();
        assert_eq!(years, [(2027,)]);
    }
}
