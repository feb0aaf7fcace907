//! SQL for the work done on orders: bulk runs and their orders, and the processing errors.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{filter_sql, Arg, ListFilter, TextBy};
use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

/// The store-access condition on `o` for a member limited to granted stores ($2 = company,
/// $3 = the member or NULL).
const VISIBLE: &str = "($3 IS NULL OR o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $2 AND user_id = $3))";

// Orders, as the actions need them.

/// What an action reads of an order, locked for the transaction on PostgreSQL.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderState {
    pub id: Uuid,
    pub status: String,
    pub phone: Option<String>,
    pub shipping_address: Option<String>,
}

pub async fn order_state_for_update(
    tx: &mut Tx,
    company_id: Uuid,
    order_id: Uuid,
) -> Result<Option<OrderState>> {
    const SQL: &str =
        "SELECT id, status, phone, shipping_address FROM orders WHERE id = $1 AND company_id = $2";
    let sql = match tx {
        Tx::Postgres(_) => format!("{SQL} FOR NO KEY UPDATE"),
        Tx::Sqlite(..) => SQL.to_string(),
    };
    Ok(with_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(order_id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// Sets our status (and the change time the inbox watches).
pub async fn set_status(
    tx: &mut Tx,
    order_id: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(order_id).bind(status).bind(now))?;
    Ok(())
}

// Bulk runs.

pub struct NewRun<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub by: Uuid,
    pub key: &'a str,
    pub action: &'a str,
    pub target_status: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Creates a run (with no orders yet); false when the company already has one with this key.
pub async fn insert_run(tx: &mut Tx, r: &NewRun<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO order_bulk_runs (id, company_id, created_by, request_key, action, target_status, \
        total, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 'queued', $7) \
        ON CONFLICT (company_id, request_key) DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(r.id)
            .bind(r.company_id)
            .bind(r.by)
            .bind(r.key)
            .bind(r.action)
            .bind(r.target_status)
            .bind(r.now)
    )? > 0)
}

pub async fn run_by_key(tx: &mut Tx, company_id: Uuid, key: &str) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT id FROM order_bulk_runs WHERE company_id = $1 AND request_key = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(key)
        .fetch_optional(c)
        .await)?)
}

/// The ids of the orders matching the filter, in its order, at most `limit`.
pub async fn matching_ids(tx: &mut Tx, f: &ListFilter, limit: i64) -> Result<Vec<Uuid>> {
    let (where_, mut args, order) = filter_sql(f, &TextBy::for_tx(tx, f).await?);
    let sql = format!(
        "SELECT o.id FROM orders o WHERE {where_} ORDER BY {order} LIMIT ${}",
        args.len() + 1
    );
    args.push(Arg::Int(limit));
    Ok(with_tx!(tx, |c| bind_args!(
        sqlx::query_scalar::<_, Uuid>(&sql),
        args.iter()
    )
    .fetch_all(c)
    .await)?)
}

/// Which of `ids` are orders the filter allows (the company's, in the member's stores).
pub async fn visible_ids(tx: &mut Tx, f: &ListFilter, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let (where_, mut args, _) = filter_sql(f, &TextBy::for_tx(tx, f).await?);
    let first = args.len() + 1;
    let marks: Vec<String> = (first..first + ids.len())
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "SELECT o.id FROM orders o WHERE {where_} AND o.id IN ({})",
        marks.join(", ")
    );
    args.extend(ids.iter().copied().map(Arg::Id));
    Ok(with_tx!(tx, |c| bind_args!(
        sqlx::query_scalar::<_, Uuid>(&sql),
        args.iter()
    )
    .fetch_all(c)
    .await)?)
}

