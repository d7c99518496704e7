//! The commune's report to the province (submit, return with a comment, submit again keeping
//! the first date, acknowledge and freeze), who may do what, the province's completeness one
//! level up with its due day, and the province's own report — on SQLite and PostgreSQL.

mod common;
use axum::http::StatusCode;
use common::{Client, add_account, add_commune, app_on, backends, bin, demo_db_on, keys, migrated};
use congdongso::auth::Role;
use congdongso::db::{Db, areas, commune_reports, province_report, reports};
use congdongso::demo::{self, ProvinceOptions};
use congdongso::indicators::Period;
use congdongso::indicators::period::month;
use congdongso::reports::build::Kind;
use congdongso::reports::figures::Timeliness;

/// The demo as it stood on the day these tests start from: October's report sent on 4 November,
/// August's and September's acknowledged, the third quarter's sent, November's still to come.
const DEMO_DAY: &str = "2026-11-20";

async fn report(db: &Db, code: &str, period: &str) -> commune_reports::CommuneReport {
    let c = areas::by_code(db, code).await.unwrap().unwrap();
    commune_reports::get(db, c.id, period)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{code} {period} exists"))
}

/// Sends `code`'s report for `period` as its admin on `today`.
async fn send(db: &Db, code: &str, period: &str, today: &str) {
    let mut admin = Client::login(app_on(db.clone(), today), &format!("{code}-admin")).await;
    let r = admin
        .post_form(
            &format!("/reports/commune/{code}/{period}"),
            &[
                ("difficulties", "Thiếu điện thoại thông minh."),
                ("action", "submit"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{code} {period}: {}",
        r.body
    );
}

#[tokio::test]
async fn the_commune_report_goes_up_comes_back_and_is_frozen_once_acknowledged() {
    for url in backends().await {
        let db = demo_db_on(&url, DEMO_DAY).await;
        let app = app_on(db.clone(), "2026-12-03");
        let page = "/reports/commune/rach-kien/2026-11";
        let mut vhxh = Client::login(app.clone(), "vhxh").await;
        let r = vhxh.get(page).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        assert!(r.body.contains("id=\"report-form\""), "{}", r.body);
        // The commune's page lists its reports to the province.
        let list = vhxh.get("/reports?month=2026-11").await;
        assert!(
            list.body
                .contains("href=\"/reports/commune/rach-kien/2026-11\""),
            "{}",
            list.body
        );

        let home = vhxh.get("/").await;
        assert!(
            home.body
                .contains("Báo cáo tháng 11/2026 của xã chưa gửi Sở: hạn 05/12/2026."),
            "{}",
            home.body
        );
        // Sending needs the confirmation box ticked, and the session's CSRF token.
        let fields = [
            ("results", "Ra quân cao điểm."),
            ("difficulties", "Sóng yếu ở ấp ven sông."),
            ("proposals", "Xin thêm tài liệu."),
            ("next_plan", "Tiếp tục."),
            ("action", "submit"),
        ];
        let r = vhxh.post_form(page, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let mut confirmed = fields.to_vec();
        confirmed.push(("confirm", "yes"));
        let r = vhxh.post_raw_form(page, &confirmed).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
        let c = areas::by_code(&db, "rach-kien").await.unwrap().unwrap();
        assert!(
            commune_reports::get(&db, c.id, "2026-11")
                .await
                .unwrap()
                .is_none()
        );
        let r = vhxh.post_form(page, &confirmed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let sent = report(&db, "rach-kien", "2026-11").await;
        assert_eq!(
            (sent.status.as_str(), sent.submitted_on.as_deref()),
            ("submitted", Some("2026-12-03"))
        );
        assert_eq!(sent.kind, "monthly");
        assert_eq!(sent.difficulties, "Sóng yếu ở ấp ven sông.");
        // Sent: the home page no longer asks the admin for it.
        let home = vhxh.get("/").await;
        assert!(!home.body.contains("của xã chưa gửi Sở"), "{}", home.body);
        // Sent: the admin cannot change it any more.
        let r = vhxh
            .post_form(page, &[("results", "Sửa"), ("action", "save")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // Who may not review: the commune itself, its leader, a hamlet head, another
        // province's department, another commune's admin.
        add_commune(&db, "xa-khac", "tay-ninh", None).await;
        let mut tx = db.begin_write().await.unwrap();
        areas::insert(&mut tx, "binh-duong", "Bình Dương", "province", None, 2)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        add_account(&db, "so-khac", Role::ProvinceViewer, "binh-duong").await;
        for (user, status) in [
            ("vhxh", StatusCode::FORBIDDEN),
            ("chutich", StatusCode::FORBIDDEN),
            ("truongap01", StatusCode::NOT_FOUND),
            ("so-khac", StatusCode::NOT_FOUND),
            ("xa-khac-admin", StatusCode::NOT_FOUND),
        ] {
            let mut c = Client::login(app.clone(), user).await;
            let r = c.post_form(&format!("{page}/acknowledge"), &[]).await;
            assert_eq!(r.status, status, "{user} acknowledges");
            let r = c
                .post_form(&format!("{page}/return"), &[("comment", "Sửa")])
                .await;
            assert_eq!(r.status, status, "{user} returns");
        }
        for user in ["truongap01", "so-khac", "xa-khac-admin"] {
            let mut c = Client::login(app.clone(), user).await;
            assert_eq!(c.get(page).await.status, StatusCode::NOT_FOUND, "{user}");
            let r = c
                .post_form(page, &[("action", "submit"), ("confirm", "yes")])
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} writes");
        }
        let mut chutich = Client::login(app.clone(), "chutich").await;
        let r = chutich
            .post_form(page, &[("action", "submit"), ("confirm", "yes")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the leader does not send");

        // The province returns it with a required comment.
        let mut so = Client::login(app.clone(), "so").await;
        let r = so.get(page).await;
        assert!(r.body.contains("id=\"acknowledge-report\""), "{}", r.body);
        let r = so
            .post_form(&format!("{page}/return"), &[("comment", "  ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = so
            .post_form(
                &format!("{page}/return"),
                &[("comment", "Bổ sung số hồ sơ trực tuyến.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let back = report(&db, "rach-kien", "2026-11").await;
        assert_eq!(back.status, "returned");
        assert_eq!(back.review_comment, "Bổ sung số hồ sơ trực tuyến.");
        // Sent again later: the first date stays, so timeliness is judged on it.
        let later = app_on(db.clone(), "2026-12-09");
        let mut vhxh = Client::login(later.clone(), "vhxh").await;
        let r = vhxh.get(page).await;
        assert!(r.body.contains("Bổ sung số hồ sơ trực tuyến."));
        let r = vhxh.post_form(page, &confirmed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let again = report(&db, "rach-kien", "2026-11").await;
        assert_eq!(
            (
                again.status.as_str(),
                again.submitted_on.as_deref(),
                again.last_submitted_on.as_deref()
            ),
            ("submitted", Some("2026-12-03"), Some("2026-12-09"))
        );

        // Acknowledged: the figures freeze and later data does not move them.
        let p = Period::parse("2026-11").unwrap();
        let before = reports::area_figures(&db, &c, &p).await.unwrap();
        let mut so = Client::login(later.clone(), "so").await;
        let r = so.post_form(&format!("{page}/acknowledge"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let done = report(&db, "rach-kien", "2026-11").await;
        assert_eq!(
            (done.status.as_str(), done.acknowledged_on.as_deref()),
            ("acknowledged", Some("2026-12-09"))
        );
        let r = so.post_form(&format!("{page}/acknowledge"), &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "only once");
        db.execute(
            "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, \
             residents_reached, active, created_at) SELECT commune_id, hamlet_id, team_id, \
             'meeting_propaganda', '2026-11-15', 7, 1, created_at FROM activities \
             WHERE commune_id = $1 ORDER BY id LIMIT 1",
            &[c.id.into()],
        )
        .await
        .unwrap();
        let live = reports::area_figures(&db, &c, &p).await.unwrap();
        assert_eq!(live.activities_total(), before.activities_total() + 1);
        let frozen = done.frozen().expect("frozen figures");
        assert_eq!(frozen.activities_total(), before.activities_total());
        let who = congdongso::db::report_data::Audience {
            today: "2026-12-10",
            personal: true,
        };
        let input = congdongso::db::report_data::input(&db, &c, &p, Kind::Monthly, who)
            .await
            .unwrap();
        assert_eq!(
            input.figures.activities_total(),
            before.activities_total(),
            "the commune's file keeps the acknowledged figures"
        );
        assert_eq!(input.narrative.difficulties, "Sóng yếu ở ấp ven sông.");

        // A mistaken acknowledgement is opened again by the province only, with a reason;
        // the figures are live until it is acknowledged anew.
        let page_html = so.get(page).await.body;
        assert!(page_html.contains("id=\"reopen-report\""), "{page_html}");
        let mut vhxh_later = Client::login(later.clone(), "vhxh").await;
        let r = vhxh_later
            .post_form(&format!("{page}/reopen"), &[("comment", "x")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the commune cannot reopen");
        let r = so
            .post_form(&format!("{page}/reopen"), &[("comment", " ")])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is needed"
        );
        let r = so
            .post_form(
                &format!("{page}/reopen"),
                &[("comment", "Sai số buổi hoạt động.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let reopened = report(&db, "rach-kien", "2026-11").await;
        assert_eq!(reopened.status, "returned");
        assert!(reopened.figures.is_none() && reopened.acknowledged_on.is_none());
        assert_eq!(
            reopened.submitted_on.as_deref(),
            Some("2026-12-03"),
            "first date kept"
        );
        let input = congdongso::db::report_data::input(&db, &c, &p, Kind::Monthly, who)
            .await
            .unwrap();
        assert_eq!(input.figures.activities_total(), live.activities_total());

        let actions: Vec<(String,)> = db
            .fetch_all(
                "SELECT action FROM audit_log WHERE entity = 'commune_report' ORDER BY id",
                &[],
            )
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "create",
                "submit",
                "return",
                "update",
                "submit",
                "acknowledge",
                "reopen"
            ]
        );
    }
}

#[tokio::test]
async fn the_province_sees_which_communes_reported_on_time() {
    for url in backends().await {
        let db = demo_db_on(&url, DEMO_DAY).await;
        let province = areas::by_code(&db, "tay-ninh").await.unwrap().unwrap();
        // The demo commune sent October's report on 4 November; two more communes, and one
        // set up in July.
        add_commune(&db, "xa-b", "tay-ninh", None).await;
        add_commune(&db, "xa-c", "tay-ninh", None).await;
        add_commune(&db, "xa-moi", "tay-ninh", Some("2026-07-01")).await;
        send(&db, "xa-b", "2026-10", "2026-11-06").await;
        send(&db, "xa-moi", "2026-10", "2026-11-02").await;
        let states = |c: &congdongso::reports::province::CommuneCompleteness| {
            c.communes
                .iter()
                .map(|s| (s.code.clone(), s.timeliness.clone()))
                .collect::<Vec<_>>()
        };
        let oct = commune_reports::completeness(&db, province.id, month(2026, 10), "2026-11-10")
            .await
            .unwrap();
        assert_eq!(
            oct.due, "2026-11-05",
            "the default: the 5th of the next month"
        );
        assert_eq!(
            states(&oct),
            [
                ("rach-kien".to_string(), Timeliness::OnTime),
                ("xa-b".to_string(), Timeliness::Late),
                ("xa-c".to_string(), Timeliness::Missing),
                ("xa-moi".to_string(), Timeliness::OnTime),
            ]
        );
        // Before its first month the new commune is not expected.
        let june = commune_reports::completeness(&db, province.id, month(2026, 6), "2026-11-10")
            .await
            .unwrap();
        assert_eq!(june.expected(), 3, "{url}");
        assert!(june.communes.iter().all(|c| c.code != "xa-moi"));
        // November's reports are not due yet on 3 December.
        let nov = commune_reports::completeness(&db, province.id, month(2026, 11), "2026-12-03")
            .await
            .unwrap();
        assert_eq!((nov.not_yet_due(), nov.expected()), (4, 4));

        // The province moves the due day: November (not yet judged) takes it, October keeps its.
        let app = app_on(db.clone(), "2026-12-03");
        let mut vhxh = Client::login(app.clone(), "vhxh").await;
        let r = vhxh
            .post_form("/reports/commune-due-day", &[("due_day", "10")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a commune does not set it");
        let mut so = Client::login(app.clone(), "so").await;
        let r = so
            .post_form("/reports/commune-due-day", &[("due_day", "10")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let days = commune_reports::due_days(&db, province.id).await.unwrap();
        assert_eq!(days.due_date(month(2026, 11)), "2026-12-10");
        assert_eq!(days.due_date(month(2026, 10)), "2026-11-05");
        send(&db, "xa-c", "2026-11", "2026-12-08").await;
        let nov = commune_reports::completeness(&db, province.id, month(2026, 11), "2026-12-11")
            .await
            .unwrap();
        let xa_c = nov.communes.iter().find(|c| c.code == "xa-c").unwrap();
        assert_eq!(xa_c.timeliness, Timeliness::OnTime, "judged on the new day");
        assert_eq!(nov.missing(), 3);

        // The home pages remind: the province of November's missing communes once due,
        // a commune admin of its own report.
        let later = app_on(db.clone(), "2026-12-11");
        let mut so_later = Client::login(later.clone(), "so").await;
        let home = so_later.get("/").await;
        assert!(
            home.body
                .contains("Báo cáo tháng 11/2026 của các xã: đã gửi 1/4, chờ Sở tiếp nhận 1."),
            "{}",
            home.body
        );
        let mut xa_b = Client::login(later, "xa-b-admin").await;
        let home = xa_b.get("/").await;
        assert!(
            home.body
                .contains("Báo cáo tháng 11/2026 của xã chưa gửi Sở: hạn 10/12/2026, đã quá hạn."),
            "{}",
            home.body
        );
        // A commune opened in December owes no November report: no reminder for it.
        add_commune(&db, "xa-dec", "tay-ninh", Some("2026-12-01")).await;
        let mut xa_dec = Client::login(app_on(db.clone(), "2026-12-11"), "xa-dec-admin").await;
        let home = xa_dec.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(!home.body.contains("chưa gửi Sở"), "{}", home.body);

        // The page shows it.
        let page = so.get("/reports?month=2026-10").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for (code, css) in [
            ("rach-kien", "ok"),
            ("xa-b", "track"),
            ("xa-c", "behind"),
            ("xa-moi", "ok"),
        ] {
            assert!(
                page.body.contains(&format!(
                    "data-commune=\"{code}\" data-timeliness=\"{css}\""
                )),
                "{code}: {}",
                page.body
            );
        }
        assert!(page.body.contains("05/11/2026"));
        assert!(page.body.contains("href=\"/reports?area=rach-kien\""));
        assert!(page.body.contains(
            "/reports/file?area=tay-ninh&amp;kind=monthly&amp;period=2026-10&amp;format=docx"
        ));
    }
}

const OPTS: ProvinceOptions = ProvinceOptions {
    communes: 4,
    hamlets_per_commune: 2,
    households_per_hamlet: 3,
    seed: 5,
};

fn by_code(figures: &serde_json::Value) -> std::collections::HashMap<String, serde_json::Value> {
    figures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

fn assert_same(lines: &[congdongso::reports::figures::IndicatorLine], api: &serde_json::Value) {
    let api = by_code(api);
    assert_eq!(lines.len(), api.len());
    for l in lines {
        let a = &api[&l.code];
        assert_eq!(Some(l.numerator), a["numerator"].as_i64(), "{}", l.code);
        assert_eq!(l.denominator, a["denominator"].as_i64(), "{}", l.code);
        assert_eq!(l.value, a["value"].as_f64(), "{}", l.code);
    }
}

#[tokio::test]
async fn the_province_report_agrees_with_the_indicators_and_names_nobody() {
    for url in backends().await {
        let db = migrated(&url).await;
        let day = chrono::NaiveDate::parse_from_str(DEMO_DAY, "%Y-%m-%d").unwrap();
        demo::generate_province_on(&db, &keys(), common::PASSWORD, (&OPTS, day), |_| {})
            .await
            .unwrap();
        let province = areas::by_code(&db, "tay-ninh").await.unwrap().unwrap();
        let app = app_on(db.clone(), "2026-12-03");
        let mut so = Client::login(app.clone(), "so").await;
        for (kind, period) in [(Kind::Monthly, "2026-10"), (Kind::Quarterly, "2026-Q4")] {
            let p = Period::parse(period).unwrap();
            let input = province_report::input(&db, &province, &p, kind, "2026-12-03")
                .await
                .unwrap();
            let api = so
                .get(&format!("/api/v1/indicators?area=tay-ninh&period={period}"))
                .await
                .json();
            assert_same(&input.figures.indicators, &api);
            assert_eq!(input.communes.len(), 4, "{url}");
            for line in &input.communes {
                assert!(!line.frozen, "nothing acknowledged for {period}");
                let api = so
                    .get(&format!(
                        "/api/v1/indicators?area={}&period={period}",
                        line.code
                    ))
                    .await
                    .json();
                assert_same(&line.indicators, &api);
            }
            let sum: i64 = input.communes.iter().map(|c| c.activities).sum();
            assert_eq!(sum, input.figures.activities_total(), "{period}");
            let help: i64 = input.communes.iter().map(|c| c.help_in_period).sum();
            assert_eq!(help, input.figures.help_in_period, "{period}");
        }
        // October: the demo commune and the 2nd sent theirs, the 3rd's was returned, the 4th
        // sent nothing; only sent reports speak in the province's report.
        let p = Period::parse("2026-10").unwrap();
        let input = province_report::input(&db, &province, &p, Kind::Monthly, "2026-12-03")
            .await
            .unwrap();
        let status: Vec<&str> = input
            .communes
            .iter()
            .map(|c| c.report_status.as_str())
            .collect();
        assert_eq!(status, ["submitted", "submitted", "returned", "none"]);
        assert_eq!(input.texts.len(), 2);
        assert_eq!(input.completeness.len(), 1);
        // A returned report was sent on 5 November: the first submission keeps it on time.
        assert_eq!(
            (
                input.completeness[0].on_time(),
                input.completeness[0].late(),
                input.completeness[0].missing()
            ),
            (2, 1, 1)
        );
        // September: acknowledged communes show their frozen figures.
        let p = Period::parse("2026-09").unwrap();
        let input = province_report::input(&db, &province, &p, Kind::Monthly, "2026-12-03")
            .await
            .unwrap();
        assert!(input.communes[0].frozen, "the demo commune's September");

        // The third quarter: the demo commune sent its August, September and quarter reports;
        // its words come once, from the quarter's report (written from the same months).
        let q3 = Period::parse("2026-Q3").unwrap();
        let input = province_report::input(&db, &province, &q3, Kind::Quarterly, "2026-12-03")
            .await
            .unwrap();
        let labels: Vec<&str> = input
            .texts
            .iter()
            .filter(|t| t.commune == "Rạch Kiến")
            .map(|t| t.period_label.as_str())
            .collect();
        assert_eq!(labels, ["Quý III/2026"]);
        // A commune opened in November is none of October's communes, but one of November's.
        add_commune(&db, "xa-moi", "tay-ninh", Some("2026-11-01")).await;
        for (period, expected) in [("2026-10", false), ("2026-11", true)] {
            let p = Period::parse(period).unwrap();
            let input = province_report::input(&db, &province, &p, Kind::Monthly, "2026-12-03")
                .await
                .unwrap();
            let listed = input.communes.iter().any(|c| c.code == "xa-moi");
            assert_eq!(listed, expected, "{period}");
        }

        // The files, to the province only.
        let heads: Vec<(String,)> = db
            .fetch_all("SELECT head_name FROM households", &[])
            .await
            .unwrap();
        for format in ["docx", "xlsx", "pdf"] {
            let r = so
                .get(&format!(
                    "/reports/file?area=tay-ninh&kind=monthly&period=2026-10&format={format}"
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.body);
            assert!(!r.bytes.is_empty());
            if format == "docx" {
                let text = congdongso::reports::docx::paragraphs_text(&r.bytes)
                    .unwrap()
                    .join("\n");
                for s in [
                    "SỞ KHOA HỌC",
                    "VÀ CÔNG NGHỆ",
                    "Ủy ban nhân dân tỉnh Tây Ninh",
                    "GIÁM ĐỐC",
                    "/BC-SKHCN",
                    "Rạch Kiến",
                ] {
                    assert!(text.contains(s), "{s}: {text}");
                }
                for (name,) in &heads {
                    assert!(!text.contains(name.as_str()), "a person named: {name}");
                }
            }
        }
        let r = so
            .get("/reports/file?area=tay-ninh&kind=yearly&period=2026&format=docx")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut vhxh = Client::login(app.clone(), "vhxh").await;
        let r = vhxh
            .get("/reports/file?area=tay-ninh&kind=monthly&period=2026-10&format=docx")
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "a commune reads no province file"
        );
        let page = so.get("/province?period=2026-10").await;
        assert!(
            page.body.contains(
                "/reports/file?area=tay-ninh&amp;kind=monthly&amp;period=2026-10&amp;format=docx"
            ),
            "{}",
            page.body
        );

        // The command line writes it too.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("tinh.docx");
        let run = bin()
            .args([
                "report", "monthly", "--area", "tay-ninh", "--period", "2026-10",
            ])
            .args(["--format", "docx", "--output"])
            .arg(&out)
            .args(["--database-url", &url])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let text = congdongso::reports::docx::paragraphs_text(&std::fs::read(&out).unwrap())
            .unwrap()
            .join("\n");
        assert!(text.contains("VÀ CÔNG NGHỆ"), "{text}");
    }
}
