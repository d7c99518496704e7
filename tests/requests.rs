//! Help requests: the public form of a hamlet (no login, CSRF double-submit cookie, consent,
//! rate limit), the hamlet's queue, assigning and closing with the help recorded.

mod common;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{Client, Resp, app, backends, demo_db, first_resident_of};
use congdongso::db::Db;
use std::net::SocketAddr;

const AP3: &str = "/yeu-cau/rach-kien-ap-03";

/// A visitor without an account: the form page gives the `cds_csrf` cookie and its token.
struct Visitor {
    client: Client,
    cookie: String,
    token: String,
}

impl Visitor {
    async fn open(app: axum::Router, path: &str) -> (Visitor, Resp) {
        let mut client = Client::new(app);
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let set = page.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        let plain = cookie.split_once('=').unwrap().1.to_string();
        assert!(cookie.starts_with("cds_csrf="), "{set}");
        // The form carries a disguise of the token (a fresh one per page, against BREACH),
        // and the visitor posts what the form carries.
        let at = page
            .body
            .find("name=\"_csrf\" value=\"")
            .expect("the form's token")
            + 20;
        let token = page.body[at..].split('"').next().unwrap().to_string();
        assert!(
            token.len() == plain.len() * 4 && !page.body.contains(&plain),
            "the form carries a disguise of the token, not the token"
        );
        (
            Visitor {
                client,
                cookie,
                token,
            },
            page,
        )
    }

    /// Posts the form from `ip` (none: the request carries no peer address).
    async fn post(&mut self, path: &str, fields: &[(&str, &str)], ip: Option<&str>) -> Resp {
        let mut all = fields.to_vec();
        all.push(("_csrf", &self.token));
        let cookie = self.cookie.clone();
        post_with(&mut self.client, path, &all, Some(&cookie), ip).await
    }
}

async fn post_with(
    client: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
    ip: Option<&str>,
) -> Resp {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    if let Some(ip) = ip {
        let addr: SocketAddr = ip.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    client.send(req).await
}

fn request_fields<'a>(name: &'a str, phone: &'a str, service: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("full_name", name),
        ("phone", phone),
        ("service", service),
        ("message", "Tôi chưa đăng nhập được, buổi chiều mới có nhà."),
        ("consent", "1"),
        ("website", ""),
    ]
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar_i64(sql, &[]).await.unwrap()
}

async fn stored(db: &Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM help_requests").await
}

async fn request_id_of(db: &Db, name: &str) -> i64 {
    db.scalar_i64(
        "SELECT id FROM help_requests WHERE requester_name = $1",
        &[name.into()],
    )
    .await
    .unwrap()
}

async fn member_of(db: &Db, username: &str) -> i64 {
    db.scalar_i64(
        "SELECT member_id FROM accounts WHERE username = $1",
        &[username.into()],
    )
    .await
    .unwrap()
}

async fn public_request_lands_in_its_hamlet(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (mut v, page) = Visitor::open(app.clone(), AP3).await;
    assert!(
        page.body
            .contains("Yêu cầu hỗ trợ chuyển đổi số — Ấp 3, xã Rạch Kiến"),
        "{}",
        page.body
    );
    assert!(page.body.contains("91/2025/QH15"), "the consent statement");
    assert!(page.body.contains("name=\"website\""), "the honeypot");
    assert!(page.body.contains("VNeID"), "the services to choose from");
    let name = "Lê Thị Thử Nghiệm";
    let r = v
        .post(
            AP3,
            &request_fields(name, "090 123 4567", "vneid"),
            Some("203.0.113.7:40000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("090•••••67"),
        "the phone is masked: {}",
        r.body
    );
    assert!(!r.body.contains("0901234567"));
    let (status, source, phone, key): (String, String, String, String) = db
        .fetch_one(
            "SELECT status, source, phone, sender_key FROM help_requests WHERE requester_name = $1",
            &[name.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), source.as_str(), phone.as_str()),
        ("open", "public", "0901234567")
    );
    assert!(!key.contains("203.0.113"), "no raw address is stored");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'help_request' AND action = 'create'"
        )
        .await,
        1
    );

    // In Ấp 3's queue, with the phone in full for the hamlet's team and the commune admin,
    // masked for the commune leader (PRODUCT.md §8).
    for user in ["truongap03", "tovien03", "vhxh", "chutich"] {
        let mut c = Client::login(app.clone(), user).await;
        let q = c.get("/requests").await;
        assert_eq!(q.status, StatusCode::OK, "{user}: {}", q.body);
        assert!(q.body.contains(name), "{user} sees the request");
        assert_eq!(
            q.body.contains("0901234567"),
            user != "chutich",
            "{user} sees the phone in full, or masked"
        );
        assert!(
            q.body.contains("/yeu-cau/rach-kien-ap-03"),
            "{user} gets the public link"
        );
    }
    // Not in Ấp 2's.
    for user in ["truongap02", "tovien02"] {
        let mut c = Client::login(app.clone(), user).await;
        let q = c.get("/requests").await;
        assert_eq!(q.status, StatusCode::OK);
        assert!(!q.body.contains(name), "{user} does not see Ấp 3's request");
        assert!(q.body.contains("/yeu-cau/rach-kien-ap-02"));
        assert!(!q.body.contains("/yeu-cau/rach-kien-ap-03"));
    }
    // The commune filters by hamlet.
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let q = admin.get("/requests?area=rach-kien-ap-02").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(!q.body.contains(name));
    let q = admin.get("/requests?area=rach-kien-ap-03").await;
    assert!(q.body.contains(name));

    // A logged-in user may use the form too, with the session's token.
    let mut head5 = Client::login(app.clone(), "truongap05").await;
    let page = head5.get(AP3).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = head5
        .post_form(AP3, &request_fields("Người Nhờ Hộ", "0912345678", ""))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&db).await, 2);
}

