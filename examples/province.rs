//! A synthetic province and a benchmark of the indicators on it (see docs/benchmarks.md).
//!
//! ```sh
//! cargo run --release --example province -- generate --database-url sqlite:///tmp/p/province.db
//! cargo run --release --example province -- bench --database-url sqlite:///tmp/p/province.db
//! ```
//!
//! `bench` sends real requests through the application's router in-process (no network, so
//! the figures are the server's own time), on the real database, with real sessions.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::{Args, Parser, Subcommand};
use congdongso::auth::{self, Role};
use congdongso::config::Settings;
use congdongso::crypto::Keys;
use congdongso::db::{Backend, Db, accounts};
use congdongso::demo::{self, ProvinceOptions};
use congdongso::error::{AppError, Result};
use congdongso::web::{self, AppState};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Parser)]
#[command(about = "Tỉnh thử nghiệm: tạo dữ liệu quy mô tỉnh và đo thời gian trả lời chỉ tiêu")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Target {
    /// sqlite://<path> or postgres://…
    #[arg(long)]
    database_url: String,
    /// The key protecting citizen IDs (default: secret.key next to a SQLite file, else
    /// data/secret.key, as the server does).
    #[arg(long)]
    secret_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Write the demo commune and more communes under its province.
    Generate {
        #[command(flatten)]
        target: Target,
        /// Communes in the province, the demo commune included.
        #[arg(long, default_value_t = 96)]
        communes: usize,
        /// Hamlets of each added commune (the demo commune keeps 17).
        #[arg(long, default_value_t = 17)]
        hamlets: usize,
        #[arg(long, default_value_t = 590)]
        households_per_hamlet: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Password of the demo accounts (random if not given).
        #[arg(long)]
        password: Option<String>,
    },
    /// Time the indicator API and the dashboards.
    Bench {
        #[command(flatten)]
        target: Target,
        /// Timed requests per route.
        #[arg(long, default_value_t = 50)]
        requests: usize,
        /// Untimed rounds over every route first.
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// The period asked for (month, quarter or year).
        #[arg(long, default_value = "2026-11")]
        period: String,
        /// The commune whose admin asks for the commune routes.
        #[arg(long, default_value = "rach-kien")]
        commune: String,
        /// Then this many concurrent readers of the province's year (page and indicators API),
        /// each sending `--requests` requests (0: skip).
        #[arg(long, default_value_t = 8)]
        readers: usize,
        /// While the concurrent readers run, this many writes a second, each in a commune
        /// picked at random (an activity confirmed or unconfirmed): what the province's kept
        /// figures cost when communes keep changing.
        #[arg(long, default_value_t = 0.0)]
        writes_per_second: f64,
    },
    /// Time one SQL query through the application's pool (to see what a route spends on it).
    Sql {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 20)]
        requests: usize,
        query: String,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Generate {
            target,
            communes,
            hamlets,
            households_per_hamlet,
            seed,
            password,
        } => {
            let opts = ProvinceOptions {
                communes,
                hamlets_per_commune: hamlets,
                households_per_hamlet,
                seed,
            };
            generate(&target, &opts, password).await
        }
        Command::Bench {
            target,
            requests,
            warmup,
            period,
            commune,
            readers,
            writes_per_second,
        } => {
            let load = Load {
                readers,
                writes_per_second,
            };
            bench(&target, requests.max(1), warmup, &period, &commune, load).await
        }
        Command::Sql {
            target,
            requests,
            query,
        } => time_sql(&target, requests.max(1), &query).await,
    };
    if let Err(e) = outcome {
        eprintln!("Lỗi: {e}");
        std::process::exit(1);
    }
}

fn secret_file(t: &Target) -> PathBuf {
    if let Some(f) = &t.secret_file {
        return f.clone();
    }
    match sqlite_path(&t.database_url).and_then(|p| p.parent()) {
        Some(dir) => dir.join("secret.key"),
        None => PathBuf::from("data/secret.key"),
    }
}

