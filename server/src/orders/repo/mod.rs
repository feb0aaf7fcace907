//! SQL for orders. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{Item, OrderFacts};
use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

// Store connections.

/// A connection as listed (no secrets).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConnectionRow {
    pub store_id: Uuid,
    pub platform: String,
    pub shop_domain: Option<String>,
    pub credentials_hint: String,
    pub currency: String,
    pub connected_at: DateTime<Utc>,
    pub uninstalled_at: Option<DateTime<Utc>>,
}

pub async fn connections(db: &Db, company_id: Uuid) -> Result<Vec<ConnectionRow>> {
    const SQL: &str = "SELECT store_id, platform, shop_domain, credentials_hint, currency, connected_at, uninstalled_at \
        FROM store_connections WHERE company_id = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_all(c)
        .await)?)
}

/// The store's platform, when the company has that store.
pub async fn store_platform(
    tx: &mut Tx,
    company_id: Uuid,
    store_id: Uuid,
) -> Result<Option<String>> {
    const SQL: &str = "SELECT platform FROM stores WHERE id = $1 AND company_id = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(store_id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

pub struct NewConnection<'a> {
    pub store_id: Uuid,
    pub company_id: Uuid,
    pub platform: &'a str,
    pub shop_domain: Option<&'a str>,
    pub sealed: &'a str,
    pub hint: &'a str,
    pub currency: &'a str,
    pub by: Uuid,
    pub now: DateTime<Utc>,
}

/// Connects a store or replaces its connection (a reinstall clears `uninstalled_at`).
pub async fn upsert_connection(
    tx: &mut Tx,
    c: &NewConnection<'_>,
) -> std::result::Result<u64, sqlx::Error> {
    const SQL: &str = "INSERT INTO store_connections (store_id, company_id, platform, shop_domain, sealed_credentials, \
        credentials_hint, currency, connected_by, connected_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
        ON CONFLICT (store_id) DO UPDATE SET shop_domain = excluded.shop_domain, \
        sealed_credentials = excluded.sealed_credentials, credentials_hint = excluded.credentials_hint, \
        currency = excluded.currency, connected_by = excluded.connected_by, updated_at = excluded.updated_at, \
        uninstalled_at = NULL";
    with_tx!(tx, |conn| sqlx::query(SQL)
        .bind(c.store_id)
        .bind(c.company_id)
        .bind(c.platform)
        .bind(c.shop_domain)
        .bind(c.sealed)
        .bind(c.hint)
        .bind(c.currency)
        .bind(c.by)
        .bind(c.now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn delete_connection(tx: &mut Tx, company_id: Uuid, store_id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM store_connections WHERE store_id = $1 AND company_id = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(store_id).bind(company_id))? > 0)
}

/// The Shopify connection a webhook names: (store, company, sealed credentials, currency).
pub async fn shop_by_domain(db: &Db, domain: &str) -> Result<Option<(Uuid, Uuid, String, String)>> {
    const SQL: &str =
        "SELECT store_id, company_id, sealed_credentials, currency FROM store_connections \
        WHERE shop_domain = $1 AND platform = 'shopify'";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(domain)
        .fetch_optional(c)
        .await)?)
}

/// The company a store belongs to (None once the store is deleted).
pub async fn store_company(db: &Db, store_id: Uuid) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT company_id FROM stores WHERE id = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(store_id)
        .fetch_optional(c)
        .await)?)
}

pub async fn mark_uninstalled(db: &Db, store_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE store_connections SET uninstalled_at = $2 WHERE store_id = $1 AND uninstalled_at IS NULL";
    Ok(exec!(db, sqlx::query(SQL).bind(store_id).bind(now))? > 0)
}

// Webhook deliveries.

pub struct Delivery<'a> {
    pub shop_domain: &'a str,
    pub webhook_id: &'a str,
    pub store_id: Uuid,
    pub topic: &'a str,
    pub body: &'a str,
    pub now: DateTime<Utc>,
}

/// Records a delivery; false when it was already recorded (a redelivery).
pub async fn insert_delivery(tx: &mut Tx, d: &Delivery<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO shopify_webhooks (shop_domain, webhook_id, store_id, topic, body, received_at) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (shop_domain, webhook_id) DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(d.shop_domain)
            .bind(d.webhook_id)
            .bind(d.store_id)
            .bind(d.topic)
            .bind(d.body)
            .bind(d.now)
    )? > 0)
}

/// A recorded delivery not yet applied: (store, topic, body).
pub async fn pending_delivery(
    db: &Db,
    shop_domain: &str,
    webhook_id: &str,
) -> Result<Option<(Option<Uuid>, String, Option<String>)>> {
    const SQL: &str = "SELECT store_id, topic, body FROM shopify_webhooks \
        WHERE shop_domain = $1 AND webhook_id = $2 AND processed_at IS NULL";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(shop_domain)
        .bind(webhook_id)
        .fetch_optional(c)
        .await)?)
}

