//! SQL for the JSON API's keys and idempotency records. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::keys::KeyRow;
use crate::{db::Tx, error::Result, exec_tx, with_db, with_tx, Db};

/// What a call's key is checked against.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub created_by: Uuid,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub store_id: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn by_prefix(db: &Db, prefix: &str) -> Result<Option<AuthRow>> {
    const SQL: &str = "SELECT id, company_id, created_by, prefix, secret_hash, scopes, store_id, \
        expires_at, last_used_at, last_used_ip, revoked_at FROM api_keys WHERE prefix = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, AuthRow>(SQL)
        .bind(prefix)
        .fetch_optional(pool)
        .await)?)
}

pub struct NewRow<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub created_by: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: &'a str,
    pub store_id: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, k: &NewRow<'_>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO api_keys (id, company_id, created_by, name, prefix, secret_hash, \
        scopes, store_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(k.id)
            .bind(k.company_id)
            .bind(k.created_by)
            .bind(k.name)
            .bind(k.prefix)
            .bind(k.secret_hash)
            .bind(k.scopes)
            .bind(k.store_id)
            .bind(k.expires_at)
            .bind(k.created_at)
    )?;
    Ok(())
}

/// The company's keys that are neither revoked nor expired.
pub async fn count_active(tx: &mut Tx, company_id: Uuid, now: DateTime<Utc>) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM api_keys WHERE company_id = $1 AND revoked_at IS NULL \
        AND (expires_at IS NULL OR expires_at > $2)";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(now)
        .fetch_one(c)
        .await)?)
}

pub async fn list(db: &Db, company_id: Uuid) -> Result<Vec<KeyRow>> {
    const SQL: &str = "SELECT k.id, k.name, k.prefix, k.scopes, k.store_id, s.name AS store_name, \
        k.expires_at, k.created_at, u.name AS creator_name, k.last_used_at, k.last_used_ip, k.revoked_at \
        FROM api_keys k LEFT JOIN stores s ON s.id = k.store_id LEFT JOIN users u ON u.id = k.created_by \
        WHERE k.company_id = $1 ORDER BY k.created_at DESC, k.id DESC";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, KeyRow>(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

/// Revokes the company's key when it is not revoked yet; answers its prefix then.
pub async fn revoke(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    const SQL: &str = "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND company_id = $3 \
        AND revoked_at IS NULL RETURNING prefix";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(now)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

pub async fn prefix_in_company(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT prefix FROM api_keys WHERE id = $1 AND company_id = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// Notes when and from where the key was last used.
pub async fn touch(tx: &mut Tx, id: Uuid, now: DateTime<Utc>, ip: Option<&str>) -> Result<()> {
    const SQL: &str = "UPDATE api_keys SET last_used_at = $1, last_used_ip = $2 WHERE id = $3";
    exec_tx!(tx, sqlx::query(SQL).bind(now).bind(ip).bind(id))?;
    Ok(())
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT id FROM users WHERE email = $1";
    Ok(with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(email)
        .fetch_optional(pool)
        .await)?)
}

/// True when the store is the company's and, for a member limited to granted stores, granted.
pub async fn store_visible(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    store_id: Uuid,
) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM stores s WHERE s.id = $1 AND s.company_id = $2 \
        AND ($3 IS NULL OR s.id IN (SELECT store_id FROM store_access WHERE company_id = $2 AND user_id = $3))";
    let n: i64 = with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(store_id)
        .bind(company_id)
        .bind(limited_to)
        .fetch_one(pool)
        .await)?;
    Ok(n > 0)
}

/// A stored answer to an idempotent request.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IdemRow {
    pub request_hash: Vec<u8>,
    pub status: Option<i32>,
    pub body: Option<String>,
}

/// Claims (key, Idempotency-Key) for a request; answers false when it was claimed before.
pub async fn claim(
    tx: &mut Tx,
    key_id: Uuid,
    idem: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "INSERT INTO api_idempotency (api_key_id, idem_key, request_hash, created_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (api_key_id, idem_key) DO NOTHING";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(key_id)
            .bind(idem)
            .bind(hash)
            .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn claimed(db: &Db, key_id: Uuid, idem: &str) -> Result<Option<IdemRow>> {
    const SQL: &str = "SELECT request_hash, status, body FROM api_idempotency \
        WHERE api_key_id = $1 AND idem_key = $2";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, IdemRow>(SQL)
        .bind(key_id)
        .bind(idem)
        .fetch_optional(pool)
        .await)?)
}

/// Keeps the first answer.
pub async fn answer(tx: &mut Tx, key_id: Uuid, idem: &str, status: i32, body: &str) -> Result<()> {
    const SQL: &str =
        "UPDATE api_idempotency SET status = $1, body = $2 WHERE api_key_id = $3 AND idem_key = $4";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(status)
            .bind(body)
            .bind(key_id)
            .bind(idem)
    )?;
    Ok(())
}

/// Gives the key back (the request failed on our side, so it may be tried again).
pub async fn release(tx: &mut Tx, key_id: Uuid, idem: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM api_idempotency WHERE api_key_id = $1 AND idem_key = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(key_id).bind(idem))?;
    Ok(())
}

/// Forgets answers older than `before`; answers how many.
pub async fn prune_idempotency(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM api_idempotency WHERE created_at < $1";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(before))?)
}
