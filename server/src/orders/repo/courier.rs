//! SQL for shipping: a company's courier account, its AWBs and their tracking events.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub client_id: String,
    pub sealed_credentials: String,
    pub credentials_hint: String,
    pub sealed_token: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub service: String,
    pub payer: String,
    pub weight_grams: i64,
    pub handover_close: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

pub async fn account(db: &Db, company_id: Uuid) -> Result<Option<AccountRow>> {
    const SQL: &str = "SELECT a.client_id, a.sealed_credentials, a.credentials_hint, a.sealed_token, \
        a.token_expires_at, a.service, a.payer, a.weight_grams, a.handover_close, a.updated_at, u.name AS updated_by_name \
        FROM courier_accounts a LEFT JOIN users u ON u.id = a.updated_by WHERE a.company_id = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

pub struct NewAccount<'a> {
    pub company_id: Uuid,
    pub client_id: &'a str,
    pub sealed: &'a str,
    pub hint: &'a str,
    pub service: &'a str,
    pub payer: &'a str,
    pub weight_grams: i64,
    pub handover_close: &'a str,
    pub by: Uuid,
    pub now: DateTime<Utc>,
}

/// Saves the account; a cached token is dropped (it may be another account's).
pub async fn upsert_account(tx: &mut Tx, a: &NewAccount<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO courier_accounts (company_id, client_id, sealed_credentials, credentials_hint, \
        service, payer, weight_grams, updated_by, updated_at, handover_close) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
        ON CONFLICT (company_id) DO UPDATE SET client_id = excluded.client_id, \
        sealed_credentials = excluded.sealed_credentials, credentials_hint = excluded.credentials_hint, \
        service = excluded.service, payer = excluded.payer, weight_grams = excluded.weight_grams, \
        handover_close = excluded.handover_close, \
        updated_by = excluded.updated_by, updated_at = excluded.updated_at, sealed_token = NULL, token_expires_at = NULL";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(a.company_id)
            .bind(a.client_id)
            .bind(a.sealed)
            .bind(a.hint)
            .bind(a.service)
            .bind(a.payer)
            .bind(a.weight_grams)
            .bind(a.by)
            .bind(a.now)
            .bind(a.handover_close)
    )?;
    Ok(())
}

pub async fn delete_account(tx: &mut Tx, company_id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM courier_accounts WHERE company_id = $1";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(company_id))? > 0)
}

pub async fn save_token(
    db: &Db,
    company_id: Uuid,
    sealed: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE courier_accounts SET sealed_token = $2, token_expires_at = $3 WHERE company_id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(sealed)
            .bind(expires_at)
    )?;
    Ok(())
}

pub struct NewAwb<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub order_id: Uuid,
    pub service: &'a str,
    pub payer: &'a str,
    pub weight_grams: i64,
    pub parcels: i64,
    pub cod_minor: i64,
    pub declared_minor: i64,
    pub currency: &'a str,
    pub notes: &'a str,
    pub by: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// Claims the order for a new AWB ('creating'); false when it has one being created or active.
pub async fn claim(tx: &mut Tx, a: &NewAwb<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO awbs (id, company_id, order_id, state, service, payer, weight_grams, parcels, \
        cod_minor, declared_minor, currency, notes, created_by, created_at, updated_at) \
        VALUES ($1, $2, $3, 'creating', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(a.id)
            .bind(a.company_id)
            .bind(a.order_id)
            .bind(a.service)
            .bind(a.payer)
            .bind(a.weight_grams)
            .bind(a.parcels)
            .bind(a.cod_minor)
            .bind(a.declared_minor)
            .bind(a.currency)
            .bind(a.notes)
            .bind(a.by)
            .bind(a.now)
    )? > 0)
}

/// The order's AWB being created or active: (number, state).
pub async fn open_awb(tx: &mut Tx, order_id: Uuid) -> Result<Option<(Option<String>, String)>> {
    const SQL: &str =
        "SELECT number, state FROM awbs WHERE order_id = $1 AND state IN ('creating', 'active')";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .fetch_optional(c)
        .await)?)
}

/// What FAN Courier answered: 'active' with the number, or 'failed' with why.
pub async fn finish_awb(
    tx: &mut Tx,
    id: Uuid,
    number: Option<&str>,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE awbs SET state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'active' END, \
        number = $2, message = $3, updated_at = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(number)
            .bind(message)
            .bind(now)
    )?;
    Ok(())
}

