//! CSRF protection on every state change, and throttling of repeated failed logins.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, PASSWORD, app, backends, demo_db, first_resident_of};

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

#[test]
fn back_off_grows_and_expires() {
    use congdongso::db::sessions::wait_after;
    assert_eq!(wait_after(4, 1000, 1000), 0);
    assert_eq!(wait_after(5, 1000, 1000), 30);
    assert_eq!(wait_after(6, 1000, 1000), 60);
    assert_eq!(wait_after(5, 1000, 1030), 0);
    assert_eq!(wait_after(50, 1000, 1000), 900);
}
