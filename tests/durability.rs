//! Sync under load, from outside: phones send batches to the real server while it is killed
//! with SIGKILL again and again; every record it acknowledged is there after each restart,
//! every record is stored once however often it is sent, and the running counts equal a
//! rebuild from scratch. On SQLite and PostgreSQL.

mod common;
use common::{backends, bin, demo_db, pooled_postgres};
use congdongso::db::{self, Db, indicator_sources, tokens};
use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

const PHONES: usize = 4;
const BATCH: usize = 10;
const ROUNDS: usize = 3;
/// Batches acknowledged in a round before the server is killed.
const ACKED_BEFORE_KILL: usize = 12;

struct Server {
    child: Child,
    addr: String,
}

fn start(url: &str) -> Server {
    start_with(url, &[])
}

fn start_with(url: &str, env: &[(&str, &str)]) -> Server {
    let mut child = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", url])
        .envs(env.iter().copied())
        .env(
            "CONGDONGSO_SECRET_KEY",
            "dGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXkgdGVzdCBrZXk=",
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server prints its address");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim_end_matches('/').to_string();
        }
    };
    Server { child, addr }
}

/// One POST on a kept-alive connection: the answer's body, or None if the connection broke
/// before a whole answer came (the server was killed).
fn post(conn: &mut TcpStream, token: &str, body: &str) -> Option<serde_json::Value> {
    let head = format!(
        "POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).ok()?;
    conn.write_all(body.as_bytes()).ok()?;
    answer(conn)
}

/// One GET on a kept-alive connection: the answer's JSON body.
fn get(conn: &mut TcpStream, token: &str, path: &str) -> Option<serde_json::Value> {
    let head = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
    conn.write_all(head.as_bytes()).ok()?;
    answer(conn)
}

/// A whole 200 answer read off the connection, or None if it broke first.
fn answer(conn: &mut TcpStream) -> Option<serde_json::Value> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("content-length");
        if buf.len() >= end + 4 + length {
            return serde_json::from_slice(&buf[end + 4..end + 4 + length]).ok();
        }
    }
}

fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A phone: its token, the residents of its hamlet, and the batches it sent.
struct Phone {
    token: String,
    residents: Vec<i64>,
}

async fn phones(db: &Db) -> Vec<Phone> {
    let mut out = Vec::new();
    for n in 1..=PHONES {
        let username = format!("tovien{n:02}");
        let (_, token) = tokens::create(db, &username, "durability").await.unwrap();
        let residents: Vec<(i64,)> = db
            .fetch_all(
                "SELECT r.id FROM residents r JOIN accounts a ON a.area_id = r.hamlet_id \
                 WHERE a.username = $1 AND r.active = 1 ORDER BY r.id",
                &[username.as_str().into()],
            )
            .await
            .unwrap();
        assert!(!residents.is_empty(), "{username} has residents");
        out.push(Phone {
            token,
            residents: residents.into_iter().map(|(r,)| r).collect(),
        });
    }
    out
}

/// Sends batches from every phone until the server dies; returns the ids acknowledged as
/// applied and the batches sent without a whole answer.
fn load(
    addr: &str,
    phones: &[Phone],
    next_id: &AtomicUsize,
    kill: impl FnOnce(),
) -> (Vec<String>, Vec<(usize, String)>) {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let unanswered = Arc::new(Mutex::new(Vec::new()));
    let batches = Arc::new(AtomicUsize::new(0));
    let day = db::today();
    std::thread::scope(|s| {
        for (p, phone) in phones.iter().enumerate() {
            let (acked, unanswered, batches, day) = (
                acked.clone(),
                unanswered.clone(),
                batches.clone(),
                day.clone(),
            );
            s.spawn(move || {
                let Ok(mut conn) = TcpStream::connect(addr) else {
                    return;
                };
                conn.set_read_timeout(Some(Duration::from_secs(60)))
                    .unwrap();
                for k in 0.. {
                    let ids: Vec<String> = (0..BATCH)
                        .map(|_| uuid(next_id.fetch_add(1, Ordering::SeqCst)))
                        .collect();
                    let records: Vec<serde_json::Value> = ids
                        .iter()
                        .enumerate()
                        .map(|(i, id)| {
                            let r = phone.residents[(k * BATCH + i + p) % phone.residents.len()];
                            let service = ["vneid", "cashless", "email"][i % 3];
                            serde_json::json!({"id": id, "type": "help", "resident_id": r,
                                "service": service,
                                "done": i % 4 != 0, "date": day})
                        })
                        .collect();
                    let body =
                        serde_json::json!({"device_id": format!("p{p}"), "records": records})
                            .to_string();
                    match post(&mut conn, &phone.token, &body) {
                        Some(answer) => {
                            let results = answer["results"].as_array().unwrap();
                            assert_eq!(results.len(), BATCH);
                            let mut acked = acked.lock().unwrap();
                            for r in results {
                                assert_eq!(r["status"], "applied", "{r}");
                                acked.push(r["id"].as_str().unwrap().to_string());
                            }
                            batches.fetch_add(1, Ordering::SeqCst);
                        }
                        None => {
                            unanswered.lock().unwrap().push((p, body));
                            return;
                        }
                    }
                }
            });
        }
        // Kill once enough batches were acknowledged, while the phones keep sending.
        while batches.load(Ordering::SeqCst) < ACKED_BEFORE_KILL {
            std::thread::yield_now();
        }
        kill();
    });
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();
    let unanswered = Arc::try_unwrap(unanswered).unwrap().into_inner().unwrap();
    (acked, unanswered)
}