/// Marks a delivery applied with what happened; its body is no longer kept (the order's
/// payload is).
pub async fn finish_delivery(
    db: &Db,
    shop_domain: &str,
    webhook_id: &str,
    now: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    const SQL: &str = "UPDATE shopify_webhooks SET processed_at = $3, outcome = $4, body = NULL \
        WHERE shop_domain = $1 AND webhook_id = $2";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(shop_domain)
            .bind(webhook_id)
            .bind(now)
            .bind(outcome)
    )?;
    Ok(())
}

// Orders.

/// The kept state of an order, locked for the rest of the transaction on PostgreSQL (SQLite's
/// write transaction already holds the only writer lock): (id, status, source updated_at).
pub async fn order_for_update(
    tx: &mut Tx,
    store_id: Uuid,
    external_id: &str,
) -> Result<Option<(Uuid, String, DateTime<Utc>)>> {
    const SQL: &str =
        "SELECT id, status, source_updated_at FROM orders WHERE store_id = $1 AND external_id = $2";
    let sql = match tx {
        Tx::Postgres(_) => format!("{SQL} FOR NO KEY UPDATE"),
        Tx::Sqlite(..) => SQL.to_string(),
    };
    Ok(with_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(store_id)
        .bind(external_id)
        .fetch_optional(c)
        .await)?)
}

pub struct Write<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub store_id: Uuid,
    pub facts: &'a OrderFacts,
    pub status: &'a str,
    pub flags: &'a str,
    pub raw: &'a str,
    pub now: DateTime<Utc>,
    /// The company's local date of `facts.placed_at`: the day the order counts under in the
    /// dashboard's rollups (see [`company_timezone`]).
    pub placed_day: chrono::NaiveDate,
}

/// The company's time zone, which an order's day is counted in.
pub async fn company_timezone(tx: &mut Tx, company_id: Uuid) -> Result<String> {
    const SQL: &str = "SELECT timezone FROM companies WHERE id = $1";
    let tz: Option<String> = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_optional(c)
        .await)?;
    Ok(tz.unwrap_or_else(|| "UTC".into()))
}

fn json<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

/// Binds an order's written columns as $1..$23, in the order both statements below name
/// them: id, the platform's facts, our status, flags and search text, and the write's time.
macro_rules! bind_write {
    ($q:expr, $w:expr) => {{
        let (w, f) = ($w, $w.facts);
        $q.bind(w.id)
            .bind(&f.number)
            .bind(w.status)
            .bind(&f.financial_status)
            .bind(&f.fulfillment_status)
            .bind(&f.currency)
            .bind(f.total_minor)
            .bind(f.subtotal_minor)
            .bind(f.shipping_minor)
            .bind(f.tax_minor)
            .bind(&f.customer_name)
            .bind(&f.email)
            .bind(&f.phone)
            .bind(json(&f.shipping))
            .bind(json(&f.billing))
            .bind(&f.payment_gateway)
            .bind(&f.note)
            .bind(w.flags)
            .bind(f.search_text())
            .bind(f.placed_at)
            .bind(f.updated_at)
            .bind(f.cancelled_at)
            .bind(w.now)
    }};
}

/// Inserts a new order; false when another delivery inserted it first (the caller then
/// treats this one as an update).
pub async fn insert_order(tx: &mut Tx, w: &Write<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO orders (id, number, status, financial_status, fulfillment_status, currency, \
        total_minor, subtotal_minor, shipping_minor, tax_minor, customer_name, email, phone, shipping_address, \
        billing_address, payment_gateway, note, flags, search, placed_at, source_updated_at, cancelled_at, updated_at, \
        created_at, company_id, store_id, external_id, placed_day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
        $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, $24, $25, $26, $27) ON CONFLICT (store_id, external_id) DO NOTHING";
    let n = exec_tx!(
        tx,
        bind_write!(sqlx::query(SQL), w)
            .bind(w.company_id)
            .bind(w.store_id)
            .bind(&w.facts.external_id)
            .bind(w.placed_day)
    )?;
    if n > 0 {
        write_children(tx, w).await?;
    }
    Ok(n > 0)
}

/// Replaces an order's platform facts with a newer state.
pub async fn update_order(tx: &mut Tx, w: &Write<'_>) -> Result<()> {
    const SQL: &str = "UPDATE orders SET number = $2, status = $3, financial_status = $4, fulfillment_status = $5, \
        currency = $6, total_minor = $7, subtotal_minor = $8, shipping_minor = $9, tax_minor = $10, customer_name = $11, \
        email = $12, phone = $13, shipping_address = $14, billing_address = $15, payment_gateway = $16, note = $17, \
        flags = $18, search = $19, placed_at = $20, source_updated_at = $21, cancelled_at = $22, updated_at = $23, \
        placed_day = $24 WHERE id = $1";
    exec_tx!(tx, bind_write!(sqlx::query(SQL), w).bind(w.placed_day))?;
    const ITEMS: &str = "DELETE FROM order_items WHERE order_id = $1";
    exec_tx!(tx, sqlx::query(ITEMS).bind(w.id))?;
    const PAYLOAD: &str = "DELETE FROM order_payloads WHERE order_id = $1";
    exec_tx!(tx, sqlx::query(PAYLOAD).bind(w.id))?;
    write_children(tx, w).await
}