fn sqlite_path(url: &str) -> Option<&Path> {
    url.strip_prefix("sqlite://")
        .map(|p| Path::new(p.split('?').next().unwrap_or(p)))
}

async fn open(t: &Target) -> Result<(Db, Keys)> {
    let keys = Keys::load(None, &secret_file(t))?;
    let db = Db::connect(&t.database_url).await?;
    db.migrate().await?;
    Ok((db, keys))
}

async fn generate(t: &Target, opts: &ProvinceOptions, password: Option<String>) -> Result<()> {
    let (db, keys) = open(t).await?;
    let password = password.unwrap_or_else(|| auth::random_token()[..12].to_string());
    let started = Instant::now();
    println!(
        "Tạo tỉnh thử nghiệm: {} xã × {} ấp × {} hộ…",
        opts.communes, opts.hamlets_per_commune, opts.households_per_hamlet
    );
    let summary = demo::generate_province(&db, &keys, &password, opts, |d| {
        println!(
            "[{:>3}/{}] {:<16} {:<14} {:>6} hộ {:>7} nhân khẩu {:>6.1} giây (tổng {:.0} giây)",
            d.index,
            d.total,
            d.code,
            d.name,
            d.households,
            d.residents,
            d.seconds,
            started.elapsed().as_secs_f64()
        );
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "Xong: ghi {} xã ({} hộ, {} nhân khẩu) trong {:.0} giây; tỉnh có {} xã.",
        summary.written, summary.households, summary.residents, seconds, summary.communes
    );
    if summary.written > 0 && summary.written == summary.communes {
        println!("Mật khẩu của các tài khoản mẫu (vhxh, so, …): {password}");
    }
    print_size(&db, &t.database_url).await
}

/// Rows in the main tables and the database's size on disk.
async fn print_size(db: &Db, url: &str) -> Result<()> {
    for (label, sql) in [
        ("xã", "SELECT COUNT(*) FROM areas WHERE level = 'commune'"),
        ("ấp", "SELECT COUNT(*) FROM areas WHERE level = 'hamlet'"),
        ("hộ", "SELECT COUNT(*) FROM households"),
        ("nhân khẩu", "SELECT COUNT(*) FROM residents"),
        (
            "trạng thái dịch vụ",
            "SELECT COUNT(*) FROM resident_services",
        ),
        ("lượt hỗ trợ", "SELECT COUNT(*) FROM help_records"),
        ("hoạt động", "SELECT COUNT(*) FROM activities"),
        (
            "dòng indicator_counts",
            "SELECT COUNT(*) FROM indicator_counts",
        ),
    ] {
        println!("  {label:<22} {:>10}", db.scalar_i64(sql, &[]).await?);
    }
    let bytes = match db.backend {
        Backend::Postgres => {
            db.scalar_i64("SELECT pg_database_size(current_database())", &[])
                .await?
        }
        Backend::Sqlite => {
            let main = sqlite_path(url).unwrap_or(Path::new(""));
            let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() as i64).unwrap_or(0);
            let mut wal = main.as_os_str().to_owned();
            wal.push("-wal");
            size(main) + size(Path::new(&wal))
        }
    };
    println!("  dung lượng cơ sở dữ liệu {:>8.2} GB", bytes as f64 / 1e9);
    Ok(())
}

/// Runs a query `requests` times after one untimed run; the rows are fetched as the data layer
/// fetches them, so the time includes moving them out of the driver.
async fn time_sql(t: &Target, requests: usize, query: &str) -> Result<()> {
    let (db, _) = open(t).await?;
    let rows = sqlx::query(query).fetch_all(&db.pool).await?.len();
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        sqlx::query(query).fetch_all(&db.pool).await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    println!(
        "{rows} dòng; trung vị {:.1} ms, max {:.1} ms ({requests} lần)",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 1.0))
    );
    Ok(())
}

/// Who asks: each route is requested with one of the bench's two sessions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Commune,
    Province,
}

