//! The plan, the dashboards and the work lists through the pages, on SQLite and PostgreSQL:
//! who may see and change what, targets as data, and the Excel file read back.

mod common;
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::{Client, app, backends, demo_db};
use congdongso::db::Db;
use congdongso::indicators::Period;
use std::io::Cursor;

async fn scalar(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn adults_guided_target(c: &mut Client, period: &str) -> Option<i64> {
    let r = c
        .get(&format!(
            "/api/v1/indicators?area=rach-kien&period={period}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "adults_guided")
        .unwrap()["target"]
        .as_i64()
}

#[tokio::test]
async fn the_plan_starts_from_the_template_and_the_next_year_from_a_copy() {
    for url in backends().await {
        let db = demo_db(&url).await;
        // A commune that has not made its plan yet: the demo's plans are taken away.
        for table in ["plan_targets", "plan_tasks", "plans"] {
            db.execute(&format!("DELETE FROM {table}"), &[])
                .await
                .unwrap();
        }
        let app = app(db.clone());
        let mut admin = Client::login(app.clone(), "vhxh").await;
        let mut head = Client::login(app.clone(), "truongap03").await;

        let r = admin.get("/plan?year=2026").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("chưa có kế hoạch năm 2026"), "{}", r.body);
        assert!(r.body.contains("id=\"create-plan\""));
        // Without a plan the template's targets are in force.
        assert_eq!(adults_guided_target(&mut admin, "2026-05").await, Some(80));

        let r = head.post_form("/plan", &[("year", "2026")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "only the commune admin");
        let r = admin
            .post_raw_form("/plan", &[("year", "2026"), ("_csrf", "sai")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
        let r = admin.post_form("/plan", &[("year", "2026")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM plan_tasks").await, 15);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM plan_targets").await, 15);
        let r = admin.post_form("/plan", &[("year", "2026")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "only once");

        let page = admin.get("/plan?year=2026").await.body;
        for words in [
            "Quý I/2026",
            "Rà soát, kiện toàn thành viên Tổ CNSCĐ tại ấp.",
            "Ngày Chuyển đổi số quốc gia (10/10)",
            "Tối thiểu 80% người dân trưởng thành được hướng dẫn trực tiếp",
        ] {
            assert!(page.contains(words), "{words}");
        }

        // A task's status and note.
        let task = scalar(
            &db,
            "SELECT id FROM plan_tasks WHERE content LIKE 'Thành lập, duy trì Nhóm Zalo%'",
        )
        .await;
        let path = format!("/plan/tasks/{task}");
        let r = admin
            .post_form(&path, &[("status", "done"), ("note", "17/17 ấp có nhóm")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = admin.post_form(&path, &[("status", "xong")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Trạng thái phải là"), "{}", r.body);
        let r = head.post_form(&path, &[("status", "not_started")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let (status, note): (String, String) = db
            .fetch_one(
                "SELECT status, note FROM plan_tasks WHERE id = $1",
                &[task.into()],
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_str(), note.as_str()),
            ("done", "17/17 ấp có nhóm")
        );
        assert!(head.get("/plan").await.body.contains("Đã hoàn thành"));

        // Targets are data: 90% instead of 80% changes the indicator's target at once.
        let target = scalar(
            &db,
            "SELECT id FROM plan_targets WHERE indicator = 'adults_guided'",
        )
        .await;
        let r = admin
            .post_form(&format!("/plan/targets/{target}"), &[("target", "90")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(adults_guided_target(&mut admin, "2026-05").await, Some(90));
        let r = admin
            .post_form(&format!("/plan/targets/{target}"), &[("target", "150")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("từ 0 đến 100"), "{}", r.body);
        // A new target for a tracked indicator, then its removal.
        let r = admin
            .post_form(
                "/plan/targets",
                &[
                    ("year", "2026"),
                    ("indicator", "adults_vneid"),
                    ("timing", "by"),
                    ("quarter", "0"),
                    ("target", "95"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let vneid = scalar(
            &db,
            "SELECT id FROM plan_targets WHERE indicator = 'adults_vneid'",
        )
        .await;
        let r = admin
            .post_form(&format!("/plan/targets/{vneid}/delete"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM plan_targets WHERE indicator = 'adults_vneid'"
            )
            .await,
            0
        );

        // The next year is a copy: the changed target kept, statuses and notes reset.
        assert!(
            admin
                .get("/plan?year=2027")
                .await
                .body
                .contains("từ kế hoạch năm 2026")
        );
        let r = admin.post_form("/plan", &[("year", "2027")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(adults_guided_target(&mut admin, "2027-05").await, Some(90));
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id \
                 WHERE p.year = 2027 AND t.status = 'not_started' AND t.note = ''"
            )
            .await,
            15
        );
        assert!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM audit_log WHERE entity IN ('plan', 'plan_task', 'plan_target')"
            )
            .await
                >= 6
        );
    }
}

#[tokio::test]
async fn dashboards_show_each_level_to_whom_may_see_it() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut admin = Client::login(app.clone(), "vhxh").await;
        let r = admin.get("/dashboard?period=2026-05").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Xã Rạch Kiến · Tháng 5/2026"), "{}", r.body);
        assert!(r.body.contains("<svg"), "trend chart");
        assert!(r.body.contains("<progress"));
        assert_eq!(r.body.matches("<tr data-code=\"rach-kien-ap-").count(), 17);
        for code in ["adults_guided", "teams_consolidated", "good_practices"] {
            assert!(r.body.contains(&format!("data-code=\"{code}\"")), "{code}");
        }
        assert!(
            !r.body.contains("/worklists/"),
            "no work list at commune level"
        );

        let mut head = Client::login(app.clone(), "truongap03").await;
        let r = head.get("/dashboard").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("/worklists/rach-kien-ap-03?list=unguided"));
        let r = head.get("/dashboard?area=rach-kien-ap-04").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another hamlet");
        let r = head.get("/dashboard?period=2026-14").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        let mut so = Client::login(app.clone(), "so").await;
        let r = so.get("/province?period=2026-Q2").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("data-code=\"rach-kien\""), "{}", r.body);
        assert!(r.body.contains("Không có dữ liệu cá nhân"));
        let r = so.get("/dashboard?area=rach-kien-ap-03").await;
        assert_eq!(r.status, StatusCode::OK, "aggregates of a hamlet");
        assert!(!r.body.contains("/worklists/"), "but no personal lists");
        let r = so.get("/worklists/rach-kien-ap-03").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = admin.get("/province").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range("Danh sách").expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn work_lists_match_the_data_and_download_as_excel() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut head = Client::login(app.clone(), "truongap03").await;
        let hamlet: (i64,) = db
            .fetch_one("SELECT id FROM areas WHERE code = 'rach-kien-ap-03'", &[])
            .await
            .unwrap();
        for (list, expected_sql) in [
            (
                "no_app",
                "SELECT h.code FROM households h WHERE h.hamlet_id = $1 AND h.active = 1 \
                 AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND r.status = 'living' AND r.active = 1) \
                 AND NOT EXISTS (SELECT 1 FROM residents r JOIN resident_services s ON s.resident_id = r.id \
                 WHERE r.household_id = h.id AND r.status = 'living' AND r.active = 1 \
                 AND s.service_code = 'province_app' AND s.status = 'done') ORDER BY h.code",
            ),
            (
                "no_smartphone",
                "SELECT h.code FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE r.hamlet_id = $1 AND r.status = 'living' AND r.active = 1 AND r.has_smartphone = 0 \
                 AND ((r.birth_date IS NOT NULL AND r.birth_date <= $2) \
                 OR (r.birth_date IS NULL AND r.birth_year <= $3)) ORDER BY h.code, r.sort_key",
            ),
        ] {
            let today = congdongso::db::today();
            let year: i64 = today[..4].parse().unwrap();
            let cut = format!("{}{}", year - 15, &today[4..]);
            let params = if list == "no_app" {
                vec![hamlet.0.into()]
            } else {
                vec![hamlet.0.into(), cut.into(), (year - 15).into()]
            };
            let expected: Vec<(String,)> = db.fetch_all(expected_sql, &params).await.unwrap();
            let page = head
                .get(&format!("/worklists/rach-kien-ap-03?list={list}"))
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let r = head
                .get(&format!(
                    "/worklists/rach-kien-ap-03?list={list}&format=xlsx"
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(
                r.headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains(".xlsx")
            );
            let rows = sheet_rows(&r.bytes);
            assert!(
                rows[0][0].contains("Rạch Kiến") || rows[0][0].contains("Ấp"),
                "{:?}",
                rows[0]
            );
            assert_eq!(rows[2][0], "STT");
            let codes: Vec<String> = rows[3..].iter().map(|r| r[1].clone()).collect();
            let want: Vec<String> = expected.into_iter().map(|(c,)| c).collect();
            assert_eq!(codes, want, "{list} on {url}");
            // A page shows 50 rows; "In tất cả" shows the file's rows, all of them.
            assert_eq!(page.body.matches("<tr><td>").count(), want.len().min(50));
            let all = head
                .get(&format!("/worklists/rach-kien-ap-03?list={list}&all=1"))
                .await;
            assert_eq!(
                all.body.matches("<tr><td>").count(),
                want.len(),
                "page and file list the same rows"
            );
            if want.len() > 50 {
                assert!(page.body.contains("print-all") && page.body.contains("rel=\"next\""));
                let last = head
                    .get(&format!(
                        "/worklists/rach-kien-ap-03?list={list}&page={}",
                        want.len().div_ceil(50)
                    ))
                    .await;
                let rest = want.len() - (want.len().div_ceil(50) - 1) * 50;
                assert_eq!(last.body.matches("<tr><td>").count(), rest);
            }
        }
        // A help makes the resident leave the "not yet guided" list at once.
        let before = sheet_rows(
            &head
                .get("/worklists/rach-kien-ap-03?list=unguided&format=xlsx")
                .await
                .bytes,
        );
        assert!(before.len() > 3, "someone to visit");
        let period = Period::current().code();
        let r = head
            .get(&format!("/api/v1/indicators?period={period}"))
            .await;
        let gap = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "adults_guided")
            .map(|f| f["denominator"].as_i64().unwrap() - f["numerator"].as_i64().unwrap())
            .unwrap();
        assert!(gap >= (before.len() - 3) as i64);
    }
}

#[tokio::test]
async fn the_calendar_counts_the_month_against_the_minimum() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut head = Client::login(app.clone(), "truongap03").await;
        // Automatic rounds still to confirm are shown but not counted.
        let (month, n, all): (String, i64, i64) = db
            .fetch_one(
                "SELECT SUBSTR(a.activity_date, 1, 7) AS m, \
                 CAST(SUM(a.confirmed) AS BIGINT), COUNT(*) FROM activities a \
                 JOIN areas h ON h.id = a.hamlet_id WHERE h.code = 'rach-kien-ap-03' AND a.active = 1 \
                 GROUP BY SUBSTR(a.activity_date, 1, 7) ORDER BY m DESC LIMIT 1",
                &[],
            )
            .await
            .unwrap();
        let r = head
            .get(&format!("/activities/calendar?month={month}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains(&format!("{n}/4 buổi")), "{}", r.body);
        assert_eq!(
            r.body.matches("<br><a href=\"/activities/").count() as i64,
            all
        );
        let mut so = Client::login(app.clone(), "so").await;
        assert_eq!(
            so.get("/activities/calendar").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_passed_deadline_unmet_says_khong_dat_and_the_running_period_is_as_of_today() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut admin = Client::login(app.clone(), "vhxh").await;
        // The year 2026: "80% by the end of Q2" is past; the demo's figure is under it.
        let r = admin.get("/dashboard?period=2026").await;
        assert_eq!(r.status, StatusCode::OK);
        let api = admin.get("/api/v1/indicators?period=2026").await.json();
        let guided = api
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "adults_guided")
            .unwrap()
            .clone();
        assert_eq!(guided["met"], false, "{guided}");
        assert_eq!(guided["progress"], "missed");
        assert!(r.body.contains("Không đạt"), "the dashboard says it");
        // The current month runs: its figures stand at today, not at its last day.
        let today = congdongso::db::today();
        let r = admin.get("/dashboard").await;
        assert!(
            r.body.contains(&format!(
                "tính đến ngày {}",
                congdongso::text::format_date(&today)
            )),
            "{}",
            &r.body[..2000.min(r.body.len())]
        );
    }
}
