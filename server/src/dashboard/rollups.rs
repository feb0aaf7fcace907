//! The rollups' upkeep. Triggers keep them current with every write (migration 0028); this
//! module recomputes them from the source rows to find and repair any difference
//! (`switchyard rollups [--repair]`, and the tests), and recomputes the local days of a
//! company's orders and analyses when its time zone changes (the `dashboard.days` job).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{db::Tx, exec, exec_tx, with_db, Db, Result};

/// One rollup, its key and value columns, and the query that recomputes it from its source
/// for company $1 (same columns, same order).
struct Rollup {
    table: &'static str,
    keys: &'static [&'static str],
    values: &'static [&'static str],
    source_sqlite: &'static str,
    source_postgres: &'static str,
}

const ORDER_DAYS: Rollup = Rollup {
    table: "order_days",
    keys: &["store_id", "day", "currency", "status"],
    values: &["orders", "total_minor", "courier_minor"],
    source_sqlite:
        "SELECT store_id, placed_day, currency, status, COUNT(*), SUM(total_minor), SUM(courier_minor) FROM orders \
        WHERE company_id = $1 GROUP BY store_id, placed_day, currency, status",
    source_postgres:
        "SELECT store_id, placed_day, currency, status, COUNT(*), CAST(SUM(total_minor) AS BIGINT), \
        CAST(SUM(courier_minor) AS BIGINT) \
        FROM orders WHERE company_id = $1 GROUP BY store_id, placed_day, currency, status",
};

const AD_DAYS: Rollup = Rollup {
    table: "ad_days",
    keys: &["account_id", "day"],
    values: &["spend_minor", "purchase_value_minor", "impressions", "clicks", "conversions"],
    source_sqlite: "SELECT c.account_id, d.day, SUM(d.spend_minor), SUM(d.purchase_value_minor), SUM(d.impressions), \
        SUM(d.clicks), SUM(d.conversions) FROM ad_campaign_days d JOIN ad_campaigns c ON c.id = d.campaign_id \
        WHERE d.company_id = $1 GROUP BY c.account_id, d.day",
    source_postgres: "SELECT c.account_id, d.day, CAST(SUM(d.spend_minor) AS BIGINT), \
        CAST(SUM(d.purchase_value_minor) AS BIGINT), CAST(SUM(d.impressions) AS BIGINT), \
        CAST(SUM(d.clicks) AS BIGINT), CAST(SUM(d.conversions) AS BIGINT) \
        FROM ad_campaign_days d JOIN ad_campaigns c ON c.id = d.campaign_id \
        WHERE d.company_id = $1 GROUP BY c.account_id, d.day",
};

const ANALYSIS_DAYS: Rollup = Rollup {
    table: "analysis_days",
    keys: &["day", "status", "verdict"],
    values: &["analyses", "timed", "processing_ms"],
    source_sqlite: "SELECT day, status, COALESCE(verdict, ''), COUNT(*), COUNT(processing_ms), \
        COALESCE(SUM(processing_ms), 0) FROM analyses WHERE company_id = $1 \
        GROUP BY day, status, COALESCE(verdict, '')",
    source_postgres: "SELECT day, status, COALESCE(verdict, ''), COUNT(*), COUNT(processing_ms), \
        CAST(COALESCE(SUM(processing_ms), 0) AS BIGINT) FROM analyses WHERE company_id = $1 \
        GROUP BY day, status, COALESCE(verdict, '')",
};

const TOKEN_HOURS: Rollup = Rollup {
    table: "token_hours",
    keys: &["hour", "kind"],
    values: &["entries", "tokens"],
    source_sqlite: "SELECT substr(created_at, 1, 13) || ':00:00+00:00', kind, COUNT(*), SUM(tokens) \
        FROM token_transactions WHERE company_id = $1 GROUP BY substr(created_at, 1, 13), kind",
    source_postgres: "SELECT date_trunc('hour', created_at, 'UTC'), kind, COUNT(*), CAST(SUM(tokens) AS BIGINT) \
        FROM token_transactions WHERE company_id = $1 GROUP BY date_trunc('hour', created_at, 'UTC'), kind",
};

const ROLLUPS: [&Rollup; 4] = [&ORDER_DAYS, &AD_DAYS, &ANALYSIS_DAYS, &TOKEN_HOURS];