async fn client_ids(db: &Db, table: &str) -> Vec<String> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            &format!(
                "SELECT client_id FROM {table} WHERE client_id LIKE '00000000-0000-4000-8000-%'"
            ),
            &[],
        )
        .await
        .unwrap();
    rows.into_iter().map(|(c,)| c).collect()
}

async fn counts(db: &Db) -> Vec<(i64, String, i64, i64)> {
    db.fetch_all(
        "SELECT area_id, metric, month, n FROM indicator_counts WHERE n <> 0 ORDER BY area_id, metric, month",
        &[],
    )
    .await
    .unwrap()
}

/// The counts kept in each transaction equal a rebuild of the commune from scratch, and the
/// activity counts a count of the activities.
async fn counts_equal_a_rebuild(db: &Db) {
    let before = counts(db).await;
    let commune = db
        .scalar_i64(
            "SELECT id FROM areas WHERE level = 'commune' ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    indicator_sources::rebuild_commune(&mut tx, commune)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(counts(db).await, before, "the counts equal a rebuild");
    let (kept, counted) = common::activity_counts(db).await;
    assert_eq!(
        kept, counted,
        "the activity counts equal a count from scratch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_survive_kill_9_under_load_and_are_stored_once() {
    for url in backends().await {
        let db = demo_db(&url).await;
        let phones = phones(&db).await;
        db.close().await;
        let next_id = AtomicUsize::new(1);
        let mut acked = Vec::new();
        let mut unanswered = Vec::new();
        for round in 0..ROUNDS {
            let server = start(&url);
            let mut child = server.child;
            let (a, u) = tokio::task::block_in_place(|| {
                load(&server.addr, &phones, &next_id, || {
                    // SIGKILL: no shutdown, no flush; only what was committed survives.
                    child.kill().unwrap();
                })
            });
            child.wait().unwrap();
            assert!(
                a.len() >= ACKED_BEFORE_KILL * BATCH,
                "round {round}: {}",
                a.len()
            );
            acked.extend(a);
            unanswered.extend(u);
            // Everything acknowledged so far is there after the crash.
            let db = Db::connect(&url).await.unwrap();
            let stored: HashSet<String> =
                client_ids(&db, "sync_records").await.into_iter().collect();
            let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
            assert!(
                lost.is_empty(),
                "{url} round {round}: {} acknowledged records lost",
                lost.len()
            );
            db.close().await;
        }
        assert!(
            !unanswered.is_empty(),
            "the kills interrupted requests in flight"
        );

        // The phones send what had no answer again: each record is applied or recognised.
        let server = start(&url);
        let mut child = server.child;
        let mut conn = TcpStream::connect(&server.addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        for (p, body) in &unanswered {
            let token = &phones[*p].token;
            let answer = post(&mut conn, token, body).expect("an answer");
            for r in answer["results"].as_array().unwrap() {
                assert!(
                    r["status"] == "applied" || r["status"] == "duplicate",
                    "{url}: {r}"
                );
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let db = Db::connect(&url).await.unwrap();
        let sent: BTreeSet<String> = (1..next_id.load(Ordering::SeqCst)).map(uuid).collect();
        let helps = client_ids(&db, "help_records").await;
        let syncs = client_ids(&db, "sync_records").await;
        assert_eq!(helps.len(), sent.len(), "{url}: one help per record sent");
        assert_eq!(helps.into_iter().collect::<BTreeSet<_>>(), sent, "{url}");
        assert_eq!(syncs.into_iter().collect::<BTreeSet<_>>(), sent, "{url}");

        counts_equal_a_rebuild(&db).await;
        db.close().await;
    }
}

/// The same batch delivered on two connections at the same moment (a phone that timed out and
/// resent while the first request was still running): each record is applied by one request
/// and recognised by the other, stored once, and the counts stay exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_batch_sent_twice_at_once_is_stored_once() {
    const TIMES: usize = 15;
    for url in backends().await {
        let db = demo_db(&url).await;
        let phones = phones(&db).await;
        db.close().await;
        let server = start(&url);
        let mut child = server.child;
        let phone = &phones[0];
        let day = db::today();
        let mut sent = BTreeSet::new();
        tokio::task::block_in_place(|| {
            let mut conns: Vec<TcpStream> = (0..2)
                .map(|_| TcpStream::connect(&server.addr).unwrap())
                .collect();
            for k in 0..TIMES {
                let records: Vec<serde_json::Value> = (0..BATCH)
                    .map(|i| {
                        let id = uuid(1_000_000 + k * BATCH + i);
                        sent.insert(id.clone());
                        let r = phone.residents[(k * BATCH + i) % phone.residents.len()];
                        serde_json::json!({"id": id, "type": "help", "resident_id": r,
                            "service": "vneid", "done": true, "date": day})
                    })
                    .collect();
                let body = serde_json::json!({"records": records}).to_string();
                let answers: Vec<serde_json::Value> = std::thread::scope(|s| {
                    let handles: Vec<_> = conns
                        .iter_mut()
                        .map(|c| {
                            let body = body.clone();
                            s.spawn(move || post(c, &phone.token, &body).expect("an answer"))
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                for i in 0..BATCH {
                    let mut statuses: Vec<&str> = answers
                        .iter()
                        .map(|a| a["results"][i]["status"].as_str().unwrap())
                        .collect();
                    statuses.sort_unstable();
                    assert_eq!(statuses, ["applied", "duplicate"], "{url}: {answers:?}");
                    assert_eq!(
                        answers[0]["results"][i]["server_id"],
                        answers[1]["results"][i]["server_id"],
                        "{url}: both answers name the same help"
                    );
                }
            }
        });
        child.kill().unwrap();
        child.wait().unwrap();
        let db = Db::connect(&url).await.unwrap();
        let helps = client_ids(&db, "help_records").await;
        assert_eq!(helps.len(), sent.len(), "{url}: one help per record");
        assert_eq!(helps.into_iter().collect::<BTreeSet<_>>(), sent, "{url}");
        counts_equal_a_rebuild(&db).await;
        db.close().await;
    }
}

/// Behind PgBouncer in transaction mode (consecutive transactions of one connection reach
/// different server sessions): the migrations, the demo seed, the server and phones syncing
/// at once all go through the pooler, and every record is stored once with exact counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_works_behind_pgbouncer_in_transaction_mode() {
    let Some(pooled) = pooled_postgres().await else {
        return;
    };
    // In this process through the URL the setting makes; the server through the setting.
    let url = congdongso::config::behind_transaction_pooler(&pooled);
    assert!(url.contains("statement-cache-capacity=0"), "{url}");
    let db = demo_db(&url).await;
    let phones = phones(&db).await;
    db.close().await;
    let server = start_with(&pooled, &[("CONGDONGSO_DATABASE_POOLER", "transaction")]);
    let mut child = server.child;
    let day = db::today();
    let batches = 8;
    tokio::task::block_in_place(|| {
        std::thread::scope(|s| {
            for (p, phone) in phones.iter().enumerate() {
                let (addr, day) = (server.addr.clone(), day.clone());
                s.spawn(move || {
                    let mut conn = TcpStream::connect(&addr).unwrap();
                    for k in 0..batches {
                        let records: Vec<serde_json::Value> = (0..BATCH)
                            .map(|i| {
                                let n = 2_000_000 + (p * batches + k) * BATCH + i;
                                let r = phone.residents[n % phone.residents.len()];
                                serde_json::json!({"id": uuid(n), "type": "help", "resident_id": r,
                                    "service": "cashless", "done": i % 2 == 0, "date": day})
                            })
                            .collect();
                        let body = serde_json::json!({"records": records}).to_string();
                        let answer = post(&mut conn, &phone.token, &body).expect("an answer");
                        for r in answer["results"].as_array().unwrap() {
                            assert_eq!(r["status"], "applied", "{r}");
                        }
                        // Reads between the writes, on the same pooled connections.
                        let data = get(&mut conn, &phone.token, "/api/v1/field/data")
                            .expect("the hamlet's data");
                        assert!(!data["residents"].as_array().unwrap().is_empty());
                    }
                });
            }
        });
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let db = Db::connect(&url).await.unwrap();
    let helps = client_ids(&db, "help_records").await;
    assert_eq!(helps.len(), PHONES * batches * BATCH);
    counts_equal_a_rebuild(&db).await;
    db.close().await;
}
