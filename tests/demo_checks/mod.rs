//! What a newcomer must find in the demo on the day it is seeded, whatever that day is: the
//! commune well into its year. Shared by `tests/demo.rs` (today's real date) and
//! `tests/demo_day.rs` (a fixed day in another year).
#![allow(dead_code)]

use crate::common::{self, Client};
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use congdongso::db::{Db, areas, reports};
use congdongso::indicators::period::{self, Month};
use congdongso::reports::figures::{AreaFigures, Timeliness};

pub const COMMUNE: &str = "rach-kien";

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a yyyy-mm-dd day")
}

pub fn month_of(d: NaiveDate) -> Month {
    period::month(d.year() as i64, d.month() as i64)
}

async fn count(db: &Db, sql: &str, params: &[congdongso::db::Param]) -> i64 {
    db.scalar_i64(sql, params).await.unwrap()
}

pub async fn commune_id(db: &Db) -> i64 {
    areas::by_code(db, COMMUNE).await.unwrap().unwrap().id
}

/// Last month's completeness: most approved on time, and at least one hamlet late, one still
/// missing and one returned for correction, as the data layer and the commune's report page
/// tell it.
pub async fn last_month_has_every_kind_of_report(db: &Db, today: &str) {
    let last = month_of(day(today)) - 1;
    let code = period::month_code(last);
    let c = reports::completeness(db, commune_id(db).await, last, today)
        .await
        .unwrap();
    let with = |t: Timeliness| c.hamlets.iter().filter(|h| h.timeliness == t).count();
    let status = |s: &str| c.hamlets.iter().filter(|h| h.status == s).count();
    assert_eq!(c.hamlets.len(), 17, "{code}");
    assert!(with(Timeliness::Missing) >= 1, "a hamlet missing in {code}");
    assert!(with(Timeliness::Late) >= 1, "a hamlet late in {code}");
    assert_eq!(with(Timeliness::NotYetDue), 0, "{code} is due by {today}");
    assert!(with(Timeliness::OnTime) >= 10, "most on time in {code}");
    assert!(status("approved") >= 10, "most approved in {code}");
    assert!(status("returned") >= 1, "one returned in {code}");
    // Every submitted report was sent, the missing one not at all.
    for h in &c.hamlets {
        assert_eq!(h.submitted_on.is_some(), h.status != "none", "{h:?}");
        assert!(
            h.submitted_on.as_deref().is_none_or(|d| d <= today),
            "{h:?}"
        );
    }

    let app = common::app_on(db.clone(), today);
    let mut admin = Client::login(app, "vhxh").await;
    let page = admin.get(&format!("/reports?month={code}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for (css, label) in [
        ("ok", "Đúng hạn"),
        ("track", "Trễ hạn"),
        ("behind", "Chưa nộp (quá hạn)"),
    ] {
        assert!(
            page.body.contains(&format!("data-timeliness=\"{css}\"")),
            "{css} in {}",
            page.body
        );
        assert!(page.body.contains(label), "{label}");
    }
    for label in ["Đã duyệt", "Bị trả lại"] {
        assert!(page.body.contains(label), "{label}");
    }
    // The home page names who is late and who has not reported.
    let home = admin.get("/").await.body;
    assert!(home.contains("quá hạn, chưa nộp:"), "{home}");
    assert!(home.contains("Nộp trễ:"), "{home}");
}

/// Every month from January of last month's year has its reports; a few came late, one is
/// back with the hamlet with a comment; approved ones carry the figures frozen as the approve
/// button freezes them.
pub async fn the_year_of_reports(db: &Db, today: &str) {
    let last = month_of(day(today)) - 1;
    let first = period::month(period::year_of(last), 1);
    for m in first..=last {
        let n = count(
            db,
            "SELECT COUNT(*) FROM monthly_reports WHERE month = $1 AND status <> 'draft'",
            &[period::month_code(m).into()],
        )
        .await;
        assert!(n >= 16, "{} has {n} reports", period::month_code(m));
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM monthly_reports WHERE month > $1",
            &[period::month_code(last).into()]
        )
        .await,
        0,
        "nothing reported ahead of time"
    );
    let returned = count(
        db,
        "SELECT COUNT(*) FROM monthly_reports WHERE status = 'returned' AND review_comment <> ''",
        &[],
    )
    .await;
    assert!(returned >= 1);
    let late = count(
        db,
        "SELECT COUNT(*) FROM monthly_reports WHERE submitted_on > month || '-25'",
        &[],
    )
    .await;
    let all = count(db, "SELECT COUNT(*) FROM monthly_reports", &[]).await;
    assert!(late >= 1 && late * 5 < all, "a few late: {late} of {all}");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM monthly_reports WHERE status = 'approved' \
             AND (figures IS NULL OR approved_on IS NULL OR approved_on > $1 \
             OR approved_on < submitted_on)",
            &[today.into()]
        )
        .await,
        0
    );
    // The frozen figures are the live ones of the month (the data does not move afterwards).
    let (hamlet, month, frozen): (i64, String, String) = db
        .fetch_one(
            "SELECT hamlet_id, month, figures FROM monthly_reports WHERE status = 'approved' \
             ORDER BY month DESC, hamlet_id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let frozen = AreaFigures::from_json(&frozen).expect("frozen figures");
    let area = areas::get(db, hamlet).await.unwrap().unwrap();
    let m = period::month_of_date(&month).unwrap();
    let (live, _) = {
        let p = congdongso::indicators::Period::Month(m);
        (reports::area_figures(db, &area, &p).await.unwrap(), p)
    };
    assert_eq!(frozen.activities_total(), live.activities_total());
    assert_eq!(frozen.help_in_period, live.help_in_period);
    assert_eq!(frozen.dossiers_to_date, live.dossiers_to_date);
    assert!(frozen.trend.is_some(), "the trend is frozen with them");
}

