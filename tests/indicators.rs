//! The indicator engine against hand-computed fixtures, on SQLite and PostgreSQL: every
//! indicator of PRODUCT.md §4 with its edges, rollup by sums, live figures after a write, and
//! the running counts equal to a rebuild from scratch.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db, migrated};
use congdongso::crypto::Keys;
use congdongso::db::areas::{self, Area};
use congdongso::db::households::{self, HouseholdEdit};
use congdongso::db::residents::{self, ResidentEdit};
use congdongso::db::{Db, help, indicator_sources, indicators};
use congdongso::indicators::{Figure, Period};
use serde_json::json;
use sqlx::AnyConnection;

struct Fixture {
    db: Db,
    keys: Keys,
}

fn person(household_id: i64, name: &str) -> ResidentEdit {
    ResidentEdit {
        household_id,
        full_name: name.to_string(),
        birth_date: None,
        birth_year: None,
        gender: None,
        cccd: None,
        phone: None,
        relation: None,
        has_smartphone: Some(1),
        status: "living".to_string(),
        notes: None,
    }
}

fn born(household_id: i64, name: &str, date: &str) -> ResidentEdit {
    ResidentEdit {
        birth_date: Some(date.to_string()),
        ..person(household_id, name)
    }
}

impl Fixture {
    async fn area(&self, code: &str, level: &str, parent: Option<&Area>) -> Area {
        let mut conn = self.db.pool.acquire().await.unwrap();
        let id = areas::insert(&mut conn, code, code, level, parent, 0)
            .await
            .unwrap();
        areas::get(&self.db, id).await.unwrap().unwrap()
    }

    async fn household(&self, hamlet: &Area, code: &str) -> i64 {
        let mut conn = self.db.pool.acquire().await.unwrap();
        households::insert(
            &mut conn,
            hamlet.commune_id.unwrap(),
            &HouseholdEdit {
                hamlet_id: hamlet.id,
                code: code.to_string(),
                address: None,
                head_name: None,
            },
        )
        .await
        .unwrap()
    }

    async fn resident(&self, hamlet: &Area, e: ResidentEdit) -> i64 {
        let mut conn = self.db.pool.acquire().await.unwrap();
        residents::insert(
            &mut conn,
            &self.keys,
            hamlet.commune_id.unwrap(),
            hamlet.id,
            &e,
        )
        .await
        .unwrap()
    }

    async fn done(&self, hamlet: &Area, resident: i64, service: &str, date: &str) {
        let mut conn = self.db.pool.acquire().await.unwrap();
        residents::set_service_status(
            &mut conn,
            hamlet.commune_id.unwrap(),
            resident,
            service,
            "done",
            date,
            None,
            None,
        )
        .await
        .unwrap();
    }

    async fn help(&self, hamlet: &Area, resident: i64, date: &str) {
        let mut conn = self.db.pool.acquire().await.unwrap();
        help::insert(
            &mut conn,
            &help::NewHelp {
                client_id: None,
                commune_id: hamlet.commune_id.unwrap(),
                hamlet_id: hamlet.id,
                resident_id: resident,
                member_id: None,
                account_id: None,
                service_code: None,
                dossier_kind: Some("other"),
                done: true,
                date,
                activity_id: None,
            },
        )
        .await
        .unwrap();
    }

    async fn sql(&self, sql: &str) {
        self.db.execute(sql, &[]).await.unwrap();
    }

    async fn figures(&self, area: &Area, period: &str) -> Vec<Figure> {
        indicators::figures(&self.db, area, &Period::parse(period).unwrap())
            .await
            .unwrap()
    }
}

fn fig<'a>(figures: &'a [Figure], code: &str) -> &'a Figure {
    figures
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no indicator {code}"))
}

/// (numerator, denominator) of an indicator.
fn nd(figures: &[Figure], code: &str) -> (i64, Option<i64>) {
    let f = fig(figures, code);
    (f.numerator, f.denominator)
}

struct Areas {
    province: Area,
    commune: Area,
    a1: Area,
    a2: Area,
    a3: Area,
    other_commune: Area,
}

