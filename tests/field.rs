//! Field work through the sync API and the pages around it, on SQLite and PostgreSQL:
//! idempotency, partial rejection, conflicts and their resolution, scoping and assignment.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db};
use congdongso::db::Db;
use serde_json::{Value, json};

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn today() -> String {
    congdongso::db::today()
}

async fn field_data(c: &mut Client) -> Value {
    let r = c.get("/api/v1/field/data").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// A living adult resident of the snapshot (the first one).
fn resident(data: &Value, n: usize) -> Value {
    data["residents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "living")
        .nth(n)
        .cloned()
        .expect("a living resident")
}

async fn sync(c: &mut Client, records: Value) -> Vec<Value> {
    let r = c
        .post_json(
            "/api/v1/sync",
            &json!({"device_id": "test-phone", "records": records}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["results"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

async fn count(db: &Db, sql: &str, id: &str) -> i64 {
    db.scalar_i64(sql, &[id.into()]).await.unwrap()
}

#[tokio::test]
async fn the_same_batch_twice_is_applied_once() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut m = Client::login(app.clone(), "tovien03").await;
        let data = field_data(&mut m).await;
        assert!(!data["households"].as_array().unwrap().is_empty());
        let r = resident(&data, 0);
        let rid = r["id"].as_i64().unwrap();
        let day = today();
        let batch = json!([
            {"id": uuid(1), "type": "help", "resident_id": rid, "service": "vneid", "done": true, "date": day, "activity_id": null},
            {"id": uuid(2), "type": "activity", "kind": "cultural_house", "date": day, "place": "Nhà văn hóa Ấp 3", "residents_reached": 12},
            {"id": uuid(3), "type": "help", "resident_id": rid, "service": "province_app", "done": false, "date": day, "activity_id": uuid(2)},
            {"id": uuid(4), "type": "dossier", "resident_id": rid, "kind": "birth_registration", "date": day, "activity_id": uuid(2)},
            {"id": uuid(5), "type": "household_new", "head_name": "Trần Thị Mới", "address": "Tổ 9"},
            {"id": uuid(6), "type": "resident_new", "household_id": uuid(5), "full_name": "Trần Thị Mới", "birth_year": 1990, "gender": "female", "has_smartphone": true},
            {"id": uuid(7), "type": "help", "resident_id": uuid(6), "service": "vneid", "done": true, "date": day},
        ]);
        let first = sync(&mut m, batch.clone()).await;
        assert_eq!(statuses(&first), vec!["applied"; 7], "{first:?}");
        let second = sync(&mut m, batch).await;
        assert_eq!(statuses(&second), vec!["duplicate"; 7], "{second:?}");
        for n in [1, 3, 4, 7] {
            assert_eq!(
                count(
                    &db,
                    "SELECT COUNT(*) FROM help_records WHERE client_id = $1",
                    &uuid(n)
                )
                .await,
                1
            );
        }
        // The door-to-door help went into today's round, created for it; the others into the session.
        let round: (String, String) = db
            .fetch_one(
                "SELECT a.kind, a.activity_date FROM help_records h JOIN activities a ON a.id = h.activity_id WHERE h.client_id = $1",
                &[uuid(1).into()],
            )
            .await
            .unwrap();
        assert_eq!(round, ("door_to_door".to_string(), day.clone()));
        let session: String = db
            .fetch_one::<(String,)>(
                "SELECT a.client_id FROM help_records h JOIN activities a ON a.id = h.activity_id WHERE h.client_id = $1",
                &[uuid(3).into()],
            )
            .await
            .unwrap()
            .0;
        assert_eq!(session, uuid(2));
        // Statuses moved, with history.
        let api = m.get(&format!("/api/v1/residents/{rid}")).await.json();
        let svc = |code: &str| {
            api["services"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["code"] == code)
                .map(|s| s["status"].as_str().unwrap().to_string())
        };
        assert_eq!(svc("vneid").as_deref(), Some("done"));
        assert!(matches!(
            svc("province_app").as_deref(),
            Some("in_progress") | Some("done")
        ));
        // The new resident of the new household is in the member's data with the done status.
        let data = field_data(&mut m).await;
        let newcomer = data["residents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["full_name"] == "Trần Thị Mới")
            .expect("new resident synced")
            .clone();
        assert_eq!(newcomer["services"]["vneid"], "done");
        // The hamlet head sees the session with its help and dossier on the activity page.
        let session_id: i64 = first[1]["server_id"].as_i64().unwrap();
        let mut head = Client::login(app.clone(), "truongap03").await;
        let page = head.get(&format!("/activities/{session_id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Hỗ trợ tại nhà văn hóa ấp"));
        assert!(page.body.contains("Đăng ký khai sinh"), "{}", page.body);
        let resident_page = head.get(&format!("/residents/{rid}")).await;
        assert!(
            resident_page.body.contains("Lượt hỗ trợ")
                && resident_page.body.contains("Đăng ký khai sinh"),
            "the head sees the help on the resident's page"
        );
        assert!(head.get("/").await.body.contains("lượt hỗ trợ hôm nay"));
        // The commune admin sees it in the commune's month view.
        let mut admin = Client::login(app.clone(), "vhxh").await;
        let month = admin.get(&format!("/activities?month={}", &day[..7])).await;
        assert!(month.body.contains(&format!("/activities/{session_id}")));
    }
}

#[tokio::test]
async fn a_bad_record_is_rejected_and_the_rest_applied() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut m = Client::login(app.clone(), "tovien03").await;
        let data = field_data(&mut m).await;
        let rid = resident(&data, 0)["id"].as_i64().unwrap();
        let other = common::first_resident_of(&app, "rach-kien-ap-02").await;
        let day = today();
        let results = sync(
            &mut m,
            json!([
                {"id": uuid(11), "type": "help", "resident_id": rid, "service": "email", "done": true, "date": day},
                {"id": uuid(12), "type": "help", "resident_id": other, "service": "email", "done": true, "date": day},
                {"id": uuid(13), "type": "help", "resident_id": rid, "service": "khong-co", "done": true, "date": day},
                {"id": "not-a-uuid", "type": "help", "resident_id": rid, "service": "email", "done": true, "date": day},
                {"id": uuid(14), "type": "help", "resident_id": rid, "service": "email", "done": true, "date": "2099-01-01"},
                {"id": uuid(15), "type": "help", "resident_id": rid, "service": "email"},
                {"id": uuid(16), "type": "resident_update", "resident_id": rid, "base_version": 1, "changes": {"phone": "12"}},
                {"id": uuid(17), "type": "help", "resident_id": rid, "service": "vssid", "done": false, "date": day},
            ]),
        )
        .await;
        assert_eq!(
            statuses(&results),
            vec![
                "applied", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected",
                "applied"
            ],
            "{results:?}"
        );
        let msg = |i: usize| results[i]["message"].as_str().unwrap().to_string();
        assert!(msg(1).contains("phạm vi"), "{}", msg(1));
        assert!(msg(2).contains("khong-co"), "{}", msg(2));
        assert!(msg(3).contains("UUID"), "{}", msg(3));
        assert!(msg(4).contains("tương lai"), "{}", msg(4));
        assert!(msg(5).contains("done"), "{}", msg(5));
        assert!(msg(6).contains("Số điện thoại"), "{}", msg(6));
        // Nothing of the rejected records was written; a rejected record may be sent again.
        assert_eq!(
            db.scalar_i64(
                "SELECT COUNT(*) FROM help_records WHERE resident_id = $1 AND client_id IS NOT NULL",
                &[rid.into()]
            )
            .await
            .unwrap(),
            2,
            "the two valid helps, nothing of the rejected ones"
        );
        assert_eq!(
            db.scalar_i64(
                "SELECT COUNT(*) FROM help_records WHERE resident_id = $1 AND client_id IS NOT NULL",
                &[other.into()]
            )
            .await
            .unwrap(),
            0
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM sync_records WHERE client_id = $1",
                &uuid(12)
            )
            .await,
            0
        );
    }
}

/// Helps for one service of one resident in one batch move its status step by step, as they
/// would one request at a time: the batch's status writes go out together before the commit,
/// both when every record is valid and when a rejected record makes the batch take a
/// savepoint per record.
#[tokio::test]
async fn helps_in_one_batch_move_a_status_step_by_step() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut m = Client::login(app.clone(), "tovien03").await;
        let data = field_data(&mut m).await;
        let day = today();
        for (n, (k, with_bad)) in [(0u32, false), (1u32, true)].into_iter().enumerate() {
            // A resident (not the first pass's) who has not started a service yet.
            let mut pick = None;
            'search: for r in data["residents"].as_array().unwrap() {
                let candidate = r["id"].as_i64().unwrap();
                if r["status"] != "living" || candidate % 2 != n as i64 {
                    continue;
                }
                for service in ["ecommerce", "digital_signature", "vssid", "email"] {
                    let has = db
                        .scalar_i64(
                            "SELECT COUNT(*) FROM resident_services WHERE resident_id = $1 AND service_code = $2 \
                             AND status IN ('done', 'in_progress')",
                            &[candidate.into(), service.into()],
                        )
                        .await
                        .unwrap();
                    if has == 0 {
                        pick = Some((candidate, service));
                        break 'search;
                    }
                }
            }
            let (rid, service) = pick.expect("a resident with a service not started");
            let base = 100 + 10 * k;
            let mut records = vec![
                json!({"id": uuid(base + 1), "type": "help", "resident_id": rid, "service": service, "done": false, "date": day}),
                json!({"id": uuid(base + 2), "type": "help", "resident_id": rid, "service": service, "done": true, "date": day}),
                json!({"id": uuid(base + 3), "type": "help", "resident_id": rid, "service": service, "done": false, "date": day}),
            ];
            if with_bad {
                records.insert(1, json!({"id": uuid(base + 4), "type": "help", "resident_id": rid, "service": "khong-co", "done": true, "date": day}));
            }
            let results = sync(&mut m, Value::Array(records)).await;
            let expected: Vec<&str> = if with_bad {
                vec!["applied", "rejected", "applied", "applied"]
            } else {
                vec!["applied"; 3]
            };
            assert_eq!(statuses(&results), expected, "{url}: {results:?}");
            let status: (String, String) = db
                .fetch_one(
                    "SELECT status, status_date FROM resident_services WHERE resident_id = $1 AND service_code = $2",
                    &[rid.into(), service.into()],
                )
                .await
                .unwrap();
            assert_eq!(status, ("done".to_string(), day.clone()), "{url}");
            let history: Vec<(String, String)> = db
                .fetch_all(
                    "SELECT s.status, h.client_id FROM service_status_history s JOIN help_records h ON h.id = s.help_id \
                     WHERE s.resident_id = $1 AND s.service_code = $2 ORDER BY s.id",
                    &[rid.into(), service.into()],
                )
                .await
                .unwrap();
            assert_eq!(
                history,
                vec![
                    ("in_progress".to_string(), uuid(base + 1)),
                    ("done".to_string(), uuid(base + 2))
                ],
                "{url}: the third help changed nothing"
            );
        }
    }
}

