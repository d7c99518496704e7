//! The command-line commands: serve, migrate, user, demo.

use crate::auth::{self, Role};
use crate::config::{Cli, Command, Settings, UserCommand};
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
    let db = Db::connect(&settings.database_url).await?;
    let ran = db.migrate().await?;
    if ran > 0 {
        println!("Đã áp dụng {ran} bước cập nhật cơ sở dữ liệu.");
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
            let password = read_password()?;
            let hash = auth::hash_password(&password)?;
            let mut conn = db.pool.acquire().await?;
            db::accounts::create(
                &db,
                &mut conn,
                &username,
                &hash,
                role,
                &area,
                full_name.as_deref(),
            )
            .await?;
            println!(
                "Đã tạo tài khoản {username} ({}) tại {area}.",
                role.as_str()
            );
            Ok(())
        }
        Command::User(UserCommand::Passwd { username }) => {
            let password = read_password()?;
            db::accounts::set_password(&db, &username, &password).await?;
            println!("Đã đổi mật khẩu của {username}.");
            Ok(())
        }
        Command::Serve(args) => {
            let keys = load_keys(&settings)?;
            if args.demo {
                seed_demo(&db, &keys).await?;
            }
            serve(db, keys, settings).await
        }
    }
}

fn load_keys(settings: &Settings) -> Result<Keys> {
    Keys::load(settings.secret_key.as_deref(), &settings.secret_file)
}

/// The first line of standard input, checked for strength.
fn read_password() -> Result<String> {
    eprintln!("Nhập mật khẩu (một dòng):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::invalid(format!("Không đọc được mật khẩu: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    auth::check_password_strength(&password)?;
    Ok(password)
}

async fn seed_demo(db: &Db, keys: &Keys) -> Result<()> {
    let (password, generated) = match std::env::var("CONGDONGSO_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth::random_token()[..12].to_string(), true),
    };
    let started = std::time::Instant::now();
    match demo::seed(db, keys, &password, &DemoOptions::default()).await? {
        Some(summary) => {
            println!(
                "Đã tạo xã mẫu Rạch Kiến: {} hộ, {} nhân khẩu ({:.1} giây).",
                summary.households,
                summary.residents,
                started.elapsed().as_secs_f64()
            );
            println!("Tài khoản mẫu:");
            for a in &summary.accounts {
                println!(
                    "  {:<12} {:<16} {}",
                    a.username,
                    a.role.as_str(),
                    a.area_code
                );
            }
            if generated {
                println!("Mật khẩu của mọi tài khoản mẫu: {password}");
                println!("(đặt CONGDONGSO_DEMO_PASSWORD để chọn mật khẩu khác)");
            } else {
                println!("Mật khẩu: giá trị của CONGDONGSO_DEMO_PASSWORD.");
            }
        }
        None => {
            println!("Cơ sở dữ liệu đã có dữ liệu: không tạo lại xã mẫu.");
            if std::env::var("CONGDONGSO_DEMO_PASSWORD").is_ok_and(|p| !p.is_empty()) {
                println!("Tài khoản mẫu: {}", demo_usernames());
            }
        }
    }
    Ok(())
}

fn demo_usernames() -> String {
    demo::account_list()
        .iter()
        .map(|a| a.username.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn serve(db: Db, keys: Keys, settings: Settings) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.addr)
        .await
        .map_err(|e| AppError::Config(format!("Không mở được cổng {}: {e}", settings.addr)))?;
    let local = listener
        .local_addr()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let state = AppState::new(db, keys, settings);
    println!("Cộng Đồng Số đang chạy tại http://{local}/");
    let app = web::router(Arc::new(state));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}