/// Province "tinh" with commune "xa" (hamlets ap1, ap2, ap3 — ap3 closes on 10/07/2026) and
/// commune "xb" (hamlets b1: 1 adult guided; b2: 99 adults, none guided).
async fn build(f: &Fixture) -> Areas {
    let province = f.area("tinh", "province", None).await;
    let commune = f.area("xa", "commune", Some(&province)).await;
    let a1 = f.area("xa-ap1", "hamlet", Some(&commune)).await;
    let a2 = f.area("xa-ap2", "hamlet", Some(&commune)).await;
    let a3 = f.area("xa-ap3", "hamlet", Some(&commune)).await;
    let other_commune = f.area("xb", "commune", Some(&province)).await;
    let b1 = f.area("xb-ap1", "hamlet", Some(&other_commune)).await;
    let b2 = f.area("xb-ap2", "hamlet", Some(&other_commune)).await;

    // Ấp 1, household 1.
    let h1 = f.household(&a1, "H1").await;
    let r1 = f.resident(&a1, born(h1, "Một", "1980-03-01")).await;
    f.help(&a1, r1, "2026-04-10").await;
    f.done(&a1, r1, "vneid", "2026-04-10").await;
    // Turns 15 on the reference date 31/05/2026: an adult in May, not in April.
    f.resident(&a1, born(h1, "Hai", "2011-05-31")).await;
    // Turns 15 the day after: not an adult in May.
    f.resident(&a1, born(h1, "Ba", "2011-06-01")).await;
    // Only a birth year: an adult in every month of 2026, not in December 2025.
    f.resident(
        &a1,
        ResidentEdit {
            birth_year: Some(2011),
            ..person(h1, "Bốn")
        },
    )
    .await;
    // Moved away on 15/03/2026: counted in February, not in March.
    let r5 = f.resident(&a1, born(h1, "Năm", "1970-01-01")).await;
    {
        let mut conn = f.db.pool.acquire().await.unwrap();
        set_status(&mut conn, r5, "moved", "2026-03-15").await;
    }
    // The province app done on 05/06/2026: not counted for May.
    let r6 = f.resident(&a1, born(h1, "Sáu", "1990-01-01")).await;
    f.done(&a1, r6, "province_app", "2026-06-05").await;
    // Household 2: its only resident died in 2025 — nobody lives in it.
    let h2 = f.household(&a1, "H2").await;
    let dead = f.resident(&a1, born(h2, "Bảy", "1940-01-01")).await;
    {
        let mut conn = f.db.pool.acquire().await.unwrap();
        set_status(&mut conn, dead, "deceased", "2025-12-01").await;
    }
    // Household 3: one with the province app in May, one adult without a smartphone.
    let h3 = f.household(&a1, "H3").await;
    let r7 = f.resident(&a1, born(h3, "Tám", "1985-01-01")).await;
    f.done(&a1, r7, "province_app", "2026-05-20").await;
    f.done(&a1, r7, "zalo_group", "2026-01-20").await;
    f.resident(
        &a1,
        ResidentEdit {
            has_smartphone: Some(0),
            ..born(h3, "Chín", "2000-01-01")
        },
    )
    .await;

    // Ấp 2: one household of two adults, no help.
    let h4 = f.household(&a2, "H4").await;
    f.resident(&a2, born(h4, "Mười", "1975-01-01")).await;
    f.resident(&a2, born(h4, "Mười Một", "1976-01-01")).await;

    // Ấp 3: two adults, one guided in February; the hamlet closes on 10/07/2026.
    let h5 = f.household(&a3, "H5").await;
    let r = f.resident(&a3, born(h5, "Mười Hai", "1960-01-01")).await;
    f.help(&a3, r, "2026-02-02").await;
    f.resident(&a3, born(h5, "Mười Ba", "1961-01-01")).await;
    {
        let mut conn = f.db.pool.acquire().await.unwrap();
        areas::set_dates(&mut conn, a3.id, None, Some("2026-07-10"))
            .await
            .unwrap();
    }

    // Commune xb: 1 of 1 and 0 of 99.
    let hb = f.household(&b1, "B1").await;
    let r = f.resident(&b1, born(hb, "Một", "1980-01-01")).await;
    f.help(&b1, r, "2026-01-05").await;
    let hb2 = f.household(&b2, "B2").await;
    for i in 0..99 {
        f.resident(&b2, born(hb2, &format!("Người {i}"), "1970-01-01"))
            .await;
    }

    // Teams: ấp 1 has a leader and two active members (a third left in April) and an active
    // Zalo group; ấp 2 a leader and one member; ấp 3 a leader and three members.
    let now = 1;
    for (hamlet, zalo) in [(&a1, 1), (&a2, 0), (&a3, 0)] {
        f.sql(&format!(
            "INSERT INTO teams (commune_id, area_id, kind, name, zalo_active, active, created_at, updated_at) \
             VALUES ({}, {}, 'hamlet', 'Tổ', {zalo}, 1, {now}, {now})",
            commune.id, hamlet.id
        ))
        .await;
    }
    let team = |h: &Area| format!("(SELECT id FROM teams WHERE area_id = {})", h.id);
    let members: &[(&Area, &str, Option<&str>)] = &[
        (&a1, "leader", None),
        (&a1, "member", None),
        (&a1, "member", None),
        (&a1, "member", Some("2026-04-01")),
        (&a2, "leader", None),
        (&a2, "member", None),
        (&a3, "leader", None),
        (&a3, "member", None),
        (&a3, "member", None),
    ];
    for (h, position, left) in members {
        let (active, left) = match left {
            Some(d) => (0, format!("'{d}'")),
            None => (1, "NULL".to_string()),
        };
        f.sql(&format!(
            "INSERT INTO members (commune_id, team_id, full_name, search_text, sort_key, position, \
             affiliation, joined_on, left_on, active, created_at, updated_at) \
             VALUES ({}, {}, 'X', 'x', 'x', '{position}', 'other', '2026-01-01', {left}, {active}, 1, 1)",
            commune.id,
            team(h)
        ))
        .await;
    }
    // Activities in May: ấp 1 four (one on information security), ấp 2 three.
    for (h, kinds) in [
        (
            &a1,
            vec![
                "door_to_door",
                "door_to_door",
                "campaign",
                "security_session",
            ],
        ),
        (&a2, vec!["door_to_door", "door_to_door", "door_to_door"]),
    ] {
        for (i, kind) in kinds.iter().enumerate() {
            f.sql(&format!(
                "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, active, created_at) \
                 VALUES ({}, {}, {}, '{kind}', '2026-05-{:02}', 1, 1)",
                commune.id,
                h.id,
                team(h),
                i + 3
            ))
            .await;
        }
    }
    // May reports: ấp 1 on the 24th (on time), ấp 2 on the 27th (late), ấp 3 none.
    for (h, day) in [(&a1, 24), (&a2, 27)] {
        f.sql(&format!(
            "INSERT INTO monthly_reports (commune_id, hamlet_id, month, status, submitted_on, created_at, updated_at) \
             VALUES ({}, {}, '2026-05', 'submitted', '2026-05-{day}', 1, 1)",
            commune.id, h.id
        ))
        .await;
    }
    // Businesses of ấp 1: one shop online since May, one from June.
    for date in ["2026-05-02", "2026-06-01"] {
        f.sql(&format!(
            "INSERT INTO businesses (commune_id, hamlet_id, name, ecommerce_on, active, created_at, updated_at) \
             VALUES ({}, {}, 'Cơ sở', '{date}', 1, 1, 1)",
            commune.id, a1.id
        ))
        .await;
    }
    f.sql(&format!(
        "INSERT INTO team_evaluations (commune_id, team_id, year, status, submitted_on, created_at, updated_at) \
         VALUES ({}, {}, 2026, 'submitted', '2026-05-10', 1, 1)",
        commune.id,
        team(&a1)
    ))
    .await;
    f.sql(&format!(
        "INSERT INTO good_practices (commune_id, hamlet_id, title, proposed_on, created_at) VALUES \
         ({c}, {h}, 'Mô hình', '2026-05-15', 1), ({c}, NULL, 'Cách làm', '2026-04-01', 1)",
        c = commune.id,
        h = a1.id
    ))
    .await;

    Areas {
        province,
        commune,
        a1,
        a2,
        a3,
        other_commune,
    }
}

