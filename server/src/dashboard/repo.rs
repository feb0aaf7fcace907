//! SQL for the dashboard: one statement per card group, each reading the rollups (and for the
//! lists, a handful of recent rows). Each statement is a `UNION ALL` of the parts its cards
//! need, told apart by the `part` column, so a view costs three round trips however many
//! cards it shows.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{with_db, Db, Result};

/// What every statement is bound to: the company, the member's store bound (None: every
/// store), the chosen store (None: all), and the days of both periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub company_id: Uuid,
    pub member: Option<Uuid>,
    pub store: Option<Uuid>,
    /// The previous period's first day.
    pub before_from: NaiveDate,
    /// The period's first and last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Binds a scope as $1–$6: company, member bound, store, the previous period's first day, the
/// period's first and last day.
macro_rules! bind_scope {
    ($q:expr, $s:expr) => {
        $q.bind($s.company_id)
            .bind($s.member)
            .bind($s.store)
            .bind($s.before_from)
            .bind($s.from)
            .bind($s.to)
    };
}

/// Store-access bounds on a table with a `store_id` column ($1 company, $2 member, $3 store).
const STORES_SEEN: &str = "($2 IS NULL OR store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2)) \
    AND ($3 IS NULL OR store_id = $3)";

/// A row of the sales statement.
/// - `store`: a store the member sees; `a` its name.
/// - `day`: the period's orders that count (not cancelled, not returned) on `day` in `store_id`;
///   `a` the currency, `n` orders, `total` their totals.
/// - `now` / `before`: orders of the period (or the previous one) by store, currency (`a`) and
///   status (`b`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SalesRow {
    pub part: String,
    pub store_id: Uuid,
    pub day: Option<NaiveDate>,
    pub a: String,
    pub b: Option<String>,
    pub n: i64,
    pub total: i64,
    /// `now` / `before`: their courier cost (FAN Courier's charges, in the order's currency).
    pub courier: i64,
}

pub async fn sales(db: &Db, s: &Scope, with_orders: bool) -> Result<Vec<SalesRow>> {
    let stores = "SELECT 'store' AS part, id AS store_id, CAST(NULL AS DATE) AS day, name AS a, CAST(NULL AS TEXT) AS b, \
        CAST(0 AS BIGINT) AS n, CAST(0 AS BIGINT) AS total, CAST(0 AS BIGINT) AS courier FROM stores WHERE company_id = $1 \
        AND ($2 IS NULL OR id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2))";
    let sql = if with_orders {
        format!(
            "{stores} UNION ALL \
            SELECT 'day', store_id, day, currency, CAST(NULL AS TEXT), CAST(SUM(orders) AS BIGINT), CAST(SUM(total_minor) AS BIGINT), \
            CAST(0 AS BIGINT) FROM order_days WHERE company_id = $1 AND day >= $5 AND day <= $6 \
            AND status NOT IN ('CANCELLED', 'RETURNED') AND {STORES_SEEN} \
            GROUP BY store_id, day, currency \
            UNION ALL \
            SELECT CASE WHEN day >= $5 THEN 'now' ELSE 'before' END, store_id, CAST(NULL AS DATE), currency, status, \
            CAST(SUM(orders) AS BIGINT), CAST(SUM(total_minor) AS BIGINT), CAST(SUM(courier_minor) AS BIGINT) \
            FROM order_days WHERE company_id = $1 AND day >= $4 AND day <= $6 AND {STORES_SEEN} \
            GROUP BY CASE WHEN day >= $5 THEN 'now' ELSE 'before' END, store_id, currency, status"
        )
    } else {
        // Without orders.read the statement only lists the stores (the store filter); the empty
        // branch gives the other parameters a use.
        format!(
            "{stores} UNION ALL SELECT 'none', id, CAST(NULL AS DATE), name, CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), \
            CAST(0 AS BIGINT) \
            FROM stores WHERE 1 = 0 AND ($3 IS NULL OR $4 <= $5 OR $5 <= $6)"
        )
    };
    Ok(with_db!(db, |c| bind_scope!(
        sqlx::query_as::<_, SalesRow>(&sql),
        s
    )
    .fetch_all(c)
    .await)?)
}

/// A row of the ads statement: `day` (the period, by day and currency) or `now` / `before`
/// (by platform, currency and store), summed over the accounts the member may see.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AdsRow {
    pub part: String,
    pub day: Option<NaiveDate>,
    pub platform: String,
    pub currency: String,
    pub store_id: Option<Uuid>,
    pub spend: i64,
    pub value: i64,
    pub clicks: i64,
    pub conversions: i64,
}

