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

/// An account to create. `temporary`: the password was set by someone else (an admin, the
/// web), so it must be changed at the first login.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub area_code: &'a str,
    pub full_name: Option<&'a str>,
    pub member_id: Option<i64>,
    pub temporary: bool,
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
    insert(
        db,
        conn,
        &NewAccount {
            username,
            password_hash,
            role,
            area_code,
            full_name,
            member_id: None,
            temporary: false,
        },
    )
    .await
}

/// The area an account of `role` may be attached to, by its code: it exists and is of the
/// role's level.
pub async fn area_for(db: &Db, role: Role, area_code: &str) -> Result<areas::Area> {
    let area = areas::by_code(db, area_code)
        .await?
        .ok_or_else(|| AppError::invalid(format!("Không có đơn vị mã «{area_code}».")))?;
    if !role.area_level().contains(&area.level.as_str()) {
        return Err(AppError::invalid(format!(
            "Vai trò «{}» phải gắn với đơn vị cấp {}, còn «{}» là {}.",
            role.label(),
            role.area_level()
                .iter()
                .map(|l| level_name(l))
                .collect::<Vec<_>>()
                .join("/"),
            area.name,
            area.level_label().to_lowercase()
        )));
    }
    Ok(area)
}

fn level_name(level: &str) -> &'static str {
    match level {
        "province" => "tỉnh",
        "commune" => "xã",
        _ => "ấp",
    }
}

/// The commune an account attached to `area` belongs to (none for the province).
pub fn commune_of(area: &areas::Area) -> Option<i64> {
    match area.level.as_str() {
        "province" => None,
        _ => area.commune_id,
    }
}

/// Checks that a member may be linked to an account in `area`: same commune, the hamlet's
/// own team for a hamlet account, and not already linked to another account.
async fn check_member(
    db: &Db,
    member_id: i64,
    area: &areas::Area,
    account: Option<i64>,
) -> Result<()> {
    let member = crate::db::members::get(db, member_id)
        .await?
        .filter(|m| Some(m.commune_id) == commune_of(area))
        .ok_or_else(|| AppError::invalid("Thành viên này không thuộc xã của tài khoản."))?;
    if area.level == "hamlet" {
        let team = crate::db::teams::get(db, member.team_id).await?;
        if team.is_some_and(|t| t.area_id != area.id) {
            return Err(AppError::invalid(format!(
                "{} không thuộc Tổ CNSCĐ của {}; tài khoản cấp ấp chỉ gắn với thành viên tổ của ấp đó.",
                member.full_name, area.name
            )));
        }
    }
    let taken: Option<(String,)> = db
        .fetch_optional(
            "SELECT username FROM accounts WHERE member_id = $1 AND id <> $2",
            &[member_id.into(), account.unwrap_or(0).into()],
        )
        .await?;
    if let Some((username,)) = taken {
        return Err(AppError::invalid(format!(
            "{} đã có tài khoản «{username}».",
            member.full_name
        )));
    }
    Ok(())
}

/// Creates an account after checking the username, that the role fits the area's level and
/// that a linked member belongs there.
pub async fn insert(db: &Db, conn: &mut AnyConnection, a: &NewAccount<'_>) -> Result<i64> {
    let username = check_username(a.username)?;
    if by_username(db, &username).await?.is_some() {
        return Err(AppError::invalid(format!(
            "Tên đăng nhập «{username}» đã có; chọn tên khác."
        )));
    }
    let area = area_for(db, a.role, a.area_code).await?;
    if let Some(m) = a.member_id {
        check_member(db, m, &area, None).await?;
    }
    let now = super::now();
    let (id,): (i64,) = crate::db::query_as(
        "INSERT INTO accounts (username, password_hash, full_name, role, area_id, commune_id, \
         member_id, must_change_password, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
    )
    .bind(username)
    .bind(a.password_hash.to_string())
    .bind(a.full_name.map(str::to_string))
    .bind(a.role.as_str().to_string())
    .bind(area.id)
    .bind(commune_of(&area))
    .bind(a.member_id)
    .bind(i64::from(a.temporary))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// An account as the accounts page and `GET /api/v1/accounts` show it: never its hash.
#[derive(sqlx::FromRow, Clone, Debug, serde::Serialize)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub full_name: Option<String>,
    pub role: String,
    pub area_id: i64,
    pub area_code: String,
    pub area_name: String,
    pub commune_id: Option<i64>,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub active: i64,
    pub must_change_password: i64,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    /// A province account the sysadmin let publish guides (cẩm nang) for every commune.
    pub publishes_guides: i64,
}

impl AccountView {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
    pub fn role_label(&self) -> &'static str {
        self.role().map_or("", Role::label)
    }
    pub fn last_login(&self) -> String {
        self.last_login_at
            .map_or_else(|| "Chưa đăng nhập".to_string(), crate::text::format_time)
    }
}

const VIEW: &str = "SELECT a.id, a.username, a.full_name, a.role, a.area_id, ar.code AS area_code, \
     ar.name AS area_name, a.commune_id, a.member_id, m.full_name AS member_name, a.active, \
     a.must_change_password, a.last_login_at, a.created_at, a.publishes_guides \
     FROM accounts a JOIN areas ar ON ar.id = a.area_id LEFT JOIN members m ON m.id = a.member_id";