async fn write_children(tx: &mut Tx, w: &Write<'_>) -> Result<()> {
    const ITEM: &str = "INSERT INTO order_items (order_id, position, sku, title, variant, quantity, unit_price_minor) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    for (i, item) in w.facts.items.iter().enumerate() {
        exec_tx!(
            tx,
            sqlx::query(ITEM)
                .bind(w.id)
                .bind(i as i32)
                .bind(&item.sku)
                .bind(&item.title)
                .bind(&item.variant)
                .bind(item.quantity)
                .bind(item.unit_price_minor)
        )?;
    }
    const PAYLOAD: &str = "INSERT INTO order_payloads (order_id, raw) VALUES ($1, $2)";
    exec_tx!(tx, sqlx::query(PAYLOAD).bind(w.id).bind(w.raw))?;
    Ok(())
}

/// Adds an entry to an order's timeline.
/// Gives an order imported from a file under `number` the platform's id; false when the store
/// has no such imported order.
pub async fn adopt_import(
    tx: &mut Tx,
    store_id: Uuid,
    number: &str,
    external_id: &str,
) -> Result<bool> {
    const SQL: &str = "UPDATE orders SET external_id = $3 WHERE store_id = $1 AND external_id = $2";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(format!("import:{number}"))
            .bind(external_id)
    )? > 0)
}

/// An order's customer, contact and shipping address as edited by a member, when the order
/// is still as they saw it (`seen`, its `updated_at`); false when it changed meanwhile.
pub struct ContactWrite<'a> {
    pub id: Uuid,
    pub seen: DateTime<Utc>,
    pub customer_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub shipping: &'a str,
    pub flags: &'a str,
    pub search: &'a str,
    /// The store's new `updated_at` for the order, when it was written back there.
    pub source_updated_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub async fn update_contact(tx: &mut Tx, w: &ContactWrite<'_>) -> Result<bool> {
    const SQL: &str = "UPDATE orders SET customer_name = $3, email = $4, phone = $5, shipping_address = $6, \
        flags = $7, search = $8, source_updated_at = COALESCE($9, source_updated_at), updated_at = $10 \
        WHERE id = $1 AND updated_at = $2";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(w.id)
            .bind(w.seen)
            .bind(w.customer_name)
            .bind(w.email)
            .bind(w.phone)
            .bind(w.shipping)
            .bind(w.flags)
            .bind(w.search)
            .bind(w.source_updated_at)
            .bind(w.now)
    )? > 0)
}

pub async fn add_event(
    tx: &mut Tx,
    company_id: Uuid,
    order_id: Uuid,
    kind: &str,
    actor: Option<Uuid>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO order_events (order_id, company_id, happened_at, kind, actor_id, detail) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(order_id)
            .bind(company_id)
            .bind(now)
            .bind(kind)
            .bind(actor)
            .bind(detail)
    )?;
    Ok(())
}

// Reading.

