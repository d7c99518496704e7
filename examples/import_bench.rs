//! Times the resident import on a large list (see docs/benchmarks.md):
//!
//! ```sh
//! cargo run --release --example import_bench -- --rows 100000
//! cargo run --release --example import_bench -- --rows 100000 --database-url postgres://postgres@127.0.0.1:5432/bench
//! ```
//!
//! It seeds the demo commune into an empty database, writes a workbook of `--rows` new
//! residents spread over the 17 hamlets (3–4 to a household, with the usual mess: citizen IDs
//! as numbers, old 11-digit phones, names in capitals), then reads, compares, applies and
//! imports it a second time, printing each step's time.

use clap::Parser;
use congdongso::crypto::Keys;
use congdongso::db::{self, Db};
use congdongso::demo::{self, DemoOptions};
use rand::{Rng, SeedableRng};
use rust_xlsxwriter::Workbook;
use std::time::Instant;

// With `--features mimalloc` or `--features jemalloc`, that allocator instead of glibc's
// malloc (compared in docs/benchmarks.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
struct Cli {
    /// An empty database (default: a new SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Kim"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Khoa", "Lan", "Mai", "Nam", "Phúc", "Quyên",
    "Sơn", "Tâm", "Uyên", "Vy",
];

/// `all_province_app`: every row marks Tây Ninh Smart done (the update run).
fn workbook(rows: usize, all_province_app: bool) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "Mã hộ",
        "Ấp",
        "Quan hệ với chủ hộ",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Số điện thoại",
        "Điện thoại thông minh",
        "VNeID mức 2",
        "Tây Ninh Smart",
        "Thanh toán không dùng tiền mặt",
        "Tham gia nhóm Zalo ấp",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut household = 0;
    let mut in_household = 0;
    let mut size = 0;
    for i in 0..rows {
        if in_household == size {
            household += 1;
            in_household = 0;
            size = rng.gen_range(3..=4);
        }
        in_household += 1;
        let r = (i + 1) as u32;
        let hamlet = household % 17 + 1;
        let female = rng.gen_bool(0.5);
        let year: u32 = rng.gen_range(1940..=2020);
        let name = format!(
            "{} {} {}",
            FAMILY[rng.gen_range(0..FAMILY.len())],
            if female {
                "Thị"
            } else {
                MIDDLE[rng.gen_range(0..MIDDLE.len())]
            },
            GIVEN[rng.gen_range(0..GIVEN.len())]
        );
        let name = if i % 10 == 0 {
            name.to_uppercase()
        } else {
            name
        };
        let century_gender = (year / 100 - 19) * 2 + female as u32;
        let cccd = format!("072{century_gender}{:02}{:06}", year % 100, i);
        let yes = |rng: &mut rand::rngs::StdRng, p: f64| if rng.gen_bool(p) { "x" } else { "" };
        ws.write_string(r, 0, format!("B{hamlet:02}-{household:06}"))?;
        ws.write_string(r, 1, format!("Ấp {hamlet}"))?;
        ws.write_string(
            r,
            2,
            if in_household == 1 {
                "Chủ hộ"
            } else {
                "Con"
            },
        )?;
        ws.write_string(r, 3, &name)?;
        ws.write_string(
            r,
            4,
            format!(
                "{:02}/{:02}/{year}",
                rng.gen_range(1..=28),
                rng.gen_range(1..=12)
            ),
        )?;
        ws.write_string(r, 5, if female { "Nữ" } else { "Nam" })?;
        // Leading zero lost, as Excel does to a number.
        ws.write_number(r, 6, cccd.parse::<f64>().unwrap_or(0.0))?;
        let phone = if i % 7 == 0 {
            format!("0168{:07}", i % 10_000_000)
        } else {
            format!("+84 9{:08}", i % 100_000_000)
        };
        ws.write_string(r, 7, phone)?;
        ws.write_string(r, 8, yes(&mut rng, 0.7))?;
        ws.write_string(r, 9, yes(&mut rng, 0.5))?;
        let province_app = yes(&mut rng, 0.3);
        ws.write_string(r, 10, if all_province_app { "x" } else { province_app })?;
        ws.write_string(r, 11, yes(&mut rng, 0.4))?;
        ws.write_string(r, 12, yes(&mut rng, 0.6))?;
    }
    wb.save_to_buffer()
}

/// Starts the peak over from the memory in use now (Linux: writing 5 to clear_refs resets
/// VmHWM), so a step's peak is its own and not the workbook generator's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> String {
    status_mb("VmHWM:")
}

