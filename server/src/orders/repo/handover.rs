//! SQL for the daily courier handover: AWBs waiting to be handed over, those handed over in a
//! day, and closed days with the AWBs they left behind.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{db::Tx, exec_tx, with_db, with_tx, Db, Result};

/// The store-access condition on `o` ($1 = company, $2 = the member or NULL).
const VISIBLE: &str = "($2 IS NULL OR o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2))";

const COLUMNS: &str = "a.id, a.number, o.id AS order_id, o.number AS order_number, o.customer_name, \
    s.name AS store_name, a.parcels, a.cod_minor, a.currency, a.created_at, a.handed_over_at, \
    u.name AS handed_over_by_name, a.handover_day, \
    (SELECT MAX(h.day) FROM courier_handover_misses m JOIN courier_handovers h ON h.id = m.handover_id \
     WHERE m.awb_id = a.id) AS missed_on";

const FROM: &str =
    "FROM awbs a JOIN orders o ON o.id = a.order_id JOIN stores s ON s.id = o.store_id \
    LEFT JOIN users u ON u.id = a.handed_over_by";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HandoverAwbRow {
    pub id: Uuid,
    pub number: Option<String>,
    pub order_id: Uuid,
    pub order_number: String,
    pub customer_name: String,
    pub store_name: String,
    pub parcels: i64,
    pub cod_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub handed_over_by_name: Option<String>,
    pub handover_day: Option<String>,
    /// The last closed day that left it behind.
    pub missed_on: Option<String>,
}

/// Active AWBs made since `since` and not handed over yet, oldest first.
pub async fn waiting(
    db: &Db,
    company_id: Uuid,
    limited: Option<Uuid>,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<HandoverAwbRow>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE a.company_id = $1 AND {VISIBLE} AND a.state = 'active' \
         AND a.handed_over_at IS NULL AND a.number IS NOT NULL AND a.created_at >= $3 \
         ORDER BY a.created_at, a.id LIMIT $4"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited)
        .bind(since)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// AWBs handed over in `day`, the latest first.
pub async fn handed_over_in(
    db: &Db,
    company_id: Uuid,
    limited: Option<Uuid>,
    day: &str,
    limit: i64,
) -> Result<Vec<HandoverAwbRow>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE a.company_id = $1 AND {VISIBLE} AND a.handover_day = $3 \
         ORDER BY a.handed_over_at DESC, a.id LIMIT $4"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited)
        .bind(day)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// The AWBs a closed day left behind (as they are now: some were handed over later).
pub async fn missed_by(
    db: &Db,
    company_id: Uuid,
    limited: Option<Uuid>,
    handover_id: Uuid,
    limit: i64,
) -> Result<Vec<HandoverAwbRow>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} JOIN courier_handover_misses hm ON hm.awb_id = a.id AND hm.handover_id = $3 \
         WHERE a.company_id = $1 AND {VISIBLE} ORDER BY a.created_at, a.id LIMIT $4"
    );
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited)
        .bind(handover_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// An active AWB by its number, within the member's stores: the AWB, and when and by whom it
/// was handed over. Locked on PostgreSQL.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Found {
    pub id: Uuid,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub handed_over_by_name: Option<String>,
}

pub async fn find_active(
    tx: &mut Tx,
    company_id: Uuid,
    limited: Option<Uuid>,
    number: &str,
) -> Result<Option<Found>> {
    let mut sql = format!(
        "SELECT a.id, a.handed_over_at, u.name AS handed_over_by_name FROM awbs a \
         JOIN orders o ON o.id = a.order_id LEFT JOIN users u ON u.id = a.handed_over_by \
         WHERE a.company_id = $1 AND {VISIBLE} AND a.number = $3 AND a.state = 'active' \
         ORDER BY a.created_at DESC LIMIT 1"
    );
    if matches!(tx, Tx::Postgres(_)) {
        sql.push_str(" FOR NO KEY UPDATE OF a");
    }
    Ok(with_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limited)
        .bind(number)
        .fetch_optional(c)
        .await)?)
}

