//! API tokens: a script authenticates with `Authorization: Bearer …` and acts as the account
//! that owns the token (its role and area), until the token is revoked.

use super::Db;
use super::sessions::{CALLER_COLUMNS, SessionRow};
use crate::auth::{self, Caller};
use crate::error::{AppError, Result};

/// Tokens start with this, so a leaked one is recognisable in a file or a message.
pub const PREFIX: &str = "cds_";

#[derive(Debug, sqlx::FromRow)]
pub struct Token {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a token for the account; returns its id and the token, shown once.
pub async fn create(db: &Db, username: &str, label: &str) -> Result<(i64, String)> {
    let account: Option<(i64,)> = db
        .fetch_optional(
            "SELECT id FROM accounts WHERE username = $1 AND active = 1",
            &[username.into()],
        )
        .await?;
    let (account_id,) = account.ok_or_else(|| {
        AppError::invalid(format!("Không có tài khoản «{username}» đang hoạt động."))
    })?;
    create_for(db, account_id, label).await
}

/// Creates a token for the account with this id (its owner, from the own-account page).
pub async fn create_for(db: &Db, account_id: i64, label: &str) -> Result<(i64, String)> {
    let label: String = crate::text::clean(label).chars().take(100).collect();
    let token = format!("{PREFIX}{}", auth::random_token());
    let (id,): (i64,) = db
        .fetch_one(
            "INSERT INTO api_tokens (account_id, token_hash, label, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                account_id.into(),
                auth::sha256_hex(&token).into(),
                label.into(),
                super::now().into(),
            ],
        )
        .await?;
    Ok((id, token))
}

/// A token's caller, and whether its use is due to be recorded.
#[derive(sqlx::FromRow)]
struct TokenRow {
    #[sqlx(flatten)]
    session: SessionRow,
    stale: i64,
}

/// The caller a bearer token stands for, if it is valid and its account active.
pub async fn load(db: &Db, token: &str) -> Result<Option<Caller>> {
    let hash = auth::sha256_hex(token);
    let now = super::now();
    let row: Option<TokenRow> = db
        .fetch_optional(
            &format!(
                "SELECT {CALLER_COLUMNS}, CAST('' AS TEXT) AS csrf_token, \
                 CASE WHEN t.last_used_at IS NULL OR t.last_used_at < $2 THEN 1 ELSE 0 END AS stale \
                 FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN areas ar ON ar.id = a.area_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active = 1"
            ),
            &[hash.clone().into(), (now - 3600).into()],
        )
        .await?;
    // Recorded at most hourly, and only written then: a script's every request need not be a
    // write (on SQLite it would wait for the one writer; on PostgreSQL it is two more round
    // trips a request, issue 16).
    if row.as_ref().is_some_and(|r| r.stale == 1) {
        db.execute(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
            &[now.into(), hash.into(), (now - 3600).into()],
        )
        .await?;
    }
    row.map(|r| r.session.into_caller()).transpose()
}

pub async fn list(db: &Db, username: &str) -> Result<Vec<Token>> {
    db.fetch_all(
        "SELECT t.id, t.label, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t \
         JOIN accounts a ON a.id = t.account_id WHERE a.username = $1 ORDER BY t.id",
        &[username.into()],
    )
    .await
}

pub async fn list_for(db: &Db, account_id: i64) -> Result<Vec<Token>> {
    db.fetch_all(
        "SELECT id, label, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE account_id = $1 ORDER BY id",
        &[account_id.into()],
    )
    .await
}

/// Revokes one of the account's own tokens; false if it has no such token in use.
pub async fn revoke_own(db: &Db, account_id: i64, id: i64) -> Result<bool> {
    let n = db
        .execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
             AND revoked_at IS NULL",
            &[super::now().into(), id.into(), account_id.into()],
        )
        .await?;
    Ok(n > 0)
}

/// Revokes a token; a revoked token is refused from the next request on.
pub async fn revoke(db: &Db, id: i64) -> Result<()> {
    let n = db
        .execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[super::now().into(), id.into()],
        )
        .await?;
    if n == 0 {
        return Err(AppError::invalid(format!(
            "Không có mã truy cập số {id} đang dùng được."
        )));
    }
    Ok(())
}