pub async fn ads(db: &Db, s: &Scope) -> Result<Vec<AdsRow>> {
    // An account tied to no store counts for "all stores" and for members who see every store.
    const SEEN: &str = "d.company_id = $1 AND a.imported = TRUE \
        AND ($2 IS NULL OR a.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2)) \
        AND ($3 IS NULL OR a.store_id = $3)";
    let sql = format!(
        "SELECT 'day' AS part, d.day, a.platform, a.currency, CAST(NULL AS UUID) AS store_id, \
            CAST(SUM(d.spend_minor) AS BIGINT) AS spend, CAST(SUM(d.purchase_value_minor) AS BIGINT) AS value, \
            CAST(SUM(d.clicks) AS BIGINT) AS clicks, CAST(SUM(d.conversions) AS BIGINT) AS conversions \
        FROM ad_days d JOIN ad_accounts a ON a.id = d.account_id \
        WHERE {SEEN} AND d.day >= $5 AND d.day <= $6 GROUP BY d.day, a.platform, a.currency \
        UNION ALL \
        SELECT CASE WHEN d.day >= $5 THEN 'now' ELSE 'before' END, CAST(NULL AS DATE), a.platform, a.currency, a.store_id, \
            CAST(SUM(d.spend_minor) AS BIGINT), CAST(SUM(d.purchase_value_minor) AS BIGINT), \
            CAST(SUM(d.clicks) AS BIGINT), CAST(SUM(d.conversions) AS BIGINT) \
        FROM ad_days d JOIN ad_accounts a ON a.id = d.account_id \
        WHERE {SEEN} AND d.day >= $4 AND d.day <= $6 \
        GROUP BY CASE WHEN d.day >= $5 THEN 'now' ELSE 'before' END, a.platform, a.currency, a.store_id"
    );
    Ok(with_db!(db, |c| bind_scope!(
        sqlx::query_as::<_, AdsRow>(&sql),
        s
    )
    .fetch_all(c)
    .await)?)
}

/// Which parts of the company statement a member may read.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedParts {
    /// Orders: the latest ones and the stores that need reconnecting.
    pub orders: bool,
    /// Campaigns: ad connections that need reconnecting.
    pub campaigns: bool,
    /// Analyses: the company's figures (analyses.read_all).
    pub analyses_all: bool,
    /// Analyses: the latest ones (the member's own unless `analyses_all`).
    pub analyses: bool,
    /// Tokens: the ledger's movements and what a token cost.
    pub billing: bool,
    /// The audit log's latest entries.
    pub audit: bool,
}

impl FeedParts {
    /// The parts as bits (a cache key).
    pub fn bits(self) -> u8 {
        [
            self.orders,
            self.campaigns,
            self.analyses_all,
            self.analyses,
            self.billing,
            self.audit,
        ]
        .iter()
        .enumerate()
        .fold(0, |b, (i, on)| b | (u8::from(*on) << i))
    }
}

/// A row of the company statement, told apart by `part`:
/// - `analyses_now` / `analyses_before`: `a` status, `b` verdict, `n1` analyses, `n2` timed,
///   `n3` their processing milliseconds.
/// - `tokens_now` / `tokens_before`: `a` ledger kind, `n1` tokens (signed).
/// - `price`: paid token packs in currency `a`: `n1` amount, `n2` tokens.
/// - `order`: a recent order: `id`, `a` number, `b` customer, `c` "status currency", `n1`
///   total, `at` placed.
/// - `analysis`: a recent analysis: `id`, `a` file, `b` status, `c` verdict, `n1` score, `at`.
/// - `store_reconnect` / `ads_reconnect`: `a` the store's or the connection's name.
/// - `activity`: an audit entry: `a` action, `b` who, `c` from which address, `at`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedRow {
    pub part: String,
    pub id: Option<Uuid>,
    pub a: Option<String>,
    pub b: Option<String>,
    pub c: Option<String>,
    pub n1: i64,
    pub n2: i64,
    pub n3: i64,
    pub at: Option<DateTime<Utc>>,
}

/// Whether a feed row is one of the company's figures (analyses, tokens, the price paid),
/// which the dashboard caches under the company's rollup version, or one of the latest lists
/// (read on every view).
pub fn is_figure(part: &str) -> bool {
    matches!(
        part,
        "analyses_now" | "analyses_before" | "tokens_now" | "tokens_before" | "price"
    )
}