/// An order as the inbox lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListRow {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    pub number: String,
    pub status: String,
    pub financial_status: Option<String>,
    pub currency: String,
    pub total_minor: i64,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub flags: String,
    pub placed_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct ListFilter {
    pub company_id: Uuid,
    /// Set for members who see only granted stores.
    pub limited_to: Option<Uuid>,
    pub store_id: Option<Uuid>,
    pub status: Option<String>,
    pub text: Option<String>,
    pub flag: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// A key of `service::SORTS`.
    pub sort: String,
    pub asc: bool,
    /// Keyset paging (the JSON API): only orders after this one (placed, id) in the
    /// newest-first order. Used with the default sort, descending.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

fn like(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A value bound into a query built from a filter.
enum Arg {
    Id(Uuid),
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// Binds `args` in order (inside `with_db!`, so each backend's query gets its own binds).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Id(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::Time(v) => q.bind(*v),
                Arg::Int(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// The ways an order number may be written when `text` looks like one ("#1042", "1042",
/// "#s3-12345"): with and without "#", as typed and in capitals. None for other searches
/// (names, emails, phone numbers of nine digits or more).
pub fn number_forms(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    let bare = t.strip_prefix('#').unwrap_or(t);
    let looks = !bare.is_empty()
        && bare.len() <= 20
        && bare.bytes().any(|b| b.is_ascii_digit())
        && bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && (t.starts_with('#') || bare.len() <= 8);
    if !looks {
        return None;
    }
    let mut forms = Vec::new();
    for b in [bare.to_string(), bare.to_ascii_uppercase()] {
        for f in [format!("#{b}"), b] {
            if !forms.contains(&f) {
                forms.push(f);
            }
        }
    }
    Some(forms)
}

/// How the text filter finds its orders.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TextBy {
    /// A substring match on `o.search`: PostgreSQL answers it from its trigram index
    /// (`orders_search_trgm`) or by walking the orders newest first, whichever it judges
    /// cheaper; SQLite only walks.
    Like,
    /// SQLite's trigram index (`orders_search`, FTS5): the matching orders looked up one by
    /// one, then sorted. For terms of three characters or more with at most
    /// [`INDEX_MATCHES_MAX`] matches in it. It holds them (row ids, a JSON array): the probe
    /// that counted them read them already, and the index is not asked twice (every match
    /// of a medium term costs 17 ms to find over 1M orders).
    Index(String),
    /// For a page only, when the index holds more than [`LOOKUP_MATCHES_MAX`] matches (but not
    /// more than [`INDEX_MATCHES_MAX`]): the index's matches become a set of row ids, and the
    /// orders are walked in the page's order (`orders_company_placed` and the like) until the
    /// page is full. Checking a row id against the set needs only the index entry, and only
    /// the page's rows are read; sorting every match would read them all (8,200 matches over
    /// 1M orders: 20 ms instead of 36 in SQLite alone). It holds them, as `Index` does.
    IndexWalk(String),
}

/// Up to how many matches a page looks its orders up one by one and sorts them; with more,
/// walking the orders in the page's order against the set of matches is cheaper
/// ([`TextBy::IndexWalk`]). Over 1M orders the two cost the same near 1,300 matches.
const LOOKUP_MATCHES_MAX: i64 = 1_000;

/// Up to how many matches in SQLite's trigram index a text filter is answered from it. Sorting
/// that many into the page's order is quick; a term with more is common, and a walk through
/// the newest orders finds its page at once.
const INDEX_MATCHES_MAX: i64 = 10_000;

impl TextBy {
    /// How to match the filter's text on `db`.
    async fn for_db(db: &Db, f: &ListFilter) -> Result<Self> {
        Ok(Self::for_db_counted(db, f).await?.0)
    }

    /// As [`TextBy::for_db`], with the number of matches the index holds (up to
    /// [`INDEX_MATCHES_MAX`] + 1; 0 when it was not asked).
    async fn for_db_counted(db: &Db, f: &ListFilter) -> Result<(Self, i64)> {
        match (db, Self::indexed_text(f)) {
            (Db::Sqlite(pool, _), Some(text)) => Self::probe(pool, text).await,
            _ => Ok((Self::Like, 0)),
        }
    }

    /// How a page (not a count, an export or a bulk selection, which read every match) finds
    /// its orders.
    async fn for_page(db: &Db, f: &ListFilter) -> Result<Self> {
        Ok(match Self::for_db_counted(db, f).await? {
            (Self::Index(matches), found) if found > LOOKUP_MATCHES_MAX => Self::IndexWalk(matches),
            (by, _) => by,
        })
    }

    /// How to match the filter's text inside `tx`.
    async fn for_tx(tx: &mut Tx, f: &ListFilter) -> Result<Self> {
        match (tx, Self::indexed_text(f)) {
            (Tx::Sqlite(t, _), Some(text)) => Ok(Self::probe(&mut **t, text).await?.0),
            _ => Ok(Self::Like),
        }
    }

    /// The filter's text when SQLite's index can look it up: three characters or more, and
    /// not an order number (found exactly through its own index).
    fn indexed_text(f: &ListFilter) -> Option<&str> {
        f.text
            .as_deref()
            .filter(|t| number_forms(t).is_none() && t.chars().count() >= 3)
    }

    /// The index, with its matches, when it holds at most [`INDEX_MATCHES_MAX`] of `text`
    /// (all companies'; it stops reading there), else a walk by date; and how many it found.
    async fn probe<'e>(
        e: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
        text: &str,
    ) -> Result<(Self, i64)> {
        let (found, matches): (i64, String) = sqlx::query_as(
            "SELECT COUNT(*), json_group_array(rowid) FROM (SELECT rowid FROM orders_search \
             WHERE orders_search MATCH $1 LIMIT $2) AS found",
        )
        .bind(fts_phrase(text))
        .bind(INDEX_MATCHES_MAX + 1)
        .fetch_one(e)
        .await?;
        let by = if found <= INDEX_MATCHES_MAX {
            Self::Index(matches)
        } else {
            Self::Like
        };
        Ok((by, found))
    }
}

/// `text` as an FTS5 phrase: quoted (quotes doubled), so operators and punctuation in what the
/// member typed are plain characters. With the trigram tokenizer a phrase matches as a
/// substring, like `LIKE '%text%'`.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.to_lowercase().replace('"', "\"\""))
}

/// The WHERE clause and its arguments ($1, $2, …) of a filter, and its ORDER BY.
fn filter_sql(f: &ListFilter, text_by: &TextBy) -> (String, Vec<Arg>, String) {
    let mut args = vec![Arg::Id(f.company_id)];
    let mut conds = vec!["o.company_id = $1".to_string()];
    macro_rules! add {
        ($cond:expr, $arg:expr $(,)?) => {{
            args.push($arg);
            conds.push($cond.replace("$n", &format!("${}", args.len())));
        }};
    }
    if let Some(user) = f.limited_to {
        add!(
            "o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $n)",
            Arg::Id(user),
        );
    }
    if let Some(store) = f.store_id {
        add!("o.store_id = $n", Arg::Id(store));
    }
    if let Some(status) = &f.status {
        add!("o.status = $n", Arg::Text(status.clone()));
    }
    if let Some(text) = &f.text {
        match number_forms(text) {
            // An order number is looked up exactly, through the index (a substring search
            // reads every order of the company).
            Some(forms) => {
                let first = args.len() + 1;
                let marks: Vec<String> = (first..first + forms.len())
                    .map(|i| format!("${i}"))
                    .collect();
                conds.push(format!("o.number IN ({})", marks.join(", ")));
                args.extend(forms.into_iter().map(Arg::Text));
            }
            None => match text_by {
                TextBy::Index(matches) => add!(
                    "o.rowid IN (SELECT value FROM json_each($n))",
                    Arg::Text(matches.clone()),
                ),
                // `+` keeps SQLite from looking the row ids up: it walks the index of the
                // page's order and checks each entry's row id against the set of matches.
                TextBy::IndexWalk(matches) => add!(
                    "+o.rowid IN (SELECT value FROM json_each($n))",
                    Arg::Text(matches.clone()),
                ),
                TextBy::Like => add!("o.search LIKE $n ESCAPE '\\'", Arg::Text(like(text))),
            },
        }
    }
    if let Some(flag) = &f.flag {
        // `flags <> ''` lets the planner use the index of flagged orders (orders_company_flagged).
        conds.push("o.flags <> ''".to_string());
        add!("o.flags LIKE $n ESCAPE '\\'", Arg::Text(like(flag)));
    }
    if let Some(from) = f.from {
        add!("o.placed_at >= $n", Arg::Time(from));
    }
    if let Some(to) = f.to {
        add!("o.placed_at < $n", Arg::Time(to));
    }
    if let Some((placed, id)) = f.after {
        args.push(Arg::Time(placed));
        args.push(Arg::Id(id));
        let (t, i) = (args.len() - 1, args.len());
        conds.push(format!(
            "(o.placed_at < ${t} OR (o.placed_at = ${t} AND o.id < ${i}))"
        ));
    }
    let dir = if f.asc { "ASC" } else { "DESC" };
    let order = match f.sort.as_str() {
        "total" => format!("o.total_minor {dir}, o.id {dir}"),
        "number" => format!("o.number {dir}, o.id {dir}"),
        "customer" => format!("o.customer_name {dir}, o.id {dir}"),
        "status" => format!("o.status {dir}, o.placed_at DESC, o.id DESC"),
        _ => format!("o.placed_at {dir}, o.id {dir}"),
    };
    (conds.join(" AND "), args, order)
}

/// One page of the orders matching the filter (the inbox asks for its count apart, so the
/// rows never wait for a count of a common term). The WHERE clause holds only the filters
/// given, so each backend's planner sees plain equalities and ranges and walks the matching
/// index in the page's order (`orders_company_placed`, `orders_store_placed`,
/// `orders_company_status_placed`, `orders_company_total`, `orders_company_flagged`) until the
/// page is full. A text filter is looked up in a trigram index (PostgreSQL's
/// `orders_search_trgm`, SQLite's `orders_search` when the term is rare enough; see `TextBy`).
pub async fn list_page(db: &Db, f: &ListFilter, limit: i64, offset: i64) -> Result<Vec<ListRow>> {
    let text_by = TextBy::for_page(db, f).await?;
    page_rows(db, f, text_by, limit, offset).await
}

/// How many orders match the filter, counted up to `cap`.
pub async fn count(db: &Db, f: &ListFilter, cap: i64) -> Result<i64> {
    let text_by = TextBy::for_db(db, f).await?;
    count_matching(db, f, text_by, cap).await
}

/// One page of the orders matching the filter, in its order.
async fn page_rows(
    db: &Db,
    f: &ListFilter,
    text_by: TextBy,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListRow>> {
    let (where_, mut args, order) = filter_sql(f, &text_by);
    let n = args.len();
    let sql = format!(
        "SELECT o.id, o.store_id, s.name AS store_name, o.number, o.status, o.financial_status, o.currency, \
         o.total_minor, o.customer_name, o.email, o.phone, o.flags, o.placed_at \
         FROM orders o JOIN stores s ON s.id = o.store_id WHERE {where_} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    args.push(Arg::Int(limit));
    args.push(Arg::Int(offset));
    // Planned for its values each time (never a cached generic plan): whether a trigram index
    // or a walk by date is cheaper depends on the term.
    Ok(with_db!(db, |pool| bind_args!(
        sqlx::query_as::<_, ListRow>(&sql).persistent(false),
        args.iter()
    )
    .fetch_all(pool)
    .await)?)
}

/// How many orders match the filter, counted up to `cap`.
async fn count_matching(db: &Db, f: &ListFilter, text_by: TextBy, cap: i64) -> Result<i64> {
    let (where_, mut args, _) = filter_sql(f, &text_by);
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE {where_} LIMIT ${}) AS matching",
        args.len() + 1
    );
    args.push(Arg::Int(cap));
    Ok(with_db!(db, |pool| bind_args!(
        sqlx::query_scalar::<_, i64>(&sql).persistent(false),
        args.iter()
    )
    .fetch_one(pool)
    .await)?)
}

/// When the member's newest order change happened (None when they see no orders): the inbox
/// polls this and reloads its page when it moves.
pub async fn latest_change(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT MAX(o.updated_at) FROM orders o WHERE o.company_id = $1 \
        AND ($2 IS NULL OR o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2))";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(limited_to)
        .fetch_one(c)
        .await)?)
}