/// A rollup row that disagrees with its source: the key (as text), what the sources say and
/// what the rollup held (zeros for a missing row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub company_id: Uuid,
    pub table: &'static str,
    pub key: String,
    pub expected: Vec<i64>,
    pub found: Vec<i64>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} company {} [{}]: source {:?}, rollup {:?}",
            self.table, self.company_id, self.key, self.expected, self.found
        )
    }
}

type Rows = BTreeMap<String, Vec<i64>>;

/// Reads rows whose leading `keys` columns are keys (any type, read as text) and the rest
/// whole numbers.
async fn read(db: &Db, sql: &str, company_id: Uuid, keys: usize) -> Result<Rows> {
    use sqlx::Row;
    // The key's text, whatever the column's type on either backend; both sides of a
    // comparison are read the same way.
    macro_rules! key_text {
        ($row:expr, $i:expr) => {{
            if let Ok(v) = $row.try_get::<Option<Uuid>, _>($i) {
                v.map(|u| u.to_string()).unwrap_or_default()
            } else if let Ok(v) = $row.try_get::<Option<NaiveDate>, _>($i) {
                v.map(|d| d.to_string()).unwrap_or_default()
            } else if let Ok(v) = $row.try_get::<Option<DateTime<Utc>>, _>($i) {
                v.map(|d| d.to_rfc3339()).unwrap_or_default()
            } else {
                $row.try_get::<Option<String>, _>($i)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }
        }};
    }
    let rows = with_db!(db, |c| {
        let rows = sqlx::query(sql).bind(company_id).fetch_all(c).await?;
        rows.iter()
            .map(|r| {
                let key = (0..keys)
                    .map(|i| key_text!(r, i))
                    .collect::<Vec<_>>()
                    .join(" · ");
                let values = (keys..r.columns().len())
                    .map(|i| r.try_get::<Option<i64>, _>(i).map(|v| v.unwrap_or(0)))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok::<_, sqlx::Error>((key, values))
            })
            .collect::<std::result::Result<Rows, _>>()
    })?;
    Ok(rows)
}

fn differences(
    company_id: Uuid,
    table: &'static str,
    expected: &Rows,
    found: &Rows,
) -> Vec<Difference> {
    let zero = |n: usize| vec![0; n];
    let width = expected
        .values()
        .chain(found.values())
        .next()
        .map_or(0, Vec::len);
    let mut out = Vec::new();
    for key in expected
        .keys()
        .chain(found.keys().filter(|k| !expected.contains_key(*k)))
    {
        let e = expected.get(key).cloned().unwrap_or_else(|| zero(width));
        let f = found.get(key).cloned().unwrap_or_else(|| zero(width));
        if e != f {
            out.push(Difference {
                company_id,
                table,
                key: key.clone(),
                expected: e,
                found: f,
            });
        }
    }
    out
}

/// Compares every rollup of the company with its recomputation; with `repair`, rewrites the
/// rollups that differ from their sources (in one transaction per rollup, which on SQLite
/// holds the writer lock and on PostgreSQL locks the company, so no write lands half-way).
pub async fn check(db: &Db, company_id: Uuid, repair: bool) -> Result<Vec<Difference>> {
    // The orders' courier cost first: the order rollups sum it.
    let mut all = courier(db, company_id, repair).await?;
    for r in ROLLUPS {
        let source = match db {
            Db::Sqlite(..) => r.source_sqlite,
            Db::Postgres(_) => r.source_postgres,
        };
        let cols: Vec<&str> = r.keys.iter().chain(r.values).copied().collect();
        let current = format!(
            "SELECT {} FROM {} WHERE company_id = $1",
            cols.join(", "),
            r.table
        );
        let expected = read(db, source, company_id, r.keys.len()).await?;
        let found = read(db, &current, company_id, r.keys.len()).await?;
        let diff = differences(company_id, r.table, &expected, &found);
        if repair && !diff.is_empty() {
            let mut tx = db.begin().await?;
            tx.lock_company(company_id).await?;
            rewrite(&mut tx, r, company_id).await?;
            tx.commit().await?;
        }
        all.extend(diff);
    }
    Ok(all)
}

