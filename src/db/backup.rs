//! Backups and restores. SQLite: `VACUUM INTO` writes a consistent copy while the server keeps
//! running (it reads in one transaction; writers go on in the WAL). PostgreSQL: `pg_dump` in its
//! custom format and `pg_restore`, the tools made for it.

use super::{Backend, Db};
use crate::error::{AppError, Result};
use std::path::{Path, PathBuf};

/// What a backup or restore did, for the operator.
#[derive(Debug)]
pub struct Done {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
}

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .map(|p| p.split('?').next().unwrap_or(p))
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Writes a backup of the database to `output`, which must not exist yet.
pub async fn backup(db: &Db, url: &str, output: &Path) -> Result<Done> {
    if output.exists() {
        return Err(AppError::invalid(format!(
            "Tệp {} đã có: chọn một tên khác (bản sao lưu không ghi đè tệp cũ).",
            output.display()
        )));
    }
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::invalid(format!("Không tạo được thư mục {}: {e}", dir.display()))
        })?;
    }
    match db.backend {
        Backend::Sqlite => {
            sqlx::raw_sql(&format!("VACUUM INTO {}", quote(output)))
                .execute(&db.pool)
                .await?;
            let schema_version = check_sqlite(output).await?;
            Ok(Done {
                path: output.to_path_buf(),
                bytes: size_of(output),
                schema_version,
            })
        }
        Backend::Postgres => {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    &output.display().to_string(),
                    url,
                ],
            )
            .await?;
            Ok(Done {
                path: output.to_path_buf(),
                bytes: size_of(output),
                schema_version: db.schema_version().await?,
            })
        }
    }
}

/// Opens a SQLite file read-only and checks it is whole and is ours; returns its schema version.
pub async fn check_sqlite(path: &Path) -> Result<i64> {
    use sqlx::Connection;
    let bad = |why: String| {
        AppError::invalid(format!(
            "Tệp {} không phải bản sao lưu dùng được: {why}",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(bad("không tìm thấy tệp.".into()));
    }
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .map_err(|e| bad(format!("không mở được ({e}).")))?;
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| bad(format!("không đọc được ({e}).")))?;
    if check != "ok" {
        return Err(bad(format!("kiểm tra toàn vẹn báo lỗi «{check}».")));
    }
    let version: Result<(i64,), _> =
        sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&mut conn)
            .await;
    let _ = conn.close().await;
    version
        .map(|(v,)| v)
        .map_err(|_| bad("không có dữ liệu của Cộng Đồng Số.".into()))
}

/// Replaces the database at `url` with the backup `input`. The server must be stopped: a
/// running server keeps the old file open.
pub async fn restore(url: &str, input: &Path) -> Result<Done> {
    match sqlite_path(url) {
        Some(target) => {
            let schema_version = check_sqlite(input).await?;
            let target = PathBuf::from(target);
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::invalid(format!("Không tạo được thư mục {}: {e}", dir.display()))
                })?;
            }
            // Copied beside the target first, then renamed over it: a failure half-way leaves
            // the current database as it was.
            let staging = target.with_extension("restoring");
            let _ = std::fs::remove_file(&staging);
            std::fs::copy(input, &staging).map_err(|e| {
                AppError::invalid(format!("Không chép được {}: {e}", input.display()))
            })?;
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", target.display()));
                if side.exists() {
                    std::fs::remove_file(&side).map_err(|e| {
                        AppError::invalid(format!("Không xóa được {}: {e}", side.display()))
                    })?;
                }
            }
            std::fs::rename(&staging, &target).map_err(|e| {
                AppError::invalid(format!("Không thay được {}: {e}", target.display()))
            })?;
            Ok(Done {
                bytes: size_of(&target),
                path: target,
                schema_version,
            })
        }
        None => {
            if !input.is_file() {
                return Err(AppError::invalid(format!(
                    "Không tìm thấy tệp {}.",
                    input.display()
                )));
            }
            run_tool(
                "pg_restore",
                &[
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    url,
                    &input.display().to_string(),
                ],
            )
            .await?;
            let db = Db::connect(url).await?;
            Ok(Done {
                path: input.to_path_buf(),
                bytes: size_of(input),
                schema_version: db.schema_version().await?,
            })
        }
    }
}

/// Runs a PostgreSQL client tool; its error output is shown, as it names what went wrong.
async fn run_tool(tool: &str, args: &[&str]) -> Result<()> {
    let tool_name = tool.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&tool_name).args(&args).output()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| {
        AppError::Config(format!(
            "Không chạy được {tool} ({e}). Trên PostgreSQL, sao lưu và khôi phục dùng công cụ của \
             PostgreSQL: cài gói postgresql-client (có {tool}) rồi chạy lại lệnh."
        ))
    })?;
    if !out.status.success() {
        return Err(AppError::Config(format!(
            "{tool} báo lỗi: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// The backups of a folder to delete so that only the newest `keep` remain. Names carry their
/// time (`congdongso-20260501-020000.db`), so the name order is the time order.
pub fn to_prune(mut names: Vec<String>, keep: usize) -> Vec<String> {
    names.retain(|n| n.starts_with(NIGHTLY_PREFIX));
    names.sort();
    let extra = names.len().saturating_sub(keep);
    names.into_iter().take(extra).collect()
}

pub const NIGHTLY_PREFIX: &str = "congdongso-";

/// One nightly backup into `dir` named by `stamp` (`20260501-020000`), then the oldest beyond
/// `keep` removed. Returns the new file and the removed ones.
pub async fn nightly(
    db: &Db,
    url: &str,
    (dir, keep): (&Path, usize),
    stamp: &str,
) -> Result<(Done, Vec<String>)> {
    let ext = if db.backend == Backend::Sqlite {
        "db"
    } else {
        "dump"
    };
    let done = backup(db, url, &dir.join(format!("{NIGHTLY_PREFIX}{stamp}.{ext}"))).await?;
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| AppError::invalid(format!("Không đọc được thư mục {}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let removed = to_prune(names, keep.max(1));
    for name in &removed {
        let _ = std::fs::remove_file(dir.join(name));
    }
    Ok((done, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_backups_are_kept() {
        let names = vec![
            "congdongso-20260503-020000.db".to_string(),
            "notes.txt".to_string(),
            "congdongso-20260501-020000.db".to_string(),
            "congdongso-20260502-020000.db".to_string(),
        ];
        assert_eq!(
            to_prune(names.clone(), 2),
            ["congdongso-20260501-020000.db"]
        );
        assert!(to_prune(names, 5).is_empty());
    }
}
