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

/// Takes over a claim whose first request never got its answer (claimed before `stale`),
/// for the same request only.
pub async fn reclaim_stale(
    tx: &mut Tx,
    key_id: Uuid,
    idem: &str,
    hash: &[u8],
    now: DateTime<Utc>,
    stale: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE api_idempotency SET created_at = $1 WHERE api_key_id = $2 \
        AND idem_key = $3 AND request_hash = $4 AND status IS NULL AND created_at < $5";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(now)
            .bind(key_id)
            .bind(idem)
            .bind(hash)
            .bind(stale)
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

// ---- outgoing webhooks ----

pub struct NewEndpoint<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a str,
    pub secret: &'a str,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
}

pub async fn count_endpoints(tx: &mut Tx, company_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM webhook_endpoints WHERE company_id = $1";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_one(c)
        .await)?)
}

pub async fn insert_endpoint(tx: &mut Tx, e: &NewEndpoint<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO webhook_endpoints (id, company_id, url, description, events, secret, \
        enabled, failures, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, 0, $7, $8, $8)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(e.id)
            .bind(e.company_id)
            .bind(e.url)
            .bind(e.description)
            .bind(e.events)
            .bind(e.secret)
            .bind(e.created_by)
            .bind(e.now)
    )?;
    Ok(())
}