/// $1 company, $2 member bound, $3 store, $4/$5 first day of the previous period and of the
/// period, $6 last day, $7/$8/$9 the same three as instants, $10 the member (own analyses).
/// Without `figures`, only the latest lists.
pub async fn feed(
    db: &Db,
    s: &Scope,
    parts: FeedParts,
    figures: bool,
    instants: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    user_id: Uuid,
) -> Result<Vec<FeedRow>> {
    let mut branches: Vec<String> = vec![
        // Always there, so every parameter has a use and the statement is never empty.
        "SELECT 'none' AS part, CAST(NULL AS UUID) AS id, CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, \
        CAST(NULL AS TEXT) AS c, CAST(0 AS BIGINT) AS n1, CAST(0 AS BIGINT) AS n2, CAST(0 AS BIGINT) AS n3, \
        CAST(NULL AS TIMESTAMPTZ) AS at FROM companies \
        WHERE id = $1 AND ($2 IS NULL OR $3 IS NULL OR $4 <= $5 OR $5 <= $6 OR $7 <= $8 OR $8 <= $9 OR $10 IS NULL) \
        AND 1 = 0"
            .into(),
    ];
    if figures && parts.analyses_all {
        branches.push(
            "SELECT CASE WHEN day >= $5 THEN 'analyses_now' ELSE 'analyses_before' END, CAST(NULL AS UUID), status, verdict, CAST(NULL AS TEXT), \
            CAST(SUM(analyses) AS BIGINT), CAST(SUM(timed) AS BIGINT), CAST(SUM(processing_ms) AS BIGINT), \
            CAST(NULL AS TIMESTAMPTZ) \
            FROM analysis_days WHERE company_id = $1 AND day >= $4 AND day <= $6 \
            GROUP BY CASE WHEN day >= $5 THEN 'analyses_now' ELSE 'analyses_before' END, status, verdict"
                .into(),
        );
    }
    if figures && parts.billing {
        branches.push(
            "SELECT CASE WHEN hour >= $8 THEN 'tokens_now' ELSE 'tokens_before' END, CAST(NULL AS UUID), kind, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
            CAST(SUM(tokens) AS BIGINT), CAST(SUM(entries) AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS TIMESTAMPTZ) \
            FROM token_hours WHERE company_id = $1 AND hour >= $7 AND hour < $9 \
            GROUP BY CASE WHEN hour >= $8 THEN 'tokens_now' ELSE 'tokens_before' END, kind"
                .into(),
        );
        branches.push(
            "SELECT 'price', CAST(NULL AS UUID), currency, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(SUM(amount) AS BIGINT), \
            CAST(SUM(tokens) AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS TIMESTAMPTZ) FROM token_purchases WHERE company_id = $1 AND status = 'paid' GROUP BY currency"
                .into(),
        );
    }
    if parts.orders {
        branches.push(format!(
            "SELECT * FROM (SELECT 'order' AS part, id, number AS a, customer_name AS b, status || ' ' || currency AS c, \
            total_minor AS n1, CAST(0 AS BIGINT) AS n2, CAST(0 AS BIGINT) AS n3, placed_at AS at FROM orders \
            WHERE company_id = $1 AND {STORES_SEEN} ORDER BY placed_at DESC, id DESC LIMIT 5) AS recent_orders"
        ));
        branches.push(format!(
            "SELECT 'store_reconnect', store_id, (SELECT name FROM stores WHERE id = store_id), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
            CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), uninstalled_at FROM store_connections \
            WHERE company_id = $1 AND uninstalled_at IS NOT NULL AND {STORES_SEEN}"
        ));
    }
    if parts.campaigns {
        branches.push(
            "SELECT 'ads_reconnect', id, display_name, platform, status_reason, CAST(0 AS BIGINT), CAST(0 AS BIGINT), \
            CAST(0 AS BIGINT), updated_at FROM ad_connections WHERE company_id = $1 AND status = 'reconnect'"
                .into(),
        );
    }
    if parts.analyses {
        let mine = if parts.analyses_all {
            ""
        } else {
            "AND created_by = $10"
        };
        branches.push(format!(
            "SELECT * FROM (SELECT 'analysis' AS part, id, filename AS a, status AS b, verdict AS c, \
            COALESCE(CAST(score AS BIGINT), -1) AS n1, CAST(0 AS BIGINT) AS n2, CAST(0 AS BIGINT) AS n3, created_at AS at \
            FROM analyses WHERE company_id = $1 {mine} ORDER BY created_at DESC, id DESC LIMIT 5) AS recent_analyses"
        ));
    }
    if parts.audit {
        branches.push(
            "SELECT * FROM (SELECT 'activity' AS part, CAST(NULL AS UUID) AS id, l.action AS a, u.name AS b, \
            l.ip AS c, CAST(0 AS BIGINT) AS n1, CAST(0 AS BIGINT) AS n2, CAST(0 AS BIGINT) AS n3, l.created_at AS at \
            FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id WHERE l.company_id = $1 \
            ORDER BY l.created_at DESC, l.id DESC LIMIT 8) AS recent_activity"
                .into(),
        );
    }
    let sql = branches.join(" UNION ALL ");
    let (before, from, end) = instants;
    Ok(with_db!(db, |c| bind_scope!(
        sqlx::query_as::<_, FeedRow>(&sql),
        s
    )
    .bind(before)
    .bind(from)
    .bind(end)
    .bind(user_id)
    .fetch_all(c)
    .await)?)
}
