//! Reports: the hamlet's monthly report from draft to approval (and back), completeness and
//! timeliness, frozen figures, the commune's reports, year-end, and the files read back.

mod common;
use axum::http::StatusCode;
use common::{Client, app_on, backends, demo_db, demo_db_on};
use congdongso::db::Db;

const AP3: &str = "rach-kien-ap-03";

async fn status_of(db: &Db, hamlet: &str, month: &str) -> (String, Option<String>, Option<String>) {
    db.fetch_one(
        "SELECT r.status, r.submitted_on, r.figures FROM monthly_reports r \
         JOIN areas a ON a.id = r.hamlet_id WHERE a.code = $1 AND r.month = $2",
        &[hamlet.into(), month.into()],
    )
    .await
    .unwrap()
}

async fn audit_actions(db: &Db) -> Vec<String> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            "SELECT action FROM audit_log WHERE entity = 'monthly_report' ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    rows.into_iter().map(|(a,)| a).collect()
}

async fn draft_and_submit(app: &axum::Router) -> Client {
    let mut head = Client::login(app.clone(), "truongap03").await;
    let page = head.get(&format!("/reports/{AP3}/2026-05")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Chưa lập"), "no report yet");
    assert!(
        page.body.contains("id=\"report-form\""),
        "the head may write it"
    );
    for action in ["save", "submit"] {
        let r = head
            .post_form(
                &format!("/reports/{AP3}/2026-05"),
                &[
                    ("results", "Ra quân hướng dẫn VNeID cho 40 hộ."),
                    (
                        "difficulties",
                        "Nhiều người cao tuổi chưa có điện thoại thông minh.",
                    ),
                    ("proposals", "Đề nghị hỗ trợ thêm điện thoại."),
                    ("next_plan", "Tiếp tục đi từng ngõ, gõ từng nhà."),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
    }
    head
}

async fn workflow(url: String) {
    // The demo as it stood on the day the test begins: May's reports still to write.
    let db = demo_db_on(&url, "2026-05-20").await;
    let app = app_on(db.clone(), "2026-05-20");
    let mut head = draft_and_submit(&app).await;
    let (status, submitted_on, figures) = status_of(&db, AP3, "2026-05").await;
    assert_eq!(status, "submitted");
    assert_eq!(submitted_on.as_deref(), Some("2026-05-20"));
    assert!(figures.is_none(), "figures are live until approved");

    // Once submitted the head can no longer change it.
    let r = head
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[("results", "x"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Đã nộp, chờ duyệt"), "{}", r.body);
    // The head cannot approve, another hamlet's head cannot even see it.
    let r = head
        .post_form(&format!("/reports/{AP3}/2026-05/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut other = Client::login(app.clone(), "truongap01").await;
    assert_eq!(
        other.get(&format!("/reports/{AP3}/2026-05")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = other
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[("results", "x"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut member = Client::login(app.clone(), "tovien03").await;
    let r = member
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[("results", "x"), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing changes.
    let r = head
        .post_raw_form(
            &format!("/reports/{AP3}/2026-05"),
            &[("results", "x"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The commune returns it with a comment (a comment is required), the head submits again.
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form(
            &format!("/reports/{AP3}/2026-05/return"),
            &[("comment", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Hãy ghi ý kiến"), "{}", r.body);
    let r = vhxh
        .post_form(
            &format!("/reports/{AP3}/2026-05/return"),
            &[("comment", "Bổ sung số hộ đã cài Tây Ninh Smart.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = head.get(&format!("/reports/{AP3}/2026-05")).await;
    assert!(page.body.contains("Bổ sung số hộ đã cài Tây Ninh Smart."));
    assert!(page.body.contains("data-status=\"returned\""));
    let resubmit = app_on(db.clone(), "2026-05-27");
    let mut head_later = Client::login(resubmit.clone(), "truongap03").await;
    let r = head_later
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[
                ("results", "Đã bổ sung: 35 hộ cài Tây Ninh Smart."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, submitted_on, _) = status_of(&db, AP3, "2026-05").await;
    assert_eq!(status, "submitted");
    assert_eq!(
        submitted_on.as_deref(),
        Some("2026-05-20"),
        "timeliness is judged on the first submission"
    );

    let r = vhxh
        .post_form(&format!("/reports/{AP3}/2026-05/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, _, figures) = status_of(&db, AP3, "2026-05").await;
    assert_eq!(status, "approved");
    assert!(figures.is_some(), "approval freezes the figures");
    let page = head.get(&format!("/reports/{AP3}/2026-05")).await;
    assert!(
        page.body.contains("data-status=\"approved\""),
        "the head sees it approved"
    );
    assert!(page.body.contains("Số liệu đã được chốt"));
    assert_eq!(
        audit_actions(&db).await,
        [
            "create", "update", "submit", "return", "update", "submit", "approve"
        ]
    );

    // After the due date: Ấp 3 on time, every other hamlet missing.
    let june = app_on(db.clone(), "2026-06-01");
    let mut vhxh = Client::login(june.clone(), "vhxh").await;
    let page = vhxh.get("/reports?month=2026-05").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("data-hamlet=\"{AP3}\" data-timeliness=\"ok\"")),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("data-timeliness=\"behind\"").count(), 16);
    let api = vhxh
        .get("/api/v1/indicators?area=rach-kien&period=2026-05")
        .await
        .json();
    let on_time = api
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "reports_on_time")
        .unwrap()
        .clone();
    assert_eq!(
        (
            on_time["numerator"].as_i64(),
            on_time["denominator"].as_i64()
        ),
        (Some(1), Some(17))
    );

    // Reopening an approved report needs a reason and is audited; the figures go live again.
    let r = vhxh
        .post_form(
            &format!("/reports/{AP3}/2026-05/reopen"),
            &[("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = vhxh
        .post_form(
            &format!("/reports/{AP3}/2026-05/reopen"),
            &[("comment", "Ấp báo cáo nhầm số buổi ra quân.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (status, _, figures) = status_of(&db, AP3, "2026-05").await;
    assert_eq!((status.as_str(), figures), ("returned", None));
    let (before, after): (Option<String>, Option<String>) = db
        .fetch_one(
            "SELECT before_json, after_json FROM audit_log WHERE action = 'reopen'",
            &[],
        )
        .await
        .unwrap();
    assert!(before.unwrap().contains("\"approved\""));
    assert!(after.unwrap().contains("Ấp báo cáo nhầm số buổi ra quân."));
}

#[tokio::test]
async fn a_hamlet_head_drafts_submits_and_the_commune_approves() {
    for url in backends().await {
        workflow(url).await;
    }
}

async fn frozen(url: String) {
    // The demo as it stood on the day the test begins: May's reports still to write.
    let db = demo_db_on(&url, "2026-05-20").await;
    let app = app_on(db.clone(), "2026-05-20");
    draft_and_submit(&app).await;
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form(&format!("/reports/{AP3}/2026-05/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let total = |body: &str| {
        let i = body.find("id=\"activities-total\">").expect("total shown") + 22;
        body[i..].split('<').next().unwrap().to_string()
    };
    let approved = total(&vhxh.get(&format!("/reports/{AP3}/2026-05")).await.body);

    // The data changes afterwards: two more activities in May.
    let (hamlet, commune, team): (i64, i64, i64) = db
        .fetch_one(
            "SELECT a.id, a.commune_id, t.id FROM areas a JOIN teams t ON t.area_id = a.id \
             WHERE a.code = $1",
            &[AP3.into()],
        )
        .await
        .unwrap();
    for day in ["2026-05-10", "2026-05-11"] {
        db.execute(
            "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, \
             residents_reached, active, created_at) VALUES ($1, $2, $3, 'campaign', $4, 5, 1, 0)",
            &[commune.into(), hamlet.into(), team.into(), day.into()],
        )
        .await
        .unwrap();
    }
    let area = congdongso::db::areas::by_code(&db, AP3)
        .await
        .unwrap()
        .unwrap();
    let may = congdongso::indicators::Period::parse("2026-05").unwrap();
    let live = congdongso::db::reports::area_figures(&db, &area, &may)
        .await
        .unwrap();
    assert_eq!(
        live.activities_total().to_string(),
        (approved.parse::<i64>().unwrap() + 2).to_string(),
        "the live figures moved"
    );
    let page = vhxh.get(&format!("/reports/{AP3}/2026-05")).await;
    assert_eq!(total(&page.body), approved, "the approved report did not");
    let (f, _) = congdongso::db::reports::hamlet_month_figures(&db, &area, may.last_month())
        .await
        .unwrap();
    assert_eq!(f.activities_total().to_string(), approved);
    assert!(
        f.trend.is_some(),
        "the trend chart is kept with the approved figures"
    );
}

#[tokio::test]
async fn an_approved_reports_figures_do_not_move() {
    for url in backends().await {
        frozen(url).await;
    }
}

async fn due_day_and_reminders(url: String) {
    // The demo as it stood on the day the test begins: May's reports still to write.
    let db = demo_db_on(&url, "2026-05-18").await;
    let app = app_on(db.clone(), "2026-05-18");
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form("/reports/due-day", &[("due_day", "40")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("từ 1 đến 31"));
    let mut head = Client::login(app.clone(), "truongap03").await;
    assert_eq!(
        head.post_form("/reports/due-day", &[("due_day", "20")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = vhxh
        .post_form("/reports/due-day", &[("due_day", "20")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = vhxh.get("/reports").await;
    assert!(
        page.body.contains("20/05/2026"),
        "the due date follows the setting"
    );
    let home = vhxh.get("/").await;
    assert!(
        home.body.contains("id=\"report-reminders\""),
        "{}",
        home.body
    );
    assert!(home.body.contains("còn 2 ngày"), "{}", home.body);
    assert!(
        home.body.contains("Sắp đến hạn, chưa nộp: Ấp 1"),
        "{}",
        home.body
    );
    let home = head.get("/").await;
    assert!(
        home.body
            .contains("Báo cáo tháng 5/2026 chưa nộp: hạn 20/05/2026, còn 2 ngày."),
        "{}",
        home.body
    );
    // A report submitted on the 21st is late under the new due day.
    let late = app_on(db.clone(), "2026-05-21");
    let mut head = Client::login(late.clone(), "truongap03").await;
    let r = head
        .post_form(
            &format!("/reports/{AP3}/2026-05"),
            &[("results", "x"), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut vhxh = Client::login(late, "vhxh").await;
    let page = vhxh.get("/reports?month=2026-05").await;
    assert!(
        page.body
            .contains(&format!("data-hamlet=\"{AP3}\" data-timeliness=\"track\""))
    );
    let june = app_on(db.clone(), "2026-06-02");
    let mut vhxh = Client::login(june, "vhxh").await;
    let home = vhxh.get("/").await;
    assert!(home.body.contains("Nộp trễ: Ấp 3."), "{}", home.body);
    assert!(
        home.body.contains("quá hạn, chưa nộp: Ấp 1, Ấp 2, Ấp 4"),
        "{}",
        home.body
    );
    // Moving the day again in June changes June on, not the months already judged.
    let r = vhxh
        .post_form("/reports/due-day", &[("due_day", "28")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        vhxh.get("/reports?month=2026-06")
            .await
            .body
            .contains("28/06/2026")
    );
    assert!(
        vhxh.get("/reports?month=2026-04")
            .await
            .body
            .contains("25/04/2026")
    );
    let may = vhxh.get("/reports?month=2026-05").await;
    assert!(may.body.contains("20/05/2026"), "May keeps its due day");
    // After June's due day has passed, a new day waits for July.
    let late_june = app_on(db.clone(), "2026-06-29");
    let mut vhxh_later = Client::login(late_june, "vhxh").await;
    let r = vhxh_later
        .post_form("/reports/due-day", &[("due_day", "10")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        vhxh_later
            .get("/reports?month=2026-06")
            .await
            .body
            .contains("28/06/2026")
    );
    assert!(
        vhxh_later
            .get("/reports?month=2026-07")
            .await
            .body
            .contains("10/07/2026")
    );
    assert!(
        may.body
            .contains(&format!("data-hamlet=\"{AP3}\" data-timeliness=\"track\""))
    );
}

#[tokio::test]
async fn the_due_day_is_a_commune_setting_and_the_home_page_reminds() {
    for url in backends().await {
        due_day_and_reminders(url).await;
    }
}

async fn year_end(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), "2026-10-05");
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head
        .post_form(
            "/year-end/evaluation",
            &[
                ("year", "2026"),
                ("rating", ""),
                ("results", ""),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("mức tự xếp loại"), "{}", r.body);
    let r = head
        .post_form(
            "/year-end/evaluation",
            &[
                ("year", "2026"),
                ("rating", "excellent"),
                (
                    "results",
                    "95% người trưởng thành được hướng dẫn trực tiếp.",
                ),
                ("proposals", "Mở lớp Bình dân học vụ số buổi tối."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Submitted: a draft saved from another tab cannot reopen it.
    let r = head
        .post_form(
            "/year-end/evaluation",
            &[
                ("year", "2026"),
                ("rating", "done"),
                ("results", "x"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đã nộp"), "{}", r.body);
    let mut finance = Client::login(app.clone(), "kinhte").await;
    assert_eq!(
        finance.get("/year-end?year=2026").await.status,
        StatusCode::FORBIDDEN,
        "year-end names people: not for accounts without personal data"
    );
    let page = head.get("/year-end?year=2026").await;
    let team: (i64,) = db
        .fetch_one(
            "SELECT t.id FROM teams t JOIN areas a ON a.id = t.area_id WHERE a.code = $1",
            &[AP3.into()],
        )
        .await
        .unwrap();
    assert!(
        page.body.contains(&format!("value=\"team:{}\"", team.0)),
        "{}",
        page.body
    );
    let r = head
        .post_form(
            "/year-end/nominations",
            &[
                ("year", "2026"),
                ("nominee", &format!("team:{}", team.0)),
                ("reason", "Tổ dẫn đầu xã về tỷ lệ cài Tây Ninh Smart."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A hamlet head cannot nominate another hamlet's team.
    let other: (i64,) = db
        .fetch_one(
            "SELECT t.id FROM teams t JOIN areas a ON a.id = t.area_id WHERE a.code = 'rach-kien-ap-01'",
            &[],
        )
        .await
        .unwrap();
    let r = head
        .post_form(
            "/year-end/nominations",
            &[
                ("year", "2026"),
                ("nominee", &format!("team:{}", other.0)),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = head
        .post_form(
            "/year-end/practices",
            &[
                ("title", "Zalo ấp theo từng xóm"),
                ("description", "Mỗi xóm một người quản trị nhóm."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (id,): (i64,) = db
        .fetch_one("SELECT id FROM award_nominations", &[])
        .await
        .unwrap();
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let decide = format!("/year-end/nominations/{id}/decide");
    assert_eq!(
        vhxh.post_form(&decide, &[("decision", "approve")])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "only the commune leader decides"
    );
    let mut leader = Client::login(app.clone(), "chutich").await;
    let r = leader.post_form(&decide, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status,): (String,) = db
        .fetch_one(
            "SELECT status FROM award_nominations WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(status, "approved");
    let r = leader.post_form(&decide, &[("decision", "reject")]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decision is not turned around"
    );
    let page = leader.get("/year-end?year=2026").await;
    assert!(page.body.contains("Đồng ý khen thưởng"));
    assert!(page.body.contains("Zalo ấp theo từng xóm"));
    let api = leader
        .get("/api/v1/indicators?area=rach-kien&period=2026")
        .await
        .json();
    let pick = |code: &str| {
        api.as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .map(|f| f["numerator"].as_i64().unwrap())
            .unwrap()
    };
    assert_eq!(pick("teams_year_end_report"), 1);
    assert_eq!(pick("good_practices"), 1);
}

#[tokio::test]
async fn year_end_evaluations_nominations_and_good_practices() {
    for url in backends().await {
        year_end(url).await;
    }
}

async fn communications(url: String) {
    // The demo as it stood before May: the month's communications are the test's alone.
    let db = demo_db_on(&url, "2026-04-30").await;
    let app = app_on(db.clone(), "2026-05-20");
    let mut head = Client::login(app.clone(), "truongap03").await;
    for (fields, message) in [
        (
            vec![("channel", "tv"), ("title", "x"), ("date", "10/05/2026")],
            "hình thức",
        ),
        (
            vec![("channel", "zalo"), ("title", " "), ("date", "10/05/2026")],
            "nội dung",
        ),
        (
            vec![("channel", "zalo"), ("title", "x"), ("date", "31/02/2026")],
            "Ngày không hợp lệ",
        ),
        (
            vec![("channel", "zalo"), ("title", "x"), ("date", "21/05/2026")],
            "tương lai",
        ),
        (
            vec![
                ("channel", "zalo"),
                ("title", "x"),
                ("date", "10/05/2026"),
                ("times", "0"),
            ],
            "Số lần",
        ),
        (
            vec![("channel", "zalo"), ("title", "x"), ("date", "12/05/26")],
            "quá xa",
        ),
    ] {
        let r = head.post_form("/communications", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    let r = head
        .post_form(
            "/communications",
            &[
                ("channel", "loudspeaker"),
                ("title", "Hướng dẫn cài Tây Ninh Smart"),
                ("date", "12/05/2026"),
                ("times", "3"),
                // A hamlet head's record is their hamlet's, whatever the form says.
                ("hamlet", "999"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let r = vhxh
        .post_form(
            "/communications",
            &[
                ("channel", "facebook"),
                ("title", "Ngày hội Bình dân học vụ số"),
                ("date", "15/05/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (ap1,): (i64,) = db
        .fetch_one("SELECT id FROM areas WHERE code = 'rach-kien-ap-01'", &[])
        .await
        .unwrap();
    let r = vhxh
        .post_form(
            "/communications",
            &[
                ("channel", "video"),
                ("title", "Phóng sự Ấp 1"),
                ("date", "16/05/2026"),
                ("hamlet", &ap1.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Ấp 3 sees its own and the commune-wide ones, not Ấp 1's.
    let page = head.get("/communications?month=2026-05").await;
    assert!(page.body.contains("Hướng dẫn cài Tây Ninh Smart"));
    assert!(page.body.contains("Ngày hội Bình dân học vụ số"));
    assert!(!page.body.contains("Phóng sự Ấp 1"));
    assert!(
        page.body
            .contains("id=\"communications-total\">3</strong> <span class=\"muted\">(và 1 lượt"),
        "the hamlet's own total, as its report counts it: {}",
        page.body
    );
    assert_eq!(
        page.body.matches("/delete\"").count(),
        1,
        "the head may delete only what they recorded"
    );
    let area = congdongso::db::areas::by_code(&db, AP3)
        .await
        .unwrap()
        .unwrap();
    let commune = congdongso::db::areas::by_code(&db, "rach-kien")
        .await
        .unwrap()
        .unwrap();
    let may = congdongso::indicators::Period::parse("2026-05").unwrap();
    let f = congdongso::db::reports::area_figures(&db, &area, &may)
        .await
        .unwrap();
    assert_eq!(
        f.communications_total(),
        3,
        "the hamlet's own: three broadcasts"
    );
    let f = congdongso::db::reports::area_figures(&db, &commune, &may)
        .await
        .unwrap();
    assert_eq!(f.communications_total(), 5, "the commune: all of them");
    let by = |code: &str| {
        f.communications
            .iter()
            .find(|c| c.code == code)
            .unwrap()
            .count
    };
    assert_eq!((by("loudspeaker"), by("facebook"), by("video")), (3, 1, 1));

    // Deleting: another hamlet's head may not, the commune admin may, with the audit kept.
    let (id,): (i64,) = db
        .fetch_one(
            "SELECT id FROM communications WHERE channel = 'video' AND title = 'Phóng sự Ấp 1'",
            &[],
        )
        .await
        .unwrap();
    let mut other = Client::login(app.clone(), "truongap01").await;
    assert_eq!(
        other
            .post_form(&format!("/communications/{id}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "recorded by the commune: not the hamlet head's to delete"
    );
    let r = vhxh
        .post_form(&format!("/communications/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = vhxh
        .post_form(&format!("/communications/{id}/delete"), &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "deleted once");
    let f = congdongso::db::reports::area_figures(&db, &commune, &may)
        .await
        .unwrap();
    assert_eq!(f.communications_total(), 4);
    let audited = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'communication'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(audited, 4, "three records and one deletion");
}

#[tokio::test]
async fn communications_are_recorded_and_counted_in_the_reports() {
    for url in backends().await {
        communications(url).await;
    }
}