async fn set_status(conn: &mut AnyConnection, id: i64, status: &str, date: &str) {
    let before = residents::tracked(conn, id).await.unwrap().unwrap();
    residents::apply_tracked(conn, &before, &[("status", Some(status.to_string()))], None)
        .await
        .unwrap();
    // The change is recorded today; the fixture dates it.
    sqlx::query("UPDATE residents SET status_date = $1 WHERE id = $2")
        .bind(date.to_string())
        .bind(id)
        .execute(&mut *conn)
        .await
        .unwrap();
    indicator_sources::refresh_residents(conn, &[id])
        .await
        .unwrap();
}

#[tokio::test]
async fn every_indicator_matches_the_hand_computed_fixture() {
    for url in backends().await {
        let f = Fixture {
            db: migrated(&url).await,
            keys: common::keys(),
        };
        let a = build(&f).await;

        let may = f.figures(&a.a1, "2026-05").await;
        // Adults of ấp 1 on 31/05/2026: Một, Hai (15 that day), Bốn (year only), Sáu, Tám,
        // Chín — not Ba (15 on 1 June), Năm (moved in March) or Bảy (died).
        assert_eq!(nd(&may, "adults_guided"), (1, Some(6)), "{url}");
        assert_eq!(fig(&may, "adults_guided").value, Some(16.7));
        assert_eq!(nd(&may, "adults_vneid"), (1, Some(6)));
        // Sáu's app is dated 5 June: only Tám counts in May.
        assert_eq!(nd(&may, "adults_province_app"), (1, Some(6)));
        // Households with someone living: H1 and H3 (H2 is empty); with the app: H3.
        assert_eq!(nd(&may, "households_province_app"), (1, Some(2)));
        assert_eq!(nd(&may, "households_zalo_group"), (1, Some(2)));
        assert_eq!(nd(&may, "adults_without_smartphone"), (1, None));
        assert_eq!(nd(&may, "teams_consolidated"), (1, Some(1)));
        assert_eq!(nd(&may, "hamlets_zalo"), (1, Some(1)));
        assert_eq!(nd(&may, "teams_monthly_activity"), (1, Some(1)));
        assert_eq!(nd(&may, "teams_security_session"), (1, Some(1)));
        assert_eq!(nd(&may, "reports_on_time"), (1, Some(1)));
        assert_eq!(nd(&may, "teams_year_end_report"), (1, Some(1)));
        assert_eq!(nd(&may, "businesses_ecommerce"), (1, Some(2)));
        assert_eq!(nd(&may, "good_practices"), (1, None));

        let april = f.figures(&a.a1, "2026-04").await;
        assert_eq!(
            nd(&april, "adults_guided"),
            (1, Some(5)),
            "Hai is 14 in April"
        );
        let feb = f.figures(&a.a1, "2026-02").await;
        assert_eq!(
            nd(&feb, "adults_guided"),
            (0, Some(6)),
            "Năm still lives here"
        );
        let dec = f.figures(&a.a1, "2025-12").await;
        assert_eq!(nd(&dec, "adults_guided").1, Some(5), "Bốn counts from 2026");
        let june = f.figures(&a.a1, "2026-06").await;
        assert_eq!(
            nd(&june, "adults_province_app"),
            (2, Some(7)),
            "Ba is 15 in June"
        );
        assert_eq!(nd(&june, "households_province_app"), (2, Some(2)));
        assert_eq!(nd(&june, "businesses_ecommerce"), (2, Some(2)));

        // The commune sums its hamlets: ấp 3 closes in July.
        let c_may = f.figures(&a.commune, "2026-05").await;
        assert_eq!(nd(&c_may, "adults_guided"), (2, Some(10)));
        assert_eq!(nd(&c_may, "teams_consolidated"), (2, Some(3)));
        assert_eq!(nd(&c_may, "hamlets_zalo"), (1, Some(3)));
        assert_eq!(nd(&c_may, "teams_monthly_activity"), (1, Some(3)));
        assert_eq!(nd(&c_may, "teams_security_session"), (1, Some(3)));
        assert_eq!(nd(&c_may, "reports_on_time"), (1, Some(3)));
        assert_eq!(nd(&c_may, "teams_year_end_report"), (1, Some(3)));
        assert_eq!(nd(&c_may, "good_practices"), (1, None));
        let c_q2 = f.figures(&a.commune, "2026-Q2").await;
        assert_eq!(nd(&c_q2, "good_practices"), (2, None));
        assert_eq!(nd(&c_q2, "adults_guided"), (2, Some(11)));
        // Q2: ấp 1 met the minimum in May only; 3 hamlets × 3 months were due.
        assert_eq!(nd(&c_q2, "teams_monthly_activity"), (1, Some(9)));
        let c_july = f.figures(&a.commune, "2026-07").await;
        assert_eq!(nd(&c_july, "adults_guided"), (1, Some(9)), "ấp 3 closed");
        assert_eq!(nd(&c_july, "teams_consolidated").1, Some(2));
        let a3_july = f.figures(&a.a3, "2026-07").await;
        assert_eq!(nd(&a3_july, "adults_guided"), (0, Some(0)));
        assert_eq!(fig(&a3_july, "adults_guided").value, None);
        let a2_may = f.figures(&a.a2, "2026-05").await;
        assert_eq!(nd(&a2_may, "teams_consolidated"), (0, Some(1)));
        assert_eq!(nd(&a2_may, "reports_on_time"), (0, Some(1)), "late");

        // Rollup by sums: 1 of 1 and 0 of 99 is 1%, not 50%.
        let xb = f.figures(&a.other_commune, "2026-05").await;
        assert_eq!(nd(&xb, "adults_guided"), (1, Some(100)));
        assert_eq!(fig(&xb, "adults_guided").value, Some(1.0));
        let p = f.figures(&a.province, "2026-05").await;
        assert_eq!(nd(&p, "adults_guided"), (3, Some(110)));
        let (total, children) =
            indicators::overview(&f.db, &a.province, &Period::parse("2026-05").unwrap())
                .await
                .unwrap();
        assert_eq!(nd(&total, "adults_guided"), (3, Some(110)));
        let (c_total, _) =
            indicators::overview(&f.db, &a.commune, &Period::parse("2026-Q2").unwrap())
                .await
                .unwrap();
        for code in ["good_practices", "teams_monthly_activity", "adults_guided"] {
            assert_eq!(nd(&c_total, code), nd(&c_q2, code), "{code}");
        }
        let codes: Vec<(&str, (i64, Option<i64>))> = children
            .iter()
            .map(|(area, figs)| (area.code.as_str(), nd(figs, "adults_guided")))
            .collect();
        assert_eq!(codes, vec![("xa", (2, Some(10))), ("xb", (1, Some(100)))]);

        // Targets: 80% by the end of Q2 is in force in May; 16.7% is behind.
        let g = fig(&may, "adults_guided");
        assert_eq!((g.target, g.met), (Some(80), Some(false)));
        assert_eq!(fig(&may, "adults_vneid").target, None);

        // The running counts equal a rebuild from scratch.
        let before = counts(&f.db).await;
        let mut tx = f.db.begin_write().await.unwrap();
        indicator_sources::rebuild_commune(&mut tx, a.commune.id)
            .await
            .unwrap();
        indicator_sources::rebuild_commune(&mut tx, a.other_commune.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts(&f.db).await, before, "{url}");
    }
}