#[tokio::test]
async fn a_public_request_lands_in_its_hamlet_queue() {
    for url in backends().await {
        public_request_lands_in_its_hamlet(url).await;
    }
}

async fn public_form_checks(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (mut v, _) = Visitor::open(app.clone(), AP3).await;
    let ip = Some("198.51.100.1:1234");

    let mut no_consent = request_fields("Nguyễn Văn Đủ", "0901234567", "vneid");
    no_consent.retain(|(k, _)| *k != "consent");
    let r = v.post(AP3, &no_consent, ip).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đánh dấu ô đồng ý"), "{}", r.body);
    assert!(
        r.body.contains("value=\"Nguyễn Văn Đủ\""),
        "what was typed is kept"
    );
    assert!(r.body.contains("value=\"0901234567\""));

    let r = v
        .post(AP3, &request_fields("Nguyễn Văn Đủ", "12345", "vneid"), ip)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Số điện thoại «12345» không hợp lệ"),
        "{}",
        r.body
    );

    let r = v
        .post(AP3, &request_fields("   ", "0901234567", "vneid"), ip)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Vui lòng nhập họ và tên"), "{}", r.body);

    let long = "A".repeat(101);
    let r = v
        .post(AP3, &request_fields(&long, "0901234567", "vneid"), ip)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dài quá 100 ký tự"));

    let r = v
        .post(
            AP3,
            &request_fields("Nguyễn Văn Đủ", "0901234567", "khong-co"),
            ip,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("chọn việc cần hỗ trợ"));
    assert_eq!(stored(&db).await, 0, "nothing stored on errors");

    // The honeypot: a robot is thanked, nothing is kept.
    let mut bot = request_fields("Robot", "0901234567", "vneid");
    bot.retain(|(k, _)| *k != "website");
    bot.push(("website", "http://spam.example"));
    let r = v.post(AP3, &bot, ip).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Đã gửi yêu cầu hỗ trợ"));
    assert_eq!(stored(&db).await, 0);

    // Unknown hamlets, a commune's code and closed hamlets are not found.
    let mut c = Client::new(app.clone());
    for path in ["/yeu-cau/rach-kien-ap-99", "/yeu-cau/rach-kien"] {
        assert_eq!(c.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = v
        .post(
            "/yeu-cau/rach-kien-ap-99",
            &request_fields("Nguyễn Văn Đủ", "0901234567", "vneid"),
            ip,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    db.execute(
        "UPDATE areas SET active = 0 WHERE code = 'rach-kien-ap-17'",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        c.get("/yeu-cau/rach-kien-ap-17").await.status,
        StatusCode::NOT_FOUND
    );

    // Without the double-submit token, or with a token not matching the cookie: refused.
    let fields = request_fields("Nguyễn Văn Đủ", "0901234567", "vneid");
    let r = post_with(&mut c, AP3, &fields, None, ip).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_with(&mut c, AP3, &fields, Some(&v.cookie), ip).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "cookie without the field");
    let mut forged = fields.clone();
    forged.push(("_csrf", "a-token-from-another-page-aaaaaaaaaaaaaaaa"));
    let r = post_with(&mut c, AP3, &forged, Some(&v.cookie), ip).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&db).await, 0);
}

