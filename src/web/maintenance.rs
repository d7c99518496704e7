//! The sysadmin's page of the server: its settings as they stand (never a secret: the key, a
//! database password), and its backups — the list, one made now, one downloaded (audited:
//! a backup holds every resident's data).

use super::{SharedState, Shell, render, see_other};
use crate::auth::{Caller, Role};
use crate::db::{audit, backup};
use crate::error::AppError;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;

type Result<T, E = AppError> = std::result::Result<T, E>;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/server", get(page))
        .route("/server/backups", post(backup_now))
        .route("/server/nightly", post(set_nightly))
        .route("/server/backups/{name}", get(download))
}

fn sysadmin(caller: &Caller) -> Result<()> {
    if caller.role == Role::Sysadmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The nightly backup as it stands (the web's choice, else the configuration).
async fn plan(s: &SharedState) -> Result<backup::NightlyPlan> {
    backup::nightly_plan(
        &s.db,
        s.settings.backup_dir.as_deref(),
        &s.settings.backup_folder(),
        s.settings.backup_keep,
    )
    .await
}

struct BackupRow {
    name: String,
    when: String,
    size: String,
}

fn backups_in(dir: &std::path::Path) -> Vec<BackupRow> {
    let mut rows: Vec<(String, u64)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            backup::stamp_of(&name)?;
            Some((name, e.metadata().ok()?.len()))
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0));
    rows.into_iter()
        .map(|(name, bytes)| {
            let stamp = backup::stamp_of(&name).unwrap_or_default();
            let when = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S")
                .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_default();
            BackupRow {
                when,
                size: format!("{} MB", crate::text::decimal_comma(bytes as f64 / 1e6)),
                name,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "server.html")]
struct ServerPage {
    shell: Shell,
    settings: Vec<(&'static str, String)>,
    dir: String,
    nightly: bool,
    keep: usize,
    backups: Vec<BackupRow>,
    notice: Option<String>,
}

async fn page(
    State(s): State<SharedState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    sysadmin(&caller)?;
    let st = &s.settings;
    let yes_no = |b: bool| if b { "có" } else { "không" }.to_string();
    let (database, _password) = backup::split_password(&st.database_url);
    let settings = vec![
        ("Địa chỉ phục vụ", st.addr.clone()),
        (
            "HTTPS",
            st.https
                .clone()
                .unwrap_or_else(|| "không (máy chủ phục vụ HTTP)".into()),
        ),
        (
            "Cookie chỉ gửi qua HTTPS (Secure, HSTS)",
            yes_no(st.secure_cookies),
        ),
        ("Cơ sở dữ liệu", database),
        (
            "Tệp khóa bảo vệ số CCCD",
            if st.secret_key.is_some() {
                "lấy từ biến môi trường CONGDONGSO_SECRET_KEY".into()
            } else {
                st.secret_file.display().to_string()
            },
        ),
        (
            "Bản sao chỉ đọc (PostgreSQL)",
            st.replica_urls.len().to_string(),
        ),
        (
            "Máy chủ trung gian tin cậy",
            if st.trusted_proxies.is_empty() {
                "không có".into()
            } else {
                st.trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        (
            "Thời gian chờ tiêu đề yêu cầu",
            format!("{} giây", st.header_timeout_seconds),
        ),
        (
            "Số kết nối tối đa mỗi địa chỉ",
            st.max_connections_per_address.to_string(),
        ),
        (
            "Ngày hệ thống",
            st.today
                .as_deref()
                .map_or_else(|| "hôm nay".into(), crate::text::format_date),
        ),
    ];
    let plan = plan(&s).await?;
    let notice = match (q.get("da-sao-luu"), q.contains_key("da-luu")) {
        (Some(f), _) => Some(format!("Đã sao lưu vào {f}.")),
        (None, true) => Some("Đã lưu thiết lập sao lưu.".to_string()),
        _ => None,
    };
    render(&ServerPage {
        shell: Shell::new(&caller, "Máy chủ và sao lưu", "/server"),
        settings,
        dir: plan.dir.display().to_string(),
        nightly: plan.on,
        keep: plan.keep,
        backups: backups_in(&plan.dir),
        notice,
    })
}

async fn record(s: &SharedState, caller: &Caller, action: &str, file: &str) -> Result<()> {
    let mut tx = s.db.begin_write().await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: None,
            account_id: Some(caller.account_id),
            action,
            entity: "backup",
            entity_id: None,
        },
        None::<&()>,
        Some(&serde_json::json!({ "file": file })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn backup_now(State(s): State<SharedState>, caller: Caller) -> Result<Response> {
    sysadmin(&caller)?;
    let plan = plan(&s).await?;
    let dir = plan.dir;
    std::fs::create_dir_all(&dir)
        .map_err(|e| AppError::invalid(format!("Không tạo được thư mục {}: {e}", dir.display())))?;
    let stamp = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y%m%d-%H%M%S")
        .to_string();
    // A second click within the same second: that backup is the one just made.
    let ext = if s.db.backend == crate::db::Backend::Sqlite {
        "db"
    } else {
        "dump"
    };
    let same = format!("{}{stamp}.{ext}", backup::NIGHTLY_PREFIX);
    if dir.join(&same).exists() {
        return Ok(see_other(&format!("/server?da-sao-luu={same}")));
    }
    let (done, _removed) =
        backup::nightly(&s.db, &s.settings.database_url, (&dir, plan.keep), &stamp).await?;
    let name = done
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    record(&s, &caller, "backup_now", &name).await?;
    Ok(see_other(&format!(
        "/server?da-sao-luu={}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    )))
}

async fn download(
    State(s): State<SharedState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response> {
    sysadmin(&caller)?;
    // Only a backup's own name: no folder, no other file of the folder.
    if backup::stamp_of(&name).is_none() || name.contains(['/', '\\']) {
        return Err(AppError::NotFound);
    }
    let path = s.settings.backup_folder().join(&name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    record(&s, &caller, "download_backup", &name).await?;
    // Streamed: a backup may be larger than the memory the server may take.
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn set_nightly(
    State(s): State<SharedState>,
    caller: Caller,
    axum::extract::Form(f): axum::extract::Form<HashMap<String, String>>,
) -> Result<Response> {
    sysadmin(&caller)?;
    let on = f.get("nightly").is_some_and(|v| v == "on");
    let keep: usize = f
        .get("keep")
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| (1..=365).contains(n))
        .ok_or_else(|| AppError::invalid("Số bản sao lưu giữ lại là một số từ 1 đến 365."))?;
    let before = plan(&s).await?;
    let mut tx = s.db.begin_write().await?;
    backup::set_nightly(&mut tx, on, keep).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            commune_id: None,
            account_id: Some(caller.account_id),
            action: "set_setting",
            entity: "server_settings",
            entity_id: None,
        },
        Some(&serde_json::json!({"nightly": before.on, "keep": before.keep})),
        Some(&serde_json::json!({"nightly": on, "keep": keep})),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/server?da-luu"))
}
