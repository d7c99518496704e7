//! A resident's own data (PRODUCT.md §8): the commune admin exports everything held about one
//! person and erases it on request; the indicators and reports do not move.

mod common;
use axum::http::StatusCode;
use common::{Client, app, backends, demo_db, keys};
use congdongso::db::{self, Db};

async fn figures(db: &Db, area: &str) -> Vec<(String, i64, Option<i64>)> {
    let area = db::areas::by_code(db, area).await.unwrap().unwrap();
    let mut all = Vec::new();
    for p in ["2026-11", "2026"] {
        let period = congdongso::indicators::Period::parse(p).unwrap();
        for f in db::indicators::figures(db, &area, &period).await.unwrap() {
            all.push((format!("{p} {}", f.code), f.numerator, f.denominator));
        }
    }
    all
}

async fn case(url: String) {
    let db = demo_db(&url).await;
    let k = keys();
    let (id, name, household): (i64, String, i64) = db
        .fetch_one(
            "SELECT r.id, r.full_name, r.household_id FROM residents r JOIN areas a ON a.id = r.hamlet_id \
             WHERE a.code = 'rach-kien-ap-03' AND r.active = 1 AND r.cccd_hash IS NOT NULL \
             AND r.phone IS NOT NULL AND r.birth_year <= 1990 ORDER BY r.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (enc,): (String,) = db
        .fetch_one("SELECT cccd_enc FROM residents WHERE id = $1", &[id.into()])
        .await
        .unwrap();
    let cccd = k.decrypt(&enc).unwrap();
    // Things kept elsewhere about the person: a help request, and an audited edit.
    let (commune, hamlet): (i64, i64) = db
        .fetch_one(
            "SELECT commune_id, hamlet_id FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    db.execute(
        "INSERT INTO help_requests (commune_id, hamlet_id, requester_name, phone, message, resident_id, source, \
         created_at, updated_at) VALUES ($1, $2, $3, '0912345678', 'Nhờ cài VNeID', $4, 'public', 0, 0)",
        &[commune.into(), hamlet.into(), name.clone().into(), id.into()],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO audit_log (commune_id, account_id, at, action, entity, entity_id, before_json, after_json) \
         VALUES ($1, NULL, 0, 'update', 'resident', $2, $3, $3)",
        &[commune.into(), id.into(), format!("{{\"full_name\":\"{name}\"}}").into()],
    )
    .await
    .unwrap();
    let hamlet_before = figures(&db, "rach-kien-ap-03").await;
    let commune_before = figures(&db, "rach-kien").await;

    let app = app(db.clone());
    let mut head = Client::login(app.clone(), "truongap03").await;
    assert_eq!(
        head.get(&format!("/residents/{id}/data")).await.status,
        StatusCode::FORBIDDEN
    );
    let r = head
        .post_form(&format!("/residents/{id}/erase"), &[("confirm", "XÓA")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the commune admin erases"
    );

    let mut admin = Client::login(app.clone(), "vhxh").await;
    let page = admin.get(&format!("/residents/{id}")).await;
    assert!(page.body.contains("id=\"own-data\""));
    let r = admin.get(&format!("/residents/{id}/data")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data = r.json();
    assert_eq!(data["resident"]["full_name"], name.as_str());
    assert_eq!(data["resident"]["cccd"], cccd.as_str());
    assert_eq!(data["help_requests"][0]["message"], "Nhờ cài VNeID");
    assert!(data["services"].is_array() && data["household"]["code"].is_string());
    assert!(
        data["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["before"]["full_name"] == name.as_str())
    );
    let exported = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export_personal_data' AND entity_id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(exported, 1, "the export is logged");

    // Without the typed confirmation nothing happens.
    let r = admin
        .post_form(&format!("/residents/{id}/erase"), &[("confirm", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let still: (String,) = db
        .fetch_one(
            "SELECT full_name FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(still.0, name);
    // Without the CSRF token neither.
    let r = admin
        .post_raw_form(&format!("/residents/{id}/erase"), &[("confirm", "XÓA")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = admin
        .post_form(&format!("/residents/{id}/erase"), &[("confirm", "XÓA")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    type After = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        i64,
    );
    let after: After = db
        .fetch_one(
            "SELECT full_name, phone, cccd_hash, birth_date, birth_year, cccd_enc, consent FROM residents WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(after.0, db::personal::ERASED_NAME);
    assert_eq!((after.1, after.5, after.6), (None, None, 0));
    assert!(after.2.is_some(), "the match hash stays, against re-import");
    assert_eq!(
        after.3, None,
        "born before 2005: the birth month changes no figure"
    );
    assert!(after.4.is_some(), "the birth year stays for the figures");
    // Only the keyed match hash stays, so that importing the person again is refused.
    let csv = format!("Họ và tên,Ấp,Số CCCD\nAi Đó,Ấp 3,{cccd}\n").into_bytes();
    let again = db::imports::prepare_residents(&db, &k, commune, "lai.csv", csv, "2026-12-01")
        .await
        .unwrap();
    assert_eq!(again.plan.adds(), 0);
    assert!(
        again.plan.rejected[0].reason.contains("xóa dữ liệu"),
        "{:?}",
        again.plan.rejected
    );
    let folded = congdongso::text::fold(&name);
    let by_name = db
        .scalar_i64(
            "SELECT COUNT(*) FROM residents WHERE id = $1 AND search_text LIKE $2",
            &[id.into(), format!("%{folded}%").into()],
        )
        .await
        .unwrap();
    assert_eq!(by_name, 0);
    let request: (String, Option<String>, Option<String>) = db
        .fetch_one(
            "SELECT requester_name, phone, message FROM help_requests WHERE resident_id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(request, ("(Đã xóa)".to_string(), None, None));
    let leaks = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'resident' AND entity_id = $1 \
             AND (before_json IS NOT NULL OR after_json IS NOT NULL)",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(leaks, 0);
    let erased = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'erase_personal_data' AND entity_id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(erased, 1);
    let head_name: (Option<String>,) = db
        .fetch_one(
            "SELECT head_name FROM households WHERE id = $1",
            &[household.into()],
        )
        .await
        .unwrap();
    assert_ne!(head_name.0.as_deref(), Some(name.as_str()));

    // Aggregates intact, also when recomputed from scratch.
    assert_eq!(figures(&db, "rach-kien-ap-03").await, hamlet_before);
    assert_eq!(figures(&db, "rach-kien").await, commune_before);
    let mut conn = db.pool.acquire().await.unwrap();
    db::indicator_sources::rebuild_commune(&mut conn, commune)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(figures(&db, "rach-kien-ap-03").await, hamlet_before);
    // Someone who turned fifteen within the figures' years keeps the birth month, so the
    // months they count from stay the same, also when recomputed.
    let young: Option<(i64,)> = db
        .fetch_optional(
            "SELECT r.id FROM residents r JOIN areas a ON a.id = r.hamlet_id WHERE a.code = 'rach-kien-ap-03' \
             AND r.active = 1 AND r.birth_date IS NOT NULL AND r.birth_year BETWEEN 2006 AND 2011 \
             ORDER BY r.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    {
        let (young,) = young.expect("the demo's Ấp 3 has someone born 2006–2011");
        let before = figures(&db, "rach-kien-ap-03").await;
        let r = admin
            .post_form(&format!("/residents/{young}/erase"), &[("confirm", "xóa")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let (kept,): (Option<String>,) = db
            .fetch_one(
                "SELECT birth_date FROM residents WHERE id = $1",
                &[young.into()],
            )
            .await
            .unwrap();
        assert!(
            kept.as_deref().is_some_and(|d| d.ends_with("-01")),
            "{kept:?}"
        );
        assert_eq!(figures(&db, "rach-kien-ap-03").await, before);
        let mut conn = db.pool.acquire().await.unwrap();
        db::indicator_sources::rebuild_commune(&mut conn, commune)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(figures(&db, "rach-kien-ap-03").await, before);
    }
    // The erased page offers no second erasure.
    let page = admin.get(&format!("/residents/{id}")).await;
    assert!(page.body.contains(db::personal::ERASED_NAME));
    assert!(!page.body.contains("/erase\""));
}

#[tokio::test]
async fn a_resident_is_exported_and_erased_with_aggregates_intact() {
    for url in backends().await {
        case(url).await;
    }
}

async fn phones(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (id, phone): (i64, String) = db
        .fetch_one(
            "SELECT r.id, r.phone FROM residents r JOIN areas a ON a.id = r.hamlet_id \
             WHERE a.code = 'rach-kien-ap-03' AND r.active = 1 AND r.phone IS NOT NULL \
             ORDER BY r.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let masked = congdongso::text::mask_phone(&phone);
    // In full for the commune admin (who coordinates the teams) and the own hamlet's team.
    for user in ["vhxh", "truongap03", "tovien03"] {
        let mut c = Client::login(app.clone(), user).await;
        let page = c.get(&format!("/residents/{id}")).await;
        assert!(page.body.contains(&phone), "{user} sees the number");
        assert!(!page.body.contains("reveal-phone"), "{user}");
        let api = c.get(&format!("/api/v1/residents/{id}")).await.json();
        assert_eq!(api["phone"], phone.as_str(), "{user}");
    }
    // Masked for the commune leader, on the page, in the API and on the team page.
    let mut leader = Client::login(app.clone(), "chutich").await;
    let page = leader.get(&format!("/residents/{id}")).await;
    assert!(!page.body.contains(&phone) && page.body.contains(&masked));
    let api = leader.get(&format!("/api/v1/residents/{id}")).await.json();
    assert_eq!(api["phone"], masked.as_str());
    let (team, member_phone): (i64, String) = db
        .fetch_one(
            "SELECT m.team_id, m.phone FROM members m WHERE m.phone IS NOT NULL AND m.active = 1 \
             ORDER BY m.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let team_page = leader.get(&format!("/teams/{team}")).await;
    assert!(
        !team_page.body.contains(&member_phone),
        "member phones masked too"
    );
    // Revealing one is possible and logged, like a citizen ID.
    assert!(page.body.contains("reveal-phone"));
    let revealed = leader
        .post_form(&format!("/residents/{id}/phone"), &[])
        .await;
    assert_eq!(revealed.status, StatusCode::OK);
    assert!(revealed.body.contains(&phone));
    let (logged,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log a JOIN accounts x ON x.id = a.account_id \
             WHERE a.action = 'reveal_phone' AND a.entity_id = $1 AND x.username = 'chutich'",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn phones_are_masked_for_the_commune_leader_and_revealing_one_is_logged() {
    for url in backends().await {
        phones(url).await;
    }
}

async fn consent(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    // An adult of Ấp 3 no one has helped yet: on the "not yet guided" work list.
    let (id, name, code): (i64, String, String) = db
        .fetch_one(
            "SELECT r.id, r.full_name, h.code FROM residents r JOIN areas a ON a.id = r.hamlet_id \
             JOIN households h ON h.id = r.household_id \
             WHERE a.code = 'rach-kien-ap-03' AND r.active = 1 AND r.status = 'living' \
             AND r.birth_year <= 1990 \
             AND NOT EXISTS (SELECT 1 FROM help_records h WHERE h.resident_id = r.id) \
             AND (SELECT COUNT(*) FROM residents x WHERE x.full_name = r.full_name \
                  AND x.household_id = r.household_id) = 1 \
             ORDER BY r.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    // Names repeat in a commune: the row is the household's code beside the name.
    let row = format!("<td>{code}</td><td>{name}</td>");
    let csv_row = format!("\"{code}\",\"Ấp 3\",\"{name}\"");
    let in_field = format!("\"id\":{id},");
    let link = format!("/residents/{id}\"");
    let before = figures(&db, "rach-kien-ap-03").await;
    // The demo may already hold a signed consent of theirs.
    let (entries_before,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM consents WHERE resident_id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    let mut member = Client::login(app.clone(), "tovien03").await;
    let mut head = Client::login(app.clone(), "truongap03").await;
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let worklist = "/worklists/rach-kien-ap-03?list=unguided";
    assert!(head.get(worklist).await.body.contains(&row));
    let field = member.get("/api/v1/field/data").await;
    assert!(field.body.contains(&in_field));
    let export = admin.get("/residents/export?format=csv").await.body;
    assert!(export.contains(&csv_row), "{csv_row} {}", &export[..400]);

    // Withdrawn at the door, in the field app.
    let today = congdongso::db::today();
    let sent = member
        .post_json(
            "/api/v1/sync",
            &serde_json::json!({"device_id": "phone-3", "records": [
                {"id": "00000000-0000-4000-8000-00000000c001", "type": "consent",
                 "resident_id": id, "given": false, "date": today}
            ]}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        sent.json()["results"][0]["status"],
        "applied",
        "{}",
        sent.body
    );

    // Off the team's lists, the work lists, the field app and the exports…
    let (now,): (i64,) = db
        .fetch_one("SELECT consent FROM residents WHERE id = $1", &[id.into()])
        .await
        .unwrap();
    assert_eq!(now, 0);
    assert!(!head.get(worklist).await.body.contains(&row));
    assert!(!admin.get(worklist).await.body.contains(&row));
    assert!(
        !member
            .get("/api/v1/field/data")
            .await
            .body
            .contains(&in_field)
    );
    assert_eq!(
        head.get(&format!("/residents/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        member.get(&format!("/api/v1/residents/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !head
            .get("/residents?area=rach-kien-ap-03&per_page=500")
            .await
            .body
            .contains(&link)
    );
    let export = admin.get("/residents/export?format=csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(!export.body.contains(&csv_row), "left off the export");
    // … no longer recorded about by the team …
    let help = member
        .post_json(
            "/api/v1/sync",
            &serde_json::json!({"device_id": "phone-3", "records": [
                {"id": "00000000-0000-4000-8000-00000000c002", "type": "help",
                 "resident_id": id, "service": "vneid", "done": true, "date": today}
            ]}),
        )
        .await;
    assert_eq!(
        help.json()["results"][0]["status"],
        "rejected",
        "{}",
        help.body
    );
    // … while the past still counts and the commune office still sees the person.
    assert_eq!(figures(&db, "rach-kien-ap-03").await, before);
    let page = admin.get(&format!("/residents/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("consent-withdrawn"));
    assert!(page.body.contains("Tại nhà, ghi trên ứng dụng thực địa"));
    // The person's own-data export lists it.
    let data = admin.get(&format!("/api/v1/residents/{id}/data")).await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.body);
    let consents = data.json()["consents"].clone();
    assert_eq!(consents[0]["given"], false);
    assert_eq!(consents[0]["method"], "field_app");
    assert!(consents[0]["recorded_by"].is_string());
    // Consent given again (on paper, at the commune office): back on the team's lists.
    let again = admin
        .post_form(
            &format!("/residents/{id}/consent"),
            &[("given", "1"), ("method", "paper"), ("date", &today)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert!(head.get(worklist).await.body.contains(&row));
    let (entries,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM consents WHERE resident_id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        entries,
        entries_before + 2,
        "the withdrawal and the renewed consent"
    );
    // A method that is not one of the list is refused.
    let bad = admin
        .post_form(
            &format!("/residents/{id}/consent"),
            &[("given", "0"), ("method", "zalo"), ("date", &today)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A household's head who withdraws (at the commune office): the household stays on the
    // team's lists without naming them.
    let (head_id, head_name, household): (i64, String, i64) = db
        .fetch_one(
            "SELECT r.id, r.full_name, h.id FROM residents r JOIN households h ON h.id = r.household_id \
             JOIN areas a ON a.id = r.hamlet_id WHERE a.code = 'rach-kien-ap-03' \
             AND h.head_name = r.full_name AND r.active = 1 AND h.active = 1 \
             AND r.id <> $1 ORDER BY r.id LIMIT 1",
            &[id.into()],
        )
        .await
        .unwrap();
    // Names repeat in a commune: this head gets one of their own for the test.
    let head_name = format!("{head_name} Độc Nhất");
    for sql in [
        "UPDATE residents SET full_name = $1 WHERE id = $2",
        "UPDATE households SET head_name = $1 WHERE id = $2",
    ] {
        let target = if sql.contains("residents") {
            head_id
        } else {
            household
        };
        db.execute(sql, &[head_name.clone().into(), target.into()])
            .await
            .unwrap();
    }
    let named = format!("\"head_name\":\"{head_name}\"");
    assert!(member.get("/api/v1/field/data").await.body.contains(&named));
    let withdrawn = admin
        .post_form(
            &format!("/residents/{head_id}/consent"),
            &[("given", "0"), ("method", "paper"), ("date", &today)],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let page = head.get(&format!("/households/{household}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(&head_name),
        "the household page names no one who withdrew"
    );
    assert!(!member.get("/api/v1/field/data").await.body.contains(&named));
}

#[tokio::test]
async fn consent_withdrawal_removes_the_resident_from_work_lists_and_exports() {
    for url in backends().await {
        consent(url).await;
    }
}
