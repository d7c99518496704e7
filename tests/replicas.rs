//! Reads on a real PostgreSQL streaming replica (`CONGDONGSO_TEST_REPLICA_URL`, started by
//! `.ci/run` with `pg_basebackup -R`): the indicators and the dashboard are served from the
//! replica while writes go to the primary; the writer reads its own write from the primary; a
//! replica that lags beyond the setting, or is down, is skipped.

mod common;
use axum::http::StatusCode;
use common::{Client, app, demo_db, fresh_postgres};
use congdongso::db::Db;
use congdongso::db::replicas::Replicas;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const HAMLET: &str = "rach-kien-ap-01";

/// The replica's URL for the database `primary_url` names, or None without a replica.
fn replica_of(primary_url: &str) -> Option<String> {
    let base = match std::env::var("CONGDONGSO_TEST_REPLICA_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but CONGDONGSO_TEST_REPLICA_URL is not set");
            }
            eprintln!("replica skipped: CONGDONGSO_TEST_REPLICA_URL is not set");
            return None;
        }
    };
    let (_, name) = primary_url.rsplit_once('/').unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

/// Waits (up to a minute) until `ready` holds: replication is asynchronous.
async fn until<F, Fut>(what: &str, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn indicators(c: &mut Client) -> Value {
    let r = c.get(&format!("/api/v1/indicators?area={HAMLET}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn helps(db: &Db) -> i64 {
    db.scalar_i64(
        "SELECT COUNT(*) FROM help_records WHERE client_id LIKE '00000000-0000-4000-8000-%'",
        &[],
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_read_the_replica_while_writes_go_to_the_primary() {
    let Ok(direct) = std::env::var("CONGDONGSO_TEST_POSTGRES_URL") else {
        return;
    };
    let primary_url = fresh_postgres(&direct).await;
    let Some(replica_url) = replica_of(&primary_url) else {
        return;
    };
    let primary = demo_db(&primary_url).await;
    // The replica, opened directly to watch and to pause it; it has the new database once
    // replication has carried the seed over.
    let expected = primary
        .scalar_i64("SELECT COUNT(*) FROM residents", &[])
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let replica = loop {
        if let Ok(db) = Db::connect(&replica_url).await {
            if db
                .scalar_i64("SELECT COUNT(*) FROM residents", &[])
                .await
                .is_ok_and(|n| n == expected)
            {
                break db;
            }
            db.close().await;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not carry the seed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // A replica that is down (nothing listens on port 1) and the real one; no lag allowed, and
    // a writer's reads stay on the primary for a minute.
    let down = "postgres://postgres@127.0.0.1:1/none".to_string();
    let db = primary.clone().with_replicas(
        Replicas::new(
            &[down, replica_url.clone()],
            Duration::ZERO,
            Duration::from_secs(60),
        )
        .unwrap(),
    );
    until("the replica to be caught up", || async {
        db.check_replicas().await[1].usable
    })
    .await;
    let states = db.check_replicas().await;
    assert!(!states[0].usable && states[0].lag.is_none(), "{states:?}");

    let app = app(db.clone());
    let mut reader = Client::login(app.clone(), "vhxh").await;
    let mut writer = Client::login(app.clone(), "tovien01").await;
    let before = indicators(&mut reader).await;
    assert_eq!(indicators(&mut writer).await, before);

    // Replay stops: the replica keeps the figures of this moment.
    replica
        .execute("SELECT pg_wal_replay_pause()", &[])
        .await
        .unwrap();
    let residents: Vec<(i64,)> = primary
        .fetch_all(
            "SELECT r.id FROM residents r JOIN areas a ON a.id = r.hamlet_id WHERE a.code = $1 \
             AND r.active = 1 AND r.status = 'living' AND NOT EXISTS (SELECT 1 FROM resident_services s \
             WHERE s.resident_id = r.id AND s.service_code = 'vneid' AND s.status = 'done') ORDER BY r.id LIMIT 5",
            &[HAMLET.into()],
        )
        .await
        .unwrap();
    assert!(!residents.is_empty());
    let day = congdongso::db::today();
    let records: Vec<Value> = residents
        .iter()
        .enumerate()
        .map(|(i, (r,))| {
            json!({"id": format!("00000000-0000-4000-8000-{:012}", i + 1), "type": "help",
                "resident_id": r, "service": "vneid", "done": true, "date": day})
        })
        .collect();
    let r = writer
        .post_json(
            "/api/v1/sync",
            &json!({"device_id": "replica-test", "records": records}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The write is on the primary, not (yet) on the paused replica.
    assert_eq!(helps(&primary).await, residents.len() as i64);
    assert_eq!(helps(&replica).await, 0);

    // The writer sees its own write (from the primary); the other account, still served by the
    // replica, sees the figures from before it — and its dashboard page comes from there too.
    let after = indicators(&mut writer).await;
    assert_ne!(after, before, "the helps move the hamlet's figures");
    assert_eq!(
        indicators(&mut reader).await,
        before,
        "served by the replica"
    );
    let page = reader.get(&format!("/dashboard?area={HAMLET}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    // Behind by more than allowed: skipped, the reader gets the primary's figures.
    let states = db.check_replicas().await;
    assert!(!states[1].usable, "{states:?}");
    assert_eq!(indicators(&mut reader).await, after);

    // Replay resumes; once caught up the replica serves again, with the new figures.
    replica
        .execute("SELECT pg_wal_replay_resume()", &[])
        .await
        .unwrap();
    until("the replica to catch up again", || async {
        db.check_replicas().await[1].usable
    })
    .await;
    assert_eq!(helps(&replica).await, residents.len() as i64);
    assert_eq!(indicators(&mut reader).await, after);
    replica.close().await;
    primary.close().await;
}
