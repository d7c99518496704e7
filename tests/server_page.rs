//! The sysadmin's server page: the settings as they stand without secrets, a backup made now
//! and downloaded whole (both audited), and nobody else let in. On SQLite and PostgreSQL.

mod common;
use axum::http::StatusCode;
use common::{Client, backends, demo_db, keys};
use congdongso::config::Settings;
use congdongso::web::{self, AppState};
use std::sync::Arc;

async fn server_page(url: String) {
    let db = demo_db(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_tests(&url);
    settings.backup_dir = Some(dir.path().to_path_buf());
    settings.backup_keep = 3;
    let app = web::router(Arc::new(AppState::new(db.clone(), keys(), settings)));

    let mut admin = Client::login(app.clone(), "quantri").await;
    let page = admin.get("/server").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Thiết lập đang dùng"));
    assert!(page.body.contains("giữ 3 bản gần nhất"), "{}", page.body);
    assert!(page.body.contains("Chưa có bản sao lưu nào"));
    // The key itself never shows, only where it comes from.
    assert!(page.body.contains("CONGDONGSO_SECRET_KEY"));
    assert!(
        !page.body.contains("dGVzdCBrZXkg"),
        "the secret key on the page"
    );

    let r = admin.post_form("/server/backups", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = &files[0];
    assert!(name.starts_with("congdongso-"), "{name}");
    let page = admin.get("/server").await;
    assert!(
        page.body.contains(&format!("/server/backups/{name}")),
        "listed"
    );

    let got = admin.get(&format!("/server/backups/{name}")).await;
    assert_eq!(got.status, StatusCode::OK);
    let on_disk = std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(got.bytes, on_disk, "the whole backup, as written");
    if url.starts_with("sqlite") {
        assert!(got.bytes.starts_with(b"SQLite format 3"));
    } else {
        assert!(got.bytes.starts_with(b"PGDMP"), "a pg_dump custom archive");
    }
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(name.as_str())
    );
    for action in ["backup_now", "download_backup"] {
        let (n,): (i64,) = db
            .fetch_one(
                "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                &[action.into()],
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{action} audited");
    }

    // The nightly backup switched off and the count kept changed in the web: the page says so,
    // the setting outlives the process (it is in the database), and "back up now" keeps that
    // many.
    let r = admin.post_form("/server/nightly", &[("keep", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = congdongso::db::backup::nightly_plan(&db, Some(dir.path()), dir.path(), 3)
        .await
        .unwrap();
    assert!(!plan.on, "off in the web overrides the configured folder");
    assert_eq!(plan.keep, 2);
    let page = admin.get("/server").await;
    assert!(
        page.body.contains("Chưa bật sao lưu hằng đêm"),
        "{}",
        page.body
    );
    // Two older backups in the folder (and not the one just made).
    std::fs::remove_file(dir.path().join(name)).unwrap();
    for old in [
        "congdongso-20250101-020000.db",
        "congdongso-20250102-020000.db",
    ] {
        std::fs::write(dir.path().join(old), b"older").unwrap();
    }
    let r = admin.post_form("/server/backups", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(left.len(), 2, "the newest two kept: {left:?}");
    assert_eq!(
        left[0], "congdongso-20250102-020000.db",
        "the oldest went: {left:?}"
    );
    let r = admin
        .post_form("/server/nightly", &[("nightly", "on"), ("keep", "0")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_form("/server/nightly", &[("nightly", "on"), ("keep", "7")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = admin.get("/server").await;
    assert!(page.body.contains("giữ 7 bản gần nhất"), "{}", page.body);
    let n = db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'server_settings'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(n, 2);

    // Only a backup's own name is served.
    for bad in [
        "..%2Fsecret.key",
        "secret.key",
        "congdongso-20260101-020000.db",
    ] {
        assert_eq!(
            admin.get(&format!("/server/backups/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // Nobody else.
    for who in ["vhxh", "chutich", "so", "truongap03"] {
        let mut c = Client::login(app.clone(), who).await;
        assert_eq!(
            c.get("/server").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            c.get(&format!("/server/backups/{name}")).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let r = c.post_form("/server/backups", &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r = c.post_form("/server/nightly", &[("keep", "1")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn the_sysadmin_sees_the_settings_and_makes_and_downloads_a_backup() {
    for url in backends().await {
        server_page(url).await;
    }
}