/// One order in full.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    pub external_id: String,
    pub number: String,
    pub status: String,
    pub financial_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub currency: String,
    pub total_minor: i64,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub shipping_address: Option<String>,
    pub billing_address: Option<String>,
    pub payment_gateway: Option<String>,
    pub note: Option<String>,
    pub flags: String,
    pub placed_at: DateTime<Utc>,
    pub source_updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// An order of the company in a store the member may see (None otherwise).
pub async fn load_order(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
    id: Uuid,
) -> Result<Option<OrderRow>> {
    const SQL: &str = "SELECT o.id, o.store_id, s.name AS store_name, o.external_id, o.number, o.status, \
        o.financial_status, o.fulfillment_status, o.currency, o.total_minor, o.subtotal_minor, o.shipping_minor, \
        o.tax_minor, o.customer_name, o.email, o.phone, o.shipping_address, o.billing_address, o.payment_gateway, \
        o.note, o.flags, o.placed_at, o.source_updated_at, o.cancelled_at, o.updated_at \
        FROM orders o JOIN stores s ON s.id = o.store_id WHERE o.id = $1 AND o.company_id = $2 \
        AND ($3 IS NULL OR o.store_id IN (SELECT store_id FROM store_access WHERE company_id = $2 AND user_id = $3))";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(company_id)
        .bind(limited_to)
        .fetch_optional(c)
        .await)?)
}