/// Orders whose courier cost is not the sum of their active AWBs' charges in the order's
/// currency (migration 0030's triggers keep it); with `repair`, set to it (the order rollups'
/// trigger follows).
async fn courier(db: &Db, company_id: Uuid, repair: bool) -> Result<Vec<Difference>> {
    const SQL: &str = "SELECT o.id, CAST(COALESCE(a.cost, 0) AS BIGINT) AS expected, o.courier_minor \
        FROM orders o LEFT JOIN (SELECT a.order_id, SUM(a.cost_minor) AS cost FROM awbs a JOIN orders o2 ON o2.id = a.order_id \
            WHERE a.company_id = $1 AND a.state = 'active' AND a.cost_minor IS NOT NULL AND a.cost_currency = o2.currency \
            GROUP BY a.order_id) a ON a.order_id = o.id \
        WHERE o.company_id = $1 AND o.courier_minor <> COALESCE(a.cost, 0) ORDER BY o.id";
    let rows: Vec<(Uuid, i64, i64)> = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_all(c)
        .await)?;
    if repair && !rows.is_empty() {
        let mut tx = db.begin().await?;
        tx.lock_company(company_id).await?;
        for (id, expected, _) in &rows {
            exec_tx!(
                &mut tx,
                sqlx::query("UPDATE orders SET courier_minor = $2 WHERE id = $1")
                    .bind(id)
                    .bind(expected)
            )?;
        }
        tx.commit().await?;
    }
    Ok(rows
        .into_iter()
        .map(|(id, expected, found)| Difference {
            company_id,
            table: "orders.courier_minor",
            key: id.to_string(),
            expected: vec![expected],
            found: vec![found],
        })
        .collect())
}

async fn rewrite(tx: &mut Tx, r: &Rollup, company_id: Uuid) -> Result<()> {
    let delete = format!("DELETE FROM {} WHERE company_id = $1", r.table);
    exec_tx!(tx, sqlx::query(&delete).bind(company_id))?;
    let source = match tx {
        Tx::Sqlite(..) => r.source_sqlite,
        Tx::Postgres(_) => r.source_postgres,
    };
    // The source's columns, with the company put back in.
    let cols: Vec<&str> = r.keys.iter().chain(r.values).copied().collect();
    let insert = format!(
        "INSERT INTO {} (company_id, {}) SELECT $1, s.* FROM ({source}) AS s",
        r.table,
        cols.join(", ")
    );
    exec_tx!(tx, sqlx::query(&insert).bind(company_id))?;
    Ok(())
}

/// Every company's id (for the command that checks them all).
pub async fn companies(db: &Db) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT id FROM companies ORDER BY created_at";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .fetch_all(c)
        .await)?)
}

/// Companies whose days were computed in another zone than theirs: (id, zone). A company
/// with no zone recorded has never changed its own (its days are in it).
pub async fn zones_changed(db: &Db, limit: i64) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str = "SELECT id, timezone FROM companies \
        WHERE rollup_timezone IS NOT NULL AND rollup_timezone <> timezone LIMIT $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// Rewrites the local days of the company's orders and analyses in zone `tz`, a batch per
/// transaction (the triggers move the rollups), then records the zone, unless the company's
/// zone changed again meanwhile. Answers how many rows moved to another day.
pub async fn recompute_days(db: &Db, company_id: Uuid, tz: &str) -> Result<u64> {
    const BATCH: i64 = 2000;
    let mut moved = 0u64;
    for (select, update) in [
        (
            "SELECT id, placed_at, placed_day FROM orders WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            "UPDATE orders SET placed_day = $2 WHERE id = $1",
        ),
        (
            "SELECT id, created_at, day FROM analyses WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            "UPDATE analyses SET day = $2 WHERE id = $1",
        ),
    ] {
        let mut after = Uuid::nil();
        loop {
            let rows: Vec<(Uuid, DateTime<Utc>, Option<NaiveDate>)> = with_db!(db, |c| sqlx::query_as(select)
                .bind(company_id)
                .bind(after)
                .bind(BATCH)
                .fetch_all(c)
                .await)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            let changes: Vec<(Uuid, NaiveDate)> = rows
                .iter()
                .filter_map(|(id, at, day)| {
                    let local = crate::dates::local_day(tz, *at);
                    (*day != Some(local)).then_some((*id, local))
                })
                .collect();
            if !changes.is_empty() {
                let mut tx = db.begin().await?;
                for (id, day) in &changes {
                    exec_tx!(&mut tx, sqlx::query(update).bind(id).bind(day))?;
                }
                tx.commit().await?;
                moved += changes.len() as u64;
            }
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
    }
    const DONE: &str = "UPDATE companies SET rollup_timezone = $2 WHERE id = $1 AND timezone = $2";
    exec!(db, sqlx::query(DONE).bind(company_id).bind(tz))?;
    Ok(moved)
}
