//! Accounts in the web and the API (issue 17): the commune admin creates a member's account
//! from the team page with a one-time password that allows nothing but changing it; admins
//! stay inside their rights; a reset or a deactivation ends sessions and tokens; everyone
//! changes their own password under the one policy; every change is audited.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, app, backends, demo_db};
use congdongso::db::{Db, areas, tokens};

/// The one-time password shown on the page after creating or resetting.
fn shown_password(body: &str) -> String {
    let start = body
        .find("id=\"temporary-password\">")
        .unwrap_or_else(|| panic!("no one-time password on the page: {body}"))
        + "id=\"temporary-password\">".len();
    body[start..].split('<').next().unwrap().trim().to_string()
}

/// A member of a hamlet's team who has no account yet.
async fn member_without_account(db: &Db, hamlet: &str) -> (i64, String) {
    db.fetch_one(
        "SELECT m.id, m.full_name FROM members m JOIN teams t ON t.id = m.team_id \
         JOIN areas a ON a.id = t.area_id WHERE a.code = $1 AND m.active = 1 \
         AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.member_id = m.id) ORDER BY m.id",
        &[hamlet.into()],
    )
    .await
    .unwrap()
}

async fn audit_count(db: &Db, action: &str, account: i64) -> i64 {
    db.scalar_i64(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'account' AND action = $1 AND entity_id = $2",
        &[action.into(), account.into()],
    )
    .await
    .unwrap()
}

