//! SQL for order imports: the store an import goes to, the order numbers it already has, and
//! the kept preview with its one-time claim.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

/// The store-access condition on `s` ($1 = company, $2 = the member or NULL).
const VISIBLE: &str = "($2 IS NULL OR s.id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2))";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportStore {
    /// The connection's currency (RON for a store without one).
    pub currency: String,
}

/// A store of the company the member sees.
pub async fn visible_store(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    store_id: Uuid,
) -> Result<Option<ImportStore>> {
    let sql = format!(
        "SELECT COALESCE(c.currency, 'RON') AS currency FROM stores s \
         LEFT JOIN store_connections c ON c.store_id = s.id \
         WHERE s.company_id = $1 AND {VISIBLE} AND s.id = $3"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited_to)
        .bind(store_id)
        .fetch_optional(c)
        .await)?)
}

/// Which of these order numbers the store has already (asked 500 at a time, so a big store
/// is never read whole).
pub async fn numbers_taken(db: &Db, store_id: Uuid, numbers: &[String]) -> Result<HashSet<String>> {
    let mut taken = HashSet::new();
    for chunk in numbers.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT number FROM orders WHERE store_id = $1 AND number IN ({})",
            marks.join(", ")
        );
        let rows: Vec<String> = with_db!(db, |c| {
            let mut q = sqlx::query_scalar(&sql).bind(store_id);
            for n in chunk {
                q = q.bind(n);
            }
            q.fetch_all(c).await
        })?;
        taken.extend(rows);
    }
    Ok(taken)
}

/// Whether the store has an order with this number (inside the confirming transaction).
pub async fn number_taken(tx: &mut Tx, store_id: Uuid, number: &str) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM orders WHERE store_id = $1 AND number = $2";
    let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(store_id)
        .bind(number)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

pub struct NewImport<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub store_id: Uuid,
    pub by: Uuid,
    pub file_name: &'a str,
    pub rows: &'a str,
    pub orders: &'a str,
    pub ignored: &'a str,
    pub new_orders: i64,
    pub existing: i64,
    pub errors: i64,
    pub now: DateTime<Utc>,
}

pub async fn insert(db: &Db, i: &NewImport<'_>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO order_imports (id, company_id, store_id, created_by, file_name, created_at, \
        rows_json, orders_json, ignored, new_orders, existing, errors) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(i.id)
            .bind(i.company_id)
            .bind(i.store_id)
            .bind(i.by)
            .bind(i.file_name)
            .bind(i.now)
            .bind(i.rows)
            .bind(i.orders)
            .bind(i.ignored)
            .bind(i.new_orders)
            .bind(i.existing)
            .bind(i.errors)
    )?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(rename = "rows_json")]
    pub rows: String,
    #[sqlx(rename = "orders_json")]
    pub orders: String,
    pub ignored: String,
    pub new_orders: i64,
    pub existing: i64,
    pub errors: i64,
    pub imported_at: Option<DateTime<Utc>>,
    pub imported: i64,
}

/// An import of the company, in a store the member sees.
pub async fn get(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    id: Uuid,
) -> Result<Option<ImportRow>> {
    let sql = format!(
        "SELECT i.id, i.store_id, s.name AS store_name, i.file_name, i.created_at, i.rows_json, \
         i.orders_json, i.ignored, i.new_orders, i.existing, i.errors, i.imported_at, i.imported \
         FROM order_imports i JOIN stores s ON s.id = i.store_id \
         WHERE i.company_id = $1 AND {VISIBLE} AND i.id = $3"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited_to)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Takes the import for confirming; false when it was taken already.
pub async fn claim(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str =
        "UPDATE order_imports SET imported_at = $2 WHERE id = $1 AND imported_at IS NULL";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(now))? > 0)
}

/// Records how many orders the confirmation wrote; the orders to write are no longer needed.
pub async fn finish(tx: &mut Tx, id: Uuid, imported: i64) -> Result<()> {
    const SQL: &str = "UPDATE order_imports SET imported = $2, orders_json = '[]' WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(id).bind(imported))?;
    Ok(())
}