#[tokio::test]
async fn two_phones_changing_one_field_make_a_conflict_the_head_resolves() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let mut a = Client::login(app.clone(), "tovien03").await;
        let mut b = Client::login(app.clone(), "truongap03").await;
        let data = field_data(&mut a).await;
        let r = resident(&data, 1);
        let rid = r["id"].as_i64().unwrap();
        let base = r["version"].as_i64().unwrap();
        let first = sync(
            &mut a,
            json!([{"id": uuid(21), "type": "resident_update", "resident_id": rid, "base_version": base,
                    "changes": {"phone": "0911111111"}}]),
        )
        .await;
        assert_eq!(statuses(&first), vec!["applied"]);
        // The second phone read the same version and changes the same field and another one.
        let second = sync(
            &mut b,
            json!([{"id": uuid(22), "type": "resident_update", "resident_id": rid, "base_version": base,
                    "changes": {"phone": "0922222222", "status": "moved"}}]),
        )
        .await;
        assert_eq!(statuses(&second), vec!["conflict"], "{second:?}");
        assert!(
            second[0]["message"]
                .as_str()
                .unwrap()
                .contains("0911111111")
        );
        let (phone, status): (Option<String>, String) = db
            .fetch_one(
                "SELECT phone, status FROM residents WHERE id = $1",
                &[rid.into()],
            )
            .await
            .unwrap();
        assert_eq!(phone.as_deref(), Some("0911111111"), "no silent overwrite");
        assert_eq!(status, "moved", "the field nobody else changed applies");
        // Sending it again does not make a second conflict.
        let again = sync(
            &mut b,
            json!([{"id": uuid(22), "type": "resident_update", "resident_id": rid, "base_version": base,
                    "changes": {"phone": "0922222222", "status": "moved"}}]),
        )
        .await;
        assert_eq!(
            statuses(&again),
            vec!["conflict"],
            "still shown as a conflict"
        );
        assert_eq!(
            db.scalar_i64(
                "SELECT COUNT(*) FROM sync_conflicts WHERE resident_id = $1",
                &[rid.into()]
            )
            .await
            .unwrap(),
            1,
            "but kept once"
        );
        // The hamlet head sees it and chooses the second phone's value.
        let page = b.get("/conflicts").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("0922222222") && page.body.contains("0911111111"),
            "{}",
            page.body
        );
        let (cid,): (i64,) = db
            .fetch_one(
                "SELECT id FROM sync_conflicts WHERE resident_id = $1 AND status = 'open'",
                &[rid.into()],
            )
            .await
            .unwrap();
        // A member may not decide, nor a head of another hamlet.
        let denied = a
            .post_form(&format!("/conflicts/{cid}"), &[("choice", "accept")])
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let mut other_head = Client::login(app.clone(), "truongap02").await;
        let hidden = other_head
            .post_form(&format!("/conflicts/{cid}"), &[("choice", "accept")])
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        let done = b
            .post_form(&format!("/conflicts/{cid}"), &[("choice", "accept")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let (phone,): (Option<String>,) = db
            .fetch_one("SELECT phone FROM residents WHERE id = $1", &[rid.into()])
            .await
            .unwrap();
        assert_eq!(phone.as_deref(), Some("0922222222"));
        assert!(b.get("/conflicts").await.body.contains("Không có xung đột"));
        // A later edit from the old version conflicts again rather than overwriting.
        let late = sync(
            &mut a,
            json!([{"id": uuid(23), "type": "resident_update", "resident_id": rid, "base_version": base,
                    "changes": {"phone": "0933333333"}}]),
        )
        .await;
        assert_eq!(statuses(&late), vec!["conflict"]);
        let (cid2,): (i64,) = db
            .fetch_one(
                "SELECT id FROM sync_conflicts WHERE resident_id = $1 AND status = 'open'",
                &[rid.into()],
            )
            .await
            .unwrap();
        b.post_form(&format!("/conflicts/{cid2}"), &[("choice", "keep")])
            .await;
        let (phone,): (Option<String>,) = db
            .fetch_one("SELECT phone FROM residents WHERE id = $1", &[rid.into()])
            .await
            .unwrap();
        assert_eq!(
            phone.as_deref(),
            Some("0922222222"),
            "kept the server's value"
        );
    }
}