/// Adds the run's orders (positions from 1, in the order given) and sets its total.
pub async fn add_items(tx: &mut Tx, run_id: Uuid, ids: &[Uuid]) -> Result<()> {
    const PER_STATEMENT: usize = 300;
    for (chunk_no, chunk) in ids.chunks(PER_STATEMENT).enumerate() {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args = Vec::with_capacity(chunk.len() * 2 + 1);
        args.push(Arg::Id(run_id));
        for (i, id) in chunk.iter().enumerate() {
            let position = (chunk_no * PER_STATEMENT + i + 1) as i64;
            args.push(Arg::Int(position));
            args.push(Arg::Id(*id));
            values.push(format!("($1, ${}, ${})", args.len() - 1, args.len()));
        }
        let sql = format!(
            "INSERT INTO order_bulk_items (run_id, position, order_id) VALUES {}",
            values.join(", ")
        );
        with_tx!(tx, |c| bind_args!(sqlx::query(&sql), args.iter())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    const TOTAL: &str = "UPDATE order_bulk_runs SET total = $2 WHERE id = $1";
    exec_tx!(tx, sqlx::query(TOTAL).bind(run_id).bind(ids.len() as i64))?;
    Ok(())
}

/// A run as its page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: Uuid,
    pub company_id: Uuid,
    pub created_by: Option<Uuid>,
    pub creator: Option<String>,
    pub action: String,
    pub target_status: Option<String>,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str =
    "r.id, r.company_id, r.created_by, u.name AS creator, r.action, r.target_status, r.total, \
    r.succeeded, r.failed, r.skipped, r.state, r.created_at, r.finished_at \
    FROM order_bulk_runs r LEFT JOIN users u ON u.id = r.created_by";

/// A run of the company (any company when `company_id` is None: the job).
pub async fn run(db: &Db, company_id: Option<Uuid>, id: Uuid) -> Result<Option<RunRow>> {
    let sql = format!("SELECT {RUN_COLUMNS} WHERE r.id = $1 AND ($2 IS NULL OR r.company_id = $2)");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// The company's newest runs.
pub async fn runs(db: &Db, company_id: Uuid, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} WHERE r.company_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

pub async fn set_run_state(
    db: &Db,
    id: Uuid,
    state: &str,
    finished_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str = "UPDATE order_bulk_runs SET state = $2, finished_at = $3 WHERE id = $1";
    exec!(db, sqlx::query(SQL).bind(id).bind(state).bind(finished_at))?;
    Ok(())
}

/// The next orders of the run still to do: (position, order).
pub async fn pending_items(db: &Db, run_id: Uuid, limit: i64) -> Result<Vec<(i64, Uuid)>> {
    const SQL: &str =
        "SELECT position, order_id FROM order_bulk_items WHERE run_id = $1 AND result = 'pending' \
        ORDER BY position LIMIT $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(run_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// Records what happened to one order of the run and counts it, once: false when it was
/// already recorded (a retried job reaching it again).
pub async fn finish_item(
    tx: &mut Tx,
    run_id: Uuid,
    position: i64,
    result: &str,
    message: &str,
) -> Result<bool> {
    const ITEM: &str = "UPDATE order_bulk_items SET result = $3, message = $4 \
        WHERE run_id = $1 AND position = $2 AND result = 'pending'";
    let n = exec_tx!(
        tx,
        sqlx::query(ITEM)
            .bind(run_id)
            .bind(position)
            .bind(result)
            .bind(message)
    )?;
    if n == 0 {
        return Ok(false);
    }
    const COUNT: &str = "UPDATE order_bulk_runs SET \
        succeeded = succeeded + CASE WHEN $2 = 'succeeded' THEN 1 ELSE 0 END, \
        failed = failed + CASE WHEN $2 = 'failed' THEN 1 ELSE 0 END, \
        skipped = skipped + CASE WHEN $2 = 'skipped' THEN 1 ELSE 0 END WHERE id = $1";
    exec_tx!(tx, sqlx::query(COUNT).bind(run_id).bind(result))?;
    Ok(true)
}

/// An order of a run as its page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub position: i64,
    pub order_id: Uuid,
    pub number: String,
    pub store_name: String,
    pub status: String,
    pub result: String,
    pub message: Option<String>,
}

/// A page of the run's orders the member may see, failures first when `failed_first`.
pub async fn items(
    db: &Db,
    run_id: Uuid,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ItemRow>> {
    let sql = format!(
        "SELECT i.position, i.order_id, o.number, s.name AS store_name, o.status, i.result, i.message \
         FROM order_bulk_items i JOIN orders o ON o.id = i.order_id JOIN stores s ON s.id = o.store_id \
         WHERE i.run_id = $1 AND o.company_id = $2 AND {VISIBLE} \
         ORDER BY CASE i.result WHEN 'failed' THEN 0 WHEN 'pending' THEN 2 ELSE 1 END, i.position LIMIT $4 OFFSET $5"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(run_id)
        .bind(company_id)
        .bind(limited_to)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)?)
}

/// An order a run completed, for its picking list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PickedRow {
    pub order_id: Uuid,
    pub number: String,
    pub customer_name: String,
    pub awb: Option<String>,
}

/// The orders the run completed that the member may see, in the run's order, with their AWB.
pub async fn picked_orders(
    db: &Db,
    run_id: Uuid,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PickedRow>> {
    let sql = format!(
        "SELECT o.id AS order_id, o.number, o.customer_name, \
         (SELECT a.number FROM awbs a WHERE a.order_id = o.id AND a.state = 'active' ORDER BY a.created_at DESC LIMIT 1) AS awb \
         FROM order_bulk_items i JOIN orders o ON o.id = i.order_id \
         WHERE i.run_id = $1 AND o.company_id = $2 AND {VISIBLE} AND i.result = 'succeeded' \
         ORDER BY i.position LIMIT $4"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(run_id)
        .bind(company_id)
        .bind(limited_to)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// A line of an order a run completed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PickedItem {
    pub order_id: Uuid,
    pub sku: Option<String>,
    pub title: String,
    pub variant: Option<String>,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

/// The lines of every order the run completed, in the run's order (one statement, however
/// many orders).
pub async fn picked_items(db: &Db, run_id: Uuid, company_id: Uuid) -> Result<Vec<PickedItem>> {
    const SQL: &str = "SELECT oi.order_id, oi.sku, oi.title, oi.variant, oi.quantity, oi.unit_price_minor \
        FROM order_bulk_items i JOIN orders o ON o.id = i.order_id JOIN order_items oi ON oi.order_id = i.order_id \
        WHERE i.run_id = $1 AND o.company_id = $2 AND i.result = 'succeeded' ORDER BY i.position, oi.position";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(run_id)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}

// Processing errors.

/// A step that failed on an order, to record.
pub struct Failure<'a> {
    pub company_id: Uuid,
    pub order_id: Uuid,
    pub action: &'a str,
    /// PENDING (retried on its own) or FAILED (a person is needed).
    pub status: &'a str,
    pub message: &'a str,
    pub by: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// Records that a step failed on the order (or failed again: one row per order and step,
/// its attempts counted).
pub async fn record_error(tx: &mut Tx, f: &Failure<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO order_errors (id, company_id, order_id, action, status, message, attempts, \
        created_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, $8) \
        ON CONFLICT (order_id, action) DO UPDATE SET status = excluded.status, message = excluded.message, \
        attempts = order_errors.attempts + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(Uuid::now_v7())
            .bind(f.company_id)
            .bind(f.order_id)
            .bind(f.action)
            .bind(f.status)
            .bind(f.message)
            .bind(f.now)
            .bind(f.by)
    )?;
    Ok(())
}

/// `action` succeeded on the order (or had nothing left to do): its open error is resolved.
pub async fn resolve_error(
    tx: &mut Tx,
    order_id: Uuid,
    action: &str,
    message: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE order_errors SET status = 'RESOLVED', message = $3, updated_at = $4, updated_by = $5 \
        WHERE order_id = $1 AND action = $2 AND status <> 'RESOLVED'";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(order_id)
            .bind(action)
            .bind(message)
            .bind(now)
            .bind(by)
    )?;
    Ok(())
}

/// A processing error as the tab lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ErrorRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub number: String,
    pub store_name: String,
    pub action: String,
    pub status: String,
    pub message: String,
    pub attempts: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

/// The member's errors (of one status, or the open ones: PENDING, RETRYING, FAILED), newest
/// first.
pub async fn errors(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ErrorRow>> {
    let sql = format!(
        "SELECT e.id, e.order_id, o.number, s.name AS store_name, e.action, e.status, e.message, e.attempts, \
         e.updated_at, u.name AS updated_by_name FROM order_errors e JOIN orders o ON o.id = e.order_id \
         JOIN stores s ON s.id = o.store_id LEFT JOIN users u ON u.id = e.updated_by \
         WHERE e.company_id = $2 AND {VISIBLE} AND (($1 IS NULL AND e.status IN ('PENDING', 'RETRYING', 'FAILED')) OR e.status = $1) \
         ORDER BY e.updated_at DESC, e.id DESC LIMIT $4 OFFSET $5"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(status)
        .bind(company_id)
        .bind(limited_to)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)?)
}

/// How many of the member's errors are in each status.
pub async fn error_counts(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
) -> Result<Vec<(String, i64)>> {
    const SQL: &str = "SELECT e.status, COUNT(*) FROM order_errors e JOIN orders o ON o.id = e.order_id \
        WHERE e.company_id = $1 AND ($2 IS NULL OR o.store_id IN \
        (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2)) GROUP BY e.status";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limited_to)
        .fetch_all(c)
        .await)?)
}

