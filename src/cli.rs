//! The command-line commands: serve, migrate, user, demo.

use crate::auth::{self, Role};
use crate::config::{Cli, Command, ImportCommand, ServeArgs, Settings, TokenCommand, UserCommand};
use crate::crypto::Keys;
use crate::db::{self, Db};
use crate::demo::{self, DemoOptions};
use crate::error::{AppError, Result};
use crate::web::{self, AppState};
use std::io::BufRead;
use std::sync::Arc;

pub async fn run(cli: Cli) -> Result<()> {
    let addr_flag = match &cli.command {
        Command::Serve(a) => a.addr.clone(),
        _ => None,
    };
    let settings = Settings::resolve(&cli, addr_flag.as_deref())?;
    if let Some(day) = settings
        .today
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        // Dashboards, indicators and reports all take the same day as today.
        crate::indicators::period::set_today(day);
        eprintln!(
            "Ngày hệ thống được đặt là {} (CONGDONGSO_TODAY).",
            day.format("%d/%m/%Y")
        );
    }
    // A restore replaces the database file: nothing may hold it open meanwhile.
    if let Command::Restore { file, yes } = &cli.command {
        return restore(&settings, file, *yes).await;
    }
    let db = Db::connect(&settings.database_url).await?;
    // A backup copies the database as it is, and tokens touch one table: neither migrates or
    // rebuilds a database a running (older) server may be using.
    if matches!(cli.command, Command::Backup { .. } | Command::Token(_)) {
        return maintenance(&db, &settings, cli.command).await;
    }
    let ran = db.migrate().await?;
    if ran > 0 {
        println!("Đã áp dụng {ran} bước cập nhật cơ sở dữ liệu.");
    }
    let built = db::indicator_sources::ensure_built(&db).await?;
    if built > 0 {
        println!("Đã tính lại chỉ tiêu cho {built} xã.");
    }
    match cli.command {
        Command::Migrate => {
            println!("Cơ sở dữ liệu ở phiên bản {}.", db.schema_version().await?);
            Ok(())
        }
        Command::Demo => {
            let keys = load_keys(&settings)?;
            seed_demo(&db, &keys).await
        }
        Command::User(UserCommand::Add {
            username,
            role,
            area,
            full_name,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::invalid(format!(
                    "Vai trò «{role}» không có. Chọn một trong: {}.",
                    Role::ALL.map(|r| r.as_str()).join(", ")
                ))
            })?;
            let password = read_password(&username)?;
            let hash = auth::hash_password(&password)?;
            let mut tx = db.begin_write().await?;
            db::accounts::create(
                &db,
                &mut tx,
                &username,
                &hash,
                role,
                &area,
                full_name.as_deref(),
            )
            .await?;
            tx.commit().await?;
            println!(
                "Đã tạo tài khoản {username} ({}) tại {area}.",
                role.as_str()
            );
            Ok(())
        }
        Command::User(UserCommand::Passwd { username }) => {
            let password = read_password(&username)?;
            db::accounts::set_password(&db, &username, &password).await?;
            println!("Đã đổi mật khẩu của {username}.");
            Ok(())
        }
        Command::Report(args) => report(&db, &settings, &args).await,
        Command::Import(cmd) => import(&db, &settings, cmd).await,
        Command::Backup { .. } | Command::Token(_) | Command::Restore { .. } => {
            maintenance(&db, &settings, cli.command).await
        }
        Command::Serve(args) => {
            let keys = load_keys(&settings)?;
            let https = https(&args, &settings)?;
            if args.demo {
                seed_demo(&db, &keys).await?;
            }
            let db = with_replicas(db, &settings).await?;
            let mut settings = settings;
            if let Some(h) = &https {
                // Served over HTTPS only: cookies never travel in clear, and HSTS is sent.
                settings.secure_cookies = true;
                settings.https = Some(match h {
                    web::tls::Https::Files { cert, .. } => {
                        format!("chứng chỉ từ tệp {}", cert.display())
                    }
                    web::tls::Https::Acme(a) => format!(
                        "chứng chỉ tự động (ACME) cho {} từ {}",
                        a.domains.join(", "),
                        a.directory
                    ),
                });
            }
            serve(db, keys, settings, https, args.http_addr).await
        }
    }
}