struct Route {
    name: &'static str,
    who: Who,
    path: String,
}

/// Every route measured, in one list so adding a page is one line.
fn routes(period: &str, commune: &str) -> Vec<Route> {
    let year = period.get(..4).unwrap_or(period);
    let hamlet = demo::hamlet_code_of(commune, 3);
    let province = demo::PROVINCE_CODE;
    let r = |name, who, path: String| Route { name, who, path };
    vec![
        r(
            "API chỉ tiêu · ấp",
            Who::Commune,
            format!("/api/v1/indicators?area={hamlet}&period={period}"),
        ),
        r(
            "API chỉ tiêu · xã",
            Who::Commune,
            format!("/api/v1/indicators?area={commune}&period={period}"),
        ),
        r(
            "API chỉ tiêu · tỉnh",
            Who::Province,
            format!("/api/v1/indicators?area={province}&period={period}"),
        ),
        r(
            "API chỉ tiêu · tỉnh, cả năm",
            Who::Province,
            format!("/api/v1/indicators?area={province}&period={year}"),
        ),
        r(
            "Trang chỉ tiêu ấp",
            Who::Commune,
            format!("/dashboard?area={hamlet}&period={period}"),
        ),
        r(
            "Trang chỉ tiêu xã",
            Who::Commune,
            format!("/dashboard?area={commune}&period={period}"),
        ),
        r(
            "Trang toàn tỉnh",
            Who::Province,
            format!("/province?period={period}"),
        ),
        r(
            "Trang toàn tỉnh · cả năm",
            Who::Province,
            format!("/province?period={year}"),
        ),
    ]
}