pub async fn items(db: &Db, order_id: Uuid) -> Result<Vec<Item>> {
    const SQL: &str = "SELECT sku, title, variant, quantity, unit_price_minor FROM order_items \
        WHERE order_id = $1 ORDER BY position";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .fetch_all(c)
        .await)?)
}

/// A timeline entry with the actor's name.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub happened_at: DateTime<Utc>,
    pub kind: String,
    pub actor_name: Option<String>,
    pub detail: String,
}

pub async fn events(db: &Db, order_id: Uuid) -> Result<Vec<EventRow>> {
    const SQL: &str =
        "SELECT e.happened_at, e.kind, u.name AS actor_name, e.detail FROM order_events e \
        LEFT JOIN users u ON u.id = e.actor_id WHERE e.order_id = $1 ORDER BY e.id DESC";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(order_id)
        .fetch_all(c)
        .await)?)
}

pub async fn payload(db: &Db, order_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT raw FROM order_payloads WHERE order_id = $1";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(order_id)
        .fetch_optional(c)
        .await)?)
}

// Sync.

/// A store's connection as the sync job needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SyncRow {
    pub company_id: Uuid,
    pub platform: String,
    pub shop_domain: Option<String>,
    pub sealed_credentials: String,
    pub uninstalled_at: Option<DateTime<Utc>>,
    pub synced_until: Option<DateTime<Utc>>,
    pub sync_state: Option<String>,
    pub sync_since: Option<DateTime<Utc>>,
    pub sync_cursor: Option<String>,
    pub sync_high: Option<DateTime<Utc>>,
    pub sync_done: i64,
    pub sync_day: Option<chrono::NaiveDate>,
}