#[tokio::test]
async fn the_public_form_checks_what_it_gets() {
    for url in backends().await {
        public_form_checks(url).await;
    }
}

async fn rate_limits(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (mut v, _) = Visitor::open(app.clone(), AP3).await;
    let a = Some("203.0.113.10:5000");
    for i in 0..3 {
        let name = format!("Người Gửi {i}");
        let r = v
            .post(AP3, &request_fields(&name, "0901234567", "vneid"), a)
            .await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
    }
    // The fourth within the hour, even to another hamlet and from another port.
    let r = v
        .post(
            "/yeu-cau/rach-kien-ap-04",
            &request_fields("Người Gửi 3", "0901234567", "vneid"),
            Some("203.0.113.10:6000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body.contains("Bạn đã gửi quá nhiều yêu cầu") && r.body.contains("thử lại sau"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Người Gửi 3\""), "the form is kept");
    // Another address still gets through.
    let r = v
        .post(
            AP3,
            &request_fields("Người Khác", "0912345678", "vneid"),
            Some("198.51.100.20:5000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&db).await, 4);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT sender_key) FROM help_requests").await,
        2
    );
    // An hour later the sender may write again.
    db.execute(
        "UPDATE help_requests SET created_at = created_at - 3601",
        &[],
    )
    .await
    .unwrap();
    let r = v
        .post(
            AP3,
            &request_fields("Người Gửi 4", "0901234567", "vneid"),
            a,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A busy hour in Ấp 5.
    common::busy_hour(&db, "rach-kien-ap-05", 30).await;
    // Past the usual volume the next sender is not refused but asked a question a person
    // answers at once; nothing is queued until it is answered.
    let ap5 = "/yeu-cau/rach-kien-ap-05";
    let before = stored(&db).await;
    let fields = request_fields("Người Mới", "0901234567", "vneid");
    let r = v.post(ap5, &fields, Some("192.0.2.50:5000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("nhiều yêu cầu hơn thường lệ") && r.body.contains(" cộng "),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Người Mới\""), "the form is kept");
    assert_eq!(stored(&db).await, before);
    let hidden = |body: &str, name: &str| -> String {
        let at = body.find(&format!("name=\"{name}\" value=\"")).expect(name);
        let rest = &body[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    let answer_of = |body: &str| -> (String, String, String, String) {
        let (a, b) = (hidden(body, "q_a"), hidden(body, "q_b"));
        let sum = a.parse::<i64>().unwrap() + b.parse::<i64>().unwrap();
        (a, b, hidden(body, "q_token"), sum.to_string())
    };
    let with_answer =
        |q: &(String, String, String, String), answer: &str| -> Vec<(String, String)> {
            let mut all: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            all.push(("q_a".into(), q.0.clone()));
            all.push(("q_b".into(), q.1.clone()));
            all.push(("q_token".into(), q.2.clone()));
            all.push(("q_answer".into(), answer.into()));
            all
        };
    let q = answer_of(&r.body);
    // A wrong answer: asked again, nothing queued.
    let wrong = with_answer(&q, "99");
    let wrong: Vec<(&str, &str)> = wrong
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = v.post(ap5, &wrong, Some("192.0.2.50:5000")).await;
    assert!(r.body.contains("chưa đúng"), "{}", r.body);
    assert_eq!(stored(&db).await, before);
    // Another sender cannot use this sender's answered question.
    let right = with_answer(&q, &q.3);
    let right: Vec<(&str, &str)> = right
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = v.post(ap5, &right, Some("192.0.2.51:5000")).await;
    assert!(r.body.contains(" cộng "), "{}", r.body);
    assert_eq!(stored(&db).await, before);
    // The right answer from its sender: queued.
    let r = v.post(ap5, &right, Some("192.0.2.50:5000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains(" cộng "), "{}", r.body);
    assert_eq!(stored(&db).await, before + 1);
    // Sent again (a double tap, a retry): recognised as the same request, not queued twice.
    let r = v.post(ap5, &right, Some("192.0.2.50:5000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&db).await, before + 1);
    // Other hamlets are not affected.
    let r = v
        .post(
            AP3,
            &request_fields("Người Mới", "0901234567", "vneid"),
            Some("192.0.2.50:5000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_public_form_is_rate_limited() {
    for url in backends().await {
        rate_limits(url).await;
    }
}

async fn queue_access(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (mut v, _) = Visitor::open(app.clone(), AP3).await;
    let r = v
        .post(AP3, &request_fields("Bà Tư", "0901234567", ""), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = request_id_of(&db, "Bà Tư").await;
    for user in ["so", "kinhte", "quantri"] {
        let mut c = Client::login(app.clone(), user).await;
        assert_eq!(
            c.get("/requests").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        assert_eq!(
            c.get(&format!("/requests/{id}")).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    // Visitors are sent to log in.
    let mut anon = Client::new(app.clone());
    assert_eq!(anon.get("/requests").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_queue_is_for_accounts_with_personal_scope() {
    for url in backends().await {
        queue_access(url).await;
    }
}

async fn assign_and_close(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let resident = first_resident_of(&app, "rach-kien-ap-03").await;
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let before = admin
        .get(&format!("/api/v1/residents/{resident}"))
        .await
        .json();
    let name = before["full_name"].as_str().unwrap().to_string();
    // A service the resident has not done yet.
    let done: Vec<String> = before["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "done")
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    let codes: Vec<(String,)> = db
        .fetch_all(
            "SELECT code FROM services WHERE active = 1 ORDER BY sort_order",
            &[],
        )
        .await
        .unwrap();
    let service = codes
        .into_iter()
        .map(|(c,)| c)
        .find(|c| !done.contains(c))
        .expect("a service not done yet");

    let (mut v, _) = Visitor::open(app.clone(), AP3).await;
    let r = v
        .post(AP3, &request_fields(&name, "0901234567", &service), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = request_id_of(&db, &name).await;
    let path = format!("/requests/{id}");

    // Another hamlet's team does not see it at all.
    for user in ["tovien02", "truongap02"] {
        let mut c = Client::login(app.clone(), user).await;
        assert_eq!(c.get(&path).await.status, StatusCode::NOT_FOUND, "{user}");
        let mine = member_of(&db, user).await.to_string();
        let r = c
            .post_form(&format!("{path}/assign"), &[("member_id", &mine)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user}");
        let r = c
            .post_form(
                &format!("{path}/close"),
                &[("outcome", "unreached"), ("note", "x"), ("resident_id", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user}");
    }
    // The commune leader reads, does not change.
    let mut leader = Client::login(app.clone(), "chutich").await;
    let page = leader.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"close-form\""));
    let tovien03 = member_of(&db, "tovien03").await;
    let r = leader
        .post_form(
            &format!("{path}/assign"),
            &[("member_id", &tovien03.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = leader
        .post_form(
            &format!("{path}/close"),
            &[("outcome", "unreached"), ("note", "x"), ("resident_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The hamlet head gives it to a member of the team, not to one of another hamlet.
    let mut head = Client::login(app.clone(), "truongap03").await;
    let page = head.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"assign-form\""));
    assert!(page.body.contains(&format!("value=\"{tovien03}\"")));
    let outsider = member_of(&db, "tovien02").await.to_string();
    let r = head
        .post_form(&format!("{path}/assign"), &[("member_id", &outsider)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không thuộc Tổ CNSCĐ"), "{}", r.body);
    let r = head
        .post_form(
            &format!("{path}/assign"),
            &[("member_id", &tovien03.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, assigned): (String, Option<i64>) = db
        .fetch_one(
            "SELECT status, assigned_member_id FROM help_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!((status.as_str(), assigned), ("assigned", Some(tovien03)));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'help_request' AND action = 'assign'"
        )
        .await,
        1
    );

    // The member closes it: the resident is offered by name.
    let mut member = Client::login(app.clone(), "tovien03").await;
    let page = member.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"close-form\""), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("name=\"resident_id\" value=\"{resident}\"")),
        "the resident is a candidate"
    );
    assert!(page.body.contains("Không có trong danh sách"));
    // "Not reached" needs a note.
    let r = member
        .post_form(
            &format!("{path}/close"),
            &[("outcome", "unreached"), ("note", ""), ("resident_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ghi chú lý do"), "{}", r.body);
    // A resident of another hamlet cannot be named.
    let ap5 = first_resident_of(&app, "rach-kien-ap-05").await.to_string();
    let r = member
        .post_form(
            &format!("{path}/close"),
            &[("outcome", "done"), ("note", ""), ("resident_id", &ap5)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = member
        .post_form(
            &format!("{path}/close"),
            &[
                ("outcome", "done"),
                ("note", "Đã cài xong tại nhà"),
                ("resident_id", &resident.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, help_id, closed_at, note): (String, Option<i64>, Option<i64>, Option<String>) = db
        .fetch_one(
            "SELECT status, help_id, closed_at, close_note FROM help_requests WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_eq!(status, "closed");
    assert!(closed_at.is_some());
    assert_eq!(note.as_deref(), Some("Đã hỗ trợ xong: Đã cài xong tại nhà"));
    let help_id = help_id.expect("a help was recorded");
    let (hr_resident, hr_member, hr_service, hr_done): (i64, Option<i64>, Option<String>, i64) = db
        .fetch_one(
            "SELECT resident_id, member_id, service_code, done FROM help_records WHERE id = $1",
            &[help_id.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        (hr_resident, hr_member, hr_service.as_deref(), hr_done),
        (resident, Some(tovien03), Some(service.as_str()), 1)
    );
    let after = admin
        .get(&format!("/api/v1/residents/{resident}"))
        .await
        .json();
    let st = after["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == service.as_str())
        .expect("the service has a status");
    assert_eq!(st["status"], "done");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'help_request' AND action = 'close'"
        )
        .await,
        1
    );
    // Closed is closed.
    let r = member
        .post_form(
            &format!("{path}/close"),
            &[("outcome", "unreached"), ("note", "x"), ("resident_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let q = member.get("/requests").await;
    assert!(q.body.contains("id=\"closed-requests\"") && q.body.contains(&name));
}

#[tokio::test]
async fn assigning_and_closing_records_the_help() {
    for url in backends().await {
        assign_and_close(url).await;
    }
}

async fn take_and_not_reached(url: String) {
    let db = demo_db(&url).await;
    let app = app(db.clone());
    let (mut v, _) = Visitor::open(app.clone(), AP3).await;
    for name in ["Người Thứ Nhất", "Người Thứ Hai"] {
        let r = v
            .post(AP3, &request_fields(name, "0901234567", "vneid"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let first = request_id_of(&db, "Người Thứ Nhất").await;
    let second = request_id_of(&db, "Người Thứ Hai").await;
    let mine = member_of(&db, "tovien03").await;
    let head = member_of(&db, "truongap03").await;
    let mut member = Client::login(app.clone(), "tovien03").await;
    // A member takes an open request for themself only.
    let r = member
        .post_form(
            &format!("/requests/{first}/assign"),
            &[("member_id", &head.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let q = member.get("/requests").await;
    assert!(q.body.contains("Tôi nhận"));
    let r = member
        .post_form(
            &format!("/requests/{first}/assign"),
            &[("member_id", &mine.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let assigned: Option<i64> = db
        .fetch_one::<(Option<i64>,)>(
            "SELECT assigned_member_id FROM help_requests WHERE id = $1",
            &[first.into()],
        )
        .await
        .unwrap()
        .0;
    assert_eq!(assigned, Some(mine));
    // Not one the head gave to someone else.
    let mut h = Client::login(app.clone(), "truongap03").await;
    let r = h
        .post_form(
            &format!("/requests/{second}/assign"),
            &[("member_id", &head.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = member
        .post_form(
            &format!("/requests/{second}/assign"),
            &[("member_id", &mine.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đã giao cho"));

    // The commune admin closes one as not reached, with a note: no help recorded.
    let helps = count(&db, "SELECT COUNT(*) FROM help_records").await;
    let mut admin = Client::login(app.clone(), "vhxh").await;
    let r = admin
        .post_form(
            &format!("/requests/{second}/close"),
            &[
                ("outcome", "unreached"),
                ("note", "Gọi 3 lần không nghe máy"),
                ("resident_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, help_id, note): (String, Option<i64>, Option<String>) = db
        .fetch_one(
            "SELECT status, help_id, close_note FROM help_requests WHERE id = $1",
            &[second.into()],
        )
        .await
        .unwrap();
    assert_eq!(status, "closed");
    assert_eq!(help_id, None);
    assert_eq!(
        note.as_deref(),
        Some("Không liên hệ được: Gọi 3 lần không nghe máy")
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM help_records").await, helps);
    let page = admin.get(&format!("/requests/{second}")).await;
    assert!(
        page.body
            .contains("Không liên hệ được: Gọi 3 lần không nghe máy")
    );
}

#[tokio::test]
async fn members_take_requests_and_close_them_as_not_reached() {
    for url in backends().await {
        take_and_not_reached(url).await;
    }
}