pub async fn view(db: &Db, id: i64) -> Result<Option<AccountView>> {
    db.fetch_optional(&format!("{VIEW} WHERE a.id = $1"), &[id.into()])
        .await
}

/// The account as seen inside a transaction that changed it (for the audit of the change).
pub async fn view_on(conn: &mut AnyConnection, id: i64) -> Result<AccountView> {
    Ok(crate::db::query_as(&format!("{VIEW} WHERE a.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Every account (`commune`: none), or the accounts of one commune.
pub async fn list(db: &Db, commune: Option<i64>) -> Result<Vec<AccountView>> {
    match commune {
        None => {
            db.fetch_all(
                &format!("{VIEW} ORDER BY a.commune_id, a.role, a.username"),
                &[],
            )
            .await
        }
        Some(c) => {
            db.fetch_all(
                &format!("{VIEW} WHERE a.commune_id = $1 ORDER BY a.role, a.username"),
                &[c.into()],
            )
            .await
        }
    }
}

/// The usernames of the accounts linked to members of a team: member id → username.
pub async fn linked_to_team(db: &Db, team_id: i64) -> Result<Vec<(i64, String)>> {
    db.fetch_all(
        "SELECT a.member_id, a.username FROM accounts a JOIN members m ON m.id = a.member_id \
         WHERE m.team_id = $1",
        &[team_id.into()],
    )
    .await
}

/// What an admin may change of an account: its name, role, area and linked member.
pub struct AccountEdit<'a> {
    pub full_name: Option<&'a str>,
    pub role: Role,
    pub area_code: &'a str,
    pub member_id: Option<i64>,
}

/// Changes an account's name, role, area and member (the caller checked its rights over both
/// the account as it was and as it will be). Returns the area it is now attached to.
pub async fn update(
    db: &Db,
    conn: &mut AnyConnection,
    id: i64,
    e: &AccountEdit<'_>,
) -> Result<areas::Area> {
    let area = area_for(db, e.role, e.area_code).await?;
    if let Some(m) = e.member_id {
        check_member(db, m, &area, Some(id)).await?;
    }
    crate::db::query(
        "UPDATE accounts SET full_name = $1, role = $2, area_id = $3, commune_id = $4, \
         member_id = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(e.full_name.map(str::to_string))
    .bind(e.role.as_str().to_string())
    .bind(area.id)
    .bind(commune_of(&area))
    .bind(e.member_id)
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // A role without API tokens of its own (a team member) keeps none made before.
    if !e.role.uses_api() {
        revoke_tokens(conn, id).await?;
    }
    Ok(area)
}

/// Ends every session and revokes every API token of the account: after a reset or a
/// deactivation, a lost phone or a leaked script no longer gets in.
pub async fn end_access(conn: &mut AnyConnection, id: i64) -> Result<()> {
    crate::db::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    revoke_tokens(conn, id).await
}

async fn revoke_tokens(conn: &mut AnyConnection, id: i64) -> Result<()> {
    crate::db::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A new password hash; `temporary`: set by someone else, to be changed at the next login.
async fn set_hash(conn: &mut AnyConnection, id: i64, hash: &str, temporary: bool) -> Result<()> {
    crate::db::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(hash.to_string())
    .bind(i64::from(temporary))
    .bind(super::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives the account a temporary password (it must be changed at the next login) and ends its
/// sessions and tokens.
pub async fn reset_password(conn: &mut AnyConnection, id: i64, hash: &str) -> Result<()> {
    set_hash(conn, id, hash, true).await?;
    end_access(conn, id).await
}

/// Deactivates (ending its sessions and tokens) or reactivates an account.
pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<()> {
    crate::db::query("UPDATE accounts SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(super::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if !active {
        end_access(conn, id).await?;
    }
    Ok(())
}

/// The owner sets a new password: it is no longer temporary, and every other session ends
/// (`keep`: the hash of the session the change was made from, if any).
pub async fn change_own_password(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    keep: Option<&str>,
) -> Result<()> {
    set_hash(conn, id, hash, false).await?;
    crate::db::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(id)
        .bind(keep.unwrap_or("").to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn password_hash(db: &Db, id: i64) -> Result<String> {
    let (hash,): (String,) = db
        .fetch_one(
            "SELECT password_hash FROM accounts WHERE id = $1",
            &[id.into()],
        )
        .await?;
    Ok(hash)
}

/// A username for a member, from their name: the given name and the initials of the rest,
/// without diacritics ("Nguyễn Văn An" → "annv"), with a number added if it is taken.
pub async fn username_for(db: &Db, full_name: &str) -> Result<String> {
    let base = crate::text::username_from_name(full_name);
    let base = if base.len() < 3 {
        format!("tv{base}")
    } else {
        base
    };
    for n in 0..1000 {
        let candidate = if n == 0 {
            base.clone()
        } else {
            format!("{base}{n}")
        };
        if by_username(db, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(AppError::invalid(
        "Không tìm được tên đăng nhập còn trống; hãy tạo tài khoản ở trang Tài khoản.",
    ))
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