pub async fn sync_row(db: &Db, store_id: Uuid) -> Result<Option<SyncRow>> {
    const SQL: &str =
        "SELECT company_id, platform, shop_domain, sealed_credentials, uninstalled_at, synced_until, \
        sync_state, sync_since, sync_cursor, sync_high, sync_done, sync_day FROM store_connections \
        WHERE store_id = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(store_id)
        .fetch_optional(c)
        .await)?)
}

/// Queues a sync of a store (of one day's orders with `day`) unless one is queued or running;
/// false when one is.
pub async fn queue_sync(
    tx: &mut Tx,
    company_id: Uuid,
    store_id: Uuid,
    day: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE store_connections SET sync_state = 'queued', sync_state_at = $3, sync_day = $4 \
        WHERE store_id = $1 AND company_id = $2 AND uninstalled_at IS NULL \
        AND sync_state IS NULL";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(company_id)
            .bind(now)
            .bind(day)
    )? > 0)
}

/// Connected stores with no sync queued or running whose last pass ended before
/// `due` (or never ran); a pass stuck since before `stale` (its job gave up) is cleared first:
/// (company, store).
pub async fn stores_to_sync(
    db: &Db,
    stale: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>> {
    const RESET: &str = "UPDATE store_connections SET sync_state = NULL, sync_error = 'the last sync stopped; started again' \
        WHERE sync_state IS NOT NULL AND sync_state_at < $1";
    exec!(db, sqlx::query(RESET).bind(stale))?;
    const SQL: &str = "SELECT company_id, store_id FROM store_connections WHERE \
        uninstalled_at IS NULL AND sync_state IS NULL AND (sync_finished_at IS NULL OR sync_finished_at < $1)";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(due)
        .fetch_all(c)
        .await)?)
}

/// A queued pass starts: from `synced_until`, at the first page.
pub async fn start_sync(
    db: &Db,
    store_id: Uuid,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE store_connections SET sync_state = 'running', sync_state_at = $3, sync_since = $2, \
        sync_cursor = NULL, sync_high = NULL, sync_done = 0, sync_error = NULL WHERE store_id = $1";
    exec!(db, sqlx::query(SQL).bind(store_id).bind(since).bind(now))?;
    Ok(())
}

/// A page was read and written: where the next one starts.
pub async fn sync_progress(
    db: &Db,
    store_id: Uuid,
    cursor: Option<&str>,
    high: Option<DateTime<Utc>>,
    done: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE store_connections SET sync_cursor = $2, sync_high = $3, sync_done = $4, sync_state_at = $5 \
        WHERE store_id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(cursor)
            .bind(high)
            .bind(done)
            .bind(now)
    )?;
    Ok(())
}

/// A pass ended; with `error` set (a refusal) the high-water mark stays where it was.
pub async fn finish_sync(
    db: &Db,
    store_id: Uuid,
    synced_until: Option<DateTime<Utc>>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "UPDATE store_connections SET sync_state = NULL, sync_state_at = NULL, sync_cursor = NULL, \
        sync_day = NULL, synced_until = COALESCE($2, synced_until), sync_error = $3, sync_finished_at = $4 WHERE store_id = $1";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(synced_until)
            .bind(error)
            .bind(now)
    )?;
    Ok(())
}

/// A failed attempt says why (the queue retries it from the cursor).
pub async fn sync_failed(db: &Db, store_id: Uuid, error: &str) -> Result<()> {
    const SQL: &str = "UPDATE store_connections SET sync_error = $2 WHERE store_id = $1";
    exec!(db, sqlx::query(SQL).bind(store_id).bind(error))?;
    Ok(())
}

/// How each connected store's sync stands, for the pages.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SyncStatus {
    pub store_id: Uuid,
    pub store_name: String,
    pub platform: String,
    pub shop_domain: Option<String>,
    pub uninstalled_at: Option<DateTime<Utc>>,
    pub sync_state: Option<String>,
    pub sync_done: i64,
    pub sync_finished_at: Option<DateTime<Utc>>,
    pub sync_error: Option<String>,
    pub sync_day: Option<chrono::NaiveDate>,
    pub reconciled_at: Option<DateTime<Utc>>,
    /// The pass reads a Shopify bulk export (its cursor says so).
    pub sync_bulk: bool,
}

pub async fn sync_statuses(
    db: &Db,
    company_id: Uuid,
    limited_to: Option<Uuid>,
) -> Result<Vec<SyncStatus>> {
    const SQL: &str = "SELECT c.store_id, s.name AS store_name, c.platform, c.shop_domain, c.uninstalled_at, c.sync_state, \
        c.sync_done, c.sync_finished_at, c.sync_error, c.sync_day, c.reconciled_at, \
        COALESCE(c.sync_cursor LIKE 'bulk:%', FALSE) AS sync_bulk FROM store_connections c JOIN stores s ON s.id = c.store_id \
        WHERE c.company_id = $1 \
        AND ($2 IS NULL OR c.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2)) \
        ORDER BY s.name";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limited_to)
        .fetch_all(c)
        .await)?)
}