async fn with_token(c: &mut Client, path: &str, token: &str) -> common::Resp {
    c.send(
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

const GOOD: &str = "lúa chín vàng đồng Rạch Kiến";

async fn member_account_from_team_page(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let (member, name) = member_without_account(&db, "rach-kien-ap-03").await;
    let (team,): (i64,) = db
        .fetch_one(
            "SELECT team_id FROM members WHERE id = $1",
            &[member.into()],
        )
        .await
        .unwrap();
    let page = admin.get(&format!("/teams/{team}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("action=\"/members/{member}/account\"")),
        "the member's line offers an account"
    );

    let made = admin
        .post_form(&format!("/members/{member}/account"), &[])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let temporary = shown_password(&made.body);
    let (account, username, role, linked, must): (i64, String, String, Option<i64>, i64) = db
        .fetch_one(
            "SELECT id, username, role, member_id, must_change_password FROM accounts \
             WHERE member_id = $1",
            &[member.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        (role.as_str(), linked, must),
        ("team_member", Some(member), 1)
    );
    assert!(made.body.contains(&username));
    assert_eq!(audit_count(&db, "create", account).await, 1);
    // The line now names the account instead of offering another.
    let page = admin.get(&format!("/teams/{team}")).await;
    assert!(!page.body.contains(&format!("/members/{member}/account")));
    assert!(page.body.contains(&username));
    // A second account for the same member is refused.
    let again = admin
        .post_form(&format!("/members/{member}/account"), &[])
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );

    // The member logs in with the one-time password: allowed in, but only to change it.
    let mut member_client = Client::new(app.clone());
    let login = member_client.api_login(&username, &temporary).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let me = member_client.get("/api/v1/me").await;
    assert_eq!(me.json()["must_change_password"], true);
    assert_eq!(me.json()["member_id"], member);
    let blocked = member_client
        .get("/api/v1/residents?area=rach-kien-ap-03")
        .await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN, "{}", blocked.body);
    assert!(
        blocked.json()["error"]
            .as_str()
            .unwrap()
            .contains("mật khẩu tạm")
    );
    let field = member_client.get("/field").await;
    assert_eq!(field.status, StatusCode::SEE_OTHER);
    assert_eq!(field.headers[header::LOCATION], "/account/password");
    let sync = member_client
        .post_json(
            "/api/v1/sync",
            &serde_json::json!({"device_id": "d", "records": []}),
        )
        .await;
    assert_eq!(sync.status, StatusCode::FORBIDDEN);
    assert_eq!(
        member_client.get("/account/password").await.status,
        StatusCode::OK
    );

    // The policy holds for the new password; the right one frees the account.
    let short = member_client
        .post_json(
            "/api/v1/me/password",
            &serde_json::json!({"current_password": temporary, "new_password": "ngan"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.json()["error"].as_str().unwrap().contains("10 ký tự"));
    let wrong = member_client
        .post_json(
            "/api/v1/me/password",
            &serde_json::json!({"current_password": "not it at all", "new_password": GOOD}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.json()["error"].as_str().unwrap().contains("hiện tại"));
    let changed = member_client
        .post_json(
            "/api/v1/me/password",
            &serde_json::json!({"current_password": temporary, "new_password": GOOD}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    // The session it was changed from goes on, now with every right of a team member.
    let works = member_client
        .get("/api/v1/residents?area=rach-kien-ap-03")
        .await;
    assert_eq!(works.status, StatusCode::OK, "{}", works.body);
    assert_eq!(member_client.get("/field").await.status, StatusCode::OK);
    assert_eq!(audit_count(&db, "change_password", account).await, 1);
    // The temporary password no longer works; the new one does, and the login is recorded.
    let mut other = Client::new(app.clone());
    assert_eq!(
        other.api_login(&username, &temporary).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        other.api_login(&username, GOOD).await.status,
        StatusCode::OK
    );
    let list = admin.get("/api/v1/accounts").await;
    let listed = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed["must_change_password"], false);
    assert!(listed["last_login_at"].as_i64().is_some());
    assert_eq!(listed["member_name"], name.as_str());
}

async fn admins_stay_within_their_rights(url: String) {
    let db = demo_db(&url).await;
    // A second commune with an account, out of the demo commune admin's reach.
    let province = areas::by_code(&db, "tay-ninh").await.unwrap().unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let other = areas::insert(&mut tx, "xa-khac", "Xã Khác", "commune", Some(&province), 9)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let other_area = areas::get(&db, other).await.unwrap().unwrap();
    let mut tx = db.begin_write().await.unwrap();
    areas::insert(
        &mut tx,
        "xa-khac-ap-1",
        "Ấp 1",
        "hamlet",
        Some(&other_area),
        1,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let app = app(db.clone());
    let mut sys = Client::login(app.clone(), "quantri").await;
    let made = sys
        .post_json(
            "/api/v1/accounts",
            &serde_json::json!({"username": "kinhte.khac", "full_name": "Kế toán xã khác",
                "role": "finance", "area": "xa-khac"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let outside = made.json()["id"].as_i64().unwrap();
    assert!(made.json()["temporary_password"].as_str().unwrap().len() >= 10);

    let mut admin = Client::login(app.clone(), "vhxh").await;
    // Not listed, not reachable.
    let list = admin.get("/api/v1/accounts").await;
    assert_eq!(list.status, StatusCode::OK);
    let names: Vec<String> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"truongap03".to_string()));
    assert!(!names.contains(&"kinhte.khac".to_string()), "{names:?}");
    assert!(!names.contains(&"quantri".to_string()));
    for path in [
        format!("/api/v1/accounts/{outside}/reset-password"),
        format!("/api/v1/accounts/{outside}/active"),
    ] {
        let r = admin
            .post_json(&path, &serde_json::json!({"active": false}))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    assert_eq!(
        admin.get(&format!("/accounts/{outside}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    // Cannot create outside the commune, nor a sysadmin, nor another commune admin.
    for (role, area) in [
        ("team_member", "xa-khac-ap-1"),
        ("sysadmin", "rach-kien"),
        ("commune_admin", "rach-kien"),
        ("province_viewer", "tay-ninh"),
    ] {
        let r = admin
            .post_json(
                "/api/v1/accounts",
                &serde_json::json!({"username": "thu.quyen", "role": role, "area": area}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{role} at {area}: {}",
            r.body
        );
    }
    assert_eq!(
        db.scalar_i64(
            "SELECT COUNT(*) FROM accounts WHERE username = 'thu.quyen'",
            &[]
        )
        .await
        .unwrap(),
        0
    );
    // A role at the wrong level says so.
    let r = admin
        .post_json(
            "/api/v1/accounts",
            &serde_json::json!({"username": "thu.quyen", "role": "hamlet_head", "area": "rach-kien"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["error"].as_str().unwrap().contains("ấp"),
        "{}",
        r.body
    );
    // Inside the commune: a finance account is fine; another commune admin's account is not
    // theirs to touch, nor their own through the admin routes.
    let ok = admin
        .post_json(
            "/api/v1/accounts",
            &serde_json::json!({"username": "ketoan2", "role": "finance", "area": "rach-kien"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let (vhxh,): (i64,) = db
        .fetch_one("SELECT id FROM accounts WHERE username = 'vhxh'", &[])
        .await
        .unwrap();
    let own = admin
        .post_json(
            &format!("/api/v1/accounts/{vhxh}/reset-password"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
    let second = sys
        .post_json(
            "/api/v1/accounts",
            &serde_json::json!({"username": "vhxh.pho", "role": "commune_admin", "area": "rach-kien"}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let second = second.json()["id"].as_i64().unwrap();
    let touch = admin
        .post_json(
            &format!("/api/v1/accounts/{second}/active"),
            &serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(touch.status, StatusCode::FORBIDDEN, "{}", touch.body);
    // Promoting a hamlet head to commune admin is refused.
    let (head,): (i64,) = db
        .fetch_one("SELECT id FROM accounts WHERE username = 'truongap02'", &[])
        .await
        .unwrap();
    let promote = admin
        .post_json(
            &format!("/api/v1/accounts/{head}"),
            &serde_json::json!({"role": "commune_admin", "area": "rach-kien"}),
        )
        .await;
    assert_eq!(promote.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Other roles see no accounts at all.
    for user in ["chutich", "truongap03", "tovien03", "so", "kinhte"] {
        let mut c = Client::login(app.clone(), user).await;
        assert_eq!(
            c.get("/api/v1/accounts").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        assert_eq!(
            c.get("/accounts").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
}

async fn reset_and_deactivation_end_sessions_and_tokens(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let (head,): (i64,) = db
        .fetch_one("SELECT id FROM accounts WHERE username = 'truongap04'", &[])
        .await
        .unwrap();
    let mut phone = Client::login(app.clone(), "truongap04").await;
    let (_, token) = tokens::create(&db, "truongap04", "bảng tính")
        .await
        .unwrap();
    let mut script = Client::new(app.clone());
    assert_eq!(
        with_token(&mut script, "/api/v1/me", &token).await.status,
        StatusCode::OK
    );
    // Reset through the page: the password is shown once, sessions and tokens end.
    let reset = admin
        .post_form(&format!("/accounts/{head}/reset-password"), &[])
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let temporary = shown_password(&reset.body);
    assert_eq!(
        phone.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with_token(&mut script, "/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(audit_count(&db, "reset_password", head).await, 1);
    // The audit never holds a password or its hash.
    let (after,): (String,) = db
        .fetch_one(
            "SELECT after_json FROM audit_log WHERE action = 'reset_password' AND entity_id = $1",
            &[head.into()],
        )
        .await
        .unwrap();
    assert!(
        !after.contains(&temporary) && !after.contains("argon2"),
        "{after}"
    );
    // The old password is gone; the temporary one logs in to the change form.
    let mut again = Client::new(app.clone());
    assert_eq!(
        again.api_login("truongap04", common::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.api_login("truongap04", &temporary).await.status,
        StatusCode::OK
    );
    assert_eq!(
        again.get("/").await.headers[header::LOCATION],
        "/account/password"
    );

    // Deactivation through the API ends the session too, and the login is refused.
    let off = admin
        .post_json(
            &format!("/api/v1/accounts/{head}/active"),
            &serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.json()["active"], false);
    assert_eq!(
        again.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut later = Client::new(app.clone());
    assert_eq!(
        later.api_login("truongap04", &temporary).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(audit_count(&db, "deactivate", head).await, 1);
    // Reactivated (by the page), it logs in again.
    let on = admin
        .post_form(&format!("/accounts/{head}/active"), &[("active", "1")])
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert_eq!(
        later.api_login("truongap04", &temporary).await.status,
        StatusCode::OK
    );
    assert_eq!(audit_count(&db, "activate", head).await, 1);
}

/// Each bad kind of password, and a word from the refusal that names the rule.
const BAD: [(&str, &str); 5] = [
    ("ngan", "10 ký tự"),
    ("            ", "dấu cách"),
    ("chutich-rach-kien", "tên đăng nhập"),
    ("1234567890", "phổ biến"),
    ("anhyeuem", "10 ký tự"),
];

async fn own_password_under_the_policy(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut c = Client::login(app.clone(), "chutich").await;
    let mut other_device = Client::login(app.clone(), "chutich").await;
    // API path.
    for (bad, rule) in BAD.iter().chain([("matkhau1234", "phổ biến")].iter()) {
        let r = c
            .post_json(
                "/api/v1/me/password",
                &serde_json::json!({"current_password": common::PASSWORD, "new_password": bad}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            r.json()["error"].as_str().unwrap().contains(rule),
            "{bad}: {}",
            r.body
        );
    }
    // Page path.
    for (bad, rule) in BAD {
        let r = c
            .post_form(
                "/account/password",
                &[
                    ("current_password", common::PASSWORD),
                    ("new_password", bad),
                    ("repeat_password", bad),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.body.contains(rule), "{bad}: {}", r.body);
    }
    let mismatch = c
        .post_form(
            "/account/password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", GOOD),
                ("repeat_password", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = c
        .post_form(
            "/account/password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", GOOD),
                ("repeat_password", GOOD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // This session goes on; the other device's ended.
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(
        other_device.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = c.get("/account?doi-mat-khau=1").await;
    assert!(page.body.contains("Đã đổi mật khẩu"));
}

async fn own_sessions_and_tokens(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let mut c = Client::login(app.clone(), "vhxh").await;
    let mut lost_phone = Client::new(app.clone());
    let r = lost_phone
        .send(
            Request::post("/api/v1/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::USER_AGENT,
                    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
                )
                .body(Body::from(
                    serde_json::json!({"username": "vhxh", "password": common::PASSWORD})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = c.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chrome · Android"), "{}", page.body);
    assert!(page.body.contains("phiên này"));
    // End the lost phone's session by its name on the page.
    let (hash,): (String,) = db
        .fetch_one(
            "SELECT token_hash FROM sessions WHERE device = 'Chrome · Android'",
            &[],
        )
        .await
        .unwrap();
    assert!(page.body.contains(&hash));
    let end = c
        .post_form("/account/sessions/end", &[("session", &hash)])
        .await;
    assert_eq!(end.status, StatusCode::SEE_OTHER, "{}", end.body);
    assert_eq!(
        lost_phone.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    // Someone else's session cannot be ended by its hash.
    let mut head = Client::login(app.clone(), "truongap01").await;
    let (head_hash,): (String,) = db
        .fetch_one(
            "SELECT s.token_hash FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE a.username = 'truongap01'",
            &[],
        )
        .await
        .unwrap();
    let steal = c
        .post_form("/account/sessions/end", &[("session", &head_hash)])
        .await;
    assert_eq!(steal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(head.get("/api/v1/me").await.status, StatusCode::OK);

    // A token made on the page works for the API and is shown once; revoked, it stops.
    let made = c
        .post_form("/account/tokens", &[("label", "xuất số liệu hằng tháng")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let start = made.body.find("cds_").expect("token shown");
    let token: String = made.body[start..]
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
        .collect();
    let mut script = Client::new(app.clone());
    assert_eq!(
        with_token(&mut script, "/api/v1/me", &token).await.json()["username"],
        "vhxh"
    );
    assert!(!c.get("/account").await.body.contains(&token), "shown once");
    let (id,): (i64,) = db
        .fetch_one(
            "SELECT t.id FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
             WHERE a.username = 'vhxh' AND t.label = 'xuất số liệu hằng tháng'",
            &[],
        )
        .await
        .unwrap();
    // Another account cannot revoke it.
    let other = head
        .post_form(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revoke = c
        .post_form(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoke.status, StatusCode::SEE_OTHER);
    assert_eq!(
        with_token(&mut script, "/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Team members work in the field app with a session: no tokens for them.
    let mut member = Client::login(app.clone(), "tovien01").await;
    assert!(!member.get("/account").await.body.contains("token-form"));
    assert_eq!(
        member
            .post_form("/account/tokens", &[("label", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_member_account_made_on_the_team_page_must_change_its_one_time_password() {
    for url in backends().await {
        member_account_from_team_page(url).await;
    }
}

#[tokio::test]
async fn a_commune_admin_cannot_reach_accounts_outside_the_commune_or_make_a_sysadmin() {
    for url in backends().await {
        admins_stay_within_their_rights(url).await;
    }
}

#[tokio::test]
async fn resetting_or_deactivating_an_account_ends_its_sessions_and_tokens() {
    for url in backends().await {
        reset_and_deactivation_end_sessions_and_tokens(url).await;
    }
}

#[tokio::test]
async fn everyone_changes_their_own_password_under_the_one_policy() {
    for url in backends().await {
        own_password_under_the_policy(url).await;
    }
}

#[tokio::test]
async fn everyone_ends_their_own_sessions_and_api_users_manage_their_tokens() {
    for url in backends().await {
        own_sessions_and_tokens(url).await;
    }
}