/// Turns the company's endpoint on or off; answers its address.
pub async fn set_endpoint_enabled(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    const SQL: &str = "UPDATE webhook_endpoints SET enabled = $1, updated_at = $2 \
        WHERE id = $3 AND company_id = $4 RETURNING url";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(enabled)
        .bind(now)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// Deletes the company's endpoint (its deliveries go with it); answers its address.
pub async fn delete_endpoint(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Option<String>> {
    const SQL: &str =
        "DELETE FROM webhook_endpoints WHERE id = $1 AND company_id = $2 RETURNING url";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

pub async fn endpoint_exists(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM webhook_endpoints WHERE id = $1 AND company_id = $2";
    let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(company_id)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Moves the current secret to `previous_secret` (signing until `until`) and sets the new
/// one; answers the endpoint's address.
pub async fn rotate_secret(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    sealed: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    const SQL: &str =
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $1, \
        secret = $2, updated_at = $3 WHERE id = $4 AND company_id = $5 RETURNING url";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(until)
        .bind(sealed)
        .bind(now)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

#[derive(sqlx::FromRow)]
pub struct Secrets {
    pub secret: String,
}

pub async fn endpoint_secrets(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<Secrets>> {
    const SQL: &str = "SELECT secret FROM webhook_endpoints WHERE id = $1 AND company_id = $2";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Secrets>(SQL)
        .bind(id)
        .bind(company_id)
        .fetch_optional(pool)
        .await)?)
}

pub async fn endpoints(db: &Db, company_id: Uuid) -> Result<Vec<super::webhooks::EndpointRow>> {
    const SQL: &str = "SELECT id, url, description, events, enabled, CAST(failures AS BIGINT) AS failures, \
        circuit_open_until, previous_until, created_at FROM webhook_endpoints WHERE company_id = $1 \
        ORDER BY created_at, id";
    Ok(with_db!(db, |pool| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

pub async fn deliveries(
    db: &Db,
    company_id: Uuid,
    endpoint: Uuid,
    limit: i64,
) -> Result<Vec<super::webhooks::DeliveryRow>> {
    const SQL: &str =
        "SELECT id, event_id, event_type, status, attempts, next_attempt_at, last_status, \
        last_error, last_response, last_ms, created_at, delivered_at FROM webhook_deliveries \
        WHERE company_id = $1 AND endpoint_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3";
    Ok(with_db!(db, |pool| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(endpoint)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// The company's enabled endpoints that chose `event_type`.
pub async fn subscribed(tx: &mut Tx, company_id: Uuid, event_type: &str) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT id FROM webhook_endpoints WHERE company_id = $1 AND enabled = TRUE \
        AND (' ' || events || ' ') LIKE $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(format!("% {event_type} %"))
        .fetch_all(c)
        .await)?)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_delivery(
    tx: &mut Tx,
    id: Uuid,
    company_id: Uuid,
    endpoint: Uuid,
    event_id: &str,
    event_type: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, event_type, \
        payload, status, attempts, next_attempt_at, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $7)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(endpoint)
            .bind(event_id)
            .bind(event_type)
            .bind(payload)
            .bind(now)
    )?;
    Ok(())
}

/// A delivery with what its attempt needs of the endpoint.
#[derive(sqlx::FromRow)]
pub struct DeliveryAttempt {
    pub company_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub url: String,
    pub enabled: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
    pub failures: i64,
    pub circuit_open_until: Option<DateTime<Utc>>,
}

pub async fn delivery_for_attempt(db: &Db, id: Uuid) -> Result<Option<DeliveryAttempt>> {
    const SQL: &str = "SELECT d.company_id, d.endpoint_id, d.event_id, d.payload, d.status, d.attempts, \
        e.url, e.enabled, e.secret, e.previous_secret, e.previous_until, CAST(e.failures AS BIGINT) AS failures, \
        e.circuit_open_until FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
        WHERE d.id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, DeliveryAttempt>(
        SQL
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Notes an attempt on the delivery; `counted` attempts add one.
#[allow(clippy::too_many_arguments)]
pub async fn record_attempt(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    http_status: Option<i32>,
    response: Option<&str>,
    error: Option<&str>,
    ms: Option<i64>,
    now: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + $2, last_status = $3, \
        last_response = $4, last_error = $5, last_ms = $6, updated_at = $7, next_attempt_at = $8, \
        delivered_at = CASE WHEN $1 = 'delivered' THEN $7 ELSE delivered_at END WHERE id = $9";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(status)
            .bind(i32::from(ms.is_some()))
            .bind(http_status)
            .bind(response)
            .bind(error)
            .bind(ms)
            .bind(now)
            .bind(next)
            .bind(id)
    )?;
    Ok(())
}

pub async fn postpone(tx: &mut Tx, id: Uuid, until: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(until).bind(id))?;
    Ok(())
}

/// Puts a dead or delivered delivery back to pending with no attempts; a pending one too when
/// its attempt is overdue since `stuck` (its job gave up on an error of ours).
pub async fn restart_delivery(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
    stuck: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, \
        updated_at = $1 WHERE id = $2 AND company_id = $3 AND (status IN ('dead', 'delivered') \
        OR (status = 'pending' AND next_attempt_at < $4))";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(now)
            .bind(id)
            .bind(company_id)
            .bind(stuck)
    )?;
    Ok(n == 1)
}

pub async fn endpoint_succeeded(tx: &mut Tx, id: Uuid) -> Result<()> {
    const SQL: &str =
        "UPDATE webhook_endpoints SET failures = 0, circuit_open_until = NULL WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(id))?;
    Ok(())
}

/// Counts a failed attempt; answers the consecutive failures now.
pub async fn endpoint_failed(tx: &mut Tx, id: Uuid) -> Result<i64> {
    const SQL: &str = "UPDATE webhook_endpoints SET failures = failures + 1 WHERE id = $1 \
        RETURNING CAST(failures AS BIGINT)";
    let failures: Option<i64> = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(id)
        .fetch_optional(c)
        .await)?;
    Ok(failures.unwrap_or(0))
}

pub async fn open_circuit(tx: &mut Tx, id: Uuid, until: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE webhook_endpoints SET circuit_open_until = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(until).bind(id))?;
    Ok(())
}

/// Takes the half-open circuit's one probe: holds the circuit shut until `hold` while it runs.
pub async fn claim_probe(
    tx: &mut Tx,
    id: Uuid,
    now: DateTime<Utc>,
    hold: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE webhook_endpoints SET circuit_open_until = $1 WHERE id = $2 \
        AND (circuit_open_until IS NULL OR circuit_open_until <= $3)";
    let n = exec_tx!(tx, sqlx::query(SQL).bind(hold).bind(id).bind(now))?;
    Ok(n == 1)
}

pub async fn owner_emails(tx: &mut Tx, company_id: Uuid) -> Result<Vec<String>> {
    const SQL: &str = "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
        WHERE m.company_id = $1 AND m.role = 'owner' AND m.disabled_at IS NULL \
        AND u.disabled_at IS NULL ORDER BY u.email";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}
