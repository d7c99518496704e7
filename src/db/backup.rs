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
            let schema_version = match check_sqlite(output).await {
                Ok(v) => v,
                Err(e) => {
                    // A copy that fails its check must not pass for a backup later.
                    let _ = std::fs::remove_file(output);
                    return Err(e);
                }
            };
            private(output);
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
            private(output);
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
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
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
            if target.exists() {
                release_sqlite(&target).await?;
            }
            // Copied beside the target first, then renamed over it: a failure half-way leaves
            // the current database as it was.
            let staging = target.with_extension("restoring");
            let _ = std::fs::remove_file(&staging);
            std::fs::copy(input, &staging).map_err(|e| {
                AppError::invalid(format!("Không chép được {}: {e}", input.display()))
            })?;
            if let Ok(f) = std::fs::File::open(&staging) {
                let _ = f.sync_all();
            }
            private(&staging);
            std::fs::rename(&staging, &target).map_err(|e| {
                AppError::invalid(format!("Không thay được {}: {e}", target.display()))
            })?;
            renew_field_epoch(url).await?;
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
            renew_field_epoch(url).await?;
            Ok(Done {
                path: input.to_path_buf(),
                bytes: size_of(input),
                schema_version: db.schema_version().await?,
            })
        }
    }
}

/// A restored copy is another copy for the field app's cursors (a backup older than the table
/// gets its own value when the server migrates it), and needs its planner statistics.
async fn renew_field_epoch(url: &str) -> Result<()> {
    let db = Db::connect(url).await?;
    let exists = db
        .fetch_optional::<(i64,)>(
            "SELECT version FROM schema_migrations WHERE version = 9",
            &[],
        )
        .await
        .ok()
        .flatten()
        .is_some();
    if exists {
        super::field_changes::renew_epoch(&db).await?;
    }
    // A restored database has no statistics on PostgreSQL (pg_restore does not carry them).
    db.analyze(&[]).await?;
    db.close().await;
    Ok(())
}

/// Takes the current database out of WAL mode, which SQLite allows only to its sole user: a
/// running server keeps connections open, so this refuses to restore under it. The WAL is
/// checkpointed into the file and removed on the way.
async fn release_sqlite(target: &Path) -> Result<()> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(target)
        .busy_timeout(std::time::Duration::from_secs(1));
    let busy = || {
        AppError::invalid(
            "Cơ sở dữ liệu đang được dùng (máy chủ còn chạy?): hãy dừng máy chủ rồi khôi phục lại.",
        )
    };
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|_| busy())?;
    let mode: std::result::Result<(String,), _> = sqlx::query_as("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    match mode {
        Ok((m,)) if m.eq_ignore_ascii_case("delete") => Ok(()),
        _ => Err(busy()),
    }
}

/// Backups hold everyone's personal data: readable by the owner only.
fn private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// A PostgreSQL URL without its password, and the password: tools get it through
/// `PGPASSWORD`, never on a command line that any local user can read.
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, pass)) => (
            format!("{scheme}://{user}@{host}"),
            Some(percent_decode(pass)),
        ),
        None => (url.to_string(), None),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs a PostgreSQL client tool; its error output is shown, as it names what went wrong.
/// A URL among the arguments loses its password, which goes in `PGPASSWORD`.
async fn run_tool(tool: &str, args: &[&str]) -> Result<()> {
    let tool_name = tool.to_string();
    let mut password = None;
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.starts_with("postgres") && a.contains("://") {
                let (clean, pass) = split_password(a);
                password = pass;
                clean
            } else {
                a.to_string()
            }
        })
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        let mut c = std::process::Command::new(&tool_name);
        c.args(&args);
        if let Some(p) = password {
            c.env("PGPASSWORD", p);
        }
        c.output()
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
    names.retain(|n| stamp_of(n).is_some());
    names.sort();
    let extra = names.len().saturating_sub(keep);
    names.into_iter().take(extra).collect()
}

pub const NIGHTLY_PREFIX: &str = "congdongso-";

