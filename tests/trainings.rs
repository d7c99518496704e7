//! Tập huấn (issue 20) on both databases: a session recorded and its attendance, the training
//! list (who still needs which topic) against a hand count, the member's page and certificate,
//! the Excel list read back, the API, and who may do what.

mod common;
use axum::http::StatusCode;
use common::{Client, DEMO_DAY, app_on, backends, demo_db};
use congdongso::db::Db;

async fn scalar(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn case(url: String) {
    let db = demo_db(&url).await;
    let app = app_on(db.clone(), DEMO_DAY);
    let commune = scalar(&db, "SELECT id FROM areas WHERE code = 'rach-kien'").await;
    let hamlet = scalar(&db, "SELECT id FROM areas WHERE code = 'rach-kien-ap-03'").await;
    let team_members: Vec<(i64,)> = db
        .fetch_all(
            "SELECT m.id FROM members m JOIN teams t ON t.id = m.team_id \
             WHERE t.area_id = $1 AND m.active = 1 ORDER BY m.id",
            &[hamlet.into()],
        )
        .await
        .unwrap();
    assert!(team_members.len() >= 3, "ấp 3's team has members");
    let (a, b) = (team_members[0].0, team_members[1].0);
    let policies = scalar(
        &db,
        "SELECT id FROM training_topics WHERE code = 'policies'",
    )
    .await;
    let vhxh_id = scalar(&db, "SELECT id FROM accounts WHERE username = 'vhxh'").await;

    // The commune admin records a session of 2025 (the demo's trainings are of 2026) …
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let topic = policies.to_string();
    let bad = admin
        .post_form(
            "/trainings",
            &[
                ("topic_id", &topic),
                ("held_on", "31/02/2025"),
                ("organiser", "telecom"),
                ("method", "hands_on"),
                ("place", "Nhà văn hóa ấp 3"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Nhà văn hóa ấp 3"),
        "what was typed comes back"
    );
    let r = admin
        .post_form(
            "/trainings",
            &[
                ("topic_id", &topic),
                ("held_on", "10/03/2025"),
                ("organiser", "telecom"),
                ("organiser_name", "VNPT Tây Ninh"),
                ("method", "hands_on"),
                ("place", "Nhà văn hóa ấp 3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    // … and who came: two members of ấp 3 (one with a certificate) and the admin herself.
    let (ka, kb, ko) = (format!("m{a}"), format!("m{b}"), format!("a{vhxh_id}"));
    let r = admin
        .post_form(
            &format!("/trainings/{id}/attendance"),
            &[
                ("present", &ka),
                (&format!("result_{ka}"), "certificate"),
                ("present", &kb),
                ("present", &ko),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.get(&format!("/trainings/{id}")).await;
    assert!(
        page.body.contains("id=\"present-count\">3<"),
        "{}",
        page.body
    );
    let r = admin
        .post_form(
            &format!("/trainings/{id}/attendance"),
            &[("present", "m999999")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not one of the commune's"
    );

    // The API lists it with its attendees.
    let r = admin
        .get("/api/v1/trainings?area=rach-kien&year=2025")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let t = &list[0];
    assert_eq!(t["date"], "2025-03-10");
    assert_eq!(t["organiser"], "telecom");
    assert_eq!(t["method"], "hands_on");
    let att = t["attendees"].as_array().unwrap();
    let of = |m: i64| att.iter().find(|x| x["member_id"] == m).unwrap().clone();
    assert_eq!(of(a)["attended"], true);
    assert_eq!(of(a)["result"], "certificate");
    assert_eq!(of(b)["attended"], true);
    assert_eq!(of(team_members[2].0)["attended"], false);
    let members = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM members WHERE commune_id = {commune} AND active = 1"),
    )
    .await;
    assert_eq!(
        att.iter().filter(|x| x["member_id"].is_i64()).count() as i64,
        members,
        "every member, present or not"
    );

    // The training list of 2025 for ấp 3, by hand: A and B need the five other topics, the
    // rest of the team all six.
    let topics = scalar(
        &db,
        "SELECT COUNT(*) FROM training_topics WHERE commune_id IS NULL",
    )
    .await;
    let (all, needs) = congdongso::db::trainings::needs(&db, commune, Some(hamlet), 2025)
        .await
        .unwrap();
    assert_eq!(all.len() as i64, topics);
    assert_eq!(needs.len(), team_members.len());
    for n in &needs {
        let want = if n.member_id == a || n.member_id == b {
            topics - 1
        } else {
            topics
        };
        assert_eq!(n.topics.len() as i64, want, "{}", n.name);
        assert_eq!(
            n.topics.contains(&policies),
            !(n.member_id == a || n.member_id == b)
        );
    }
    // The hamlet head sees the same list for the team, on the page and in Excel.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let r = head.get("/trainings/needs?year=2025").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.matches("data-member=").count(), team_members.len());
    let r = head.get("/trainings/needs?year=2025&format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let named: Vec<String> = sheet
        .rows()
        .filter_map(|row| match (row.first(), row.get(1)) {
            (Some(Data::Float(_)), Some(Data::String(n))) => Some(n.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(named.len(), team_members.len(), "{named:?}");

    // The member's page shows the session; the hamlet head records the member's certificate.
    let r = head.get(&format!("/members/{a}/trainings")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Chủ trương, chính sách về chuyển đổi số"));
    assert!(r.body.contains("Có chứng nhận"));
    let r = head
        .post_form(
            &format!("/members/{a}/certificate"),
            &[("digital_skills_on", "05/04/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let on: (Option<String>,) = db
        .fetch_one(
            &format!("SELECT digital_skills_on FROM members WHERE id = {a}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(on.0.as_deref(), Some("2025-04-05"));
    let mut other_head = Client::login(app.clone(), "truongap01").await;
    let r = other_head
        .post_form(
            &format!("/members/{a}/certificate"),
            &[("digital_skills_on", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another hamlet's head");
    assert_eq!(
        other_head
            .get(&format!("/members/{a}/trainings"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The indicators of ấp 3, by hand: with the team's members all joined before 2025, two of
    // them trained in March 2025 (A and B) and one certified in April (A).
    let team = scalar(
        &db,
        &format!("SELECT id FROM teams WHERE area_id = {hamlet}"),
    )
    .await;
    db.execute(
        &format!("UPDATE members SET joined_on = '2024-01-01' WHERE team_id = {team}"),
        &[],
    )
    .await
    .unwrap();
    let n = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM members WHERE team_id = {team} \
             AND (active = 1 OR left_on IS NOT NULL) AND (left_on IS NULL OR left_on > '2025-12-31')"
        ),
    )
    .await;
    let figure = |period: &'static str, code: &'static str| {
        let app = app.clone();
        async move {
            let mut head = Client::login(app, "truongap03").await;
            let r = head
                .get(&format!(
                    "/api/v1/indicators?area=rach-kien-ap-03&period={period}"
                ))
                .await;
            let all = r.json();
            let f = all
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == code)
                .unwrap_or_else(|| panic!("{code}"))
                .clone();
            (
                f["numerator"].as_i64().unwrap(),
                f["denominator"].as_i64().unwrap(),
            )
        }
    };
    assert_eq!(figure("2025", "members_trained").await, (2, n));
    assert_eq!(figure("2025-03", "members_trained").await, (2, n));
    assert_eq!(figure("2025-02", "members_trained").await, (0, n));
    assert_eq!(figure("2025", "members_digital_skills").await, (1, n));
    assert_eq!(
        figure("2025-03", "members_digital_skills").await,
        (0, n),
        "certified in April"
    );

    // The reports count the register's sessions: ấp 3's report of 2025 has this session (its
    // members were there) and their attendances; the commune's, the same.
    for code in ["rach-kien-ap-03", "rach-kien"] {
        let area = congdongso::db::areas::by_code(&db, code)
            .await
            .unwrap()
            .unwrap();
        let f = congdongso::db::reports::area_figures(
            &db,
            &area,
            &congdongso::indicators::Period::Year(2025),
        )
        .await
        .unwrap();
        assert_eq!((f.trainings, f.training_attendances), (1, 2), "{code}");
    }
    let other = congdongso::db::areas::by_code(&db, "rach-kien-ap-01")
        .await
        .unwrap()
        .unwrap();
    let f = congdongso::db::reports::area_figures(
        &db,
        &other,
        &congdongso::indicators::Period::Year(2025),
    )
    .await
    .unwrap();
    assert_eq!(
        (f.trainings, f.training_attendances),
        (0, 0),
        "ấp 1's team was not there"
    );

    // Live up to the province: a third member marked present moves the province's figure
    // at once (its cached share of the commune is dropped by the write).
    let province = || {
        let app = app.clone();
        async move {
            let mut so = Client::login(app, "so").await;
            let r = so.get("/api/v1/indicators?area=tay-ninh&period=2025").await;
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == "members_trained")
                .unwrap()["numerator"]
                .as_i64()
                .unwrap()
        }
    };
    let before = province().await;
    let kc = format!("m{}", team_members[2].0);
    let r = admin
        .post_form(
            &format!("/trainings/{id}/attendance"),
            &[
                ("present", &ka),
                (&format!("result_{ka}"), "certificate"),
                ("present", &kb),
                ("present", &kc),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(province().await, before + 1);

    // The API records a session with its attendance at once, or nothing.
    let before = scalar(&db, "SELECT COUNT(*) FROM trainings").await;
    let body = serde_json::json!({"topic_id": policies, "date": "2025-06-01", "organiser": "commune",
        "method": "in_person", "present": [a, 999999]});
    let r = admin.post_json("/api/v1/trainings", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM trainings").await,
        before,
        "nothing written"
    );
    let body = serde_json::json!({"topic_id": policies, "date": "2025-06-01", "organiser": "commune",
        "method": "in_person", "present": [a, b]});
    let r = admin.post_json("/api/v1/trainings", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["present"], 2);
    // A session entered by mistake is removed from the list (kept for the record).
    let made = r.json()["id"].as_i64().unwrap();
    let r = admin
        .post_form(&format!("/trainings/{made}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get(&format!("/trainings/{made}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = admin.get("/api/v1/trainings?year=2025").await;
    assert_eq!(
        r.json().as_array().unwrap().len(),
        1,
        "only the first session"
    );

    // Who may: the leader reads; finance, the province, a team member see nothing.
    let mut leader = Client::login(app.clone(), "chutich").await;
    assert_eq!(
        leader.get("/trainings?year=2025").await.status,
        StatusCode::OK
    );
    let r = leader
        .post_form(
            "/trainings",
            &[
                ("topic_id", &topic),
                ("held_on", "10/03/2025"),
                ("organiser", "commune"),
                ("method", "online"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for user in ["kinhte", "so", "tovien03"] {
        let mut c = Client::login(app.clone(), user).await;
        assert_eq!(
            c.get("/trainings").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    let audited = scalar(&db, "SELECT COUNT(*) FROM audit_log WHERE entity IN ('trainings', 'members') AND action IN ('add', 'set_attendance', 'set_certificate')").await;
    assert!(audited >= 5, "{audited}");
}

#[tokio::test]
async fn a_session_its_attendance_and_who_still_needs_what() {
    for url in backends().await {
        case(url).await;
    }
}

#[tokio::test]
async fn the_demo_trains_its_teams() {
    let url = backends().await.remove(0);
    let db = demo_db(&url).await;
    let sessions = scalar(
        &db,
        "SELECT COUNT(*) FROM trainings WHERE held_on <= '2026-11-20'",
    )
    .await;
    assert!(sessions >= 5, "{sessions} sessions by 20 November");
    let present = scalar(
        &db,
        "SELECT COUNT(*) FROM training_attendees WHERE attended = 1",
    )
    .await;
    assert!(present > sessions * 10, "{present}");
    let certified = scalar(
        &db,
        "SELECT COUNT(*) FROM members WHERE digital_skills_on IS NOT NULL",
    )
    .await;
    assert!(certified > 0);
}