/// On time means by the commune's own due day, month by month (its history of changes), for
/// a commune, and for a province whose communes set different days.
#[tokio::test]
async fn reports_on_time_follow_each_communes_due_day() {
    for url in backends().await {
        let f = Fixture {
            db: migrated(&url).await,
            keys: common::keys(),
        };
        let a = build(&f).await;
        let on_time = |area: &Area| {
            let area = area.clone();
            let f = &f;
            async move { nd(&f.figures(&area, "2026-05").await, "reports_on_time") }
        };
        // Due on the 25th: ấp 1 (24th) on time, ấp 2 (27th) late; xb's two hamlets sent none.
        assert_eq!(on_time(&a.commune).await, (1, Some(3)), "{url}");
        assert_eq!(on_time(&a.province).await, (1, Some(5)), "{url}");
        let set = |commune: i64, key: &str, value: &str| {
            format!(
                "INSERT INTO commune_settings (commune_id, key, value, updated_at) \
                 VALUES ({commune}, '{key}', '{value}', 1)"
            )
        };
        // xa moves its due day to the 28th: ấp 2 is on time too. xb writes down the default.
        f.sql(&set(a.commune.id, "report_due_day", "28")).await;
        f.sql(&set(a.other_commune.id, "report_due_day", "25"))
            .await;
        assert_eq!(on_time(&a.commune).await, (2, Some(3)), "{url}");
        assert_eq!(on_time(&a.province).await, (2, Some(5)), "{url}");
        let year = f.figures(&a.province, "2026").await;
        assert_eq!(nd(&year, "reports_on_time").0, 2, "{url}");
        // Until May xa's reports were due on the 24th: ấp 1 still on time, ấp 2 late again.
        f.sql(&set(a.commune.id, "report_due_day@2026-01", "24"))
            .await;
        f.sql(&set(a.commune.id, "report_due_day@2026-06", "28"))
            .await;
        assert_eq!(on_time(&a.commune).await, (1, Some(3)), "{url}");
        assert_eq!(on_time(&a.province).await, (1, Some(5)), "{url}");
        let june = f.figures(&a.province, "2026-06").await;
        assert_eq!(
            nd(&june, "reports_on_time").0,
            0,
            "{url}: no June report was sent"
        );
    }
}