// Reconciliation.

/// Our count of a store's orders created in [start, end) and their newest change at the store.
pub async fn day_stats(
    db: &Db,
    store_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>)> {
    const SQL: &str = "SELECT COUNT(*), MAX(source_updated_at) FROM orders \
        WHERE store_id = $1 AND placed_at >= $2 AND placed_at < $3";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(store_id)
        .bind(start)
        .bind(end)
        .fetch_one(c)
        .await)?)
}

/// One compared day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DayRow {
    pub store_id: Uuid,
    pub day: chrono::NaiveDate,
    pub shop_count: i64,
    pub our_count: i64,
    pub shop_latest: Option<DateTime<Utc>>,
    pub our_latest: Option<DateTime<Utc>>,
}

/// Replaces a store's compared days.
pub async fn save_reconciliation(
    db: &Db,
    company_id: Uuid,
    store_id: Uuid,
    days: &[DayRow],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    const CLEAR: &str = "DELETE FROM order_reconciliation WHERE store_id = $1";
    exec_tx!(&mut tx, sqlx::query(CLEAR).bind(store_id))?;
    const ROW: &str = "INSERT INTO order_reconciliation (store_id, company_id, day, shop_count, our_count, shop_latest, \
        our_latest, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    for d in days {
        exec_tx!(
            &mut tx,
            sqlx::query(ROW)
                .bind(store_id)
                .bind(company_id)
                .bind(d.day)
                .bind(d.shop_count)
                .bind(d.our_count)
                .bind(d.shop_latest)
                .bind(d.our_latest)
                .bind(now)
        )?;
    }
    const MARK: &str = "UPDATE store_connections SET reconciled_at = $2 WHERE store_id = $1";
    exec_tx!(&mut tx, sqlx::query(MARK).bind(store_id).bind(now))?;
    tx.commit().await
}

/// Days that drift (counts differ, or the shop changed an order after our newest copy), of the
/// stores the member sees, newest day first.
pub async fn drift(db: &Db, company_id: Uuid, limited_to: Option<Uuid>) -> Result<Vec<DayRow>> {
    const SQL: &str = "SELECT r.store_id, r.day, r.shop_count, r.our_count, r.shop_latest, r.our_latest \
        FROM order_reconciliation r WHERE r.company_id = $1 \
        AND ($2 IS NULL OR r.store_id IN (SELECT store_id FROM store_access WHERE company_id = $1 AND user_id = $2)) \
        AND (r.shop_count <> r.our_count OR (r.shop_latest IS NOT NULL AND (r.our_latest IS NULL OR r.shop_latest > r.our_latest))) \
        ORDER BY r.day DESC";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limited_to)
        .fetch_all(c)
        .await)?)
}

/// Connected stores not compared since `before`.
pub async fn stores_to_reconcile(db: &Db, before: DateTime<Utc>) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT store_id FROM store_connections WHERE platform = 'shopify' AND uninstalled_at IS NULL \
        AND (reconciled_at IS NULL OR reconciled_at < $1)";
    Ok(with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(before)
        .fetch_all(c)
        .await)?)
}

// Export.

/// An order as an export writes it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportRow {
    pub number: String,
    pub store_name: String,
    pub placed_at: DateTime<Utc>,
    pub status: String,
    pub customer_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub total_minor: i64,
    pub currency: String,
    pub financial_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub flags: String,
    pub shipping_address: Option<String>,
}

/// Every order matching the filter (in its order, at most `max`), sent down `out` one by one
/// as the database yields them: memory stays flat whatever the count. Stops early when the
/// receiver is gone (the download was abandoned).
pub async fn export_rows(
    db: &Db,
    f: &ListFilter,
    max: i64,
    out: &tokio::sync::mpsc::Sender<Result<ExportRow>>,
) -> Result<()> {
    use futures_util::TryStreamExt;
    let (where_, mut args, order) = filter_sql(f, &TextBy::for_db(db, f).await?);
    args.push(Arg::Int(max));
    let sql = format!(
        "SELECT o.number, s.name AS store_name, o.placed_at, o.status, o.customer_name, o.email, o.phone, \
         o.total_minor, o.currency, o.financial_status, o.fulfillment_status, o.flags, o.shipping_address \
         FROM orders o JOIN stores s ON s.id = o.store_id WHERE {where_} ORDER BY {order} LIMIT ${}",
        args.len()
    );
    with_db!(db, |pool| {
        let mut rows = bind_args!(sqlx::query_as::<_, ExportRow>(&sql), args.iter()).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            if out.send(Ok(row)).await.is_err() {
                break;
            }
        }
        Ok::<_, crate::Error>(())
    })
}

pub mod courier;
pub mod handover;
pub mod imports;
// After `bind_args!`, which it uses.
pub mod work;