/// An error of the company in a store the member may see, locked on PostgreSQL:
/// (order, action, status).
pub async fn error_for_update(
    tx: &mut Tx,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    id: Uuid,
) -> Result<Option<(Uuid, String, String)>> {
    let mut sql = format!(
        "SELECT e.order_id, e.action, e.status FROM order_errors e JOIN orders o ON o.id = e.order_id \
         WHERE e.id = $1 AND e.company_id = $2 AND {VISIBLE}"
    );
    if matches!(tx, Tx::Postgres(_)) {
        sql.push_str(" FOR UPDATE OF e");
    }
    Ok(with_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(company_id)
        .bind(limited_to)
        .fetch_optional(c)
        .await)?)
}

pub async fn set_error_status(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE order_errors SET status = $2, updated_by = $3, updated_at = $4 WHERE id = $1";
    exec_tx!(
        tx,
        sqlx::query(SQL).bind(id).bind(status).bind(by).bind(now)
    )?;
    Ok(())
}

/// An error by id, for its retry job: (company, order, action, status, who asked last).
pub async fn error_by_id(
    db: &Db,
    id: Uuid,
) -> Result<Option<(Uuid, Uuid, String, String, Option<Uuid>)>> {
    const SQL: &str =
        "SELECT company_id, order_id, action, status, updated_by FROM order_errors WHERE id = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// The order's error of `step`: (id, attempts).
pub async fn error_of(tx: &mut Tx, order_id: Uuid, action: &str) -> Result<Option<(Uuid, i64)>> {
    const SQL: &str = "SELECT id, attempts FROM order_errors WHERE order_id = $1 AND action = $2";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .bind(action)
        .fetch_optional(c)
        .await)?)
}