/// The activities a month counts, kept per hamlet and month by triggers (migration 0010),
/// follow every kind of edit — confirming, moving the date, changing the kind, deactivating,
/// deleting, one row or many in a statement — and equal a count from scratch after each.
#[tokio::test]
async fn activity_counts_follow_every_edit_of_an_activity() {
    for url in backends().await {
        let f = Fixture {
            db: migrated(&url).await,
            keys: common::keys(),
        };
        let a = build(&f).await;
        let exact = |step: &'static str| {
            let db = f.db.clone();
            let url = url.clone();
            async move {
                let (kept, counted) = common::activity_counts(&db).await;
                assert!(!counted.is_empty() || step == "deleted", "{url} {step}");
                assert_eq!(kept, counted, "{url}: {step}");
            }
        };
        exact("built").await;
        let monthly = |area: &Area| {
            let area = area.clone();
            let f = &f;
            async move { nd(&f.figures(&area, "2026-05").await, "teams_monthly_activity") }
        };
        assert_eq!(monthly(&a.a1).await, (1, Some(1)), "{url}");
        assert_eq!(monthly(&a.a2).await, (0, Some(1)), "{url}");

        // Ấp 2's fourth activity of May is an automatic round not yet confirmed: not counted.
        f.sql(&format!(
            "INSERT INTO activities (commune_id, hamlet_id, team_id, kind, activity_date, active, \
             confirmed, created_at) SELECT commune_id, hamlet_id, team_id, 'door_to_door', \
             '2026-05-20', 1, 0, 1 FROM activities WHERE hamlet_id = {} LIMIT 1",
            a.a2.id
        ))
        .await;
        exact("an unconfirmed round").await;
        assert_eq!(monthly(&a.a2).await, (0, Some(1)), "{url}");
        f.sql("UPDATE activities SET confirmed = 1 WHERE confirmed = 0")
            .await;
        exact("confirmed").await;
        assert_eq!(monthly(&a.a2).await, (1, Some(1)), "{url}");

        // One of ấp 1's four moves to June: May falls short.
        f.sql(&format!(
            "UPDATE activities SET activity_date = '2026-06-02' WHERE id = \
             (SELECT MIN(id) FROM activities WHERE hamlet_id = {} AND kind = 'door_to_door')",
            a.a1.id
        ))
        .await;
        exact("moved to June").await;
        assert_eq!(monthly(&a.a1).await, (0, Some(1)), "{url}");
        let june = f.figures(&a.a1, "2026-06").await;
        assert_eq!(nd(&june, "teams_security_session"), (1, Some(1)), "{url}");

        // The security session was a campaign after all: no session in the quarter.
        f.sql("UPDATE activities SET kind = 'campaign' WHERE kind = 'security_session'")
            .await;
        exact("kind changed").await;
        let june = f.figures(&a.a1, "2026-06").await;
        assert_eq!(nd(&june, "teams_security_session"), (0, Some(1)), "{url}");

        // Every May activity of the commune withdrawn in one statement, then deleted.
        f.sql("UPDATE activities SET active = 0 WHERE activity_date < '2026-06-01'")
            .await;
        exact("withdrawn").await;
        assert_eq!(monthly(&a.a2).await, (0, Some(1)), "{url}");
        f.sql("DELETE FROM activities").await;
        exact("deleted").await;
    }
}