/// A memory line of /proc/self/status (`VmHWM:` the peak, `VmRSS:` now), in MB.
fn status_mb(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or("?".into(), |kb| format!("{:.0} MB", kb / 1024.0))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let dir = tempfile::tempdir()?;
    let url = cli
        .database_url
        .unwrap_or_else(|| format!("sqlite://{}/import.db", dir.path().display()));
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let keys = Keys::from_master(b"import benchmark key, not secret");
    demo::seed(
        &db,
        &keys,
        "benchmark",
        &DemoOptions {
            households_per_hamlet: 20,
            seed: 1,
        },
    )
    .await?
    .ok_or("the database is not empty: give an empty one")?;
    let commune = db::areas::by_code(&db, "rach-kien")
        .await?
        .ok_or("the demo commune is missing")?
        .id;

    let t = Instant::now();
    let bytes = workbook(cli.rows, false)?;
    println!(
        "workbook: {} rows, {:.1} MB, written in {:.2} s",
        cli.rows,
        bytes.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let table = congdongso::import::read::table("list.xlsx", &bytes)?;
    let sheet = congdongso::import::residents(&table, "2026-12-01")?;
    println!(
        "read + parse: {:.2} s ({} rows, {} rejected)",
        t.elapsed().as_secs_f64(),
        sheet.rows.len(),
        sheet.rejected.len()
    );
    drop((table, sheet));
    // The workbook's generator and the read above freed what they used, but glibc keeps freed
    // memory for the process; a server has not generated a workbook before an upload.
    congdongso::memory::give_back();

    let today = "2026-12-01";
    reset_peak();
    println!(
        "memory in use before the preview (the workbook and what the allocator kept): {}",
        status_mb("VmRSS:")
    );
    let t = Instant::now();
    let prepared =
        db::imports::prepare_residents(&db, &keys, commune, "list.xlsx", bytes.clone(), today)
            .await?;
    let p = &prepared.plan;
    println!(
        "preview (read, parse, compare): {:.2} s — add {}, update {}, unchanged {}, rejected {}, households {}",
        t.elapsed().as_secs_f64(),
        p.adds(),
        p.updates(),
        p.unchanged(),
        p.rejected.len(),
        p.new_households.len()
    );
    for r in p.rejected.iter().take(5) {
        println!("  rejected line {} {}: {}", r.line, r.column, r.reason);
    }
    println!("peak memory of the preview: {}", peak_rss_mb());
    let t = Instant::now();
    let src = db::imports::Source {
        commune_id: commune,
        account_id: None,
        file_name: "list.xlsx",
    };
    let updates = std::sync::Mutex::new(0usize);
    let applied = db::imports::apply_residents(&db, &keys, &src, prepared, &|_, _| {
        if let Ok(mut n) = updates.lock() {
            *n += 1;
        }
    })
    .await?;
    println!(
        "apply (one transaction, indicators refreshed): {:.2} s — added {}, {} progress updates",
        t.elapsed().as_secs_f64(),
        applied.added,
        updates.lock().map(|n| *n).unwrap_or(0)
    );
    println!(
        "peak memory of the import (preview kept, then applied): {}",
        peak_rss_mb()
    );

    let t = Instant::now();
    let again =
        db::imports::prepare_residents(&db, &keys, commune, "list.xlsx", bytes, today).await?;
    println!(
        "second import preview: {:.2} s — add {}, update {}, unchanged {}",
        t.elapsed().as_secs_f64(),
        again.plan.adds(),
        again.plan.updates(),
        again.plan.unchanged()
    );
    drop(again);

    // The same people, now all with Tây Ninh Smart: an update for everyone who had not.
    let changed = workbook(cli.rows, true)?;
    let t = Instant::now();
    let prepared =
        db::imports::prepare_residents(&db, &keys, commune, "list.xlsx", changed, today).await?;
    println!(
        "update preview: {:.2} s — add {}, update {}, unchanged {}",
        t.elapsed().as_secs_f64(),
        prepared.plan.adds(),
        prepared.plan.updates(),
        prepared.plan.unchanged()
    );
    let t = Instant::now();
    let applied = db::imports::apply_residents(&db, &keys, &src, prepared, &|_, _| {}).await?;
    println!(
        "apply updates: {:.2} s — updated {}",
        t.elapsed().as_secs_f64(),
        applied.updated
    );
    println!("peak memory since the first preview: {}", peak_rss_mb());
    Ok(())
}
