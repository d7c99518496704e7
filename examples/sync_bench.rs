//! Sync ingest against the database's own commit rate, measured side by side in one run (see
//! docs/benchmarks.md):
//!
//! ```sh
//! cargo run --release --example sync_bench
//! cargo run --release --example sync_bench -- --database-url postgres://postgres@127.0.0.1:5432/bench
//! cargo run --release --example sync_bench -- --database-url sqlite:///tmp/p/province.db
//! ```
//!
//! For each number of phones (`--phones 1,10,50`) it first times one-row transactions written
//! by as many concurrent writers through the application's own pool and settings (the
//! database's physical limit on this disk), then as many phones — each its own team-member
//! account with an API token, in its own hamlet — sending batches of help records over HTTP
//! to the real server on a local port, each batch waiting for its answer before the next.
//! An empty database is first filled with a small province (4 communes, 68 hamlets); an
//! existing one (such as the 3.3 M-resident province of `examples/province.rs`) is used as it
//! is. The accounts, tokens and help records the run adds stay in the database.

use clap::Parser;

// With `--features mimalloc` or `--features jemalloc`, that allocator instead of glibc's
// malloc (compared in docs/benchmarks.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use congdongso::auth::{self, Role};
use congdongso::config::Settings;
use congdongso::crypto::Keys;
use congdongso::db::{Backend, Db, accounts, tokens};
use congdongso::demo::{self, ProvinceOptions};
use congdongso::error::Result;
use congdongso::web::{self, AppState};
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
struct Cli {
    /// sqlite://<path> or postgres://… (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    /// Numbers of concurrent phones, one measurement each.
    #[arg(long, default_value = "1,10,50", value_delimiter = ',')]
    phones: Vec<usize>,
    /// Seconds each measurement lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Help records per request (a phone coming back online sends what it queued).
    #[arg(long, default_value_t = 20)]
    batch: usize,
    /// Households per hamlet when the database is empty and a province is generated.
    #[arg(long, default_value_t = 100)]
    households_per_hamlet: usize,
}

const SERVICES: &[&str] = &["vneid", "province_app", "cashless", "email", "vssid"];

struct Phone {
    token: String,
    residents: Vec<i64>,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("Lỗi: {e} ({e:?})");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let _dir;
    let url = match &cli.database_url {
        Some(u) => u.clone(),
        None => {
            let dir = tempfile_dir();
            let url = format!("sqlite://{}/sync.db", dir.display());
            _dir = dir;
            url
        }
    };
    let keys = Keys::from_master(b"sync bench master key, not a secret");
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    if db.scalar_i64("SELECT COUNT(*) FROM areas", &[]).await? == 0 {
        let started = Instant::now();
        let opts = ProvinceOptions {
            communes: 4,
            hamlets_per_commune: demo::HAMLETS,
            households_per_hamlet: cli.households_per_hamlet,
            seed: 2026,
        };
        let password = auth::random_token();
        demo::generate_province(&db, &keys, &password, &opts, |_| {}).await?;
        println!(
            "Tạo tỉnh nhỏ: {} ấp, {} nhân khẩu trong {:.0} giây",
            db.scalar_i64("SELECT COUNT(*) FROM areas WHERE level = 'hamlet'", &[])
                .await?,
            db.scalar_i64("SELECT COUNT(*) FROM residents", &[]).await?,
            started.elapsed().as_secs_f64()
        );
    }
    let most = cli.phones.iter().copied().max().unwrap_or(1);
    let phones = phones(&db, most).await?;
    println!(
        "{} — {} điện thoại sẵn sàng; mỗi lần gửi {} lượt hỗ trợ; mỗi phép đo {} giây",
        match db.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        phones.len(),
        cli.batch,
        cli.seconds
    );
    let settings = Settings::for_tests(&url);
    let app = web::router(Arc::new(AppState::new(db.clone(), keys, settings)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| congdongso::error::AppError::Internal(e.to_string()))?;
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS bench_commits (id BIGINT PRIMARY KEY, writer BIGINT NOT NULL, at BIGINT NOT NULL)",
    )
    .execute(&db.pool)
    .await?;
    println!(
        "{:>8} {:>14} {:>14} {:>7} {:>10} {:>10} {:>10}",
        "máy", "giao dịch/s", "lượt/s", "tỉ lệ", "trung vị", "p95", "bộ nhớ"
    );
    let window = Duration::from_secs(cli.seconds);
    for &n in &cli.phones {
        let n = n.clamp(1, phones.len());
        let raw = raw_commits(&db, n, window).await?;
        let (records, mut latencies) = sync_load(addr, &phones[..n], cli.batch, window).await;
        latencies.sort();
        let rate = records as f64 / window.as_secs_f64();
        println!(
            "{n:>8} {raw:>14.0} {rate:>14.0} {:>6.2}× {:>8.0}ms {:>8.0}ms {:>8} MB",
            rate / raw,
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.95)),
            peak_rss_mb()
        );
    }
    let check = db
        .scalar_i64(
            "SELECT COUNT(*) FROM help_records h JOIN sync_records s ON s.client_id = h.client_id",
            &[],
        )
        .await?;
    println!("Lượt hỗ trợ có bản ghi đồng bộ: {check}");
    Ok(())
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cds-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