/// The replicas of `CONGDONGSO_DATABASE_REPLICA_URL`, checked once before the server answers
/// and then every second.
async fn with_replicas(db: Db, settings: &Settings) -> Result<Db> {
    if settings.replica_urls.is_empty() {
        return Ok(db);
    }
    if db.backend != db::Backend::Postgres {
        return Err(AppError::Config(
            "Bản sao chỉ đọc (CONGDONGSO_DATABASE_REPLICA_URL) chỉ dùng được với PostgreSQL."
                .into(),
        ));
    }
    let replicas = db::replicas::Replicas::new(
        &settings.replica_urls,
        std::time::Duration::from_secs(settings.replica_max_lag_seconds),
        std::time::Duration::from_secs(settings.replica_sticky_seconds),
    )?;
    let db = db.with_replicas(replicas);
    for r in db.check_replicas().await {
        println!(
            "Bản sao {}: {}",
            r.label,
            if r.usable {
                "sẵn sàng phục vụ các trang chỉ đọc"
            } else {
                "chưa dùng được (không trả lời hoặc chậm hơn mức cho phép)"
            }
        );
    }
    db.watch_replicas();
    Ok(db)
}

/// The commands that work on the database as it is, without migrating it.
async fn maintenance(db: &Db, settings: &Settings, command: Command) -> Result<()> {
    match command {
        Command::Backup { output } => {
            let done = db::backup::backup(db, &settings.database_url, &output).await?;
            println!(
                "Đã sao lưu cơ sở dữ liệu (phiên bản {}, {} byte) vào {}.",
                done.schema_version,
                done.bytes,
                done.path.display()
            );
            println!(
                "Hãy cất cả tệp khóa bí mật ({}) ở nơi an toàn: thiếu nó, số CCCD trong bản sao lưu không đọc được.",
                settings.secret_file.display()
            );
            Ok(())
        }
        Command::Token(TokenCommand::Create { username, label }) => {
            let (id, token) = db::tokens::create(db, &username, &label).await?;
            eprintln!(
                "Mã truy cập số {id} cho {username} (giữ kín; chỉ hiện một lần; thu hồi: congdongso token revoke --id {id}):"
            );
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::List { username }) => {
            for t in db::tokens::list(db, &username).await? {
                let state = if t.revoked_at.is_some() {
                    "đã thu hồi"
                } else {
                    "đang dùng"
                };
                println!("{:>5}  {state:<11}  {}", t.id, t.label);
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            db::tokens::revoke(db, id).await?;
            println!("Đã thu hồi mã truy cập số {id}.");
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Writes one report to a file; approved hamlet reports keep the figures they were approved with.
async fn report(db: &Db, settings: &Settings, args: &crate::config::ReportArgs) -> Result<()> {
    use crate::indicators::Period;
    use crate::reports::{Format, build::Kind};
    let area = db::areas::by_code(db, args.area.trim())
        .await?
        .ok_or_else(|| {
            AppError::invalid(format!("Không có ấp, xã hoặc tỉnh nào mã «{}».", args.area))
        })?;
    let format = Format::parse(&args.format)
        .ok_or_else(|| AppError::invalid("Định dạng phải là docx, xlsx hoặc pdf."))?;
    let period = Period::parse(args.period.trim())?;
    let today = settings.today();
    if args.kind == "settlement" || args.kind == "payments" {
        let commune = area
            .commune_id
            .filter(|_| area.level == "commune")
            .ok_or_else(|| AppError::invalid("Kinh phí được theo dõi theo xã: --area là mã xã."))?;
        let bytes = match (args.kind.as_str(), &period) {
            ("payments", Period::Month(m)) => {
                db::funding::payment_file(db, commune, *m, &today, format).await?
            }
            ("payments", _) => {
                return Err(AppError::invalid(
                    "Danh sách chi theo tháng: --period 2026-11.",
                ));
            }
            _ => db::funding::settlement_file(db, commune, &period, &today, format).await?,
        };
        std::fs::write(&args.output, &bytes).map_err(|e| {
            AppError::invalid(format!("Không ghi được tệp {}: {e}", args.output.display()))
        })?;
        println!(
            "Đã ghi {} {} của xã {} ({} byte) vào {}.",
            if args.kind == "payments" {
                "danh sách chi"
            } else {
                "báo cáo quyết toán kinh phí"
            },
            period.label_lower(),
            area.name,
            bytes.len(),
            args.output.display()
        );
        return Ok(());
    }
    let kind = Kind::parse(&args.kind)
        .ok_or_else(|| AppError::invalid("Loại báo cáo phải là monthly, quarterly hoặc yearly."))?;
    // The operator at the machine reads the database itself: the file keeps the names.
    let who = db::report_data::Audience {
        today: &today,
        personal: true,
    };
    let bytes = db::report_data::file(db, &area, &period, kind, format, who).await?;
    std::fs::write(&args.output, &bytes).map_err(|e| {
        AppError::invalid(format!("Không ghi được tệp {}: {e}", args.output.display()))
    })?;
    println!(
        "Đã ghi báo cáo {} của {} ({} byte) vào {}.",
        period.label_lower(),
        area.name,
        bytes.len(),
        args.output.display()
    );
    Ok(())
}

/// Prints an import's preview and, unless it is a dry run, applies it. Fails (non-zero exit)
/// when the file cannot be read or no row can be taken.
async fn import(db: &Db, settings: &Settings, cmd: ImportCommand) -> Result<()> {
    use db::imports::{self, Source};
    let (residents, args) = match cmd {
        ImportCommand::Residents(a) => (true, a),
        ImportCommand::Members(a) => (false, a),
    };
    let commune = db::areas::by_code(db, args.commune.trim())
        .await?
        .filter(|a| a.level == "commune")
        .ok_or_else(|| AppError::invalid(format!("Không có xã nào mã «{}».", args.commune)))?;
    let bytes = std::fs::read(&args.file).map_err(|e| {
        AppError::invalid(format!("Không đọc được tệp {}: {e}", args.file.display()))
    })?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let src = Source {
        commune_id: commune.id,
        account_id: None,
        file_name: &file_name,
    };
    eprintln!("Đang đọc {} …", args.file.display());
    let (preview, writes, nothing_valid) = if residents {
        let keys = load_keys(settings)?;
        let prepared =
            imports::prepare_residents(db, &keys, commune.id, &file_name, bytes, &settings.today())
                .await?;
        let p = &prepared.plan;
        let preview = crate::import::preview::residents(p);
        let writes = p.writes();
        let nothing = p.items.is_empty();
        if args.dry_run || !writes {
            (preview, writes, nothing)
        } else {
            println!("{preview}");
            let progress = |done: usize, total: usize| {
                eprint!("\rĐang ghi: {done}/{total} nhân khẩu");
                if done == total {
                    eprintln!();
                }
            };
            let applied = imports::apply_residents(db, &keys, &src, prepared, &progress).await?;
            println!(
                "Đã nhập vào {}: thêm {} nhân khẩu ({} hộ mới), cập nhật {}, giữ nguyên {}, từ chối {}.",
                commune.name,
                applied.added,
                applied.households_added,
                applied.updated,
                applied.unchanged,
                applied.rejected
            );
            return Ok(());
        }
    } else {
        let p = imports::prepare_members(db, commune.id, &file_name, &bytes).await?;
        let preview = crate::import::preview::members(&p);
        let writes =
            p.count(|a| !matches!(a, crate::import::members::MemberAction::Unchanged(_))) > 0;
        let nothing = p.items.is_empty();
        if args.dry_run || !writes {
            (preview, writes, nothing)
        } else {
            println!("{preview}");
            let applied = imports::apply_members(db, &src, &p).await?;
            println!(
                "Đã nhập vào {}: thêm {} thành viên, cập nhật {}, giữ nguyên {}, từ chối {}.",
                commune.name, applied.added, applied.updated, applied.unchanged, applied.rejected
            );
            return Ok(());
        }
    };
    println!("{preview}");
    if nothing_valid {
        return Err(AppError::invalid(
            "Không có dòng nào nhập được: sửa các dòng bị từ chối ở trên rồi nhập lại.",
        ));
    }
    if args.dry_run {
        println!("Chạy thử (--dry-run): chưa ghi gì vào cơ sở dữ liệu.");
    } else if !writes {
        println!("Không có gì thay đổi: dữ liệu trong tệp đã có đủ.");
    }
    Ok(())
}

/// Replaces the database with a backup, after the operator confirms.
async fn restore(settings: &Settings, file: &std::path::Path, yes: bool) -> Result<()> {
    if !yes {
        eprintln!(
            "Khôi phục sẽ THAY TOÀN BỘ dữ liệu hiện có ({}) bằng bản sao lưu {}. Hãy dừng máy chủ trước. \
             Gõ «dong y» để tiếp tục:",
            db::backup::split_password(settings.database_url.split('?').next().unwrap_or("")).0,
            file.display()
        );
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| AppError::invalid(format!("Không đọc được câu trả lời: {e}")))?;
        if crate::text::fold(line.trim()) != "dong y" {
            return Err(AppError::invalid("Đã hủy: dữ liệu hiện có giữ nguyên."));
        }
    }
    let done = db::backup::restore(&settings.database_url, file).await?;
    println!(
        "Đã khôi phục cơ sở dữ liệu (phiên bản {}) từ {}.",
        done.schema_version,
        file.display()
    );
    Ok(())
}

fn load_keys(settings: &Settings) -> Result<Keys> {
    Keys::load(settings.secret_key.as_deref(), &settings.secret_file)
}

/// A password for `username`: the first line of standard input, held to the password policy.
fn read_password(username: &str) -> Result<String> {
    eprintln!("Nhập mật khẩu (một dòng):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::invalid(format!("Không đọc được mật khẩu: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    crate::password_policy::check(username, &password)?;
    Ok(password)
}

async fn seed_demo(db: &Db, keys: &Keys) -> Result<()> {
    let chosen = std::env::var("CONGDONGSO_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let password = chosen
        .clone()
        .unwrap_or_else(|| auth::random_token()[..12].to_string());
    let mut options = DemoOptions::default();
    // Tests and small machines can ask for a smaller demo commune.
    if let Some(n) = std::env::var("CONGDONGSO_DEMO_HOUSEHOLDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        options.households_per_hamlet = n;
    }
    let started = std::time::Instant::now();
    let seeded = demo::seed(db, keys, &password, &options).await?;
    match &seeded {
        Some(summary) => println!(
            "Đã tạo xã mẫu Rạch Kiến: {} hộ, {} nhân khẩu ({:.1} giây).",
            summary.households,
            summary.residents,
            started.elapsed().as_secs_f64()
        ),
        None => println!("Cơ sở dữ liệu đã có dữ liệu: giữ nguyên, không tạo lại xã mẫu."),
    }
    println!("Tài khoản mẫu:");
    for a in demo::account_list() {
        println!(
            "  {:<12} {:<16} {}",
            a.username,
            a.role.as_str(),
            a.area_code
        );
    }
    println!(
        "Báo cáo tháng được tính hạn theo ngày hôm nay; để diễn tập một tháng của kế hoạch \
         (ví dụ nộp báo cáo tháng 5 đúng hạn), đặt CONGDONGSO_TODAY=2026-05-20."
    );
    match (seeded.is_some(), chosen.is_some()) {
        (true, false) => {
            println!("Mật khẩu của mọi tài khoản mẫu: {password}");
            println!("(đặt CONGDONGSO_DEMO_PASSWORD để chọn mật khẩu khác)");
        }
        (true, true) => println!("Mật khẩu: giá trị của CONGDONGSO_DEMO_PASSWORD."),
        (false, _) => println!(
            "Mật khẩu: mật khẩu đã in ra khi xã mẫu được tạo lần đầu \
             (đổi bằng: congdongso user passwd --username …)."
        ),
    }
    Ok(())
}

/// Where the HTTPS certificate comes from, if the server serves HTTPS itself.
fn https(args: &ServeArgs, settings: &Settings) -> Result<Option<web::tls::Https>> {
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        return Ok(Some(web::tls::Https::Files {
            cert: cert.clone(),
            key: key.clone(),
        }));
    }
    if args.acme_domain.is_empty() {
        if args.http_addr.is_some() {
            return Err(AppError::Config(
                "--http-addr chuyển khách sang HTTPS nên cần --tls-cert/--tls-key hoặc --acme-domain."
                    .into(),
            ));
        }
        return Ok(None);
    }
    let mut domains = Vec::new();
    for d in &args.acme_domain {
        let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
        if !crate::text::is_domain_name(&d) {
            return Err(AppError::Config(format!(
                "«{d}» không phải một tên miền (ví dụ: congdongso.rachkien.gov.vn)."
            )));
        }
        domains.push(d);
    }
    if let Some(e) = &args.acme_email
        && !e.contains('@')
    {
        return Err(AppError::Config(format!(
            "«{e}» không phải một địa chỉ thư điện tử."
        )));
    }
    Ok(Some(web::tls::Https::Acme(web::tls::Acme {
        domains,
        email: args.acme_email.clone(),
        directory: args.acme_directory.clone(),
        cache_dir: args
            .acme_cache
            .clone()
            .unwrap_or_else(|| web::tls::default_cache_dir(&settings.secret_file)),
        directory_root: args.acme_directory_root.clone(),
    })))
}

async fn bind(addr: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| AppError::Config(format!("Không mở được cổng {addr}: {e}")))
}

async fn serve(
    db: Db,
    keys: Keys,
    settings: Settings,
    https: Option<web::tls::Https>,
    http_addr: Option<String>,
) -> Result<()> {
    let listener = bind(&settings.addr).await?;
    let local = listener
        .local_addr()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let tls = match &https {
        None => None,
        Some(web::tls::Https::Files { cert, key }) => {
            Some(Arc::new(web::tls::Acceptor::from_files(cert, key)?))
        }
        Some(web::tls::Https::Acme(acme)) => {
            println!(
                "Lấy chứng chỉ HTTPS cho {} từ {} (lưu ở {}).",
                acme.domains.join(", "),
                acme.directory,
                acme.cache_dir.display()
            );
            Some(Arc::new(web::tls::Acceptor::acme(acme)?))
        }
    };
    // Always watching: the sysadmin may turn the nightly backup on in the web.
    tokio::spawn(nightly_backups(db.clone(), settings.clone()));
    let limits = web::server::Limits {
        header_timeout: std::time::Duration::from_secs(settings.header_timeout_seconds),
        max_per_address: settings.max_connections_per_address,
        trusted_proxies: settings.trusted_proxies.clone(),
    };
    if let Some(addr) = http_addr {
        let redirect = bind(&addr).await?;
        let shown = redirect
            .local_addr()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        println!("Địa chỉ http://{shown}/ chuyển sang HTTPS.");
        let app = web::tls::to_https(local.port());
        tokio::spawn(web::server::serve(
            redirect,
            app,
            limits.clone(),
            None,
            std::future::pending(),
        ));
    }
    let state = AppState::new(db, keys, settings);
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("Cộng Đồng Số đang chạy tại {scheme}://{local}/");
    let app = web::router(Arc::new(state));
    web::server::serve(listener, app, limits, tls, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

/// Every night at 02:00 (Vietnam), when on, a backup into the folder; the oldest beyond
/// `keep` go. Whether it is on and how many to keep are read again every few minutes (the
/// sysadmin's page changes them).
async fn nightly_backups(db: Db, settings: Settings) {
    let url = settings.database_url.clone();
    let folder = settings.backup_folder();
    let mut told = None;
    loop {
        let plan = match db::backup::nightly_plan(
            &db,
            settings.backup_dir.as_deref(),
            &folder,
            settings.backup_keep,
        )
        .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e.user_message_for_cli(), "nightly backup settings unreadable");
                tokio::time::sleep(std::time::Duration::from_secs(300)).await;
                continue;
            }
        };
        if told.as_ref() != Some(&plan) {
            if plan.on {
                println!(
                    "Sao lưu hằng đêm lúc 02:00 vào {}, giữ {} bản gần nhất.",
                    plan.dir.display(),
                    plan.keep
                );
            }
            told = Some(plan.clone());
        }
        let (dir, keep) = (plan.dir.clone(), plan.keep);
        if !plan.on {
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            continue;
        }
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::error!(error = %e, "backup folder cannot be created");
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            continue;
        }
        // The wall clock is read every few minutes, so a machine that slept or was off at
        // 02:00 makes the missed backup as soon as it runs again.
        let stamp = (chrono::Utc::now() + chrono::Duration::hours(7))
            .format("%Y%m%d-%H%M%S")
            .to_string();
        if !db::backup::nightly_due(db::backup::newest_in(&dir).as_deref(), &stamp) {
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            continue;
        }
        match db::backup::nightly(&db, &url, (&dir, keep), &stamp).await {
            Ok((done, removed)) => tracing::info!(
                file = %done.path.display(),
                bytes = done.bytes,
                removed = removed.len(),
                "nightly backup written"
            ),
            Err(e) => tracing::error!(error = %e.user_message_for_cli(), "nightly backup failed"),
        }
    }
}