#[tokio::test]
async fn members_reach_only_their_hamlet_and_their_households_under_assignment() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let app = app(db.clone());
        let other = common::first_resident_of(&app, "rach-kien-ap-02").await;
        let mut m = Client::login(app.clone(), "tovien03").await;
        assert_eq!(
            m.get(&format!("/api/v1/residents/{other}")).await.status,
            StatusCode::NOT_FOUND
        );
        let data = field_data(&mut m).await;
        assert!(
            data["residents"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["id"].as_i64() != Some(other))
        );
        // Only field accounts sync.
        for who in ["vhxh", "so", "kinhte"] {
            let mut c = Client::login(app.clone(), who).await;
            let r = c.post_json("/api/v1/sync", &json!({"records": []})).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        }
        // Turn assignment on and give one household to tovien03's member record.
        let mut admin = Client::login(app.clone(), "vhxh").await;
        let on = admin
            .post_form("/settings/assignment", &[("enabled", "on")])
            .await;
        assert_eq!(on.status, StatusCode::SEE_OTHER, "{}", on.body);
        let households = data["households"].as_array().unwrap();
        let mine = households[0]["id"].as_i64().unwrap();
        let not_mine = households[1]["id"].as_i64().unwrap();
        let (member_id,): (i64,) = db
            .fetch_one(
                "SELECT member_id FROM accounts WHERE username = 'tovien03'",
                &[],
            )
            .await
            .unwrap();
        let mut head = Client::login(app.clone(), "truongap03").await;
        let assigned = head
            .post_form(
                "/assignments",
                &[
                    ("member_id", &member_id.to_string()),
                    ("household", &mine.to_string()),
                ],
            )
            .await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
        // A head of another hamlet cannot assign this hamlet's households.
        let mut other_head = Client::login(app.clone(), "truongap02").await;
        let refused = other_head
            .post_form(
                "/assignments",
                &[
                    ("member_id", &member_id.to_string()),
                    ("household", &not_mine.to_string()),
                ],
            )
            .await;
        assert!(refused.status.is_client_error());
        let mut m = Client::login(app.clone(), "tovien03").await;
        let data = field_data(&mut m).await;
        let ids: Vec<i64> = data["households"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![mine]);
        assert!(
            data["residents"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["household_id"].as_i64() == Some(mine))
        );
        let (outside,): (i64,) = db
            .fetch_one(
                "SELECT id FROM residents WHERE household_id = $1 AND active = 1 ORDER BY id LIMIT 1",
                &[not_mine.into()],
            )
            .await
            .unwrap();
        assert_eq!(
            m.get(&format!("/api/v1/residents/{outside}")).await.status,
            StatusCode::NOT_FOUND
        );
        let day = today();
        let results = sync(
            &mut m,
            json!([{"id": uuid(31), "type": "help", "resident_id": outside, "service": "email", "done": true, "date": day}]),
        )
        .await;
        assert_eq!(statuses(&results), vec!["rejected"]);
        // The hamlet head still sees and syncs every household of the hamlet.
        let head_data = field_data(&mut head).await;
        assert!(head_data["households"].as_array().unwrap().len() > 1);
        let results = sync(
            &mut head,
            json!([{"id": uuid(32), "type": "help", "resident_id": outside, "service": "email", "done": true, "date": day}]),
        )
        .await;
        assert_eq!(statuses(&results), vec!["applied"]);
    }
}
