//! Incremental field data on SQLite and PostgreSQL: `?since=` answers exactly the households
//! changed by another phone, by a web page and by an import, and the ones that left the
//! caller's scope; an unknown cursor starts over; `If-None-Match` answers 304. And an automatic
//! door-to-door round counts toward the monthly minimum only once confirmed.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, app, backends, demo_db};
use congdongso::db::Db;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

async fn full(c: &mut Client) -> Value {
    let r = c.get("/api/v1/field/data").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["full"], true);
    let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", j["cursor"].as_str().unwrap()));
    j
}

async fn since(c: &mut Client, cursor: &str) -> Value {
    let r = c
        .get(&format!(
            "/api/v1/field/data?since={}",
            cursor.replace('.', "%2E")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn ids(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

fn nums(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// The first living resident of a household in the snapshot.
fn resident_of(data: &Value, household: i64) -> i64 {
    data["residents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["household_id"].as_i64() == Some(household) && r["status"] == "living")
        .and_then(|r| r["id"].as_i64())
        .expect("a living resident")
}

async fn sync(c: &mut Client, records: Value) {
    let r = c
        .post_json(
            "/api/v1/sync",
            &json!({"device_id": "p", "records": records}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for x in r.json()["results"].as_array().unwrap() {
        assert_eq!(x["status"], "applied", "{x}");
    }
}

async fn changes_case(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut phone = Client::login(app.clone(), "tovien03").await;
    let first = full(&mut phone).await;
    let households: Vec<i64> = ids(&first["households"]).into_iter().collect();
    assert!(households.len() >= 3, "{}", households.len());
    assert_eq!(first["removed_households"], json!([]));
    assert!(first["services"].is_array() && first["activities"].is_array());
    let cursor = first["cursor"].as_str().unwrap().to_string();

    // Nothing changed: an empty answer, and 304 for the same ETag.
    let none = since(&mut phone, &cursor).await;
    assert_eq!(none["full"], false);
    assert_eq!(none["households"], json!([]));
    assert_eq!(none["residents"], json!([]));
    assert_eq!(none["removed_households"], json!([]));
    assert!(
        none.get("services").is_none(),
        "unchanged lists are not sent again"
    );
    let req = Request::get("/api/v1/field/data")
        .header(header::IF_NONE_MATCH, format!("\"{cursor}\""))
        .body(Body::empty())
        .unwrap();
    let r = phone.send(req).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());

    // Another phone of the hamlet records a help in one household.
    let (h1, h2, h3) = (households[0], households[1], households[2]);
    let r1 = resident_of(&first, h1);
    let mut head = Client::login(app.clone(), "truongap03").await;
    let day = congdongso::db::today();
    let hamlet = db
        .scalar_i64(
            "SELECT hamlet_id FROM residents WHERE id = $1",
            &[r1.into()],
        )
        .await
        .unwrap();
    let seq_before = congdongso::db::field_changes::hamlet_seq(&db, hamlet)
        .await
        .unwrap();
    sync(
        &mut head,
        json!([{"id": uuid(1), "type": "help", "resident_id": r1, "service": "vneid", "done": true, "date": day}]),
    )
    .await;
    let moved = congdongso::db::field_changes::hamlet_seq(&db, hamlet)
        .await
        .unwrap()
        - seq_before;
    if db.backend == congdongso::db::Backend::Postgres {
        // The help and the status it set are written by one statement, which stamps the
        // household once (migration 0023); SQLite's row triggers stamp row by row.
        assert_eq!(moved, 1, "one stamp for the batch");
    } else {
        assert!(moved >= 1, "{moved}");
    }
    let d = since(&mut phone, &cursor).await;
    assert_eq!(d["full"], false);
    assert_eq!(ids(&d["households"]), BTreeSet::from([h1]));
    let residents = d["residents"].as_array().unwrap();
    assert!(
        residents
            .iter()
            .all(|r| r["household_id"].as_i64() == Some(h1))
    );
    let all_of_h1 = first["residents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["household_id"].as_i64() == Some(h1))
        .count();
    assert_eq!(
        residents.len(),
        all_of_h1,
        "the household comes with all its residents"
    );
    let helped = residents
        .iter()
        .find(|r| r["id"].as_i64() == Some(r1))
        .unwrap();
    assert_eq!(helped["services"]["vneid"], "done");
    assert!(
        d["activities"].is_array(),
        "today's round changed, so the activities are sent"
    );
    let cursor = d["cursor"].as_str().unwrap().to_string();

    // A web edit: the head sets a service status of a resident of another household.
    let r2 = resident_of(&first, h2);
    let w = head
        .post_form(
            &format!("/residents/{r2}/services"),
            &[("service", "email"), ("status", "in_progress")],
        )
        .await;
    assert!(w.status.is_redirection(), "{}", w.body);
    let d = since(&mut phone, &cursor).await;
    assert_eq!(ids(&d["households"]), BTreeSet::from([h2]));
    let cursor = d["cursor"].as_str().unwrap().to_string();

    // An import adds a resident to Ấp 3.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let csv = "Họ và tên;Ấp;Ngày sinh\nĐinh Văn Máy;Ấp 3;1980\n"
        .as_bytes()
        .to_vec();
    let j = admin
        .post_bytes("/api/v1/imports/residents?name=a.csv", csv)
        .await
        .json();
    assert_eq!(j["added"], 1, "{j}");
    let (new_household,): (i64,) = db
        .fetch_one(
            "SELECT household_id FROM residents WHERE full_name = 'Đinh Văn Máy'",
            &[],
        )
        .await
        .unwrap();
    let d = since(&mut phone, &cursor).await;
    assert_eq!(ids(&d["households"]), BTreeSet::from([new_household]));
    assert!(
        d["residents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["full_name"] == "Đinh Văn Máy")
    );
    let cursor = d["cursor"].as_str().unwrap().to_string();

    // A household deactivated on the web leaves the phone.
    let w = admin
        .post_form(&format!("/households/{h3}/active"), &[])
        .await;
    assert!(w.status.is_redirection(), "{}", w.body);
    let d = since(&mut phone, &cursor).await;
    assert_eq!(d["households"], json!([]));
    assert_eq!(nums(&d["removed_households"]), BTreeSet::from([h3]));

    // Unknown or foreign cursors start over.
    for bad in [
        "garbage",
        "1.999999.1.ab.cd",
        &cursor.replacen("1.", "1.1", 1),
    ] {
        let r = phone.get(&format!("/api/v1/field/data?since={bad}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        assert_eq!(j["full"], true, "{bad}");
        // One household came with the import, one left.
        assert_eq!(ids(&j["households"]).len(), households.len());
    }

    // Under assignment, a household given to another member leaves this member's phone.
    let on = admin
        .post_form("/settings/assignment", &[("enabled", "on")])
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let member_of = |name: &'static str| {
        let db: Db = db.clone();
        async move {
            let (m,): (i64,) = db
                .fetch_one(
                    "SELECT member_id FROM accounts WHERE username = $1",
                    &[name.into()],
                )
                .await
                .unwrap();
            m
        }
    };
    let me = member_of("tovien03").await;
    let (other,): (i64,) = db
        .fetch_one(
            "SELECT id FROM members WHERE team_id = (SELECT team_id FROM members WHERE id = $1) \
             AND id <> $1 AND active = 1 ORDER BY id LIMIT 1",
            &[me.into()],
        )
        .await
        .unwrap();
    for h in [h1, h2] {
        let r = head
            .post_form(
                "/assignments",
                &[
                    ("member_id", &me.to_string()),
                    ("household", &h.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let mut phone = Client::login(app.clone(), "tovien03").await;
    // The scope changed with assignment: the old cursor gives everything again.
    let j = since(&mut phone, &cursor).await;
    assert_eq!(j["full"], true);
    assert_eq!(ids(&j["households"]), BTreeSet::from([h1, h2]));
    let cursor = j["cursor"].as_str().unwrap().to_string();
    let r = head
        .post_form(
            "/assignments",
            &[
                ("member_id", &other.to_string()),
                ("household", &h2.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = since(&mut phone, &cursor).await;
    assert_eq!(d["full"], false);
    assert_eq!(d["households"], json!([]));
    assert_eq!(nums(&d["removed_households"]), BTreeSet::from([h2]));
    assert!(
        d["assigned"].is_object(),
        "the assignment map changed and is sent"
    );

    // A restored backup is another copy of the data: cursors made before start over.
    let cursor = d["cursor"].as_str().unwrap().to_string();
    assert_eq!(since(&mut phone, &cursor).await["full"], false);
    congdongso::db::field_changes::renew_epoch(&db)
        .await
        .unwrap();
    assert_eq!(since(&mut phone, &cursor).await["full"], true);
}

#[tokio::test]
async fn since_answers_exactly_what_changed_and_what_left() {
    for url in backends().await {
        changes_case(url).await;
    }
}

async fn counted(db: &Db, team_hamlet: &str, month: &str) -> i64 {
    let (from, to) = congdongso::fieldwork::month_bounds(month).unwrap();
    let (commune,): (i64,) = db
        .fetch_one(
            "SELECT id FROM areas WHERE level = 'commune' ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let rows = congdongso::db::activities::month_by_team(db, commune, None, &from, &to)
        .await
        .unwrap();
    let (hamlet,): (i64,) = db
        .fetch_one(
            "SELECT id FROM areas WHERE code = $1",
            &[team_hamlet.into()],
        )
        .await
        .unwrap();
    rows.iter()
        .find(|t| t.hamlet_id == hamlet)
        .map(|t| t.activities)
        .unwrap()
}

async fn round_case(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let day = congdongso::db::today();
    let month = &day[..7];
    let before = counted(&db, "rach-kien-ap-03", month).await;
    let mut phone = Client::login(app.clone(), "tovien03").await;
    let data = full(&mut phone).await;
    let rid = data["residents"].as_array().unwrap()[0]["id"]
        .as_i64()
        .unwrap();
    // Two helps on a day the team had no round: one automatic round, not counted.
    let (existing,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM activities WHERE kind = 'door_to_door' AND activity_date = $1 \
             AND hamlet_id = (SELECT id FROM areas WHERE code = 'rach-kien-ap-03') AND active = 1",
            &[day.clone().into()],
        )
        .await
        .unwrap();
    sync(
        &mut phone,
        json!([
            {"id": uuid(11), "type": "help", "resident_id": rid, "service": "vneid", "done": false, "date": day},
            {"id": uuid(12), "type": "help", "resident_id": rid, "service": "email", "done": true, "date": day}
        ]),
    )
    .await;
    let (round, confirmed): (i64, i64) = db
        .fetch_one(
            "SELECT a.id, a.confirmed FROM help_records h JOIN activities a ON a.id = h.activity_id \
             WHERE h.client_id = $1",
            &[uuid(11).into()],
        )
        .await
        .unwrap();
    if existing == 0 {
        assert_eq!(confirmed, 0, "an automatic round waits for confirmation");
        assert_eq!(counted(&db, "rach-kien-ap-03", month).await, before);
    }
    let page = phone.get(&format!("/activities?month={month}")).await;
    assert!(
        page.body.contains("Chờ xác nhận"),
        "the month's list shows it apart"
    );
    // A member who is not the team leader cannot confirm.
    let r = phone
        .post_form(&format!("/activities/{round}/confirm"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The hamlet head confirms it, with the place and a member present.
    let (member,): (i64,) = db
        .fetch_one(
            "SELECT member_id FROM accounts WHERE username = 'tovien03'",
            &[],
        )
        .await
        .unwrap();
    let mut head = Client::login(app.clone(), "truongap03").await;
    let form = head.get(&format!("/activities/{round}")).await;
    assert!(form.body.contains("confirm-form"), "{}", form.body);
    let r = head
        .post_form(
            &format!("/activities/{round}/confirm"),
            &[("place", "Xóm Bến, Ấp 3"), ("member", &member.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (confirmed, place): (i64, String) = db
        .fetch_one(
            "SELECT confirmed, place FROM activities WHERE id = $1",
            &[round.into()],
        )
        .await
        .unwrap();
    assert_eq!((confirmed, place.as_str()), (1, "Xóm Bến, Ấp 3"));
    let expected = before + i64::from(existing == 0);
    assert_eq!(counted(&db, "rach-kien-ap-03", month).await, expected);
    let present = congdongso::db::activities::members_present(&db, round)
        .await
        .unwrap();
    assert!(present.iter().any(|p| p.member_id == member));
    // Another hamlet's head cannot see or confirm it.
    let mut other = Client::login(app.clone(), "truongap02").await;
    let r = other
        .post_form(&format!("/activities/{round}/confirm"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_automatic_round_counts_only_once_confirmed() {
    for url in backends().await {
        round_case(url).await;
    }
}