/// The year's plan, made from the template, with statuses that fit the day.
pub async fn the_plan_of_the_year(db: &Db, today: &str) {
    let year = day(today).year() as i64;
    let tasks = |status: &str| {
        let sql = "SELECT COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id \
                   WHERE p.year = $1 AND t.status = $2";
        (sql, vec![year.into(), status.to_string().into()])
    };
    let all = count(
        db,
        "SELECT COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id WHERE p.year = $1",
        &[year.into()],
    )
    .await;
    assert_eq!(all, congdongso::plan::TEMPLATE_TASKS.len() as i64);
    let (sql, p) = tasks("in_progress");
    assert!(count(db, sql, &p).await >= 1, "a task under way");
    let app = common::app_on(db.clone(), today);
    let mut admin = Client::login(app, "vhxh").await;
    let page = admin.get(&format!("/plan?year={year}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("năm {year}")), "{}", page.body);
    assert!(!page.body.contains("id=\"create-plan\""), "the plan exists");
}

/// Activities in every month of the year up to today, in every hamlet this month, confirmed
/// and counted; the activities page and the dashboard show this month's.
pub async fn activities_up_to_today(db: &Db, today: &str) {
    let now = month_of(day(today));
    let first = period::month(period::year_of(now - 1), 1);
    for m in first..=now {
        let from = format!("{}-01", period::month_code(m));
        let to = period::last_day_iso(m).min(today.to_string());
        let hamlets = count(
            db,
            "SELECT COUNT(DISTINCT hamlet_id) FROM activities WHERE active = 1 AND confirmed = 1 \
             AND activity_date >= $1 AND activity_date <= $2",
            &[from.into(), to.into()],
        )
        .await;
        assert_eq!(
            hamlets,
            17,
            "every hamlet active in {}",
            period::month_code(m)
        );
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM activities WHERE activity_date > $1",
            &[today.into()]
        )
        .await,
        0,
        "nothing after today"
    );
    // An information-security session in most hamlets each quarter that has ended.
    let quarter_end =
        period::month(period::year_of(now), (period::quarter_of(now) - 1) * 3 + 1) - 1;
    if quarter_end >= first {
        let from = format!("{}-01", period::month_code(quarter_end - 2));
        let to = period::last_day_iso(quarter_end);
        let security = count(
            db,
            "SELECT COUNT(DISTINCT hamlet_id) FROM activities WHERE kind = 'security_session' \
             AND confirmed = 1 AND activity_date >= $1 AND activity_date <= $2",
            &[from.into(), to.into()],
        )
        .await;
        assert!(security >= 9, "{security} hamlets with a security session");
    }
    let (kept, counted) = common::activity_counts(db).await;
    assert_eq!(
        kept, counted,
        "the running counts agree with the activities"
    );

    let app = common::app_on(db.clone(), today);
    let mut admin = Client::login(app, "vhxh").await;
    let code = period::month_code(now);
    let page = admin.get(&format!("/activities?month={code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page
            .body
            .contains("Chưa có buổi hoạt động nào trong tháng.")
    );
    let this_month = format!("/{}/{}", &code[5..7], &code[..4]);
    assert!(
        page.body.contains(&this_month),
        "{this_month} in {}",
        page.body
    );
    // The dashboard shows the month under way: activities confirmed in every team.
    let page = admin
        .get(&format!("/dashboard?area={COMMUNE}&period={code}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let pulse = page
        .body
        .split("id=\"period-activity\">")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .expect("the dashboard's line on the period's activity");
    assert!(pulse.contains("17/17 Tổ có hoạt động"), "{pulse}");
    assert!(!pulse.contains("<strong>0</strong>"), "{pulse}");
    // Last month most teams met the minimum of 4, and some reports were on time.
    let r = admin
        .get(&format!(
            "/api/v1/indicators?area={COMMUNE}&period={}",
            period::month_code(now - 1)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let figures = r.json();
    let figure = |code: &str| {
        let f = figures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap()
            .clone();
        (
            f["numerator"].as_i64().unwrap(),
            f["denominator"].as_i64().unwrap(),
        )
    };
    let (met, teams) = figure("teams_monthly_activity");
    assert_eq!(teams, 17);
    assert!(
        met * 3 >= teams && met < teams,
        "{met}/{teams} met the minimum"
    );
    let (on_time, expected) = figure("reports_on_time");
    assert_eq!(expected, 17);
    assert!(on_time >= 10 && on_time < expected, "{on_time}/{expected}");
}

/// Communications, online dossiers, the commune's reports to the province, and in the last
/// quarter the teams' evaluations being drafted.
pub async fn the_other_registers(db: &Db, today: &str) {
    let d = day(today);
    let now = month_of(d);
    let last = period::month_code(now - 1);
    let comms = count(
        db,
        "SELECT COUNT(*) FROM communications WHERE comm_date LIKE $1 AND active = 1",
        &[format!("{last}-%").into()],
    )
    .await;
    assert!(comms >= 5, "{comms} communications in {last}");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM communications WHERE comm_date > $1",
            &[today.into()]
        )
        .await,
        0
    );
    let dossiers = count(
        db,
        "SELECT COUNT(*) FROM help_records WHERE dossier_kind IS NOT NULL AND service_code IS NULL \
         AND help_date <= $1",
        &[today.into()],
    )
    .await;
    assert!(dossiers >= 1, "online dossiers");
    // Two months back the province has acknowledged the commune's report.
    let (status, sent, seen): (String, String, Option<String>) = db
        .fetch_one(
            "SELECT status, submitted_on, acknowledged_on FROM commune_reports WHERE period = $1",
            &[period::month_code(now - 2).into()],
        )
        .await
        .unwrap();
    assert_eq!(status, "acknowledged");
    assert!(sent.as_str() <= today && seen.as_deref().is_some_and(|s| s <= today));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM commune_reports WHERE submitted_on > $1",
            &[today.into()]
        )
        .await,
        0
    );
    let (drafts, submitted): (i64, i64) = db
        .fetch_one(
            "SELECT CAST(SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM team_evaluations WHERE year = $1",
            &[(d.year() as i64).into()],
        )
        .await
        .map(|(a, b): (Option<i64>, Option<i64>)| (a.unwrap_or(0), b.unwrap_or(0)))
        .unwrap();
    assert_eq!(submitted, 0, "the year is not over");
    if d.month() >= 10 {
        assert!(
            drafts >= 4,
            "{drafts} evaluations drafted in the last quarter"
        );
    } else {
        assert_eq!(drafts, 0, "no evaluation before the last quarter");
    }
}

/// Kinh phí: a source with rates, every past month's list approved (paid once its payday of
/// the 10th has come), this month's waiting for approval, and expenses, within the allotments.
pub async fn the_money_of_the_year(db: &Db, today: &str) {
    let commune = commune_id(db).await;
    let this = month_of(day(today));
    let status = |m: Month| {
        let db = db.clone();
        async move {
            congdongso::db::funding::list(&db, commune, m)
                .await
                .unwrap()
                .map(|l| l.status)
        }
    };
    assert_eq!(
        status(this).await.as_deref(),
        Some("draft"),
        "this month's list waits"
    );
    let first = month_of(day(today).with_day(1).unwrap().with_month(1).unwrap());
    let start = if this == first { first - 12 } else { first };
    for m in start..this {
        let paid_by = period::due_date(m + 1, 10);
        let want = if paid_by.as_str() <= today {
            "paid"
        } else {
            "approved"
        };
        assert_eq!(
            status(m).await.as_deref(),
            Some(want),
            "{}",
            period::month_code(m)
        );
    }
    let rates = count(
        db,
        "SELECT COUNT(*) FROM funding_rates WHERE commune_id = $1",
        &[commune.into()],
    )
    .await;
    assert!(rates >= 3, "{rates} rates");
    let expenses = count(
        db,
        "SELECT COUNT(*) FROM expenses WHERE commune_id = $1 AND voucher IS NOT NULL",
        &[commune.into()],
    )
    .await;
    assert!(expenses >= 1, "expenses with a scanned voucher");
    let year = period::year_of(this - 1);
    for (id, st) in congdongso::db::funding::standing(db, commune, year)
        .await
        .unwrap()
    {
        assert!(st.approved > 0, "source {id} pays");
        assert!(
            st.remaining() >= 0,
            "source {id} within its allotment: {st:?}"
        );
    }
}

/// The guides and the businesses (issue 20): the province's starter set for the twelve
/// services, each a sample, VNeID's with a picture per step, the commune's own guide; a few
/// businesses in every hamlet, registered this year and none after today, each step's day
/// between its registration and today, some online.
pub async fn the_guides_and_businesses(db: &Db, today: &str) {
    let n = |sql: &'static str| async move { db.scalar_i64(sql, &[]).await.unwrap() };
    assert_eq!(
        n("SELECT COUNT(*) FROM guides WHERE commune_id IS NULL AND sample = 1 AND active = 1")
            .await,
        12
    );
    assert_eq!(
        n("SELECT COUNT(DISTINCT service_code) FROM guides WHERE commune_id IS NULL").await,
        12
    );
    assert_eq!(
        n(
            "SELECT COUNT(*) FROM guide_steps s JOIN guides g ON g.id = s.guide_id \
           WHERE g.service_code = 'vneid' AND g.commune_id IS NULL AND s.picture IS NULL"
        )
        .await,
        0
    );
    assert!(
        n("SELECT COUNT(*) FROM guides WHERE commune_id IS NOT NULL AND sample = 0").await >= 1
    );
    let without: i64 = n(
        "SELECT COUNT(*) FROM areas h WHERE h.level = 'hamlet' AND h.active = 1 \
           AND NOT EXISTS (SELECT 1 FROM businesses b WHERE b.hamlet_id = h.id AND b.active = 1)",
    )
    .await;
    assert_eq!(without, 0, "every hamlet has businesses");
    let year = &today[..4];
    let bad: Vec<(String, Option<String>, Option<String>)> = db
        .fetch_all(
            "SELECT name, registered_on, ecommerce_on FROM businesses WHERE registered_on > $1 \
             OR ecommerce_on > $1 OR cashless_on > $1 OR ecommerce_on < registered_on",
            &[today.into()],
        )
        .await
        .unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    let online = n("SELECT COUNT(*) FROM businesses WHERE ecommerce_on IS NOT NULL").await;
    let all = n("SELECT COUNT(*) FROM businesses").await;
    assert!(online > 0 && online < all, "{online} of {all} online");
    let this_year: i64 = db
        .scalar_i64(
            "SELECT COUNT(*) FROM businesses WHERE registered_on >= $1",
            &[format!("{}-01-01", year.parse::<i64>().unwrap() - 1).into()],
        )
        .await
        .unwrap();
    assert_eq!(this_year, all, "registered within the demo's history");
}

/// Everything above, for the demo seeded on `today`.
pub async fn a_commune_in_its_year(db: &Db, today: &str) {
    last_month_has_every_kind_of_report(db, today).await;
    the_year_of_reports(db, today).await;
    the_plan_of_the_year(db, today).await;
    activities_up_to_today(db, today).await;
    the_other_registers(db, today).await;
    the_money_of_the_year(db, today).await;
    the_guides_and_businesses(db, today).await;
}

/// What the demo holds, row by row (without ids and clocks), to compare two seedings.
pub async fn fingerprint(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT a.code || ' ' || r.month || ' ' || r.status || ' ' || COALESCE(r.submitted_on, '') \
         || ' ' || COALESCE(r.approved_on, '') || ' ' || r.results FROM monthly_reports r \
         JOIN areas a ON a.id = r.hamlet_id ORDER BY a.code, r.month",
        "SELECT a.code || ' ' || x.activity_date || ' ' || x.kind || ' ' || x.place \
         FROM activities x JOIN areas a ON a.id = x.hamlet_id \
         ORDER BY a.code, x.activity_date, x.kind, x.place",
        "SELECT CAST(p.year AS TEXT) || ' ' || t.content || ' ' || t.status || ' ' || t.note \
         FROM plan_tasks t JOIN plans p ON p.id = t.plan_id ORDER BY p.year, t.sort_order",
        "SELECT comm_date || ' ' || channel || ' ' || title FROM communications \
         ORDER BY comm_date, channel, title",
        "SELECT help_date || ' ' || dossier_kind FROM help_records \
         WHERE dossier_kind IS NOT NULL ORDER BY help_date, dossier_kind",
        "SELECT period || ' ' || status || ' ' || submitted_on FROM commune_reports ORDER BY period",
    ] {
        let rows: Vec<(String,)> = db.fetch_all(sql, &[]).await.unwrap();
        out.extend(rows.into_iter().map(|(r,)| r));
    }
    out
}
