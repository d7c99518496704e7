//! Sessions stored in the database, and the record of failed logins used for throttling.

use super::Db;
use crate::auth::{self, Caller, Role};
use crate::error::{AppError, Result};

/// Sessions last two weeks: field members work for days without reopening the app.
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;

/// Starts a session; returns (cookie token, CSRF token). Only the token's hash is stored.
/// `device` names the browser or app it was opened from (shown to its owner, cut short).
pub async fn create(db: &Db, account_id: i64, device: &str) -> Result<(String, String)> {
    let token = auth::random_token();
    let csrf = auth::random_token();
    let now = super::now();
    let device: String = crate::text::clean(device).chars().take(120).collect();
    db.execute(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at, device) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            auth::sha256_hex(&token).into(),
            account_id.into(),
            csrf.clone().into(),
            now.into(),
            (now + SESSION_SECONDS).into(),
            device.into(),
        ],
    )
    .await?;
    db.execute(
        "UPDATE accounts SET last_login_at = $1 WHERE id = $2",
        &[now.into(), account_id.into()],
    )
    .await?;
    Ok((token, csrf))
}

/// One of an account's open sessions, as its owner sees it.
#[derive(sqlx::FromRow, Debug)]
pub struct OpenSession {
    /// The stored hash of the cookie: names the session to end without being able to use it.
    pub token_hash: String,
    pub device: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn for_account(db: &Db, account_id: i64) -> Result<Vec<OpenSession>> {
    db.fetch_all(
        "SELECT token_hash, device, created_at, expires_at FROM sessions \
         WHERE account_id = $1 AND expires_at > $2 ORDER BY created_at DESC",
        &[account_id.into(), super::now().into()],
    )
    .await
}

/// Ends one of the account's own sessions; false if it had no such session.
pub async fn end_own(db: &Db, account_id: i64, token_hash: &str) -> Result<bool> {
    let n = db
        .execute(
            "DELETE FROM sessions WHERE account_id = $1 AND token_hash = $2",
            &[account_id.into(), token_hash.into()],
        )
        .await?;
    Ok(n > 0)
}

/// Ends every session of the account but the one with `keep` (the hash of the caller's own).
pub async fn end_others(db: &Db, account_id: i64, keep: &str) -> Result<u64> {
    db.execute(
        "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2",
        &[account_id.into(), keep.into()],
    )
    .await
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    account_id: i64,
    username: String,
    full_name: Option<String>,
    role: String,
    area_id: i64,
    area_name: String,
    area_level: String,
    commune_id: Option<i64>,
    csrf_token: String,
    member_id: Option<i64>,
    assignment_on: i64,
    must_change_password: i64,
}

pub async fn load(db: &Db, token: &str) -> Result<Option<Caller>> {
    let row: Option<SessionRow> = db
        .fetch_optional(
            &format!(
                "SELECT {CALLER_COLUMNS}, s.csrf_token \
                 FROM sessions s JOIN accounts a ON a.id = s.account_id JOIN areas ar ON ar.id = a.area_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.active = 1"
            ),
            &[auth::sha256_hex(token).into(), super::now().into()],
        )
        .await?;
    row.map(SessionRow::into_caller).transpose()
}

/// The caller's columns, selected from `accounts a JOIN areas ar` (sessions and API tokens).
pub(super) const CALLER_COLUMNS: &str = "a.id AS account_id, a.username, a.full_name, a.role, \
     a.area_id, ar.name AS area_name, ar.level AS area_level, a.commune_id, a.member_id, \
     a.must_change_password, (SELECT COUNT(*) FROM commune_settings cs WHERE cs.commune_id = a.commune_id \
      AND cs.key = 'assignment' AND cs.value = 'on') AS assignment_on";

impl SessionRow {
    pub(super) fn into_caller(self) -> Result<Caller> {
        let r = self;
        let role = Role::parse(&r.role)
            .ok_or_else(|| AppError::Internal(format!("unknown role {}", r.role)))?;
        Ok(Caller {
            account_id: r.account_id,
            username: r.username,
            full_name: r.full_name,
            role,
            area_id: r.area_id,
            area_name: r.area_name,
            area_level: r.area_level,
            commune_id: r.commune_id,
            csrf_token: r.csrf_token,
            member_id: r.member_id,
            assignment_on: r.assignment_on > 0,
            must_change_password: r.must_change_password != 0,
        })
    }
}

pub async fn delete(db: &Db, token: &str) -> Result<()> {
    db.execute(
        "DELETE FROM sessions WHERE token_hash = $1",
        &[auth::sha256_hex(token).into()],
    )
    .await?;
    Ok(())
}

/// Failed logins are counted over this window.
pub const FAILURE_WINDOW: i64 = 15 * 60;
/// Failures of one username from one address allowed in the window before each new attempt
/// of that pair must wait.
pub const FREE_FAILURES: i64 = 5;
/// Failures from one address, whatever the usernames, allowed before each new attempt from it
/// must wait: one password tried against many usernames slows down. Higher than a pair's, as
/// a commune office or a mobile network may put several people behind one address.
pub const FREE_ADDRESS_FAILURES: i64 = 10;

/// How many seconds the next attempt for this username from this address must still wait (0:
/// go ahead). Failures count per (username, address) and per address, never per username
/// alone: someone failing elsewhere does not keep the owner out.
pub async fn login_wait(db: &Db, username_key: &str, address: &str) -> Result<i64> {
    let now = super::now();
    let since = now - FAILURE_WINDOW;
    let (pair, pair_last): (i64, Option<i64>) = db
        .fetch_one(
            "SELECT COUNT(*), MAX(at) FROM login_failures \
             WHERE username_key = $1 AND address = $2 AND at > $3",
            &[username_key.into(), address.into(), since.into()],
        )
        .await?;
    let (all, all_last): (i64, Option<i64>) = db
        .fetch_one(
            "SELECT COUNT(*), MAX(at) FROM login_failures WHERE address = $1 AND at > $2",
            &[address.into(), since.into()],
        )
        .await?;
    Ok(
        wait_after(pair, pair_last.unwrap_or(0), now).max(wait_after(
            all - (FREE_ADDRESS_FAILURES - FREE_FAILURES),
            all_last.unwrap_or(0),
            now,
        )),
    )
}

/// The back-off: 30 s after the fifth failure, doubling each time, at most 15 minutes.
pub fn wait_after(failures: i64, last_at: i64, now: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let exp = (failures - FREE_FAILURES).min(5) as u32;
    let wait = (30i64 * 2i64.pow(exp)).min(FAILURE_WINDOW);
    (last_at + wait - now).max(0)
}

pub async fn record_failure(db: &Db, username_key: &str, address: &str) -> Result<()> {
    let now = super::now();
    db.execute(
        "INSERT INTO login_failures (username_key, address, at) VALUES ($1, $2, $3)",
        &[username_key.into(), address.into(), now.into()],
    )
    .await?;
    // Keep the table small: old failures no longer count.
    db.execute(
        "DELETE FROM login_failures WHERE at < $1",
        &[(now - 24 * 3600).into()],
    )
    .await?;
    Ok(())
}

/// After a correct password: this pair's failures no longer count (the address's others do).
pub async fn clear_failures(db: &Db, username_key: &str, address: &str) -> Result<()> {
    db.execute(
        "DELETE FROM login_failures WHERE username_key = $1 AND address = $2",
        &[username_key.into(), address.into()],
    )
    .await?;
    Ok(())
}
