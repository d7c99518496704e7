//! Accounts: one role and one area each.

use super::Db;
use crate::auth::{self, Role};
use crate::db::areas;
use crate::error::{AppError, Result};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub full_name: Option<String>,
    pub role: String,
    pub area_id: i64,
    pub commune_id: Option<i64>,
    pub active: i64,
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<Account>> {
    db.fetch_optional(
        "SELECT id, username, password_hash, full_name, role, area_id, commune_id, active \
         FROM accounts WHERE username = $1",
        &[username.into()],
    )
    .await
}

/// Usernames are lowercase ASCII letters, digits, dots, dashes and underscores.
pub fn check_username(username: &str) -> Result<String> {
    let u = username.trim().to_lowercase();
    if u.len() < 3
        || u.len() > 40
        || !u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(AppError::invalid(
            "Tên đăng nhập phải dài 3–40 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.",
        ));
    }
    Ok(u)
}

/// Creates an account after checking that the role fits the area's level.
pub async fn create(
    db: &Db,
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    role: Role,
    area_code: &str,
    full_name: Option<&str>,
) -> Result<i64> {
    let username = check_username(username)?;
    if by_username(db, &username).await?.is_some() {
        return Err(AppError::invalid(format!(
            "Tên đăng nhập «{username}» đã có; chọn tên khác."
        )));
    }
    let area = areas::by_code(db, area_code)
        .await?
        .ok_or_else(|| AppError::invalid(format!("Không có đơn vị mã «{area_code}».")))?;
    if !role.area_level().contains(&area.level.as_str()) {
        return Err(AppError::invalid(format!(
            "Vai trò {} phải gắn với đơn vị cấp {}, còn «{}» là cấp {}.",
            role.as_str(),
            role.area_level().join("/"),
            area.name,
            area.level
        )));
    }
    let commune_id = match area.level.as_str() {
        "province" => None,
        _ => area.commune_id,
    };
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO accounts (username, password_hash, full_name, role, area_id, commune_id, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
    )
    .bind(username)
    .bind(password_hash.to_string())
    .bind(full_name.map(str::to_string))
    .bind(role.as_str().to_string())
    .bind(area.id)
    .bind(commune_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn set_password(db: &Db, username: &str, password: &str) -> Result<()> {
    let hash = auth::hash_password(password)?;
    let n = db
        .execute(
            "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE username = $3",
            &[hash.into(), super::now().into(), username.into()],
        )
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    // A new password ends every open session (a lost phone stays logged in otherwise).
    db.execute(
        "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE username = $1)",
        &[username.into()],
    )
    .await?;
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64> {
    db.scalar_i64("SELECT COUNT(*) FROM accounts", &[]).await
}