/// The time stamp of a nightly backup's name (`congdongso-20260501-020000.db` →
/// `20260501-020000`); other files of the folder are not ours to count or delete.
pub fn stamp_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(NIGHTLY_PREFIX)?;
    let stamp = rest
        .strip_suffix(".db")
        .or_else(|| rest.strip_suffix(".dump"))?;
    let ok = stamp.len() == 15
        && stamp
            .char_indices()
            .all(|(i, c)| if i == 8 { c == '-' } else { c.is_ascii_digit() });
    ok.then_some(stamp)
}

/// Whether a nightly backup is due at `now` (Vietnam time, `yyyymmdd-hhmmss`): the newest one
/// is older than the last 02:00. A PC that was off at 02:00 catches up when it runs again.
pub fn nightly_due(newest: Option<&str>, now: &str) -> bool {
    let Ok(now) = chrono::NaiveDateTime::parse_from_str(now, "%Y%m%d-%H%M%S") else {
        return false;
    };
    let today_2am = now.date().and_hms_opt(2, 0, 0).unwrap_or(now);
    let slot = if now >= today_2am {
        today_2am
    } else {
        today_2am - chrono::Duration::days(1)
    };
    match newest.and_then(|n| chrono::NaiveDateTime::parse_from_str(n, "%Y%m%d-%H%M%S").ok()) {
        Some(last) => last < slot,
        None => true,
    }
}

/// The newest nightly backup's stamp in the folder.
pub fn newest_in(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| stamp_of(&n).map(str::to_string))
        .max()
}

/// The nightly backup as it stands: the sysadmin's choice in the web if made, otherwise the
/// configuration (on when a folder is configured).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NightlyPlan {
    pub on: bool,
    pub keep: usize,
    pub dir: PathBuf,
}

const NIGHTLY_KEY: &str = "backup_nightly";
const KEEP_KEY: &str = "backup_keep";

pub async fn nightly_plan(
    db: &Db,
    configured: Option<&Path>,
    folder: &Path,
    configured_keep: usize,
) -> Result<NightlyPlan> {
    let rows: Vec<(String, String)> = db
        .fetch_all(
            "SELECT key, value FROM server_settings WHERE key IN ($1, $2)",
            &[NIGHTLY_KEY.into(), KEEP_KEY.into()],
        )
        .await?;
    let get = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    Ok(NightlyPlan {
        on: get(NIGHTLY_KEY).map_or(configured.is_some(), |v| v == "on"),
        keep: get(KEEP_KEY)
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(configured_keep.max(1)),
        dir: folder.to_path_buf(),
    })
}

/// The sysadmin's choice: nightly on or off, and how many to keep.
pub async fn set_nightly(conn: &mut sqlx::AnyConnection, on: bool, keep: usize) -> Result<()> {
    for (key, value) in [
        (NIGHTLY_KEY, if on { "on" } else { "off" }.to_string()),
        (KEEP_KEY, keep.to_string()),
    ] {
        crate::db::query(
            "INSERT INTO server_settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(super::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

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
        let others = vec![
            "congdongso-truoc-nang-cap.db".to_string(),
            "congdongso-1.db".to_string(),
            "congdongso-20260501-020000.db".to_string(),
        ];
        assert!(to_prune(others, 1).is_empty(), "only our own names count");
    }

    #[test]
    fn a_nightly_backup_is_due_after_two_and_caught_up() {
        assert!(nightly_due(None, "20260501-120000"));
        assert!(!nightly_due(Some("20260501-020000"), "20260501-235900"));
        assert!(!nightly_due(Some("20260501-020000"), "20260502-015900"));
        assert!(nightly_due(Some("20260501-020000"), "20260502-020000"));
        assert!(
            nightly_due(Some("20260428-020000"), "20260501-093000"),
            "off for days"
        );
    }

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            split_password("postgres://cds:p%40ss@db.local:5432/congdongso"),
            (
                "postgres://cds@db.local:5432/congdongso".to_string(),
                Some("p@ss".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1:5432/test"),
            ("postgres://postgres@127.0.0.1:5432/test".to_string(), None)
        );
    }
}