/// The bench's own account: created on first use, given a fresh password on every run so the
/// bench never needs the demo password.
async fn bench_account(db: &Db, username: &str, role: Role, area: &str) -> Result<String> {
    let password = auth::random_token()[..16].to_string();
    if accounts::by_username(db, username).await?.is_some() {
        accounts::set_password(db, username, &password).await?;
    } else {
        let hash = auth::hash_password(&password)?;
        let mut tx = db.begin_write().await?;
        accounts::create(
            db,
            &mut tx,
            username,
            &hash,
            role,
            area,
            Some("Đo hiệu năng"),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(password)
}

async fn send(app: &Router, req: Request<Body>) -> Result<(StatusCode, Vec<u8>, Option<String>)> {
    let res = app
        .clone()
        .oneshot(req)
        .await
        .map_err(|e| AppError::Internal(format!("router: {e}")))?;
    let status = res.status();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .map_err(|e| AppError::Internal(format!("body: {e}")))?;
    Ok((status, body.to_vec(), cookie))
}

async fn login(app: &Router, username: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let req = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    match send(app, req).await? {
        (StatusCode::OK, _, Some(cookie)) => Ok(cookie),
        (status, body, _) => Err(AppError::Internal(format!(
            "đăng nhập {username}: {status} {}",
            String::from_utf8_lossy(&body)
        ))),
    }
}

async fn get(app: &Router, path: &str, cookie: &str) -> Result<(StatusCode, usize, Duration)> {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let started = Instant::now();
    let (status, body, _) = send(app, req).await?;
    Ok((status, body.len(), started.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The value below which `p` of the sorted samples lie (nearest rank).
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn bench(
    t: &Target,
    requests: usize,
    warmup: usize,
    period: &str,
    commune: &str,
    load: Load,
) -> Result<()> {
    let (db, keys) = open(t).await?;
    congdongso::indicators::Period::parse(period)?;
    print_size(&db, &t.database_url).await?;
    let province_pw =
        bench_account(&db, "bench.tinh", Role::ProvinceViewer, demo::PROVINCE_CODE).await?;
    let commune_user = format!("bench.{commune}");
    let commune_pw = bench_account(&db, &commune_user, Role::CommuneAdmin, commune).await?;
    let app = web::router(Arc::new(AppState::new(
        db.clone(),
        keys,
        Settings::for_tests(&t.database_url),
    )));
    let province_cookie = login(&app, "bench.tinh", &province_pw).await?;
    let commune_cookie = login(&app, &commune_user, &commune_pw).await?;
    let cookie = |who| match who {
        Who::Commune => commune_cookie.as_str(),
        Who::Province => province_cookie.as_str(),
    };

    // A route that does not exist (yet) is reported and left out, not timed.
    let mut live = Vec::new();
    for route in routes(period, commune) {
        let (status, bytes, took) = get(&app, &route.path, cookie(route.who)).await?;
        match status {
            StatusCode::OK => live.push((route, Vec::with_capacity(requests), bytes, took)),
            StatusCode::NOT_FOUND => println!("{}: 404, bỏ qua ({})", route.name, route.path),
            s => {
                return Err(AppError::Internal(format!(
                    "{} trả lời {s} sau {:.0} ms",
                    route.path,
                    ms(took)
                )));
            }
        }
    }
    // Rounds over every route rather than one route at a time, as a busy server sees them.
    for _ in 0..warmup {
        for (route, _, _, _) in &live {
            get(&app, &route.path, cookie(route.who)).await?;
        }
    }
    for _ in 0..requests {
        for (route, samples, _, _) in live.iter_mut() {
            let (status, _, took) = get(&app, &route.path, cookie(route.who)).await?;
            if status != StatusCode::OK {
                return Err(AppError::Internal(format!("{}: {status}", route.path)));
            }
            samples.push(took);
        }
    }
    println!(
        "\n{requests} yêu cầu mỗi đường dẫn (sau {warmup} vòng khởi động), kỳ {period}, xã {commune}:"
    );
    // The first request of each route comes right after the start, before the warm-up: the
    // database's own cache is cold then (the operating system's may not be).
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>7}  đường dẫn",
        "", "trung vị", "p95", "max", "lần đầu", "KB"
    );
    for (route, mut samples, bytes, first) in live {
        samples.sort();
        println!(
            "{:<28} {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>7.1}  {}",
            route.name,
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.95)),
            ms(percentile(&samples, 1.0)),
            ms(first),
            bytes as f64 / 1024.0,
            route.path
        );
    }
    if load.readers > 0 {
        concurrent(&app, &db, &province_cookie, load, requests, period).await?;
    }
    breakdown(&db, requests, period, commune).await
}

/// The concurrent part of the bench.
#[derive(Clone, Copy)]
struct Load {
    readers: usize,
    writes_per_second: f64,
}

/// `readers` tasks at once, each alternating the province page and the indicators API for the
/// year of `period`, with writes in random communes beside them if asked: the latencies of
/// all, and the requests answered per second.
async fn concurrent(
    app: &Router,
    db: &Db,
    cookie: &str,
    load: Load,
    requests: usize,
    period: &str,
) -> Result<()> {
    let readers = load.readers;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = (load.writes_per_second > 0.0).then(|| {
        let (db, stop) = (db.clone(), stop.clone());
        let every = Duration::from_secs_f64(1.0 / load.writes_per_second);
        tokio::spawn(async move { toggle_activities(&db, every, &stop).await })
    });
    let year = period.get(..4).unwrap_or(period);
    let province = demo::PROVINCE_CODE;
    let paths = [
        format!("/province?period={year}"),
        format!("/api/v1/indicators?area={province}&period={year}"),
    ];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for r in 0..readers {
        let (app, cookie, paths) = (app.clone(), cookie.to_string(), paths.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = vec![Vec::new(), Vec::new()];
            for k in 0..requests {
                let which = (r + k) % 2;
                let (status, _, took) = get(&app, &paths[which], &cookie).await?;
                if status != StatusCode::OK {
                    return Err(AppError::Internal(format!("{}: {status}", paths[which])));
                }
                samples[which].push(took);
            }
            Ok::<_, AppError>(samples)
        }));
    }
    let mut all = vec![Vec::new(), Vec::new()];
    for t in tasks {
        let samples = t.await.map_err(|e| AppError::Internal(e.to_string()))??;
        for (which, s) in samples.into_iter().enumerate() {
            all[which].extend(s);
        }
    }
    let elapsed = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = match writer {
        Some(w) => w.await.map_err(|e| AppError::Internal(e.to_string()))??,
        None => 0,
    };
    println!(
        "\n{readers} người đọc cùng lúc, mỗi người {requests} yêu cầu ({:.1} yêu cầu/giây), \
         {writes} lần ghi ({:.1}/giây):",
        (readers * requests) as f64 / elapsed.as_secs_f64(),
        writes as f64 / elapsed.as_secs_f64()
    );
    for (path, mut samples) in paths.iter().zip(all) {
        samples.sort();
        println!(
            "  trung vị {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms  {path}",
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.95)),
            ms(percentile(&samples, 1.0)),
        );
    }
    // The whole process: the server's state, the pools' page caches and the bench itself.
    println!(
        "  bộ nhớ của tiến trình: đang dùng {}, đỉnh {}",
        status_mb("VmRSS:"),
        status_mb("VmHWM:")
    );
    Ok(())
}

