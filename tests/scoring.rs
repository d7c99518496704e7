//! The year-end scored sheet on both databases: the default criteria seeded, the automatic
//! points computed from real activities and reports equal to the hand-computed ones, manual
//! scores checked, who may change what, the year-end report carrying the sheet, and the
//! nominations showing each team's rank.

mod common;
use axum::http::StatusCode;
use calamine::Reader;
use common::{Client, app_on, backends, demo_db_on};
use congdongso::db::{Db, areas, scoring};
use congdongso::reports::docx;

const AP3: &str = "rach-kien-ap-03";
/// The day every test of this file runs on: the sheet reads January to September (9 months,
/// 3 quarters) and the reports due up to 25 September.
const TODAY: &str = "2026-10-10";

fn fix_today() {
    // The indicator engine's calendar (reports expected so far) is process-wide: every test of
    // this file sets the same day.
    congdongso::indicators::period::set_today(
        chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap(),
    );
}

async fn id_of(db: &Db, sql: &str, code: &str) -> i64 {
    db.scalar_i64(sql, &[code.into()]).await.unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

/// `max × num / den` in tenths, rounded half up, as worked out on paper.
fn share(max: i64, num: i64, den: i64) -> i64 {
    if den == 0 {
        0
    } else {
        (max * 10 * num * 2 + den) / (2 * den)
    }
}

fn points(tenths: i64) -> String {
    format!("{},{}", tenths / 10, tenths % 10)
}

/// Hamlet 3's year, made by hand: the demo's activities and monthly reports withdrawn, then
/// 4 activities in each month from January to June (one of May's an information-security
/// session), 3 in July and none in August or September; the monthly reports of January to
/// June submitted on the 20th (on time), July's on the 28th (late), August's and September's
/// not at all.
async fn hamlet_three_year(db: &Db) {
    let hamlet = id_of(db, "SELECT id FROM areas WHERE code = $1", AP3).await;
    db.execute(
        "UPDATE activities SET active = 0 WHERE hamlet_id = $1",
        &[hamlet.into()],
    )
    .await
    .unwrap();
    db.execute(
        "DELETE FROM monthly_reports WHERE hamlet_id = $1",
        &[hamlet.into()],
    )
    .await
    .unwrap();
    let app = app_on(db.clone(), TODAY);
    let mut head = Client::login(app, "truongap03").await;
    let hamlet_id = hamlet.to_string();
    for month in 1..=7 {
        let n = if month == 7 { 3 } else { 4 };
        for day in 1..=n {
            let kind = if month == 5 && day == 2 {
                "security_session"
            } else {
                "door_to_door"
            };
            let date = format!("{:02}/{month:02}/2026", day * 5);
            let r = head
                .post_form(
                    "/activities",
                    &[
                        ("hamlet_id", &hamlet_id),
                        ("kind", kind),
                        ("activity_date", &date),
                        ("place", "Nhà văn hóa Ấp 3"),
                        ("residents_reached", "12"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{date}: {}", r.body);
        }
    }
    for month in 1..=7 {
        let day = if month == 7 { 28 } else { 20 };
        let app = app_on(db.clone(), &format!("2026-{month:02}-{day}"));
        let mut head = Client::login(app, "truongap03").await;
        let r = head
            .post_form(
                &format!("/reports/{AP3}/2026-{month:02}"),
                &[
                    ("results", "Đi từng ngõ, gõ từng nhà."),
                    ("difficulties", ""),
                    ("proposals", ""),
                    ("next_plan", "Tiếp tục."),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "month {month}: {}", r.body);
    }
}

/// The row of a team in the page's sheet.
fn sheet_row<'a>(body: &'a str, team: &str) -> &'a str {
    let table = &body[body.find("id=\"score-sheet\"").expect("the sheet")..];
    let at = table
        .find(&format!("<td>{team}</td>"))
        .unwrap_or_else(|| panic!("{team} in the sheet"));
    let start = table[..at].rfind("<tr").unwrap();
    let end = at + table[at..].find("</tr>").unwrap();
    &table[start..end]
}

async fn automatic_and_manual_points(url: String) {
    fix_today();
    let db = demo_db_on(&url, TODAY).await;
    hamlet_three_year(&db).await;
    let app = app_on(db.clone(), TODAY);
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let year: Vec<(i64, String, i64, String)> = db
        .fetch_all(
            "SELECT c.id, c.name, c.max_points, c.method FROM score_criteria c \
             JOIN areas a ON a.id = c.commune_id \
             WHERE a.code = 'rach-kien' AND c.year = 2026 AND c.active = 1 ORDER BY c.position",
            &[],
        )
        .await
        .unwrap();
    let methods: Vec<&str> = year.iter().map(|c| c.3.as_str()).collect();
    assert_eq!(
        methods,
        [
            "activities",
            "targets_met",
            "adults_guided",
            "security_sessions",
            "reports_on_time",
            "manual",
            "manual"
        ],
        "the demo year has the plan's default criteria"
    );
    let (zalo, dx_day) = (year[5].0, year[6].0);
    let team = id_of(
        &db,
        "SELECT t.id FROM teams t JOIN areas a ON a.id = t.area_id WHERE a.code = $1",
        AP3,
    )
    .await;

    // Manual points: over the maximum refused in Vietnamese, nothing written.
    let before = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'team_score'",
    )
    .await;
    let r = vhxh
        .post_form(
            "/year-end/scores",
            &[
                ("criterion_id", &zalo.to_string()),
                (&format!("points_{team}"), "5,5"),
                (&format!("note_{team}"), "Nhóm Zalo sôi nổi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("tối đa 5 điểm"), "{}", r.body);
    for (criterion, value) in [(zalo, "4,5"), (dx_day, "8")] {
        let r = vhxh
            .post_form(
                "/year-end/scores",
                &[
                    ("criterion_id", &criterion.to_string()),
                    (&format!("points_{team}"), value),
                    (&format!("note_{team}"), "Đã kiểm tra hồ sơ"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'team_score'"
        )
        .await,
        before + 2
    );
    // An automatic criterion is not scored by hand.
    let r = vhxh
        .post_form(
            "/year-end/scores",
            &[
                ("criterion_id", &year[0].0.to_string()),
                (&format!("points_{team}"), "25"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // By hand: 6 of 9 months with 4 activities; 1 of 3 quarters with a security session;
    // 6 of 9 reports on time; the targets and adults guided as the indicators API says.
    let api = vhxh
        .get(&format!("/api/v1/indicators?area={AP3}&period=2026"))
        .await
        .json();
    let figures = api.as_array().unwrap();
    let judged: Vec<&serde_json::Value> = figures
        .iter()
        .filter(|f| !f["target"].is_null() && !f["met"].is_null())
        .collect();
    let met = judged.iter().filter(|f| f["met"] == true).count() as i64;
    let guided = figures
        .iter()
        .find(|f| f["code"] == "adults_guided")
        .unwrap();
    let (num, den) = (
        guided["numerator"].as_i64().unwrap(),
        guided["denominator"].as_i64().unwrap(),
    );
    let target = guided["target"].as_i64().unwrap_or(100);
    let reports = figures
        .iter()
        .find(|f| f["code"] == "reports_on_time")
        .unwrap();
    assert_eq!(
        (
            reports["numerator"].as_i64(),
            reports["denominator"].as_i64()
        ),
        (Some(6), Some(9)),
        "the engine agrees on the reports"
    );
    let expected = [
        share(25, 6, 9),
        share(25, met, judged.len() as i64),
        share(15, (num * 100).min(den * target), den * target),
        share(10, 1, 3),
        share(10, 6, 9),
        45,
        80,
    ];
    assert_eq!(
        [expected[0], expected[3], expected[4]],
        [167, 33, 67],
        "16,7 + 3,3 + 6,7"
    );
    let total: i64 = expected.iter().sum();
    let commune = areas::by_code(&db, "rach-kien").await.unwrap().unwrap();
    let sheet = scoring::sheet(&db, &commune, 2026, TODAY).await.unwrap();
    let line = sheet.line_of(team).unwrap();
    let got: Vec<i64> = line.points.iter().map(|p| p.tenths.unwrap()).collect();
    assert_eq!(got, expected);
    assert_eq!(line.total, total);
    assert_eq!(line.points[0].basis, "6/9 tháng đạt");
    assert_eq!(line.points[5].basis, "Đã kiểm tra hồ sơ");
    assert_eq!(sheet.teams.len(), 17);
    assert!(sheet.teams.windows(2).all(|w| w[0].total >= w[1].total));

    // The page: every point of the row, and the total.
    let page = vhxh.get("/year-end?year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = sheet_row(&page.body, "Tổ CNSCĐ Ấp 3");
    for p in expected {
        assert!(
            row.contains(&format!(">{}</td>", points(p))),
            "{p} in {row}"
        );
    }
    assert!(
        row.contains(&format!("<strong>{}</strong>", points(total))),
        "{row}"
    );
    assert!(page.body.contains("Đơn vị xác nhận"));
    assert!(
        page.body
            .contains("Điểm = điểm tối đa × số tháng Tổ có ít nhất 4 buổi hoạt động")
    );

    // The ranking feeds the nominations: one step from the rank, the reason carries the score.
    let standing = sheet.standing(team).unwrap();
    assert!(page.body.contains(&standing), "the prefilled reason");
    let r = vhxh
        .post_form(
            "/year-end/nominations",
            &[
                ("year", "2026"),
                ("nominee", &format!("team:{team}")),
                ("reason", &standing),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut leader = Client::login(app.clone(), "chutich").await;
    let page = leader.get("/year-end?year=2026").await;
    let rank = format!("Hạng {}/17 · {} điểm", line.rank, points(total));
    assert!(page.body.contains(&rank), "{rank} next to the nomination");
    assert!(
        page.body.contains("id=\"score-sheet\""),
        "the leader reads the sheet"
    );
    assert!(
        !page.body.contains("action=\"/year-end/scores\""),
        "the leader does not score"
    );

    // The year-end report carries the sheet, in Word and in Excel.
    let docx_bytes = download(&mut vhxh, "docx").await;
    let text = docx::paragraphs_text(&docx_bytes).unwrap().join("\n");
    let xlsx = download(&mut vhxh, "xlsx").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let mut cells = String::new();
    let mut ap3_row: Vec<calamine::Data> = Vec::new();
    for name in wb.sheet_names() {
        for r in wb.worksheet_range(&name).unwrap().rows() {
            let named =
                |c: &calamine::Data| matches!(c, calamine::Data::String(s) if s == "Tổ CNSCĐ Ấp 3");
            if r.iter().any(named) && r.len() > 3 {
                ap3_row = r.to_vec();
            }
            for c in r {
                cells.push_str(&c.to_string());
                cells.push('\n');
            }
        }
    }
    for all in [&text, &cells] {
        for s in [
            "Kết quả chấm điểm, xếp hạng các Tổ CNSCĐ",
            "Bảng điểm, xếp hạng các Tổ CNSCĐ",
            "Duy trì hoạt động tối thiểu 4 lần/tháng",
            "Phòng Văn hóa – Xã hội",
            "Tổ CNSCĐ Ấp 3",
        ] {
            assert!(all.contains(s), "«{s}» in\n{all}");
        }
    }
    // Word writes the points with a decimal comma; Excel keeps them as numbers to add up.
    for s in [points(total), points(expected[0])] {
        assert!(text.contains(&s), "«{s}» in\n{text}");
    }
    for tenths in [total, expected[0]] {
        let number = calamine::Data::Float(tenths as f64 / 10.0);
        assert!(ap3_row.contains(&number), "{number:?} in {ap3_row:?}");
    }
}

async fn download(c: &mut Client, format: &str) -> Vec<u8> {
    let r = c
        .get(&format!(
            "/reports/file?area=rach-kien&kind=yearly&period=2026&format={format}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.body);
    r.bytes
}

#[tokio::test]
async fn automatic_points_follow_the_data_and_the_ranking_feeds_the_nominations() {
    for url in backends().await {
        automatic_and_manual_points(url).await;
    }
}

async fn criteria_and_permissions(url: String) {
    fix_today();
    let db = demo_db_on(&url, TODAY).await;
    let app = app_on(db.clone(), TODAY);
    let mut vhxh = Client::login(app.clone(), "vhxh").await;
    let criteria_of = |year: i64| {
        let db = db.clone();
        async move {
            let rows: Vec<(i64, String, i64)> = db
                .fetch_all(
                    "SELECT id, name, max_points FROM score_criteria \
                     WHERE year = $1 AND active = 1 ORDER BY position, id",
                    &[year.into()],
                )
                .await
                .unwrap();
            rows
        }
    };

    // A year without criteria: the leader sees the set it would start from, nothing stored;
    // the admin's first look seeds the default set, audited.
    let mut leader = Client::login(app.clone(), "chutich").await;
    let page = leader.get("/year-end?year=2025").await;
    assert!(
        page.body.contains("id=\"scores-provisional\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Duy trì hoạt động tối thiểu 4 lần/tháng")
    );
    assert!(criteria_of(2025).await.is_empty(), "reading writes nothing");
    let page = vhxh.get("/year-end?year=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"scores-provisional\""));
    let seeded = criteria_of(2025).await;
    assert_eq!(seeded.len(), 7);
    assert_eq!(seeded.iter().map(|c| c.2).sum::<i64>(), 100);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'score_criteria' AND action = 'create'"
        )
        .await,
        1
    );
    vhxh.get("/year-end?year=2025").await;
    assert_eq!(criteria_of(2025).await.len(), 7, "seeded once");

    // Who may change criteria and scores: the commune admin only, with the CSRF token.
    let first = criteria_of(2026).await[0].0;
    let zalo = criteria_of(2026).await[5].0;
    let new = [
        ("year", "2026"),
        ("name", "Tham gia tập huấn đầy đủ"),
        ("max_points", "5"),
        ("method", "manual"),
        ("how", "Thành viên dự đủ các buổi tập huấn."),
        ("evidence", "Danh sách điểm danh tập huấn."),
        ("verifier", "Phòng Văn hóa – Xã hội"),
    ];
    let mut head = Client::login(app.clone(), "truongap03").await;
    let page = head.get("/year-end?year=2026").await;
    assert!(
        page.body.contains("id=\"score-sheet\""),
        "the hamlet head reads the sheet"
    );
    assert!(!page.body.contains("id=\"criterion-form\""));
    let retire = format!("/year-end/criteria/{first}/retire");
    let score = [("criterion_id", zalo.to_string())];
    let score: Vec<(&str, &str)> = score.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for c in [&mut head, &mut leader] {
        assert_eq!(
            c.post_form("/year-end/criteria", &new).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_form(&retire, &[]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_form("/year-end/scores", &score).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let mut so = Client::login(app.clone(), "so").await;
    assert_eq!(
        so.get("/year-end?year=2026").await.status,
        StatusCode::FORBIDDEN
    );
    let r = vhxh.post_raw_form("/year-end/criteria", &new).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no change");
    assert_eq!(criteria_of(2026).await.len(), 7);

    // The admin adds, changes and retires, each audited.
    let r = vhxh.post_form("/year-end/criteria", &new).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let added = criteria_of(2026).await;
    assert_eq!(added.len(), 8);
    let (new_id, name, max) = added.last().unwrap().clone();
    assert_eq!((name.as_str(), max), ("Tham gia tập huấn đầy đủ", 5));
    let r = vhxh
        .post_form(
            "/year-end/criteria",
            &[
                ("year", "2026"),
                ("name", "X"),
                ("max_points", "0"),
                ("method", "manual"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Điểm tối đa"), "{}", r.body);
    // A maximum below a score already given is refused.
    let team = id_of(
        &db,
        "SELECT t.id FROM teams t JOIN areas a ON a.id = t.area_id WHERE a.code = $1",
        AP3,
    )
    .await;
    let r = vhxh
        .post_form(
            "/year-end/scores",
            &[
                ("criterion_id", &new_id.to_string()),
                (&format!("points_{team}"), "4,5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let change = |max: &'static str| {
        [
            ("name", "Tham gia tập huấn"),
            ("max_points", max),
            ("method", "manual"),
            ("position", "20"),
            ("how", "Dự đủ các buổi."),
            ("evidence", "Điểm danh."),
            ("verifier", "UBND xã"),
        ]
    };
    let path = format!("/year-end/criteria/{new_id}");
    let r = vhxh.post_form(&path, &change("4")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cao hơn điểm tối đa mới"), "{}", r.body);
    let r = vhxh.post_form(&path, &change("6")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        criteria_of(2026).await.last().unwrap().1,
        "Tham gia tập huấn"
    );
    let page = vhxh.get("/year-end?year=2026").await;
    assert!(
        page.body
            .contains(&format!("action=\"/year-end/criteria/{first}/retire\"")),
        "the retire button"
    );
    assert!(
        page.body.contains("data-confirm=\"Thôi áp dụng tiêu chí"),
        "confirmed first"
    );
    let r = vhxh.post_form(&retire, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(criteria_of(2026).await.len(), 7);
    let actions: Vec<(String,)> = db
        .fetch_all(
            "SELECT action FROM audit_log WHERE entity = 'score_criterion' ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
    assert_eq!(actions, ["create", "update", "retire"]);

    // A new year starts from the last year's criteria in force.
    let app_2027 = app_on(db.clone(), "2027-01-05");
    let mut vhxh_2027 = Client::login(app_2027, "vhxh").await;
    assert_eq!(
        vhxh_2027.get("/year-end?year=2027").await.status,
        StatusCode::OK
    );
    let names = |rows: Vec<(i64, String, i64)>| rows.into_iter().map(|r| r.1).collect::<Vec<_>>();
    assert_eq!(
        names(criteria_of(2027).await),
        names(criteria_of(2026).await)
    );
}

#[tokio::test]
async fn criteria_are_the_communes_and_only_its_admin_changes_them() {
    for url in backends().await {
        criteria_and_permissions(url).await;
    }
}