async fn counts(db: &Db) -> Vec<(i64, String, i64, i64)> {
    db.fetch_all(
        "SELECT area_id, metric, month, n FROM indicator_counts WHERE n <> 0 ORDER BY area_id, metric, month",
        &[],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn moving_a_household_and_closing_a_hamlet_move_the_counts() {
    for url in backends().await {
        let f = Fixture {
            db: migrated(&url).await,
            keys: common::keys(),
        };
        let a = build(&f).await;
        let period = "2026-05";
        let h4: (i64,) =
            f.db.fetch_one("SELECT id FROM households WHERE code = 'H4'", &[])
                .await
                .unwrap();
        {
            let mut conn = f.db.pool.acquire().await.unwrap();
            households::update(
                &mut conn,
                h4.0,
                &HouseholdEdit {
                    hamlet_id: a.a1.id,
                    code: "H4".into(),
                    address: None,
                    head_name: None,
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(
            nd(&f.figures(&a.a1, period).await, "adults_guided"),
            (1, Some(8))
        );
        assert_eq!(
            nd(&f.figures(&a.a2, period).await, "adults_guided"),
            (0, Some(0))
        );
        assert_eq!(
            nd(&f.figures(&a.commune, period).await, "adults_guided"),
            (2, Some(10))
        );
        // Reopening ấp 3 brings it back for July.
        {
            let mut conn = f.db.pool.acquire().await.unwrap();
            areas::set_dates(&mut conn, a.a3.id, None, None)
                .await
                .unwrap();
        }
        assert_eq!(
            nd(&f.figures(&a.commune, "2026-07").await, "adults_guided"),
            (2, Some(11))
        );
        let before = counts(&f.db).await;
        let mut tx = f.db.begin_write().await.unwrap();
        indicator_sources::rebuild_commune(&mut tx, a.commune.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts(&f.db).await, before, "{url}");
    }
}

/// A help recorded in the field shows in the hamlet's, the commune's and the province's
/// figures in the next request.
#[tokio::test]
async fn a_help_from_the_field_moves_every_level_at_once() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let period = Period::current().code();
        let mut head = Client::login(app.clone(), "truongap03").await;
        let mut so = Client::login(app.clone(), "so").await;
        let hamlet = congdongso::demo::hamlet_code(3);
        let get = async |c: &mut Client, area: &str| {
            let r = c
                .get(&format!("/api/v1/indicators?area={area}&period={period}"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let v = r.json();
            let g = v
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["code"] == "adults_guided")
                .cloned()
                .unwrap();
            (
                g["numerator"].as_i64().unwrap(),
                g["denominator"].as_i64().unwrap(),
            )
        };
        let before = [
            get(&mut head, &hamlet).await,
            get(&mut so, "rach-kien").await,
            get(&mut so, "tay-ninh").await,
        ];
        // An adult of ấp 3 never helped.
        let (rid,): (i64,) = db
            .fetch_one(
                "SELECT r.id FROM residents r JOIN areas a ON a.id = r.hamlet_id \
                 WHERE a.code = $1 AND r.status = 'living' AND r.birth_year <= 1990 \
                 AND NOT EXISTS (SELECT 1 FROM help_records h WHERE h.resident_id = r.id) \
                 ORDER BY r.id LIMIT 1",
                &[hamlet.clone().into()],
            )
            .await
            .unwrap();
        let res = head
            .post_json(
                "/api/v1/sync",
                &json!({"device_id": "p", "records": [{
                    "type": "help", "id": "00000000-0000-4000-8000-000000000001",
                    "resident_id": rid, "service": "vneid", "done": true,
                    "date": congdongso::db::today()
                }]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["results"][0]["status"],
            "applied",
            "{}",
            res.body
        );
        let after = [
            get(&mut head, &hamlet).await,
            get(&mut so, "rach-kien").await,
            get(&mut so, "tay-ninh").await,
        ];
        for (b, a) in before.iter().zip(after.iter()) {
            assert_eq!((a.0, a.1), (b.0 + 1, b.1), "{url}");
        }
        // Every indicator is there, for any area the caller may see, and no other.
        let r = head.get(&format!("/api/v1/indicators?area={hamlet}")).await;
        assert_eq!(r.json().as_array().unwrap().len(), 28);
        let r = head.get("/api/v1/indicators?area=rach-kien").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = so
            .get("/api/v1/indicators?area=tay-ninh&period=2026-13")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("2026-Q2"), "{}", r.body);
    }
}

/// A help that cannot move a count (not the resident's first, no service done) leaves the
/// household unread; a first help, one earlier than the first, or one that makes a service
/// done still recomputes it. The household's stored steps are blanked first: a recompute
/// writes them back, a skipped one leaves them blank.
#[tokio::test]
async fn only_a_help_that_can_move_a_count_recomputes_the_household() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut head = Client::login(app.clone(), "truongap03").await;
        let hamlet = congdongso::demo::hamlet_code(3);
        // A resident of ấp 3 already helped, with a service under way or done, and one of
        // the services in force the resident has no status for.
        let candidates: Vec<(i64, i64, i64, String)> = db
            .fetch_all(
                "SELECT r.id, r.household_id, r.commune_id, s.service_code FROM residents r \
                 JOIN areas a ON a.id = r.hamlet_id \
                 JOIN resident_services s ON s.resident_id = r.id \
                 WHERE a.code = $1 AND r.active = 1 AND r.status = 'living' \
                 AND s.status IN ('done', 'in_progress') \
                 AND EXISTS (SELECT 1 FROM help_records h WHERE h.resident_id = r.id) \
                 ORDER BY r.id LIMIT 50",
                &[hamlet.clone().into()],
            )
            .await
            .unwrap();
        let mut picked = None;
        for (rid, household, commune, started) in candidates {
            let mut conn = db.pool.acquire().await.unwrap();
            let in_force = congdongso::db::services::codes_in_force(&mut conn, commune)
                .await
                .unwrap();
            let have: Vec<(String,)> = db
                .fetch_all(
                    "SELECT service_code FROM resident_services WHERE resident_id = $1",
                    &[rid.into()],
                )
                .await
                .unwrap();
            let mut free: Vec<&String> = in_force
                .iter()
                .filter(|c| !have.iter().any(|(h,)| h == *c))
                .collect();
            free.sort();
            if let Some(code) = free.first() {
                picked = Some((rid, household, started, code.to_string()));
                break;
            }
        }
        let (rid, household, started, untouched) = picked.expect("a resident to help");
        let steps = async || -> String {
            let (s,): (String,) = db
                .fetch_one(
                    "SELECT steps FROM indicator_sources WHERE kind = 'household' AND entity_id = $1",
                    &[household.into()],
                )
                .await
                .unwrap();
            s
        };
        let blank = async || {
            db.execute(
                "UPDATE indicator_sources SET steps = '' WHERE kind = 'household' AND entity_id = $1",
                &[household.into()],
            )
            .await
            .unwrap();
        };
        let mut n = 0;
        let mut send = async |service: &str, done: bool, date: &str| {
            n += 1;
            let res = head
                .post_json(
                    "/api/v1/sync",
                    &json!({"device_id": "p", "records": [{
                        "type": "help", "id": format!("00000000-0000-4000-8000-{n:012}"),
                        "resident_id": rid, "service": service, "done": done, "date": date
                    }]}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert_eq!(
                res.json()["results"][0]["status"],
                "applied",
                "{}",
                res.body
            );
        };
        let today = congdongso::db::today();
        assert!(!steps().await.is_empty(), "{url}");

        // Again, today, on a service already under way: nothing a count reads has moved.
        blank().await;
        send(&started, false, &today).await;
        assert_eq!(
            steps().await,
            "",
            "{url}: a repeat help recomputed the household"
        );

        // Earlier than the resident's first help: the first month moves.
        send(&started, false, "2020-01-02").await;
        assert!(!steps().await.is_empty(), "{url}: an earlier help left it");

        // A service begun: its status moves, but the steps read only the services done.
        blank().await;
        send(&untouched, false, &today).await;
        assert_eq!(
            steps().await,
            "",
            "{url}: a service begun recomputed the household"
        );

        // The same service done: counted from its month.
        send(&untouched, true, &today).await;
        assert!(
            !steps().await.is_empty(),
            "{url}: a service done and it was left"
        );
    }
}