/// A memory figure of this process from /proc/self/status (Linux), in MB.
fn status_mb(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(key))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or("?".into(), |kb| format!("{:.0} MB", kb / 1024.0))
}

/// Every `every`, in a commune picked at random, one confirmed activity unconfirmed (or
/// confirmed again), each in its own write transaction, until `stop`; returns how many.
async fn toggle_activities(
    db: &Db,
    every: Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<u64> {
    let ids: Vec<(i64,)> = db
        .fetch_all("SELECT MIN(id) FROM activities GROUP BY commune_id", &[])
        .await?;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    let mut tick = tokio::time::interval(every);
    let mut writes = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) && !ids.is_empty() {
        tick.tick().await;
        let (id,) = ids[rand::Rng::gen_range(&mut rng, 0..ids.len())];
        let mut tx = db.begin_write().await?;
        congdongso::db::query("UPDATE activities SET confirmed = 1 - confirmed WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        writes += 1;
    }
    Ok(writes)
}

/// The data layer alone, without HTTP, sessions or templates: which call the time goes to.
async fn breakdown(db: &Db, requests: usize, period: &str, commune: &str) -> Result<()> {
    use congdongso::db::{areas, indicators};
    use congdongso::indicators::Period;
    let year = period.get(..4).unwrap_or(period);
    let area = |code: &str| {
        let code = code.to_string();
        async move {
            areas::by_code(db, &code)
                .await?
                .ok_or_else(|| AppError::invalid(format!("Không có đơn vị mã «{code}».")))
        }
    };
    let (province, commune) = (area(demo::PROVINCE_CODE).await?, area(commune).await?);
    println!("\nTầng dữ liệu (gọi thẳng, không qua HTTP), trung vị của {requests} lần:");
    for p in [period, year] {
        let p = Period::parse(p)?;
        for a in [&commune, &province] {
            let mut times = [Vec::new(), Vec::new(), Vec::new()];
            for _ in 0..requests {
                let t = Instant::now();
                indicators::figures(db, a, &p).await?;
                times[0].push(t.elapsed());
                let t = Instant::now();
                indicators::overview(db, a, &p).await?;
                times[1].push(t.elapsed());
                let t = Instant::now();
                let to = p.last_month();
                indicators::monthly_series(db, a, to - 11, to, &indicators::trend_metrics())
                    .await?;
                times[2].push(t.elapsed());
            }
            for t in times.iter_mut() {
                t.sort();
            }
            println!(
                "  {:<10} {:<8} figures {:>6.1} ms   overview {:>6.1} ms   monthly_series {:>6.1} ms",
                a.code,
                p.code(),
                ms(percentile(&times[0], 0.5)),
                ms(percentile(&times[1], 0.5)),
                ms(percentile(&times[2], 0.5)),
            );
        }
    }
    Ok(())
}