/// Marks an active AWB of the member's stores handed over in `day`; its (order, number) when
/// this call did it, None when it was not waiting (or not theirs).
pub async fn hand_over(
    tx: &mut Tx,
    company_id: Uuid,
    limited: Option<Uuid>,
    awb_id: Uuid,
    by: Uuid,
    day: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>> {
    const SQL: &str = "UPDATE awbs SET handed_over_at = $5, handed_over_by = $4, handover_day = $6 \
        WHERE id = $3 AND company_id = $1 AND state = 'active' AND handed_over_at IS NULL AND number IS NOT NULL \
        AND order_id IN (SELECT o.id FROM orders o WHERE o.company_id = $1 AND \
        ($2 IS NULL OR o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2))) \
        RETURNING order_id, number";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limited)
        .bind(awb_id)
        .bind(by)
        .bind(now)
        .bind(day)
        .fetch_optional(c)
        .await)?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClosedRow {
    pub id: Uuid,
    pub day: String,
    pub closed_at: DateTime<Utc>,
    pub closed_by_name: Option<String>,
    pub by_person: bool,
    pub handed_over: i64,
    pub missed: i64,
}

const CLOSED: &str = "SELECT h.id, h.day, h.closed_at, u.name AS closed_by_name, \
    (h.closed_by IS NOT NULL) AS by_person, h.handed_over, h.missed \
    FROM courier_handovers h LEFT JOIN users u ON u.id = h.closed_by";

pub async fn closed_day(db: &Db, company_id: Uuid, day: &str) -> Result<Option<ClosedRow>> {
    let sql = format!("{CLOSED} WHERE h.company_id = $1 AND h.day = $2");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(day)
        .fetch_optional(c)
        .await)?)
}

/// The latest closed days, newest first.
pub async fn recent_closed(db: &Db, company_id: Uuid, limit: i64) -> Result<Vec<ClosedRow>> {
    let sql = format!("{CLOSED} WHERE h.company_id = $1 ORDER BY h.day DESC LIMIT $2");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

pub async fn is_closed(tx: &mut Tx, company_id: Uuid, day: &str) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM courier_handovers WHERE company_id = $1 AND day = $2";
    let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(day)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

pub struct Closing<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub day: &'a str,
    pub by: Option<Uuid>,
    pub now: DateTime<Utc>,
    /// AWBs made before this are no longer waited for.
    pub since: DateTime<Utc>,
}

/// Closes the day once: records it with its count of AWBs handed over, and the AWBs still
/// waiting as its misses. (handed over, missed) when this call closed it, None when it was
/// closed already.
pub async fn close(tx: &mut Tx, c: &Closing<'_>) -> Result<Option<(i64, i64)>> {
    const DAY: &str = "INSERT INTO courier_handovers (id, company_id, day, closed_at, closed_by, handed_over, missed) \
        VALUES ($1, $2, $3, $4, $5, (SELECT COUNT(*) FROM awbs WHERE company_id = $2 AND handover_day = $3), 0) \
        ON CONFLICT (company_id, day) DO NOTHING";
    const MISSES: &str = "INSERT INTO courier_handover_misses (handover_id, awb_id) \
        SELECT $1, a.id FROM awbs a WHERE a.company_id = $2 AND a.state = 'active' AND a.handed_over_at IS NULL \
        AND a.number IS NOT NULL AND a.created_at >= $3 AND a.created_at <= $4";
    const COUNT: &str = "UPDATE courier_handovers SET missed = \
        (SELECT COUNT(*) FROM courier_handover_misses WHERE handover_id = $1) WHERE id = $1 \
        RETURNING handed_over, missed";
    let inserted = exec_tx!(
        tx,
        sqlx::query(DAY)
            .bind(c.id)
            .bind(c.company_id)
            .bind(c.day)
            .bind(c.now)
            .bind(c.by)
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    exec_tx!(
        tx,
        sqlx::query(MISSES)
            .bind(c.id)
            .bind(c.company_id)
            .bind(c.since)
            .bind(c.now)
    )?;
    Ok(Some(with_tx!(tx, |x| sqlx::query_as(COUNT)
        .bind(c.id)
        .fetch_one(x)
        .await)?))
}

/// Every company with a courier account: (company, its time zone, the close time "HH:MM").
pub async fn schedules(db: &Db) -> Result<Vec<(Uuid, String, String)>> {
    const SQL: &str = "SELECT a.company_id, c.timezone, a.handover_close FROM courier_accounts a \
        JOIN companies c ON c.id = a.company_id ORDER BY a.company_id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL).fetch_all(c).await)?)
}

/// The account's close time ("HH:MM"), None without an account.
pub async fn close_time(db: &Db, company_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT handover_close FROM courier_accounts WHERE company_id = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}
