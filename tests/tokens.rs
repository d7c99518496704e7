//! API tokens: a script with `Authorization: Bearer …` acts as the token's account, within its
//! role and area, needs no CSRF token, and is refused once the token is revoked.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, app, backends, bin, demo_db};
use congdongso::db::tokens;

async fn with_token(
    c: &mut Client,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> common::Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    c.send(
        req.body(Body::from(body.unwrap_or("").to_string()))
            .unwrap(),
    )
    .await
}

async fn bearer(url: String) {
    let db = demo_db(&url).await;
    let mut c = Client::new(app(db.clone()));
    let (id, token) = tokens::create(&db, "truongap03", "kịch bản xuất số liệu")
        .await
        .unwrap();
    assert!(token.starts_with("cds_"));
    let stored: (String,) = db
        .fetch_one(
            "SELECT token_hash FROM api_tokens WHERE id = $1",
            &[id.into()],
        )
        .await
        .unwrap();
    assert_ne!(stored.0, token, "only the hash is stored");

    let used = |db: congdongso::db::Db| async move {
        let (at,): (Option<i64>,) = db
            .fetch_one(
                "SELECT last_used_at FROM api_tokens WHERE id = $1",
                &[id.into()],
            )
            .await
            .unwrap();
        at
    };
    assert_eq!(used(db.clone()).await, None);
    let me = with_token(&mut c, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    // The first use is recorded; later ones within the hour are not written again, and one
    // after an hour is.
    let first = used(db.clone()).await.expect("the use is recorded");
    db.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        &[(first - 1800).into(), id.into()],
    )
    .await
    .unwrap();
    with_token(&mut c, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(
        used(db.clone()).await,
        Some(first - 1800),
        "within the hour"
    );
    db.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        &[(first - 7200).into(), id.into()],
    )
    .await
    .unwrap();
    with_token(&mut c, "GET", "/api/v1/me", &token, None).await;
    assert!(used(db.clone()).await.unwrap() >= first, "after an hour");
    assert_eq!(me.json()["username"], "truongap03");
    assert_eq!(me.json()["role"], "hamlet_head");
    // The account's area holds: its own hamlet yes, another hamlet no.
    let own = with_token(
        &mut c,
        "GET",
        "/api/v1/residents?area=rach-kien-ap-03",
        &token,
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let other = with_token(
        &mut c,
        "GET",
        "/api/v1/residents?area=rach-kien-ap-01",
        &token,
        None,
    )
    .await;
    assert!(
        other.status == StatusCode::NOT_FOUND || other.status == StatusCode::FORBIDDEN,
        "{}",
        other.status
    );
    // A state change with the token needs no CSRF token.
    let sync = with_token(
        &mut c,
        "POST",
        "/api/v1/sync",
        &token,
        Some(r#"{"device_id":"script-1","records":[]}"#),
    )
    .await;
    assert_eq!(sync.status, StatusCode::OK, "{}", sync.body);
    // Pages take no tokens: a token opens no page.
    let page = with_token(&mut c, "GET", "/residents", &token, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "to the login page");

    let bad = with_token(&mut c, "GET", "/api/v1/me", "cds_not-a-token", None).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .contains("không hợp lệ")
    );
    tokens::revoke(&db, id).await.unwrap();
    let after = with_token(&mut c, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "revoked");
    assert!(tokens::revoke(&db, id).await.is_err(), "revoked once");
    // A deactivated account's tokens stop working too.
    let (_, second) = tokens::create(&db, "truongap03", "").await.unwrap();
    db.execute(
        "UPDATE accounts SET active = 0 WHERE username = 'truongap03'",
        &[],
    )
    .await
    .unwrap();
    let gone = with_token(&mut c, "GET", "/api/v1/me", &second, None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_acts_as_its_account_until_revoked() {
    for url in backends().await {
        bearer(url).await;
    }
}

#[tokio::test]
async fn token_commands() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let db = demo_db(&url).await;
    let out = bin()
        .args([
            "token",
            "create",
            "--username",
            "vhxh",
            "--label",
            "báo cáo tháng",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let caller = tokens::load(&db, &token)
        .await
        .unwrap()
        .expect("the printed token works");
    assert_eq!(caller.username, "vhxh");
    let list = bin()
        .args([
            "token",
            "list",
            "--username",
            "vhxh",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        listed.contains("đang dùng") && listed.contains("báo cáo tháng"),
        "{listed}"
    );
    let id = listed.split_whitespace().next().unwrap();
    let out = bin()
        .args(["token", "revoke", "--id", id, "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(tokens::load(&db, &token).await.unwrap().is_none());
    let out = bin()
        .args([
            "token",
            "create",
            "--username",
            "khong-co",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không có tài khoản «khong-co»"));
}
