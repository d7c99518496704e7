//! Backups: a copy taken while writes go on restores to a whole database holding every write
//! acknowledged before it began; the command line backs up and restores with a confirmation;
//! nightly backups keep the newest few.

mod common;
use common::{backends, bin, demo_db};
use congdongso::db::{Db, backup};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes audit rows one transaction at a time until told to stop; sends each committed id.
fn writer(
    db: Db,
    stop: Arc<AtomicBool>,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::mpsc::UnboundedReceiver<i64>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = tokio::spawn(async move {
        let mut n = 0i64;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let mut t = db.begin_write().await.unwrap();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO audit_log (commune_id, account_id, at, action, entity, entity_id) \
                 VALUES (NULL, NULL, $1, 'load', 'backup_test', $1) RETURNING id",
            )
            .bind(n)
            .fetch_one(&mut *t)
            .await
            .unwrap();
            t.commit().await.unwrap();
            if tx.send(id).is_err() {
                break;
            }
        }
    });
    (handle, rx)
}

fn restored_url(source: &str, dir: &std::path::Path) -> String {
    if source.starts_with("sqlite://") {
        format!("sqlite://{}/restored.db", dir.display())
    } else {
        // A fresh PostgreSQL database beside the test's own.
        let (prefix, name) = source.rsplit_once('/').unwrap();
        format!("{prefix}/{name}_r")
    }
}

async fn under_load(url: String) {
    let db = demo_db(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (handle, mut acked) = writer(db.clone(), stop.clone());
    // Wait for the load to be running, then note every write acknowledged so far.
    let mut before = Vec::new();
    while before.len() < 50 {
        before.push(acked.recv().await.unwrap());
    }
    while let Ok(id) = acked.try_recv() {
        before.push(id);
    }
    let file = dir.path().join(if url.starts_with("sqlite") {
        "copy.db"
    } else {
        "copy.dump"
    });
    let done = backup::backup(&db, &url, &file).await.unwrap();
    // The load never paused: it is still writing once the backup is done.
    let after = acked.recv().await.unwrap();
    assert!(after > *before.last().unwrap());
    stop.store(true, Ordering::Relaxed);
    handle.await.unwrap();
    assert!(done.bytes > 0);
    assert_eq!(done.schema_version, db.schema_version().await.unwrap());

    let target = restored_url(&url, dir.path());
    if target.starts_with("postgres") {
        let (admin, name) = target.rsplit_once('/').unwrap();
        let admin_db = Db::connect(&format!("{admin}/test")).await.unwrap();
        admin_db
            .execute(&format!("CREATE DATABASE {name}"), &[])
            .await
            .unwrap();
    }
    let r = backup::restore(&target, &file).await.unwrap();
    assert_eq!(r.schema_version, done.schema_version);
    let copy = Db::connect(&target).await.unwrap();
    if target.starts_with("sqlite") {
        let (check,): (String,) = copy.fetch_one("PRAGMA integrity_check", &[]).await.unwrap();
        assert_eq!(check, "ok");
    } else {
        // PostgreSQL checks its own pages; what we check is that every table came back.
        let tables = copy
            .scalar_i64(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .await
            .unwrap();
        assert!(tables > 30, "{tables} tables");
        // pg_restore brings no planner statistics: the restore analysed the tables itself.
        let rows = copy
            .scalar_i64("SELECT COUNT(*) FROM residents", &[])
            .await
            .unwrap();
        let planned = common::planner_rows(&copy, "residents").await;
        assert_eq!(planned, rows, "the restored tables are analysed");
    }
    for id in &before {
        let n = copy
            .scalar_i64(
                "SELECT COUNT(*) FROM audit_log WHERE id = $1",
                &[(*id).into()],
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "acknowledged write {id} is in the backup");
    }
    let residents = |d: Db| async move {
        d.scalar_i64("SELECT COUNT(*) FROM residents", &[])
            .await
            .unwrap()
    };
    assert_eq!(residents(copy).await, residents(db).await);
}

// Two workers: the writer runs beside the backup, not only between its awaits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    for url in backends().await {
        under_load(url).await;
    }
}

#[tokio::test]
async fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/live.db", dir.path().display());
    let db = demo_db(&url).await;
    let households = db
        .scalar_i64("SELECT COUNT(*) FROM households", &[])
        .await
        .unwrap();
    let copy = dir.path().join("saved/backup.db");
    let out = bin()
        .args([
            "backup",
            "--output",
            copy.to_str().unwrap(),
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
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã sao lưu cơ sở dữ liệu"));
    let again = bin()
        .args([
            "backup",
            "--output",
            copy.to_str().unwrap(),
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("đã có"));

    // The data changes after the backup.
    db.execute("UPDATE households SET active = 0", &[])
        .await
        .unwrap();
    // While something still has the database open (a running server), restoring is refused.
    let busy = bin()
        .args([
            "restore",
            copy.to_str().unwrap(),
            "--yes",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("đang được dùng"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    db.close().await;

    let restore = |answer: &str, yes: bool| {
        let mut c = bin();
        c.args(["restore", copy.to_str().unwrap(), "--database-url", &url]);
        if yes {
            c.arg("--yes");
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let active = |url: String| async move {
        let d = Db::connect(&url).await.unwrap();
        let n = d
            .scalar_i64("SELECT COUNT(*) FROM households WHERE active = 1", &[])
            .await
            .unwrap();
        d.close().await;
        n
    };
    let out = restore("không\n", false);
    assert!(!out.status.success(), "no confirmation, no restore");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Đã hủy"));
    assert_eq!(active(url.clone()).await, 0, "the data is as it was");
    let out = restore("đồng ý\n", false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        active(url.clone()).await,
        households,
        "back as it was backed up"
    );

    // Something that is not a backup is refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = bin()
        .args([
            "restore",
            junk.to_str().unwrap(),
            "--yes",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("không phải bản sao lưu"));
    assert_eq!(active(url.clone()).await, households);
}

#[tokio::test]
async fn nightly_backups_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/live.db", dir.path().display());
    let db = common::migrated(&url).await;
    let folder = dir.path().join("nightly");
    for stamp in [
        "20260501-020000",
        "20260502-020000",
        "20260503-020000",
        "20260504-020000",
    ] {
        backup::nightly(&db, &url, (&folder, 3), stamp)
            .await
            .unwrap();
    }
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "congdongso-20260502-020000.db",
            "congdongso-20260503-020000.db",
            "congdongso-20260504-020000.db"
        ]
    );
    assert!(backup::check_sqlite(&folder.join(&names[0])).await.is_ok());
}
