//! CSRF protection on every state change, and throttling of repeated failed logins.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, PASSWORD, app, backends, demo_db, first_resident_of};
use congdongso::db::sessions;

async fn csrf(url: String) {
    let app = app(demo_db(&url).await);
    let id = first_resident_of(&app, "rach-kien-ap-03").await;
    let mut c = Client::login(app.clone(), "truongap03").await;
    let path = format!("/residents/{id}/services");
    let fields = [("service", "vneid"), ("status", "done")];
    // No token, a wrong token: refused, and nothing recorded.
    assert_eq!(
        c.post_raw_form(&path, &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let wrong = [
        ("service", "vneid"),
        ("status", "done"),
        ("_csrf", "not-the-token"),
    ];
    assert_eq!(
        c.post_raw_form(&path, &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    let history = |c: &mut Client| {
        let p = format!("/residents/{id}");
        let mut c2 = Client {
            app: c.app.clone(),
            cookie: c.cookie.clone(),
            csrf: c.csrf.clone(),
        };
        async move {
            c2.get(&p)
                .await
                .body
                .matches("VNeID: Đã hoàn thành")
                .count()
        }
    };
    let before = history(&mut c).await;
    // The right token: accepted.
    assert_eq!(
        c.post_form(&path, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(history(&mut c).await, before + 1);
    // A cross-site request is refused even with the token.
    let token = c.csrf.clone().unwrap();
    let body = format!("service=vneid&status=done&_csrf={token}");
    let cross = Request::post(&path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(c.send(cross).await.status, StatusCode::FORBIDDEN);
    let foreign = Request::post(&path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "congdongso.local")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(c.send(foreign).await.status, StatusCode::FORBIDDEN);
    // The header form, as the API uses it.
    let api = Request::post("/api/v1/logout").body(Body::empty()).unwrap();
    assert_eq!(c.send(api).await.status, StatusCode::FORBIDDEN);
    let api = Request::post("/api/v1/logout")
        .header("x-csrf-token", token)
        .body(Body::empty())
        .unwrap();
    assert_eq!(c.send(api).await.status, StatusCode::OK);
    // Logging out with an expired session still works (nothing to forge).
    let mut expired = Client::new(app.clone());
    expired.cookie = Some("cds_session=gone".into());
    assert_eq!(
        expired.post_raw_form("/logout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    // The login form needs the token its page set as a cookie.
    let mut anon = Client::new(app.clone());
    let login = [
        ("username", "truongap03"),
        ("password", PASSWORD),
        ("_csrf", "abc"),
    ];
    assert_eq!(
        anon.post_raw_form("/login", &login).await.status,
        StatusCode::FORBIDDEN
    );
    // The JSON login refuses a form post (which a foreign page could send).
    let form_login = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username=truongap03&password={PASSWORD}"
        )))
        .unwrap();
    assert_eq!(anon.send(form_login).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    for url in backends().await {
        csrf(url).await;
    }
}

async fn login_form_round_trip(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::new(app);
    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let set = page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let pre = set.split(';').next().unwrap().to_string();
    let plain = pre.split_once('=').unwrap().1.to_string();
    // The form carries a disguise of the cookie's token (fresh per page, against BREACH);
    // the browser posts what the form carries.
    let at = page
        .body
        .find("name=\"_csrf\" value=\"")
        .expect("the form's token")
        + 20;
    let token = page.body[at..].split('"').next().unwrap().to_string();
    assert!(
        token.len() == plain.len() * 4 && !page.body.contains(&plain),
        "the form carries a disguise of the cookie's token"
    );
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("username", "vhxh"),
            ("password", PASSWORD),
            ("_csrf", &token),
        ])
        .finish();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, pre)
        .body(Body::from(body))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.cookie.is_some(), "a session cookie was set");
    let home = c.get("/").await;
    assert!(home.body.contains("Rạch Kiến"));
}

#[tokio::test]
async fn the_login_page_logs_in() {
    for url in backends().await {
        login_form_round_trip(url).await;
    }
}

async fn throttling(url: String) {
    let app = app(demo_db(&url).await);
    let mut c = Client::new(app.clone());
    for i in 0..5 {
        let r = c.api_login("vhxh", "sai-mat-khau").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(r.json()["error"].as_str().unwrap().contains("không đúng"));
    }
    // After five failures even the right password waits.
    let r = c.api_login("vhxh", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.json()["error"].as_str().unwrap().contains("thử lại sau"));
    // The same username in other case or with spaces counts as the same.
    assert_eq!(
        c.api_login("VHXH", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other accounts are not affected.
    assert_eq!(
        c.api_login("chutich", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_down() {
    for url in backends().await {
        throttling(url).await;
    }
}

/// `POST /api/v1/login` as if from `peer` (the connection's address), with an
/// `X-Forwarded-For` header if given: the status.
async fn login_from(
    app: &axum::Router,
    username: &str,
    password: &str,
    peer: &str,
    forwarded: Option<&str>,
) -> StatusCode {
    use tower::ServiceExt;
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let mut req = Request::post("/api/v1/login").header(header::CONTENT_TYPE, "application/json");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    let addr = std::net::SocketAddr::new(peer.parse().unwrap(), 40_000);
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.clone().oneshot(req).await.unwrap().status()
}

/// Failures count per (username, address) and per address, never per username alone: an
/// attacker failing on the owner's username does not keep the owner out, and one address
/// trying one password against many usernames slows down. `X-Forwarded-For` names the
/// client only when the connection comes from a trusted proxy.
async fn throttling_by_address(url: String) {
    let mut settings = congdongso::config::Settings::for_tests("unused");
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let app = congdongso::web::router(std::sync::Arc::new(congdongso::web::AppState::new(
        demo_db(&url).await,
        common::keys(),
        settings,
    )));
    let (attacker, owner, sprayer) = ("198.51.100.7", "203.0.113.9", "192.0.2.44");
    for i in 0..5 {
        let s = login_from(&app, "vhxh", "sai-mat-khau", attacker, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i} on {url}");
    }
    // The attacker's address now waits, even with the right password…
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, attacker, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …and so does the attacker through the trusted proxy, which names it.
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, "127.0.0.1", Some(attacker)).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, from an address that has not been failing, logs in: directly, and through
    // the proxy.
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, owner, None).await,
        StatusCode::OK,
        "{url}"
    );
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, "127.0.0.1", Some(owner)).await,
        StatusCode::OK
    );
    // An untrusted peer cannot pass its failures off as another address's: its header is
    // ignored, so the failures are its own and the owner's address stays clear.
    for _ in 0..5 {
        login_from(&app, "vhxh", "sai-mat-khau", sprayer, Some(owner)).await;
    }
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, sprayer, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, "vhxh", PASSWORD, owner, None).await,
        StatusCode::OK
    );
    // One password against 17 usernames from one address: after the address's allowance
    // (its 5 failures above count) the next tries wait.
    let users: Vec<String> = (1..=17).map(|i| format!("tovien{i:02}")).collect();
    let mut statuses = Vec::new();
    for u in &users {
        statuses.push(login_from(&app, u, "mat-khau-doan-bua", sprayer, None).await);
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        refused,
        (sessions::FREE_ADDRESS_FAILURES - 5) as usize,
        "{statuses:?} on {url}"
    );
    assert!(
        statuses[refused..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Another address is not slowed by that.
    assert_eq!(
        login_from(&app, "chutich", PASSWORD, owner, None).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn failed_logins_count_per_address_not_per_username() {
    for url in backends().await {
        throttling_by_address(url).await;
    }
}

#[test]
fn back_off_grows_and_expires() {
    use congdongso::db::sessions::wait_after;
    assert_eq!(wait_after(4, 1000, 1000), 0);
    assert_eq!(wait_after(5, 1000, 1000), 30);
    assert_eq!(wait_after(6, 1000, 1000), 60);
    assert_eq!(wait_after(5, 1000, 1030), 0);
    assert_eq!(wait_after(50, 1000, 1000), 900);
}

/// With HTTPS configured (`CONGDONGSO_SECURE_COOKIES=true`) every cookie is `Secure`, the
/// pre-login one too, and the browser is told to keep to HTTPS; without it, no HSTS (it would
/// lock a plain-HTTP commune PC out of its own server).
#[tokio::test]
async fn under_https_every_cookie_is_secure_and_hsts_is_sent() {
    use congdongso::config::Settings;
    use congdongso::web::{self, AppState};
    use std::sync::Arc;
    let url = backends().await.remove(0);
    let db = demo_db(&url).await;
    let mut settings = Settings::for_tests("unused");
    settings.secure_cookies = true;
    let secure = web::router(Arc::new(AppState::new(
        db.clone(),
        common::keys(),
        settings,
    )));
    let mut c = Client::new(secure);
    let page = c.get("/login").await;
    let pre = page.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        pre.starts_with("cds_csrf=") && pre.contains("; Secure"),
        "{pre}"
    );
    assert_eq!(
        page.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
    assert!(
        page.headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()")
    );
    let login = c.api_login("vhxh", PASSWORD).await;
    let session = login.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        session.contains("; Secure") && session.contains("HttpOnly"),
        "{session}"
    );
    let form = c.get("/yeu-cau/rach-kien-ap-01").await;
    assert!(
        form.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_some()
    );

    let mut plain = Client::new(app(db));
    let page = plain.get("/login").await;
    assert!(
        !page.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    assert!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    assert!(page.headers.get("permissions-policy").is_some());
}