/// What the courier charged for an AWB (the order's courier cost follows, by trigger).
pub async fn set_awb_cost(tx: &mut Tx, id: Uuid, cost_minor: i64, currency: &str) -> Result<()> {
    const SQL: &str = "UPDATE awbs SET cost_minor = $2, cost_currency = $3 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL).bind(id).bind(cost_minor).bind(currency)
    )?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AwbRow {
    pub id: Uuid,
    pub number: Option<String>,
    pub state: String,
    pub service: String,
    pub payer: String,
    pub weight_grams: i64,
    pub parcels: i64,
    pub cod_minor: i64,
    pub declared_minor: i64,
    pub currency: String,
    pub notes: String,
    pub message: Option<String>,
    pub courier_status: Option<String>,
    pub courier_status_name: Option<String>,
    pub tracked_at: Option<DateTime<Utc>>,
    pub creator: Option<String>,
    pub created_at: DateTime<Utc>,
    /// What the courier charged, in `cost_currency`, when its answer said.
    pub cost_minor: Option<i64>,
    pub cost_currency: Option<String>,
}

/// The order's AWBs, newest first.
pub async fn awbs_of(db: &Db, order_id: Uuid) -> Result<Vec<AwbRow>> {
    const SQL: &str = "SELECT a.id, a.number, a.state, a.service, a.payer, a.weight_grams, a.parcels, a.cod_minor, \
        a.declared_minor, a.currency, a.notes, a.message, a.courier_status, a.courier_status_name, a.tracked_at, \
        u.name AS creator, a.created_at, a.cost_minor, a.cost_currency FROM awbs a LEFT JOIN users u ON u.id = a.created_by \
        WHERE a.order_id = $1 ORDER BY a.created_at DESC, a.id DESC";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .fetch_all(c)
        .await)?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AwbEventRow {
    pub awb_id: Uuid,
    pub code: String,
    pub name: String,
    pub location: String,
    pub happened_at: DateTime<Utc>,
}

/// The tracking events of the order's AWBs, newest first.
pub async fn awb_events(db: &Db, order_id: Uuid) -> Result<Vec<AwbEventRow>> {
    const SQL: &str =
        "SELECT e.awb_id, e.code, e.name, e.location, e.happened_at FROM awb_events e \
        JOIN awbs a ON a.id = e.awb_id WHERE a.order_id = $1 ORDER BY e.happened_at DESC";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .fetch_all(c)
        .await)?)
}

/// An active AWB of the order: (company, number).
pub async fn active_awb(db: &Db, order_id: Uuid, awb_id: Uuid) -> Result<Option<String>> {
    const SQL: &str =
        "SELECT number FROM awbs WHERE id = $1 AND order_id = $2 AND state = 'active' AND number IS NOT NULL";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(awb_id)
        .bind(order_id)
        .fetch_optional(c)
        .await)?)
}

/// Active AWBs of orders still on their way, not tracked since `before`: (company, AWB id,
/// number), a company's together.
pub async fn due_for_tracking(
    db: &Db,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, Uuid, String)>> {
    const SQL: &str = "SELECT a.company_id, a.id, a.number FROM awbs a JOIN orders o ON o.id = a.order_id \
        WHERE a.state = 'active' AND a.number IS NOT NULL AND (a.tracked_at IS NULL OR a.tracked_at < $1) \
        AND o.status NOT IN ('DELIVERED', 'RETURNED', 'CANCELLED') ORDER BY a.company_id, a.tracked_at LIMIT $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(before)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// An AWB for tracking, locked on PostgreSQL: (order, order's status, company).
pub async fn awb_order_for_update(
    tx: &mut Tx,
    awb_id: Uuid,
) -> Result<Option<(Uuid, String, Uuid)>> {
    let mut sql = "SELECT o.id, o.status, o.company_id FROM awbs a JOIN orders o ON o.id = a.order_id WHERE a.id = $1"
        .to_string();
    if matches!(tx, Tx::Postgres(_)) {
        sql.push_str(" FOR NO KEY UPDATE OF o");
    }
    Ok(with_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(awb_id)
        .fetch_optional(c)
        .await)?)
}

/// Adds an event (once) and answers whether it was new.
pub async fn add_awb_event(
    tx: &mut Tx,
    awb_id: Uuid,
    code: &str,
    name: &str,
    location: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO awb_events (awb_id, code, name, location, happened_at) VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(awb_id)
            .bind(code)
            .bind(name)
            .bind(location)
            .bind(at)
    )? > 0)
}

pub async fn tracked(
    tx: &mut Tx,
    awb_id: Uuid,
    last: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE awbs SET courier_status = COALESCE($2, courier_status), \
        courier_status_name = COALESCE($3, courier_status_name), tracked_at = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(awb_id)
            .bind(last.map(|l| l.0))
            .bind(last.map(|l| l.1))
            .bind(now)
    )?;
    Ok(())
}