/// One team-member account and token per hamlet that has a team with an active member.
async fn phones(db: &Db, want: usize) -> Result<Vec<Phone>> {
    let rows: Vec<(i64, String, i64)> = db
        .fetch_all(
            "SELECT h.id, h.code, MIN(m.id) FROM areas h JOIN teams t ON t.area_id = h.id \
             JOIN members m ON m.team_id = t.id AND m.active = 1 \
             WHERE h.level = 'hamlet' AND h.active = 1 GROUP BY h.id, h.code ORDER BY h.id",
            &[],
        )
        .await?;
    let hash = auth::hash_password(&auth::random_token())?;
    let mut out = Vec::new();
    for (hamlet, code, member) in rows.into_iter().take(want) {
        let username = format!("bench-phone-{hamlet}");
        if accounts::by_username(db, &username).await?.is_none() {
            let mut conn = db.pool.acquire().await?;
            let id = accounts::create(
                db,
                &mut conn,
                &username,
                &hash,
                Role::TeamMember,
                &code,
                Some("Máy đo"),
            )
            .await?;
            sqlx::query("UPDATE accounts SET member_id = $1 WHERE id = $2")
                .bind(member)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        let (_, token) = tokens::create(db, &username, "sync bench").await?;
        let residents: Vec<(i64,)> = db
            .fetch_all(
                "SELECT id FROM residents WHERE hamlet_id = $1 AND active = 1 ORDER BY id",
                &[hamlet.into()],
            )
            .await?;
        out.push(Phone {
            token,
            residents: residents.into_iter().map(|(r,)| r).collect(),
        });
    }
    Ok(out)
}

/// One-row transactions committed per second by `writers` concurrent writers, each through
/// the application's own write transaction (`BEGIN IMMEDIATE` on SQLite).
async fn raw_commits(db: &Db, writers: usize, window: Duration) -> Result<f64> {
    let start = db
        .scalar_i64("SELECT COALESCE(MAX(id), 0) FROM bench_commits", &[])
        .await?;
    let deadline = Instant::now() + window;
    let mut tasks = Vec::new();
    for w in 0..writers as i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0i64;
            while Instant::now() < deadline {
                let id = start + 1 + w + n * writers as i64;
                let mut tx = db.begin_write().await?;
                sqlx::query("INSERT INTO bench_commits (id, writer, at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(w)
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                n += 1;
            }
            Ok::<i64, congdongso::error::AppError>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("writer task")?;
    }
    Ok(total as f64 / window.as_secs_f64())
}

/// Help records applied within the window by `phones` sending batches in a loop, and each
/// request's time.
async fn sync_load(
    addr: std::net::SocketAddr,
    phones: &[Phone],
    batch: usize,
    window: Duration,
) -> (u64, Vec<Duration>) {
    let deadline = Instant::now() + window;
    let today = congdongso::db::today();
    let mut tasks = Vec::new();
    for (p, phone) in phones.iter().enumerate() {
        let token = phone.token.clone();
        let residents = phone.residents.clone();
        let today = today.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(p as u64 + 1);
            let mut conn = TcpStream::connect(addr).await.expect("connect");
            conn.set_nodelay(true).ok();
            let mut applied = 0u64;
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let records: Vec<serde_json::Value> = (0..batch)
                    .map(|_| {
                        serde_json::json!({
                            "id": uuid(&mut rng),
                            "type": "help",
                            "resident_id": residents[rng.gen_range(0..residents.len())],
                            "service": SERVICES[rng.gen_range(0..SERVICES.len())],
                            "done": rng.gen_bool(0.7),
                            "date": today,
                        })
                    })
                    .collect();
                let body =
                    serde_json::json!({"device_id": format!("bench-{p}"), "records": records})
                        .to_string();
                let started = Instant::now();
                let answer = post(&mut conn, &token, &body).await;
                // Only what the server acknowledged before the window closed counts.
                if Instant::now() > deadline {
                    break;
                }
                times.push(started.elapsed());
                let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON answer");
                applied += v["results"]
                    .as_array()
                    .expect("results")
                    .iter()
                    .filter(|r| r["status"] == "applied")
                    .count() as u64;
            }
            (applied, times)
        }));
    }
    let mut applied = 0;
    let mut times = Vec::new();
    for t in tasks {
        let (a, ts) = t.await.expect("phone task");
        applied += a;
        times.extend(ts);
    }
    (applied, times)
}

fn uuid(rng: &mut impl Rng) -> String {
    let b: [u8; 16] = rng.r#gen();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// One HTTP/1.1 request on a kept-alive connection; the answer's body.
async fn post(conn: &mut TcpStream, token: &str, body: &str) -> String {
    let head = format!(
        "POST /api/v1/sync HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.expect("send");
    conn.write_all(body.as_bytes()).await.expect("send");
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let (header_end, length) = loop {
        let n = conn.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .expect("content-length");
            break (end + 4, length);
        }
    };
    while buf.len() < header_end + length {
        let n = conn.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf[header_end..header_end + length]).into_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident memory so far (Linux), in MB.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
